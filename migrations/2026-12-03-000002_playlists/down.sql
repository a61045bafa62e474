DROP TABLE playlist_shares;
DROP TABLE playlist_items;
DROP TABLE playlists;
