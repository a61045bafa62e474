//! Faults of the servers a larger site runs beside Dailies. A PostgreSQL server of the test's
//! own restarts under load: requests answer 503 while it is gone, not 500 and not forever,
//! and every comment acknowledged before, during and after is there once it is back. The
//! object store goes away in the middle of an upload (a TCP relay in front of the suite's
//! Garage cuts its connections): the upload answers 503 and nothing of it is visible; once
//! the store is reachable again uploads and playback work.

use crate::common::{backends, client, free_port, make_h264, TestServer, Ws};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A PostgreSQL cluster in a temporary directory, on a free loopback port.
struct Cluster {
    _dir: tempfile::TempDir,
    data: PathBuf,
    bin: PathBuf,
    port: u16,
}

fn pg_bin() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server is needed: scripts/install-deps.sh --test installs it")
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop().expect("no /usr/lib/postgresql/*/bin/initdb")
}

/// Runs a PostgreSQL program as the cluster's owner: the server refuses to run as root.
fn as_owner(program: &Path) -> Command {
    if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

impl Cluster {
    fn create() -> Cluster {
        let bin = pg_bin();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("pg");
        std::fs::create_dir(&data).unwrap();
        if unsafe { libc::geteuid() } == 0 {
            let ok = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(ok.success(), "chown to postgres (is the postgres user there?)");
        }
        let out = as_owner(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args(["-U", "dailies", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let c = Cluster {
            _dir: dir,
            data,
            bin,
            port: free_port(),
        };
        c.start();
        c
    }

    fn url(&self) -> String {
        format!("postgres://dailies@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits (`pg_ctl -w`) until it takes connections.
    fn start(&self) {
        let out = as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.data.join("log"))
            .arg("-o")
            .arg(format!(
                "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
                self.port,
                self.data.display()
            ))
            .args(["-w", "-t", "60", "start"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&out.stdout),
            std::fs::read_to_string(self.data.join("log")).unwrap_or_default()
        );
    }

    /// Stops it the way a restart does: sessions are terminated, the server goes.
    fn stop(&self) {
        let out = as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "fast", "-w", "-t", "60", "stop"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// Sends one comment and waits for its answer: Ok(id) once acknowledged, Err(error message).
async fn comment(ws: &mut Ws, media: &str, text: &str) -> Result<i64, Value> {
    ws.send(
        json!({"type": "add_comment", "media_id": media, "text": text, "frame": 0,
                   "end_frame": null, "parent_id": null, "drawing": null, "client_ref": text}),
    )
    .await;
    loop {
        let v = ws.recv_within(30).await;
        if v["type"] == "room_event" && v["event"]["comment"]["text"] == text {
            return Ok(v["event"]["comment"]["id"].as_i64().unwrap());
        }
        if v["type"] == "error" && v["client_ref"] == text {
            return Err(v);
        }
    }
}

async fn join(ws: &mut Ws, media: &str) -> Value {
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    ws.recv_type("room_joined").await
}

#[actix_rt::test]
async fn the_database_restarts_under_load_requests_fail_clearly_then_recover() {
    let pg = Cluster::create();
    let url = pg.url();
    let s = TestServer::start_with(move |c| {
        c.database_url = Some(url);
        c.storage_url = None;
    })
    .await;
    let media = s.commentable_media("ann").await;
    let mut ws = s.ws(Some("ann")).await;
    ws.recv_type("welcome").await;
    join(&mut ws, &media).await;

    // Readers keep the server busy throughout and note every status they get.
    let stop = Arc::new(AtomicBool::new(false));
    let statuses = Arc::new(Mutex::new(Vec::<u16>::new()));
    let mut readers = vec![];
    for _ in 0..4 {
        let (stop, statuses, url) = (stop.clone(), statuses.clone(), s.url("/api/media"));
        readers.push(actix_rt::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let started = Instant::now();
                let r = client()
                    .get(&url)
                    .insert_header(("X-Remote-User-Id", "ann"))
                    .timeout(Duration::from_secs(30))
                    .send()
                    .await;
                let code = r.map(|r| r.status().as_u16()).unwrap_or(0);
                assert!(
                    started.elapsed() < Duration::from_secs(15),
                    "a request waited {:?} for the database",
                    started.elapsed()
                );
                statuses.lock().unwrap().push(code);
                actix_rt::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }

    let mut acked = vec![];
    for n in 0..20 {
        let text = format!("before {n}");
        acked.push((comment(&mut ws, &media, &text).await.expect("acked"), text));
    }

    // The database goes away: comments and requests are refused as unavailable.
    pg.stop();
    let refused = comment(&mut ws, &media, "while down").await;
    let e = refused.expect_err("a comment cannot be stored without the database");
    assert_eq!(e["code"], "unavailable", "{e}");
    let (code, body) = s.get("/api/media", Some("ann")).await;
    assert_eq!(code, 503, "{body}");
    assert_eq!(body["error"], "unavailable", "{body}");

    // It comes back: the same server, the same socket, without a restart of Dailies.
    pg.start();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if s.get("/api/media", Some("ann")).await.0 == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the server never used the database again");
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
    for n in 0..20 {
        let text = format!("after {n}");
        acked.push((comment(&mut ws, &media, &text).await.expect("acked after"), text));
    }
    stop.store(true, Ordering::SeqCst);
    for r in readers {
        r.await.unwrap();
    }
    let seen = statuses.lock().unwrap().clone();
    assert!(
        seen.iter().all(|c| *c == 200 || *c == 503),
        "only 200 and 503 while the database restarts: {seen:?}"
    );
    assert!(seen.contains(&503) && seen.contains(&200), "{seen:?}");

    // Every acknowledged comment is there, once; the refused one is not.
    let mut other = s.ws(Some("ann")).await;
    other.recv_type("welcome").await;
    let joined = join(&mut other, &media).await;
    let all = other.all_comments(&joined).await;
    for (id, text) in &acked {
        assert_eq!(
            all.iter()
                .filter(|c| c["id"] == *id && c["text"] == text.as_str())
                .count(),
            1,
            "{text}"
        );
    }
    assert!(!all.iter().any(|c| c["text"] == "while down"));
}

/// A TCP relay to `target` that can be cut: while down it closes every connection it has
/// and every new one at once. With a byte budget it goes down by itself once that many bytes
/// went towards the target.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    budget: Arc<AtomicU64>,
    conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let budget = Arc::new(AtomicU64::new(u64::MAX));
        let conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Default::default();
        let (u, b, cs) = (up.clone(), budget.clone(), conns.clone());
        tokio::spawn(async move {
            loop {
                let Ok((inbound, _)) = listener.accept().await else {
                    return;
                };
                if !u.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let (target, u, b, cs2) = (target.clone(), u.clone(), b.clone(), cs.clone());
                let task = tokio::spawn(async move {
                    let Ok(outbound) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    let (mut ri, mut wi) = inbound.into_split();
                    let (mut ro, mut wo) = outbound.into_split();
                    let up_dir = async {
                        use tokio::io::{AsyncReadExt, AsyncWriteExt};
                        let mut buf = vec![0u8; 64 * 1024];
                        loop {
                            let n = ri.read(&mut buf).await.unwrap_or(0);
                            if n == 0 {
                                break;
                            }
                            // `b` is what may still go through before the store is cut.
                            let allowed = b
                                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                                    Some(left.saturating_sub(n as u64))
                                })
                                .unwrap();
                            if allowed <= n as u64 {
                                // The budget is spent: the store "goes down" now.
                                u.store(false, Ordering::SeqCst);
                                for c in cs2.lock().unwrap().drain(..) {
                                    c.abort();
                                }
                                return;
                            }
                            if wo.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                        let _ = wo.shutdown().await;
                    };
                    let down_dir = async {
                        let _ = tokio::io::copy(&mut ro, &mut wi).await;
                    };
                    tokio::join!(up_dir, down_dir);
                });
                cs.lock().unwrap().push(task.abort_handle());
            }
        });
        Relay {
            port,
            up,
            budget,
            conns,
        }
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    fn up(&self) {
        self.budget.store(u64::MAX, Ordering::SeqCst);
        self.up.store(true, Ordering::SeqCst);
    }
}

/// The endpoint (`host:port`) in an `s3://…?endpoint=http://host:port&…` URL, and the URL
/// with another endpoint.
fn endpoint(url: &str) -> String {
    let q = url.split_once('?').unwrap().1;
    q.split('&')
        .find_map(|kv| kv.strip_prefix("endpoint="))
        .unwrap()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

fn with_endpoint(url: &str, host_port: &str) -> String {
    let (path, q) = url.split_once('?').unwrap();
    let q: Vec<String> = q
        .split('&')
        .map(|kv| {
            if kv.starts_with("endpoint=") {
                format!("endpoint=http://{host_port}")
            } else {
                kv.to_string()
            }
        })
        .collect();
    format!("{path}?{}", q.join("&"))
}

#[actix_rt::test]
async fn the_object_store_goes_away_mid_upload_and_comes_back() {
    let Some(base) = backends::s3() else {
        eprintln!(
            "faults_backends: the object store case needs DAILIES_TEST_STORAGE_URL (scripts/test.sh's second pass)"
        );
        return;
    };
    let bucket = backends::fresh_storage_url(&base);
    let relay = Relay::start(endpoint(&bucket)).await;
    let through = with_endpoint(&bucket, &format!("127.0.0.1:{}", relay.port));
    let s = TestServer::start_with(move |c| c.storage_url = Some(through)).await;
    // What the bucket holds, read past the relay.
    let direct = dailies_server::store::Store::open(
        &bucket,
        std::env::var("AWS_ACCESS_KEY_ID").ok().as_deref(),
        std::env::var("AWS_SECRET_ACCESS_KEY").ok().as_deref(),
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    make_h264(&clip, 2);
    let (code, v) = s.upload("alice", "first.mp4", std::fs::read(&clip).unwrap()).await;
    assert_eq!(code, 201, "{v}");
    let first = v["id"].as_str().unwrap().to_string();
    assert_eq!(s.wait_processed("alice", &first, 120).await["status"], "ready");
    let before = direct.list_all().await.unwrap();

    // 24 MiB go to the store as a multipart upload; the store is gone after 12 of them.
    relay.budget.store(12 << 20, Ordering::SeqCst);
    let big: Vec<u8> = (0..24u32 << 20).map(|i| (i % 251) as u8).collect();
    let (code, v) = s.upload("alice", "big.bin", big).await;
    assert_eq!(code, 503, "{v}");
    assert_eq!(v["error"], "unavailable", "{v}");
    let (_, list) = s.get("/api/media", Some("alice")).await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "no media of the failed upload: {list}"
    );
    let left = s.partial_uploads();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(
        direct.list_all().await.unwrap(),
        before,
        "no object of it in the bucket"
    );
    // While it is down, playback says so too.
    let (code, _, _) = s
        .fetch(
            &format!("/files/{first}/original.mp4"),
            Some("alice"),
            &[("Range", "bytes=0-99")],
        )
        .await;
    assert_eq!(code, 503);

    // Back: the same server takes uploads and plays again.
    relay.up();
    let (code, _, body) = s
        .fetch(
            &format!("/files/{first}/original.mp4"),
            Some("alice"),
            &[("Range", "bytes=0-99")],
        )
        .await;
    assert_eq!(code, 206);
    assert_eq!(body.len(), 100);
    let (code, v) = s.upload("alice", "again.mp4", std::fs::read(&clip).unwrap()).await;
    assert_eq!(code, 201, "{v}");
    let again = v["id"].as_str().unwrap().to_string();
    assert_eq!(s.wait_processed("alice", &again, 120).await["status"], "ready");
    relay.down();
    drop(relay);
}
