-- One index on a login request's user instead of two overlapping ones: (user_id, status,
-- client_id, expires_at) answers both the pending limit (user, client, pending, unexpired) and
-- a user's open requests (user, pending, unexpired), and every insert or status change now
-- writes one entry fewer.
DROP INDEX login_requests_user;
DROP INDEX login_requests_open;
CREATE INDEX login_requests_open ON login_requests (user_id, status, client_id, expires_at);
