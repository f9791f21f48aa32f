DROP VIEW $(ViewName);
GO
DROP TABLE $(TableName);
