//! `scripts/cluster.sh` (issue 21): two nodes, one worker and nginx balancing round-robin,
//! on the suite's PostgreSQL and bucket. A clip uploaded through one node is processed by
//! the worker and plays from the other node and through the balancer.

use crate::common::{backends, client, Ws};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The checkout's root, where scripts/ is.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Runs `scripts/cluster.sh ARG` on the cluster's state and returns its stdout.
fn cluster(dir: &Path, env: &[(&str, String)], arg: &str) -> (bool, String) {
    let out = Command::new("bash")
        .arg(root().join("scripts/cluster.sh"))
        .arg(arg)
        .env("DAILIES_CLUSTER_DIR", dir)
        .env("DAILIES_SERVER_BIN", env!("CARGO_BIN_EXE_dailies-server"))
        .env_remove("DAILIES_CONFIG")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run scripts/cluster.sh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        eprintln!("cluster.sh {arg}: {stderr}");
    }
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `export NAME=VALUE` lines (VALUE possibly in single quotes).
fn exports(out: &str) -> HashMap<String, String> {
    out.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
        .collect()
}

/// Stops the cluster whatever happens to the test.
struct Down {
    dir: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
}

impl Drop for Down {
    fn drop(&mut self) {
        let (ok, _) = cluster(self.dir.path(), &self.env, "down");
        if !ok {
            eprintln!("cluster.sh down failed");
        }
    }
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':').next().unwrap().parse().unwrap()
}

async fn get(base: &str, path: &str) -> (u16, Value, Option<String>) {
    let mut resp = client()
        .get(format!("{base}{path}"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-Remote-User-Name", "alice name"))
        .send()
        .await
        .unwrap();
    let upstream = resp
        .headers()
        .get("X-Dailies-Upstream")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp.body().limit(64 << 20).await.unwrap();
    (
        resp.status().as_u16(),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        upstream,
    )
}

/// Status and length of the first kilobyte of `path`, asked for with a Range.
async fn range(base: &str, path: &str) -> (u16, usize) {
    let mut resp = client()
        .get(format!("{base}{path}"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-Remote-User-Name", "alice name"))
        .insert_header(("Range", "bytes=0-1023"))
        .send()
        .await
        .unwrap();
    let body = resp.body().limit(64 << 20).await.unwrap();
    (resp.status().as_u16(), body.len())
}

#[actix_rt::test]
async fn two_nodes_a_worker_and_a_balancer_serve_one_site() {
    let (Some(pg), Some(s3)) = (backends::postgres(), backends::s3()) else {
        eprintln!("skipped: DAILIES_TEST_DATABASE_URL and DAILIES_TEST_STORAGE_URL are not both set");
        return;
    };
    let database = backends::fresh_database(&pg);
    let env = vec![
        ("DAILIES_DATABASE_URL", database.clone()),
        ("DAILIES_STORAGE_URL", backends::fresh_storage_url(&s3)),
    ];
    let down = Down {
        dir: tempfile::Builder::new()
            .prefix("dailies-cluster.")
            .tempdir_in("/tmp")
            .unwrap(),
        env,
    };
    let dir = down.dir.path();
    let (ok, out) = cluster(dir, &down.env, "up");
    assert!(ok, "cluster.sh up failed");
    let vars = exports(&out);
    let (url, a, b) = (&vars["DAILIES_URL"], &vars["DAILIES_NODE_A"], &vars["DAILIES_NODE_B"]);
    assert_eq!(vars["DAILIES_DATABASE_URL"], database);
    // Up again: the same lines, nothing restarted.
    let (ok, again) = cluster(dir, &down.env, "up");
    assert!(ok && exports(&again) == vars, "{again}");

    // A clip that needs a proxy, uploaded through node A's own address.
    let tmp = tempfile::tempdir().unwrap();
    let clip = tmp.path().join("clip.avi");
    crate::common::ffmpeg_make(
        &clip,
        &["testsrc2=size=320x240:rate=25", "sine=frequency=440"],
        &["-t", "2", "-c:v", "mpeg4", "-q:v", "5", "-c:a", "pcm_s16le"],
    );
    let mut resp = client()
        .post(format!("{a}/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-Remote-User-Name", "alice name"))
        .insert_header(("X-File-Name", "clip.avi"))
        .send_body(std::fs::read(&clip).unwrap())
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
    assert_eq!(resp.status().as_u16(), 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();

    // Ready, read through node B.
    let deadline = Instant::now() + Duration::from_secs(180);
    let m = loop {
        let (code, m, _) = get(b, &format!("/api/media/{id}")).await;
        assert_eq!(code, 200, "{m}");
        if m["status"] != "processing" {
            break m;
        }
        assert!(Instant::now() < deadline, "still processing: {m}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(m["status"], "ready", "{m}");
    let proxy = format!("/files/{id}/proxy.mp4");
    assert_eq!(m["playback_url"], proxy.as_str());
    assert_eq!(range(b, &proxy).await, (206, 1024));
    assert_eq!(range(url, &proxy).await, (206, 1024));

    // The worker ran the job, not a node.
    let owner = {
        use diesel::prelude::*;
        use diesel::sql_types::{Nullable, Text};
        #[derive(QueryableByName)]
        struct Owner {
            #[diesel(sql_type = Nullable<Text>)]
            lease_owner: Option<String>,
        }
        let mut c = diesel::PgConnection::establish(&database).unwrap();
        diesel::sql_query("SELECT lease_owner FROM jobs WHERE media_id = $1")
            .bind::<Text, _>(&id)
            .get_results::<Owner>(&mut c)
            .unwrap()
    };
    assert!(!owner.is_empty());
    for o in &owner {
        assert!(
            o.lease_owner.as_deref().is_some_and(|o| o.starts_with("worker-1/")),
            "{:?}",
            o.lease_owner
        );
    }

    // A websocket through the balancer.
    let ws_url = format!("{}/api/ws", url.replacen("http", "ws", 1));
    let mut ws = Ws::connect(&ws_url, Some("alice")).await.unwrap();
    ws.recv_type("welcome").await;

    // Round-robin: successive requests reach both nodes.
    let nodes: HashSet<u16> = [a, b].iter().map(|u| port_of(u)).collect();
    let mut seen = HashSet::new();
    for _ in 0..6 {
        let (code, _, upstream) = get(url, "/api/health").await;
        assert_eq!(code, 200);
        seen.insert(port_of(&upstream.expect("X-Dailies-Upstream")));
    }
    assert_eq!(seen, nodes);

    let (ok, status) = cluster(dir, &down.env, "status");
    assert!(ok, "{status}");
    for part in ["nginx", "node-a", "node-b", "worker-1"] {
        assert!(
            status.lines().any(|l| l.starts_with(part) && l.contains(" up ")),
            "{status}"
        );
    }

    drop(ws);
    let (ok, _) = cluster(dir, &down.env, "down");
    assert!(ok);
    for u in [url, a, b] {
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port_of(u))).is_err(),
            "{u} still listens after down"
        );
    }
    let (ok, _) = cluster(dir, &down.env, "status");
    assert!(!ok, "status says up after down");
}
