//! Checks the shared timecode vectors (also read by the web client's tests) both ways:
//! frame to timecode text, and timecode text (and struct) back to the frame.

use dailies_protocol::timecode::{frame_to_timecode, is_drop_frame, parse_timecode, timecode_to_frame};
use dailies_protocol::Rational;
use serde::Deserialize;
use std::collections::HashSet;

const VECTORS: &str = include_str!("timecode_vectors.json");

/// One vector: at `fps` (`[num, den]`), `frame` is labelled `timecode`; `note` says why it is there.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    fps: [i64; 2],
    frame: i64,
    timecode: String,
    note: String,
}

fn vectors() -> Vec<Vector> {
    serde_json::from_str(VECTORS).expect("timecode_vectors.json is a JSON array of vectors")
}

#[test]
fn every_vector_converts_both_ways() {
    let vectors = vectors();
    for v in &vectors {
        let fps = Rational {
            num: v.fps[0],
            den: v.fps[1],
        };
        let what = format!("frame {} at {}/{} ({})", v.frame, fps.num, fps.den, v.note);

        let tc = frame_to_timecode(v.frame, fps).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(tc.to_string(), v.timecode, "{what}");
        assert_eq!(timecode_to_frame(&tc, fps), Ok(v.frame), "{what}");
        assert_eq!(parse_timecode(&v.timecode, fps), Ok(v.frame), "{what}");
    }
}

#[test]
fn vectors_are_well_formed_and_cover_the_edges() {
    let vectors = vectors();
    assert!(vectors.len() >= 40, "only {} vectors", vectors.len());

    let mut seen = HashSet::new();
    for v in &vectors {
        assert!(
            seen.insert((v.fps, v.frame)),
            "duplicate vector {:?} frame {}",
            v.fps,
            v.frame
        );
        assert!(
            !v.note.trim().is_empty(),
            "vector {:?} frame {} has no note",
            v.fps,
            v.frame
        );
        let fps = Rational {
            num: v.fps[0],
            den: v.fps[1],
        };
        // The separator before the frames tells a reader which counting the vector uses.
        let separator = if is_drop_frame(fps) { ';' } else { ':' };
        let sep_index = v.timecode.rfind([':', ';']).expect("a separator");
        assert_eq!(
            v.timecode[sep_index..].chars().next(),
            Some(separator),
            "{}",
            v.timecode
        );
    }

    let has = |fps: [i64; 2], frame: i64, text: &str| {
        vectors
            .iter()
            .any(|v| v.fps == fps && v.frame == frame && v.timecode == text)
    };
    // The cases the web client must agree on first of all.
    assert!(has([30000, 1001], 1799, "00:00:59;29"));
    assert!(has([30000, 1001], 1800, "00:01:00;02"));
    assert!(has([30000, 1001], 17982, "00:10:00;00"));
    assert!(has([60000, 1001], 3600, "00:01:00;04"));
    assert!(has([60000, 1001], 35964, "00:10:00;00"));
    assert!(has([24000, 1001], 1440, "00:01:00:00"));
    assert!(has([30000, 1001], 2589408, "24:00:00;00"));
}
