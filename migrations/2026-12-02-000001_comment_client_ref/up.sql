-- A client that retries `add_comment` after a lost answer sends the same client_ref: the
-- room answers with the comment it stored the first time (and the sequence number of its
-- event) instead of storing it again.
ALTER TABLE comments ADD COLUMN client_ref TEXT;
ALTER TABLE comments ADD COLUMN added_seq BIGINT;
CREATE INDEX comments_client_ref ON comments (media_id, user_id, client_ref)
    WHERE client_ref IS NOT NULL;
