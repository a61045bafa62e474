-- Every audio track of a source with two or more (JSON of the protocol's AudioTrack list);
-- NULL when there is one track or none.
ALTER TABLE media ADD COLUMN audio_tracks_json TEXT;
