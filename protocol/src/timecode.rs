//! Frames and SMPTE timecode: positions are integer frames at a rational frame rate;
//! timecode (drop-frame at 29.97 and 59.94) is derived for display and parsed back.

use crate::media::Rational;
use std::fmt;

/// Lowest frame rate that timecode is counted for, in frames per second.
pub const MIN_FPS: i64 = 1;
/// Highest frame rate accepted anywhere in this module, in frames per second.
pub const MAX_FPS: i64 = 1000;
/// Longest timecode string `parse_timecode` looks at (after trimming whitespace).
/// The longest valid one, `4294967295:59:59:999`, has 20 characters.
const MAX_INPUT_LEN: usize = 24;
/// Most digits an hours field may have (`u32::MAX` has ten).
const MAX_HOUR_DIGITS: usize = 10;

/// A SMPTE timecode label `HH:MM:SS:FF` (`HH:MM:SS;FF` when drop-frame).
///
/// Hours do not wrap at 24: the label of a frame past the first day keeps counting
/// (`24:00:00:00`, `25:00:00:00`, ...), so every frame has exactly one label.
/// `frames` counts up to the nominal rate minus one (29 at 29.97, 119 at 120 fps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timecode {
    pub hours: u32,
    pub minutes: u8,
    pub seconds: u8,
    pub frames: u16,
    /// Counted in drop-frame (29.97 and 59.94 only); shown with `;` before the frames.
    pub drop_frame: bool,
}

impl fmt::Display for Timecode {
    /// At least two digits per field; hours and frames grow past two when needed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sep = if self.drop_frame { ';' } else { ':' };
        write!(
            f,
            "{:02}:{:02}:{:02}{sep}{:02}",
            self.hours, self.minutes, self.seconds, self.frames
        )
    }
}

/// A field of a timecode, as named in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimecodeField {
    Hours,
    Minutes,
    Seconds,
    Frames,
}

impl fmt::Display for TimecodeField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimecodeField::Hours => "hours",
            TimecodeField::Minutes => "minutes",
            TimecodeField::Seconds => "seconds",
            TimecodeField::Frames => "frames",
        })
    }
}

/// Why a frame rate, frame number or timecode was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimecodeError {
    /// Numerator or denominator is zero or negative.
    InvalidRate { num: i64, den: i64 },
    /// The rate is below `MIN_FPS` or above `MAX_FPS` frames per second.
    RateOutOfRange { num: i64, den: i64 },
    /// Frame numbers start at 0.
    NegativeFrame(i64),
    /// The frame is so far out that its hours do not fit a timecode.
    FrameTooLarge(i64),
    /// The text starts with a minus sign.
    NegativeTimecode,
    /// Nothing but whitespace.
    Empty,
    /// Longer than any valid timecode; the length is in bytes.
    TooLong(usize),
    /// Not shaped like `HH:MM:SS:FF`; says what is wrong.
    Malformed(&'static str),
    /// A field is at or above its limit (60 for minutes and seconds, the nominal rate for frames).
    FieldOutOfRange {
        field: TimecodeField,
        value: u64,
        limit: u64,
    },
    /// A frame label that drop-frame counting skips (e.g. `00:01:00;00` at 29.97).
    DroppedFrameNumber { minutes: u8, frames: u16, dropped: u16 },
    /// A `Timecode` whose `drop_frame` flag disagrees with the rate it is converted at.
    DropFrameMismatch { drop_frame: bool, num: i64, den: i64 },
}

impl fmt::Display for TimecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimecodeError::InvalidRate { num, den } => {
                write!(
                    f,
                    "invalid frame rate {num}/{den}: numerator and denominator must be positive"
                )
            }
            TimecodeError::RateOutOfRange { num, den } => {
                write!(
                    f,
                    "frame rate {num}/{den} is outside {MIN_FPS}..={MAX_FPS} frames per second"
                )
            }
            TimecodeError::NegativeFrame(frame) => write!(f, "frame {frame} is negative: frames start at 0"),
            TimecodeError::FrameTooLarge(frame) => write!(f, "frame {frame} is too large for a timecode"),
            TimecodeError::NegativeTimecode => f.write_str("negative timecode: timecodes start at 00:00:00:00"),
            TimecodeError::Empty => f.write_str("empty timecode: expected HH:MM:SS:FF"),
            TimecodeError::TooLong(len) => {
                write!(
                    f,
                    "timecode is too long ({len} bytes, at most {MAX_INPUT_LEN}): expected HH:MM:SS:FF"
                )
            }
            TimecodeError::Malformed(why) => write!(f, "malformed timecode: {why}; expected HH:MM:SS:FF"),
            TimecodeError::FieldOutOfRange { field, value, limit } => {
                write!(f, "{field} {value:02} out of range: must be below {limit}")
            }
            TimecodeError::DroppedFrameNumber {
                minutes,
                frames,
                dropped,
            } => write!(
                f,
                "frame number {frames:02} does not exist at minute {minutes:02} in drop-frame timecode: \
                 frames 00 to {:02} are skipped at the start of every minute not divisible by ten",
                dropped.saturating_sub(1)
            ),
            TimecodeError::DropFrameMismatch { drop_frame, num, den } => {
                let (tc, rate) = if *drop_frame {
                    ("drop-frame", "non-drop")
                } else {
                    ("non-drop", "drop-frame")
                };
                write!(f, "{tc} timecode used at frame rate {num}/{den}, which counts {rate}")
            }
        }
    }
}

impl std::error::Error for TimecodeError {}

/// A validated frame rate: reduced to lowest terms, with its timecode counting.
#[derive(Debug, Clone, Copy)]
struct Rate {
    /// Frames per timecode second.
    nominal: i64,
    /// Frame numbers skipped at the start of each minute not divisible by ten (0 when non-drop).
    drop: i64,
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Rate {
    fn new(fps: Rational) -> Result<Self, TimecodeError> {
        let Rational { num, den } = fps;
        if num <= 0 || den <= 0 {
            return Err(TimecodeError::InvalidRate { num, den });
        }
        // Compare num/den against the bounds without dividing (and without overflow).
        let (n, d) = (num as i128, den as i128);
        if n < MIN_FPS as i128 * d || n > MAX_FPS as i128 * d {
            return Err(TimecodeError::RateOutOfRange { num, den });
        }
        let g = gcd(num, den);
        let (num, den) = (num / g, den / g);
        // round(num / den), halves rounding up; fits i64 because the rate is at most MAX_FPS.
        let nominal = ((2 * num as i128 + den as i128) / (2 * den as i128)) as i64;
        let drop = match (num, den) {
            (30000, 1001) => 2,
            (60000, 1001) => 4,
            _ => 0,
        };
        Ok(Rate { nominal, drop })
    }

    fn is_drop_frame(&self) -> bool {
        self.drop > 0
    }

    /// The rate counted non-drop when `drop_frame` is false (a 29.97 source whose timecode
    /// track says NDF); `true` keeps the rate's own counting.
    fn counted(fps: Rational, drop_frame: bool) -> Result<Self, TimecodeError> {
        let mut r = Rate::new(fps)?;
        if !drop_frame {
            r.drop = 0;
        }
        Ok(r)
    }
}

/// Whether a media's timecode counts drop-frame: only at 29.97 and 59.94, and there unless
/// the source's own start timecode says non-drop by writing `:` before its frames
/// (`01:00:00:00`; drop-frame sources write `;`, some `.` or `,`). A source that states no
/// timecode counts as its rate does.
pub fn counts_drop_frame(fps: Rational, stated: Option<&str>) -> bool {
    if !is_drop_frame(fps) {
        return false;
    }
    let Some(s) = stated.map(str::trim).filter(|s| !s.is_empty()) else {
        return true;
    };
    s.chars().rev().find(|c| !c.is_ascii_digit()) != Some(':')
}

/// `frame_to_timecode`, counted non-drop when `drop_frame` is false at 29.97 or 59.94 (the
/// labels then run on with `:` and drift from the clock by 3.6 s an hour, as NDF does).
pub fn frame_to_timecode_counted(frame: i64, fps: Rational, drop_frame: bool) -> Result<Timecode, TimecodeError> {
    if drop_frame || !is_drop_frame(fps) {
        return frame_to_timecode(frame, fps);
    }
    let rate = Rate::counted(fps, false)?;
    if frame < 0 {
        return Err(TimecodeError::NegativeFrame(frame));
    }
    let n = rate.nominal as i128;
    let label = frame as i128;
    let per_hour = 3600 * n;
    let hours = u32::try_from(label / per_hour).map_err(|_| TimecodeError::FrameTooLarge(frame))?;
    let rest = label % per_hour;
    Ok(Timecode {
        hours,
        minutes: (rest / (60 * n)) as u8,
        seconds: (rest / n % 60) as u8,
        frames: (rest % n) as u16,
        drop_frame: false,
    })
}

/// The whole frames per second that timecode counts at this rate: `round(num / den)`
/// (24 at 24000/1001, 30 at 30000/1001, 25 at 25/1).
pub fn nominal_rate(fps: Rational) -> Result<u32, TimecodeError> {
    Ok(Rate::new(fps)?.nominal as u32)
}

/// Whether timecode at this rate is drop-frame: exactly 30000/1001 (29.97) and 60000/1001
/// (59.94), in any equivalent form such as 60000/2002. 23.976 and other rates are non-drop.
pub fn is_drop_frame(fps: Rational) -> bool {
    Rate::new(fps).is_ok_and(|r| r.is_drop_frame())
}

/// The timecode label of `frame` (0-based) at `fps`; drop-frame at 29.97 and 59.94.
///
/// Drop-frame skips the labels `;00` and `;01` (`;00` to `;03` at 59.94) at the start of
/// every minute except minutes 00, 10, 20, ..., so 1800 is `00:01:00;02` at 29.97.
pub fn frame_to_timecode(frame: i64, fps: Rational) -> Result<Timecode, TimecodeError> {
    let rate = Rate::new(fps)?;
    if frame < 0 {
        return Err(TimecodeError::NegativeFrame(frame));
    }
    let n = rate.nominal as i128;
    let mut label = frame as i128;
    if rate.is_drop_frame() {
        let d = rate.drop as i128;
        let per_minute = 60 * n - d; // frames in a minute that drops
        let per_ten_minutes = 600 * n - 9 * d; // frames in ten minutes: nine of them drop
        let tens = label / per_ten_minutes;
        let rem = label % per_ten_minutes;
        // The first minute of each ten keeps all its labels; each later one skips `d`.
        let skipped_minutes = if rem < d { 0 } else { (rem - d) / per_minute };
        label += d * (9 * tens + skipped_minutes);
    }
    let per_hour = 3600 * n;
    let hours = u32::try_from(label / per_hour).map_err(|_| TimecodeError::FrameTooLarge(frame))?;
    let rest = label % per_hour;
    Ok(Timecode {
        hours,
        minutes: (rest / (60 * n)) as u8,
        seconds: (rest / n % 60) as u8,
        frames: (rest % n) as u16,
        drop_frame: rate.is_drop_frame(),
    })
}

/// The frame number that `tc` labels at `fps`.
///
/// Refuses minutes or seconds of 60 and above, frames at or above the nominal rate,
/// labels that drop-frame skips, and a `drop_frame` flag that does not match the rate.
pub fn timecode_to_frame(tc: &Timecode, fps: Rational) -> Result<i64, TimecodeError> {
    let rate = Rate::new(fps)?;
    if tc.drop_frame != rate.is_drop_frame() {
        return Err(TimecodeError::DropFrameMismatch {
            drop_frame: tc.drop_frame,
            num: fps.num,
            den: fps.den,
        });
    }
    fields_to_frame(tc.hours, tc.minutes, tc.seconds, tc.frames, rate)
}

// `u8::is_multiple_of` needs Rust 1.87; the workspace declares rust-version 1.80.
#[allow(clippy::manual_is_multiple_of)]
fn fields_to_frame(hours: u32, minutes: u8, seconds: u8, frames: u16, rate: Rate) -> Result<i64, TimecodeError> {
    let check = |field, value: u64, limit: u64| {
        if value < limit {
            Ok(())
        } else {
            Err(TimecodeError::FieldOutOfRange { field, value, limit })
        }
    };
    check(TimecodeField::Minutes, minutes.into(), 60)?;
    check(TimecodeField::Seconds, seconds.into(), 60)?;
    check(TimecodeField::Frames, frames.into(), rate.nominal as u64)?;
    let d = rate.drop;
    if d > 0 && seconds == 0 && minutes % 10 != 0 && i64::from(frames) < d {
        return Err(TimecodeError::DroppedFrameNumber {
            minutes,
            frames,
            dropped: d as u16,
        });
    }
    // At most u32::MAX hours at MAX_FPS: about 1.5e16, well inside i64.
    let n = rate.nominal;
    let total_minutes = 60 * i64::from(hours) + i64::from(minutes);
    let label = (total_minutes * 60 + i64::from(seconds)) * n + i64::from(frames);
    Ok(label - d * (total_minutes - total_minutes / 10))
}

/// The frame number of a timecode typed or pasted as text, at `fps`.
///
/// Accepts `H:MM:SS:FF` with one or more hour digits, two minute and second digits and two
/// or three frame digits; the last separator may be `:`, `;`, `.` or `,` (tools differ).
/// Whitespace around the timecode is ignored. The rate alone decides whether counting is
/// drop-frame, whatever the separator, so `00:01:00:00` is refused at 29.97 like
/// `00:01:00;00` is.
pub fn parse_timecode(s: &str, fps: Rational) -> Result<i64, TimecodeError> {
    parse_timecode_counted(s, fps, true)
}

/// `parse_timecode`, counted non-drop when `drop_frame` is false (whatever the separator),
/// for a 29.97 or 59.94 media whose source timecode is NDF.
pub fn parse_timecode_counted(s: &str, fps: Rational, drop_frame: bool) -> Result<i64, TimecodeError> {
    let rate = Rate::counted(fps, drop_frame)?;
    let s = s.trim();
    if s.is_empty() {
        return Err(TimecodeError::Empty);
    }
    if s.len() > MAX_INPUT_LEN {
        return Err(TimecodeError::TooLong(s.len()));
    }
    if s.starts_with('-') {
        return Err(TimecodeError::NegativeTimecode);
    }

    let mut fields: Vec<&str> = Vec::with_capacity(4);
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c.is_ascii_digit() {
            continue;
        }
        let last = fields.len() == 2;
        match c {
            ':' => {}
            ';' | '.' | ',' if last => {}
            ';' | '.' | ',' => {
                return Err(TimecodeError::Malformed(
                    "only the last separator may be ';', '.' or ','",
                ))
            }
            _ => return Err(TimecodeError::Malformed("unexpected character")),
        }
        if fields.len() == 3 {
            return Err(TimecodeError::Malformed("too many fields"));
        }
        fields.push(&s[start..i]);
        start = i + 1;
    }
    fields.push(&s[start..]);
    let [hh, mm, ss, ff] = fields[..] else {
        return Err(TimecodeError::Malformed("too few fields"));
    };

    if hh.is_empty() || hh.len() > MAX_HOUR_DIGITS {
        return Err(TimecodeError::Malformed("hours need 1 to 10 digits"));
    }
    if mm.len() != 2 {
        return Err(TimecodeError::Malformed("minutes need 2 digits"));
    }
    if ss.len() != 2 {
        return Err(TimecodeError::Malformed("seconds need 2 digits"));
    }
    if !(2..=3).contains(&ff.len()) {
        return Err(TimecodeError::Malformed("frames need 2 or 3 digits"));
    }
    // Fields are ASCII digits only, at most ten of them: this cannot overflow u64.
    let number = |digits: &str| digits.bytes().fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    let hours = number(hh);
    let hours = u32::try_from(hours).map_err(|_| TimecodeError::FieldOutOfRange {
        field: TimecodeField::Hours,
        value: hours,
        limit: u64::from(u32::MAX) + 1,
    })?;
    // Two- and three-digit fields fit their types; range checks happen in fields_to_frame.
    fields_to_frame(hours, number(mm) as u8, number(ss) as u8, number(ff) as u16, rate)
}

/// The presentation time of `frame` in seconds: `frame * den / num`, computed exactly in
/// integers and rounded once by a single division. An invalid rate (zero or negative
/// numerator or denominator) gives 0.0.
pub fn frame_to_seconds(frame: i64, fps: Rational) -> f64 {
    if fps.num <= 0 || fps.den <= 0 {
        return 0.0;
    }
    (frame as i128 * fps.den as i128) as f64 / fps.num as f64
}

/// The frame on screen at `secs`: `floor(secs * num / den)`, nudged up by a tiny epsilon
/// (a millionth of a frame, more for very large frame numbers) so that the presentation
/// time of frame n maps back to n despite floating-point error. Negative times and NaN
/// give frame 0, an invalid rate gives 0, and huge times saturate at `i64::MAX`.
pub fn seconds_to_frame(secs: f64, fps: Rational) -> i64 {
    if fps.num <= 0 || fps.den <= 0 || secs.is_nan() || secs <= 0.0 {
        return 0;
    }
    let frames = secs * fps.num as f64 / fps.den as f64;
    // Float error in `frames` is a few ulps, i.e. relative ~1e-15; stay well above it.
    let epsilon = (frames * 1e-12).max(1e-6);
    (frames + epsilon).floor() as i64
}

#[cfg(test)]
mod counted_tests {
    use super::*;

    const NTSC: Rational = Rational { num: 30000, den: 1001 };

    #[test]
    fn a_non_drop_source_at_29_97_counts_non_drop() {
        assert!(counts_drop_frame(NTSC, None));
        assert!(counts_drop_frame(NTSC, Some("01:00:00;00")));
        assert!(counts_drop_frame(NTSC, Some("01:00:00.00")));
        assert!(!counts_drop_frame(NTSC, Some("01:00:00:00")));
        assert!(!counts_drop_frame(Rational { num: 25, den: 1 }, Some("01:00:00;00")));
        // A minute in: drop-frame skips ;00 and ;01, non-drop does not.
        assert_eq!(
            frame_to_timecode_counted(1800, NTSC, true).unwrap().to_string(),
            "00:01:00;02"
        );
        assert_eq!(
            frame_to_timecode_counted(1800, NTSC, false).unwrap().to_string(),
            "00:01:00:00"
        );
        assert_eq!(parse_timecode_counted("00:01:00:00", NTSC, false), Ok(1800));
        assert!(parse_timecode_counted("00:01:00:00", NTSC, true).is_err());
        assert_eq!(parse_timecode_counted("01:00:00:00", NTSC, false), Ok(108_000));
        assert_eq!(parse_timecode("01:00:00;00", NTSC), Ok(107_892));
        // Non-drop at a rate that never drops is the plain count.
        let pal = Rational { num: 25, den: 1 };
        assert_eq!(
            frame_to_timecode_counted(90_000, pal, false),
            frame_to_timecode(90_000, pal)
        );
        for f in [0, 1, 1799, 1800, 17_982, 107_999, 108_000] {
            let t = frame_to_timecode_counted(f, NTSC, false).unwrap().to_string();
            assert_eq!(parse_timecode_counted(&t, NTSC, false), Ok(f), "{t}");
        }
    }
}

#[cfg(test)]
#[allow(clippy::manual_is_multiple_of)] // see fields_to_frame
mod tests {
    use super::*;

    const DF2997: Rational = Rational { num: 30000, den: 1001 };
    const DF5994: Rational = Rational { num: 60000, den: 1001 };
    const R23976: Rational = Rational { num: 24000, den: 1001 };
    const R24: Rational = Rational { num: 24, den: 1 };
    const R25: Rational = Rational { num: 25, den: 1 };
    const R50: Rational = Rational { num: 50, den: 1 };

    fn parse(s: &str, fps: Rational) -> i64 {
        parse_timecode(s, fps).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// Converts both ways and checks the struct and its text round-trip.
    fn assert_pair(frame: i64, fps: Rational, text: &str) {
        let t = frame_to_timecode(frame, fps).unwrap();
        assert_eq!(t.to_string(), text, "frame {frame} at {}/{}", fps.num, fps.den);
        assert_eq!(timecode_to_frame(&t, fps), Ok(frame), "{text}");
        assert_eq!(parse_timecode(text, fps), Ok(frame), "{text}");
    }

    #[test]
    fn nominal_rates_and_drop_frame() {
        let cases = [
            ((24000, 1001), 24, false),
            ((30000, 1001), 30, true),
            ((60000, 1001), 60, true),
            ((60000, 2002), 30, true),
            ((120000, 2002), 60, true),
            ((48000, 1001), 48, false),
            ((120000, 1001), 120, false),
            ((24, 1), 24, false),
            ((25, 1), 25, false),
            ((30, 1), 30, false),
            ((48, 1), 48, false),
            ((50, 1), 50, false),
            ((60, 1), 60, false),
            ((120, 1), 120, false),
            ((25, 2), 13, false),
            ((1000, 1), 1000, false),
            ((1, 1), 1, false),
        ];
        for ((num, den), nominal, df) in cases {
            let fps = Rational { num, den };
            assert_eq!(nominal_rate(fps), Ok(nominal), "{num}/{den}");
            assert_eq!(is_drop_frame(fps), df, "{num}/{den}");
        }
    }

    #[test]
    fn rejects_bad_rates() {
        for (num, den) in [(0, 1), (30, 0), (-30, 1), (30, -1), (0, 0), (i64::MIN, -1)] {
            let fps = Rational { num, den };
            assert_eq!(frame_to_timecode(0, fps), Err(TimecodeError::InvalidRate { num, den }));
            assert_eq!(
                parse_timecode("00:00:00:00", fps),
                Err(TimecodeError::InvalidRate { num, den })
            );
            assert_eq!(frame_to_seconds(10, fps), 0.0);
            assert_eq!(seconds_to_frame(1.0, fps), 0);
        }
        for (num, den) in [(1001, 1), (1, 2), (999, 1000), (i64::MAX, 1), (1, i64::MAX)] {
            let fps = Rational { num, den };
            assert_eq!(
                frame_to_timecode(0, fps),
                Err(TimecodeError::RateOutOfRange { num, den })
            );
        }
        assert!(!is_drop_frame(Rational { num: 0, den: 0 }));
        let msg = frame_to_timecode(0, Rational { num: 30, den: 0 })
            .unwrap_err()
            .to_string();
        assert!(msg.contains("30/0"), "{msg}");
    }

    #[test]
    fn frame_zero() {
        for (fps, text) in [
            (DF2997, "00:00:00;00"),
            (DF5994, "00:00:00;00"),
            (R23976, "00:00:00:00"),
            (R25, "00:00:00:00"),
        ] {
            assert_pair(0, fps, text);
        }
    }

    #[test]
    fn hour_boundaries() {
        // Non-drop: an hour is exactly 3600 * nominal frames.
        assert_pair(86_399, R24, "00:59:59:23");
        assert_pair(86_400, R24, "01:00:00:00");
        assert_pair(86_399, R23976, "00:59:59:23");
        assert_pair(86_400, R23976, "01:00:00:00");
        assert_pair(89_999, R25, "00:59:59:24");
        assert_pair(90_000, R25, "01:00:00:00");
        assert_pair(179_999, R50, "00:59:59:49");
        assert_pair(180_000, R50, "01:00:00:00");
        // Drop-frame: an hour is six ten-minute blocks of 17982 (35964) frames.
        assert_pair(107_891, DF2997, "00:59:59;29");
        assert_pair(107_892, DF2997, "01:00:00;00");
        assert_pair(215_783, DF5994, "00:59:59;59");
        assert_pair(215_784, DF5994, "01:00:00;00");
    }

    #[test]
    fn drop_frame_minute_boundaries_2997() {
        assert_pair(1, DF2997, "00:00:00;01");
        assert_pair(2, DF2997, "00:00:00;02");
        assert_pair(1799, DF2997, "00:00:59;29");
        assert_pair(1800, DF2997, "00:01:00;02");
        assert_pair(1801, DF2997, "00:01:00;03");
        assert_pair(3597, DF2997, "00:01:59;29");
        assert_pair(3598, DF2997, "00:02:00;02");
        assert_pair(16_183, DF2997, "00:08:59;29");
        assert_pair(16_184, DF2997, "00:09:00;02");
        assert_pair(17_981, DF2997, "00:09:59;29");
        assert_pair(17_982, DF2997, "00:10:00;00");
        assert_pair(17_983, DF2997, "00:10:00;01");
        assert_pair(19_781, DF2997, "00:10:59;29");
        assert_pair(19_782, DF2997, "00:11:00;02");
    }

    #[test]
    fn drop_frame_minute_boundaries_5994() {
        assert_pair(3, DF5994, "00:00:00;03");
        assert_pair(4, DF5994, "00:00:00;04");
        assert_pair(3599, DF5994, "00:00:59;59");
        assert_pair(3600, DF5994, "00:01:00;04");
        assert_pair(7195, DF5994, "00:01:59;59");
        assert_pair(7196, DF5994, "00:02:00;04");
        assert_pair(35_963, DF5994, "00:09:59;59");
        assert_pair(35_964, DF5994, "00:10:00;00");
        assert_pair(35_967, DF5994, "00:10:00;03");
        assert_pair(39_563, DF5994, "00:10:59;59");
        assert_pair(39_564, DF5994, "00:11:00;04");
    }

    #[test]
    fn beyond_24_hours() {
        assert_pair(24 * 86_400, R24, "24:00:00:00");
        assert_pair(24 * 86_400 - 1, R24, "23:59:59:23");
        assert_pair(25 * 90_000 + 1, R25, "25:00:00:01");
        assert_pair(24 * 107_892, DF2997, "24:00:00;00");
        assert_pair(24 * 107_892 + 1800, DF2997, "24:01:00;02");
        assert_pair(100 * 107_892 + 17_982, DF2997, "100:10:00;00");
    }

    #[test]
    fn largest_frames() {
        // u32::MAX hours is the last representable hour.
        let last = (u32::MAX as i64 + 1) * 3600 * 25 - 1;
        assert_pair(last, R25, "4294967295:59:59:24");
        assert_eq!(
            frame_to_timecode(last + 1, R25),
            Err(TimecodeError::FrameTooLarge(last + 1))
        );
        assert!(frame_to_timecode(i64::MAX, DF2997).is_err());
        assert!(frame_to_timecode(i64::MAX, Rational { num: 1000, den: 1 }).is_err());
        assert!(frame_to_timecode(i64::MAX, Rational { num: 1, den: 1 }).is_err());
    }

    #[test]
    fn high_frame_rates_use_three_frame_digits() {
        let r120 = Rational { num: 120, den: 1 };
        assert_pair(5, r120, "00:00:00:05");
        assert_pair(119, r120, "00:00:00:119");
        assert_pair(120, r120, "00:00:01:00");
        assert_eq!(parse("00:00:00:005", r120), 5);
    }

    fn round_trip_range(fps: Rational, frames: impl Iterator<Item = i64>) {
        for frame in frames {
            let t = frame_to_timecode(frame, fps).unwrap();
            assert_eq!(timecode_to_frame(&t, fps), Ok(frame), "{t}");
            assert_eq!(parse_timecode(&t.to_string(), fps), Ok(frame), "{t}");
        }
    }

    #[test]
    fn round_trip_first_eleven_minutes_drop_frame() {
        round_trip_range(DF2997, 0..11 * 60 * 30);
        round_trip_range(DF5994, 0..11 * 60 * 60);
    }

    #[test]
    fn round_trip_samples() {
        for fps in [
            R23976,
            R24,
            R25,
            R50,
            Rational { num: 48, den: 1 },
            Rational { num: 25, den: 2 },
        ] {
            round_trip_range(fps, (0..200_000).step_by(7));
            round_trip_range(fps, 10_000_000..10_000_100);
        }
        round_trip_range(DF2997, (0..2_000_000).step_by(13));
        round_trip_range(DF5994, (0..2_000_000).step_by(13));
    }

    #[test]
    fn drop_frame_labels_are_consecutive() {
        // Every label follows the previous one with no gaps other than the dropped ones.
        for (fps, d) in [(DF2997, 2u16), (DF5994, 4)] {
            let n = nominal_rate(fps).unwrap() as u16;
            let mut prev = frame_to_timecode(0, fps).unwrap();
            for frame in 1..25 * 60 * i64::from(n) {
                let t = frame_to_timecode(frame, fps).unwrap();
                if prev.frames + 1 < n {
                    assert_eq!((t.seconds, t.frames), (prev.seconds, prev.frames + 1), "{t}");
                } else if prev.seconds < 59 {
                    assert_eq!((t.seconds, t.frames), (prev.seconds + 1, 0), "{t}");
                } else {
                    let skip = if t.minutes % 10 == 0 { 0 } else { d };
                    assert_eq!((t.seconds, t.frames), (0, skip), "{t}");
                }
                prev = t;
            }
        }
    }

    #[test]
    fn parse_separators_and_whitespace() {
        assert_eq!(parse("00:01:00;02", DF2997), 1800);
        assert_eq!(parse("00:01:00.02", DF2997), 1800);
        assert_eq!(parse("00:01:00,02", DF2997), 1800);
        assert_eq!(parse("00:01:00:02", DF2997), 1800);
        assert_eq!(parse("  00:00:01:00\n", R25), 25);
        assert_eq!(parse("00:00:01;00", R25), 25);
        assert_eq!(parse("1:00:00:00", R25), 90_000);
        assert_eq!(parse("0000000001:00:00:00", R25), 90_000);
    }

    #[test]
    fn parse_rejects_out_of_range_fields() {
        let out = |field, value, limit| Err(TimecodeError::FieldOutOfRange { field, value, limit });
        assert_eq!(parse_timecode("00:00:00:25", R25), out(TimecodeField::Frames, 25, 25));
        assert_eq!(
            parse_timecode("00:00:00;30", DF2997),
            out(TimecodeField::Frames, 30, 30)
        );
        assert_eq!(
            parse_timecode("00:00:00:24", R23976),
            out(TimecodeField::Frames, 24, 24)
        );
        assert_eq!(parse_timecode("00:60:00:00", R25), out(TimecodeField::Minutes, 60, 60));
        assert_eq!(parse_timecode("00:00:60:00", R25), out(TimecodeField::Seconds, 60, 60));
        assert_eq!(parse_timecode("00:99:99:99", R25), out(TimecodeField::Minutes, 99, 60));
        assert_eq!(
            parse_timecode("4294967296:00:00:00", R25),
            out(TimecodeField::Hours, 4_294_967_296, 4_294_967_296)
        );
        let msg = parse_timecode("00:00:00:25", R25).unwrap_err().to_string();
        assert_eq!(msg, "frames 25 out of range: must be below 25");
    }

    #[test]
    fn parse_rejects_dropped_frame_numbers() {
        for (fps, d) in [(DF2997, 2u16), (DF5994, 4)] {
            for minutes in 0..60u8 {
                for frames in 0..d {
                    let text = format!("01:{minutes:02}:00;{frames:02}");
                    let got = parse_timecode(&text, fps);
                    if minutes % 10 == 0 {
                        assert!(got.is_ok(), "{text}");
                    } else {
                        assert_eq!(
                            got,
                            Err(TimecodeError::DroppedFrameNumber {
                                minutes,
                                frames,
                                dropped: d
                            })
                        );
                    }
                }
                // The first label after the dropped ones exists.
                assert!(parse_timecode(&format!("01:{minutes:02}:00;{d:02}"), fps).is_ok());
                // Dropping happens only at second 00.
                assert!(parse_timecode(&format!("01:{minutes:02}:01;00"), fps).is_ok());
            }
        }
        // Non-drop rates with the same nominal keep every label.
        assert_eq!(parse("00:01:00:00", Rational { num: 30, den: 1 }), 1800);
        let msg = parse_timecode("00:01:00;01", DF2997).unwrap_err().to_string();
        assert!(msg.contains("drop-frame") && msg.contains("00 to 01"), "{msg}");
        let msg = parse_timecode("00:01:00;03", DF5994).unwrap_err().to_string();
        assert!(msg.contains("00 to 03"), "{msg}");
    }

    #[test]
    fn parse_rejects_garbage() {
        let malformed = [
            "garbage",
            "00:00:00",
            "00:00:00:00:00",
            "00:00:00;",
            ":00:00:00",
            "00::00:00",
            "0:0:0:0",
            "00:0:00:00",
            "00:00:0:00",
            "00:00:00:0",
            "00:00:00:0000",
            "00;00;00;00",
            "00.00.00.00",
            "00:00:00;;00",
            "00:00:00 00",
            "00:00:00:1a",
            "+0:00:00:00",
            "00:00:00:\u{0661}\u{0662}",
            "0x1:00:00:00",
            "00 : 00 : 00 : 00",
        ];
        for s in malformed {
            match parse_timecode(s, R25) {
                Err(TimecodeError::Malformed(_)) => {}
                other => panic!("{s:?}: {other:?}"),
            }
        }
        assert_eq!(parse_timecode("", R25), Err(TimecodeError::Empty));
        assert_eq!(parse_timecode(" \t ", R25), Err(TimecodeError::Empty));
        assert_eq!(
            parse_timecode("-00:00:01:00", R25),
            Err(TimecodeError::NegativeTimecode)
        );
        assert_eq!(
            parse_timecode("00:00:01:-5", R25),
            Err(TimecodeError::Malformed("unexpected character"))
        );
        let long = "0".repeat(10_000) + ":00:00:00";
        assert_eq!(parse_timecode(&long, R25), Err(TimecodeError::TooLong(long.len())));
        assert_eq!(
            parse_timecode("00000000000:00:00:00", R25),
            Err(TimecodeError::Malformed("hours need 1 to 10 digits"))
        );
        let msg = parse_timecode("garbage", R25).unwrap_err().to_string();
        assert!(msg.starts_with("malformed timecode"), "{msg}");
    }

    #[test]
    fn negative_frames_are_refused() {
        assert_eq!(frame_to_timecode(-1, R25), Err(TimecodeError::NegativeFrame(-1)));
        assert_eq!(
            frame_to_timecode(i64::MIN, DF2997),
            Err(TimecodeError::NegativeFrame(i64::MIN))
        );
    }

    #[test]
    fn timecode_struct_checks() {
        let t = Timecode {
            hours: 0,
            minutes: 1,
            seconds: 0,
            frames: 0,
            drop_frame: true,
        };
        assert_eq!(
            timecode_to_frame(&t, DF2997),
            Err(TimecodeError::DroppedFrameNumber {
                minutes: 1,
                frames: 0,
                dropped: 2
            })
        );
        let t = Timecode {
            hours: 0,
            minutes: 1,
            seconds: 0,
            frames: 2,
            drop_frame: false,
        };
        assert!(matches!(
            timecode_to_frame(&t, DF2997),
            Err(TimecodeError::DropFrameMismatch { .. })
        ));
        let t = Timecode {
            hours: 0,
            minutes: 1,
            seconds: 0,
            frames: 2,
            drop_frame: true,
        };
        assert!(matches!(
            timecode_to_frame(&t, R25),
            Err(TimecodeError::DropFrameMismatch { .. })
        ));
        let t = Timecode {
            hours: 0,
            minutes: 200,
            seconds: 0,
            frames: 0,
            drop_frame: false,
        };
        assert!(matches!(
            timecode_to_frame(&t, R25),
            Err(TimecodeError::FieldOutOfRange { .. })
        ));
        let t = Timecode {
            hours: u32::MAX,
            minutes: 59,
            seconds: 59,
            frames: 999,
            drop_frame: false,
        };
        let max = Rational { num: 1000, den: 1 };
        assert_eq!(timecode_to_frame(&t, max), Ok((u32::MAX as i64 + 1) * 3_600_000 - 1));
        let t = Timecode {
            hours: u32::MAX,
            minutes: 59,
            seconds: 59,
            frames: 59,
            drop_frame: true,
        };
        assert!(timecode_to_frame(&t, DF5994).is_ok());
    }

    #[test]
    fn seconds_of_frames() {
        assert_eq!(frame_to_seconds(0, DF2997), 0.0);
        assert_eq!(frame_to_seconds(30000, DF2997), 1001.0);
        assert_eq!(frame_to_seconds(25, R25), 1.0);
        assert_eq!(frame_to_seconds(1, DF2997), 1001.0 / 30000.0);
        assert_eq!(frame_to_seconds(107_892, DF2997), 107_892.0 * 1001.0 / 30000.0);
        assert_eq!(frame_to_seconds(-30, R25), -1.2);
    }

    #[test]
    fn seconds_to_frame_edges() {
        assert_eq!(seconds_to_frame(-1.0, DF2997), 0);
        assert_eq!(seconds_to_frame(-0.0, DF2997), 0);
        assert_eq!(seconds_to_frame(f64::NAN, DF2997), 0);
        assert_eq!(seconds_to_frame(f64::NEG_INFINITY, DF2997), 0);
        assert_eq!(seconds_to_frame(f64::INFINITY, DF2997), i64::MAX);
        assert_eq!(seconds_to_frame(1001.0, DF2997), 30000);
        assert_eq!(seconds_to_frame(0.04, R25), 1);
        assert_eq!(seconds_to_frame(0.0399, R25), 0);
        // The frame stays on screen until the next one starts.
        assert_eq!(seconds_to_frame(1.0 - 1e-4, R25), 24);
    }

    #[test]
    fn seconds_round_trip_every_frame_of_an_hour() {
        for fps in [DF2997, DF5994, R23976, R25] {
            let num = fps.num as f64;
            let den = fps.den as f64;
            let hour = 3600 * fps.num / fps.den + 2;
            for frame in 0..=hour {
                let t = frame_to_seconds(frame, fps);
                assert_eq!(
                    seconds_to_frame(t, fps),
                    frame,
                    "frame {frame} at {}/{}",
                    fps.num,
                    fps.den
                );
                // Presentation time computed the naive way, as a player might report it.
                let naive = frame as f64 / (num / den);
                assert_eq!(seconds_to_frame(naive, fps), frame, "naive frame {frame}");
                // Halfway to the next frame is still this frame.
                let mid = (frame as f64 + 0.5) * den / num;
                assert_eq!(seconds_to_frame(mid, fps), frame, "mid frame {frame}");
            }
        }
    }
}
