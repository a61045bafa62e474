-- Subtitle tracks of a media file (docs/interchange.md): uploaded SRT, WebVTT, SSA/ASS
-- converted to WebVTT, or text streams of the source extracted at ingest. The file is
-- `file_name` in the media's directory, stored without the offset, which is applied when
-- it is served.
CREATE TABLE subtitle_tracks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    media_id TEXT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    language TEXT,
    offset_ms BIGINT NOT NULL DEFAULT 0,
    is_default BOOLEAN NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    file_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX subtitle_tracks_media ON subtitle_tracks (media_id);
-- The subtitle cue a comment was written against (JSON: track id, start/end ms, text).
ALTER TABLE comments ADD COLUMN subtitle_cue TEXT;
