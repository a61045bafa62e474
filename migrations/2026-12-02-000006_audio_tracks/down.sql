ALTER TABLE media DROP COLUMN audio_tracks_json;
