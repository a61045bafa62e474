DROP TABLE guest_sessions;
DROP TABLE guest_links;
ALTER TABLE comments DROP COLUMN resolved_at;
ALTER TABLE comments DROP COLUMN resolved_by;
DROP TABLE status_history;
DROP TABLE media_shares;
ALTER TABLE media DROP COLUMN review_status;
ALTER TABLE media DROP COLUMN link_access;
