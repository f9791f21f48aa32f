-- A shop's schema as it grew before any migration tool: written by hand,
-- unnamed constraints and all; and, as in older sample databases, names
-- with spaces and in mixed case, views on views, a long index name,
-- LIKE-pattern checks, a trigger on such a table. `{phone}` is the type of
-- customers.phone and `{LastName}` the spelling of a column of
-- [Customer Accounts] (the tests change them to make copies that differ in
-- one column).
CREATE TABLE customers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email VARCHAR(200) NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone {phone},
    referred_by INTEGER REFERENCES customers (id) ON DELETE SET NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    CONSTRAINT uq_category_name UNIQUE (name)
);
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    sku VARCHAR(40) NOT NULL,
    category_id INTEGER REFERENCES categories (id) ON DELETE SET NULL,
    price NUMERIC(10,2) NOT NULL,
    stock INTEGER NOT NULL DEFAULT 0,
    discontinued BOOLEAN NOT NULL DEFAULT 0,
    CONSTRAINT positive_price CHECK (price >= 0)
);
CREATE UNIQUE INDEX ux_products_sku ON products (sku);
CREATE INDEX ix_products_active ON products (category_id) WHERE discontinued = 0;
CREATE TABLE orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    ordered_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    note TEXT
);
CREATE INDEX ix_orders_customer ON orders (customer_id, ordered_at DESC);
CREATE TABLE order_items (
    order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    unit_price NUMERIC(10,2) NOT NULL,
    line_total NUMERIC(12,2) GENERATED ALWAYS AS (quantity * unit_price) STORED,
    PRIMARY KEY (order_id, product_id)
);
CREATE TABLE addresses (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind VARCHAR(10) NOT NULL,
    line1 TEXT NOT NULL,
    UNIQUE (customer_id, kind)
);
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    amount NUMERIC(10,2) NOT NULL,
    paid_at DATETIME
);
CREATE UNIQUE INDEX ux_payments_settled ON payments (order_id) WHERE paid_at IS NOT NULL;
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    table_name VARCHAR(50) NOT NULL,
    row_id INTEGER NOT NULL,
    logged_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
CREATE VIEW order_summary AS
    SELECT o.id AS order_id, c.email, o.ordered_at FROM orders o JOIN customers c ON c.id = o.customer_id;
CREATE TRIGGER orders_audit AFTER INSERT ON orders
BEGIN
    INSERT INTO audit_log (table_name, row_id) VALUES ('orders', NEW.id);
END;

CREATE TABLE [Customer Accounts] (
    AccountID INTEGER PRIMARY KEY,
    FirstName VARCHAR(40) NOT NULL,
    {LastName} VARCHAR(40) NOT NULL,
    PostalCode VARCHAR(10) CHECK (PostalCode GLOB '[0-9][0-9][0-9][0-9][0-9]'),
    AccountCode VARCHAR(12) NOT NULL CHECK (AccountCode LIKE '99%'),
    Region VARCHAR(20) NOT NULL CONSTRAINT CK_Customer_Accounts_Region CHECK (Region NOT LIKE 'Test%')
);
CREATE INDEX IX_Customer_Accounts_Region_And_Postal_Code_For_Reports ON [Customer Accounts] (Region, PostalCode);
CREATE VIEW [Sales by Region]  
AS
SELECT Region, count(*) AS Accounts   
FROM [Customer Accounts]
GROUP BY Region;
create view "Best Regions" as select Region from main.[Sales by Region] where Accounts > 10;
CREATE TRIGGER [Customer Accounts Audit] AFTER INSERT ON [Customer Accounts]
BEGIN
    INSERT INTO audit_log (table_name, row_id) VALUES ('Customer Accounts', NEW.AccountID);
END;
