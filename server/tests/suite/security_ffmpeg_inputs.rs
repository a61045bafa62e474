//! Uploads that try to make ffprobe/ffmpeg read other files: HLS playlists and concat lists
//! naming another user's proxy, a file elsewhere on the server, `file:`, `subfile:`, `concat:`
//! and `http:` entries. Each ends `failed` with a clear reason and nothing is made from the target.

use crate::common::TestServer;
use serde_json::Value;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::Path;

/// An HLS media playlist of one segment, as ffmpeg's hls demuxer accepts it. The segment claims
/// 0.1 s, too short for the decode check's look at the end, which a long claim would trip over.
fn hls(entry: &str) -> Vec<u8> {
    format!("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:0.1,\n{entry}\n#EXT-X-ENDLIST\n")
        .into_bytes()
}

/// Uploads `body` as `user` under `name` and waits for its end state.
async fn upload_and_wait(s: &TestServer, user: &str, name: &str, body: Vec<u8>) -> Value {
    let (code, v) = s.upload(user, name, body).await;
    assert_eq!(code, 201, "{name}: {v}");
    let id = v["id"].as_str().unwrap().to_string();
    s.wait_done(user, &id, 60).await
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[actix_rt::test]
async fn playlists_and_file_lists_are_refused_and_read_nothing_else() {
    let s = TestServer::start().await;
    let work = tempfile::tempdir().unwrap();

    // Bob's media gets a proxy (MPEG-4 Part 2 does not play in browsers).
    let bob_src = work.path().join("bob.avi");
    crate::common::ffmpeg_make(
        &bob_src,
        &["testsrc2=size=320x240:rate=25"],
        &["-t", "2", "-c:v", "mpeg4"],
    );
    let bob = upload_and_wait(&s, "bob", "bob.avi", std::fs::read(&bob_src).unwrap()).await;
    assert_eq!(bob["status"], "ready", "{bob}");
    let bob_id = bob["id"].as_str().unwrap();
    let bob_proxy = s.media_dir_of(bob_id).await.join("proxy.mp4");
    assert!(bob_proxy.exists(), "bob's proxy is the target");

    // A file elsewhere on the server, readable by the server's user.
    let secret = work.path().join("secret.mp4");
    crate::common::make_h264(&secret, 2);
    let secret_size = std::fs::metadata(&secret).unwrap().len();
    let secret_s = secret.display().to_string();

    // Nothing may connect here: an `http:` entry would.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();

    let tricks: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "HLS, relative path",
            "list.m3u8",
            hls(&format!("../{bob_id}/proxy.mp4")),
        ),
        ("HLS named .mp4", "holiday.mp4", hls(&bob_proxy.display().to_string())),
        ("HLS, file: entry", "shot.mov", hls(&format!("file:{secret_s}"))),
        (
            "HLS, subfile: entry",
            "shot.mp4",
            hls(&format!("subfile,,start,0,end,{secret_size},,:{secret_s}")),
        ),
        (
            "HLS, concat: entry",
            "shot.mkv",
            hls(&format!("concat:{secret_s}|{secret_s}")),
        ),
        (
            "HLS, http: entry",
            "shot.ts",
            hls(&format!("http://127.0.0.1:{port}/proxy.mp4")),
        ),
        (
            "ffconcat, absolute path",
            "reel.ffconcat",
            format!("ffconcat version 1.0\nfile {secret_s}\n").into_bytes(),
        ),
        (
            "ffconcat, other media",
            "reel.mp4",
            format!("ffconcat version 1.0\nfile ../{bob_id}/proxy.mp4\n").into_bytes(),
        ),
        (
            "concat list",
            "reel.txt",
            format!("file '{}'\n", bob_proxy.display()).into_bytes(),
        ),
    ];
    // Every trick is tried before judging, so a failure lists all that got through.
    let mut wrong = vec![];
    for (trick, name, body) in tricks {
        let m = upload_and_wait(&s, "alice", name, body).await;
        let reason = m["error"].as_str().unwrap_or_default();
        let dir = s.media_dir_of(m["id"].as_str().unwrap()).await;
        let made: Vec<String> = files_in(&dir)
            .into_iter()
            .filter(|f| !f.starts_with("original") && f != "ffmpeg.log")
            .collect();
        let refused = m["status"] == "failed"
            && reason.contains("points at other files")
            && reason.contains("playlists are not accepted");
        // Nothing was made from the target: no playback file, no facts, no pictures.
        let nothing_made = m["playback_url"].is_null()
            && m["thumb_url"].is_null()
            && m["duration"].is_null()
            && m["video_codec"].is_null()
            && made.is_empty();
        if !refused || !nothing_made {
            wrong.push(format!(
                "{trick}: status {}, reason {reason:?}, playback {}, duration {}, files {made:?}",
                m["status"], m["playback_url"], m["duration"]
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        other => panic!("something connected to the http: entry's address: {other:?}"),
    }

    // Bob's media is untouched and real media still goes through for alice.
    let (_, again) = s.get(&format!("/api/media/{bob_id}"), Some("bob")).await;
    assert_eq!(again["status"], "ready");
    let clip = work.path().join("clip.mp4");
    crate::common::make_h264(&clip, 1);
    let ok = upload_and_wait(&s, "alice", "clip.mp4", std::fs::read(&clip).unwrap()).await;
    assert_eq!(ok["status"], "ready", "{ok}");
}
