ALTER TABLE comments DROP COLUMN subtitle_cue;
DROP TABLE subtitle_tracks;
