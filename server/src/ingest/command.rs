//! ffmpeg argument lists for proxies, posters, sprite sheets, audio and images: pure functions.
