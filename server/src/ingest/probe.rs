//! ffprobe/mediainfo: run them and parse their JSON into the facts Dailies keeps.
