//! Where a media's frames sit in source timecode: frame 0 is its `start_timecode` (or
//! 00:00:00:00), at its own rate. Frames stay the stored truth; labels are derived.

use crate::db::models::Media;
use dailies_protocol::timecode::{counts_drop_frame, frame_to_timecode_counted, nominal_rate, parse_timecode_counted};
use dailies_protocol::Rational;

/// The rate used for media without one (stills, audio): timecode still needs a base.
pub const FALLBACK_FPS: Rational = Rational { num: 25, den: 1 };

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub fps: Rational,
    /// The timecode label count of frame 0 (90000 for 01:00:00:00 at 25 fps).
    pub start: i64,
    /// Counted drop-frame: at 29.97 and 59.94 unless the source's timecode says NDF.
    pub drop: bool,
}

impl Clock {
    pub fn new(fps: Option<Rational>, start_timecode: Option<&str>) -> Clock {
        let fps = fps.filter(|f| nominal_rate(*f).is_ok()).unwrap_or(FALLBACK_FPS);
        let drop = counts_drop_frame(fps, start_timecode);
        let start = start_timecode
            .and_then(|t| parse_timecode_counted(t, fps, drop).ok())
            .unwrap_or(0);
        Clock { fps, start, drop }
    }

    pub fn of(m: &Media) -> Clock {
        Clock::new(m.fps(), m.start_timecode.as_deref())
    }

    pub fn drop_frame(&self) -> bool {
        self.drop
    }

    /// The same media counted drop-frame or not (an EDL's FCM line decides how its timecodes
    /// count); drop-frame only where the rate can drop.
    pub fn counted(&self, drop: bool) -> Clock {
        let drop = drop && dailies_protocol::timecode::is_drop_frame(self.fps);
        if drop == self.drop {
            return *self;
        }
        let label = frame_to_timecode_counted(self.start, self.fps, self.drop).map(|t| t.to_string());
        let start = label
            .ok()
            .and_then(|l| parse_timecode_counted(&l, self.fps, drop).ok())
            .unwrap_or(0);
        Clock {
            fps: self.fps,
            start,
            drop,
        }
    }

    /// Whole frames per timecode second (24 at 23.976).
    pub fn nominal(&self) -> u32 {
        nominal_rate(self.fps).unwrap_or(25)
    }

    /// The source timecode of a media frame, as the rate counts it.
    pub fn label(&self, frame: i64) -> String {
        frame_to_timecode_counted(self.start + frame.max(0), self.fps, self.drop)
            .map(|t| t.to_string())
            .unwrap_or_default()
    }

    /// The same label with `:` throughout, as CMX3600 locators and Avid marker lists write
    /// it (the list's FCM line says whether it counts drop-frame).
    pub fn label_colons(&self, frame: i64) -> String {
        self.label(frame).replace(';', ":")
    }

    /// The media frame a source timecode names; None before frame 0 or unreadable.
    pub fn frame_of(&self, timecode: &str) -> Result<i64, String> {
        let n = parse_timecode_counted(timecode, self.fps, self.drop).map_err(|e| e.to_string())?;
        Ok(n - self.start)
    }

    /// Seconds from the start of the media.
    pub fn seconds(&self, frame: i64) -> f64 {
        dailies_protocol::timecode::frame_to_seconds(frame, self.fps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_map_through_the_start_timecode() {
        let c = Clock::new(Some(Rational { num: 25, den: 1 }), Some("01:00:00:00"));
        assert_eq!(c.label(5), "01:00:00:05");
        assert_eq!(c.frame_of("01:00:01:00"), Ok(25));
        assert_eq!(c.frame_of("00:59:59:24"), Ok(-1));
        let df = Clock::new(Some(Rational { num: 30000, den: 1001 }), Some("00:59:59;28"));
        assert_eq!(df.label(2), "01:00:00;00");
        assert_eq!(df.label_colons(2), "01:00:00:00");
        let ndf = Clock::new(Some(Rational { num: 30000, den: 1001 }), Some("01:00:00:00"));
        assert!(!ndf.drop_frame());
        assert_eq!(ndf.label(1800), "01:01:00:00");
        assert_eq!(ndf.frame_of("01:01:00:00"), Ok(1800));
        assert!(Clock::new(Some(Rational { num: 30000, den: 1001 }), None).drop_frame());
        // The same start read by a drop-frame list: 01:00:00;00 is the same label.
        let as_df = ndf.counted(true);
        assert_eq!((as_df.label(0), as_df.drop_frame()), ("01:00:00;00".to_string(), true));
        assert_eq!(ndf.counted(false), ndf);
        assert_eq!(c.counted(true), c, "25 fps never drops");
        let none = Clock::new(None, None);
        assert_eq!(none.label(30), "00:00:01:05");
    }
}
