//! Reading a CMX3600 EDL into notes: each `* LOC:` locator becomes a comment at its record
//! timecode, mapped through the media's start timecode; an event without locators becomes
//! one at its record in, named by its `* FROM CLIP NAME`. Pure: the preview shows the
//! result before anything is added.

use super::Clock;
use serde::Serialize;

/// Largest EDL accepted, in bytes.
pub const MAX_EDL_BYTES: usize = 1 << 20;
/// Most notes one EDL may make.
pub const MAX_NOTES: usize = 5000;

/// One note the EDL would add.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdlNote {
    /// The media frame it lands on.
    pub frame: i64,
    /// Last frame of an event's range (None for a locator).
    pub end_frame: Option<i64>,
    /// The record timecode as written in the EDL.
    pub timecode: String,
    pub text: String,
    /// The locator's colour (`RED`…), if any.
    pub color: Option<String>,
    /// The event number it came from.
    pub event: String,
    pub clip_name: Option<String>,
}

/// A line of the EDL that gives no note, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdlPreview {
    pub title: Option<String>,
    /// `true` when the EDL says `FCM: DROP FRAME`.
    pub drop_frame: bool,
    pub notes: Vec<EdlNote>,
    pub skipped: Vec<Skipped>,
}

struct Event {
    number: String,
    rec_in: String,
    rec_out: String,
    line: usize,
    clip_name: Option<String>,
    locators: Vec<(usize, String)>,
}

fn is_timecode(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b':',
            8 => matches!(c, b':' | b';' | b'.' | b','),
            _ => c.is_ascii_digit(),
        })
}

/// Parses `text` against the media's clock (`last_frame`: the media's last frame).
pub fn parse(text: &str, clock: &Clock, last_frame: i64) -> Result<EdlPreview, String> {
    if text.len() > MAX_EDL_BYTES {
        return Err(format!("an EDL is at most {MAX_EDL_BYTES} bytes"));
    }
    let mut title = None;
    let mut fcm: Option<bool> = None;
    let mut events: Vec<Event> = vec![];
    let mut skipped = vec![];
    let mut saw_event = false;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end_matches('\r').trim();
        if line.is_empty() {
            continue;
        }
        if let Some(t) = line.strip_prefix("TITLE:") {
            title = Some(t.trim().to_string());
        } else if let Some(f) = line.strip_prefix("FCM:") {
            fcm = Some(f.trim().eq_ignore_ascii_case("DROP FRAME"));
        } else if let Some(c) = line.strip_prefix('*') {
            let c = c.trim_start();
            let Some(ev) = events.last_mut() else {
                skipped.push(Skipped {
                    line: n,
                    reason: "a comment before the first event".into(),
                });
                continue;
            };
            if let Some(name) = c.strip_prefix("FROM CLIP NAME:") {
                ev.clip_name = Some(name.trim().to_string());
            } else if let Some(loc) = c.strip_prefix("LOC:") {
                ev.locators.push((n, loc.trim().to_string()));
            }
        } else if line.as_bytes()[0].is_ascii_digit() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let tcs: Vec<&str> = fields.iter().copied().filter(|f| is_timecode(f)).collect();
            if tcs.len() != 4 {
                skipped.push(Skipped {
                    line: n,
                    reason: "an event line needs source in/out and record in/out timecodes".into(),
                });
                continue;
            }
            saw_event = true;
            events.push(Event {
                number: fields[0].to_string(),
                rec_in: tcs[2].to_string(),
                rec_out: tcs[3].to_string(),
                line: n,
                clip_name: None,
                locators: vec![],
            });
        }
        // Other lines (M2, SPLIT, AUD…) carry nothing for notes.
    }
    if !saw_event {
        return Err("no CMX3600 events found: is this an EDL?".into());
    }
    let mut notes = vec![];
    let mut unreadable = vec![];
    // The list's FCM line says how its timecodes count; without one, as the media's do.
    let drop_frame = fcm.unwrap_or(clock.drop_frame());
    let clock = &clock.counted(drop_frame);
    let mut place = |line: usize, tc: &str, end: Option<&str>, note: EdlNote| match locate(clock, last_frame, tc, end) {
        Ok((frame, end_frame)) => notes.push(EdlNote {
            frame,
            end_frame,
            ..note
        }),
        Err(reason) => skipped.push(Skipped { line, reason }),
    };
    for ev in &events {
        if ev.locators.is_empty() {
            let text = match &ev.clip_name {
                Some(c) => format!("Event {}: {c}", ev.number),
                None => format!("Event {}", ev.number),
            };
            let note = EdlNote {
                frame: 0,
                end_frame: None,
                timecode: ev.rec_in.clone(),
                text,
                color: None,
                event: ev.number.clone(),
                clip_name: ev.clip_name.clone(),
            };
            place(ev.line, &ev.rec_in, Some(&ev.rec_out), note);
            continue;
        }
        for (line, loc) in &ev.locators {
            let mut parts = loc.splitn(2, char::is_whitespace);
            let tc = parts.next().unwrap_or_default();
            if !is_timecode(tc) {
                unreadable.push(Skipped {
                    line: *line,
                    reason: format!("a locator starts with its timecode, not {tc:?}"),
                });
                continue;
            }
            let rest = parts.next().unwrap_or_default().trim_start();
            // The colour is one word of letters; Resolve also writes `|C:ResolveColorRed`.
            let (color, text) = match rest.split_once(char::is_whitespace) {
                Some((w, t)) if is_color(w) => (Some(w.to_uppercase()), t.trim()),
                None if is_color(rest) => (Some(rest.to_uppercase()), ""),
                _ => (None, rest),
            };
            let text = if text.is_empty() {
                ev.clip_name.clone().unwrap_or_else(|| format!("Locator at {tc}"))
            } else {
                text.to_string()
            };
            let note = EdlNote {
                frame: 0,
                end_frame: None,
                timecode: tc.to_string(),
                text,
                color: color.clone(),
                event: ev.number.clone(),
                clip_name: ev.clip_name.clone(),
            };
            place(*line, tc, None, note);
        }
    }
    skipped.extend(unreadable);
    skipped.sort_by_key(|s| s.line);
    if notes.len() > MAX_NOTES {
        return Err(format!(
            "this EDL makes {} notes; at most {MAX_NOTES} at once",
            notes.len()
        ));
    }
    notes.sort_by_key(|n| n.frame);
    Ok(EdlPreview {
        title,
        drop_frame,
        notes,
        skipped,
    })
}

/// The media frame (and last frame, for a record out) of a record timecode.
fn locate(clock: &Clock, last_frame: i64, tc: &str, end: Option<&str>) -> Result<(i64, Option<i64>), String> {
    let frame = clock.frame_of(tc).map_err(|e| format!("{tc}: {e}"))?;
    if frame < 0 || frame > last_frame {
        return Err(format!(
            "{tc} is outside the media ({} to {})",
            clock.label(0),
            clock.label(last_frame)
        ));
    }
    // An event's record out is exclusive.
    let end_frame = end
        .and_then(|e| clock.frame_of(e).ok())
        .map(|e| (e - 1).clamp(frame, last_frame))
        .filter(|e| *e > frame);
    Ok((frame, end_frame))
}

fn is_color(w: &str) -> bool {
    const COLORS: &[&str] = &[
        "WHITE", "RED", "GREEN", "BLUE", "CYAN", "MAGENTA", "YELLOW", "BLACK", "PINK", "PURPLE", "FUCHSIA", "ROSE",
        "LAVENDER", "SKY", "MINT", "LEMON", "SAND", "COCOA", "CREAM", "ORANGE",
    ];
    COLORS.iter().any(|c| c.eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dailies_protocol::Rational;

    const EDL: &str = "TITLE: Reel 1\nFCM: NON-DROP FRAME\n\n\
        001  A001C003 V     C        10:00:00:00 10:00:04:00 01:00:00:00 01:00:04:00\n\
        * FROM CLIP NAME: A001C003.mov\n\
        * LOC: 01:00:01:05 RED     fix the boom\n\
        * LOC: 01:00:02:00 YELLOW\n\
        002  A001C004 V     C        10:00:00:00 10:00:02:00 01:00:04:00 01:00:06:00\n\
        * FROM CLIP NAME: A001C004.mov\n\
        003  A001C005 V     C        10:00:00:00 10:00:02:00 02:00:04:00 02:00:06:00\n";

    #[test]
    fn locators_and_events_land_on_media_frames() {
        let clock = Clock::new(Some(Rational { num: 25, den: 1 }), Some("01:00:00:00"));
        let p = parse(EDL, &clock, 249).unwrap();
        assert_eq!(p.title.as_deref(), Some("Reel 1"));
        let got: Vec<(i64, Option<i64>, &str)> = p
            .notes
            .iter()
            .map(|n| (n.frame, n.end_frame, n.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (30, None, "fix the boom"),
                (50, None, "A001C003.mov"),
                (100, Some(149), "Event 002: A001C004.mov")
            ]
        );
        assert_eq!(p.notes[0].color.as_deref(), Some("RED"));
        assert_eq!(p.skipped.len(), 1, "{:?}", p.skipped);
        assert!(p.skipped[0].reason.contains("outside the media"));
    }

    #[test]
    fn refuses_what_is_not_an_edl() {
        let clock = Clock::new(None, None);
        assert!(parse("hello\nworld", &clock, 10)
            .unwrap_err()
            .contains("no CMX3600 events"));
    }
}
