DROP TABLE jobs;
DROP TABLE comments;
DROP TABLE media;
DROP TABLE users;
