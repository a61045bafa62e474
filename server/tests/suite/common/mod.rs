//! Test harness: a real dailies-server on 127.0.0.1:0 with a temporary data directory,
//! and small helpers for HTTP and websocket clients.
#![allow(dead_code)]

pub mod backends;
pub mod raw_http;

use awc::ws;
use dailies_server::config::Config;
use dailies_server::RunningServer;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;

pub struct TestServer {
    pub server: Option<RunningServer>,
    pub dir: tempfile::TempDir,
    pub base: String,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, tweak).await
    }

    pub async fn start_in(dir: tempfile::TempDir, tweak: impl FnOnce(&mut Config)) -> TestServer {
        let mut cfg = Config::with_data_dir(dir.path());
        cfg.admin_users = vec!["admin".into()];
        // Tests are written for media only their owner opens unless they share it; the
        // product's default (`comment`) is tested where it matters, in sharing.rs.
        cfg.default_link_access = dailies_protocol::LinkAccess::Off;
        // Many tests open a crowd of sockets as one user; the limit has its own test.
        cfg.max_sockets_per_user = 0;
        backends::apply(&mut cfg);
        let applied = (cfg.database_url.clone(), cfg.storage_url.clone());
        tweak(&mut cfg);
        // A restart on another server's data directory gets that server's backends too.
        if cfg.data_dir != dir.path() && (cfg.database_url.clone(), cfg.storage_url.clone()) == applied {
            backends::apply(&mut cfg);
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let server = dailies_server::start(cfg, listener).await.unwrap();
        let base = format!("http://{}", server.addr);
        TestServer {
            server: Some(server),
            dir,
            base,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn ws_url(&self) -> String {
        format!("{}/api/ws", self.base.replacen("http", "ws", 1))
    }

    /// A GET as `user` (None: no identity headers); returns status and JSON body.
    pub async fn get(&self, path: &str, user: Option<&str>) -> (u16, Value) {
        let mut req = client().get(self.url(path));
        if let Some(u) = user {
            req = req
                .insert_header(("X-Remote-User-Id", u))
                .insert_header(("X-Remote-User-Name", format!("{u} name")));
        }
        let mut resp = req.send().await.unwrap();
        let body = resp.body().limit(64 << 20).await.unwrap();
        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (resp.status().as_u16(), json)
    }

    pub async fn ws(&self, user: Option<&str>) -> Ws {
        Ws::connect(&self.ws_url(), user).await.unwrap()
    }

    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await.unwrap();
        }
    }
}

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn client() -> awc::Client {
    awc::Client::builder().timeout(Duration::from_secs(30)).finish()
}

pub struct Ws {
    pub framed: actix_codec::Framed<awc::BoxedSocket, ws::Codec>,
}

impl Ws {
    pub async fn connect(url: &str, user: Option<&str>) -> Result<Ws, String> {
        let mut req = client().ws(url).max_frame_size(16 << 20);
        if let Some(u) = user {
            req = req
                .header("X-Remote-User-Id", u)
                .header("X-Remote-User-Name", format!("{u} name"));
        }
        match req.connect().await {
            Ok((_, framed)) => Ok(Ws { framed }),
            Err(e) => Err(e.to_string()),
        }
    }

    pub async fn send_text(&mut self, s: &str) {
        self.framed.send(ws::Message::Text(s.to_string().into())).await.unwrap();
    }

    pub async fn send(&mut self, v: Value) {
        self.send_text(&v.to_string()).await;
    }

    /// Next JSON message, answering pings; panics after `secs` without one.
    pub async fn recv_within(&mut self, secs: u64) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let frame = tokio::time::timeout_at(deadline, self.framed.next())
                .await
                .expect("timed out waiting for a websocket message")
                .expect("websocket ended")
                .expect("websocket error");
            match frame {
                ws::Frame::Text(b) => return serde_json::from_slice(&b).unwrap(),
                ws::Frame::Ping(b) => {
                    let _ = self.framed.send(ws::Message::Pong(b)).await;
                }
                ws::Frame::Close(r) => panic!("websocket closed: {r:?}"),
                _ => {}
            }
        }
    }

    pub async fn recv(&mut self) -> Value {
        self.recv_within(10).await
    }

    /// Next message of the given type within 10 s, skipping others.
    pub async fn recv_type(&mut self, ty: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .as_secs()
                .max(1);
            let v = self.recv_within(left).await;
            if v["type"] == ty {
                return v;
            }
            assert!(tokio::time::Instant::now() < deadline, "no {ty} message within 10 s");
        }
    }

    /// Every comment of a joined room: the page in `joined`, then older pages until none are
    /// left (newest first).
    pub async fn all_comments(&mut self, joined: &Value) -> Vec<Value> {
        let media = joined["media"]["id"].clone();
        let mut all = joined["comments"].as_array().cloned().unwrap_or_default();
        let mut before = joined["comments_before"].clone();
        while !before.is_null() {
            self.send(serde_json::json!({"type": "load_comments", "media_id": media, "before": before}))
                .await;
            let page = self.recv_type("comments_page").await;
            all.extend(page["comments"].as_array().unwrap().iter().cloned());
            before = page["before"].clone();
        }
        all
    }

    /// Waits for the server to close the socket without answering pings; returns the close
    /// code, or None when the connection ended without a close frame.
    pub async fn closed_within(&mut self, secs: u64) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.framed.next()).await {
                Err(_) => panic!("connection still open after {secs}s"),
                Ok(None) | Ok(Some(Err(_))) => return None,
                Ok(Some(Ok(ws::Frame::Close(r)))) => return r.map(|r| u16::from(r.code)),
                Ok(Some(Ok(_))) => {}
            }
        }
    }
}

/// Makes a media file with ffmpeg; `args` go between the lavfi inputs and the output.
pub fn ffmpeg_make(out: &std::path::Path, inputs: &[&str], args: &[&str]) {
    let mut cmd = std::process::Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-loglevel", "error", "-y"]);
    for i in inputs {
        cmd.args(["-f", "lavfi", "-i", i]);
    }
    cmd.args(args).arg(out);
    let st = cmd
        .status()
        .expect("ffmpeg must be installed (scripts/install-deps.sh)");
    assert!(st.success(), "ffmpeg failed making {}", out.display());
}

/// A small H.264/AAC clip: browser-ready as MP4 (faststart), in the container `out`'s
/// extension names otherwise (a `.mkv` needs a proxy).
pub fn make_h264(out: &std::path::Path, secs: u32) {
    let secs = secs.to_string();
    let mut args = vec![
        "-t",
        &secs,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
    ];
    if out.extension().is_some_and(|e| e == "mp4" || e == "mov") {
        args.extend(["-movflags", "+faststart"]);
    }
    ffmpeg_make(out, &["testsrc2=size=320x240:rate=25", "sine=frequency=440"], &args);
}

impl TestServer {
    pub fn state(&self) -> dailies_server::state::AppState {
        self.server.as_ref().unwrap().state.clone()
    }

    /// A media of `owner` that anyone signed in may comment on: a small garbage upload fails
    /// at once and still has a room.
    pub async fn commentable_media(&self, owner: &str) -> String {
        let (code, v) = self.upload(owner, "cut.bin", vec![7u8; 64]).await;
        assert_eq!(code, 201, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        self.wait_done(owner, &id, 30).await;
        let mut r = client()
            .put(self.url(&format!("/api/media/{id}/sharing")))
            .insert_header(("X-Remote-User-Id", owner))
            .send_json(&serde_json::json!({"link_access": "comment", "users": []}))
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{:?}", r.body().await);
        id
    }

    /// Raw-body upload as `user`; returns status and JSON.
    pub async fn upload(&self, user: &str, name: &str, body: Vec<u8>) -> (u16, Value) {
        let mut resp = client()
            .post(self.url("/api/upload"))
            .insert_header(("X-Remote-User-Id", user))
            .insert_header(("X-File-Name", name))
            .send_body(body)
            .await
            .unwrap();
        let b = resp.body().limit(1 << 20).await.unwrap();
        (
            resp.status().as_u16(),
            serde_json::from_slice(&b).unwrap_or(Value::Null),
        )
    }

    /// Polls the media until it failed, or is ready with its pictures.
    /// A file of media `id` as a local path: the file in the data directory, or with object
    /// storage a copy of the object fetched beside it (under `fetched/`). None when the
    /// media has no such file.
    pub async fn media_file(&self, id: &str, name: &str) -> Option<std::path::PathBuf> {
        let store = self.state().store;
        if store.is_local() {
            let p = self.state().config.media_dir().join(id).join(name);
            return p.exists().then_some(p);
        }
        if !store.exists(id, name).await {
            return None;
        }
        let to = self.dir.path().join("fetched").join(id).join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        store.download(id, name, &to).await.unwrap();
        Some(to)
    }

    /// The directory of media `id`'s files as they are now: the data directory's own, or
    /// with object storage a fresh copy of every object (under `fetched/`; what is gone from
    /// the store is gone from the copy).
    pub async fn media_dir_of(&self, id: &str) -> std::path::PathBuf {
        let store = self.state().store;
        if store.is_local() {
            return self.state().config.media_dir().join(id);
        }
        let to = self.dir.path().join("fetched").join(id);
        let _ = std::fs::remove_dir_all(&to);
        let names = self.media_names(id).await;
        if names.is_empty() {
            return to;
        }
        for name in names {
            let file = to.join(&name);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            store.download(id, &name, &file).await.unwrap();
        }
        to
    }

    /// Puts a file of media `id` where `/files` serves it from (the data directory or the
    /// bucket). Callable outside async code: the bucket is written from a thread of its own.
    pub fn put_media_file(&self, id: &str, name: &str, bytes: &[u8]) {
        let store = self.state().store;
        if store.is_local() {
            let dir = self.state().config.media_dir().join(id);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(name), bytes).unwrap();
            return;
        }
        let (id, name, bytes) = (id.to_string(), name.to_string(), bytes.to_vec());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(store.put_bytes(&id, &name, bytes)).unwrap();
        })
        .join()
        .unwrap();
    }

    /// The names of media `id`'s files (objects), sorted.
    pub async fn media_names(&self, id: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .state()
            .store
            .list_media(id)
            .await
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        names.sort();
        names
    }

    /// Everything the database holds, as bytes to search: the SQLite file and its WAL, or a
    /// `pg_dump` of the test server's PostgreSQL database.
    pub fn database_bytes(&self) -> Vec<u8> {
        match self.state().config.database_url.as_deref() {
            Some(url) if url.starts_with("postgres") => {
                let out = std::process::Command::new("pg_dump")
                    .args(["--data-only", "--no-owner"])
                    .arg(url)
                    .output()
                    .expect("pg_dump (postgresql-client) must be installed");
                assert!(
                    out.status.success(),
                    "pg_dump: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                out.stdout
            }
            _ => {
                let mut b = std::fs::read(self.dir.path().join("dailies.sqlite")).unwrap();
                b.extend(std::fs::read(self.dir.path().join("dailies.sqlite-wal")).unwrap_or_default());
                b
            }
        }
    }

    /// The files an unfinished or failed upload left in `upload-tmp/` (none, after any
    /// upload has ended).
    pub fn partial_uploads(&self) -> Vec<std::path::PathBuf> {
        std::fs::read_dir(self.dir.path().join("upload-tmp"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect()
    }

    /// Makes the database refuse every insert into `table` (a trigger raising an error), as
    /// a read-only or broken database would; `allow_inserts` takes it away.
    pub fn refuse_inserts(&self, table: &'static str) {
        use dailies_server::db::Kind;
        use diesel::RunQueryDsl;
        self.state()
            .db
            .run_blocking(move |c| {
                let sql = match c.kind() {
                    Kind::Sqlite => vec![format!(
                        "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                         BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
                    )],
                    Kind::Postgres => vec![
                        "CREATE OR REPLACE FUNCTION refuse_for_test() RETURNS trigger LANGUAGE plpgsql \
                         AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$"
                            .to_string(),
                        format!(
                            "CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} \
                             FOR EACH ROW EXECUTE FUNCTION refuse_for_test()"
                        ),
                    ],
                };
                for q in sql {
                    diesel::sql_query(q).execute(c)?;
                }
                Ok(())
            })
            .unwrap();
    }

    pub fn allow_inserts(&self, table: &'static str) {
        use dailies_server::db::Kind;
        use diesel::RunQueryDsl;
        self.state()
            .db
            .run_blocking(move |c| {
                let sql = match c.kind() {
                    Kind::Sqlite => format!("DROP TRIGGER refuse_{table}"),
                    Kind::Postgres => format!("DROP TRIGGER refuse_{table} ON {table}"),
                };
                diesel::sql_query(sql).execute(c)?;
                Ok(())
            })
            .unwrap();
    }

    /// What an organizer plugin stored under `key`, as text, read from this server's own
    /// database (whichever backend the suite runs on).
    pub async fn plugin_value(&self, key: &str) -> Option<String> {
        use dailies_server::db::schema::organizer_kv;
        use diesel::prelude::*;
        let key = key.to_string();
        self.state()
            .db
            .run(move |c| {
                Ok(organizer_kv::table
                    .filter(organizer_kv::key.eq(key))
                    .select(organizer_kv::value)
                    .first::<Vec<u8>>(c)
                    .optional()?)
            })
            .await
            .unwrap()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    /// `wait_done`, then until the media's processing job has finished too: extra audio
    /// tracks, embedded subtitles and extra renditions are written after the media is ready.
    pub async fn wait_processed(&self, user: &str, id: &str, secs: u64) -> Value {
        let m = self.wait_done(user, id, secs).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let media = id.to_string();
            let busy = self
                .state()
                .db
                .run(dailies_server::db::queries::unfinished_jobs)
                .await
                .unwrap()
                .iter()
                .any(|j| j.media_id.as_str() == media);
            if !busy {
                return m;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "job of {id} still running after {secs}s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn wait_done(&self, user: &str, id: &str, secs: u64) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let (code, m) = self.get(&format!("/api/media/{id}"), Some(user)).await;
            assert_eq!(code, 200, "{m}");
            // Ready media gets its poster (and, for video, its scrub sheet) just after.
            let pictures = !m["thumb_url"].is_null() && (m["kind"] != "video" || !m["sheet"].is_null());
            if m["status"] == "failed" || (m["status"] == "ready" && pictures) {
                return m;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "still processing after {secs}s: {m}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// GET of a file with optional extra headers; returns status, headers and body.
    pub async fn fetch(
        &self,
        path: &str,
        user: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (u16, awc::http::header::HeaderMap, Vec<u8>) {
        let mut req = client().get(self.url(path));
        if let Some(u) = user {
            req = req.insert_header(("X-Remote-User-Id", u));
        }
        for (k, v) in headers {
            req = req.insert_header((*k, *v));
        }
        let mut resp = req.send().await.unwrap();
        let body = resp.body().limit(256 << 20).await.unwrap().to_vec();
        (resp.status().as_u16(), resp.headers().clone(), body)
    }
}

/// ffprobe's view of a file: (codec_name of v:0, pix_fmt, codec of a:0, width, height).
pub fn ffprobe_streams(path: &std::path::Path) -> Value {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_streams", "-show_format"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "ffprobe rejects {}", path.display());
    serde_json::from_slice(&out.stdout).unwrap()
}
