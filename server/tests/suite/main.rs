//! The server's integration tests, as one test binary: linking one binary instead of one
//! per file keeps the build small and fast (each test binary links every dependency).
//! Each module is one area; `common` starts servers and clients, `organizer_support`
//! builds and runs organizer plugins.
//!
//!   cargo test -p dailies-server --test suite            all of them
//!   cargo test -p dailies-server --test suite rooms::    one area

mod common;
mod organizer_support;

mod audio_tracks;
mod binary;
mod cluster;
mod comment_ids;
mod crash;
mod db_backends;
mod faults_backends;
mod faults_crash;
mod faults_disk;
mod faults_ffmpeg;
mod footage;
mod foundation;
mod identity_names;
mod ingest;
mod interchange;
mod notices;
mod notify;
mod organizer;
mod organizer_bench;
mod organizer_py;
mod presenter;
mod processing;
mod renditions;
mod report;
mod rooms;
mod rooms_scale;
mod security_ffmpeg_inputs;
mod security_fuzz_regressions;
mod security_hostile;
mod security_matrix;
mod sequences;
mod sharing;
mod space;
mod storage_s3;
mod subtitles;
mod tus;
mod uploads;
mod versions;
mod web_safety;
mod workers;
mod ws_fragments;
