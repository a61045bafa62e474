//! Image sequences: numbered DPX, EXR, PNG frames, uploaded as a zip or dropped as a folder
//! into the watch folder, become one clip with the first frame's number.

use crate::common::{ffprobe_streams, TestServer};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Writes frames `numbers` of a test pattern as `<dir>/<prefix><number:04>.<ext>`.
fn frames(dir: &Path, prefix: &str, ext: &str, numbers: &[u32], extra: &[&str]) -> Vec<PathBuf> {
    let tmp = tempfile::tempdir().unwrap();
    let n = numbers.len();
    let st = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=320x240:rate=25")
        .args(["-frames:v", &n.to_string()])
        .args(extra)
        .arg(tmp.path().join(format!("%04d.{ext}")))
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::create_dir_all(dir).unwrap();
    numbers
        .iter()
        .enumerate()
        .map(|(i, num)| {
            let to = dir.join(format!("{prefix}{num:04}.{ext}"));
            std::fs::rename(tmp.path().join(format!("{:04}.{ext}", i + 1)), &to).unwrap();
            to
        })
        .collect()
}

/// A DPX frame with the full 2048-byte header of cameras and grading tools (ffmpeg's writer
/// stops at 1664, before the film and television headers), saying it was shot at `fps`
/// (the film header's frame rate) and, when given, its SMPTE time word (the television
/// header's timecode).
fn set_dpx_header(frame: &Path, fps: f32, timecode: Option<u32>) {
    let b = std::fs::read(frame).unwrap();
    let le = &b[..4] == b"XPDS";
    let u32_of = |v: u32| if le { v.to_le_bytes() } else { v.to_be_bytes() };
    let at = |i: usize| {
        let w: [u8; 4] = b[i..i + 4].try_into().unwrap();
        (if le {
            u32::from_le_bytes(w)
        } else {
            u32::from_be_bytes(w)
        }) as usize
    };
    let image = at(4);
    assert!(image <= 2048, "ffmpeg's DPX header is shorter than 2048 bytes");
    // Undefined fields are all ones.
    let mut out = b[..image].to_vec();
    out.resize(2048, 0xFF);
    out.extend_from_slice(&b[image..]);
    out[4..8].copy_from_slice(&u32_of(2048));
    let size = out.len() as u32;
    out[16..20].copy_from_slice(&u32_of(size));
    out[1724..1728].copy_from_slice(&if le { fps.to_le_bytes() } else { fps.to_be_bytes() });
    if let Some(tc) = timecode {
        out[1920..1924].copy_from_slice(&u32_of(tc));
    }
    std::fs::write(frame, out).unwrap();
}

/// Adds a `timeCode` attribute (a SMPTE time word) to an EXR frame's header, moving its
/// chunk offsets by the bytes inserted.
fn set_exr_timecode(frame: &Path, word: u32) {
    let b = std::fs::read(frame).unwrap();
    assert_eq!(&b[..4], &[0x76, 0x2f, 0x31, 0x01]);
    // Walk the attributes to the header's closing null.
    let mut at = 8;
    let cstr = |at: &mut usize| {
        let len = b[*at..].iter().position(|&c| c == 0).unwrap();
        *at += len + 1;
        len
    };
    loop {
        if cstr(&mut at) == 0 {
            break;
        }
        cstr(&mut at);
        let size = i32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize;
        at += 4 + size;
    }
    let end = at - 1; // the closing null
    let mut attr = b"timeCode\0timecode\0".to_vec();
    attr.extend_from_slice(&8i32.to_le_bytes());
    attr.extend_from_slice(&word.to_le_bytes());
    attr.extend_from_slice(&0u32.to_le_bytes());
    let shift = attr.len() as u64;
    // The offset table follows the header; its first entry points just past it.
    let first = u64::from_le_bytes(b[at..at + 8].try_into().unwrap()) as usize;
    let entries = (first - at) / 8;
    let mut out = b[..end].to_vec();
    out.extend_from_slice(&attr);
    out.push(0);
    for i in 0..entries {
        let o = u64::from_le_bytes(b[at + 8 * i..at + 8 * i + 8].try_into().unwrap());
        out.extend_from_slice(&(o + shift).to_le_bytes());
    }
    out.extend_from_slice(&b[at + 8 * entries..]);
    std::fs::write(frame, out).unwrap();
}

/// A zip of `files` (stored, as tools zip frames), each under `folder/`, with the junk a Mac
/// adds.
fn zip_of(files: &[PathBuf], folder: &str) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy();
            z.start_file(format!("{folder}/{name}"), opts).unwrap();
            z.write_all(&std::fs::read(f).unwrap()).unwrap();
        }
        z.start_file(format!("__MACOSX/{folder}/._x.1001.dpx"), opts).unwrap();
        z.write_all(b"resource fork").unwrap();
        z.start_file(format!("{folder}/notes.txt"), opts).unwrap();
        z.write_all(b"comp notes").unwrap();
        z.finish().unwrap();
    }
    out.into_inner()
}

/// Frames counted by decoding the whole proxy.
fn decoded_frames(p: &Path) -> u64 {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"])
        .arg(p)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn video_stream(p: &Value) -> &Value {
    p["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == "video")
        .unwrap()
}

async fn ready_message(ws: &mut crate::common::Ws) -> Value {
    loop {
        let m = ws.recv_within(120).await;
        if m["type"] == "user_message_added" {
            return m;
        }
    }
}

#[actix_rt::test]
async fn a_zip_of_dpx_frames_with_a_gap_becomes_one_clip_numbered_from_its_first_frame() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    // 1001–1024 without 1010 and 1011.
    let numbers: Vec<u32> = (1001..=1024).filter(|n| !(1010..=1011).contains(n)).collect();
    let files = frames(dir.path(), "shot_010.", "dpx", &numbers, &[]);
    // The first frame's header: 25 fps, timecode 01:00:00:00.
    set_dpx_header(&files[0], 25.0, Some(0x0100_0000));
    let (code, body) = s.upload("alice", "shot_010.zip", zip_of(&files, "shot_010")).await;
    assert_eq!(code, 201, "{body}");
    let id = body["id"].as_str().unwrap();
    let m = s.wait_done("alice", id, 120).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert_eq!(m["kind"], "video");
    assert_eq!(m["start_frame"], 1001);
    assert_eq!(m["fps_rational"], json!({"num": 25, "den": 1}));
    assert_eq!(m["start_timecode"], "01:00:00:00", "the DPX header's timecode");
    assert_eq!(m["frame_count"], 24, "every number has its frame, the gap's too");
    assert_eq!(
        m["sequence"],
        json!({"first": 1001, "last": 1024, "frames": 22, "missing": [[1010, 1011]], "format": "dpx", "fps_from": "header"})
    );
    let media = s.media_dir_of(id).await;
    let p = ffprobe_streams(&media.join("proxy.mp4"));
    let v = video_stream(&p);
    assert_eq!(
        (v["codec_name"].as_str(), v["pix_fmt"].as_str()),
        (Some("h264"), Some("yuv420p")),
        "{v}"
    );
    assert_eq!(v["r_frame_rate"], "25/1");
    assert_eq!(decoded_frames(&media.join("proxy.mp4")), 24);
    assert!(media.join("original.zip").exists(), "the upload is kept as it came");
    // Removed once the pictures are made, just after the media shows them.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while media.join("frames").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "unpacked frames are removed when the job ends"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // With object storage the job's log reaches the bucket when the job ends.
    s.wait_processed("alice", id, 120).await;
    let log = std::fs::read_to_string(s.media_dir_of(id).await.join("ffmpeg.log")).unwrap();
    assert!(log.contains("2 frames are missing (1010–1011)"), "{log}");
}

#[actix_rt::test]
async fn a_folder_of_exr_frames_in_the_watch_folder_becomes_one_clip() {
    let s = TestServer::start_with(|c| c.watch_settle = Duration::from_millis(300)).await;
    let mut ws = s.ws(Some("erin")).await;
    ws.recv_type("welcome").await;
    let staging = tempfile::tempdir().unwrap();
    // 1–12 without 6: written elsewhere, then moved in at once, as a copy tool finishing does.
    let numbers: Vec<u32> = (1..=12).filter(|n| *n != 6).collect();
    let src = staging.path().join("shot_020");
    frames(
        &src,
        "shot_020_comp_v003.",
        "exr",
        &numbers,
        &["-r", "30", "-pix_fmt", "rgb48le"],
    );
    // The first frame's header says 00:59:59:00.
    set_exr_timecode(&src.join("shot_020_comp_v003.0001.exr"), 0x0059_5900);
    let incoming = s.dir.path().join("incoming/erin");
    std::fs::create_dir_all(&incoming).unwrap();
    let target = incoming.join("shot_020");
    std::fs::rename(&src, &target).unwrap();

    let msg = ready_message(&mut ws).await;
    assert_eq!(msg["message"]["kind"], "media_ready", "{msg}");
    let text = msg["message"]["text"].as_str().unwrap();
    assert!(
        text.contains("shot_020 is ready for review (1 frame is missing (6)"),
        "{text}"
    );
    let (_, list) = s.get("/api/media", Some("erin")).await;
    let m = &list[0];
    assert_eq!(m["title"], "shot_020");
    assert_eq!(m["status"], "ready", "{m}");
    assert_eq!(m["start_frame"], 1);
    assert_eq!(m["fps_rational"], json!({"num": 30, "den": 1}));
    assert_eq!(m["sequence"]["missing"], json!([[6, 6]]));
    assert_eq!(m["sequence"]["format"], "exr");
    assert_eq!(m["sequence"]["fps_from"], "header");
    assert_eq!(m["start_timecode"], "00:59:59:00", "the EXR header's timeCode");
    assert!(!target.exists(), "moved out of the incoming folder");
    let media = s.media_dir_of(m["id"].as_str().unwrap()).await;
    assert!(
        media.join("original").is_dir(),
        "the folder is kept, its frames untouched"
    );
    assert_eq!(std::fs::read_dir(media.join("original")).unwrap().count(), 11);
    let mid = m["id"].as_str().unwrap();
    let (code, _, _) = s.fetch(&format!("/files/{mid}/original"), Some("erin"), &[]).await;
    assert_eq!(code, 404, "a folder is not sent as a file");
    assert_eq!(decoded_frames(&media.join("proxy.mp4")), 12);
    // The poster and the sheet were made from the sequence too.
    let m = s.wait_done("erin", m["id"].as_str().unwrap(), 60).await;
    assert!(!m["thumb_url"].is_null() && !m["sheet"].is_null(), "{m}");
}

#[actix_rt::test]
async fn frames_without_a_rate_take_the_configured_one_and_damaged_sequences_fail_with_a_reason() {
    let s = TestServer::start_with(|c| c.transcode.sequence_fps = dailies_protocol::Rational { num: 12, den: 1 }).await;
    let dir = tempfile::tempdir().unwrap();
    let png = frames(&dir.path().join("png"), "plate_", "png", &[0, 1, 2, 3, 4, 5, 6, 7], &[]);
    let (code, body) = s.upload("bob", "plate.zip", zip_of(&png, "plate")).await;
    assert_eq!(code, 201, "{body}");
    let good = body["id"].as_str().unwrap().to_owned();

    let dpx = frames(&dir.path().join("dpx"), "s.", "dpx", &[1, 2, 3, 4, 5, 6], &[]);
    let whole = zip_of(&dpx, "s");
    let mut uploads = vec![];
    // A cut-off upload: the archive's directory at its end is missing.
    uploads.push((
        "cut.zip",
        whole[..whole.len() * 2 / 3].to_vec(),
        "archive is damaged or cut off",
    ));
    // A zip without frames.
    let txt = dir.path().join("readme.txt");
    std::fs::write(&txt, b"hello").unwrap();
    uploads.push(("docs.zip", zip_of(&[txt], "docs"), "no numbered image frames"));
    // The last frame cut short (a copy that stopped), then a frame in the middle.
    for (name, which, reason) in [("last.zip", 5, "last frame"), ("middle.zip", 2, "")] {
        let f = dir.path().join(name).with_extension("d");
        std::fs::create_dir_all(&f).unwrap();
        let copies: Vec<PathBuf> = dpx
            .iter()
            .map(|p| {
                let to = f.join(p.file_name().unwrap());
                std::fs::copy(p, &to).unwrap();
                to
            })
            .collect();
        let b = std::fs::read(&copies[which]).unwrap();
        std::fs::write(&copies[which], &b[..b.len() / 3]).unwrap();
        uploads.push((name, zip_of(&copies, "s"), reason));
    }
    let mut ids = vec![];
    for (name, bytes, reason) in uploads {
        let (code, body) = s.upload("bob", name, bytes).await;
        assert_eq!(code, 201, "{name}: {body}");
        ids.push((name, body["id"].as_str().unwrap().to_owned(), reason));
    }

    let m = s.wait_done("bob", &good, 120).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert_eq!(m["fps_rational"], json!({"num": 12, "den": 1}));
    assert_eq!(m["start_frame"], 0);
    assert_eq!(m["sequence"]["fps_from"], "default");
    assert_eq!(m["sequence"]["missing"], json!([]));
    for (name, id, reason) in ids {
        let m = s.wait_done("bob", &id, 120).await;
        assert_eq!(m["status"], "failed", "{name}: {m}");
        let error = m["error"].as_str().unwrap();
        assert!(error.contains(reason), "{name}: {error}");
        let media = s.media_dir_of(&id).await;
        assert!(
            !media.join("frames").exists(),
            "{name}: no unpacked frames are left behind"
        );
        assert!(media.join("original.zip").exists(), "{name}: the upload is kept");
    }
}
