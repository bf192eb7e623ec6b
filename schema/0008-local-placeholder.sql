-- Placeholder (branch wt-11b only): keeps schema/0011-bank.sql contiguous
-- until the lead merges the other branches' migrations; drop it at merge.
SELECT 1;
