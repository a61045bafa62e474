//! dailies-server: the library behind the binary, so tests can start a real server on port 0.
//! `start` builds everything from a `Config` and a bound listener; no globals.

pub(crate) mod access;
pub mod api;
pub mod bus;
pub mod config;
pub mod db;
pub mod error;
pub mod identity;
pub mod ingest;
pub mod intake;
pub mod interchange;
pub(crate) mod media_ops;
pub mod notice;
pub mod notify;
pub mod organizer;
pub mod playlists;
pub mod room;
pub mod session;
pub(crate) mod sharing;
pub mod space;
pub mod state;
pub mod storage;
pub mod store;
pub mod subtitles;
pub mod versions;

mod server;

pub use server::{run_worker, start, RunningServer};
