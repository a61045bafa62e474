//! Transcode workers (`dailies-server worker`, issue 21): a node with `transcode_workers = 0`
//! runs no job; a worker process on the same database and store takes it with a lease, and
//! its progress reaches the owner's websocket on the node (over the PostgreSQL bus; on
//! SQLite only the outcome, read from the database). A worker killed with SIGKILL in the
//! middle of a transcode loses its lease and another worker finishes the job.

use crate::common::{backends, TestServer};
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A worker process on the test server's data directory, database and store.
fn worker(s: &TestServer, name: &str) -> Child {
    let cfg = s.state().config;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dailies-server"));
    cmd.arg("--data-dir")
        .arg(&cfg.data_dir)
        .args(["--node-name", name, "--job-lease", "3"])
        .env_remove("DAILIES_CONFIG")
        .env_remove("DAILIES_DATABASE_URL")
        .env_remove("DAILIES_STORAGE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(url) = &cfg.database_url {
        cmd.args(["--database-url", url]);
    }
    if let Some(url) = &cfg.storage_url {
        cmd.args(["--storage-url", url]);
    }
    cmd.arg("worker");
    cmd.spawn().expect("start the worker")
}

/// The processing job of `id`: (status, attempts, lease owner).
async fn job_of(s: &TestServer, id: &str) -> (String, i32, Option<String>) {
    use dailies_server::db::schema::jobs;
    use diesel::prelude::*;
    let id = id.to_string();
    s.state()
        .db
        .run(move |c| {
            Ok(jobs::table
                .filter(jobs::media_id.eq(&id))
                .select((jobs::status, jobs::attempts, jobs::lease_owner))
                .first::<(String, i32, Option<String>)>(c)?)
        })
        .await
        .unwrap()
}

/// A clip that needs a proxy and takes a few seconds to transcode on two cores.
fn long_clip(dir: &std::path::Path) -> Vec<u8> {
    let src = dir.join("src.avi");
    crate::common::ffmpeg_make(
        &src,
        &["testsrc2=size=1280x720:rate=30"],
        &["-t", "12", "-c:v", "mpeg4", "-q:v", "5"],
    );
    std::fs::read(src).unwrap()
}

#[actix_rt::test]
async fn a_worker_runs_the_jobs_of_a_node_that_runs_none() {
    let s = TestServer::start_with(|c| c.transcode_workers = 0).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mkv");
    crate::common::make_h264(&clip, 3);
    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;
    let (code, v) = s.upload("alice", "clip.mkv", std::fs::read(&clip).unwrap()).await;
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    // Nobody runs it yet: the node leaves it queued.
    let (status, attempts, owner) = job_of(&s, &id).await;
    assert_eq!((status.as_str(), attempts, owner), ("queued", 0, None));

    let mut w = worker(&s, "worker-1");
    let live = backends::postgres().is_some();
    let (mut progress, mut ready_pushed) = (Vec::new(), false);
    if live {
        // The worker's progress and outcome reach the owner's socket on the node.
        loop {
            let m: Value = ws.recv_within(120).await;
            match m["type"].as_str().unwrap_or("") {
                "media_progress" if m["media_id"] == id.as_str() => progress.push(m["progress"].as_f64().unwrap()),
                "media_updated" if m["media"]["id"] == id.as_str() && m["media"]["status"] == "ready" => {
                    ready_pushed = true;
                    break;
                }
                "media_updated" if m["media"]["status"] == "failed" => panic!("failed: {m}"),
                _ => {}
            }
        }
    }
    let m = s.wait_processed("alice", &id, 120).await;
    let _ = w.kill();
    let _ = w.wait();
    assert_eq!(m["status"], "ready", "{m}");
    assert_eq!(m["playback_url"], format!("/files/{id}/proxy.mp4"));
    assert!(s.media_file(&id, "proxy.mp4").await.is_some());
    let (status, attempts, owner) = job_of(&s, &id).await;
    assert_eq!((status.as_str(), attempts), ("done", 1));
    assert!(
        owner.as_deref().is_some_and(|o| o.starts_with("worker-1/")),
        "{owner:?}"
    );
    if live {
        assert!(ready_pushed && !progress.is_empty(), "{progress:?}");
    }
}

#[actix_rt::test]
async fn a_worker_killed_mid_transcode_loses_its_job_to_another() {
    let s = TestServer::start_with(|c| c.transcode_workers = 0).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, v) = s.upload("alice", "long.avi", long_clip(dir.path())).await;
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();

    let mut a = worker(&s, "worker-a");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, m) = s.get(&format!("/api/media/{id}"), Some("alice")).await;
        assert_eq!(m["status"], "processing", "finished before it could be killed: {m}");
        let (status, _, owner) = job_of(&s, &id).await;
        let theirs = owner.as_deref().is_some_and(|o| o.starts_with("worker-a/"));
        if status == "running" && theirs && m["progress"].as_f64().unwrap_or(0.0) > 0.0 {
            break;
        }
        assert!(Instant::now() < deadline, "the transcode never started on worker-a");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    a.kill().unwrap(); // SIGKILL: its lease is left to run out
    a.wait().unwrap();

    let mut b = worker(&s, "worker-b");
    let m = s.wait_processed("alice", &id, 180).await;
    let _ = b.kill();
    let _ = b.wait();
    assert_eq!(m["status"], "ready", "{m}");
    let (status, attempts, owner) = job_of(&s, &id).await;
    assert_eq!((status.as_str(), attempts), ("done", 2), "taken again once");
    assert!(
        owner.as_deref().is_some_and(|o| o.starts_with("worker-b/")),
        "{owner:?}"
    );
    let proxy = s.media_file(&id, "proxy.mp4").await.expect("the proxy");
    let p = crate::common::ffprobe_streams(&proxy);
    assert_eq!(p["streams"][0]["codec_name"], "h264");
}

#[actix_rt::test]
async fn a_worker_stopped_with_sigterm_gives_its_job_back_at_once() {
    let s = TestServer::start_with(|c| c.transcode_workers = 0).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, v) = s.upload("alice", "long.avi", long_clip(dir.path())).await;
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let a = worker(&s, "worker-a");
    let deadline = Instant::now() + Duration::from_secs(60);
    while job_of(&s, &id).await.0 != "running" {
        assert!(Instant::now() < deadline, "worker-a never took the job");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = a.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let out = a.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the worker exits cleanly on SIGTERM: {:?}",
        out.status
    );
    let (status, attempts, owner) = job_of(&s, &id).await;
    assert_eq!(
        (status.as_str(), attempts, owner),
        ("queued", 1, None),
        "given back, not left leased"
    );
}
