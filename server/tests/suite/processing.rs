//! Probing and processing against the real ffmpeg: inputs of every kind are made here with lavfi,
//! processed with the argument lists from `ingest::command`, and the results probed again.

use dailies_protocol::{MediaKind, Rational};
use dailies_server::ingest::command::{
    audio_proxy_args, image_args, poster_args, proxy_args, sheet_args, sheet_plan, waveform_args, ProgressParser,
    ProxySettings,
};
use dailies_server::ingest::probe::{browser_playable, run_probe, Probe, ProbeError, MP4_FAMILY};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const MAX_BITRATE: i64 = 8_000_000;
const TESTSRC: &str = "testsrc2=size=320x240:rate=25:duration=1";
const SINE: &str = "sine=frequency=440:duration=1";

/// Runs ffmpeg (or ffprobe) and fails the test with its stderr when it fails.
fn ffmpeg(args: &[String]) -> String {
    let out = Command::new("ffmpeg")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Makes an input file from lavfi sources: `make(dir, "x.mp4", &["-f","lavfi","-i",…, "-c:v",…])`.
fn make(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let mut a: Vec<String> = ["-hide_banner", "-nostdin", "-v", "error", "-y"]
        .map(String::from)
        .to_vec();
    a.extend(args.iter().map(|s| s.to_string()));
    a.push(path.to_string_lossy().into_owned());
    ffmpeg(&a);
    path
}

fn lavfi_av(video: &str) -> Vec<&str> {
    vec!["-f", "lavfi", "-i", video, "-f", "lavfi", "-i", SINE, "-shortest"]
}

fn with<'a>(mut base: Vec<&'a str>, more: &[&'a str]) -> Vec<&'a str> {
    base.extend_from_slice(more);
    base
}

fn probe(path: &Path) -> Probe {
    run_probe(path).unwrap_or_else(|e| panic!("probe {}: {e} ({:?})", path.display(), e.stderr()))
}

fn fps(num: i64, den: i64) -> Option<Rational> {
    Some(Rational { num, den })
}

/// Makes the proxy with default settings except `max_height`, checks it plays in a browser, and
/// returns its probe.
fn check_proxy(dir: &Path, input: &Path, p: &Probe, max_height: u32) -> Probe {
    let out = dir.join("proxy.mp4.part");
    let settings = ProxySettings {
        max_height,
        ..ProxySettings::default()
    };
    ffmpeg(&proxy_args(input, &out, p, &settings));
    let proxy = probe(&out);
    assert_eq!(proxy.kind, MediaKind::Video);
    assert_eq!(proxy.container, MP4_FAMILY);
    assert_eq!(proxy.video_codec.as_deref(), Some("h264"));
    assert_eq!(proxy.pix_fmt.as_deref(), Some("yuv420p"));
    assert_eq!(proxy.video_profile.as_deref(), Some("High"));
    assert_eq!(proxy.has_audio, p.has_audio);
    if proxy.has_audio {
        assert_eq!(proxy.audio_codec.as_deref(), Some("aac"));
        assert_eq!(proxy.audio_channels, Some(2));
    }
    let (w, h) = (proxy.width.unwrap(), proxy.height.unwrap());
    assert!(w % 2 == 0 && h % 2 == 0, "even size, got {w}x{h}");
    assert!(h as u32 <= max_height, "height {h} over {max_height}");
    assert_eq!(proxy.rotation, 0);
    assert_eq!(proxy.fps, p.fps, "same frame rate, so frame numbers match");
    assert!(browser_playable(&proxy, MAX_BITRATE), "{proxy:?}");
    proxy
}

/// Poster and sprite sheet come out at the planned sizes.
fn check_pictures(dir: &Path, input: &Path, p: &Probe) {
    let (w, h) = (p.width.unwrap(), p.height.unwrap());
    let poster = dir.join("thumb.webp");
    ffmpeg(&poster_args(input, &poster, p));
    let pp = probe(&poster);
    assert_eq!(pp.kind, MediaKind::Image);
    let pw = w.min(640) / 2 * 2;
    assert_eq!(pp.width, Some(pw));
    assert_eq!(pp.height, Some((pw * h / w / 2 * 2).max(2)));

    let plan = sheet_plan(p, 100);
    assert!(!plan.times.is_empty() && plan.times.len() as u32 <= plan.columns * plan.rows);
    let sheet = dir.join("sheet.webp");
    ffmpeg(&sheet_args(input, &sheet, p, &plan));
    let sp = probe(&sheet);
    assert_eq!(sp.width, Some((plan.columns * plan.tile_width) as i32));
    assert_eq!(sp.height, Some((plan.rows * plan.tile_height) as i32));
}

#[test]
fn h264_mp4_plays_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let args = with(
        lavfi_av(TESTSRC),
        &["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    );
    let input = make(dir.path(), "clip.mp4", &args);
    let p = probe(&input);
    assert_eq!(p.kind, MediaKind::Video);
    assert_eq!(p.container, MP4_FAMILY);
    assert_eq!(p.fps, fps(25, 1));
    assert_eq!((p.frame_count, p.frame_count_estimated), (Some(25), false));
    assert_eq!((p.width, p.height, p.rotation), (Some(320), Some(240), 0));
    assert_eq!((p.video_codec.as_deref(), p.bit_depth), (Some("h264"), Some(8)));
    assert!((p.duration.unwrap() - 1.0).abs() < 0.05);
    assert!(browser_playable(&p, MAX_BITRATE), "{p:?}");
    assert!(!browser_playable(&p, 1000), "over the bitrate cap");
    check_pictures(dir.path(), &input, &p);
}

#[test]
fn hevc_mp4_gets_a_smaller_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let args = with(
        lavfi_av(TESTSRC),
        &[
            "-c:v",
            "libx265",
            "-x265-params",
            "log-level=error",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
        ],
    );
    let input = make(dir.path(), "clip.mp4", &args);
    let p = probe(&input);
    assert_eq!(p.video_codec.as_deref(), Some("hevc"));
    assert_eq!((p.fps, p.frame_count), (fps(25, 1), Some(25)));
    assert!(!browser_playable(&p, MAX_BITRATE));
    let proxy = check_proxy(dir.path(), &input, &p, 180);
    assert_eq!((proxy.width, proxy.height), (Some(240), Some(180)));
    assert_eq!(proxy.frame_count, Some(25));
    check_pictures(dir.path(), &input, &p);
}

#[test]
fn prores_mov_gets_a_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let args = with(
        lavfi_av(TESTSRC),
        &["-c:v", "prores_ks", "-profile:v", "2", "-c:a", "pcm_s16le"],
    );
    let input = make(dir.path(), "clip.mov", &args);
    let p = probe(&input);
    assert_eq!((p.video_codec.as_deref(), p.bit_depth), (Some("prores"), Some(10)));
    assert_eq!(p.audio_codec.as_deref(), Some("pcm_s16le"));
    assert_eq!((p.fps, p.frame_count), (fps(25, 1), Some(25)));
    assert!(!browser_playable(&p, i64::MAX));
    let proxy = check_proxy(dir.path(), &input, &p, 1080);
    assert_eq!((proxy.width, proxy.height), (Some(320), Some(240)), "never enlarged");
    check_pictures(dir.path(), &input, &p);
}

#[test]
fn vp9_webm_with_opus_counts_frames_with_mediainfo() {
    let dir = tempfile::tempdir().unwrap();
    let args = with(
        lavfi_av(TESTSRC),
        &[
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
    let input = make(dir.path(), "clip.webm", &args);
    let p = probe(&input);
    assert_eq!(p.container, "matroska,webm");
    assert_eq!(
        (p.video_codec.as_deref(), p.audio_codec.as_deref()),
        (Some("vp9"), Some("opus"))
    );
    // WebM has no per-stream frame count; mediainfo counts them.
    assert_eq!((p.frame_count, p.frame_count_estimated), (Some(25), false));
    assert!(!browser_playable(&p, i64::MAX));
    check_proxy(dir.path(), &input, &p, 1080);
    check_pictures(dir.path(), &input, &p);
}

#[test]
fn h264_10bit_422_mov_gets_a_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let args = with(
        lavfi_av(TESTSRC),
        &["-c:v", "libx264", "-pix_fmt", "yuv422p10le", "-c:a", "aac"],
    );
    let input = make(dir.path(), "clip.mov", &args);
    let p = probe(&input);
    assert_eq!(p.video_codec.as_deref(), Some("h264"));
    assert_eq!((p.pix_fmt.as_deref(), p.bit_depth), (Some("yuv422p10le"), Some(10)));
    assert!(
        !browser_playable(&p, i64::MAX),
        "same codec and container, but 10-bit 4:2:2"
    );
    check_proxy(dir.path(), &input, &p, 1080);
}

#[test]
fn odd_size_ntsc_rate_is_exact_and_made_even() {
    let dir = tempfile::tempdir().unwrap();
    // testsrc2 rounds odd sizes down in 4:2:0; asking for 4:4:4 keeps 333x241.
    let src = "testsrc2=size=333x241:rate=30000/1001:duration=1,format=yuv444p";
    let input = make(dir.path(), "odd.mkv", &["-f", "lavfi", "-i", src, "-c:v", "libx264"]);
    let p = probe(&input);
    assert_eq!((p.width, p.height), (Some(333), Some(241)));
    assert_eq!(p.fps, fps(30000, 1001));
    assert_eq!(p.frame_count, Some(30));
    assert!(!p.has_audio);
    let proxy = check_proxy(dir.path(), &input, &p, 1080);
    assert_eq!(
        (proxy.width, proxy.height),
        (Some(332), Some(240)),
        "331.6 rounds to the nearest even width"
    );
    assert_eq!(proxy.frame_count, Some(30));
    check_pictures(dir.path(), &input, &p);
}

#[test]
fn rotated_phone_video_is_shown_upright() {
    let dir = tempfile::tempdir().unwrap();
    let args = with(
        lavfi_av(TESTSRC),
        &["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    );
    let plain = make(dir.path(), "plain.mp4", &args);
    let plain = plain.to_string_lossy();
    let input = make(
        dir.path(),
        "phone.mp4",
        &["-i", &plain, "-c", "copy", "-metadata:s:v:0", "rotate=90"],
    );
    let p = probe(&input);
    // ffmpeg 5.1 stores the legacy tag as a display matrix of 90° counterclockwise, which is
    // 270° clockwise (mediainfo says 270 too); either way the picture stands on its side.
    assert_eq!(p.rotation, 270);
    assert_eq!((p.width, p.height), (Some(240), Some(320)));
    assert!(
        !browser_playable(&p, MAX_BITRATE),
        "only rotation keeps it from playing as is"
    );
    let proxy = check_proxy(dir.path(), &input, &p, 1080);
    assert_eq!((proxy.width, proxy.height), (Some(240), Some(320)));
    check_pictures(dir.path(), &input, &p);
}

#[test]
fn audio_only_gets_an_aac_proxy_and_waveform() {
    let dir = tempfile::tempdir().unwrap();
    let wav = make(dir.path(), "tone.wav", &["-f", "lavfi", "-i", SINE]);
    let m4a = make(dir.path(), "tone.m4a", &["-f", "lavfi", "-i", SINE, "-c:a", "aac"]);
    for input in [&wav, &m4a] {
        let p = probe(input);
        assert_eq!(p.kind, MediaKind::Audio);
        assert!(p.has_audio && !p.has_video);
        assert_eq!((p.fps, p.frame_count, p.width), (None, None, None));
        assert!((p.duration.unwrap() - 1.0).abs() < 0.05);
        assert!(!browser_playable(&p, i64::MAX));

        let out = dir.path().join("audio.m4a.part");
        ffmpeg(&audio_proxy_args(input, &out, &p, &ProxySettings::default()));
        let a = probe(&out);
        assert_eq!(a.kind, MediaKind::Audio);
        assert_eq!(a.container, MP4_FAMILY);
        assert_eq!((a.audio_codec.as_deref(), a.audio_channels), (Some("aac"), Some(2)));
    }
    for name in ["wave.png", "wave.webp"] {
        let out = dir.path().join(name);
        ffmpeg(&waveform_args(&wav, &out, 400, 80));
        let w = probe(&out);
        assert_eq!((w.kind, w.width, w.height), (MediaKind::Image, Some(400), Some(80)));
    }
}

#[test]
fn still_png_becomes_a_webp() {
    let dir = tempfile::tempdir().unwrap();
    let input = make(
        dir.path(),
        "still.png",
        &["-f", "lavfi", "-i", TESTSRC, "-frames:v", "1"],
    );
    let p = probe(&input);
    assert_eq!(p.kind, MediaKind::Image);
    assert_eq!(
        (p.width, p.height, p.fps, p.duration),
        (Some(320), Some(240), None, None)
    );
    assert!(!browser_playable(&p, i64::MAX));
    for (max_dim, size) in [(2048, (320, 240)), (100, (100, 75))] {
        let out = dir.path().join("image.webp");
        ffmpeg(&image_args(&input, &out, max_dim));
        let w = probe(&out);
        assert_eq!(w.kind, MediaKind::Image);
        assert_eq!(w.container, "webp_pipe");
        assert_eq!((w.width, w.height), (Some(size.0), Some(size.1)));
    }
}

#[test]
fn sheet_tiles_show_their_times() {
    let dir = tempfile::tempdir().unwrap();
    // Frame N has luma 16+4N, so a tile's brightness tells which frame it shows.
    let src = "color=c=black:s=160x120:r=25:d=2,format=yuv420p,geq=lum='16+4*N':cb=128:cr=128";
    let input = make(
        dir.path(),
        "ramp.mp4",
        &["-f", "lavfi", "-i", src, "-c:v", "libx264", "-qp", "0"],
    );
    let p = probe(&input);
    assert_eq!(p.frame_count, Some(50));
    // 9 tiles fill 3x3; 7 leave two slots of the 3x3 sheet empty, which ffmpeg must still write.
    for (max_tiles, columns, rows) in [(9, 3, 3), (7, 3, 3)] {
        let plan = sheet_plan(&p, max_tiles);
        assert_eq!(
            (plan.columns, plan.rows, plan.tile_width, plan.tile_height),
            (columns, rows, 160, 120)
        );
        assert_eq!(plan.times.len(), max_tiles as usize);
        let sheet = dir.path().join("sheet.webp");
        ffmpeg(&sheet_args(&input, &sheet, &p, &plan));

        let sheet = sheet.to_string_lossy();
        let raw = Command::new("ffmpeg")
            .args([
                "-v", "error", "-i", &sheet, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-",
            ])
            .output()
            .unwrap()
            .stdout;
        let (tw, th) = (plan.tile_width as usize, plan.tile_height as usize);
        let stride = tw * plan.columns as usize;
        assert_eq!(raw.len(), stride * th * plan.rows as usize * 3 / 2);
        // The luma plane comes first in yuv420p.
        for (i, t) in plan.times.iter().enumerate() {
            let (col, row) = (i % plan.columns as usize, i / plan.columns as usize);
            let y = raw[(row * th + th / 2) * stride + col * tw + tw / 2];
            let shown = ((f64::from(y) - 16.0) / 4.0).round() as i64;
            assert_eq!(
                shown,
                (t * 25.0).round() as i64,
                "tile {i} at {t}s shows frame {shown} (luma {y})"
            );
        }
    }
}

#[test]
fn proxy_progress_rises_to_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = "testsrc2=size=320x240:rate=25:duration=2";
    let args = with(lavfi_av(src), &["-c:v", "prores_ks", "-c:a", "pcm_s16le"]);
    let input = make(dir.path(), "clip.mov", &args);
    let p = probe(&input);
    let mut args = proxy_args(&input, &dir.path().join("proxy.mp4"), &p, &ProxySettings::default());
    // Report often, so that even a tiny clip gives several blocks.
    args.splice(0..0, ["-stats_period".to_owned(), "0.05".to_owned()]);
    let mut child = Command::new("ffmpeg")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut parser = ProgressParser::new(p.duration);
    let values: Vec<f64> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| parser.feed(&line))
        .collect();
    assert!(child.wait().unwrap().success());
    assert!(values.len() >= 3, "{values:?}");
    assert!(values.windows(2).all(|w| w[0] <= w[1]), "{values:?}");
    assert!(values.iter().any(|v| *v > 0.0 && *v < 1.0), "{values:?}");
    assert_eq!(values.last(), Some(&1.0));
    assert!(parser.finished());
}

fn probe_error(path: &Path) -> ProbeError {
    match run_probe(path) {
        Ok(p) => panic!("{} should not probe: {p:?}", path.display()),
        Err(e) => e,
    }
}

#[test]
fn truncated_mp4_is_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let args = with(
        lavfi_av(TESTSRC),
        &["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"],
    );
    let whole = make(dir.path(), "whole.mp4", &args);
    let fast = make(
        dir.path(),
        "fast.mp4",
        &["-i", &whole.to_string_lossy(), "-c", "copy", "-movflags", "+faststart"],
    );
    for source in [whole, fast] {
        let bytes = std::fs::read(&source).unwrap();
        let cut = dir.path().join("cut.mp4");
        std::fs::write(&cut, &bytes[..bytes.len() * 3 / 10]).unwrap();
        let e = probe_error(&cut);
        let text = e.to_string();
        assert!(text.starts_with("the file seems truncated or damaged: "), "{text}");
        assert!(text.contains("cut short"), "{text}");
        assert!(!e.stderr().unwrap_or_default().is_empty(), "stderr kept for the log");
    }
}

#[test]
fn empty_file_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.mp4");
    std::fs::write(&path, b"").unwrap();
    let e = probe_error(&path);
    assert!(matches!(e, ProbeError::Empty));
    assert_eq!(e.to_string(), "the file is empty");
}

#[test]
fn random_bytes_are_not_media() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("noise.mp4");
    // A fixed xorshift stream: random-looking, same every run.
    let mut x: u32 = 0x9E37_79B9;
    let bytes: Vec<u8> = (0..20_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    std::fs::write(&path, bytes).unwrap();
    let e = probe_error(&path);
    assert_eq!(
        e.to_string(),
        "this is not a video, audio or image file ffprobe can read"
    );
    assert!(e.stderr().unwrap().contains("Invalid data"));
}

#[test]
fn missing_file_is_unreadable() {
    let e = probe_error(Path::new("/nonexistent/dailies/clip.mp4"));
    assert!(e.to_string().starts_with("the file could not be opened"), "{e}");
}

/// The argument lists alone, with no probe in front, refuse a playlist: ffmpeg detects HLS,
/// finds it off the format whitelist and reads neither the playlist's target nor anything else.
#[test]
fn commands_refuse_a_playlist_even_without_the_probe() {
    let dir = tempfile::tempdir().unwrap();
    let target = make(
        dir.path(),
        "target.mp4",
        &with(
            lavfi_av(TESTSRC),
            &[
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-movflags",
                "+faststart",
            ],
        ),
    );
    let playlist = dir.path().join("original.mp4");
    let hls = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:0.1,\n{}\n#EXT-X-ENDLIST\n",
        target.display()
    );
    std::fs::write(&playlist, hls).unwrap();
    // A probe that lies about the input, as if it had been made before the fix.
    let p = probe(&target);
    let s = ProxySettings::default();
    let out = dir.path().join("out");
    let commands = [
        ("proxy", proxy_args(&playlist, &out.join("p.mp4"), &p, &s)),
        ("image", image_args(&playlist, &out.join("i.webp"), 512)),
        ("waveform", waveform_args(&playlist, &out.join("w.webp"), 100, 20)),
    ];
    std::fs::create_dir_all(&out).unwrap();
    for (what, args) in commands {
        let run = Command::new("ffmpeg")
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!run.status.success(), "{what} read the playlist");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(
            stderr.contains("not on whitelist") || stderr.contains("Invalid data"),
            "{what}: {stderr}"
        );
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0, "nothing was written");
    match run_probe(&playlist) {
        Err(ProbeError::Playlist { .. }) => {}
        other => panic!("probe of a playlist: {other:?}"),
    }
}
