DROP INDEX media_stack;
ALTER TABLE media DROP COLUMN version;
ALTER TABLE media DROP COLUMN stack_id;
