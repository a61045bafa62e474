ALTER TABLE media DROP COLUMN upload_name;
ALTER TABLE media DROP COLUMN start_timecode;
