-- A shop's schema as it grew before any migration tool, as SSMS users
-- write it: system-named constraints and defaults, one named default, an
-- alias type, a sequence; and, as in older sample databases, names with
-- spaces and in mixed case, views on views, long index names on long table
-- names, LIKE-pattern checks, triggers, and modules written in lower case
-- with trailing blanks. `{phone}` is the type of customers.phone and
-- `{LastName}` the spelling of a column of [Customer Accounts] (the tests
-- change them to make copies that differ in one column).
CREATE SEQUENCE dbo.invoice_numbers AS bigint START WITH 1000 INCREMENT BY 10;
GO
CREATE TYPE dbo.phone_number FROM varchar(20) NULL;
GO
CREATE TABLE dbo.customers (
    id int IDENTITY(1,1) PRIMARY KEY,
    email nvarchar(200) NOT NULL UNIQUE,
    name nvarchar(max) NOT NULL,
    phone {phone} NULL,
    fax dbo.phone_number NULL,
    referred_by int NULL REFERENCES dbo.customers (id),
    status varchar(20) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
    created_at datetime2 NOT NULL CONSTRAINT DF_customers_created DEFAULT SYSUTCDATETIME()
);
CREATE TABLE dbo.categories (
    id int IDENTITY(1,1) CONSTRAINT PK_categories PRIMARY KEY,
    name nvarchar(100) NOT NULL CONSTRAINT uq_category_name UNIQUE
);
CREATE TABLE dbo.products (
    id int IDENTITY(100,5) PRIMARY KEY,
    sku nvarchar(40) NOT NULL,
    category_id int NULL REFERENCES dbo.categories (id) ON DELETE SET NULL,
    price decimal(10,2) NOT NULL CONSTRAINT positive_price CHECK (price >= 0),
    stock int NOT NULL DEFAULT 0,
    discontinued bit NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ux_products_sku ON dbo.products (sku);
CREATE INDEX ix_products_active ON dbo.products (category_id) WHERE discontinued = 0;
CREATE TABLE dbo.orders (
    id bigint IDENTITY(1,1) PRIMARY KEY,
    customer_id int NOT NULL REFERENCES dbo.customers (id) ON DELETE CASCADE,
    invoice_no bigint NULL DEFAULT (NEXT VALUE FOR dbo.invoice_numbers),
    ordered_at datetime2 NOT NULL DEFAULT SYSUTCDATETIME(),
    note nvarchar(max) NULL
);
CREATE INDEX ix_orders_customer ON dbo.orders (customer_id, ordered_at DESC) INCLUDE (note);
CREATE TABLE dbo.order_items (
    order_id bigint NOT NULL REFERENCES dbo.orders (id) ON DELETE CASCADE,
    product_id int NOT NULL REFERENCES dbo.products (id),
    quantity int NOT NULL CHECK (quantity > 0),
    unit_price decimal(10,2) NOT NULL,
    line_total AS (quantity * unit_price) PERSISTED,
    PRIMARY KEY (order_id, product_id)
);
CREATE TABLE dbo.addresses (
    id int IDENTITY(1,1) PRIMARY KEY,
    customer_id int NOT NULL REFERENCES dbo.customers (id) ON DELETE CASCADE,
    kind varchar(10) NOT NULL,
    line1 nvarchar(200) NOT NULL,
    UNIQUE (customer_id, kind)
);
CREATE TABLE dbo.payments (
    id int IDENTITY(1,1) PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES dbo.orders (id) ON DELETE CASCADE,
    amount decimal(10,2) NOT NULL,
    paid_at datetime2 NULL
);
CREATE UNIQUE INDEX ux_payments_settled ON dbo.payments (order_id) WHERE paid_at IS NOT NULL;
CREATE TABLE dbo.audit_log (
    id int IDENTITY(1,1) PRIMARY KEY,
    table_name varchar(50) NOT NULL,
    row_id bigint NOT NULL,
    logged_at datetime2 NOT NULL DEFAULT SYSUTCDATETIME()
);
CREATE TABLE dbo.alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);
GO
CREATE VIEW dbo.order_summary AS
    SELECT o.id AS order_id, c.email, o.ordered_at FROM dbo.orders AS o JOIN dbo.customers AS c ON c.id = o.customer_id
GO
CREATE PROCEDURE dbo.close_order @order_id bigint AS
BEGIN
    SET NOCOUNT ON;
    UPDATE dbo.orders SET note = N'closed' WHERE id = @order_id;
END
GO
CREATE TRIGGER dbo.orders_audit ON dbo.orders AFTER INSERT AS
BEGIN
    SET NOCOUNT ON;
    INSERT INTO dbo.audit_log (table_name, row_id) SELECT 'orders', id FROM inserted;
END
GO
CREATE TABLE dbo.[Customer Accounts] (
    AccountID int IDENTITY(1,1) NOT NULL CONSTRAINT PK_Customer_Accounts PRIMARY KEY,
    FirstName nvarchar(40) NOT NULL,
    {LastName} nvarchar(40) NOT NULL,
    PostalCode varchar(10) NULL CHECK (PostalCode LIKE '[0-9][0-9][0-9][0-9][0-9]'),
    AccountCode varchar(12) NOT NULL CHECK (AccountCode LIKE '99%'),
    Region nvarchar(20) NOT NULL CONSTRAINT CK_Customer_Accounts_Region CHECK (Region NOT LIKE 'Test%'),
    Fax dbo.phone_number NULL
);
CREATE INDEX IX_Customer_Accounts_Region_And_Postal_Code_For_Reports ON dbo.[Customer Accounts] (Region, PostalCode);
CREATE INDEX IX_Accounts_FirstName ON dbo.[Customer Accounts] (FirstName);
CREATE TABLE dbo.[Quarterly Sales Targets By Region And Product Category] (
    TargetID int NOT NULL PRIMARY KEY,
    Region nvarchar(20) NOT NULL,
    Amount decimal(12,2) NOT NULL
);
CREATE INDEX IX_Targets_Region ON dbo.[Quarterly Sales Targets By Region And Product Category] (Region);
GO
CREATE VIEW [Sales by Region]  
AS
SELECT Region, COUNT(*) AS Accounts   
FROM dbo.[Customer Accounts]
GROUP BY Region
GO
create view dbo.[Best Regions] as select Region from dbo.[Sales by Region] where Accounts > 10
GO
create procedure dbo.[Accounts in Best Regions]   
as
begin
    set nocount on;
    select a.FirstName from dbo.[Customer Accounts] as a join dbo.[Best Regions] as b on b.Region = a.Region;  
end
GO
CREATE TRIGGER dbo.[Customer Accounts Audit] ON dbo.[Customer Accounts] AFTER INSERT AS
BEGIN
    SET NOCOUNT ON;
    INSERT INTO dbo.audit_log (table_name, row_id) SELECT 'Customer Accounts', AccountID FROM inserted;
END
GO
