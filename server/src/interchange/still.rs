//! A comment's frame out of the media's playback file: ffmpeg seeks accurately to the frame
//! (frames → time by the media's rational rate), scales it, and writes raw RGBA to stdout.

use super::render::Frame;
use super::report::Still;
use crate::db::models::Media;
use crate::ingest::probe::{formats, run_raw, ProbeError};
use dailies_protocol::{Comment, CommentId, MediaKind, Rational};
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The widest still served: stills are for reading a note, not for grading.
pub const MAX_STILL_WIDTH: u32 = 1280;

/// The stills of a report are this wide at most: sharp on an A4 page, a tenth of a
/// PNG's weight as JPEG.
pub const REPORT_STILL_WIDTH: u32 = 960;
pub const REPORT_JPEG_QUALITY: u8 = 82;
/// A report embeds the stills of its first this many notes (in frame order); the rest are
/// listed without one, so a media with thousands of notes still gets its report.
pub const MAX_REPORT_STILLS: usize = 300;

/// How long one frame grab may run: a seek decodes at most a GOP, so anything slower is a
/// damaged file or a stalled disk.
pub const GRAB_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a media's pictures come from and at what size its stills are made.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub file: PathBuf,
    pub fps: Rational,
    pub width: u32,
    pub height: u32,
}

impl Source {
    /// The playback file (the proxy, or the original when it plays as is, as the proxy
    /// download serves) of a media with a picture; None for audio and media not processed.
    pub fn of(m: &Media, media_dir: &Path, max_width: u32) -> Option<Source> {
        if m.kind.as_deref().and_then(MediaKind::parse) == Some(MediaKind::Audio) {
            return None;
        }
        let file = media_dir.join(m.id.as_str()).join(m.playback_file.as_deref()?);
        let (width, height) = still_size(m.width?, m.height?, max_width)?;
        let fps = m.fps().unwrap_or(super::clock::FALLBACK_FPS);
        Some(Source {
            file,
            fps,
            width,
            height,
        })
    }

    /// The picture at `frame`, scaled to the source's still size.
    pub fn grab(&self, frame: i64) -> Result<Frame, String> {
        let mut cmd = Command::new("ffmpeg");
        cmd.args(grab_args(
            &self.file,
            seek_seconds(frame, self.fps),
            self.width,
            self.height,
        ));
        let out = run_raw(cmd, "ffmpeg", GRAB_TIMEOUT).map_err(|e: ProbeError| e.to_string())?;
        let want = self.width as usize * self.height as usize * 4;
        if !out.success || out.stdout.len() != want {
            let err = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = err.lines().rev().take(3).collect();
            return Err(format!(
                "ffmpeg gave {} of {want} bytes for frame {frame}: {}",
                out.stdout.len(),
                tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
            ));
        }
        Ok(Frame {
            width: self.width,
            height: self.height,
            rgba: out.stdout,
        })
    }
}

/// The still size of a `width`×`height` picture: at most `max_width` wide, the aspect
/// kept, both sides even (the scaler's chroma likes them so).
pub fn still_size(width: i32, height: i32, max_width: u32) -> Option<(u32, u32)> {
    let (w, h) = (u32::try_from(width).ok()?, u32::try_from(height).ok()?);
    if w == 0 || h == 0 {
        return None;
    }
    let tw = w.min(max_width.max(2));
    let th = ((h as u64 * tw as u64 + w as u64 / 2) / w as u64) as u32;
    let even = |v: u32| (v & !1).max(2);
    Some((even(tw), even(th)))
}

/// Where to seek for `frame`: half a frame before its start, so that the first frame at
/// or after the seek point is that frame whatever the container's timestamp rounding.
pub fn seek_seconds(frame: i64, fps: Rational) -> f64 {
    if frame <= 0 || fps.num <= 0 || fps.den <= 0 {
        return 0.0;
    }
    (frame as f64 - 0.5) * fps.den as f64 / fps.num as f64
}

/// `ffmpeg -ss <t> … -i file:<file> -map 0:v:0 -frames:v 1 -vf scale=W:H -f rawvideo
/// -pix_fmt rgba -`: `-ss` before the input seeks to the keyframe before and decodes up to
/// the time (accurate seek); only the file protocol and media demuxers are allowed in.
pub fn grab_args(file: &Path, seconds: f64, width: u32, height: u32) -> Vec<OsString> {
    let mut a: Vec<OsString> = ["-hide_banner", "-nostdin", "-v", "error", "-threads", "2"]
        .into_iter()
        .map(OsString::from)
        .collect();
    if seconds > 0.0 {
        a.push("-ss".into());
        a.push(format!("{seconds:.6}").into());
    }
    a.extend(formats::input_options_for(file, None).into_iter().map(OsString::from));
    a.push("-i".into());
    a.push(formats::input_arg(file));
    for s in [
        "-map",
        "0:v:0",
        "-an",
        "-sn",
        "-dn",
        "-frames:v",
        "1",
        "-vf",
        &format!("scale={width}:{height}:flags=bicubic"),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgba",
        "-",
    ] {
        a.push(s.into());
    }
    a
}

/// The still of a comment: its frame with its drawing burned in.
pub fn annotated(source: &Source, c: &Comment) -> Result<Frame, String> {
    let mut f = source.grab(c.frame)?;
    if let Some(d) = &c.drawing {
        super::render::burn_in(&mut f, d);
    }
    Ok(f)
}

/// The stills of `comments`, made `threads` at a time (each grab is one ffmpeg), as JPEG
/// for the report. A grab that fails leaves its comment without a still, and a log line.
pub fn report_stills(source: &Source, comments: &[&Comment], threads: usize) -> HashMap<CommentId, Still> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(HashMap::new());
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, 8) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(c) = comments.get(i) else { break };
                let still = annotated(source, c).and_then(|f| {
                    let jpeg = super::render::jpeg(&f, REPORT_JPEG_QUALITY)?;
                    Ok(Still {
                        width: f.width,
                        height: f.height,
                        jpeg,
                    })
                });
                match still {
                    Ok(still) => {
                        out.lock().unwrap_or_else(|p| p.into_inner()).insert(c.id, still);
                    }
                    Err(e) => tracing::warn!(comment = c.id.0, "report still left out: {e}"),
                }
            });
        }
    });
    out.into_inner().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stills_keep_the_aspect_within_the_width() {
        assert_eq!(still_size(1920, 1080, 1280), Some((1280, 720)));
        assert_eq!(still_size(640, 360, 1280), Some((640, 360)));
        assert_eq!(still_size(1080, 1920, 1280), Some((1080, 1920)));
        assert_eq!(still_size(4096, 1716, 1280), Some((1280, 536)));
        assert_eq!(still_size(0, 1080, 1280), None);
    }

    #[test]
    fn frames_seek_half_a_frame_early_at_their_rate() {
        let ntsc = Rational { num: 30000, den: 1001 };
        assert_eq!(seek_seconds(0, ntsc), 0.0);
        assert!((seek_seconds(30, ntsc) - 29.5 * 1001.0 / 30000.0).abs() < 1e-9);
        let a = grab_args(Path::new("/m/x/proxy.mp4"), 1.25, 640, 360);
        let s: Vec<String> = a.iter().map(|s| s.to_string_lossy().into_owned()).collect();
        let ss = s.iter().position(|v| v == "-ss").unwrap();
        let i = s.iter().position(|v| v == "-i").unwrap();
        assert!(ss < i, "-ss goes before -i for an accurate input seek: {s:?}");
        assert_eq!(s[i + 1], "file:/m/x/proxy.mp4");
        assert!(s.contains(&"scale=640:360:flags=bicubic".to_string()));
        assert_eq!(s.last().map(String::as_str), Some("-"));
    }
}
