//! Ingestion and processing: probing files, deciding on a proxy, running ffmpeg jobs.
//! `probe` and `command` are pure (parse output, build argument lists); the actors run them.

pub mod command;
pub mod intake;
pub mod job;
pub mod pipeline;
pub mod probe;
pub mod queue;
pub mod watch;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Set when a job must stop (its media is deleted, or the server shuts down).
#[derive(Clone, Default, Debug)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
