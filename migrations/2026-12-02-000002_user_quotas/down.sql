DROP INDEX comments_user_created;
DROP TABLE user_quotas;
