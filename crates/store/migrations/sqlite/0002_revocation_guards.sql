-- A replayed redirect-flow code revokes every token of its login request, including one the
-- first exchange inserts after the replay was seen: token lookups check this flag too.
ALTER TABLE login_requests ADD COLUMN code_replayed INTEGER NOT NULL DEFAULT 0;

-- Exactly one signing key is active: the database refuses a second one.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (active) WHERE active = 1;
