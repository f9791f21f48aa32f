-- revision: 5c3d00000002
-- parents:
-- message: includes itself through another file
SELECT 1;
:r cycle.sql
