//! Hostile input: traversal and shell metacharacters in names, huge and deeply nested JSON,
//! floods, oversized drawings, invalid UTF-8, other users' ids and forged identity headers.
//! Each gets a clear error, the server stays up, and nothing is written where it should not be.

use crate::common::{client, TestServer, Ws};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn clip() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.mp4");
    crate::common::make_h264(&f, 1);
    std::fs::read(&f).unwrap()
}

/// Every file under `root`, relative.
fn tree(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                dirs.push(p.clone());
            }
            out.push(p.strip_prefix(root).unwrap().to_path_buf());
        }
    }
    out.sort();
    out
}

/// Only the data directory's own layout: the database, `media/<id>/<plain name>`, the upload
/// and watch folders. Anything else was written by a name that escaped.
fn assert_layout(root: &Path) {
    for p in tree(root) {
        let parts: Vec<String> = p.iter().map(|c| c.to_string_lossy().into_owned()).collect();
        let plain =
            |s: &str| !s.starts_with('.') && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        let ok = match parts.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            [db] if db.starts_with("dailies.sqlite") => true,
            // Copies of bucket objects the harness fetched (object storage runs).
            ["fetched", ..] => true,
            ["media" | "incoming" | "upload-tmp"] => true,
            ["media", id] => id.len() == 12 && plain(id),
            ["media", id, name] => id.len() == 12 && plain(name),
            ["upload-tmp", "tus"] => true,
            ["upload-tmp", "tus", f] | ["upload-tmp", f] => plain(f),
            ["incoming", user] | ["incoming", user, _] => plain(user),
            // The organizer plugin's sockets.
            ["organizer"] => true,
            ["organizer", f] => plain(f),
            _ => false,
        };
        assert!(ok, "unexpected path in the data dir: {}", p.display());
    }
}

async fn raw_upload(s: &TestServer, name: &[u8], body: Vec<u8>) -> (u16, Value) {
    let mut resp = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-File-Name", awc::http::header::HeaderValue::from_bytes(name).unwrap()))
        .send_body(body)
        .await
        .unwrap();
    let b = resp.body().await.unwrap();
    (
        resp.status().as_u16(),
        serde_json::from_slice(&b).unwrap_or(Value::Null),
    )
}

#[actix_rt::test]
async fn traversal_and_shell_metacharacters_in_names_stay_names() {
    let s = TestServer::start().await;
    let clip = clip();
    let canary = std::env::temp_dir().join(format!("dailies-pwned-{}", std::process::id()));
    let canary_s = canary.display().to_string();
    let names = [
        "../../../../tmp/escape.mp4".to_string(),
        "..%2F..%2F..%2Fescape.mp4".to_string(),
        "%2e%2e/%2e%2e/escape.mp4".to_string(),
        format!("$(touch {canary_s}).mp4"),
        format!("`touch {canary_s}`;rm -rf ~.mp4"),
        format!("a.mp4; touch {canary_s} #"),
        "C:\\..\\..\\win.mp4".to_string(),
        "name\u{0}with nul.mp4".to_string(),
        "-i /etc/passwd.mp4".to_string(),
    ];
    let mut ids = vec![];
    for name in &names {
        let (code, v) = raw_upload(&s, name.replace('\u{0}', "%00").as_bytes(), clip.clone()).await;
        assert_eq!(code, 201, "{name}: {v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    // A multipart filename and a tus filename with traversal.
    let boundary = "XBOUNDARYX";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../../mp.mp4\"\r\n\
         Content-Type: video/mp4\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&clip);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Content-Type", format!("multipart/form-data; boundary={boundary}")))
        .send_body(body)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let v: Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
    ids.push(v["id"].as_str().unwrap().to_string());

    for id in &ids {
        let m = s.wait_done("alice", id, 60).await;
        assert_eq!(m["status"], "ready", "{m}");
        let title = m["title"].as_str().unwrap();
        assert!(
            !title.contains('/') && !title.contains('\\') && !title.contains('\0'),
            "{title}"
        );
    }
    // Renames with the same payloads are display titles, never paths.
    for (i, name) in names.iter().enumerate() {
        let mut r = client()
            .patch(s.url(&format!("/api/media/{}", ids[i])))
            .insert_header(("X-Remote-User-Id", "alice"))
            .send_json(&json!({ "title": name }))
            .await
            .unwrap();
        let v: Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
        assert_eq!(r.status().as_u16(), 200, "{v}");
        assert!(!v["title"].as_str().unwrap().contains('\0'));
    }
    for bad in [
        json!({"title": ""}),
        json!({"title": "x".repeat(201)}),
        json!({"title": 5}),
        json!({"title": "a", "path": "/"}),
    ] {
        let r = client()
            .patch(s.url(&format!("/api/media/{}", ids[0])))
            .insert_header(("X-Remote-User-Id", "alice"))
            .send_json(&bad)
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{bad}");
    }
    // The file route takes one plain name: no way up to the database or another media.
    for path in [
        format!("/files/{}/..%2F..%2Fdailies.sqlite", ids[0]),
        format!("/files/{}/%2e%2e", ids[0]),
        format!("/files/{}/..", ids[0]),
        "/files/..%2F..%2F/dailies.sqlite".to_string(),
        format!("/files/{}%2F..%2F{}/original.mp4", ids[0], ids[1]),
        "/files/../../etc/passwd".to_string(),
    ] {
        let (code, _, body) = s.fetch(&path, Some("alice"), &[]).await;
        assert!(code == 404 || code == 400, "{path}: {code}");
        assert!(!body.starts_with(b"SQLite format"), "{path} leaked the database");
    }
    assert!(!canary.exists(), "a shell ran a file name");
    assert!(!std::env::temp_dir().join("escape.mp4").exists());
    assert_layout(s.dir.path());
}

#[actix_rt::test]
async fn huge_and_deeply_nested_json_is_refused_and_the_session_goes_on() {
    let s = TestServer::start().await;
    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let nested_obj = format!(
        r#"{{"type":"ping","client_time":{}1{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let many_keys = format!(
        r#"{{"type":"mark_messages_seen","ids":[{}]}}"#,
        vec!["1"; 60_000].join(",")
    );
    for text in [nested.as_str(), nested_obj.as_str()] {
        let started = Instant::now();
        ws.send_text(text).await;
        let e = ws.recv_type("error").await;
        assert_eq!(e["code"], "bad_message", "{e}");
        assert!(e["message"].as_str().unwrap().len() < 400);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    ws.send_text(&many_keys).await;
    let e = ws.recv_type("error").await;
    assert_eq!(e["request"], "mark_messages_seen");
    ws.send(json!({"type": "ping", "client_time": 7})).await;
    assert_eq!(ws.recv_type("pong").await["client_time"], 7.0);

    // Over the frame limit: too_large, then the socket closes with 1009.
    let big = format!(
        r#"{{"type":"ping","client_time":1,"pad":"{}"}}"#,
        "x".repeat(300 * 1024)
    );
    ws.send_text(&big).await;
    assert_eq!(ws.recv_type("error").await["code"], "too_large");
    assert_eq!(ws.closed_within(5).await, Some(1009));

    // The same over HTTP: a 400 with a JSON error.
    let mut r = client()
        .patch(s.url("/api/media/abcdefghijkl"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Content-Type", "application/json"))
        .send_body(format!(r#"{{"title":{nested}}}"#))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
    assert_eq!(v["error"], "bad_request");
    let r = client()
        .patch(s.url("/api/media/abcdefghijkl"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Content-Type", "application/json"))
        .send_body(format!(r#"{{"title":"{}"}}"#, "x".repeat(2 << 20)))
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 400 | 413), "{}", r.status());
    assert_eq!(s.get("/api/health", None).await.0, 200);
}

#[actix_rt::test]
async fn a_flood_is_rate_limited_and_others_are_unaffected() {
    let s = TestServer::start().await;
    let mut flood = s.ws(Some("mallory")).await;
    flood.recv_type("welcome").await;
    let mut calm = s.ws(Some("alice")).await;
    calm.recv_type("welcome").await;
    // 3000 messages as fast as the socket takes them: the burst allowance is 300.
    let flooding = async {
        for i in 0..3000 {
            flood.send(json!({"type": "ping", "client_time": i})).await;
        }
        flood
    };
    let probing = async {
        let mut worst = Duration::ZERO;
        for i in 0..20 {
            let t = Instant::now();
            calm.send(json!({"type": "ping", "client_time": i})).await;
            assert_eq!(calm.recv_type("pong").await["client_time"], i as f64);
            worst = worst.max(t.elapsed());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        worst
    };
    let (mut flood, worst) = futures_util::join!(flooding, probing);
    assert!(
        worst < Duration::from_millis(500),
        "a flood slowed another user to {worst:?}"
    );
    let mut pongs = 0;
    let mut limited = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while pongs + limited < 3000 && Instant::now() < deadline {
        let v = flood.recv().await;
        match v["type"].as_str() {
            Some("pong") => pongs += 1,
            Some("error") if v["code"] == "rate_limited" => limited += 1,
            _ => {}
        }
        if limited > 0 && pongs >= 300 {
            break;
        }
    }
    assert!(limited >= 1, "no rate_limited answer after {pongs} pongs");
    assert!(pongs < 3000, "all 3000 were answered: no limit");
    // After a pause the flooder's own session works again.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    flood.send(json!({"type": "ping", "client_time": -1})).await;
    loop {
        let v = flood.recv().await;
        if v["type"] == "pong" && v["client_time"] == -1.0 {
            break;
        }
    }
    assert_eq!(s.get("/api/health", None).await.0, 200);
}

#[actix_rt::test]
async fn oversized_drawings_are_refused() {
    let s = TestServer::start().await;
    let (code, v) = s.upload("alice", "clip.mp4", clip()).await;
    assert_eq!(code, 201);
    let media = v["id"].as_str().unwrap().to_string();
    s.wait_done("alice", &media, 60).await;
    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    ws.recv_type("room_joined").await;
    let pt = json!({"x": 0.5, "y": 0.5});
    let shape =
        |points: Vec<Value>| json!({"tool": "pen", "points": points, "color": "#ff0000", "width": 0.01, "text": null});
    let comment = |drawing: Value| {
        json!({"type": "add_comment", "media_id": media, "text": "", "frame": 0, "end_frame": null,
            "parent_id": null, "drawing": drawing, "client_ref": null})
    };
    for (what, drawing) in [
        ("501 shapes", json!({"shapes": vec![shape(vec![pt.clone()]); 501]})),
        ("5001 points", json!({"shapes": [shape(vec![pt.clone(); 5001])]})),
        (
            "far points",
            json!({"shapes": [shape(vec![json!({"x": 1e30, "y": 0})])]}),
        ),
        (
            "long text",
            json!({"shapes": [{"tool": "text", "points": [pt], "color": "#ff0000", "width": 0.01, "text": "x".repeat(501)}]}),
        ),
    ] {
        ws.send(comment(drawing)).await;
        let e = ws.recv_type("error").await;
        assert_eq!(e["code"], "bad_message", "{what}: {e}");
    }
    ws.send(json!({"type": "session_join", "media_id": media})).await;
    ws.recv_type("collab").await;
    ws.send(json!({"type": "live_stroke", "media_id": media, "shape": shape(vec![pt.clone(); 5001])}))
        .await;
    assert_eq!(ws.recv_type("error").await["request"], "live_stroke");
    // A drawing bigger than a websocket message: too_large and the socket closes.
    let huge = json!({"shapes": vec![shape(vec![pt.clone(); 400]); 400]});
    ws.send(comment(huge)).await;
    assert_eq!(ws.recv_type("error").await["code"], "too_large");
    let (code, _) = s.get(&format!("/api/media/{media}"), Some("alice")).await;
    assert_eq!(code, 200);
    let mut again = s.ws(Some("alice")).await;
    again.recv_type("welcome").await;
    again
        .send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    assert_eq!(
        again.recv_type("room_joined").await["comments"],
        json!([]),
        "nothing stored"
    );
}

/// A websocket handshake and one masked frame written by hand, so its payload can be
/// invalid UTF-8 in a text frame (websocket clients refuse to send that).
fn raw_ws_frame(addr: &str, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut sock = std::net::TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        sock,
        "GET /api/ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         X-Remote-User-Id: alice\r\n\r\n"
    )
    .unwrap();
    let mut frame = vec![0x80 | opcode, 0x80 | payload.len() as u8];
    let mask = [1u8, 2, 3, 4];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    std::thread::sleep(Duration::from_millis(200));
    sock.write_all(&frame).unwrap();
    let mut got = vec![];
    let mut buf = [0u8; 4096];
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got
}

/// The status code of the first close frame the server sent after the handshake.
fn close_code(got: &[u8]) -> Option<u16> {
    let body = got.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let mut rest = &got[body..];
    // Server frames are unmasked; ours are short, so a 7-bit or 16-bit length.
    while rest.len() >= 2 {
        let (op, len) = (rest[0] & 0x0f, (rest[1] & 0x7f) as usize);
        let (head, len) = if len == 126 {
            (4, u16::from_be_bytes([*rest.get(2)?, *rest.get(3)?]) as usize)
        } else {
            (2, len)
        };
        let payload = rest.get(head..head + len)?;
        if op == 0x8 {
            return Some(u16::from_be_bytes([*payload.first()?, *payload.get(1)?]));
        }
        rest = &rest[head + len..];
    }
    None
}

#[actix_rt::test]
async fn invalid_utf8_in_frames_and_headers() {
    let s = TestServer::start().await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let got = tokio::task::spawn_blocking(move || raw_ws_frame(&addr, 0x1, b"{\"type\":\"ping\xff\xfe\"}"))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 101"), "{text}");
    // The welcome, and then a close with 1007 (invalid frame payload data): a text frame
    // must be UTF-8 (RFC 6455 8.1).
    assert!(text.contains("welcome"), "{text}");
    assert!(!text.contains("pong"));
    assert_eq!(close_code(&got), Some(1007), "{text}");
    // An opcode the protocol reserves: a close with 1002 (protocol error).
    let addr = s.base.trim_start_matches("http://").to_string();
    let got = tokio::task::spawn_blocking(move || raw_ws_frame(&addr, 0x3, b"x"))
        .await
        .unwrap();
    assert_eq!(close_code(&got), Some(1002), "{}", String::from_utf8_lossy(&got));

    // Identity and file-name headers that are not text: a 400 with a reason, not a 500.
    for (k, v) in [
        ("X-Remote-User-Id", &b"al\xffice"[..]),
        ("X-Remote-User-Name", b"\xc3\x28"),
    ] {
        let mut r = client()
            .get(s.url("/api/media"))
            .insert_header(("X-Remote-User-Id", "alice"))
            .insert_header((k, awc::http::header::HeaderValue::from_bytes(v).unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{k}");
        let e: Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
        assert!(e["message"].as_str().unwrap().contains(k), "{e}");
    }
    let (code, e) = raw_upload(&s, b"clip\xff.mp4", b"data".to_vec()).await;
    assert_eq!(code, 400, "{e}");
    // Non-ASCII type in a message: answered, and the session goes on (this used to panic
    // the session when the parser's message was cut inside a character).
    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;
    ws.send_text(&format!(r#"{{"type":"{}"}}"#, "é".repeat(200))).await;
    assert_eq!(ws.recv_type("error").await["code"], "bad_message");
    ws.send(json!({"type": "ping", "client_time": 3})).await;
    assert_eq!(ws.recv_type("pong").await["client_time"], 3.0);
    assert_layout(s.dir.path());
}

#[actix_rt::test]
async fn someone_elses_media_id_and_malformed_ids() {
    let s = TestServer::start().await;
    let (_, v) = s.upload("alice", "clip.mp4", clip()).await;
    let media = v["id"].as_str().unwrap().to_string();
    s.wait_done("alice", &media, 60).await;
    let mut bob = s.ws(Some("bob")).await;
    bob.recv_type("welcome").await;
    for id in [
        media.as_str(),
        "../../etc/pa",
        "",
        "x",
        &"a".repeat(5000),
        "abcdefghijk\u{0}",
    ] {
        bob.send(json!({"type": "join_room", "media_id": id, "since_seq": null}))
            .await;
        let e = bob.recv_type("error").await;
        assert_eq!(e["code"], "not_found", "{id}: {e}");
        assert!(!e["message"].as_str().unwrap().contains("alice"), "{e}");
        let (code, _) = s.get(&format!("/api/media/{}", urlencode(id)), Some("bob")).await;
        assert!(code == 404 || code == 400, "{id}: {code}");
    }
    // Same answer for someone else's media and for none: ids cannot be probed.
    let (c1, e1) = s.get(&format!("/api/media/{media}"), Some("bob")).await;
    let (c2, e2) = s.get("/api/media/abcdefghijkl", Some("bob")).await;
    assert_eq!((c1, &e1), (c2, &e2));
    let (c3, _, _) = s.fetch(&format!("/files/{media}/original.mp4"), Some("bob"), &[]).await;
    assert_eq!(c3, 404);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[actix_rt::test]
async fn identity_headers_are_trusted_only_as_configured() {
    // The deployment rule (docs/security.md): only the proxy reaches the server, and the
    // proxy overwrites these headers. The server still refuses what is plainly forged.
    let s = TestServer::start_with(|c| {
        c.user_id_header = "X-Proxy-User".into();
        c.admin_header = Some("X-Proxy-Admin".into());
    })
    .await;
    // The default header name is not trusted once another is configured.
    let (code, _) = s.get("/api/media", Some("alice")).await;
    assert_eq!(code, 401);
    let send = |headers: Vec<(&'static str, &'static str)>| {
        let mut req = client().get(s.url("/api/media"));
        for (k, v) in headers {
            req = req.append_header((k, v));
        }
        async move {
            let mut r = req.send().await.unwrap();
            let body: Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap_or(Value::Null);
            (r.status().as_u16(), body)
        }
    };
    assert_eq!(send(vec![("X-Proxy-User", "alice")]).await.0, 200);
    // Two values (the client's and an appending proxy's): refused, not guessed.
    let (code, e) = send(vec![("X-Proxy-User", "admin"), ("X-Proxy-User", "alice")]).await;
    assert_eq!(code, 400, "{e}");
    assert!(e["message"].as_str().unwrap().contains("more than once"), "{e}");
    let (code, _) = send(vec![
        ("X-Proxy-User", "alice"),
        ("X-Proxy-Admin", "true"),
        ("X-Proxy-Admin", "false"),
    ])
    .await;
    assert_eq!(code, 400);
    for bad in ["a\tb", "   "] {
        let (code, _) = send(vec![("X-Proxy-User", bad)]).await;
        assert!(code == 400 || code == 401, "{bad:?}: {code}");
    }
    let long: &'static str = Box::leak("u".repeat(129).into_boxed_str());
    assert_eq!(send(vec![("X-Proxy-User", long)]).await.0, 400);
    // The websocket takes identity the same way.
    assert!(Ws::connect(&s.ws_url(), Some("alice")).await.is_err());
}

/// Folder names are the basic_folders plugin's data: traversal, shell and markup in them are
/// kept as text (shown back exactly, never used as a path or run), control characters are
/// dropped, and names, paths and owners that make no sense get a clear error.
#[actix_rt::test]
async fn hostile_folder_names_with_basic_folders() {
    use crate::organizer_support::{add_media, add_user, command, page, plugin_cmd, wait_up};
    let s = TestServer::start_with(|c| {
        c.organizer_cmd = Some(plugin_cmd("basic_folders", &[]));
        c.organizer_timeout = Duration::from_secs(5);
    })
    .await;
    wait_up(&s).await;
    add_user(&s, "alice", false);
    add_user(&s, "admin", true);
    add_media(&s, "abcdefghijkl", "alice", "Shot");
    let canary = s.dir.path().join("pwned");
    let hostile = [
        "../../../../etc",
        "..",
        "/etc/passwd",
        "a/b\\c",
        "%2e%2e%2fsecret",
        &format!("$(touch {})", canary.display()),
        &format!("`touch {}`", canary.display()),
        "; rm -rf / #",
        "<script>alert(1)</script>",
        "\u{202e}gpj.exe",
        "名前 🎬",
    ];
    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;
    let mut ids = vec![];
    for name in hostile {
        let r = command(&mut ws, "create_folder", json!({ "name": name })).await;
        assert_eq!(r["type"], "organizer_command_result", "{name}: {r}");
        ids.push(r["result"]["id"].as_str().unwrap().to_string());
    }
    // Shown back exactly; every folder's path is built from its id, never from its name.
    let home = page(&mut ws, "/").await;
    let folders = home["folders"].as_array().unwrap();
    let mut shown: Vec<&str> = folders.iter().map(|f| f["name"].as_str().unwrap()).collect();
    let mut want: Vec<&str> = hostile.to_vec();
    shown.sort();
    want.sort();
    assert_eq!(shown, want);
    for f in folders {
        let id = f["id"].as_str().unwrap();
        assert!(ids.iter().any(|i| i == id));
        assert_eq!(f["path"], format!("/f/{id}"), "{f}");
    }
    // Nesting under one and moving media into it works as with any name.
    let r = command(&mut ws, "create_folder", json!({"name": "..", "parent": ids[0]})).await;
    assert_eq!(r["type"], "organizer_command_result", "{r}");
    let r = command(
        &mut ws,
        "move_media",
        json!({"media": "abcdefghijkl", "folder": ids[0]}),
    )
    .await;
    assert_eq!(r["result"]["moved"], 1, "{r}");
    let inside = page(&mut ws, &format!("/f/{}", ids[0])).await;
    assert_eq!(inside["title"], hostile[0], "{inside}");
    assert_eq!(inside["media"][0]["id"], "abcdefghijkl", "{inside}");

    // Control characters are dropped; nothing left, or too long, is refused with a reason.
    let r = command(&mut ws, "create_folder", json!({"name": "new\u{0}\nline\u{7}"})).await;
    let id = r["result"]["id"].as_str().unwrap().to_string();
    let home = page(&mut ws, "/").await;
    assert!(
        home["folders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == id.as_str() && f["name"] == "newline"),
        "{home}"
    );
    for bad in [
        json!(""),
        json!(" \u{0}\t "),
        json!("x".repeat(10_000)),
        json!(7),
        json!(null),
    ] {
        let r = command(&mut ws, "create_folder", json!({ "name": bad })).await;
        assert_eq!(
            (r["type"].as_str(), r["code"].as_str()),
            (Some("error"), Some("bad_message")),
            "{bad}: {r}"
        );
        assert!(!r["message"].as_str().unwrap().is_empty());
    }
    // Parents, folders and owners that are paths: refused or not found, never followed.
    for args in [
        json!({"name": "x", "parent": "../../etc"}),
        json!({"folder": "../..", "name": "y"}),
        json!({"name": "x", "owner": "../admin"}),
    ] {
        let name = if args.get("folder").is_some() {
            "rename_folder"
        } else {
            "create_folder"
        };
        let r = command(&mut ws, name, args.clone()).await;
        assert_eq!(r["type"], "error", "{args}: {r}");
    }
    // Pages at hostile paths fall back to the top level or a clear error.
    for path in ["/f/../../etc", "/users/../../root", "/f/%2e%2e", "//", "/f/\u{0}"] {
        let p = page(&mut ws, path).await;
        assert!(p["type"] == "error" || p["path"] == "/", "{path}: {p}");
    }
    // An admin managing the user's folders by owner id sees the same literal names.
    let mut admin = s.ws(Some("admin")).await;
    admin.recv_type("welcome").await;
    let theirs = page(&mut admin, "/users/alice").await;
    assert_eq!(
        theirs["folders"].as_array().unwrap().len(),
        hostile.len() + 1,
        "{theirs}"
    );

    assert!(!canary.exists(), "a folder name was run as a command");
    assert!(!Path::new("/tmp/pwned").exists());
    assert_layout(s.dir.path());
}
