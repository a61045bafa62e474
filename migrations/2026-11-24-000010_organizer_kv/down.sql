DROP TABLE organizer_kv;
