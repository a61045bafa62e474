//! A user's own display choices on the wire (`/api/me/preferences`), kept with the account.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How positions in a clip are shown. Frames stay the stored truth; this is only a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TimeDisplay {
    /// The clip's own timecode (from its start timecode, else 00:00:00:00).
    #[default]
    Source,
    /// Timecode counted from 00:00:00:00 whatever the source says.
    Zero,
    /// Frame numbers, from `first_frame` (or the source's first number).
    Frames,
    /// Seconds from the start.
    Seconds,
}

impl TimeDisplay {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeDisplay::Source => "source",
            TimeDisplay::Zero => "zero",
            TimeDisplay::Frames => "frames",
            TimeDisplay::Seconds => "seconds",
        }
    }

    pub fn parse(s: &str) -> Option<TimeDisplay> {
        Some(match s {
            "source" => TimeDisplay::Source,
            "zero" => TimeDisplay::Zero,
            "frames" => TimeDisplay::Frames,
            "seconds" => TimeDisplay::Seconds,
            _ => return None,
        })
    }
}

/// The largest first-frame number accepted (frame numbers beyond it are not shot counts).
pub const MAX_FIRST_FRAME: i64 = 100_000_000;

/// `GET /api/me/preferences`; `PUT` takes the same object, every field optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
pub struct Preferences {
    pub time_display: TimeDisplay,
    /// What frame-number display calls the first frame (1001 as VFX shots count); null: the
    /// source's own numbering (0, or an image sequence's first file number).
    #[ts(type = "number | null")]
    pub first_frame: Option<i64>,
}

/// `PUT /api/me/preferences`: what to change; absent fields keep theirs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PreferencesUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub time_display: Option<TimeDisplay>,
    /// A number sets it; `null` goes back to the source's numbering; absent keeps it.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number | null")]
    pub first_frame: Option<Option<i64>>,
}

/// Tells an absent field (None) from an explicit null (Some(None)).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Option<i64>>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
        Option::<i64>::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_tells_null_from_absent() {
        let u: PreferencesUpdate = serde_json::from_str(r#"{"first_frame": null}"#).unwrap();
        assert_eq!(u.first_frame, Some(None));
        let u: PreferencesUpdate = serde_json::from_str(r#"{"time_display": "frames"}"#).unwrap();
        assert_eq!((u.time_display, u.first_frame), (Some(TimeDisplay::Frames), None));
        let u: PreferencesUpdate = serde_json::from_str(r#"{"first_frame": 1001}"#).unwrap();
        assert_eq!(u.first_frame, Some(Some(1001)));
        assert!(serde_json::from_str::<PreferencesUpdate>(r#"{"time_display": "feet"}"#).is_err());
        assert!(serde_json::from_str::<PreferencesUpdate>(r#"{"colour": 1}"#).is_err());
        for d in [
            TimeDisplay::Source,
            TimeDisplay::Zero,
            TimeDisplay::Frames,
            TimeDisplay::Seconds,
        ] {
            assert_eq!(TimeDisplay::parse(d.as_str()), Some(d));
        }
    }
}
