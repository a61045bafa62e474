-- Version stacks (docs/versions.md): a media with `stack_id` NULL is its stack's root (v1
-- unless reordered); its versions name it in `stack_id`. Sharing, guest links and the
-- status history of a stack are kept on its root; link access and review status are kept
-- equal on every version.
ALTER TABLE media ADD COLUMN stack_id TEXT;
ALTER TABLE media ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
CREATE INDEX media_stack ON media (stack_id);
