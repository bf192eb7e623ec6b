-- Schema version 6: reserved. This file holds no table; it keeps the
-- numbering continuous for schema/0007-settlement.sql while version 6 is
-- being written on another branch. When that branch's 0006 lands, this file
-- is deleted (a home never applied this empty version in production).
SELECT 1;
