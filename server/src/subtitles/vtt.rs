//! WebVTT as Dailies stores it (what ffmpeg's webvtt muxer writes): reading its cues and
//! writing it again with every cue moved by a track's offset. Pure, no I/O.

/// One cue: its times in milliseconds and its text lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
}

/// Reads `HH:MM:SS.mmm` or `MM:SS.mmm` as milliseconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let (clock, frac) = s.trim().split_once('.')?;
    if frac.len() != 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let num = |p: &str| (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse::<i64>().ok())?;
    let (h, m, s) = match parts.as_slice() {
        [h, m, s] => (num(h)?, num(m)?, num(s)?),
        [m, s] => (0, num(m)?, num(s)?),
        _ => return None,
    };
    if m > 59 || s > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + s) * 1000 + frac.parse::<i64>().ok()?)
}

/// Writes milliseconds as `HH:MM:SS.mmm`.
pub fn format_time(ms: i64) -> String {
    let ms = ms.max(0);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// A timing line (`start --> end [settings]`): the times and the settings after them.
fn timing(line: &str) -> Option<(i64, i64, &str)> {
    let (a, rest) = line.split_once("-->")?;
    let rest = rest.trim_start();
    let (b, settings) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
    Some((parse_time(a)?, parse_time(b)?, settings.trim()))
}

/// Blocks of lines separated by blank lines (CRLF and CR read as LF).
fn blocks(text: &str) -> Vec<Vec<&str>> {
    let mut out = vec![];
    let mut cur = vec![];
    for line in text.split('\n').map(|l| l.trim_end_matches('\r')) {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(line);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The cue of a block: its timing is the first line, or the second after an identifier.
fn cue_of<'a>(block: &[&'a str]) -> Option<(usize, i64, i64, &'a str)> {
    block
        .iter()
        .take(2)
        .enumerate()
        .find_map(|(i, l)| timing(l).map(|(a, b, s)| (i, a, b, s)))
}

/// Every cue of a WebVTT text, in file order.
pub fn cues(text: &str) -> Vec<Cue> {
    blocks(text)
        .iter()
        .filter_map(|b| {
            let (i, start_ms, end_ms, _) = cue_of(b)?;
            Some(Cue {
                start_ms,
                end_ms,
                text: b[i + 1..].join("\n"),
            })
        })
        .collect()
}

/// The WebVTT with every cue moved by `offset_ms`: a cue that would end before 0 is left
/// out, one that would start before 0 starts at 0. The header, notes and styles stay.
pub fn shifted(text: &str, offset_ms: i64) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for (n, b) in blocks(text).iter().enumerate() {
        let lines: Vec<String> = match cue_of(b) {
            Some((i, start, end, settings)) => {
                let (start, end) = (start.saturating_add(offset_ms), end.saturating_add(offset_ms));
                if end <= 0 {
                    continue;
                }
                let mut t = format!("{} --> {}", format_time(start), format_time(end));
                if !settings.is_empty() {
                    t.push(' ');
                    t.push_str(settings);
                }
                let mut l: Vec<String> = b[..i].iter().map(|s| s.to_string()).collect();
                l.push(t);
                l.extend(b[i + 1..].iter().map(|s| s.to_string()));
                l
            }
            None if n == 0 && !b[0].starts_with("WEBVTT") => {
                out.push_str("WEBVTT\n\n");
                b.iter().map(|s| s.to_string()).collect()
            }
            None => b.iter().map(|s| s.to_string()).collect(),
        };
        out.push_str(&lines.join("\n"));
        out.push_str("\n\n");
    }
    if out.is_empty() {
        out.push_str("WEBVTT\n\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const VTT: &str = "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello\nthere\n\nid-2\n01:02.250 --> 01:03.000 align:start\n<i>Two</i>\n";

    #[test]
    fn times_read_both_forms_and_write_with_hours() {
        assert_eq!(parse_time("00:00:01.000"), Some(1000));
        assert_eq!(parse_time("01:02.250"), Some(62_250));
        assert_eq!(parse_time("1:00:00.001"), Some(3_600_001));
        assert_eq!(parse_time("00:61.000"), None);
        assert_eq!(parse_time("00:00:01,000"), None);
        assert_eq!(format_time(3_723_004), "01:02:03.004");
        assert_eq!(format_time(-5), "00:00:00.000");
    }

    #[test]
    fn cues_are_read_with_their_text() {
        let c = cues(VTT);
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].start_ms, c[0].end_ms, c[0].text.as_str()),
            (1000, 2500, "Hello\nthere")
        );
        assert_eq!(
            (c[1].start_ms, c[1].end_ms, c[1].text.as_str()),
            (62_250, 63_000, "<i>Two</i>")
        );
    }

    #[test]
    fn an_offset_moves_every_cue_and_keeps_settings_and_ids() {
        let s = shifted(VTT, 1500);
        assert!(
            s.starts_with("WEBVTT\n\n00:00:02.500 --> 00:00:04.000\nHello\nthere\n"),
            "{s}"
        );
        assert!(
            s.contains("id-2\n00:01:03.750 --> 00:01:04.500 align:start\n<i>Two</i>"),
            "{s}"
        );
        let c = cues(&s);
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn a_negative_offset_clamps_at_zero_and_drops_cues_before_it() {
        let s = shifted(VTT, -2500);
        let c = cues(&s);
        assert_eq!(c.len(), 1, "{s}");
        assert_eq!((c[0].start_ms, c[0].end_ms), (59_750, 60_500));
        let s = shifted(VTT, -1500);
        assert_eq!(cues(&s)[0].start_ms, 0);
        assert_eq!(cues(&s)[0].end_ms, 1000);
    }

    #[test]
    fn crlf_is_read() {
        let c = cues("WEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\nHi\r\n");
        assert_eq!(c[0].text, "Hi");
    }
}
