CREATE TABLE user_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL,
    media_id    TEXT REFERENCES media(id) ON DELETE SET NULL,
    comment_id  INTEGER REFERENCES comments(id) ON DELETE SET NULL,
    text        TEXT NOT NULL,
    seen        BOOLEAN NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX user_messages_user ON user_messages(user_id, seen, created_at);
