//! Subtitles (issue 17 part 2): SRT, WebVTT, SSA and ASS uploads converted by the real
//! ffmpeg, offsets applied when served, edits, refusals, access for strangers and guests,
//! text streams of uploaded files extracted at ingest, and comments linked to a cue.

use crate::common::{client, TestServer};
use serde_json::{json, Value};
use std::path::Path;

const OWNER: &str = "sue";

pub const SRT: &str = "1\r\n00:00:01,000 --> 00:00:02,000\r\nHello from SRT\r\n\r\n2\r\n00:00:03,500 --> 00:00:04,250\r\nSecond <b>line</b>\r\n";
const VTT: &str =
    "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello from WebVTT\n\n00:03.500 --> 00:04.250\nSecond line\n";
const SSA: &str = "[Script Info]\nScriptType: v4.00\n\n[V4 Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, TertiaryColour, BackColour, Bold, Italic, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, AlphaLevel, Encoding\nStyle: Default,Arial,20,16777215,65535,65535,0,0,0,1,2,2,2,10,10,10,0,0\n\n[Events]\nFormat: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\nDialogue: Marked=0,0:00:01.00,0:00:02.00,Default,,0000,0000,0000,,Hello from SSA\nDialogue: Marked=0,0:00:03.50,0:00:04.25,Default,,0000,0000,0000,,Second line\n";
const ASS: &str = "[Script Info]\nScriptType: v4.00+\nPlayResX: 384\nPlayResY: 288\n\n[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\nStyle: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,2,2,10,10,10,1\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hello from {\\i1}ASS{\\i0}\nDialogue: 0,0:00:03.50,0:00:04.25,Default,,0,0,0,,Second line\n";

/// Cues of a served WebVTT: (start ms, end ms, text).
fn cues(vtt: &str) -> Vec<(i64, i64, String)> {
    let ms = |t: &str| {
        let (clock, frac) = t.trim().split_once('.').unwrap();
        let p: Vec<i64> = clock.split(':').map(|x| x.parse().unwrap()).collect();
        let s = p.iter().fold(0, |a, x| a * 60 + x);
        s * 1000 + frac.parse::<i64>().unwrap()
    };
    assert!(vtt.starts_with("WEBVTT"), "{vtt}");
    vtt.split("\n\n")
        .filter_map(|b| {
            let lines: Vec<&str> = b.lines().collect();
            let i = lines.iter().position(|l| l.contains("-->"))?;
            let (a, rest) = lines[i].split_once("-->").unwrap();
            let b = rest.split_whitespace().next().unwrap();
            Some((ms(a), ms(b), lines[i + 1..].join("\n")))
        })
        .collect()
}

async fn clip_media(s: &TestServer) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.mp4");
    crate::common::make_h264(&f, 5);
    let (code, v) = s.upload(OWNER, "clip.mp4", std::fs::read(&f).unwrap()).await;
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(s.wait_processed(OWNER, &id, 60).await["status"], "ready");
    id
}

/// Uploads a subtitle file; answers status and JSON.
pub async fn add(s: &TestServer, user: &str, media: &str, query: &str, body: &[u8]) -> (u16, Value) {
    let mut r = client()
        .post(s.url(&format!("/api/media/{media}/subtitles?{query}")))
        .insert_header(("X-Remote-User-Id", user))
        .send_body(body.to_vec())
        .await
        .unwrap();
    let b = r.body().await.unwrap();
    (r.status().as_u16(), serde_json::from_slice(&b).unwrap_or(Value::Null))
}

async fn text(s: &TestServer, path: &str, user: Option<&str>, cookie: Option<&str>) -> (u16, String, String) {
    let mut req = client().get(s.url(path));
    if let Some(u) = user {
        req = req.insert_header(("X-Remote-User-Id", u));
    }
    if let Some(c) = cookie {
        req = req.insert_header(("Cookie", format!("dailies_guest={c}")));
    }
    let mut r = req.send().await.unwrap();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let b = r.body().await.unwrap();
    (r.status().as_u16(), ctype, String::from_utf8_lossy(&b).into_owned())
}

async fn send_json(s: &TestServer, method: &str, path: &str, body: Value) -> (u16, Value) {
    let mut r = client()
        .request(awc::http::Method::from_bytes(method.as_bytes()).unwrap(), s.url(path))
        .insert_header(("X-Remote-User-Id", OWNER))
        .send_json(&body)
        .await
        .unwrap();
    let b = r.body().await.unwrap();
    (r.status().as_u16(), serde_json::from_slice(&b).unwrap_or(Value::Null))
}

#[actix_rt::test]
async fn subtitles_each_format_is_converted_and_offsets_apply() {
    let s = TestServer::start().await;
    let id = clip_media(&s).await;
    for (name, body, first) in [
        ("a.srt", SRT, "Hello from SRT"),
        ("b.vtt", VTT, "Hello from WebVTT"),
        ("c.ssa", SSA, "Hello from SSA"),
        ("d.ass", ASS, "Hello from <i>ASS</i>"),
    ] {
        let (code, t) = add(&s, OWNER, &id, &format!("filename={name}&language=en"), body.as_bytes()).await;
        assert_eq!(code, 201, "{name}: {t}");
        assert_eq!(t["source"], "upload");
        assert_eq!(t["language"], "en");
        assert_eq!(t["title"], name.split('.').next().unwrap());
        let (code, ctype, vtt) = text(&s, t["vtt_url"].as_str().unwrap(), Some(OWNER), None).await;
        assert_eq!(code, 200);
        assert!(ctype.starts_with("text/vtt"), "{ctype}");
        let c = cues(&vtt);
        assert_eq!(c.len(), 2, "{name}: {vtt}");
        assert_eq!((c[0].0, c[0].1), (1000, 2000), "{name}: {vtt}");
        assert_eq!(c[0].2, first, "{name}: {vtt}");
        assert_eq!((c[1].0, c[1].1), (3500, 4250), "{name}: {vtt}");
    }
    // An offset given at upload, then changed to a negative one.
    let (code, t) = add(
        &s,
        OWNER,
        &id,
        "filename=late.srt&offset_ms=1500&title=Late",
        SRT.as_bytes(),
    )
    .await;
    assert_eq!(code, 201, "{t}");
    let url = t["vtt_url"].as_str().unwrap().to_string();
    let c = cues(&text(&s, &url, Some(OWNER), None).await.2);
    assert_eq!((c[0].0, c[0].1, c[1].0, c[1].1), (2500, 3500, 5000, 5750));
    let (code, t2) = send_json(
        &s,
        "PATCH",
        &format!("/api/media/{id}/subtitles/{}", t["id"]),
        json!({"offset_ms": -1500}),
    )
    .await;
    assert_eq!(code, 200, "{t2}");
    assert_eq!(t2["offset_ms"], -1500);
    let c = cues(&text(&s, &url, Some(OWNER), None).await.2);
    // The first cue now ends at 500 ms, starts clamped at 0.
    assert_eq!((c[0].0, c[0].1, c[1].0, c[1].1), (0, 500, 2000, 2750));
    let (_, list) = s.get(&format!("/api/media/{id}/subtitles"), Some(OWNER)).await;
    assert_eq!(list.as_array().unwrap().len(), 5);
}

#[actix_rt::test]
async fn subtitles_are_renamed_made_default_deleted_and_refused_when_not_text() {
    let s = TestServer::start().await;
    let id = clip_media(&s).await;
    let (_, a) = add(&s, OWNER, &id, "filename=a.srt&default=1", SRT.as_bytes()).await;
    let (_, b) = add(&s, OWNER, &id, "filename=b.vtt", VTT.as_bytes()).await;
    assert_eq!(a["is_default"], true);
    assert_eq!(b["is_default"], false);
    let (code, b2) = send_json(
        &s,
        "PATCH",
        &format!("/api/media/{id}/subtitles/{}", b["id"]),
        json!({"title": "English (CC)", "language": "en-GB", "default": true}),
    )
    .await;
    assert_eq!(code, 200, "{b2}");
    assert_eq!(
        (b2["title"].as_str(), b2["language"].as_str()),
        (Some("English (CC)"), Some("en-GB"))
    );
    let (_, list) = s.get(&format!("/api/media/{id}/subtitles"), Some(OWNER)).await;
    let defaults: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["is_default"] == true)
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        defaults,
        vec![b["id"].as_i64().unwrap()],
        "setting a default clears the other: {list}"
    );
    let (code, e) = send_json(
        &s,
        "PATCH",
        &format!("/api/media/{id}/subtitles/{}", b["id"]),
        json!({"title": "  "}),
    )
    .await;
    assert_eq!(code, 400, "{e}");

    // Garbage and binary files: 400 with the reason, nothing stored.
    let before = s.media_names(&id).await.len();
    let (code, e) = add(&s, OWNER, &id, "filename=x.srt", b"this is no subtitle at all\n").await;
    assert_eq!(code, 400, "{e}");
    assert!(e["message"].as_str().unwrap().contains("not a subtitle file"), "{e}");
    let (code, e) = add(
        &s,
        OWNER,
        &id,
        "filename=x.srt",
        &[0u8, 1, 2, 3, 0x89, b'P', b'N', b'G'],
    )
    .await;
    assert_eq!(code, 400, "{e}");
    assert!(e["message"].as_str().unwrap().contains("binary"), "{e}");
    let (code, e) = add(&s, OWNER, &id, "filename=big.srt", &vec![b'a'; (5 << 20) + 1]).await;
    assert_eq!(code, 413, "{e}");
    let (_, list) = s.get(&format!("/api/media/{id}/subtitles"), Some(OWNER)).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(s.media_names(&id).await.len(), before);

    // Deleting removes the row and the file.
    let (code, _) = send_json(
        &s,
        "DELETE",
        &format!("/api/media/{id}/subtitles/{}", a["id"]),
        json!({}),
    )
    .await;
    assert_eq!(code, 204);
    let (code, _, _) = text(&s, a["vtt_url"].as_str().unwrap(), Some(OWNER), None).await;
    assert_eq!(code, 404);
    assert_eq!(s.media_names(&id).await.len(), before - 1);
    // Deleting the media removes its tracks with it.
    let (code, _) = send_json(&s, "DELETE", &format!("/api/media/{id}"), json!({})).await;
    assert_eq!(code, 204);
    let left: i64 = s
        .state()
        .db
        .run_blocking(|c| {
            use dailies_server::db::schema::subtitle_tracks::dsl::*;
            use diesel::prelude::*;
            Ok(subtitle_tracks.count().get_result(c)?)
        })
        .unwrap();
    assert_eq!(left, 0);
}

#[actix_rt::test]
async fn subtitles_are_hidden_from_strangers_and_read_by_guests() {
    let s = TestServer::start().await;
    let id = clip_media(&s).await;
    let (_, t) = add(&s, OWNER, &id, "filename=a.srt&offset_ms=250", SRT.as_bytes()).await;
    let url = t["vtt_url"].as_str().unwrap().to_string();
    // Someone it is not shared with: the same 404 as no media, for every route.
    let (code, _) = s.get(&format!("/api/media/{id}/subtitles"), Some("stranger")).await;
    assert_eq!(code, 404);
    assert_eq!(text(&s, &url, Some("stranger"), None).await.0, 404);
    let (code, e) = add(&s, "stranger", &id, "filename=a.srt", SRT.as_bytes()).await;
    assert_eq!(code, 404, "{e}");

    let mut r = client()
        .post(s.url(&format!("/api/media/{id}/guest-links")))
        .insert_header(("X-Remote-User-Id", OWNER))
        .send_json(&json!({"label": "subs", "password": null, "can_comment": false, "can_download": false}))
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let link: Value = r.json().await.unwrap();
    let r = client()
        .post(s.url("/api/guest/session"))
        .send_json(&json!({"token": link["token"], "name": "Gus", "password": null}))
        .await
        .unwrap();
    let cookie = r
        .cookies()
        .unwrap()
        .iter()
        .find(|c| c.name() == "dailies_guest")
        .unwrap()
        .value()
        .to_string();
    let (code, _, body) = text(&s, &format!("/api/guest/media/{id}/subtitles"), None, Some(&cookie)).await;
    assert_eq!(code, 200);
    let list: Value = serde_json::from_str(&body).unwrap();
    let gurl = list[0]["vtt_url"].as_str().unwrap().to_string();
    assert!(gurl.starts_with("/api/guest/media/"), "{gurl}");
    let (code, _, vtt) = text(&s, &gurl, None, Some(&cookie)).await;
    assert_eq!(code, 200);
    assert_eq!(cues(&vtt)[0].0, 1250);
    // The guest's cookie does not open the users' route.
    assert_eq!(text(&s, &url, None, Some(&cookie)).await.0, 401);
}

/// A source with a text subtitle stream: `codec` is the one the container stores.
fn with_subtitle_stream(dir: &Path, name: &str, codec: &str) -> Vec<u8> {
    let srt = dir.join("in.srt");
    std::fs::write(&srt, SRT).unwrap();
    let out = dir.join(name);
    let st = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x120:rate=25",
        ])
        .arg("-i")
        .arg(&srt)
        .args([
            "-t",
            "5",
            "-map",
            "0:v",
            "-map",
            "1:s",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ])
        .args(["-pix_fmt", "yuv420p", "-c:s", codec, "-metadata:s:s:0", "language=fra"])
        .args(["-metadata:s:s:0", "title=French"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success(), "ffmpeg could not make {name}");
    std::fs::read(out).unwrap()
}

#[actix_rt::test]
async fn subtitles_embedded_text_streams_are_extracted_at_ingest() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    for (name, codec) in [("embedded.mkv", "subrip"), ("embedded.mp4", "mov_text")] {
        let (code, v) = s
            .upload(OWNER, name, with_subtitle_stream(dir.path(), name, codec))
            .await;
        assert_eq!(code, 201, "{v}");
        let id = v["id"].as_str().unwrap().to_string();
        assert_eq!(s.wait_done(OWNER, &id, 60).await["status"], "ready");
        // The tracks are recorded once the media plays.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let list = loop {
            let (_, list) = s.get(&format!("/api/media/{id}/subtitles"), Some(OWNER)).await;
            if !list.as_array().unwrap().is_empty() {
                break list;
            }
            assert!(std::time::Instant::now() < deadline, "{name}: no embedded track");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        let t = &list[0];
        assert_eq!(t["source"], "embedded", "{name}: {list}");
        assert_eq!(t["language"], "fra", "{name}: {list}");
        // MP4 keeps no title tag of a text track: the title is made from the language.
        let want = if name.ends_with(".mkv") {
            "French"
        } else {
            "Subtitles 1 (fra)"
        };
        assert_eq!(t["title"], want, "{name}: {list}");
        let (code, _, vtt) = text(&s, t["vtt_url"].as_str().unwrap(), Some(OWNER), None).await;
        assert_eq!(code, 200);
        let c = cues(&vtt);
        assert_eq!(c.len(), 2, "{name}: {vtt}");
        assert_eq!((c[0].0, c[0].1), (1000, 2000), "{name}: {vtt}");
        assert_eq!(c[0].2, "Hello from SRT", "{name}: {vtt}");
    }
}

#[actix_rt::test]
async fn subtitles_a_comment_keeps_its_linked_cue() {
    let s = TestServer::start().await;
    let id = clip_media(&s).await;
    let (_, t) = add(&s, OWNER, &id, "filename=a.srt", SRT.as_bytes()).await;
    let mut ws = s.ws(Some(OWNER)).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "join_room", "media_id": id, "since_seq": null}))
        .await;
    ws.recv_type("room_joined").await;
    let cue = json!({"track_id": t["id"], "start_ms": 1000, "end_ms": 2000, "text": "Hello from SRT"});
    ws.send(
        json!({"type": "add_comment", "media_id": id, "text": "say it slower", "frame": 37,
        "end_frame": null, "parent_id": null, "drawing": null, "client_ref": "c1", "subtitle_cue": cue}),
    )
    .await;
    let e = ws.recv_type("room_event").await;
    assert_eq!(e["event"]["comment"]["subtitle_cue"], cue, "{e}");
    // A bad cue is refused.
    ws.send(
        json!({"type": "add_comment", "media_id": id, "text": "x", "frame": 1, "end_frame": null,
        "parent_id": null, "drawing": null, "client_ref": "c2",
        "subtitle_cue": {"track_id": 1, "start_ms": -5, "end_ms": 2, "text": "x"}}),
    )
    .await;
    let err = ws.recv_type("error").await;
    assert!(err["message"].as_str().unwrap().contains("start_ms"), "{err}");
    // Read back from the store by someone joining afresh.
    let mut ws2 = s.ws(Some(OWNER)).await;
    ws2.recv_type("welcome").await;
    ws2.send(json!({"type": "join_room", "media_id": id, "since_seq": null}))
        .await;
    let joined = ws2.recv_type("room_joined").await;
    let all = ws2.all_comments(&joined).await;
    let c = all.iter().find(|c| c["text"] == "say it slower").expect("the comment");
    assert_eq!(c["subtitle_cue"], cue);
    // The CSV export names the cue.
    let (code, _, csv) = text(&s, &format!("/api/media/{id}/export?format=csv"), Some(OWNER), None).await;
    assert_eq!(code, 200);
    assert!(csv.lines().next().unwrap().contains("subtitle_cue"), "{csv}");
    assert!(csv.contains("Hello from SRT"), "{csv}");
}
