//! Footage as studios receive it: files whose shape a synthetic clip never has.

use crate::common::{ffmpeg_make, TestServer};

/// A broadcast-style transport stream: interlaced H.264 with a keyframe every 250 frames
/// (10 s) and MP2 audio, 25 s long at a high bitrate, so the last 4 MiB hold no keyframe.
fn long_gop_ts(out: &std::path::Path) {
    ffmpeg_make(
        out,
        &["testsrc2=size=720x576:rate=25", "sine=frequency=440:sample_rate=48000"],
        &[
            "-t",
            "25",
            "-vf",
            "setfield=tff",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-flags",
            "+ildct+ilme",
            "-g",
            "250",
            "-keyint_min",
            "250",
            "-sc_threshold",
            "0",
            "-b:v",
            "8M",
            "-maxrate",
            "8M",
            "-bufsize",
            "8M",
            "-c:a",
            "mp2",
            "-f",
            "mpegts",
        ],
    );
}

#[actix_rt::test]
async fn a_long_gop_transport_stream_is_not_called_damaged() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let ts = dir.path().join("broadcast.ts");
    long_gop_ts(&ts);
    let bytes = std::fs::read(&ts).unwrap();
    assert!(
        bytes.len() > 16 << 20,
        "{} bytes: the GOP must be longer than 4 MiB",
        bytes.len()
    );
    // What the old check did: a seek 3 s before the end finds no keyframe to decode from.
    let old = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-sseof", "-3", "-i"])
        .arg(&ts)
        .args(["-map", "0:0", "-frames", "1", "-f", "framemd5", "-"])
        .output()
        .unwrap();
    let decoded = String::from_utf8_lossy(&old.stdout)
        .lines()
        .any(|l| !l.trim().is_empty() && !l.starts_with('#'));
    assert!(!decoded, "the file must show the problem: a late seek decodes nothing");

    let (code, body) = s.upload("alice", "broadcast.ts", bytes.clone()).await;
    assert_eq!(code, 201, "{body}");
    let id = body["id"].as_str().unwrap();
    let m = s.wait_done("alice", id, 120).await;
    assert_eq!(m["status"], "ready", "{m}");
    let proxy = s.media_dir_of(id).await.join("proxy.mp4");
    let p = crate::common::ffprobe_streams(&proxy);
    let secs: f64 = p["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!((secs - 25.0).abs() < 0.5, "the proxy has the whole clip: {secs} s");
    // Interlaced: said so, and deinterlaced frame for frame at the source's rate.
    assert_eq!(m["field_order"], "tff", "{m}");
    let v = &p["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "video")
        .unwrap();
    assert_eq!(v["r_frame_rate"], "25/1");
    assert!(matches!(v["field_order"].as_str(), None | Some("progressive")), "{v}");
    let frames = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames",
            "-of",
            "csv=p=0",
        ])
        .arg(&proxy)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&frames.stdout).trim(),
        "625",
        "one proxy frame per source frame"
    );

    // A copy cut short is a shorter transport stream, which plays to its cut: it is taken
    // as what it is, at its own length.
    let cut = &bytes[..bytes.len() * 6 / 10];
    let (_, body) = s.upload("alice", "cut.ts", cut.to_vec()).await;
    let m = s.wait_done("alice", body["id"].as_str().unwrap(), 120).await;
    assert_eq!(m["status"], "ready", "{m}");
    let d = m["duration"].as_f64().unwrap();
    assert!(d > 10.0 && d < 20.0, "the cut length: {d}");
}

/// A 10-bit HEVC clip tagged as HDR with `transfer` (smpte2084 for PQ, arib-std-b67 for HLG).
fn hdr_clip(out: &std::path::Path, transfer: &str) {
    ffmpeg_make(
        out,
        &["testsrc2=size=1280x720:rate=25"],
        &[
            "-t",
            "2",
            "-vf",
            "format=yuv420p10le",
            "-c:v",
            "libx265",
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
        ],
    );
}

/// Mean luma of a picture, 0..255, as ffmpeg's signalstats measures it.
fn mean_luma(picture: &std::path::Path) -> f64 {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-show_entries",
            "frame_tags=lavfi.signalstats.YAVG",
            "-of",
            "csv=p=0",
        ])
        .arg(format!("movie={},signalstats", picture.display()))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("0")
        .trim()
        .parse()
        .unwrap_or(0.0)
}

#[actix_rt::test]
async fn hdr_sources_get_tone_mapped_sdr_proxies_and_pictures() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    for (transfer, ours) in [("smpte2084", "pq"), ("arib-std-b67", "hlg")] {
        let f = dir.path().join(format!("{ours}.mp4"));
        hdr_clip(&f, transfer);
        let (code, body) = s
            .upload("alice", &format!("{ours}.mp4"), std::fs::read(&f).unwrap())
            .await;
        assert_eq!(code, 201, "{body}");
        let id = body["id"].as_str().unwrap();
        let m = s.wait_done("alice", id, 120).await;
        assert_eq!(m["status"], "ready", "{m}");
        assert_eq!(m["hdr"]["transfer"], ours, "{m}");
        assert_eq!(m["hdr"]["primaries"], "bt2020", "{m}");
        let media = s.media_dir_of(id).await;
        let p = crate::common::ffprobe_streams(&media.join("proxy.mp4"));
        let v = p["streams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["codec_type"] == "video")
            .unwrap()
            .clone();
        assert_eq!(v["codec_name"], "h264");
        assert_eq!(v["pix_fmt"], "yuv420p", "{v}");
        for k in ["color_transfer", "color_primaries", "color_space"] {
            assert_eq!(v[k], "bt709", "{ours}: {k} of the proxy: {v}");
        }
        // Tone mapped, not the PQ/HLG code values shown as if SDR: the same test picture
        // made in SDR is compared with the proxy's poster.
        let sdr = dir.path().join("sdr.mp4");
        ffmpeg_make(
            &sdr,
            &["testsrc2=size=1280x720:rate=25"],
            &["-t", "2", "-pix_fmt", "yuv420p"],
        );
        let sdr_luma = mean_luma(&sdr);
        let poster = media.join("thumb.webp");
        assert!(poster.exists());
        let luma = mean_luma(&poster);
        assert!(
            luma > 16.0 && (luma - sdr_luma).abs() < 60.0,
            "{ours}: poster luma {luma}, SDR {sdr_luma}"
        );
    }
    // SDR media say nothing of HDR.
    let f = dir.path().join("plain.mp4");
    crate::common::make_h264(&f, 1);
    let (_, body) = s.upload("alice", "plain.mp4", std::fs::read(&f).unwrap()).await;
    let m = s.wait_done("alice", body["id"].as_str().unwrap(), 60).await;
    assert!(m.get("hdr").is_none(), "{m}");
}

#[actix_rt::test]
async fn a_browser_ready_upload_plays_at_once_and_is_withdrawn_when_its_check_fails() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.mp4");
    // Long enough that the cut below leaves the front (index and first frames) whole.
    crate::common::ffmpeg_make(
        &f,
        &["testsrc2=size=640x360:rate=25", "sine=frequency=440"],
        &[
            "-t",
            "8",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-movflags",
            "+faststart",
        ],
    );
    let full = std::fs::read(&f).unwrap();
    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;

    // A sound one: ready with the original as its playback file, the pictures after.
    let (_, body) = s.upload("alice", "good.mp4", full.clone()).await;
    let good = body["id"].as_str().unwrap().to_string();
    let m = s.wait_done("alice", &good, 60).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert_eq!(m["playback_url"], format!("/files/{good}/original.mp4"));

    // A copy cut short whose index is whole: it is playable as soon as it is probed, then
    // the decode check finds its end missing and takes it back, saying so.
    let (_, body) = s.upload("alice", "cut.mp4", full[..full.len() * 4 / 10].to_vec()).await;
    let cut = body["id"].as_str().unwrap().to_string();
    let mut seen_ready = false;
    let failed = loop {
        let u = ws.recv_within(60).await;
        if u["type"] != "media_updated" || u["media"]["id"] != cut.as_str() {
            continue;
        }
        let media = &u["media"];
        if media["status"] == "ready" {
            assert!(media["playback_url"].is_string(), "{media}");
            seen_ready = true;
        }
        if media["status"] == "failed" {
            break media.clone();
        }
    };
    assert!(seen_ready, "it was playable before the check");
    let why = failed["error"].as_str().unwrap();
    assert!(why.contains("withdrawn") && why.contains("missing"), "{why}");
    assert!(failed["playback_url"].is_null(), "no longer played: {failed}");
}

/// Keyframes of a file's video, counted by ffprobe.
fn keyframes(path: &std::path::Path) -> usize {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-skip_frame",
            "nokey",
            "-show_entries",
            "frame=pts",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

/// A VP9 WebM (needs a proxy by the built-in rule) of `secs` at 25 frames a second.
fn webm(out: &std::path::Path, secs: u32) {
    ffmpeg_make(
        out,
        &["testsrc2=size=320x240:rate=25"],
        &[
            "-t",
            &secs.to_string(),
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-b:v",
            "300k",
        ],
    );
}

#[actix_rt::test]
async fn a_configured_hardware_encoder_that_is_missing_or_fails_falls_back_to_software() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.webm");
    webm(&f, 2);
    let bytes = std::fs::read(&f).unwrap();
    // No GPU here: VA-API has no device; NVENC is built into Debian's ffmpeg and fails when
    // it runs.
    for (encoder, says) in [
        (dailies_server::config::Encoder::Vaapi, "is not available"),
        (dailies_server::config::Encoder::Nvenc, "failed"),
    ] {
        let s = TestServer::start_with(|c| {
            c.transcode.encoder = encoder;
            c.transcode.vaapi_device = "/nonexistent/renderD128".into();
            c.transcode.keyframe_interval = 0.2;
        })
        .await;
        let (_, body) = s.upload("alice", "clip.webm", bytes.clone()).await;
        let id = body["id"].as_str().unwrap();
        let m = s.wait_done("alice", id, 120).await;
        assert_eq!(m["status"], "ready", "{encoder:?}: {m}");
        s.wait_processed("alice", id, 120).await;
        let media = s.media_dir_of(id).await;
        let log = std::fs::read_to_string(media.join("ffmpeg.log")).unwrap_or_default();
        assert!(
            log.contains(&format!("encoder {} {says}", encoder.as_str())) && log.contains("encoding in software"),
            "{encoder:?}: {log}"
        );
        // The configured keyframe interval: 0.2 s at 25 frames a second is every 5th frame.
        let proxy = media.join("proxy.mp4");
        assert_eq!(
            crate::common::ffprobe_streams(&proxy)["streams"][0]["codec_name"],
            "h264"
        );
        assert_eq!(keyframes(&proxy), 10, "{encoder:?}: 50 frames, a keyframe every 5");
    }
}

#[actix_rt::test]
async fn the_transcode_hook_decides_as_is_proxy_or_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let hook = dir.path().join("hook.sh");
    // As is for names with "keep", a proxy with its own options for "custom", the built-in
    // rule for "plain", and nonsense (then the built-in rule, noted) for "broken".
    std::fs::write(
        &hook,
        r#"#!/bin/sh
input=$(cat)
case "$input" in
  *keep*) echo '{"decision": "as_is"}' ;;
  *custom*) echo '{"decision": "proxy", "output_args": ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "35", "-g", "5", "-pix_fmt", "yuv420p"]}' ;;
  *force*) echo '{"decision": "proxy"}' ;;
  *broken*) echo 'no idea' ;;
  *) echo '{}' ;;
esac
"#,
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let s = TestServer::start_with(|c| c.transcode.hook = Some(hook.clone())).await;
    let f = dir.path().join("clip.webm");
    webm(&f, 2);
    let vp9 = std::fs::read(&f).unwrap();
    let mp4 = dir.path().join("ready.mp4");
    crate::common::make_h264(&mp4, 2);
    let mp4 = std::fs::read(&mp4).unwrap();

    let up = |name: &'static str, bytes: Vec<u8>| {
        let s = &s;
        async move {
            let (_, body) = s.upload("alice", name, bytes).await;
            let id = body["id"].as_str().unwrap().to_string();
            let m = s.wait_done("alice", &id, 120).await;
            assert_eq!(m["status"], "ready", "{name}: {m}");
            (id, m)
        }
    };
    let (_, m) = up("keep.webm", vp9.clone()).await;
    assert!(
        m["playback_url"].as_str().unwrap().ends_with("/original.webm"),
        "as is: {m}"
    );
    let (id, m) = up("custom.webm", vp9.clone()).await;
    assert!(m["playback_url"].as_str().unwrap().ends_with("/proxy.mp4"), "{m}");
    let proxy = s.media_dir_of(&id).await.join("proxy.mp4");
    assert_eq!(keyframes(&proxy), 10, "the hook's -g 5");
    let (_, m) = up("force.mp4", mp4.clone()).await;
    assert!(
        m["playback_url"].as_str().unwrap().ends_with("/proxy.mp4"),
        "a proxy although browser-ready: {m}"
    );
    let (_, m) = up("plain.mp4", mp4.clone()).await;
    assert!(
        m["playback_url"].as_str().unwrap().ends_with("/original.mp4"),
        "the built-in rule: {m}"
    );
    let (id, m) = up("broken.webm", vp9).await;
    assert!(m["playback_url"].as_str().unwrap().ends_with("/proxy.mp4"), "{m}");
    s.wait_processed("alice", &id, 120).await;
    let log = std::fs::read_to_string(s.media_dir_of(&id).await.join("ffmpeg.log")).unwrap();
    assert!(log.contains("hook's answer is not used"), "{log}");
}

/// Four seconds of interlaced (top field first) MPEG-2 in MXF with PCM sound, as broadcast
/// and camera files arrive.
fn interlaced_mxf(out: &std::path::Path) {
    ffmpeg_make(
        out,
        &["testsrc2=size=720x576:rate=25", "sine=frequency=440:sample_rate=48000"],
        &[
            "-t",
            "4",
            "-vf",
            "setfield=tff",
            "-flags",
            "+ildct+ilme",
            "-c:v",
            "mpeg2video",
            "-b:v",
            "8M",
            "-c:a",
            "pcm_s16le",
            "-f",
            "mxf",
        ],
    );
}

#[actix_rt::test]
async fn an_interlaced_mxf_is_deinterlaced_and_cut_copies_of_each_kind_fail_with_a_reason() {
    let s = TestServer::start_with(|c| c.transcode_workers = 2).await;
    let dir = tempfile::tempdir().unwrap();
    let mxf = dir.path().join("interlaced.mxf");
    interlaced_mxf(&mxf);
    let hdr = dir.path().join("hlg.mov");
    hdr_clip(&hdr, "arib-std-b67");
    let tracks = dir.path().join("tracks.mov");
    crate::audio_tracks::two_track_mov(&tracks);

    let (_, body) = s.upload("alice", "interlaced.mxf", std::fs::read(&mxf).unwrap()).await;
    let m = s.wait_done("alice", body["id"].as_str().unwrap(), 120).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert_eq!(m["field_order"], "tff", "{m}");
    let proxy = s.media_dir_of(m["id"].as_str().unwrap()).await.join("proxy.mp4");
    let p = crate::common::ffprobe_streams(&proxy);
    let v = p["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "video")
        .unwrap();
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["r_frame_rate"], "25/1", "the frame rate is kept");
    assert!(
        v["field_order"].is_null() || v["field_order"] == "progressive",
        "deinterlaced: {v}"
    );

    // Each kind cut short, as a copy that stopped: none is taken as sound.
    let mut cut = vec![];
    for (name, file) in [("interlaced.mxf", &mxf), ("hlg.mov", &hdr), ("tracks.mov", &tracks)] {
        let bytes = std::fs::read(file).unwrap();
        let (_, body) = s
            .upload("alice", &format!("cut-{name}"), bytes[..bytes.len() / 2].to_vec())
            .await;
        cut.push((name, body["id"].as_str().unwrap().to_owned()));
    }
    for (name, id) in cut {
        let m = s.wait_done("alice", &id, 120).await;
        assert_eq!(m["status"], "failed", "cut {name}: {m}");
        let reason = m["error"].as_str().unwrap_or("");
        assert!(reason.len() > 10, "cut {name} says why: {reason:?}");
    }
}
