SELECT 2;
:r 5c3d00000002_cycle.up.sql
