-- Notifications out: webhook endpoints and their deliveries (an outbox, written in the
-- same transaction as what caused them), e-mail settings, preferences, mails waiting to go
-- out, digest items and unsubscribe tokens (hashed).
CREATE TABLE webhook_endpoints (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    url         TEXT NOT NULL,
    -- As given: signing needs the secret itself. The API never answers it.
    secret      TEXT NOT NULL,
    -- JSON array of event names; empty for every event.
    events      TEXT NOT NULL,
    format      TEXT NOT NULL,
    -- 'config' (a [[webhook]] table, kept in step at start-up) or 'api'.
    source      TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT 1,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE webhook_deliveries (
    id           TEXT PRIMARY KEY NOT NULL,
    endpoint_id  INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event        TEXT NOT NULL,
    -- The exact bytes sent (and signed) on every attempt.
    body         TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_status  INTEGER,
    last_error   TEXT,
    done_at      TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, created_at);

CREATE TABLE notify_settings (
    user_id     TEXT PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email       TEXT,
    -- 'user' (set on the settings page) or 'proxy' (from the configured header).
    email_source TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE notify_prefs (
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    mode     TEXT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE mail_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id     TEXT NOT NULL,
    -- 'now', 'hourly' or 'daily'.
    period      TEXT NOT NULL,
    -- JSON array of the events told: [{kind, text, link, at}].
    items       TEXT NOT NULL,
    state       TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    last_error  TEXT,
    done_at     TIMESTAMP
);
CREATE INDEX mail_outbox_due ON mail_outbox(state, next_at);

CREATE TABLE mail_digest_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id     TEXT NOT NULL,
    period      TEXT NOT NULL,
    item        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX mail_digest_items_user ON mail_digest_items(user_id, period, created_at);

CREATE TABLE unsubscribe_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
