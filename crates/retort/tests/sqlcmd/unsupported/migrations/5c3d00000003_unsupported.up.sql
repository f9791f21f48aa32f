-- revision: 5c3d00000003
-- parents:
-- message: a sqlcmd command retort does not run
CREATE TABLE t (id int);
GO
:connect other_server
