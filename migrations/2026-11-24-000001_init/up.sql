CREATE TABLE users (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    is_admin    BOOLEAN NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_seen   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE media (
    id              TEXT PRIMARY KEY NOT NULL,
    owner_id        TEXT NOT NULL REFERENCES users(id),
    title           TEXT NOT NULL,
    orig_filename   TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'processing'
                    CHECK (status IN ('processing', 'ready', 'failed')),
    error           TEXT,
    kind            TEXT CHECK (kind IN ('video', 'audio', 'image')),
    duration        DOUBLE,
    fps_num         BIGINT,
    fps_den         BIGINT,
    frame_count     BIGINT,
    width           INTEGER,
    height          INTEGER,
    video_codec     TEXT,
    audio_codec     TEXT,
    pix_fmt         TEXT,
    bitrate         BIGINT,
    audio_channels  INTEGER,
    file_size       BIGINT NOT NULL DEFAULT 0,
    progress        DOUBLE,
    playback_file   TEXT,
    thumb_file      TEXT,
    sheet_json      TEXT,
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX media_owner ON media(owner_id, created_at);

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    media_id    TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    parent_id   INTEGER REFERENCES comments(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id),
    text        TEXT NOT NULL,
    frame       BIGINT NOT NULL CHECK (frame >= 0),
    end_frame   BIGINT CHECK (end_frame IS NULL OR end_frame >= frame),
    drawing     TEXT,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    edited_at   TIMESTAMP,
    deleted     BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX comments_media ON comments(media_id, frame);

CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    media_id    TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX jobs_status ON jobs(status);
