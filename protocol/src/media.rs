//! Media metadata as the client sees it: status, probe facts and the URLs to play it.
//! Frame rates are rational so that frame numbers stay exact (30000/1001, not 29.97).

use crate::ids::{MediaId, UserId};
use crate::sharing::{LinkAccess, ReviewStatus};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Processing state of a media file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MediaStatus {
    Processing,
    Ready,
    Failed,
}

impl MediaStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaStatus::Processing => "processing",
            MediaStatus::Ready => "ready",
            MediaStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "processing" => Some(Self::Processing),
            "ready" => Some(Self::Ready),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// What a media file is, as found by probing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Video,
    Audio,
    Image,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Image => "image",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "video" => Some(Self::Video),
            "audio" => Some(Self::Audio),
            "image" => Some(Self::Image),
            _ => None,
        }
    }
}

/// A rational number, used for frame rates (e.g. 30000/1001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Rational {
    #[ts(type = "number")]
    pub num: i64,
    #[ts(type = "number")]
    pub den: i64,
}

impl Rational {
    pub fn as_f64(self) -> f64 {
        if self.den == 0 {
            0.0
        } else {
            self.num as f64 / self.den as f64
        }
    }
}

/// An HDR source: its transfer (`pq` for SMPTE ST 2084 / HDR10, `hlg` for ARIB STD-B67),
/// primaries as ffprobe names them (e.g. `bt2020`), and the Dolby Vision profile when the
/// stream carries one (its base layer is what is shown). The proxy, posters and sheet are
/// tone mapped to SDR BT.709.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HdrSource {
    pub transfer: String,
    pub primaries: Option<String>,
    pub dolby_vision_profile: Option<u32>,
}

/// One audio track of a media file. Track 1 is the playback file's own sound (`url` null);
/// each further track of the source is a stereo AAC file of its own, which the player plays
/// in time with the muted picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AudioTrack {
    /// 1 for the playback file's sound, then 2, 3… in the source's stream order.
    pub index: u32,
    /// The source's `title` tag.
    pub title: Option<String>,
    /// The source's `language` tag (ISO 639-2, e.g. "eng").
    pub language: Option<String>,
    /// Channels in the source; what is played is down-mixed to stereo.
    pub channels: Option<i32>,
    /// Where the track's own file is served; null for track 1.
    pub url: Option<String>,
}

/// A clip made of numbered image files (DPX, EXR, TIFF, PNG, JPEG): the numbers its file
/// names carried, and the ones missing between the first and the last. A missing frame holds
/// the picture of the frame before it, so every number keeps its place in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImageSequence {
    /// The first and last frame numbers of the file names (e.g. 1001 and 1100).
    #[ts(type = "number")]
    pub first: i64,
    #[ts(type = "number")]
    pub last: i64,
    /// Frame files present.
    #[ts(type = "number")]
    pub frames: i64,
    /// Runs of missing numbers, each `[first, last]`, in order.
    #[ts(type = "Array<[number, number]>")]
    pub missing: Vec<(i64, i64)>,
    /// The image format, e.g. "dpx" or "exr".
    pub format: String,
    /// Where the frame rate came from: "header" (the first frame's own metadata) or
    /// "default" (the server's `transcode.sequence_fps`).
    pub fps_from: String,
}

/// A scrub sprite sheet: tiles left to right, top to bottom; tile `i` shows `times[i]` seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SpriteSheet {
    pub url: String,
    pub columns: u32,
    pub rows: u32,
    pub tile_width: u32,
    pub tile_height: u32,
    pub times: Vec<f64>,
}

/// Everything the client shows about one media file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MediaInfo {
    pub id: MediaId,
    pub title: String,
    pub owner_id: UserId,
    pub status: MediaStatus,
    /// Why processing failed, in words a person understands.
    pub error: Option<String>,
    pub kind: Option<MediaKind>,
    /// Duration in seconds.
    pub duration: Option<f64>,
    /// Frames per second as a decimal, for display; `fps_rational` is exact.
    pub fps: Option<f64>,
    pub fps_rational: Option<Rational>,
    #[ts(type = "number | null")]
    pub frame_count: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub playback_url: Option<String>,
    pub thumb_url: Option<String>,
    pub sheet: Option<SpriteSheet>,
    /// 0.0 ..= 1.0 while processing.
    pub progress: Option<f64>,
    /// RFC 3339.
    pub created_at: String,
    /// Where the media is in its review.
    pub review_status: ReviewStatus,
    /// Who else, signed in, may open it from its link.
    pub link_access: LinkAccess,
    /// The source is interlaced: "tff" (top field first) or "bff"; the proxy is
    /// deinterlaced at the source's frame rate. Left out for progressive sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field_order: Option<String>,
    /// The source is HDR (left out for SDR sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub hdr: Option<HdrSource>,
    /// Every audio track, when the source has more than one (left out otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub audio_tracks: Option<Vec<AudioTrack>>,
    /// The number of the clip's first frame when its source numbers frames (an image
    /// sequence's 1001); frame 0 of the timeline is shown as this number. Left out
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub start_frame: Option<i64>,
    /// The source was an image sequence (left out otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sequence: Option<ImageSequence>,
    /// A scrub proxy beside a browser-ready original whose keyframes are far apart: the
    /// same frames with the configured short keyframe interval, so seeks and steps decode
    /// few frames (left out when there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub scrub_url: Option<String>,
    /// A 10-bit HDR proxy (VP9 profile 2 WebM, the source's own transfer and BT.2020) beside
    /// the SDR one, for HDR displays (left out when there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub hdr_url: Option<String>,
    /// This media's number in its version stack (1 for a media without other versions).
    #[serde(default = "first_version")]
    #[ts(type = "number")]
    pub version: i64,
    /// Every version of its stack, v1 first (this one among them).
    #[serde(default)]
    pub stack: Vec<crate::versions::StackVersion>,
}

fn first_version() -> i64 {
    1
}

/// Stored as its wire name (the server's database keeps statuses as text).
impl From<MediaStatus> for String {
    fn from(s: MediaStatus) -> String {
        s.as_str().to_string()
    }
}

impl TryFrom<String> for MediaStatus {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        MediaStatus::parse(&s).ok_or_else(|| format!("unknown media status {s:?}"))
    }
}
