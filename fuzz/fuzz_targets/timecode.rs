//! Timecode text typed by users: parsing never panics, and a parsed frame prints as a
//! timecode that parses back to the same frame.
#![no_main]

use dailies_protocol::timecode::{frame_to_timecode, parse_timecode};
use dailies_protocol::Rational;
use libfuzzer_sys::fuzz_target;

const RATES: &[(i64, i64)] = &[
    (24000, 1001),
    (24, 1),
    (25, 1),
    (30000, 1001),
    (30, 1),
    (50, 1),
    (60000, 1001),
    (60, 1),
    (120, 1),
    (1000, 1),
    (1, 1),
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    // Mostly real rates; sometimes an arbitrary one from the next 16 bytes.
    let fps = if (sel as usize) < RATES.len() * 16 {
        let (num, den) = RATES[sel as usize % RATES.len()];
        Rational { num, den }
    } else if rest.len() >= 16 {
        let num = i64::from_le_bytes(rest[..8].try_into().unwrap());
        let den = i64::from_le_bytes(rest[8..16].try_into().unwrap());
        Rational { num, den }
    } else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    if let Ok(frame) = parse_timecode(text, fps) {
        assert!(frame >= 0, "{text:?} parsed to {frame}");
        let tc = frame_to_timecode(frame, fps).expect("a parsed frame has a label");
        let label = tc.to_string();
        assert_eq!(parse_timecode(&label, fps), Ok(frame), "{text:?} -> {frame} -> {label}");
    }
});
