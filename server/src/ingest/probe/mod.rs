//! ffprobe/mediainfo: the facts Dailies keeps about a media file, and why a file is refused.
//! `parse` turns the tools' output into facts (pure); `run` spawns the tools; `formats` says what may be read.

pub mod formats;
mod parse;
mod run;

use dailies_protocol::{MediaKind, Rational};
use serde::{Deserialize, Serialize};
use std::io;
use std::time::Duration;

pub use parse::{apply_mediainfo, browser_playable, checked_timecode, parse_ffprobe, subtitle_stream, MP4_FAMILY};
pub(crate) use run::run_with_timeout;
pub use run::{
    container_duration, decode_check, probe_facts, probe_known, probe_sequence, run_probe, run_raw, Known, RawOutput,
    PROBE_TIMEOUT,
};

/// The facts about a media file that decide how it is processed and shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub kind: MediaKind,
    /// ffprobe's `format_name`, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "matroska,webm".
    pub container: String,
    /// Seconds.
    pub duration: Option<f64>,
    /// Exact, reduced frame rate (30000/1001, never 29.97).
    pub fps: Option<Rational>,
    pub frame_count: Option<i64>,
    /// True when `frame_count` is duration × fps rather than a count from the container or mediainfo.
    pub frame_count_estimated: bool,
    /// Displayed size: after rotation (a portrait phone clip is taller than wide) and with
    /// non-square pixels stretched to square ones.
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// Clockwise degrees the decoded picture is turned for display: 0, 90, 180 or 270.
    pub rotation: i32,
    pub video_codec: Option<String>,
    pub video_profile: Option<String>,
    pub pix_fmt: Option<String>,
    pub bit_depth: Option<i32>,
    pub audio_codec: Option<String>,
    pub audio_channels: Option<i32>,
    /// Overall bits per second.
    pub bitrate: Option<i64>,
    pub has_video: bool,
    pub has_audio: bool,
    /// Absolute ffprobe stream indexes, so commands map exactly the streams probed here
    /// (and never a cover-art picture).
    pub video_stream: Option<u32>,
    pub audio_stream: Option<u32>,
    /// Every audio stream in stream order; the first is `audio_stream`.
    #[serde(default)]
    pub audio_streams: Vec<AudioStream>,
    /// "tff" or "bff" when the video is interlaced (ffprobe's field order), else None.
    pub field_order: Option<String>,
    /// The video's colour description as ffprobe names it.
    pub color_transfer: Option<String>,
    pub color_primaries: Option<String>,
    pub color_space: Option<String>,
    pub color_range: Option<String>,
    /// (profile, base layer compatibility id) of a Dolby Vision stream.
    pub dolby_vision: Option<(u32, u32)>,
    /// Set when the input is an unpacked image sequence, read by ffmpeg's image2 demuxer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<crate::ingest::sequence::SequenceInput>,
    /// The start timecode the source states (format, video stream or tmcd track tags).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_timecode: Option<String>,
    /// Every subtitle stream, text or bitmap, in stream order.
    #[serde(default)]
    pub subtitle_streams: Vec<SubtitleStream>,
    /// The original's size in bytes, when the probe measured it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<u64>,
}

/// One subtitle stream of the source, as ffprobe describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubtitleStream {
    /// Absolute ffprobe stream index.
    pub index: u32,
    /// "subrip", "ass", "mov_text", "webvtt", "hdmv_pgs_subtitle", …
    pub codec: Option<String>,
    pub language: Option<String>,
    pub title: Option<String>,
    /// The stream's `default` disposition.
    pub is_default: bool,
}

impl SubtitleStream {
    /// Text subtitles, which convert to WebVTT; bitmap ones (PGS, DVD, DVB) do not.
    pub fn is_text(&self) -> bool {
        matches!(
            self.codec.as_deref(),
            Some("subrip" | "srt" | "ass" | "ssa" | "mov_text" | "webvtt" | "text")
        )
    }
}

/// One audio stream of the source, as ffprobe describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioStream {
    /// Absolute ffprobe stream index.
    pub index: u32,
    pub codec: Option<String>,
    pub channels: Option<i32>,
    /// ffmpeg's name of the layout: "stereo", "5.1(side)", "FL+FR+LFE", …
    pub channel_layout: Option<String>,
    /// The `language` tag (ISO 639-2, e.g. "eng"); "und" counts as none.
    pub language: Option<String>,
    /// The `title` tag, or in MOV/MP4 a handler name that is not a tool's generic one.
    pub title: Option<String>,
}

/// How an HDR source's light is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// SMPTE ST 2084 (HDR10, Dolby Vision profile 8.1).
    Pq,
    /// ARIB STD-B67 (phones, broadcast; Dolby Vision profile 8.4).
    Hlg,
}

impl Transfer {
    pub fn as_str(self) -> &'static str {
        match self {
            Transfer::Pq => "pq",
            Transfer::Hlg => "hlg",
        }
    }

    /// zscale's name of the transfer.
    pub fn zscale(self) -> &'static str {
        match self {
            Transfer::Pq => "smpte2084",
            Transfer::Hlg => "arib-std-b67",
        }
    }
}

impl Probe {
    /// The transfer of an HDR video: from its colour description, or a Dolby Vision base
    /// layer that says it is HDR10 (compatibility id 1) or HLG (4). None for SDR.
    pub fn hdr(&self) -> Option<Transfer> {
        match self.color_transfer.as_deref() {
            Some("smpte2084") => return Some(Transfer::Pq),
            Some("arib-std-b67") => return Some(Transfer::Hlg),
            _ => {}
        }
        match self.dolby_vision {
            Some((_, 1)) => Some(Transfer::Pq),
            Some((_, 4)) => Some(Transfer::Hlg),
            _ => None,
        }
    }

    /// What the media object says of an HDR source.
    pub fn hdr_source(&self) -> Option<dailies_protocol::HdrSource> {
        let t = self.hdr()?;
        Some(dailies_protocol::HdrSource {
            transfer: t.as_str().into(),
            primaries: self.color_primaries.clone(),
            dolby_vision_profile: self.dolby_vision.map(|(p, _)| p),
        })
    }

    /// The demuxer later ffmpeg runs are told to use (`-f`), so they read the file exactly as
    /// the probe did; None when the probed container is not one Dailies reads.
    pub fn demuxer(&self) -> Option<&'static str> {
        formats::media_demuxer(&self.container)
    }

    /// What goes before `-i` when ffmpeg reads this input: the whitelists and the probed
    /// demuxer, or for an image sequence the image2 reader at its frame rate (stopping at
    /// the first frame that does not decode, so a damaged frame fails the job).
    pub fn input_options(&self) -> Vec<String> {
        match &self.sequence {
            Some(s) => {
                let mut a = vec!["-xerror".to_owned()];
                a.extend(formats::sequence_input_options(s, 0));
                a
            }
            None => formats::input_options(self.demuxer()),
        }
    }
}

/// Why a file cannot be taken in. The Display text is shown to the uploader as is.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("the file is empty")]
    Empty,
    #[error("the file could not be opened: {0}")]
    Unreadable(#[source] io::Error),
    #[error("this is not a video, audio or image file ffprobe can read")]
    NotMedia { stderr: String },
    #[error(
        "this is {what}, a list that points at other files, not a media file; playlists are not accepted, upload the media file itself"
    )]
    Playlist { what: &'static str, stderr: String },
    #[error("the file seems truncated or damaged: {detail}")]
    Damaged { detail: String, stderr: String },
    #[error("{tool} is not installed")]
    ToolMissing { tool: &'static str },
    #[error("{tool} could not be started: {source}")]
    ToolFailed {
        tool: &'static str,
        #[source]
        source: io::Error,
    },
    #[error(
        "{tool} crashed (signal {signal}) while reading the file; this is a server problem, not necessarily the file's"
    )]
    Crashed { tool: &'static str, signal: i32 },
    #[error("reading the file took longer than {} seconds, so it was given up", .after.as_secs())]
    Timeout { tool: &'static str, after: Duration },
    #[error("ffprobe gave an answer Dailies does not understand: {detail}")]
    BadOutput { detail: String },
}

impl ProbeError {
    /// What the tool printed, for the server log; the Display text stays short and readable.
    pub fn stderr(&self) -> Option<&str> {
        match self {
            ProbeError::NotMedia { stderr }
            | ProbeError::Damaged { stderr, .. }
            | ProbeError::Playlist { stderr, .. } => Some(stderr),
            _ => None,
        }
    }

    /// Whether the server, not the file, is the likely cause, so another attempt may succeed:
    /// a tool that is missing, cannot be started or crashed. The file's own faults, and a
    /// timeout (a pathological file is likelier than a hung mount, and three more minutes of a
    /// worker would be spent finding out), are final.
    pub fn is_transient(&self) -> bool {
        match self {
            ProbeError::ToolMissing { .. } | ProbeError::ToolFailed { .. } | ProbeError::Crashed { .. } => true,
            ProbeError::Empty
            | ProbeError::Unreadable(_)
            | ProbeError::NotMedia { .. }
            | ProbeError::Playlist { .. }
            | ProbeError::Damaged { .. }
            | ProbeError::Timeout { .. }
            | ProbeError::BadOutput { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_problems_are_transient_and_file_problems_final() {
        let transient = [
            ProbeError::ToolMissing { tool: "ffprobe" },
            ProbeError::ToolMissing { tool: "ffmpeg" },
            ProbeError::ToolFailed {
                tool: "ffprobe",
                source: io::Error::from(io::ErrorKind::WouldBlock),
            },
            ProbeError::Crashed {
                tool: "ffprobe",
                signal: 11,
            },
        ];
        for e in &transient {
            assert!(e.is_transient(), "{e}");
        }
        let last = [
            ProbeError::Empty,
            ProbeError::Unreadable(io::Error::from(io::ErrorKind::NotFound)),
            ProbeError::NotMedia { stderr: String::new() },
            ProbeError::Playlist {
                what: "an HLS playlist",
                stderr: String::new(),
            },
            ProbeError::Damaged {
                detail: "x".into(),
                stderr: String::new(),
            },
            ProbeError::Timeout {
                tool: "ffprobe",
                after: PROBE_TIMEOUT,
            },
            ProbeError::BadOutput { detail: "x".into() },
        ];
        for e in &last {
            assert!(!e.is_transient(), "{e}");
        }
    }

    #[test]
    fn playlists_are_refused_in_words() {
        let e = ProbeError::Playlist {
            what: "an HLS playlist",
            stderr: "[hls @ 0x1] Format not on whitelist".into(),
        };
        assert_eq!(
            e.to_string(),
            "this is an HLS playlist, a list that points at other files, not a media file; playlists are not accepted, upload the media file itself"
        );
        assert!(e.stderr().unwrap().contains("whitelist"));
    }
}
