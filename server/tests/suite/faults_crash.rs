//! SIGKILL with the real binary, then restart: during an upload (no partial media is ever
//! visible) and during a burst of comments (every acknowledged comment is still there).
//! The transcode case is in crash.rs. Each restart checks `PRAGMA integrity_check`.

use crate::common::{client, Ws};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    async fn start(dir: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_dailies-server"))
            .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(dir)
            .env_remove("DAILIES_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let s = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while s.get("/api/health").await.is_none() {
            assert!(Instant::now() < deadline, "server did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        s
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    async fn get(&self, path: &str) -> Option<Value> {
        let mut r = client()
            .get(self.url(path))
            .insert_header(("X-Remote-User-Id", "alice"))
            .send()
            .await
            .ok()?;
        serde_json::from_slice(&r.body().await.ok()?).ok()
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }
}

fn integrity_ok(data: &Path) {
    let out = Command::new("sqlite3")
        .arg(data.join("dailies.sqlite"))
        .arg("PRAGMA integrity_check;")
        .output()
        .expect("sqlite3 must be installed");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[actix_rt::test]
async fn sigkill_during_an_upload_leaves_no_partial_media() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let s = Server::start(&data).await;

    // 64 MiB in 256 KiB chunks, slowly: the kill lands mid-body.
    let chunks = futures_util::stream::iter(0..256).then(|i| async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok::<_, std::io::Error>(bytes::Bytes::from(vec![(i % 251) as u8; 256 * 1024]))
    });
    let req = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-File-Name", "big.mov"))
        .send_stream(chunks);
    let upload = actix_rt::spawn(req);
    let tmp = data.join("upload-tmp");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let partial: u64 = std::fs::read_dir(&tmp)
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "part"))
            .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
            .sum();
        if partial > 4 << 20 {
            break;
        }
        assert!(Instant::now() < deadline, "the upload never reached the disk");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.kill();
    let answer = upload.await.unwrap();
    assert!(
        answer.map(|r| r.status().as_u16() != 201).unwrap_or(true),
        "an interrupted upload was acknowledged"
    );
    integrity_ok(&data);

    let s = Server::start(&data).await;
    assert_eq!(
        s.get("/api/media").await.unwrap(),
        json!([]),
        "a partial upload became media"
    );
    assert!(
        files_in(&data.join("media")).is_empty(),
        "{:?}",
        files_in(&data.join("media"))
    );
    let left: Vec<_> = files_in(&tmp).into_iter().filter(|f| f.ends_with(".part")).collect();
    assert!(left.is_empty(), "partial upload left behind after restart: {left:?}");
    // And the server takes uploads again.
    let mut r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-File-Name", "small.bin"))
        .send_body(vec![0u8; 1024])
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{:?}", r.body().await);
    s.kill();
}

#[actix_rt::test]
async fn sigkill_during_a_burst_of_comments_loses_no_acknowledged_comment() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let clip = dir.path().join("clip.mp4");
    crate::common::make_h264(&clip, 2);
    let s = Server::start(&data).await;
    let mut r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-File-Name", "clip.mp4"))
        .send_body(std::fs::read(&clip).unwrap())
        .await
        .unwrap();
    let media = serde_json::from_slice::<Value>(&r.body().await.unwrap()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ws_url = s.url("/api/ws").replacen("http", "ws", 1);
    let mut writers = vec![];
    // Two tabs of alice's: the same room, two sockets writing at once.
    for _ in 0..2 {
        let mut ws = Ws::connect(&ws_url, Some("alice")).await.unwrap();
        ws.recv_type("welcome").await;
        ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
            .await;
        ws.recv_type("room_joined").await;
        writers.push(ws);
    }
    // Each socket sends up to 250 comments (inside the burst allowance) without waiting.
    let mut acked: Vec<i64> = vec![];
    let mut sent = 0;
    for i in 0..250 {
        for (k, ws) in writers.iter_mut().enumerate() {
            ws.send(
                json!({"type": "add_comment", "media_id": media, "text": format!("c{k}-{i}"),
                "frame": i % 40, "end_frame": null, "parent_id": null, "drawing": null,
                "client_ref": format!("{k}-{i}")}),
            )
            .await;
            sent += 1;
        }
    }
    // Gather acknowledgements (room events) on the first socket until well into the burst,
    // then kill the server outright while comments are still being committed.
    let first = &mut writers[0];
    while acked.len() < 120 {
        let v = first.recv().await;
        if let (true, Some(id)) = (v["type"] == "room_event", v["event"]["comment"]["id"].as_i64()) {
            acked.push(id);
        }
    }
    s.kill();
    // Events already on the wire to us were acknowledged too: read them out.
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_millis(300), first.framed.next()).await {
        if let awc::ws::Frame::Text(b) = frame {
            let v: Value = serde_json::from_slice(&b).unwrap();
            if let Some(id) = v["event"]["comment"]["id"].as_i64() {
                acked.push(id);
            }
        }
    }
    drop(writers);
    integrity_ok(&data);

    let s = Server::start(&data).await;
    let mut ws = Ws::connect(&s.url("/api/ws").replacen("http", "ws", 1), Some("alice"))
        .await
        .unwrap();
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    let joined = ws.recv_type("room_joined").await;
    let stored: std::collections::HashSet<i64> = ws
        .all_comments(&joined)
        .await
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let lost: Vec<_> = acked.iter().filter(|id| !stored.contains(id)).collect();
    println!(
        "comment burst: {sent} sent, {} acknowledged before SIGKILL, {} stored after restart, {} lost",
        acked.len(),
        stored.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "acknowledged comments lost: {lost:?}");
    assert!(
        stored.len() < sent,
        "the kill came after everything was stored: not a test"
    );
    // The room goes on numbering from where it stopped.
    ws.send(
        json!({"type": "add_comment", "media_id": media, "text": "after", "frame": 1,
        "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
    )
    .await;
    let e = ws.recv_type("room_event").await;
    assert!(e["seq"].as_i64().unwrap() > joined["seq"].as_i64().unwrap());
    s.kill();
}
