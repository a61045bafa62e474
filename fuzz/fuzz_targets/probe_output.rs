//! ffprobe and mediainfo JSON, which describe files users upload: parsing never panics and
//! what comes out is sane. The input is `ffprobe json` NUL `mediainfo json`.
#![no_main]

use dailies_server::ingest::probe::{apply_mediainfo, browser_playable, parse_ffprobe};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (ff, mi) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let (Ok(ff), Ok(mi)) = (std::str::from_utf8(ff), std::str::from_utf8(mi)) else {
        return;
    };
    let Ok(mut probe) = parse_ffprobe(ff) else { return };
    apply_mediainfo(mi, &mut probe);
    assert!(probe.has_video || probe.has_audio);
    assert!(
        matches!(probe.rotation, 0 | 90 | 180 | 270),
        "rotation {}",
        probe.rotation
    );
    if let Some(fps) = probe.fps {
        assert!(fps.num > 0 && fps.den > 0, "fps {fps:?}");
    }
    if let Some(d) = probe.duration {
        assert!(d.is_finite() && d > 0.0, "duration {d}");
    }
    let _ = browser_playable(&probe, 20_000_000);
    let _ = serde_json::to_string(&probe);
});
