//! Playback files made beside the main one once the media plays: a scrub proxy for a
//! browser-ready original whose keyframes are far apart, a 10-bit HDR proxy for HDR displays.
//! What to make and the tools' arguments are pure; the pipeline runs them.

use super::command;
use super::probe::{formats, Probe};
use std::path::Path;
use std::process::Command;

/// The scrub proxy: H.264/AAC MP4 like any proxy, with the configured keyframe interval.
pub const SCRUB_PROXY: &str = "scrub.mp4";
/// The HDR proxy: VP9 profile 2, 10-bit, in the source's own transfer, with Opus in WebM.
pub const HDR_PROXY: &str = "hdr.webm";
/// Seconds from the start read to measure an original's keyframe interval: a camera writes
/// one GOP length throughout. Reading the packets (nothing decoded) of 20 s of 1080p adds
/// about 20 ms to ffprobe's own start and file opening (0.18 s in all on the 2-core machine).
pub const KEYFRAME_WINDOW_SECS: u32 = 20;

/// ffprobe listing the video packets of the first `KEYFRAME_WINDOW_SECS` with their flags:
/// the container's index says which are keyframes, nothing is decoded.
pub fn keyframe_probe_args(input: &Path, probe: &Probe) -> Vec<String> {
    let mut a: Vec<String> = ["-v", "error"].iter().map(|s| s.to_string()).collect();
    let stream = probe.video_stream.map_or("v:0".to_owned(), |i| i.to_string());
    a.extend(["-select_streams".into(), stream]);
    a.extend(["-read_intervals".into(), format!("%+{KEYFRAME_WINDOW_SECS}")]);
    a.extend(["-show_entries".into(), "packet=pts_time,dts_time,flags".into()]);
    a.extend(["-of".into(), "json".into()]);
    a.extend(formats::input_options_for(input, probe.demuxer()));
    a.extend(["-i".into(), formats::input_arg(input).to_string_lossy().into_owned()]);
    a
}

/// The longest stretch a seek may have to decode, in seconds, from ffprobe's packet list: the
/// largest distance between two keyframes, or from the last keyframe to the last packet read
/// (a window with one keyframe says the interval is at least that long). None without a
/// keyframe or a time.
pub fn longest_keyframe_gap(json: &str) -> Option<f64> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let time = |p: &serde_json::Value, k: &str| p.get(k).and_then(|t| t.as_str()).and_then(|t| t.parse::<f64>().ok());
    let mut keys = Vec::new();
    let mut last = f64::NEG_INFINITY;
    for p in v.get("packets")?.as_array()? {
        let Some(t) = time(p, "pts_time").or_else(|| time(p, "dts_time")) else {
            continue;
        };
        last = last.max(t);
        if p.get("flags")
            .and_then(|f| f.as_str())
            .is_some_and(|f| f.starts_with('K'))
        {
            keys.push(t);
        }
    }
    keys.sort_by(f64::total_cmp);
    let first = *keys.first()?;
    let mut gap = last - keys[keys.len() - 1];
    for w in keys.windows(2) {
        gap = gap.max(w[1] - w[0]);
    }
    // A single packet (a one-frame clip) has nothing to decode towards.
    Some(if keys.len() == 1 { last - first } else { gap })
}

/// Runs the keyframe probe (blocking: call on a worker thread).
pub fn measure_keyframe_gap(input: &Path, probe: &Probe) -> Result<Option<f64>, String> {
    let out = Command::new("ffprobe")
        .args(keyframe_probe_args(input, probe))
        .output()
        .map_err(|e| format!("ffprobe cannot run: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ffprobe failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(longest_keyframe_gap(&String::from_utf8_lossy(&out.stdout)))
}

/// A scrub proxy pays when the original's keyframes are further apart than the threshold
/// (0: never) and than the interval the proxy would have.
pub fn wants_scrub_proxy(gap: Option<f64>, above: f64, proxy_interval: f64) -> bool {
    above > 0.0 && gap.is_some_and(|g| g > above && g > proxy_interval * 1.5)
}

/// libvpx-vp9's constant quality for an x264 CRF: about the same look at 1080p (x264 20,
/// VP9 32, YouTube's own 1080p figure being 31).
pub fn vp9_crf(x264_crf: u32) -> u32 {
    (x264_crf + 12).min(63)
}

/// Arguments for the HDR proxy (see `command::hdr_proxy_args`); None for an SDR source.
pub fn hdr_proxy_args(input: &Path, output: &Path, probe: &Probe, s: &command::ProxySettings) -> Option<Vec<String>> {
    command::hdr_proxy_args(input, output, probe, s, vp9_crf(s.crf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packets(list: &[(f64, &str)]) -> String {
        let items: Vec<_> = list
            .iter()
            .map(|(t, f)| serde_json::json!({"pts_time": format!("{t:.6}"), "flags": f}))
            .collect();
        serde_json::json!({ "packets": items }).to_string()
    }

    #[test]
    fn the_longest_gap_between_keyframes_or_after_the_last() {
        // 25 fps, a keyframe every 2 s, 7 s read.
        let list: Vec<_> = (0..175)
            .map(|i| (f64::from(i) / 25.0, if i % 50 == 0 { "K__" } else { "___" }))
            .collect();
        let g = longest_keyframe_gap(&packets(&list)).unwrap();
        assert!((g - 2.0).abs() < 1e-6, "{g}");
        // One keyframe in a 20 s window: at least 19.96 s.
        let list: Vec<_> = (0..500)
            .map(|i| (f64::from(i) / 25.0, if i == 0 { "K__" } else { "___" }))
            .collect();
        assert!(longest_keyframe_gap(&packets(&list)).unwrap() > 19.9);
        // Decode order with B-frames: times are sorted, N/A times skipped.
        let json = r#"{"packets":[{"pts_time":"0.08","flags":"K__"},{"pts_time":"N/A","flags":"___"},
            {"pts_time":"0.00","flags":"___"},{"pts_time":"1.08","flags":"K_"},{"pts_time":"1.00","flags":"__"}]}"#;
        assert!((longest_keyframe_gap(json).unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(longest_keyframe_gap(&packets(&[(0.0, "___")])), None);
        assert_eq!(longest_keyframe_gap("not json"), None);
        assert_eq!(longest_keyframe_gap(&packets(&[(0.0, "K__")])), Some(0.0));
    }

    #[test]
    fn a_scrub_proxy_only_for_long_gops() {
        assert!(wants_scrub_proxy(Some(2.0), 1.0, 0.5));
        assert!(!wants_scrub_proxy(Some(1.0), 1.0, 0.5), "at the threshold: as is");
        assert!(!wants_scrub_proxy(Some(10.0), 0.0, 0.5), "0 turns it off");
        assert!(!wants_scrub_proxy(None, 1.0, 0.5));
        assert!(
            !wants_scrub_proxy(Some(2.0), 1.0, 2.0),
            "a proxy as long-GOP as the original is no better"
        );
    }

    #[test]
    fn the_keyframe_probe_reads_packets_of_the_window_only() {
        let p = crate::ingest::probe::parse_ffprobe(
            r#"{"format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"30"},
                "streams":[{"index":0,"codec_type":"video","codec_name":"h264","width":64,"height":64}]}"#,
        )
        .unwrap();
        let a = keyframe_probe_args(Path::new("/m/original.mp4"), &p);
        let s = a.join(" ");
        assert!(s.contains("-read_intervals %+20"), "{s}");
        assert!(s.contains("-show_entries packet=pts_time,dts_time,flags"), "{s}");
        assert!(s.contains("-protocol_whitelist file"), "{s}");
        assert_eq!(a.last().unwrap(), "file:/m/original.mp4");
        assert!(
            !s.contains("show_frames") && !s.contains("count_frames"),
            "nothing decoded"
        );
    }

    #[test]
    fn the_hdr_proxy_keeps_the_transfer_in_10_bit_vp9() {
        let json = |trc: &str| {
            format!(
                r#"{{"format":{{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"2"}},
                "streams":[{{"index":0,"codec_type":"video","codec_name":"hevc","width":3840,"height":2160,
                "r_frame_rate":"25/1","pix_fmt":"yuv420p10le","color_transfer":"{trc}",
                "color_primaries":"bt2020","color_space":"bt2020nc"}}]}}"#
            )
        };
        let s = command::ProxySettings::default();
        let (i, o) = (Path::new("/m/o.mov"), Path::new("/m/tmp.hdr.webm"));
        let sdr = crate::ingest::probe::parse_ffprobe(&json("bt709")).unwrap();
        assert_eq!(hdr_proxy_args(i, o, &sdr, &s), None);
        for (trc, tag) in [("smpte2084", "smpte2084"), ("arib-std-b67", "arib-std-b67")] {
            let p = crate::ingest::probe::parse_ffprobe(&json(trc)).unwrap();
            let a = hdr_proxy_args(i, o, &p, &s).unwrap().join(" ");
            for want in [
                "-c:v libvpx-vp9 -profile:v 2 -pix_fmt yuv420p10le -crf 32 -b:v 8000k",
                &format!("-color_primaries bt2020 -color_trc {tag} -colorspace bt2020nc -color_range tv"),
                "min(1080,ih)",
                "-g 13",
                "-an",
                "-f webm",
            ] {
                assert!(a.contains(want), "{want}: {a}");
            }
            assert!(!a.contains("tonemap") && !a.contains("zscale"), "no tone mapping: {a}");
        }
    }

    #[test]
    fn vp9_quality_follows_the_x264_crf() {
        assert_eq!(vp9_crf(20), 32);
        assert_eq!(vp9_crf(60), 63);
    }
}
