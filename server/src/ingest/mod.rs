//! Ingestion and processing: probing files, deciding on a proxy, running ffmpeg jobs.
//! `probe` and `command` are pure (parse output, build argument lists); the actors run them.

pub mod command;
pub mod probe;
