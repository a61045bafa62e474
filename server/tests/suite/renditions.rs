//! Playback files beside the main one: a scrub proxy for a long-GOP browser-ready original,
//! a 10-bit HDR proxy (when configured) for an HDR source.

use crate::common::{ffmpeg_make, ffprobe_streams, TestServer};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// A browser-ready H.264/AAC MP4, 320x240 at 25 fps, with a keyframe every `gop` frames.
fn h264_with_gop(out: &Path, secs: u32, gop: u32) {
    let g = gop.to_string();
    ffmpeg_make(
        out,
        &["testsrc2=size=320x240:rate=25", "sine=frequency=440"],
        &[
            "-t",
            &secs.to_string(),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            &g,
            "-keyint_min",
            &g,
            "-sc_threshold",
            "0",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
        ],
    );
}

/// A 10-bit HEVC clip tagged HDR with `transfer` (smpte2084 or arib-std-b67), with sound.
fn hdr_clip(out: &Path, transfer: &str) {
    ffmpeg_make(
        out,
        &["testsrc2=size=640x360:rate=25", "sine=frequency=440"],
        &[
            "-t",
            "2",
            "-vf",
            "format=yuv420p10le",
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            &format!("log-level=error:colorprim=bt2020:transfer={transfer}:colormatrix=bt2020nc"),
            "-color_primaries",
            "bt2020",
            "-color_trc",
            transfer,
            "-colorspace",
            "bt2020nc",
            "-tag:v",
            "hvc1",
            "-c:a",
            "aac",
        ],
    );
}

/// Waits until the server has no job left (queued or running), then answers the media.
async fn when_processed(s: &TestServer, id: &str, secs: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let db = s.state().db;
    loop {
        let left = db
            .run(|c| Ok(dailies_server::db::queries::unfinished_jobs(c)?.len()))
            .await
            .unwrap();
        if left == 0 {
            return s.get(&format!("/api/media/{id}"), Some("alice")).await.1;
        }
        assert!(Instant::now() < deadline, "jobs still running after {secs} s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn upload(s: &TestServer, name: &str, file: &Path) -> String {
    let (code, body) = s.upload("alice", name, std::fs::read(file).unwrap()).await;
    assert_eq!(code, 201, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// Keyframe times of a file's video, from its packets.
fn keyframe_times(path: &Path) -> Vec<f64> {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=pts_time,flags",
        ])
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .unwrap();
    let mut keys: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.split(',').nth(1).is_some_and(|f| f.starts_with('K')))
        .filter_map(|l| l.split(',').next()?.parse().ok())
        .collect();
    keys.sort_by(f64::total_cmp);
    keys
}

fn video(probe: &Value) -> Value {
    probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "video")
        .unwrap()
        .clone()
}

#[actix_rt::test]
async fn a_long_gop_browser_ready_original_gets_a_scrub_proxy_once_it_plays() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    // A keyframe every 5 s, as many cameras write.
    let long = dir.path().join("long.mp4");
    h264_with_gop(&long, 12, 125);
    let id = upload(&s, "long.mp4", &long).await;
    let m = when_processed(&s, &id, 120).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert_eq!(
        m["playback_url"],
        format!("/files/{id}/original.mp4"),
        "the original plays"
    );
    assert_eq!(m["scrub_url"], format!("/files/{id}/scrub.mp4"), "{m}");
    let scrub = s.media_dir_of(&id).await.join("scrub.mp4");
    let v = video(&ffprobe_streams(&scrub));
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["pix_fmt"], "yuv420p");
    assert_eq!(v["r_frame_rate"], "25/1");
    assert_eq!(v["nb_frames"], "300", "frame for frame: {v}");
    // The configured interval, 0.5 s, in whole frames: every 13th (0.52 s).
    let keys = keyframe_times(&scrub);
    assert_eq!(keys.len(), 24, "{keys:?}");
    assert!(keys.windows(2).all(|w| (w[1] - w[0] - 0.52).abs() < 0.01), "{keys:?}");
    s.wait_processed("alice", &id, 120).await;
    let log = std::fs::read_to_string(s.media_dir_of(&id).await.join("ffmpeg.log")).unwrap();
    assert!(log.contains("keyframes are up to 5.00 s apart"), "{log}");
    // Served like any media file, to those who may see the media.
    let url = m["scrub_url"].as_str().unwrap();
    let (code, h, _) = s.fetch(url, Some("alice"), &[("Range", "bytes=0-99")]).await;
    assert_eq!(code, 206);
    assert_eq!(h.get("content-type").unwrap(), "video/mp4");
    assert_eq!(s.fetch(url, Some("bob"), &[]).await.0, 404);

    // Keyframes every 0.48 s: played as is, nothing beside it.
    let short = dir.path().join("short.mp4");
    h264_with_gop(&short, 4, 12);
    let id = upload(&s, "short.mp4", &short).await;
    let m = when_processed(&s, &id, 60).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert!(m.get("scrub_url").is_none(), "{m}");
    assert!(!s.media_dir_of(&id).await.join("scrub.mp4").exists());
}

#[actix_rt::test]
async fn no_scrub_proxy_when_turned_off_or_the_media_has_a_proxy() {
    let s = TestServer::start_with(|c| c.transcode.scrub_proxy_above = 0.0).await;
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("long.mp4");
    h264_with_gop(&long, 6, 125);
    let id = upload(&s, "long.mp4", &long).await;
    let m = when_processed(&s, &id, 60).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert!(m.get("scrub_url").is_none(), "turned off: {m}");

    // A long-GOP file that needs a proxy anyway gets the proxy's short interval, no more.
    let s = TestServer::start().await;
    let mov = dir.path().join("long.mov");
    ffmpeg_make(
        &mov,
        &["testsrc2=size=320x240:rate=25"],
        &["-t", "6", "-c:v", "mpeg4", "-g", "125", "-q:v", "5"],
    );
    let id = upload(&s, "long.mov", &mov).await;
    let m = when_processed(&s, &id, 60).await;
    assert_eq!(m["playback_url"], format!("/files/{id}/proxy.mp4"), "{m}");
    assert!(m.get("scrub_url").is_none(), "{m}");
}

#[actix_rt::test]
async fn hdr_sources_get_a_10_bit_vp9_proxy_when_configured() {
    let s = TestServer::start_with(|c| c.transcode.hdr_proxy = true).await;
    let dir = tempfile::tempdir().unwrap();
    for (transfer, ours) in [("smpte2084", "pq"), ("arib-std-b67", "hlg")] {
        let f = dir.path().join(format!("{ours}.mp4"));
        hdr_clip(&f, transfer);
        let id = upload(&s, &format!("{ours}.mp4"), &f).await;
        let m = when_processed(&s, &id, 180).await;
        assert_eq!(m["status"], "ready", "{m}");
        assert_eq!(m["hdr_url"], format!("/files/{id}/hdr.webm"), "{m}");
        let media = s.media_dir_of(&id).await;
        let probe = ffprobe_streams(&media.join("hdr.webm"));
        assert_eq!(probe["format"]["format_name"], "matroska,webm");
        let v = video(&probe);
        assert_eq!(v["codec_name"], "vp9", "{v}");
        assert_eq!(v["profile"], "Profile 2", "{v}");
        assert_eq!(v["pix_fmt"], "yuv420p10le", "{v}");
        assert_eq!(v["color_transfer"], transfer, "{v}");
        assert_eq!(v["color_primaries"], "bt2020", "{v}");
        assert_eq!(v["color_space"], "bt2020nc", "{v}");
        assert_eq!(v["color_range"], "tv", "{v}");
        assert_eq!((v["width"].as_i64(), v["height"].as_i64()), (Some(640), Some(360)));
        let a = probe["streams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["codec_type"] == "audio")
            .cloned();
        assert_eq!(a.map(|a| a["codec_name"].clone()), Some("opus".into()), "{probe}");
        // The SDR proxy is still the playback file, tone mapped and tagged BT.709.
        let sdr = video(&ffprobe_streams(&media.join("proxy.mp4")));
        assert_eq!(
            (sdr["codec_name"].as_str(), sdr["color_transfer"].as_str()),
            (Some("h264"), Some("bt709"))
        );
        assert_eq!(m["playback_url"], format!("/files/{id}/proxy.mp4"));
    }
    // An SDR source gets none.
    let f = dir.path().join("plain.mp4");
    crate::common::make_h264(&f, 1);
    let id = upload(&s, "plain.mp4", &f).await;
    let m = when_processed(&s, &id, 60).await;
    assert!(m.get("hdr_url").is_none(), "{m}");
}

#[actix_rt::test]
async fn no_hdr_proxy_unless_configured() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("pq.mp4");
    hdr_clip(&f, "smpte2084");
    let id = upload(&s, "pq.mp4", &f).await;
    let m = when_processed(&s, &id, 120).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert_eq!(m["hdr"]["transfer"], "pq", "{m}");
    assert!(m.get("hdr_url").is_none(), "{m}");
    assert!(!s.media_dir_of(&id).await.join("hdr.webm").exists());
}
