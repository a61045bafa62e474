ALTER TABLE media DROP COLUMN hdr_file;
ALTER TABLE media DROP COLUMN scrub_file;
