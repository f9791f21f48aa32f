INSERT INTO $(TableName) (note, origin) VALUES (N'$(Greeting)', N'$(Origin)');
:r nested/more.sql
