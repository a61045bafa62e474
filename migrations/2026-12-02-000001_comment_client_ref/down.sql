DROP INDEX comments_client_ref;
ALTER TABLE comments DROP COLUMN added_seq;
ALTER TABLE comments DROP COLUMN client_ref;
