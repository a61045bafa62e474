-- Playback files made beside the main one, after the media is playable (NULL: none).
-- A scrub proxy (short keyframe interval) of a long-GOP browser-ready original.
ALTER TABLE media ADD COLUMN scrub_file TEXT;
-- A 10-bit HDR proxy (VP9 profile 2 WebM) of an HDR source, when configured.
ALTER TABLE media ADD COLUMN hdr_file TEXT;
