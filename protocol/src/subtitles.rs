//! Subtitle tracks of a media file and the cue a comment can be linked to. Tracks are
//! served as WebVTT with their offset applied; times on the wire are milliseconds.

use crate::ids::MediaId;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The longest cue text a comment keeps of the cue it is linked to.
pub const MAX_CUE_TEXT_LEN: usize = 1_000;

/// Where a track came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SubtitleSource {
    /// Uploaded as a file (SRT, WebVTT, SSA/ASS), converted to WebVTT.
    Upload,
    /// A text subtitle stream of the uploaded media, extracted at ingest.
    Embedded,
}

impl SubtitleSource {
    pub fn as_str(self) -> &'static str {
        match self {
            SubtitleSource::Upload => "upload",
            SubtitleSource::Embedded => "embedded",
        }
    }

    pub fn parse(s: &str) -> Option<SubtitleSource> {
        match s {
            "upload" => Some(SubtitleSource::Upload),
            "embedded" => Some(SubtitleSource::Embedded),
            _ => None,
        }
    }
}

/// One subtitle track of a media file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SubtitleTrack {
    #[ts(type = "number")]
    pub id: i64,
    pub media_id: MediaId,
    pub title: String,
    /// A BCP 47 or ISO 639 language tag ("en", "fra"), as given or as the source tagged it.
    pub language: Option<String>,
    /// Added to every cue's times when the track is served (negative: earlier).
    #[ts(type = "number")]
    pub offset_ms: i64,
    /// Shown when the player opens; at most one track of a media is the default.
    pub is_default: bool,
    pub source: SubtitleSource,
    /// The WebVTT, offset applied, for users; guests use `/api/guest/media/{id}/subtitles/{sid}/vtt`.
    pub vtt_url: String,
    pub created_at: String,
}

/// A change to a track: only the fields given change; `default: true` clears the others'.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SubtitleTrackEdit {
    #[serde(default)]
    #[ts(optional)]
    pub title: Option<String>,
    /// An empty string clears the language.
    #[serde(default)]
    #[ts(optional)]
    pub language: Option<String>,
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub offset_ms: Option<i64>,
    #[serde(default)]
    #[ts(optional)]
    pub default: Option<bool>,
}

/// The subtitle cue shown when a comment was written: its track, its times as shown (the
/// track's offset applied) and its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SubtitleCue {
    #[ts(type = "number")]
    pub track_id: i64,
    #[ts(type = "number")]
    pub start_ms: i64,
    #[ts(type = "number")]
    pub end_ms: i64,
    pub text: String,
}

impl SubtitleCue {
    pub fn validate(&self) -> Result<(), String> {
        if self.track_id < 0 {
            return Err("a cue's track id is not negative".into());
        }
        if self.start_ms < 0 || self.end_ms < self.start_ms {
            return Err("a cue's times must satisfy 0 <= start_ms <= end_ms".into());
        }
        let n = self.text.chars().count();
        if n == 0 || n > MAX_CUE_TEXT_LEN {
            return Err(format!("a cue's text holds 1..={MAX_CUE_TEXT_LEN} characters"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_are_bounded() {
        let cue = |start, end, text: &str| SubtitleCue {
            track_id: 1,
            start_ms: start,
            end_ms: end,
            text: text.into(),
        };
        assert!(cue(0, 10, "hi").validate().is_ok());
        assert!(cue(-1, 10, "hi").validate().is_err());
        assert!(cue(20, 10, "hi").validate().is_err());
        assert!(cue(0, 10, "").validate().is_err());
        assert!(cue(0, 10, &"x".repeat(MAX_CUE_TEXT_LEN + 1)).validate().is_err());
    }
}
