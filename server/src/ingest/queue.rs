//! The `Ingest` actor: the processing queue. It runs at most `transcode_workers` jobs at
//! once, keeps every job as a database row, and resumes unfinished ones after a restart.

use super::pipeline::{self, JobContext, JobError};
use super::Cancel;
use crate::config::Config;
use crate::db::{queries, Db};
use crate::notice::Notifier;
use actix::prelude::*;
use dailies_protocol::MediaId;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// A job that failed this many times (crashes, kills, transient errors) is given up.
pub const MAX_ATTEMPTS: i32 = 3;

pub struct Ingest {
    db: Db,
    notifier: Notifier,
    config: Arc<Config>,
    store: crate::store::Store,
    queue: VecDeque<(i64, MediaId)>,
    running: HashMap<i64, (MediaId, Cancel)>,
}

impl Ingest {
    pub fn new(db: Db, notifier: Notifier, config: Arc<Config>, store: crate::store::Store) -> Self {
        Ingest {
            db,
            notifier,
            config,
            store,
            queue: VecDeque::new(),
            running: HashMap::new(),
        }
    }

    fn pump(&mut self, ctx: &mut Context<Self>) {
        while self.running.len() < self.config.transcode_workers {
            let Some((job_id, media_id)) = self.queue.pop_front() else {
                break;
            };
            let cancel = Cancel::default();
            self.running.insert(job_id, (media_id.clone(), cancel.clone()));
            let jc = JobContext {
                db: self.db.clone(),
                notifier: self.notifier.clone(),
                config: self.config.clone(),
                store: self.store.clone(),
                job_id,
                media_id: media_id.clone(),
                cancel,
            };
            let addr = ctx.address();
            actix::spawn(async move {
                let outcome = pipeline::run(jc).await;
                addr.do_send(JobDone {
                    job_id,
                    media_id,
                    outcome,
                });
            });
        }
    }
}

impl Actor for Ingest {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Restart recovery: whatever was queued or running when the server stopped.
        let db = self.db.clone();
        async move { db.run(queries::unfinished_jobs).await }
            .into_actor(self)
            .map(|res, act, ctx| match res {
                Ok(jobs) => {
                    if !jobs.is_empty() {
                        tracing::info!(count = jobs.len(), "resuming unfinished processing jobs");
                    }
                    act.queue.extend(jobs.into_iter().map(|j| (j.id, j.media_id)));
                    act.pump(ctx);
                }
                Err(e) => tracing::error!("cannot read the jobs table: {e}"),
            })
            .wait(ctx);
    }

    fn stopping(&mut self, _: &mut Context<Self>) -> Running {
        for (_, c) in self.running.values() {
            c.cancel();
        }
        Running::Stop
    }
}

/// Queue a job that is already a row in the jobs table.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Enqueue {
    pub job_id: i64,
    pub media_id: MediaId,
}

impl Handler<Enqueue> for Ingest {
    type Result = ();
    fn handle(&mut self, msg: Enqueue, ctx: &mut Context<Self>) {
        self.queue.push_back((msg.job_id, msg.media_id));
        self.pump(ctx);
    }
}

/// Stop and forget every job of a media file (it is being deleted).
#[derive(Message)]
#[rtype(result = "()")]
pub struct CancelMedia {
    pub media_id: MediaId,
}

impl Handler<CancelMedia> for Ingest {
    type Result = ();
    fn handle(&mut self, msg: CancelMedia, _: &mut Context<Self>) {
        self.queue.retain(|(_, m)| *m != msg.media_id);
        for (m, c) in self.running.values() {
            if *m == msg.media_id {
                c.cancel();
            }
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct JobDone {
    job_id: i64,
    media_id: MediaId,
    outcome: Result<(), JobError>,
}

impl Handler<JobDone> for Ingest {
    type Result = ();
    fn handle(&mut self, msg: JobDone, ctx: &mut Context<Self>) {
        let cancelled = self
            .running
            .remove(&msg.job_id)
            .map(|(_, c)| c.is_cancelled())
            .unwrap_or(false);
        let db = self.db.clone();
        let notifier = self.notifier.clone();
        let (job_id, media_id) = (msg.job_id, msg.media_id.clone());
        match msg.outcome {
            Ok(()) => {}
            Err(_) if cancelled => {}
            Err(JobError::Retry(reason)) => {
                let attempts = db
                    .run_blocking(|c| queries::job_attempts(c, job_id))
                    .unwrap_or(MAX_ATTEMPTS);
                if attempts < MAX_ATTEMPTS {
                    tracing::warn!(job_id, %media_id, attempts, "processing failed, retrying: {reason}");
                    self.queue.push_back((job_id, media_id));
                } else {
                    let reason = format!("processing failed {attempts} times; last error: {reason}");
                    actix::spawn(
                        async move { pipeline::mark_failed(&db, &notifier, job_id, &media_id, &reason).await },
                    );
                }
            }
            Err(JobError::Failed(reason)) => {
                actix::spawn(async move { pipeline::mark_failed(&db, &notifier, job_id, &media_id, &reason).await });
            }
        }
        self.pump(ctx);
    }
}
