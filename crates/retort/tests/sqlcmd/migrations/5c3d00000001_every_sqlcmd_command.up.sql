-- revision: 5c3d00000001
-- parents:
-- message: every sqlcmd command retort reads
-- transactional: false
:setvar TableName sq_people
:setvar Greeting "hello ""world"""
:on error exit
CREATE TABLE $(TableName) (id int IDENTITY(1, 1) PRIMARY KEY, note nvarchar(100) NULL, origin nvarchar(100) NULL);
GO
:r include/rows.sql
GO 2
:on error ignore
THROW 50001, N'this batch fails on purpose, and $(TableName) stays', 1;
GO
:on error exit
-- $(NotAVariable): comments are left as they are.
CREATE VIEW $(ViewName) AS SELECT id, note FROM $(TableName);
GO
