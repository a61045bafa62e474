PRAGMA foreign_keys = OFF;
BEGIN;
DELETE FROM guest_links WHERE media_id IS NULL;
CREATE TABLE guest_links_old (
    id INTEGER PRIMARY KEY NOT NULL,
    media_id TEXT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT,
    password_hash TEXT,
    expires_at TIMESTAMP,
    can_comment BOOLEAN NOT NULL,
    can_download BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    uses BIGINT NOT NULL DEFAULT 0
);
INSERT INTO guest_links_old SELECT id, media_id, token_hash, label, password_hash, expires_at,
    can_comment, can_download, created_by, created_at, last_used_at, uses FROM guest_links;
DROP TABLE guest_links;
ALTER TABLE guest_links_old RENAME TO guest_links;
CREATE INDEX guest_links_media ON guest_links (media_id);
COMMIT;
PRAGMA foreign_keys = ON;
