-- Team review: sharing per media, review status with its history, resolved notes, and
-- guest review links with their sessions (docs/sharing.md).
-- Media that existed before keep link access 'off': only new media take the config's
-- default_link_access, so nothing already stored becomes visible to more people.
ALTER TABLE media ADD COLUMN link_access TEXT NOT NULL DEFAULT 'off';
ALTER TABLE media ADD COLUMN review_status TEXT NOT NULL DEFAULT 'needs_review';

-- Users a media is shared with by name. Not tied to `users`: a media may be shared with
-- someone before their first sign-in.
CREATE TABLE media_shares (
    media_id TEXT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (media_id, user_id)
);
CREATE INDEX media_shares_user ON media_shares (user_id);

CREATE TABLE status_history (
    id INTEGER PRIMARY KEY NOT NULL,
    media_id TEXT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    user_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX status_history_media ON status_history (media_id, id);

ALTER TABLE comments ADD COLUMN resolved_by TEXT;
ALTER TABLE comments ADD COLUMN resolved_at TIMESTAMP;

-- Tokens and passwords are stored hashed: SHA-256 of the 256-bit token, argon2id of the
-- password.
CREATE TABLE guest_links (
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
CREATE INDEX guest_links_media ON guest_links (media_id);

-- A guest who opened a link: the cookie's token hashed, and the name they gave. The
-- guest's user id is 'guest:<id>'.
CREATE TABLE guest_sessions (
    id INTEGER PRIMARY KEY NOT NULL,
    link_id BIGINT NOT NULL REFERENCES guest_links (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX guest_sessions_link ON guest_sessions (link_id);
