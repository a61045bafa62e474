-- Each user's own display choices, kept with their account so they follow them from one
-- browser to the next: how positions are shown (source timecode, timecode from zero, frame
-- number, seconds) and the number frame-number display starts from (e.g. 1001).
CREATE TABLE user_preferences (
    user_id       TEXT PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    time_display  TEXT NOT NULL DEFAULT 'source'
                  CHECK (time_display IN ('source', 'zero', 'frames', 'seconds')),
    first_frame   BIGINT,
    updated_at    TIMESTAMP NOT NULL
);
