-- The pace of token polls lives in the one server's memory on SQLite (grant::pacer); the
-- PostgreSQL migration of this number adds the table the nodes share. Nothing to change here.
SELECT 1;
