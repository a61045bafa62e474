//! Resumable uploads with a real tus client (tuspy): an upload cut in the middle of a
//! PATCH resumes where the server stopped, and the protocol's refusals are right.

use crate::common::raw_http::{tus_patch_headers, RawRequest};
use crate::common::{client, TestServer};
use std::io::Write;
use std::process::Command;
use std::time::Duration;

fn tus_client(args: &[&str]) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tus_client.py");
    let out = Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "tuspy failed (scripts/install-deps.sh --test installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

async fn head_offset(s: &TestServer, path: &str, user: &str) -> (u16, Option<u64>) {
    let (code, off, _) = head_full(s, path, user).await;
    (code, off)
}

/// HEAD as `user`: status, `Upload-Offset` and `Dailies-Media-Id`.
async fn head_full(s: &TestServer, path: &str, user: &str) -> (u16, Option<u64>, Option<String>) {
    let resp = client()
        .head(s.url(path))
        .insert_header(("X-Remote-User-Id", user))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .send()
        .await
        .unwrap();
    let header = |n: &str| resp.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let off = header("upload-offset").and_then(|v| v.parse().ok());
    (resp.status().as_u16(), off, header("dailies-media-id"))
}

#[actix_rt::test]
async fn an_upload_cut_mid_patch_resumes_with_a_real_tus_client() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.mp4");
    crate::common::make_h264(&f, 6);
    let bytes = std::fs::read(&f).unwrap();
    assert!(bytes.len() > 300_000, "the clip is big enough to cut: {}", bytes.len());
    let fp = f.to_str().unwrap().to_string();
    let base = s.base.clone();

    // 1. tuspy creates the upload and sends the first 64 KiB.
    let (b2, fp2) = (base.clone(), fp.clone());
    let url = tokio::task::spawn_blocking(move || tus_client(&["create", &b2, &fp2, "alice", "65536"]))
        .await
        .unwrap();
    let path = url.trim_start_matches(&base).to_string();
    assert!(path.starts_with("/api/tus/"), "{url}");
    assert_eq!(head_offset(&s, &path, "alice").await, (200, Some(65536)));

    // 2. The network drops in the middle of the next PATCH.
    let addr = s.server.as_ref().unwrap().addr;
    let (p2, rest) = (path.clone(), bytes[65536..].to_vec());
    tokio::task::spawn_blocking(move || {
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        write!(
            tcp,
            "PATCH {p2} HTTP/1.1\r\nHost: x\r\nX-Remote-User-Id: alice\r\nTus-Resumable: 1.0.0\r\n\
             Content-Type: application/offset+octet-stream\r\nUpload-Offset: 65536\r\nContent-Length: {}\r\n\r\n",
            rest.len()
        )
        .unwrap();
        tcp.write_all(&rest[..100_000]).unwrap();
        tcp.flush().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        drop(tcp);
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (code, off) = head_offset(&s, &path, "alice").await;
    assert_eq!(code, 200);
    let off = off.unwrap();
    assert!(off > 65536 && off <= 165_536, "what arrived is kept: {off}");
    // Someone else cannot see or touch it.
    assert_eq!(head_offset(&s, &path, "bob").await.0, 404);
    let (_, list) = s.get("/api/media", Some("alice")).await;
    assert_eq!(list, serde_json::json!([]), "not media until complete");

    // 3. A new tuspy uploader resumes at the server's offset.
    let u2 = url.clone();
    let out = tokio::task::spawn_blocking(move || tus_client(&["resume", &base, &fp, "alice", &u2]))
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["start"].as_u64().unwrap(), off, "resumed where the server stopped");
    assert_eq!(v["end"].as_u64().unwrap(), bytes.len() as u64);

    let (_, list) = s.get("/api/media", Some("alice")).await;
    let id = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(list[0]["title"], "resumed clip.mp4");
    let m = s.wait_done("alice", &id, 60).await;
    assert_eq!(m["status"], "ready", "{m}");
    let stored = std::fs::read(s.media_dir_of(&id).await.join("original.mp4")).unwrap();
    assert!(stored == bytes, "byte for byte");
    // A client that lost the last answer asks again and learns it is done, and which media.
    let (code, off, media) = head_full(&s, &path, "alice").await;
    assert_eq!(
        (code, off, media.as_deref()),
        (200, Some(bytes.len() as u64), Some(id.as_str())),
        "a completed upload stays answerable until it expires"
    );
    assert_eq!(head_offset(&s, &path, "bob").await.0, 404, "still only its owner's");
}

#[actix_rt::test]
async fn protocol_refusals_termination_and_expiry() {
    let s = TestServer::start_with(|c| c.upload_expiry = Duration::from_millis(600)).await;
    let post = |headers: Vec<(&'static str, String)>| {
        let mut r = client()
            .post(s.url("/api/tus/"))
            .insert_header(("X-Remote-User-Id", "alice"));
        for (k, v) in headers {
            r = r.insert_header((k, v));
        }
        r.send()
    };
    // OPTIONS advertises the protocol.
    let r = client()
        .request(awc::http::Method::OPTIONS, s.url("/api/tus/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(r.headers().get("tus-version").unwrap(), "1.0.0");
    assert!(r
        .headers()
        .get("tus-extension")
        .unwrap()
        .to_str()
        .unwrap()
        .contains("termination"));
    // Without Tus-Resumable: 412.
    let r = post(vec![("Upload-Length", "10".into())]).await.unwrap();
    assert_eq!(r.status().as_u16(), 412);
    // Without Upload-Length: 400. Over the limit: 413.
    let r = post(vec![("Tus-Resumable", "1.0.0".into())]).await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = post(vec![
        ("Tus-Resumable", "1.0.0".into()),
        ("Upload-Length", (1u64 << 50).to_string()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 413);

    let r = post(vec![("Tus-Resumable", "1.0.0".into()), ("Upload-Length", "10".into())])
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let loc = r.headers().get("location").unwrap().to_str().unwrap().to_string();
    assert!(r.headers().get("upload-expires").is_some());
    let patch = |offset: &str, body: &'static [u8]| {
        client()
            .patch(s.url(&loc))
            .insert_header(("X-Remote-User-Id", "alice"))
            .insert_header(("Tus-Resumable", "1.0.0"))
            .insert_header(("Content-Type", "application/offset+octet-stream"))
            .insert_header(("Upload-Offset", offset.to_string()))
            .send_body(body)
    };
    assert_eq!(patch("3", b"abc").await.unwrap().status().as_u16(), 409, "wrong offset");
    let r = patch("0", b"abcd").await.unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(r.headers().get("upload-offset").unwrap(), "4");
    assert_eq!(
        patch("4", b"0123456789").await.unwrap().status().as_u16(),
        400,
        "past Upload-Length"
    );
    // Traversal in the id is not an upload.
    assert_eq!(
        head_offset(&s, "/api/tus/..%2F..%2Fdailies.sqlite", "alice").await.0,
        404
    );
    // Termination.
    let r = client()
        .delete(s.url(&loc))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(head_offset(&s, &loc, "alice").await.0, 404);

    // Expiry: an abandoned upload disappears on its own.
    let r = post(vec![("Tus-Resumable", "1.0.0".into()), ("Upload-Length", "10".into())])
        .await
        .unwrap();
    let loc = r.headers().get("location").unwrap().to_str().unwrap().to_string();
    assert_eq!(head_offset(&s, &loc, "alice").await.0, 200);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(head_offset(&s, &loc, "alice").await.0, 404, "expired and swept");
}

const MIB: u64 = 1 << 20;

/// Creates a tus upload of `length` bytes as `user`; answers its path.
async fn create_upload(s: &TestServer, user: &str, length: u64) -> String {
    let r = client()
        .post(s.url("/api/tus/"))
        .insert_header(("X-Remote-User-Id", user))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .insert_header(("Upload-Length", length.to_string()))
        .insert_header(("Upload-Metadata", "filename Ymlu"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    r.headers().get("location").unwrap().to_str().unwrap().to_string()
}

/// Waits until the server holds `offset` bytes of the upload: the PATCH sending them is then
/// under way on the server (it has the upload's lock and has written that far).
async fn wait_for_offset(s: &TestServer, path: &str, user: &str, offset: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while head_offset(s, path, user).await != (200, Some(offset)) {
        assert!(
            std::time::Instant::now() < deadline,
            "the server never reached offset {offset}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn body(len: u64) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn tus_files(s: &TestServer) -> Vec<String> {
    let dir = s.dir.path().join("upload-tmp/tus");
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[actix_rt::test]
async fn a_second_patch_while_one_is_writing_gets_409_on_every_worker() {
    let s = TestServer::start().await;
    let addr = s.server.as_ref().unwrap().addr;
    let path = create_upload(&s, "alice", 2 * MIB).await;
    let data = body(2 * MIB);

    // The first PATCH sends half its body and holds the rest back.
    let mut first = RawRequest::start(addr, "PATCH", &path, &tus_patch_headers("alice", 0, 2 * MIB)).await;
    first.send(&data[..MIB as usize]).await;
    wait_for_offset(&s, &path, "alice", MIB).await;

    // A second PATCH at the offset the server now reports, once per worker and one more:
    // the workers take new connections in turn, so one of these lands beside the first
    // PATCH and the others on every other worker.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    for i in 0..=workers {
        let mut second = RawRequest::start(addr, "PATCH", &path, &tus_patch_headers("alice", MIB, 16)).await;
        second.send(&[0xee; 16]).await;
        let r = second.response(Duration::from_secs(10)).await;
        assert_eq!(r.status, 409, "second PATCH #{i} while the first is writing: {r:?}");
    }

    // The first PATCH completes the upload, exactly as sent.
    first.send(&data[MIB as usize..]).await;
    let r = first.response(Duration::from_secs(20)).await;
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.header("upload-offset"), Some("2097152"));
    let media = r
        .header("dailies-media-id")
        .expect("the last PATCH names the media")
        .to_string();
    let original = s.media_dir_of(&media).await.join("original");
    assert_eq!(
        std::fs::read(&original).unwrap(),
        data,
        "the original is what the first PATCH sent"
    );

    // A PATCH after completion writes nothing, and the upload still answers.
    for offset in [MIB, 2 * MIB] {
        let mut late = RawRequest::start(addr, "PATCH", &path, &tus_patch_headers("alice", offset, 16)).await;
        late.send(&[0xee; 16]).await;
        let r = late.response(Duration::from_secs(10)).await;
        assert!(
            r.status == 409 || r.status == 400,
            "PATCH at {offset} after completion: {r:?}"
        );
    }
    assert_eq!(
        std::fs::metadata(&original).unwrap().len(),
        2 * MIB,
        "nothing written after it became media"
    );
    assert_eq!(
        head_full(&s, &path, "alice").await,
        (200, Some(2 * MIB), Some(media.clone()))
    );
}

#[actix_rt::test]
async fn a_patch_racing_a_termination_answers_404_and_leaves_nothing() {
    let s = TestServer::start().await;
    let addr = s.server.as_ref().unwrap().addr;
    let path = create_upload(&s, "alice", 2 * MIB).await;
    let data = body(2 * MIB);

    let mut patch = RawRequest::start(addr, "PATCH", &path, &tus_patch_headers("alice", 0, 2 * MIB)).await;
    patch.send(&data[..MIB as usize]).await;
    wait_for_offset(&s, &path, "alice", MIB).await;

    let r = client()
        .delete(s.url(&path))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(head_offset(&s, &path, "alice").await.0, 404, "terminated at once");

    // The PATCH in progress stops and says why, without waiting for the rest of its body.
    let r = patch.response(Duration::from_secs(10)).await;
    assert!(
        r.status == 404 || r.status == 410,
        "PATCH racing the termination: {r:?}"
    );
    assert_eq!(tus_files(&s), Vec::<String>::new(), "nothing of the upload is left");
    let (_, list) = s.get("/api/media", Some("alice")).await;
    assert_eq!(list, serde_json::json!([]), "a terminated upload never becomes media");
    let media: Vec<_> = std::fs::read_dir(s.dir.path().join("media"))
        .unwrap()
        .flatten()
        .collect();
    assert!(media.is_empty(), "no media directory: {media:?}");
}
