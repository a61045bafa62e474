//! Running the probing tools: ffprobe and mediainfo for the facts, ffmpeg for the decode check,
//! each a child process with a timeout, every input opened under the limits of `formats`.

use super::formats;
use super::parse::{apply_mediainfo, classify_failure, estimate_frame_count, parse_ffprobe, short_detail};
use super::{Probe, ProbeError};
use crate::ingest::sequence::SequenceInput;
use dailies_protocol::MediaKind;
use std::ffi::OsString;
use std::io::{self, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long one probing tool may run before it is killed: a probe reads headers and a frame or two,
/// so anything slower is a pathological file or a hung network mount.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

/// Probes a file: ffprobe for the facts, mediainfo for the gaps, and one decoded frame to be sure
/// the content is usable. Blocking; call it from a blocking thread.
pub fn run_probe(file: &Path) -> Result<Probe, ProbeError> {
    let probe = probe_facts(file)?;
    decode_check(file, &probe)?;
    Ok(probe)
}

/// What ffprobe and mediainfo say of `file`, without decoding it: `run_probe` less the
/// decode check, for callers that run the check beside other work.
pub fn probe_facts(file: &Path) -> Result<Probe, ProbeError> {
    let size = std::fs::metadata(file).map_err(ProbeError::Unreadable)?.len();
    probe_known(
        file,
        Known {
            size,
            head: read_head(file),
        },
    )
}

/// What is known of an original before any tool reads it. A file on disk is measured by
/// `probe_facts`; an object in the store, read by the tools through a presigned URL, is
/// measured by the caller through the store.
#[derive(Debug, Clone)]
pub struct Known {
    pub size: u64,
    /// The first bytes (up to 512), enough to tell a container or a playlist.
    pub head: Vec<u8>,
}

/// `probe_facts` of `file` (a path, or a presigned URL of the store) whose size and head
/// are `known`.
pub fn probe_known(file: &Path, known: Known) -> Result<Probe, ProbeError> {
    let Known { size, head } = known;
    if size == 0 {
        return Err(ProbeError::Empty);
    }
    // Refused before any tool reads it: mediainfo, too, follows some playlists.
    if let Some(what) = formats::playlist_in_head(&head) {
        return Err(ProbeError::Playlist {
            what,
            stderr: String::new(),
        });
    }
    let mut ffprobe = Command::new("ffprobe");
    ffprobe.args(ffprobe_args(file));
    // mediainfo runs beside ffprobe: each waits on its own file reads, and their sum was
    // most of the time from upload to the first ffmpeg run.
    let mediainfo = {
        let file = file.to_path_buf();
        std::thread::spawn(move || {
            let mut mediainfo = Command::new("mediainfo");
            mediainfo.arg("--Output=JSON").arg(&file);
            run_with_timeout(mediainfo, "mediainfo", PROBE_TIMEOUT)
        })
    };
    let out = run_with_timeout(ffprobe, "ffprobe", PROBE_TIMEOUT)?;
    // A crash says nothing about the file: it must not be called damaged or not media.
    if let Some(signal) = out.signal {
        return Err(ProbeError::Crashed {
            tool: "ffprobe",
            signal,
        });
    }
    if !out.success {
        return Err(classify_failure(&out.stderr, &head));
    }
    let mut probe = parse_ffprobe(&out.stdout).map_err(|e| match e {
        ProbeError::NotMedia { .. } => ProbeError::NotMedia {
            stderr: out.stderr.clone(),
        },
        ProbeError::Playlist { what, .. } => ProbeError::Playlist {
            what,
            stderr: out.stderr.clone(),
        },
        other => other,
    })?;

    let mediainfo = mediainfo.join().unwrap_or_else(|_| {
        Err(ProbeError::ToolFailed {
            tool: "mediainfo",
            source: io::Error::other("the mediainfo thread panicked"),
        })
    });
    match mediainfo {
        Ok(mi) if mi.success => apply_mediainfo(&mi.stdout, &mut probe),
        Ok(mi) => tracing::warn!(file = %shown(file), stderr = %mi.stderr, "mediainfo failed; using ffprobe alone"),
        Err(e) => tracing::warn!(file = %shown(file), error = %e, "mediainfo unavailable; using ffprobe alone"),
    }
    estimate_frame_count(&mut probe);
    probe.file_size = Some(size);
    Ok(probe)
}

/// Decodes the first frame, and for videos one near the end, so that a file whose headers are
/// fine but whose content is missing (cut-off upload, unknown codec) fails now, not mid-transcode.
pub fn decode_check(file: &Path, probe: &Probe) -> Result<(), ProbeError> {
    let Some(stream) = probe.video_stream.or(probe.audio_stream) else {
        return Ok(());
    };
    if let Some(seq) = &probe.sequence {
        return sequence_decode_check(file, seq, stream);
    }
    // The late frame is decoded beside the first one.
    let late = match (probe.kind, probe.duration.filter(|d| *d > 0.2)) {
        (MediaKind::Video, Some(duration)) => {
            let (file, from_end) = (file.to_path_buf(), (duration / 2.0).min(3.0));
            let demuxer = probe.demuxer();
            let size = probe
                .file_size
                .unwrap_or_else(|| std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0));
            Some(std::thread::spawn(move || match demuxer {
                Some(d) if formats::UNINDEXED_DEMUXERS.contains(&d) => tail_undecodable(&file, size, d, stream),
                _ => undecodable(
                    &file,
                    &formats::input_options(demuxer),
                    stream,
                    Start::FromEnd(from_end),
                ),
            }))
        }
        _ => None,
    };
    let first = undecodable(file, &formats::input_options(probe.demuxer()), stream, Start::Beginning);
    let late = late.map(|t| {
        t.join().unwrap_or_else(|_| {
            Err(ProbeError::ToolFailed {
                tool: "ffmpeg",
                source: io::Error::other("the decode check thread panicked"),
            })
        })
    });
    if let Some(stderr) = first? {
        return Err(ProbeError::Damaged {
            detail: short_detail(&stderr).unwrap_or_else(|| "not a single picture or sound could be decoded".into()),
            stderr,
        });
    }
    if let Some(stderr) = late.transpose()?.flatten() {
        return Err(ProbeError::Damaged {
            detail: "the end of the video is missing, perhaps the upload or copy was cut short".into(),
            stderr,
        });
    }
    Ok(())
}

/// An image sequence's first and last frames must decode (the frames between are decoded
/// by the proxy, which stops at the first that does not).
fn sequence_decode_check(pattern: &Path, seq: &SequenceInput, stream: u32) -> Result<(), ProbeError> {
    for (index, which) in [(0, "first"), (seq.span.saturating_sub(1), "last")] {
        let options = formats::sequence_input_options(seq, index);
        if let Some(stderr) = undecodable(pattern, &options, stream, Start::Beginning)? {
            return Err(ProbeError::Damaged {
                detail: format!(
                    "the {which} frame of the sequence does not decode{}",
                    short_detail(&stderr).map(|d| format!(" ({d})")).unwrap_or_default()
                ),
                stderr,
            });
        }
    }
    Ok(())
}

/// ffprobe's facts of an unpacked image sequence (`…/frames/%08d.exr`), with the frame rate,
/// length and frame count the sequence itself gives.
pub fn probe_sequence(pattern: &Path, seq: &SequenceInput) -> Result<Probe, ProbeError> {
    let mut args: Vec<OsString> = ["-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
        .into_iter()
        .map(OsString::from)
        .collect();
    args.extend(formats::sequence_input_options(seq, 0).into_iter().map(OsString::from));
    args.push("-i".into());
    args.push(as_ffmpeg_file(pattern));
    let mut ffprobe = Command::new("ffprobe");
    ffprobe.args(args);
    let out = run_with_timeout(ffprobe, "ffprobe", PROBE_TIMEOUT)?;
    if let Some(signal) = out.signal {
        return Err(ProbeError::Crashed {
            tool: "ffprobe",
            signal,
        });
    }
    if !out.success {
        return Err(ProbeError::Damaged {
            detail: format!(
                "the frames cannot be read{}",
                short_detail(&out.stderr).map(|d| format!(" ({d})")).unwrap_or_default()
            ),
            stderr: out.stderr,
        });
    }
    let mut p = parse_ffprobe(&out.stdout).map_err(|e| match e {
        ProbeError::NotMedia { .. } => ProbeError::NotMedia {
            stderr: out.stderr.clone(),
        },
        other => other,
    })?;
    let span = seq.span as i64;
    p.kind = MediaKind::Video;
    p.container = "image2".into();
    p.fps = Some(seq.fps);
    p.frame_count = Some(span);
    p.frame_count_estimated = false;
    p.duration = Some(span as f64 * seq.fps.den as f64 / seq.fps.num as f64);
    p.bitrate = None;
    p.has_audio = false;
    p.audio_stream = None;
    p.audio_streams.clear();
    p.sequence = Some(seq.clone());
    Ok(p)
}

/// The length in seconds that ffprobe reads from a file's container (for a proxy Dailies
/// made itself); None when it cannot tell.
pub fn container_duration(file: &Path) -> Option<f64> {
    let mut cmd = Command::new("ffprobe");
    cmd.args(["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"]);
    cmd.args(formats::input_options_for(file, None));
    cmd.arg("-i").arg(formats::input_arg(file));
    let out = run_with_timeout(cmd, "ffprobe", PROBE_TIMEOUT).ok()?;
    out.success.then(|| out.stdout.trim().parse().ok()).flatten()
}

/// Where a decode check starts reading.
#[derive(Debug, Clone, Copy)]
enum Start {
    Beginning,
    /// Seconds before the end (a seek through the container's index).
    FromEnd(f64),
    /// Bytes into the file, read as if the file began there (a stream without an index
    /// finds its next packet and keyframe on its own).
    Skip(u64),
}

/// The windows at the end of an unindexed stream tried in turn, each four times the last: a
/// 1080i broadcast GOP of 10 s at 20 Mb/s is about 25 MB.
const TAIL_WINDOWS: &[u64] = &[4 << 20, 16 << 20, 64 << 20, 256 << 20, 1 << 30];

/// The end of a stream without an index: one frame must decode from the last 4 MiB, 16 MiB,
/// … of the file. A window as large as the file is the first frame's check again, so a file
/// shorter than its GOP passes; a file whose last gigabyte holds no decodable frame does not.
fn tail_undecodable(file: &Path, size: u64, demuxer: &str, stream: u32) -> Result<Option<String>, ProbeError> {
    let mut last = None;
    for w in TAIL_WINDOWS.iter().copied().take_while(|w| *w < size) {
        match undecodable(
            file,
            &formats::input_options(Some(demuxer)),
            stream,
            Start::Skip(size - w),
        )? {
            None => return Ok(None),
            Some(stderr) => last = Some(stderr),
        }
    }
    match last {
        // Every window was smaller than the file, and none decoded.
        Some(stderr) if TAIL_WINDOWS.last().is_some_and(|w| *w < size) => Ok(Some(stderr)),
        _ => Ok(None),
    }
}

/// Decodes one frame of `stream` from `start`. None when a frame came out; otherwise
/// ffmpeg's stderr.
fn undecodable(file: &Path, options: &[String], stream: u32, start: Start) -> Result<Option<String>, ProbeError> {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(decode_args(file, options, stream, start));
    let out = run_with_timeout(cmd, "ffmpeg", PROBE_TIMEOUT)?;
    // A crash says nothing about the file: do not tell the uploader it is damaged.
    if let Some(signal) = out.signal {
        return Err(ProbeError::Crashed { tool: "ffmpeg", signal });
    }
    let decoded = out.stdout.lines().any(|l| !l.trim().is_empty() && !l.starts_with('#'));
    Ok((!decoded).then_some(out.stderr))
}

/// `ffprobe … -i file:<file>`: JSON facts of the format and every stream. The demuxer is left to
/// ffprobe's detection, within the media whitelist, so a playlist is refused, not followed.
fn ffprobe_args(file: &Path) -> Vec<OsString> {
    let mut a: Vec<OsString> = ["-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
        .into_iter()
        .map(OsString::from)
        .collect();
    a.extend(formats::input_options_for(file, None).into_iter().map(OsString::from));
    a.push("-i".into());
    a.push(formats::input_arg(file));
    a
}

/// `ffmpeg … -i file:<file> -map 0:<stream> -frames 1 -f framemd5 -`, read with the demuxer the
/// probe found.
fn decode_args(file: &Path, options: &[String], stream: u32, start: Start) -> Vec<OsString> {
    let mut a: Vec<OsString> = ["-hide_banner", "-nostdin", "-v", "error"]
        .into_iter()
        .map(OsString::from)
        .collect();
    match start {
        Start::Beginning => {}
        Start::FromEnd(secs) => {
            a.push("-sseof".into());
            a.push(format!("-{secs:.3}").into());
        }
        Start::Skip(bytes) => {
            a.push("-skip_initial_bytes".into());
            a.push(bytes.to_string().into());
        }
    }
    a.extend(
        formats::options_for(file, options.to_vec())
            .into_iter()
            .map(OsString::from),
    );
    a.push("-i".into());
    a.push(formats::input_arg(file));
    // framemd5 prints one line per decoded frame, which tells "decoded" from "ran without error".
    for s in ["-map", &format!("0:{stream}"), "-frames", "1", "-f", "framemd5", "-"] {
        a.push(s.into());
    }
    a
}

/// ffmpeg reads "name:rest" as a protocol (http:, concat:, …); `file:` makes any name a plain file.
fn as_ffmpeg_file(file: &Path) -> OsString {
    let mut arg = OsString::from("file:");
    arg.push(file.as_os_str());
    arg
}

pub(crate) struct ToolOutput {
    pub(crate) success: bool,
    /// The signal that killed the tool, if one did.
    pub(crate) signal: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs a tool, reading its pipes on threads (a full pipe would block it forever) and killing it
/// when it outlives `limit`.
pub(crate) fn run_with_timeout(cmd: Command, tool: &'static str, limit: Duration) -> Result<ToolOutput, ProbeError> {
    let out = run_raw(cmd, tool, limit)?;
    Ok(ToolOutput {
        success: out.success,
        signal: out.signal,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        // The stderr may reach the uploader as a reason: no presigned URL in it.
        stderr: formats::redact_urls(&String::from_utf8_lossy(&out.stderr)).into_owned(),
    })
}

/// `file` for a log line: its path, or for a presigned URL only that it is the stored original.
fn shown(file: &Path) -> std::borrow::Cow<'_, str> {
    if formats::is_url(file) {
        "<stored original>".into()
    } else {
        file.to_string_lossy()
    }
}

/// What a tool run by `run_raw` left: its exit and its pipes as bytes (a frame on stdout).
pub struct RawOutput {
    pub success: bool,
    /// The signal that killed the tool, if one did.
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs a tool with no input, reading both pipes on threads and killing it when it outlives
/// `limit`. Blocking; call it from a blocking thread.
pub fn run_raw(mut cmd: Command, tool: &'static str, limit: Duration) -> Result<RawOutput, ProbeError> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => ProbeError::ToolMissing { tool },
        _ => ProbeError::ToolFailed { tool, source: e },
    })?;
    let stdout = child.stdout.take().map(read_on_thread);
    let stderr = child.stderr.take().map(read_on_thread);
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= limit => {
                // Already-exited races are harmless: kill then reap whatever is left.
                let _ = child.kill();
                let _ = child.wait();
                return Err(ProbeError::Timeout { tool, after: limit });
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(ProbeError::ToolFailed { tool, source: e }),
        }
    };
    let join = |h: Option<thread::JoinHandle<Vec<u8>>>| h.and_then(|h| h.join().ok()).unwrap_or_default();
    Ok(RawOutput {
        success: status.success(),
        signal: std::os::unix::process::ExitStatusExt::signal(&status),
        stdout: join(stdout),
        stderr: join(stderr),
    })
}

fn read_on_thread(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        // A read error leaves what was read so far, which is all a diagnosis needs.
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
}

/// The first bytes of the file, enough to tell a container or a playlist; empty when unreadable.
fn read_head(file: &Path) -> Vec<u8> {
    let mut head = Vec::with_capacity(512);
    if let Ok(f) = std::fs::File::open(file) {
        // A short read leaves a short head, which simply matches fewer signatures.
        let _ = f.take(512).read_to_end(&mut head);
    }
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_tools_are_killed_and_missing_ones_named() {
        let mut sleep = Command::new("sleep");
        sleep.arg("10");
        let started = Instant::now();
        let e = run_with_timeout(sleep, "sleep", Duration::from_millis(200))
            .err()
            .unwrap();
        assert!(matches!(e, ProbeError::Timeout { tool: "sleep", .. }), "{e:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        let missing = Command::new("dailies-no-such-tool");
        let e = run_with_timeout(missing, "ffprobe", PROBE_TIMEOUT).err().unwrap();
        assert_eq!(e.to_string(), "ffprobe is not installed");
    }

    #[test]
    fn probe_and_decode_check_read_one_file_with_media_demuxers_only() {
        let words = |a: Vec<OsString>| a.into_iter().map(|s| s.into_string().unwrap()).collect::<Vec<_>>();
        let pair = |a: &[String], k: &str, v: &str| a.windows(2).any(|w| w[0] == k && w[1] == v);
        let allowed = formats::MEDIA_DEMUXERS.join(",");

        let a = words(ffprobe_args(Path::new("/d/media/x/original.mp4")));
        assert!(pair(&a, "-protocol_whitelist", "file"));
        assert!(pair(&a, "-format_whitelist", &allowed));
        assert!(!a.contains(&"-f".to_owned()), "ffprobe detects the format: {a:?}");
        assert_eq!(a[a.len() - 2..], ["-i", "file:/d/media/x/original.mp4"]);

        let a = words(decode_args(
            Path::new("/d/m/original.mkv"),
            &formats::input_options(Some("matroska")),
            0,
            Start::FromEnd(1.5),
        ));
        let input = a.iter().position(|x| x == "-i").unwrap();
        assert!(pair(&a[..input], "-protocol_whitelist", "file"));
        assert!(pair(&a[..input], "-format_whitelist", &allowed));
        assert!(
            pair(&a[..input], "-f", "matroska"),
            "options before -i are input options"
        );
        assert!(pair(&a[..input], "-sseof", "-1.500"));
        assert_eq!(a[input + 1], "file:/d/m/original.mkv");
        assert!(pair(&a, "-map", "0:0") && pair(&a, "-f", "framemd5"));
        let a = words(decode_args(
            Path::new("/d/m/original.ts"),
            &formats::input_options(Some("mpegts")),
            0,
            Start::Skip(4096),
        ));
        let input = a.iter().position(|x| x == "-i").unwrap();
        assert!(pair(&a[..input], "-skip_initial_bytes", "4096"));
        assert!(!a.contains(&"-sseof".to_owned()));
    }
}
