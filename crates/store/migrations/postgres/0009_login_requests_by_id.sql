-- The SQLite migration of this number rebuilds its login_requests keyed by id, without a hash
-- of the auth_req_id for new requests. PostgreSQL keeps finding a polled request by that hash,
-- which nodes of the previous version use too during a rolling upgrade: nothing changes here.
SELECT 1;
