//! The `Ingest` actor: the processing queue of one process (a server node or a
//! `dailies-server worker`). Every job is a database row; the actor takes jobs with a lease
//! (`queries::claim_job`), at most `transcode_workers` at once, renews the lease while a job
//! runs, and gives it back when it must retry or the process stops. A job whose process was
//! killed is taken by another once its lease runs out; one the same process left behind is
//! taken back when it starts again.

use super::pipeline::{self, JobContext, JobError};
use super::Cancel;
use crate::config::Config;
use crate::db::{queries, Db};
use crate::notice::Notifier;
use actix::prelude::*;
use dailies_protocol::MediaId;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// A job that failed this many times (crashes, kills, transient errors) is given up.
pub const MAX_ATTEMPTS: i32 = 3;

/// How often the queue looks for jobs queued by other processes or whose lease ran out (a
/// job queued by this process is started at once).
const CLAIM_POLL: Duration = Duration::from_secs(1);

struct Active {
    media_id: MediaId,
    cancel: Cancel,
    attempt: i32,
    /// Cancelled because the process stops: the job goes back to the queue, not to failed.
    stopping: bool,
}

pub struct Ingest {
    db: Db,
    notifier: Notifier,
    config: Arc<Config>,
    store: crate::store::Store,
    /// This run's name in the leases it takes: `<node_name>/<pid>-<random>`.
    owner: String,
    running: HashMap<i64, Active>,
    /// A claim is in flight; `again` asks for another when it ends.
    claiming: bool,
    again: bool,
}

impl Ingest {
    pub fn new(db: Db, notifier: Notifier, config: Arc<Config>, store: crate::store::Store) -> Self {
        let owner = format!(
            "{}/{}-{:08x}",
            config.node_name,
            std::process::id(),
            rand::random::<u32>()
        );
        Ingest {
            db,
            notifier,
            config,
            store,
            owner,
            running: HashMap::new(),
            claiming: false,
            again: false,
        }
    }

    /// Takes jobs from the database while there is room.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        if self.running.len() >= self.config.transcode_workers {
            return;
        }
        if self.claiming {
            self.again = true;
            return;
        }
        self.claiming = true;
        let (db, owner, lease) = (self.db.clone(), self.owner.clone(), self.config.job_lease);
        async move { db.run(move |c| queries::claim_job(c, &owner, lease)).await }
            .into_actor(self)
            .map(|res, act, ctx| {
                act.claiming = false;
                match res {
                    Ok(Some(claimed)) => {
                        act.start(claimed, ctx);
                        act.pump(ctx);
                    }
                    Ok(None) => {
                        // A job queued while the claim ran may have committed after it looked.
                        if std::mem::take(&mut act.again) {
                            act.pump(ctx);
                        }
                    }
                    // The database is down or busy: the next poll tries again.
                    Err(e) => tracing::warn!("cannot take a processing job: {e}"),
                }
            })
            .spawn(ctx);
    }

    fn start(&mut self, claimed: queries::Claimed, ctx: &mut Context<Self>) {
        let queries::Claimed {
            job_id,
            media_id,
            attempt,
        } = claimed;
        if attempt > MAX_ATTEMPTS {
            // Its process stopped in the middle each time (killed, or it crashed the machine).
            let reason = format!("processing failed {MAX_ATTEMPTS} times; last error: the process running it stopped");
            let (db, notifier) = (self.db.clone(), self.notifier.clone());
            actix::spawn(async move { pipeline::mark_failed(&db, &notifier, job_id, &media_id, &reason).await });
            return;
        }
        if attempt > 1 {
            tracing::info!(job_id, %media_id, attempt, owner = %self.owner, "taking up a processing job again");
        }
        let cancel = Cancel::default();
        self.running.insert(
            job_id,
            Active {
                media_id: media_id.clone(),
                cancel: cancel.clone(),
                attempt,
                stopping: false,
            },
        );
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

    /// Renews the lease of every running job; one that is no longer this process's (its
    /// lease ran out and another took it, or its media was deleted) is stopped.
    fn renew(&mut self, ctx: &mut Context<Self>) {
        if self.running.is_empty() {
            return;
        }
        let ids: Vec<i64> = self.running.keys().copied().collect();
        let (db, owner, lease) = (self.db.clone(), self.owner.clone(), self.config.job_lease);
        async move {
            db.run(move |c| {
                ids.into_iter()
                    .map(|id| Ok((id, queries::renew_lease(c, id, &owner, lease)?)))
                    .collect::<crate::error::AppResult<Vec<(i64, bool)>>>()
            })
            .await
        }
        .into_actor(self)
        .map(|res, act, _| match res {
            Ok(renewed) => {
                for (id, held) in renewed {
                    if let (false, Some(r)) = (held, act.running.get(&id)) {
                        tracing::warn!(job_id = id, media_id = %r.media_id, "the job's lease is no longer ours: stopping it");
                        r.cancel.cancel();
                    }
                }
            }
            Err(e) => tracing::warn!("cannot renew the leases of running jobs: {e}"),
        })
        .spawn(ctx);
    }
}

impl Actor for Ingest {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if self.config.transcode_workers == 0 {
            tracing::info!("transcode_workers = 0: this node runs no processing jobs");
            return;
        }
        // Restart recovery: what an earlier run under this name left running is queued
        // again at once (no other process runs it); other processes' jobs wait for their
        // leases to run out.
        let (db, node) = (self.db.clone(), self.config.node_name.clone());
        async move { db.run(move |c| queries::release_node_jobs(c, &node)).await }
            .into_actor(self)
            .map(|res, act, ctx| {
                match res {
                    Ok(n) if n > 0 => tracing::info!(count = n, "resuming processing jobs left by the last run"),
                    Ok(_) => {}
                    Err(e) => tracing::error!("cannot read the jobs table: {e}"),
                }
                act.pump(ctx);
            })
            .wait(ctx);
        ctx.run_interval(CLAIM_POLL, |act, ctx| act.pump(ctx));
        let renew_every = self.config.job_lease / 3;
        ctx.run_interval(renew_every, |act, ctx| act.renew(ctx));
    }

    fn stopping(&mut self, _: &mut Context<Self>) -> Running {
        for r in self.running.values_mut() {
            r.stopping = true;
            r.cancel.cancel();
        }
        // Given back at once, so another process need not wait for the leases to run out.
        let (ids, owner): (Vec<i64>, String) = (self.running.keys().copied().collect(), self.owner.clone());
        if !ids.is_empty() {
            let _ = self.db.run_blocking(move |c| {
                for id in ids {
                    queries::release_job(c, id, &owner)?;
                }
                Ok(())
            });
        }
        Running::Stop
    }
}

/// A job row was just queued by this process: take it now rather than at the next poll.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Enqueue {
    pub job_id: i64,
    pub media_id: MediaId,
}

impl Handler<Enqueue> for Ingest {
    type Result = ();
    fn handle(&mut self, _: Enqueue, ctx: &mut Context<Self>) {
        self.pump(ctx);
    }
}

/// The process stops: running jobs are cancelled and given back to the queue, and no more
/// are taken (an actor of a stopped server must not go on claiming from its database).
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopIngest;

impl Handler<StopIngest> for Ingest {
    type Result = ();
    fn handle(&mut self, _: StopIngest, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// Stop every job of a media file (it is being deleted; its job rows go with it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct CancelMedia {
    pub media_id: MediaId,
}

impl Handler<CancelMedia> for Ingest {
    type Result = ();
    fn handle(&mut self, msg: CancelMedia, _: &mut Context<Self>) {
        for r in self.running.values() {
            if r.media_id == msg.media_id {
                r.cancel.cancel();
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
        let Some(active) = self.running.remove(&msg.job_id) else {
            return;
        };
        let (db, notifier, owner) = (self.db.clone(), self.notifier.clone(), self.owner.clone());
        let (job_id, media_id) = (msg.job_id, msg.media_id.clone());
        match msg.outcome {
            Ok(()) => {}
            Err(_) if active.stopping => {}
            // Deleted, or the lease went to another process: nothing of ours to record.
            Err(_) if active.cancel.is_cancelled() => {}
            Err(JobError::Retry(reason)) if active.attempt < MAX_ATTEMPTS => {
                tracing::warn!(job_id, %media_id, attempts = active.attempt, "processing failed, retrying: {reason}");
                async move { db.run(move |c| queries::release_job(c, job_id, &owner)).await }
                    .into_actor(self)
                    .map(move |res, act, ctx| {
                        if let Err(e) = res {
                            // The lease runs out and the job is taken again then.
                            tracing::warn!(job_id, "cannot queue the job again: {e}");
                        }
                        act.pump(ctx);
                    })
                    .spawn(ctx);
            }
            Err(JobError::Retry(reason)) => {
                let reason = format!("processing failed {} times; last error: {reason}", active.attempt);
                actix::spawn(async move { pipeline::mark_failed(&db, &notifier, job_id, &media_id, &reason).await });
            }
            Err(JobError::Failed(reason)) => {
                actix::spawn(async move { pipeline::mark_failed(&db, &notifier, job_id, &media_id, &reason).await });
            }
        }
        self.pump(ctx);
    }
}
