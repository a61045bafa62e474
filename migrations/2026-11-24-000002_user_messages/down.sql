DROP TABLE user_messages;
