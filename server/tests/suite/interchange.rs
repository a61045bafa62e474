//! Post-production interchange (issue 17): source timecode read at ingest, exports read
//! back by independent consumers (OpenTimelineIO, Python's csv module), EDL import, and
//! downloads of the original and the proxy under their own names.

use crate::common::{client, ffmpeg_make, TestServer, Ws};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const OWNER: &str = "ed";

/// A 4 s clip at `rate`, with `-timecode` when given.
fn clip(dir: &Path, name: &str, rate: &str, timecode: Option<&str>) -> PathBuf {
    let out = dir.join(name);
    let src = format!("testsrc2=size=160x120:rate={rate}");
    let mut args = vec![
        "-t",
        "4",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
    ];
    if let Some(tc) = timecode {
        args.extend(["-timecode", tc]);
    }
    ffmpeg_make(&out, &[&src], &args);
    out
}

/// The start timecode ffprobe reports: the container's tag, else a stream's.
fn ffprobe_timecode(path: &Path) -> Option<String> {
    let v = crate::common::ffprobe_streams(path);
    let tag = |x: &Value| x["tags"]["timecode"].as_str().map(str::to_string);
    tag(&v["format"]).or_else(|| v["streams"].as_array()?.iter().find_map(tag))
}

/// Runs the reader script; answers its JSON.
fn read_back(kind: &str, file: &Path, rate: (i64, i64), start: &str) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/otio_markers.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .args([
            kind,
            file.to_str().unwrap(),
            &rate.0.to_string(),
            &rate.1.to_string(),
            start,
        ])
        .output()
        .expect("python3 (scripts/install-deps.sh --test)");
    assert!(
        out.status.success(),
        "reading {kind} back failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(file).unwrap_or_default()
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn joined(s: &TestServer, user: &str, media: &str) -> Ws {
    let mut ws = s.ws(Some(user)).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    ws.recv_type("room_joined").await;
    ws
}

async fn add(ws: &mut Ws, media: &str, frame: i64, text: &str, parent: Option<i64>) -> i64 {
    ws.send(
        json!({"type": "add_comment", "media_id": media, "text": text, "frame": frame,
        "end_frame": null, "parent_id": parent, "drawing": null, "client_ref": null}),
    )
    .await;
    ws.recv_type("room_event").await["event"]["comment"]["id"]
        .as_i64()
        .unwrap()
}

async fn export(s: &TestServer, media: &str, format: &str) -> (u16, String, String) {
    let (code, headers, body) = s
        .fetch(&format!("/api/media/{media}/export?format={format}"), Some(OWNER), &[])
        .await;
    let cd = headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (code, cd, String::from_utf8(body).unwrap())
}

#[actix_rt::test]
async fn source_timecode_is_read_and_every_export_reads_back_at_its_frames() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("c23976.mov", "24000/1001", Some("01:00:00:00"), (24000, 1001)),
        ("c25.mp4", "25", Some("10:00:00:00"), (25, 1)),
        ("c2997df.mov", "30000/1001", Some("00:59:59;28"), (30000, 1001)),
        // Non-drop at 29.97, a minute in: drop-frame would label frame 5 00:01:00;05.
        ("c2997ndf.mov", "30000/1001", Some("00:00:59:28"), (30000, 1001)),
        ("none.mp4", "25", None, (25, 1)),
    ];
    for (name, rate, tc, fps) in cases {
        let path = clip(dir.path(), name, rate, tc);
        let probed = ffprobe_timecode(&path);
        assert_eq!(probed.as_deref(), tc, "{name}: ffmpeg wrote the timecode");
        let (code, v) = s.upload(OWNER, name, std::fs::read(&path).unwrap()).await;
        assert_eq!(code, 201, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        let m = s.wait_done(OWNER, &id, 90).await;
        assert_eq!(m["status"], "ready", "{m}");
        assert_eq!(m["start_timecode"].as_str(), probed.as_deref(), "{name}: {m}");
        let start = probed.clone().unwrap_or_else(|| "00:00:00:00".into());
        let last = m["frame_count"].as_i64().unwrap() - 1;

        let mut ws = joined(&s, OWNER, &id).await;
        let frames = [0, 5, 61, last];
        let mut ids = vec![];
        for f in frames {
            ids.push(add(&mut ws, &id, f, &format!("note at {f}, \"quoted\""), None).await);
        }
        add(&mut ws, &id, 5, "a reply", Some(ids[1])).await;
        ws.send(json!({"type": "resolve_comment", "comment_id": ids[2], "resolved": true}))
            .await;
        ws.recv_type("room_event").await;

        // CSV through Python's csv module: every comment and reply, timecode as counted by
        // OpenTimelineIO from ffprobe's start timecode.
        let (code, cd, text) = export(&s, &id, "csv").await;
        assert_eq!(code, 200, "{text}");
        assert!(cd.starts_with("attachment") && cd.contains(".csv"), "{cd}");
        let f = dir.path().join(format!("{name}.csv"));
        std::fs::write(&f, &text).unwrap();
        let rows = read_back("csv", &f, fps, &start)["rows"].as_array().unwrap().clone();
        assert_eq!(rows.len(), 5, "{text}");
        let reply = rows.iter().find(|r| r["text"] == "a reply").unwrap();
        assert_eq!(reply["parent_id"], ids[1].to_string());
        let resolved = rows
            .iter()
            .find(|r| r["id"].as_str() == Some(ids[2].to_string().as_str()))
            .unwrap();
        assert_eq!(
            (resolved["status"].as_str(), resolved["resolved"].as_str()),
            (Some("resolved"), Some("true"))
        );
        assert_eq!(rows[0]["text"], "note at 0, \"quoted\"");
        assert!(rows[0]["author"].as_str().unwrap().starts_with(OWNER), "{text}");
        assert_eq!(rows[0]["frame_number"], "0", "a video counts from 0: {text}");

        // EDL, FCPXML and FCP 7 XML through OpenTimelineIO: one marker per top-level comment
        // at its frame, whose source timecode is ffprobe's start counted on by that frame.
        let csv_tc = |frame: i64| {
            rows.iter()
                .find(|r| r["frame"].as_str() == Some(frame.to_string().as_str()))
                .map(|r| r["timecode"].as_str().unwrap().to_string())
                .unwrap()
        };
        for (format, adapter, ext) in [
            ("edl", "cmx_3600", "edl"),
            ("fcpxml", "fcpx_xml", "fcpxml"),
            ("xml", "fcp_xml", "xml"),
        ] {
            let (code, _, text) = export(&s, &id, format).await;
            assert_eq!(code, 200, "{text}");
            let f = dir.path().join(format!("{name}.{ext}"));
            std::fs::write(&f, &text).unwrap();
            let got = read_back(adapter, &f, fps, &start);
            let markers = got["markers"].as_array().unwrap();
            assert_eq!(markers.len(), frames.len(), "{format} of {name}: {got}\n{text}");
            for (m, frame) in markers.iter().zip(frames) {
                assert_eq!(m["frame"], frame, "{format} of {name}: {m}\n{text}");
                assert_eq!(m["timecode"], m["expected"], "{format} of {name}: {m}\n{text}");
                assert_eq!(m["timecode"].as_str().unwrap(), csv_tc(frame), "{format} of {name}");
                if let Some(f) = m["otio_frame"].as_i64() {
                    // OpenTimelineIO's fcpx_xml adapter truncates (int()) float seconds × a
                    // whole-number rate (23 at 23.976), so it may land a frame early.
                    assert!((f - frame).abs() <= 1, "{format} of {name}: {m}");
                }
            }
            assert_eq!(
                got["clip_start"].as_str(),
                Some(start.as_str()),
                "{format} of {name}: {got}"
            );
        }

        // Avid: one tab-separated line a marker, at the same timecodes.
        let (code, _, text) = export(&s, &id, "avid").await;
        assert_eq!(code, 200);
        let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(lines.len(), frames.len(), "{text}");
        for (l, frame) in lines.iter().zip(frames) {
            assert_eq!((l[1], l[2]), (csv_tc(frame).as_str(), "V1"), "{text}");
        }
        assert!(lines[1][4].contains("a reply"), "replies ride in the note: {text}");

        // The exported EDL imported again lands on the same frames and timecodes.
        let (_, _, edl) = export(&s, &id, "edl").await;
        let mut r = client()
            .post(s.url(&format!("/api/media/{id}/import/edl")))
            .insert_header(("X-Remote-User-Id", OWNER))
            .send_body(edl.clone())
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let preview: Value = r.json().await.unwrap();
        let notes = preview["notes"].as_array().unwrap();
        let back: Vec<i64> = notes.iter().map(|n| n["frame"].as_i64().unwrap()).collect();
        assert_eq!(back, frames, "{preview}");
        // Added as comments and exported again: the same markers.
        let mut ws2 = s.ws(Some(OWNER)).await;
        ws2.recv_type("welcome").await;
        let other = s.upload(OWNER, name, std::fs::read(&path).unwrap()).await.1["id"]
            .as_str()
            .unwrap()
            .to_string();
        s.wait_done(OWNER, &other, 90).await;
        let mut ws2 = joined(&s, OWNER, &other).await;
        for n in notes {
            add(
                &mut ws2,
                &other,
                n["frame"].as_i64().unwrap(),
                n["text"].as_str().unwrap(),
                None,
            )
            .await;
        }
        let (_, _, again) = export(&s, &other, "edl").await;
        let locs = |t: &str| -> Vec<String> {
            t.lines()
                .filter(|l| l.starts_with("* LOC:"))
                .map(|l| l.split_whitespace().nth(2).unwrap().to_string())
                .collect()
        };
        assert_eq!(locs(&again), locs(&edl), "{again}\n{edl}");
        drop(ws2);
    }
}

#[actix_rt::test]
async fn edl_import_previews_locators_and_refuses_bad_input() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = clip(dir.path(), "shot.mov", "25", Some("01:00:00:00"));
    let id = s.upload(OWNER, "shot.mov", std::fs::read(&path).unwrap()).await.1["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.wait_done(OWNER, &id, 90).await;
    let post = |body: &'static str, user: &'static str| {
        let url = s.url(&format!("/api/media/{id}/import/edl"));
        async move {
            let mut r = client()
                .post(url)
                .insert_header(("X-Remote-User-Id", user))
                .send_body(body)
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let edl = "TITLE: cut 3\nFCM: NON-DROP FRAME\n\n\
        001  SHOT     V     C        01:00:00:00 01:00:04:00 01:00:00:00 01:00:04:00\n\
        * FROM CLIP NAME: shot.mov\n\
        * LOC: 01:00:01:00 RED     sky replacement\n\
        * LOC: 01:00:09:00 BLUE    after the end\n";
    let (code, v) = post(edl, OWNER).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["notes"][0]["frame"], 25);
    assert_eq!(v["notes"][0]["text"], "sky replacement");
    assert_eq!(v["skipped"][0]["line"], 7, "{v}");
    // Nothing was added by the preview.
    let mut ws = joined(&s, OWNER, &id).await;
    ws.send(json!({"type": "ping", "client_time": 1.0})).await;
    ws.recv_type("pong").await;
    let (code, v) = post("not an edl", OWNER).await;
    assert_eq!(code, 400, "{v}");
    assert!(v["message"].as_str().unwrap().contains("no CMX3600 events"), "{v}");
    let (code, _) = post(edl, "stranger").await;
    assert_eq!(code, 404);
    let (code, _, text) = export(&s, &id, "pdf").await;
    assert_eq!(code, 400, "{text}");
    assert!(text.contains("csv, edl, fcpxml, xml, avid"), "{text}");
}

#[actix_rt::test]
async fn downloads_keep_the_file_name_answer_ranges_and_follow_the_guest_link() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = clip(dir.path(), "in.mov", "25", None);
    let name = "Szene 1 – Übergang.mov";
    let original = std::fs::read(&path).unwrap();
    let id = s.upload(OWNER, name, original.clone()).await.1["id"]
        .as_str()
        .unwrap()
        .to_string();
    let m = s.wait_done(OWNER, &id, 90).await;
    assert_eq!(m["status"], "ready");

    let (code, h, body) = s
        .fetch(&format!("/api/media/{id}/download/original"), Some(OWNER), &[])
        .await;
    assert_eq!(code, 200);
    assert_eq!(body, original);
    let cd = h.get("content-disposition").unwrap().to_str().unwrap();
    assert!(cd.starts_with("attachment"), "{cd}");
    assert!(cd.contains("filename=\"Szene 1 _ _bergang.mov\""), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''Szene%201%20%E2%80%93%20%C3%9Cbergang.mov"),
        "{cd}"
    );
    let (code, h, body) = s
        .fetch(
            &format!("/api/media/{id}/download/original"),
            Some(OWNER),
            &[("Range", "bytes=10-19")],
        )
        .await;
    assert_eq!(code, 206);
    assert_eq!(body, original[10..20]);
    assert!(h.get("content-range").is_some());

    let (code, h, body) = s
        .fetch(&format!("/api/media/{id}/download/proxy"), Some(OWNER), &[])
        .await;
    assert_eq!(code, 200);
    let cd = h.get("content-disposition").unwrap().to_str().unwrap();
    // A browser-ready H.264 original is its own playback file.
    let playback = m["playback_url"].as_str().unwrap();
    let ext = playback.rsplit('.').next().unwrap();
    assert!(cd.contains(&format!("%C3%9Cbergang_proxy.{ext}")), "{cd}");
    assert_eq!(body, s.fetch(playback, Some(OWNER), &[]).await.2);

    // Someone the media is not shared with: the same 404 as no media.
    let (code, _, _) = s
        .fetch(&format!("/api/media/{id}/download/original"), Some("stranger"), &[])
        .await;
    assert_eq!(code, 404);

    // Guests: only with a link that allows downloads.
    for (can_download, want) in [(true, 200), (false, 403)] {
        let mut r = client()
            .post(s.url(&format!("/api/media/{id}/guest-links")))
            .insert_header(("X-Remote-User-Id", OWNER))
            .send_json(&json!({"label": "dl", "password": null, "can_comment": false, "can_download": can_download}))
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let link: Value = r.json().await.unwrap();
        let r = client()
            .post(s.url("/api/guest/session"))
            .send_json(&json!({"token": link["token"], "name": "Gus", "password": null}))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let cookie = r
            .cookies()
            .unwrap()
            .iter()
            .find(|c| c.name() == "dailies_guest")
            .unwrap()
            .value()
            .to_string();
        for which in ["original", "proxy"] {
            let mut r = client()
                .get(s.url(&format!("/api/guest/media/{id}/download/{which}")))
                .insert_header(("Cookie", format!("dailies_guest={cookie}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), want, "{which}, can_download {can_download}");
            if want == 200 && which == "original" {
                assert_eq!(r.body().limit(64 << 20).await.unwrap().to_vec(), original);
            }
        }
    }
}

async fn prefs_call(s: &TestServer, method: &str, user: &str, body: Option<Value>) -> (u16, Value) {
    let req = client()
        .request(
            awc::http::Method::from_bytes(method.as_bytes()).unwrap(),
            s.url("/api/me/preferences"),
        )
        .insert_header(("X-Remote-User-Id", user));
    let mut resp = match body {
        Some(b) => req.send_json(&b).await.unwrap(),
        None => req.send().await.unwrap(),
    };
    let b = resp.body().await.unwrap();
    (
        resp.status().as_u16(),
        serde_json::from_slice(&b).unwrap_or(Value::Null),
    )
}

/// The display choice is the account's: set once, read back by any later request (another
/// browser), kept across a restart, and each user's own.
#[actix_rt::test]
async fn the_time_display_is_kept_with_the_account() {
    let mut s = TestServer::start().await;
    let (code, v) = prefs_call(&s, "GET", OWNER, None).await;
    assert_eq!(
        (code, v.clone()),
        (200, json!({"time_display": "source", "first_frame": null}))
    );

    let (code, v) = prefs_call(
        &s,
        "PUT",
        OWNER,
        Some(json!({"time_display": "frames", "first_frame": 1001})),
    )
    .await;
    assert_eq!((code, v), (200, json!({"time_display": "frames", "first_frame": 1001})));
    // Absent fields keep theirs; null goes back to the source's numbering.
    let (_, v) = prefs_call(&s, "PUT", OWNER, Some(json!({"time_display": "seconds"}))).await;
    assert_eq!(v, json!({"time_display": "seconds", "first_frame": 1001}));
    let (_, v) = prefs_call(
        &s,
        "PUT",
        OWNER,
        Some(json!({"first_frame": null, "time_display": "frames"})),
    )
    .await;
    assert_eq!(v, json!({"time_display": "frames", "first_frame": null}));
    prefs_call(&s, "PUT", OWNER, Some(json!({"first_frame": 86400}))).await;

    // Bad values are refused and change nothing.
    for bad in [
        json!({"time_display": "feet"}),
        json!({"first_frame": -1}),
        json!({"first_frame": 1_000_000_000_000i64}),
        json!({"first_frame": "1001"}),
        json!({"colour": "red"}),
    ] {
        let (code, v) = prefs_call(&s, "PUT", OWNER, Some(bad.clone())).await;
        assert_eq!(code, 400, "{bad} → {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    }
    let (_, other) = prefs_call(&s, "GET", "someone-else", None).await;
    assert_eq!(other["time_display"], "source", "each user's own");
    let no_identity = client().get(s.url("/api/me/preferences")).send().await.unwrap();
    assert_eq!(no_identity.status().as_u16(), 401);

    s.stop().await;
    let s = TestServer::start_in(s.dir, |_| {}).await;
    let (_, v) = prefs_call(&s, "GET", OWNER, None).await;
    assert_eq!(
        v,
        json!({"time_display": "frames", "first_frame": 86400}),
        "kept across a restart"
    );
}
