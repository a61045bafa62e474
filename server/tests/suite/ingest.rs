//! Ingestion end to end: uploads (raw, multipart, interrupted, too large), processing with
//! real ffmpeg, serving with Range, authorization, rename and delete, the watch folder.

use crate::common::{client, make_h264, TestServer};
use serde_json::{json, Value};
use std::time::Duration;

#[actix_rt::test]
async fn browser_ready_upload_needs_no_transcode() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.mp4");
    make_h264(&f, 2);
    let (code, body) = s.upload("alice", "My%20clip.mp4", std::fs::read(&f).unwrap()).await;
    assert_eq!(code, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let m = s.wait_done("alice", &id, 60).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert_eq!(m["title"], "My clip.mp4");
    assert_eq!(m["kind"], "video");
    assert_eq!(m["fps_rational"], json!({"num": 25, "den": 1}));
    assert_eq!(m["frame_count"], 50);
    assert_eq!(m["width"], 320);
    assert_eq!(m["playback_url"], format!("/files/{id}/original.mp4"), "served as is");
    assert!(m["thumb_url"].as_str().unwrap().ends_with("thumb.webp"));
    let sheet = &m["sheet"];
    assert!(sheet["columns"].as_u64().unwrap() >= 1);
    assert!(
        sheet["times"].as_array().unwrap().len() as u64
            <= sheet["columns"].as_u64().unwrap() * sheet["rows"].as_u64().unwrap()
    );
    let media_dir = s.media_dir_of(&id).await;
    assert!(!media_dir.join("proxy.mp4").exists());
    assert!(media_dir.join("thumb.webp").exists() && media_dir.join("sheet.webp").exists());
    // In the listing, and nothing left in upload-tmp.
    let (_, list) = s.get("/api/media", Some("alice")).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(s.dir.path().join("upload-tmp"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .collect();
    assert!(leftovers.is_empty());
}

#[actix_rt::test]
async fn vp9_webm_gets_an_h264_proxy_with_live_progress() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.webm");
    crate::common::ffmpeg_make(
        &f,
        &["testsrc2=size=320x240:rate=30", "sine"],
        &[
            "-t",
            "3",
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-c:a",
            "libopus",
        ],
    );
    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;
    let (code, body) = s.upload("alice", "clip.webm", std::fs::read(&f).unwrap()).await;
    assert_eq!(code, 201);
    let id = body["id"].as_str().unwrap().to_string();
    let mut progress = Vec::new();
    loop {
        let m = ws.recv_within(60).await;
        match m["type"].as_str().unwrap() {
            "media_progress" => {
                assert_eq!(m["media_id"], id.as_str());
                progress.push(m["progress"].as_f64().unwrap());
            }
            "media_updated" if m["media"]["status"] == "ready" => break,
            "media_updated" if m["media"]["status"] == "failed" => panic!("failed: {m}"),
            _ => {}
        }
    }
    assert!(progress.len() >= 2, "{progress:?}");
    assert!(
        progress.windows(2).all(|w| w[0] <= w[1] + 1e-9),
        "monotonic: {progress:?}"
    );
    let m = s.wait_processed("alice", &id, 60).await;
    assert_eq!(m["playback_url"], format!("/files/{id}/proxy.mp4"));
    let proxy = s.media_dir_of(&id).await.join("proxy.mp4");
    let p = crate::common::ffprobe_streams(&proxy);
    assert_eq!(p["streams"][0]["codec_name"], "h264");
    assert_eq!(p["streams"][0]["pix_fmt"], "yuv420p");
    assert_eq!(p["streams"][1]["codec_name"], "aac");
    assert!(
        s.media_dir_of(&id).await.join("ffmpeg.log").exists(),
        "ffmpeg's log is kept"
    );
}

#[actix_rt::test]
async fn bad_files_fail_with_a_reason_and_the_server_keeps_serving() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.mp4");
    make_h264(&f, 2);
    let full = std::fs::read(&f).unwrap();
    let mut random = vec![0u8; 200_000];
    let mut x: u32 = 12345;
    for b in random.iter_mut() {
        x = x.wrapping_mul(1103515245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    // MPEG-4 Part 2 in a MOV needs a proxy; with its index at the front, a cut-short copy
    // probes fine and only the decode check (which runs beside the proxy) finds the end
    // missing.
    let avi = dir.path().join("long.mov");
    crate::common::ffmpeg_make(
        &avi,
        &["testsrc2=size=640x360:rate=25"],
        &["-t", "8", "-c:v", "mpeg4", "-q:v", "3", "-movflags", "+faststart"],
    );
    let avi = std::fs::read(&avi).unwrap();
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("empty.mp4", vec![], &["empty"]),
        ("cut.mov", avi[..avi.len() * 4 / 10].to_vec(), &["missing", "cut short"]),
        ("random.mov", random, &["not", "video"]),
        (
            "truncated.mp4",
            full[..full.len() * 3 / 10].to_vec(),
            &["damaged", "truncated", "not", "read"],
        ),
    ];
    for (name, bytes, words) in cases {
        let (code, body) = s.upload("alice", name, bytes).await;
        assert_eq!(code, 201, "{name}: {body}");
        let id = body["id"].as_str().unwrap();
        let m = s.wait_done("alice", id, 60).await;
        assert_eq!(m["status"], "failed", "{name}: {m}");
        let reason = m["error"].as_str().unwrap().to_lowercase();
        assert!(
            words.iter().any(|w| reason.contains(w)),
            "{name}: unclear reason {reason:?}"
        );
        assert!(!reason.contains("panicked") && !reason.contains("backtrace"));
        // With object storage the tools read a presigned URL: it is a credential, never a reason.
        assert!(
            !reason.contains("x-amz-") && !reason.contains("http"),
            "{name}: {reason:?}"
        );
        // The original is kept.
        let kept = std::fs::read_dir(s.media_dir_of(id).await)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("original"));
        assert!(kept, "{name}: original kept");
        // No proxy, finished or half-written, is left behind.
        let left: Vec<String> = std::fs::read_dir(s.media_dir_of(id).await)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("proxy"))
            .collect();
        assert!(left.is_empty(), "{name}: {left:?}");
    }
    assert_eq!(s.get("/api/health", None).await.0, 200);
}

#[actix_rt::test]
async fn multipart_upload_and_hostile_names() {
    let s = TestServer::start().await;
    let boundary = "XyZbOuNdArY";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n").as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../etc/$(reboot);.mov\"\r\nContent-Type: video/quicktime\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(b"not really a movie");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut resp = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Content-Type", format!("multipart/form-data; boundary={boundary}")))
        .send_body(body)
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let v: Value = serde_json::from_slice(&resp.body().await.unwrap()).unwrap();
    let id = v["id"].as_str().unwrap();
    let (_, m) = s.get(&format!("/api/media/{id}"), Some("alice")).await;
    assert_eq!(m["title"], "$(reboot);.mov", "title keeps the base name only");
    let files: Vec<String> = std::fs::read_dir(s.media_dir_of(id).await)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.contains(&"original.mov".to_string()), "{files:?}");
    assert!(!s.dir.path().join("etc").exists());

    // Raw upload without a name, and multipart without a file field.
    let (code, body) = s.upload("alice", "", b"x".to_vec()).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("bad_request")));
    let resp = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Content-Type", format!("multipart/form-data; boundary={boundary}")))
        .send_body(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ny\r\n--{boundary}--\r\n"
        ))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    // No identity, no upload.
    let resp = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-File-Name", "a.mov"))
        .send_body("x")
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}

#[actix_rt::test]
async fn too_large_is_413_and_leaves_nothing() {
    let s = TestServer::start_with(|c| c.max_upload_size = 1000).await;
    let (code, body) = s.upload("alice", "big.mov", vec![0u8; 5000]).await;
    assert_eq!(code, 413);
    assert_eq!(body["error"], "payload_too_large");
    // Chunked (no Content-Length): refused while streaming.
    let stream =
        futures_util::stream::iter((0..10).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![1u8; 500]))));
    let resp = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-File-Name", "big.mov"))
        .send_stream(stream)
        .await;
    if let Ok(r) = resp {
        assert_eq!(r.status().as_u16(), 413);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, list) = s.get("/api/media", Some("alice")).await;
    assert_eq!(list, json!([]));
    let left = std::fs::read_dir(s.dir.path().join("upload-tmp"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .count();
    assert_eq!(left, 0, "partial files removed");
}

#[actix_rt::test]
async fn interrupted_upload_never_shows_up() {
    use std::io::Write;
    let s = TestServer::start().await;
    let addr = s.server.as_ref().unwrap().addr;
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    write!(tcp, "POST /api/upload HTTP/1.1\r\nHost: x\r\nX-Remote-User-Id: alice\r\nX-File-Name: cut.mov\r\nContent-Length: 10000000\r\n\r\n").unwrap();
    tcp.write_all(&vec![0u8; 3_000_000]).unwrap();
    drop(tcp);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, list) = s.get("/api/media", Some("alice")).await;
    assert_eq!(list, json!([]));
    let left = std::fs::read_dir(s.dir.path().join("upload-tmp"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .count();
    assert_eq!(left, 0, "the partial file is removed");
}

#[actix_rt::test]
async fn serving_with_range_and_authorization() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.mp4");
    make_h264(&f, 1);
    let bytes = std::fs::read(&f).unwrap();
    let (_, body) = s.upload("alice", "clip.mp4", bytes.clone()).await;
    let id = body["id"].as_str().unwrap().to_string();
    let m = s.wait_done("alice", &id, 60).await;
    let url = m["playback_url"].as_str().unwrap();

    let (code, h, body) = s.fetch(url, Some("alice"), &[]).await;
    assert_eq!(code, 200);
    assert_eq!(body, bytes);
    assert_eq!(h.get("content-type").unwrap(), "video/mp4");
    assert!(h.get("etag").is_some() && h.get("last-modified").is_some());
    assert_eq!(h.get("accept-ranges").unwrap(), "bytes");

    let (code, h, body) = s.fetch(url, Some("alice"), &[("Range", "bytes=100-199")]).await;
    assert_eq!(code, 206);
    assert_eq!(body, bytes[100..200].to_vec());
    assert_eq!(
        h.get("content-range").unwrap().to_str().unwrap(),
        format!("bytes 100-199/{}", bytes.len())
    );
    let (code, _, _) = s
        .fetch(
            url,
            Some("alice"),
            &[("Range", &format!("bytes={}-", bytes.len() + 10))],
        )
        .await;
    assert_eq!(code, 416);

    let etag = h.get("etag").unwrap().to_str().unwrap().to_string();
    let (code, _, _) = s.fetch(url, Some("alice"), &[("If-None-Match", &etag)]).await;
    assert_eq!(code, 304);

    // Others: 404, as for missing media. No identity: 401. Admins: allowed.
    assert_eq!(s.fetch(url, Some("bob"), &[]).await.0, 404);
    assert_eq!(s.fetch(url, None, &[]).await.0, 401);
    assert_eq!(s.fetch(url, Some("admin"), &[]).await.0, 200);
    assert_eq!(s.get(&format!("/api/media/{id}"), Some("bob")).await.0, 404);
    // No way out of the media directory.
    for bad in [
        format!("/files/{id}/..%2F..%2Fdailies.sqlite"),
        format!("/files/{id}/%2e%2e"),
        "/files/..%2F/dailies.sqlite".to_string(),
        format!("/files/{id}/tmp.proxy.mp4"),
        format!("/files/{id}/.hidden"),
    ] {
        let code = s.fetch(&bad, Some("admin"), &[]).await.0;
        assert!(code == 404 || code == 400, "{bad} -> {code}");
    }
}

#[actix_rt::test]
async fn rename_and_delete_over_rest_and_websocket() {
    let s = TestServer::start().await;
    let (_, a) = s.upload("alice", "a.mov", b"junk".to_vec()).await;
    let (_, b) = s.upload("alice", "b.mov", b"junk".to_vec()).await;
    let (a, b) = (
        a["id"].as_str().unwrap().to_string(),
        b["id"].as_str().unwrap().to_string(),
    );
    s.wait_done("alice", &a, 30).await;
    s.wait_done("alice", &b, 30).await;

    let patch = |user: &'static str, id: String, title: Value| {
        let s = &s;
        async move {
            let mut r = client()
                .patch(s.url(&format!("/api/media/{id}")))
                .insert_header(("X-Remote-User-Id", user))
                .send_json(&title)
                .await
                .unwrap();
            let v: Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap_or(Value::Null);
            (r.status().as_u16(), v)
        }
    };
    let (code, m) = patch("alice", a.clone(), json!({"title": "Final cut"})).await;
    assert_eq!((code, m["title"].as_str()), (200, Some("Final cut")));
    assert_eq!(patch("bob", a.clone(), json!({"title": "mine"})).await.0, 404);
    assert_eq!(patch("alice", a.clone(), json!({"title": "  "})).await.0, 400);
    assert_eq!(patch("alice", a.clone(), json!({"nope": 1})).await.0, 400);

    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "rename_media", "media_id": b, "title": "Over the socket"}))
        .await;
    let u = ws.recv_type("media_updated").await;
    assert_eq!(u["media"]["title"], "Over the socket");

    let mut bob = s.ws(Some("bob")).await;
    bob.recv_type("welcome").await;
    bob.send(json!({"type": "delete_media", "media_id": b})).await;
    assert_eq!(bob.recv_type("error").await["code"], "not_found");

    ws.send(json!({"type": "delete_media", "media_id": b})).await;
    assert_eq!(ws.recv_type("media_removed").await["media_id"], b.as_str());
    assert!(!s.media_dir_of(&b).await.exists(), "files gone");
    assert_eq!(s.get(&format!("/api/media/{b}"), Some("alice")).await.0, 404);

    let r = client()
        .delete(s.url(&format!("/api/media/{a}")))
        .insert_header(("X-Remote-User-Id", "alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(s.get("/api/media", Some("alice")).await.1, json!([]));
}

#[actix_rt::test]
async fn watch_folder_waits_for_a_file_to_stop_growing() {
    let s = TestServer::start_with(|c| c.watch_settle = Duration::from_millis(800)).await;
    let mut ws = s.ws(Some("carol")).await;
    ws.recv_type("welcome").await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.mp4");
    make_h264(&f, 1);
    let bytes = std::fs::read(&f).unwrap();
    let incoming = s.dir.path().join("incoming/carol");
    std::fs::create_dir_all(&incoming).unwrap();
    let target = incoming.join("Shot 12.mp4");
    // A slow copy: a chunk every 300 ms, slower than the settle time would allow if the
    // watcher did not compare sizes.
    {
        use std::io::Write;
        let mut out = std::fs::File::create(&target).unwrap();
        for chunk in bytes.chunks(bytes.len() / 6 + 1) {
            out.write_all(chunk).unwrap();
            out.flush().unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            let (_, list) = s.get("/api/media", Some("carol")).await;
            assert_eq!(list, json!([]), "picked up while still growing");
        }
    }
    let msg = loop {
        let m = ws.recv_within(60).await;
        if m["type"] == "user_message_added" {
            break m;
        }
    };
    assert_eq!(msg["message"]["kind"], "media_ready", "{msg}");
    assert!(msg["message"]["text"].as_str().unwrap().contains("Shot 12.mp4"));
    let (_, list) = s.get("/api/media", Some("carol")).await;
    assert_eq!(list[0]["title"], "Shot 12.mp4");
    assert_eq!(list[0]["status"], "ready");
    assert!(!target.exists(), "moved out of the incoming folder");
    let stored = s
        .media_dir_of(list[0]["id"].as_str().unwrap())
        .await
        .join("original.mp4");
    assert_eq!(std::fs::read(stored).unwrap(), bytes, "byte for byte");
}

/// Every kind of input through the whole server: each ends ready with something a browser
/// plays (H.264/AAC MP4 for video, AAC for audio, WebP for stills).
#[actix_rt::test]
async fn every_kind_of_input_ends_ready_and_playable() {
    let s = TestServer::start_with(|c| c.transcode_workers = 2).await;
    let dir = tempfile::tempdir().unwrap();
    let v = "testsrc2=size=320x240:rate=25";
    let a = "sine=frequency=300";
    let cases: Vec<(&str, Vec<&str>, Vec<&str>, &str)> = vec![
        (
            "hevc.mp4",
            vec![v, a],
            vec!["-t", "1", "-c:v", "libx265", "-preset", "ultrafast", "-c:a", "aac"],
            "video",
        ),
        (
            "prores.mov",
            vec![v, a],
            vec!["-t", "1", "-c:v", "prores_ks", "-profile:v", "0", "-c:a", "pcm_s16le"],
            "video",
        ),
        (
            "10bit422.mov",
            vec![v],
            vec![
                "-t",
                "1",
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv422p10le",
                "-preset",
                "ultrafast",
            ],
            "video",
        ),
        (
            "odd.mkv",
            vec!["testsrc2=size=333x241:rate=25,format=yuv444p"],
            vec!["-t", "1", "-c:v", "libx264", "-preset", "ultrafast"],
            "video",
        ),
        ("audio.wav", vec![a], vec!["-t", "2"], "audio"),
        ("still.png", vec![v], vec!["-frames:v", "1"], "image"),
    ];
    let mut ids = vec![];
    for (name, inputs, args, kind) in &cases {
        let p = dir.path().join(name);
        crate::common::ffmpeg_make(&p, inputs, args);
        let (code, body) = s.upload("alice", name, std::fs::read(&p).unwrap()).await;
        assert_eq!(code, 201);
        ids.push((name, kind, body["id"].as_str().unwrap().to_string()));
    }
    // A rotated phone video: H.264 with a rotation tag, copied into MP4.
    let plain = dir.path().join("plain.mp4");
    crate::common::make_h264(&plain, 1);
    let rotated = dir.path().join("rotated.mp4");
    let st = std::process::Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-i"])
        .arg(&plain)
        .args(["-c", "copy", "-metadata:s:v:0", "rotate=90"])
        .arg(&rotated)
        .status()
        .unwrap();
    assert!(st.success());
    let (_, body) = s.upload("alice", "rotated.mp4", std::fs::read(&rotated).unwrap()).await;
    let rot_id = body["id"].as_str().unwrap().to_string();

    for (name, kind, id) in &ids {
        let m = s.wait_done("alice", id, 120).await;
        assert_eq!(m["status"], "ready", "{name}: {m}");
        assert_eq!(m["kind"], **kind, "{name}");
        let url = m["playback_url"].as_str().unwrap();
        let (mid, file) = url.trim_start_matches("/files/").split_once('/').unwrap();
        let file = s.media_dir_of(mid).await.join(file);
        let p = crate::common::ffprobe_streams(&file);
        match **kind {
            "video" => {
                assert_eq!(p["streams"][0]["codec_name"], "h264", "{name}");
                assert_eq!(p["streams"][0]["pix_fmt"], "yuv420p", "{name}");
                assert!(p["format"]["format_name"].as_str().unwrap().contains("mp4"), "{name}");
                let w = p["streams"][0]["width"].as_i64().unwrap();
                assert_eq!(w % 2, 0, "{name}: even width");
                if let Some(a) = p["streams"].as_array().unwrap().get(1) {
                    assert_eq!(a["codec_name"], "aac", "{name}");
                }
            }
            "audio" => assert_eq!(p["streams"][0]["codec_name"], "aac", "{name}"),
            _ => assert_eq!(p["streams"][0]["codec_name"], "webp", "{name}"),
        }
        assert!(m["thumb_url"].is_string(), "{name} has a thumbnail");
    }
    let m = s.wait_done("alice", &rot_id, 120).await;
    assert_eq!(m["status"], "ready");
    assert_eq!(
        (m["width"].as_i64(), m["height"].as_i64()),
        (Some(240), Some(320)),
        "shown upright"
    );
    let proxy = s.media_dir_of(&rot_id).await.join("proxy.mp4");
    let p = crate::common::ffprobe_streams(&proxy);
    assert_eq!(
        (p["streams"][0]["width"].as_i64(), p["streams"][0]["height"].as_i64()),
        (Some(240), Some(320))
    );
}
