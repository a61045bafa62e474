//! Wires the pieces together and owns the server's lifecycle: start on a listener, and a
//! graceful stop that closes websockets first and leaves the database checkpointed.

use crate::config::Config;
use crate::db::users::KnownUsers;
use crate::db::Db;
use crate::ingest::queue::Ingest;
use crate::notice::Notifier;
use crate::room::hub::{CloseAll, Hub};
use crate::state::AppState;
use actix::{Actor, Addr};
use actix_web::{dev::ServerHandle, middleware, web, App, HttpServer};
use anyhow::{Context, Result};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

/// A started server: its address, and the handles to stop it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    handle: ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    notify_worker: crate::notify::worker::Worker,
}

impl RunningServer {
    /// Closes every websocket, stops accepting, waits for requests in flight, checkpoints.
    pub async fn stop(self) -> Result<()> {
        let closed = self.state.hub.send(CloseAll).await.unwrap_or(0);
        tracing::info!(sessions = closed, "shutting down");
        // Give the writers a moment to flush close frames.
        if closed > 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.handle.stop(true).await;
        let _ = self.state.ingest.send(crate::ingest::queue::StopIngest).await;
        self.state.organizer.stop().await;
        let _ = self.task.await;
        // Attempts in flight are abandoned, not lost: their lease runs out and the next
        // start tries them again.
        let mut worker = self.notify_worker;
        let _ = web::block(move || worker.stop()).await;
        let db = self.state.db.clone();
        let _ = web::block(move || db.checkpoint()).await;
        Ok(())
    }

    /// Waits until the HTTP server ends by itself (it does not, short of an error).
    pub async fn wait(&mut self) -> Result<()> {
        (&mut self.task).await.context("server task")?.context("http server")
    }
}

fn prepare_data_dir(cfg: &Config) -> Result<()> {
    for d in [
        cfg.data_dir.clone(),
        cfg.media_dir(),
        cfg.incoming_dir(),
        cfg.upload_tmp_dir(),
    ] {
        std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
    }
    // Plain uploads cannot resume: what a previous run left half-written is garbage.
    // (Resumable tus uploads live in upload-tmp/tus/ and expire on their own.)
    if let Ok(entries) = std::fs::read_dir(cfg.upload_tmp_dir()) {
        for e in entries.flatten() {
            if e.path().extension().is_some_and(|x| x == "part") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    crate::intake::watch::recover(&cfg.incoming_dir());
    Ok(())
}

/// Deletes expired resumable uploads now and then.
async fn sweep_uploads(state: AppState) {
    let every = Duration::from_secs(60).min(state.config.upload_expiry / 2 + Duration::from_millis(100));
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let dir = crate::api::tus::tus_dir(&state);
        let expiry = state.config.upload_expiry;
        if let Ok(gone) = web::block(move || crate::api::tus::sweep_expired(&dir, expiry)).await {
            for upload in &gone {
                state.space.release(&upload.id);
                upload.abort(&state).await;
            }
            if !gone.is_empty() {
                tracing::info!(count = gone.len(), "expired resumable uploads removed");
            }
        }
    }
}

/// Starts the server on `listener` inside the current actix system.
pub async fn start(config: Config, listener: TcpListener) -> Result<RunningServer> {
    prepare_data_dir(&config)?;
    let db_config = config.clone();
    let db = web::block(move || Db::open_config(&db_config))
        .await
        .context("opening database")??;
    let store = crate::store::Store::from_config(&config).context("opening the media store")?;
    if !store.is_local() {
        tracing::info!(store = %store.describe(), "media in object storage");
    }
    let config = Arc::new(config);
    let hooks = config.webhooks.clone();
    db.run(move |c| crate::notify::store::sync_config_endpoints(c, &hooks))
        .await
        .context("storing the configured webhooks")?;
    let outbox = crate::notify::Outbox::new(config.smtp.is_some(), config.notify.public_url.clone());
    let notify_worker = crate::notify::worker::Worker::start(db.clone(), config.clone(), outbox.clone())
        .context("starting the notification worker")?;
    let notifier = Notifier::with_outbox(outbox);
    crate::bus::join(&config, &db, &notifier, true).context("joining the other nodes' notices")?;
    let hub: Addr<Hub> = Hub::new(
        db.clone(),
        notifier.clone(),
        crate::room::RoomLimits::from_config(&config),
    )
    .start();
    let ingest = Ingest::new(db.clone(), notifier.clone(), config.clone(), store.clone()).start();
    let organizer = crate::organizer::OrganizerHandle::start(config.clone(), db.clone(), notifier.clone())
        .await
        .context("starting the organizer")?;
    let space = crate::space::Space::open(&config, db.clone())
        .await
        .context("reading the quota overrides")?;
    let recovered = crate::api::tus::recover(&config.upload_tmp_dir().join("tus"), &space);
    if recovered > 0 {
        tracing::info!(
            count = recovered,
            "unfinished resumable uploads keep their reservations"
        );
    }
    let state = AppState {
        config,
        db,
        space,
        hub,
        ingest,
        users: KnownUsers::default(),
        organizer,
        notifier,
        store,
    };
    state.organizer.attach(state.clone());
    tokio::task::spawn_local(crate::intake::watch::run(state.clone()));
    tokio::task::spawn_local(sweep_uploads(state.clone()));
    let addr = listener.local_addr()?;
    let data = web::Data::new(state.clone());
    // Built once for all workers: a lock or a writer pool per worker is no lock and no
    // bound at all.
    let tus_locks = web::Data::new(crate::api::tus::TusLocks::default());
    let guest_gate = web::Data::new(crate::sharing::GuestGate::default());
    let writers = web::Data::new(
        crate::storage::Writers::start(crate::storage::WRITER_THREADS).context("starting the upload writers")?,
    );
    let web_root = state.config.web_root.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(tus_locks.clone())
            .app_data(guest_gate.clone())
            .app_data(writers.clone())
            .wrap(crate::api::safety::Safety)
            .wrap(middleware::Logger::new("%a \"%r\" %s %b %Dms").log_target("dailies_server::http"))
            .configure(crate::api::configure)
            .configure(|c| {
                if let Some(root) = &web_root {
                    crate::api::client::routes(c, root.clone())
                }
            })
    })
    .disable_signals()
    .shutdown_timeout(2)
    // Websocket messages are small and must leave at once: with Nagle's algorithm a
    // message written while the previous one is unacknowledged waits for the client's
    // delayed ACK, up to 40 ms.
    .tcp_nodelay(true)
    .listen(listener)?
    .run();
    let handle = server.handle();
    let task = tokio::task::spawn_local(server);
    tracing::info!(%addr, demo = state.config.demo, "dailies-server listening");
    Ok(RunningServer {
        addr,
        state,
        handle,
        task,
        notify_worker,
    })
}

/// `dailies-server worker`: takes processing jobs from the database (leased, as a node's own
/// queue does), reads originals from and writes outputs to the media store, and sends its
/// progress to the nodes over the bus; no HTTP. Stops on SIGTERM or SIGINT, giving its
/// running jobs back to the queue.
pub async fn run_worker(config: Config) -> Result<()> {
    anyhow::ensure!(
        config.transcode_workers >= 1,
        "a worker needs transcode_workers of at least 1 (the jobs it runs at once)"
    );
    // The scratch space of its jobs.
    std::fs::create_dir_all(config.media_dir())
        .with_context(|| format!("creating {}", config.media_dir().display()))?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let db_config = config.clone();
    let db = web::block(move || Db::open_config(&db_config))
        .await
        .context("opening database")??;
    let store = crate::store::Store::from_config(&config).context("opening the media store")?;
    if matches!(
        crate::db::Location::from_config(&config)?,
        crate::db::Location::Sqlite(_)
    ) {
        tracing::warn!(
            "worker on SQLite: jobs run, but browsers see their progress only on reload (the bus needs PostgreSQL)"
        );
    }
    let config = Arc::new(config);
    let outbox = crate::notify::Outbox::new(config.smtp.is_some(), config.notify.public_url.clone());
    let notifier = Notifier::with_outbox(outbox);
    crate::bus::join(&config, &db, &notifier, false).context("joining the nodes' notices")?;
    let ingest = Ingest::new(db.clone(), notifier, config.clone(), store).start();
    tracing::info!(node = %config.node_name, jobs = config.transcode_workers, "worker started");
    tokio::select! {
        _ = int.recv() => tracing::info!("SIGINT received"),
        _ = term.recv() => tracing::info!("SIGTERM received"),
    }
    let _ = ingest.send(crate::ingest::queue::StopIngest).await;
    Ok(())
}
