-- Dailies playlists (docs/versions.md): an ordered list of media with a title, shared with
-- users like a media file. An item whose adder could manage its media (`shares`) is opened
-- by the playlist's sharing to those it is shared with; other items show only to those who
-- may view them anyway.
CREATE TABLE playlists (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL,
    title TEXT NOT NULL,
    link_access TEXT NOT NULL DEFAULT 'off',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX playlists_owner ON playlists (owner_id);

CREATE TABLE playlist_items (
    playlist_id TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    media_id TEXT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    shares BOOLEAN NOT NULL,
    added_by TEXT NOT NULL,
    PRIMARY KEY (playlist_id, position)
);
CREATE INDEX playlist_items_media ON playlist_items (media_id);

CREATE TABLE playlist_shares (
    playlist_id TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (playlist_id, user_id)
);
CREATE INDEX playlist_shares_user ON playlist_shares (user_id);
