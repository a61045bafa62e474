ALTER TABLE media DROP COLUMN sequence_json;
ALTER TABLE media DROP COLUMN start_frame;
