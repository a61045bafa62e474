-- Every change in a room, numbered per media, so a reconnecting client gets exactly what it
-- missed. Written in the same transaction as the change itself.
CREATE TABLE room_events (
    media_id    TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    event       TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (media_id, seq)
);

-- Where a media file came from: 'upload', 'tus' or 'watch' (watch-folder items notify
-- their owner when processing ends).
ALTER TABLE media ADD COLUMN source TEXT NOT NULL DEFAULT 'upload';
