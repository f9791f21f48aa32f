INSERT INTO [$(TableName)] (note) VALUES (N'$(Nested)');
