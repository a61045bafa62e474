-- A guest link opens a media's stack or a playlist: `media_id` or `playlist_id`, one of the
-- two. Rebuilt in the order SQLite documents for a changed column (foreign keys off, new
-- table, copy, drop, rename, check), so guest sessions keep pointing at their links.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE guest_links_new (
    id INTEGER PRIMARY KEY NOT NULL,
    media_id TEXT REFERENCES media (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT,
    password_hash TEXT,
    expires_at TIMESTAMP,
    can_comment BOOLEAN NOT NULL,
    can_download BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    uses BIGINT NOT NULL DEFAULT 0,
    playlist_id TEXT REFERENCES playlists (id) ON DELETE CASCADE,
    CHECK ((media_id IS NULL) <> (playlist_id IS NULL))
);
INSERT INTO guest_links_new (id, media_id, token_hash, label, password_hash, expires_at, can_comment,
    can_download, created_by, created_at, last_used_at, uses)
SELECT id, media_id, token_hash, label, password_hash, expires_at, can_comment, can_download,
    created_by, created_at, last_used_at, uses FROM guest_links;
DROP TABLE guest_links;
ALTER TABLE guest_links_new RENAME TO guest_links;
CREATE INDEX guest_links_media ON guest_links (media_id);
CREATE INDEX guest_links_playlist ON guest_links (playlist_id);
COMMIT;
PRAGMA foreign_keys = ON;
