//! Uploaded subtitle files to WebVTT: the text is decoded and its format told from its
//! content (the name only helps the message), then ffmpeg converts it under a time limit
//! with only that format's demuxer and the file protocol allowed.

use crate::error::{AppError, AppResult};
use crate::ingest::probe::{run_with_timeout, ProbeError};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The largest subtitle file taken: hours of dialogue are well under a megabyte.
pub const MAX_SUBTITLE_BYTES: usize = 5 << 20;

/// How long one conversion may run: a text file converts in milliseconds.
const CONVERT_TIMEOUT: Duration = Duration::from_secs(30);

/// A subtitle format Dailies reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Srt,
    WebVtt,
    /// SubStation Alpha and Advanced SubStation Alpha (one ffmpeg demuxer reads both).
    Ass,
}

impl Format {
    /// ffmpeg's demuxer of the format.
    pub fn demuxer(self) -> &'static str {
        match self {
            Format::Srt => "srt",
            Format::WebVtt => "webvtt",
            Format::Ass => "ass",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Srt => "SRT",
            Format::WebVtt => "WebVTT",
            Format::Ass => "SSA/ASS",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Srt => "srt",
            Format::WebVtt => "vtt",
            Format::Ass => "ass",
        }
    }
}

/// The file's text: UTF-8 (a BOM dropped), UTF-16 with its BOM, or else Latin-1, the usual
/// encoding of older SRT files. Binary content (NUL bytes, control characters) is refused.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    let not_text = || "this is not a subtitle file: it holds binary data, not text".to_string();
    let text = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8(rest.to_vec()).map_err(|_| not_text())?
    } else if let Some(units) = utf16(bytes) {
        String::from_utf16(&units).map_err(|_| not_text())?
    } else {
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => bytes.iter().map(|b| *b as char).collect(),
        }
    };
    let control = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    if text.contains('\0') || control > 0 {
        return Err(not_text());
    }
    Ok(text)
}

fn utf16(bytes: &[u8]) -> Option<Vec<u16>> {
    let (le, rest) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (true, rest),
        [0xFE, 0xFF, rest @ ..] => (false, rest),
        _ => return None,
    };
    Some(
        rest.chunks_exact(2)
            .map(|p| {
                if le {
                    u16::from_le_bytes([p[0], p[1]])
                } else {
                    u16::from_be_bytes([p[0], p[1]])
                }
            })
            .collect(),
    )
}

/// An SRT timing line: `00:00:01,000 --> 00:00:02,000` (a dot is taken for the comma).
fn srt_timing(line: &str) -> bool {
    let Some((a, b)) = line.split_once("-->") else {
        return false;
    };
    let clock = |s: &str| {
        let s = s.trim();
        let s = s.split_whitespace().next().unwrap_or("");
        let Some((hms, ms)) = s.split_once([',', '.']) else {
            return false;
        };
        let parts: Vec<&str> = hms.split(':').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            && !ms.is_empty()
            && ms.len() <= 3
            && ms.bytes().all(|b| b.is_ascii_digit())
    };
    clock(a) && clock(b)
}

/// The format of a subtitle file's text. The content decides (a WebVTT saved as `.srt` is
/// read as WebVTT); `name` only says what was expected when the content is none of them.
pub fn detect(name: Option<&str>, text: &str) -> Result<Format, String> {
    let first = text
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').trim())
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if first.starts_with("WEBVTT") {
        return Ok(Format::WebVtt);
    }
    let lower_has = |needle: &str| text.lines().any(|l| l.trim().eq_ignore_ascii_case(needle));
    if lower_has("[Script Info]") || (lower_has("[Events]") && text.contains("Dialogue:")) {
        return Ok(Format::Ass);
    }
    if text.lines().take(50_000).any(srt_timing) {
        return Ok(Format::Srt);
    }
    let ext = name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let expected = match ext.as_str() {
        "srt" => "SRT cues (\"00:00:01,000 --> 00:00:02,000\")",
        "vtt" | "webvtt" => "a WebVTT header (\"WEBVTT\")",
        "ass" | "ssa" => "an SSA/ASS [Script Info] section",
        _ => "SRT, WebVTT or SSA/ASS content",
    };
    Err(format!(
        "this is not a subtitle file Dailies reads: it holds no {expected}"
    ))
}

/// `ffmpeg … -f <demuxer> -i file:<input> -map 0:s:0 -c:s webvtt -f webvtt file:<output>`.
pub fn convert_args(input: &Path, output: &Path, format: Format) -> Vec<String> {
    let file = |p: &Path| format!("file:{}", p.to_string_lossy());
    [
        "-hide_banner",
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        format.demuxer(),
        "-f",
        format.demuxer(),
        "-i",
        &file(input),
        "-map",
        "0:s:0",
        "-c:s",
        "webvtt",
        "-f",
        "webvtt",
        &file(output),
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

/// The uploaded bytes as WebVTT text (offset not applied), converted by ffmpeg in `work`
/// (a directory of the caller's that it removes). Blocking. A file that is not one of the
/// formats, or holds no cue, is a 400 with the reason.
pub fn to_webvtt(bytes: &[u8], name: Option<&str>, work: &Path) -> AppResult<(Format, String)> {
    let text = decode(bytes).map_err(AppError::BadRequest)?;
    let format = detect(name, &text).map_err(AppError::BadRequest)?;
    let input = work.join(format!("input.{}", format.extension()));
    let output = work.join("output.vtt");
    std::fs::write(&input, text.as_bytes()).map_err(AppError::internal)?;
    let mut cmd = Command::new("ffmpeg");
    cmd.args(convert_args(&input, &output, format));
    let out = run_with_timeout(cmd, "ffmpeg", CONVERT_TIMEOUT).map_err(|e| match e {
        ProbeError::Timeout { .. } => AppError::BadRequest(format!(
            "converting the {} file took longer than {} seconds, so it was given up",
            format.name(),
            CONVERT_TIMEOUT.as_secs()
        )),
        e => AppError::internal(anyhow::anyhow!("converting subtitles: {e}")),
    })?;
    if let Some(signal) = out.signal {
        return Err(AppError::internal(anyhow::anyhow!(
            "ffmpeg was killed by signal {signal} converting subtitles"
        )));
    }
    if !out.success {
        let detail = out.stderr.lines().next().unwrap_or("").trim().to_string();
        tracing::info!(
            format = format.name(),
            "subtitle conversion refused: {}",
            out.stderr.trim()
        );
        return Err(AppError::BadRequest(format!(
            "the {} file could not be read: {}",
            format.name(),
            if detail.is_empty() {
                "ffmpeg found no subtitles in it"
            } else {
                &detail
            }
        )));
    }
    let vtt = std::fs::read_to_string(&output).map_err(AppError::internal)?;
    if super::vtt::cues(&vtt).is_empty() {
        return Err(AppError::BadRequest(format!(
            "the {} file holds no cue with a valid time",
            format.name()
        )));
    }
    Ok((format, vtt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_content() {
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nHello\n";
        assert_eq!(detect(Some("a.srt"), srt), Ok(Format::Srt));
        assert_eq!(detect(Some("a.txt"), srt), Ok(Format::Srt));
        assert_eq!(detect(Some("a.srt"), "\u{feff}WEBVTT\n\n"), Ok(Format::WebVtt));
        assert_eq!(
            detect(None, "WEBVTT - title\n\n00:01.000 --> 00:02.000\nhi"),
            Ok(Format::WebVtt)
        );
        assert_eq!(detect(None, "[Script Info]\nScriptType: v4.00\n"), Ok(Format::Ass));
        assert_eq!(
            detect(None, "[events]\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hi\n"),
            Ok(Format::Ass)
        );
        let e = detect(Some("notes.srt"), "just some words\n").unwrap_err();
        assert!(e.contains("SRT cues"), "{e}");
    }

    #[test]
    fn binary_is_refused_and_legacy_encodings_read() {
        assert!(decode(b"\x00\x01\x02PNG").is_err());
        assert!(decode(b"hello\x07there").is_err());
        assert_eq!(decode(b"caf\xe9").unwrap(), "café");
        assert_eq!(decode(b"\xEF\xBB\xBFWEBVTT").unwrap(), "WEBVTT");
        assert_eq!(decode(&[0xFF, 0xFE, b'h', 0, b'i', 0]).unwrap(), "hi");
    }

    #[test]
    fn the_input_is_one_file_read_by_its_own_demuxer() {
        let a = convert_args(Path::new("/d/-x.srt"), Path::new("/d/out.vtt"), Format::Srt);
        let at = |k: &str| a.iter().position(|x| x == k).map(|i| a[i + 1].as_str());
        assert_eq!(at("-protocol_whitelist"), Some("file"));
        assert_eq!(at("-format_whitelist"), Some("srt"));
        assert_eq!(at("-i"), Some("file:/d/-x.srt"));
        assert_eq!(a.last().map(String::as_str), Some("file:/d/out.vtt"));
    }
}
