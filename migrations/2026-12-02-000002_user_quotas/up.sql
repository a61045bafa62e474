-- An admin's per-user overrides of the quota defaults in the config; NULL keeps the default.
-- Not tied to `users`: a quota may be set for someone before their first sign-in.
CREATE TABLE user_quotas (
    user_id TEXT PRIMARY KEY NOT NULL,
    stored_bytes BIGINT,
    upload_bytes BIGINT,
    uploads BIGINT,
    comment_bytes_per_day BIGINT,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- The comment volume of a user over the last day is read once per user after a start.
CREATE INDEX comments_user_created ON comments (user_id, created_at);
