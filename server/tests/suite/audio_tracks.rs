//! Sources with several audio tracks and surround sound: every track kept (the first in the
//! proxy, the others as stereo AAC files of their own), surround folded to stereo by BS.775.

use crate::common::{ffmpeg_make, ffprobe_streams, TestServer};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// Two seconds of picture, a 5.1 first track (English) with a 1 kHz tone in the centre
/// channel alone, and a stereo second track named "Commentary" with a 440 Hz tone.
pub fn two_track_mov(out: &Path) {
    ffmpeg_make(
        out,
        &[
            "testsrc2=size=320x240:rate=25",
            "sine=frequency=1000:sample_rate=48000",
            "sine=frequency=440:sample_rate=48000",
        ],
        &[
            "-filter_complex",
            "[1:a]pan=5.1|FC=c0[surround];[2:a]pan=stereo|c0=c0|c1=c0[stereo]",
            "-map",
            "0:v",
            "-map",
            "[surround]",
            "-map",
            "[stereo]",
            "-t",
            "3",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "pcm_s16le",
            "-metadata:s:a:0",
            "language=eng",
            // MOV keeps a track's name as its handler name.
            "-metadata:s:a:1",
            "handler_name=Commentary",
        ],
    );
}

/// The RMS level (dBFS) of each channel of one audio stream (`0:a:N`), by ffmpeg's astats,
/// after `filter` (empty, or a filter ending in a comma).
fn channel_rms(file: &Path, stream: &str, filter: &str) -> Vec<f64> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-i"])
        .arg(file)
        .args(["-map", stream, "-af"])
        .arg(format!(
            "{filter}astats=measure_perchannel=RMS_level:measure_overall=none"
        ))
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    assert!(out.status.success(), "astats of {}", file.display());
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.split("RMS level dB:").nth(1))
        .map(|v| v.trim().parse().unwrap())
        .collect()
}

fn audio_streams(file: &Path) -> Vec<Value> {
    ffprobe_streams(file)["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["codec_type"] == "audio")
        .cloned()
        .collect()
}

#[actix_rt::test]
async fn every_track_is_kept_and_surround_is_folded_to_stereo() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("two.mov");
    two_track_mov(&f);
    let (code, body) = s.upload("alice", "two.mov", std::fs::read(&f).unwrap()).await;
    assert_eq!(code, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let m = s.wait_done("alice", &id, 120).await;
    assert_eq!(m["status"], "ready", "{m}");
    // The extra tracks are made after the pictures.
    let deadline = Instant::now() + Duration::from_secs(60);
    let m = loop {
        let (_, m) = s.get(&format!("/api/media/{id}"), Some("alice")).await;
        if m["audio_tracks"].is_array() {
            break m;
        }
        assert!(Instant::now() < deadline, "no audio tracks: {m}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let tracks = m["audio_tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 2, "{m}");
    assert_eq!(tracks[0]["index"], 1);
    assert_eq!(tracks[0]["language"], "eng");
    assert_eq!(tracks[0]["channels"], 6);
    assert!(tracks[0]["url"].is_null(), "track 1 is in the playback file: {m}");
    assert!(tracks[0]["title"].is_null(), "a generic handler name is no title: {m}");
    assert_eq!(tracks[1]["index"], 2);
    assert_eq!(tracks[1]["title"], "Commentary");
    assert!(tracks[1]["language"].is_null());
    assert_eq!(tracks[1]["channels"], 2);
    let url = format!("/files/{id}/audio-2.m4a");
    assert_eq!(tracks[1]["url"], url.as_str());

    // The proxy plays the first track, as stereo AAC.
    let media = s.media_dir_of(&id).await;
    let proxy_audio = audio_streams(&media.join("proxy.mp4"));
    assert_eq!(proxy_audio.len(), 1, "{proxy_audio:?}");
    assert_eq!(proxy_audio[0]["codec_name"], "aac");
    assert_eq!(proxy_audio[0]["channels"], 2);
    // The centre's tone is in both sides at -3 dB: BS.775, not a renormalized matrix
    // (-7.7 dB) and not the centre dropped.
    let centre = channel_rms(&f, "0:a:0", "pan=mono|c0=FC,")[0];
    let lr = channel_rms(&media.join("proxy.mp4"), "0:a:0", "");
    assert_eq!(lr.len(), 2, "{lr:?}");
    for side in &lr {
        assert!((side - (centre - 3.01)).abs() < 0.5, "centre {centre} dB, sides {lr:?}");
    }

    // The second track: its own stereo AAC file, with its own sound.
    let second = media.join("audio-2.m4a");
    let a = audio_streams(&second);
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0]["codec_name"], "aac");
    assert_eq!(a[0]["channels"], 2);
    assert!(ffprobe_streams(&second)["streams"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["codec_type"] == "audio"));
    let stereo = channel_rms(&second, "0:a:0", "");
    let original_second = channel_rms(&f, "0:a:1", "");
    assert_eq!((stereo.len(), original_second.len()), (2, 2));
    for (made, source) in stereo.iter().zip(&original_second) {
        assert!(
            (made - source).abs() < 0.5,
            "stereo kept as is: {stereo:?} from {original_second:?}"
        );
    }

    // Served like the proxy: Range to the owner, nothing to anyone else.
    let bytes = std::fs::read(&second).unwrap();
    let (code, h, body) = s.fetch(&url, Some("alice"), &[("Range", "bytes=0-99")]).await;
    assert_eq!(code, 206);
    assert_eq!(body, bytes[..100].to_vec());
    assert_eq!(
        h.get("content-range").unwrap().to_str().unwrap(),
        format!("bytes 0-99/{}", bytes.len())
    );
    assert_eq!(s.fetch(&url, Some("bob"), &[]).await.0, 404);
    assert_eq!(s.fetch(&url, None, &[]).await.0, 401);
}

#[actix_rt::test]
async fn one_track_media_lists_no_tracks() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("one.mp4");
    crate::common::make_h264(&f, 1);
    let (_, body) = s.upload("alice", "one.mp4", std::fs::read(&f).unwrap()).await;
    let id = body["id"].as_str().unwrap();
    let m = s.wait_done("alice", id, 60).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert!(m.get("audio_tracks").is_none(), "{m}");
    assert!(!s.media_dir_of(id).await.join("audio-2.m4a").exists());
}
