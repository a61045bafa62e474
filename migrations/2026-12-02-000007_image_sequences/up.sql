-- The number of a clip's first frame when its source numbers frames (an image sequence's
-- 1001), and what the sequence was (JSON of the protocol's ImageSequence); NULL otherwise.
ALTER TABLE media ADD COLUMN start_frame BIGINT;
ALTER TABLE media ADD COLUMN sequence_json TEXT;
