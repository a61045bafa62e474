-- The organizer plugin's own key-value store (OrganizerInbox Kv* calls), by plugin name,
-- so its data survives plugin and server restarts.
CREATE TABLE organizer_kv (
    plugin      TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       BLOB NOT NULL,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (plugin, key)
);
