//! Processing: probing files, deciding on a proxy, running ffmpeg jobs. It hears of new
//! media from `intake` (by `Enqueue`) and tells the rest of the server by notices.

pub mod command;
pub mod job;
pub mod pipeline;
pub mod policy;
pub mod probe;
pub mod queue;
pub mod renditions;
pub mod sequence;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Set when a job must stop (its media is deleted, or the server shuts down).
#[derive(Clone, Default, Debug)]
pub struct Cancel {
    own: Arc<AtomicBool>,
    /// A child is cancelled with its parent, and may be cancelled alone.
    parent: Option<Arc<AtomicBool>>,
}

impl Cancel {
    pub fn cancel(&self) {
        self.own.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.own.load(Ordering::SeqCst) || self.parent.as_ref().is_some_and(|p| p.load(Ordering::SeqCst))
    }
    /// A cancel for one step of the job: cancelled with the job, or on its own.
    pub fn child(&self) -> Cancel {
        Cancel {
            own: Arc::default(),
            parent: Some(self.own.clone()),
        }
    }
}
