-- Comments the organizer plugin writes through its inbox name the plugin (protocol 1.2).
ALTER TABLE comments ADD COLUMN via_plugin TEXT;
