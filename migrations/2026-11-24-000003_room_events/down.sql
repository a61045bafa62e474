ALTER TABLE media DROP COLUMN source;
DROP TABLE room_events;
