ALTER TABLE comments DROP COLUMN via_plugin;
