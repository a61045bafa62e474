DROP TABLE unsubscribe_tokens;
DROP TABLE mail_digest_items;
DROP TABLE mail_outbox;
DROP TABLE notify_prefs;
DROP TABLE notify_settings;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
