-- The source's start timecode as the container or a tmcd/timecode track states it
-- ("01:00:00:00", ";" before the frames when drop-frame); NULL when it states none.
ALTER TABLE media ADD COLUMN start_timecode TEXT;
-- The file name as uploaded, for downloads of the original (NULL for rows made before).
ALTER TABLE media ADD COLUMN upload_name TEXT;
