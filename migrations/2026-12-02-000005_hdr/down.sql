ALTER TABLE media DROP COLUMN hdr_json;
