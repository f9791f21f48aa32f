-- revision: e2c91c86cdd1
-- parents: ca2061f1a411
-- message: add phone number to users
ALTER TABLE users ADD COLUMN phone_number VARCHAR(20);
