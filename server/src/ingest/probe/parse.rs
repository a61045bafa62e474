//! Pure parsing of what the probing tools print: ffprobe and mediainfo JSON into `Probe` facts,
//! failures into reasons a person can read, and whether a browser plays the original as is.

use super::formats;
use super::{AudioStream, Probe, ProbeError};
use dailies_protocol::{MediaKind, Rational};
use serde_json::Value;

/// ffprobe's name for the demuxer that reads MP4, MOV and their cousins.
pub const MP4_FAMILY: &str = "mov,mp4,m4a,3gp,3g2,mj2";

/// Parses `ffprobe -print_format json -show_format -show_streams` output.
pub fn parse_ffprobe(json: &str) -> Result<Probe, ProbeError> {
    let root: Value = serde_json::from_str(json).map_err(|e| ProbeError::BadOutput { detail: e.to_string() })?;
    let format = root.get("format").cloned().unwrap_or(Value::Null);
    let streams: &[Value] = root.get("streams").and_then(Value::as_array).map_or(&[], Vec::as_slice);
    let container = str_field(&format, "format_name").unwrap_or_default();
    // ffprobe runs with the media whitelist, so this holds already; it is checked again because
    // later commands name this demuxer with -f.
    if formats::media_demuxer(&container).is_none() {
        return Err(match formats::playlist_name(&container) {
            Some(what) => ProbeError::Playlist {
                what,
                stderr: String::new(),
            },
            None => ProbeError::NotMedia { stderr: String::new() },
        });
    }

    let is_type = |s: &&Value, t: &str| s.get("codec_type").and_then(Value::as_str) == Some(t);
    // Cover art in music files is a "video" stream of one picture; it does not make the file a video.
    let video = streams
        .iter()
        .find(|s| is_type(s, "video") && disposition(s, "attached_pic") != Some(1));
    let audio = streams.iter().find(|s| is_type(s, "audio"));
    if video.is_none() && audio.is_none() {
        return Err(ProbeError::NotMedia { stderr: String::new() });
    }

    let duration = num_field(&format, "duration")
        .or_else(|| video.and_then(stream_duration))
        .or_else(|| audio.and_then(stream_duration))
        .filter(|d| d.is_finite() && *d > 0.0);

    let still = video.is_some_and(|v| audio.is_none() && is_still(&container, v, duration));
    let kind = match (video, still) {
        (None, _) => MediaKind::Audio,
        (Some(_), true) => MediaKind::Image,
        (Some(_), false) => MediaKind::Video,
    };

    let rotation = video.map_or(0, stream_rotation);
    let (width, height) = match video {
        Some(v) => displayed_size(v, rotation),
        None => (None, None),
    };
    let pix_fmt = video.and_then(|v| str_field(v, "pix_fmt"));
    let bit_depth = video
        .and_then(|v| int_field(v, "bits_per_raw_sample"))
        .map(|b| b as i32)
        .filter(|b| *b > 0)
        .or_else(|| pix_fmt.as_deref().and_then(depth_of_pix_fmt));

    let (fps, frame_count) = match (kind, video) {
        (MediaKind::Video, Some(v)) => (stream_fps(v), int_field(v, "nb_frames").filter(|n| *n > 0)),
        (MediaKind::Image, _) => (None, Some(1)),
        _ => (None, None),
    };

    let bitrate = int_field(&format, "bit_rate").filter(|b| *b > 0).or_else(|| {
        let size = int_field(&format, "size")?;
        let secs = duration?;
        Some((size as f64 * 8.0 / secs).round() as i64)
    });

    let mut probe = Probe {
        kind,
        container,
        duration: if kind == MediaKind::Image { None } else { duration },
        fps,
        frame_count,
        frame_count_estimated: false,
        width,
        height,
        rotation,
        video_codec: video.and_then(|v| str_field(v, "codec_name")),
        video_profile: video.and_then(|v| str_field(v, "profile")),
        pix_fmt,
        bit_depth,
        audio_codec: audio.and_then(|a| str_field(a, "codec_name")),
        audio_channels: audio.and_then(|a| int_field(a, "channels")).map(|c| c as i32),
        bitrate,
        has_video: video.is_some(),
        has_audio: audio.is_some(),
        video_stream: video.and_then(|v| int_field(v, "index")).map(|i| i as u32),
        audio_stream: audio.and_then(|a| int_field(a, "index")).map(|i| i as u32),
        audio_streams: streams
            .iter()
            .filter(|s| is_type(s, "audio"))
            .filter_map(audio_stream)
            .collect(),
        field_order: video
            .and_then(|v| str_field(v, "field_order"))
            .and_then(|f| field_order(&f)),
        color_transfer: video.and_then(|v| str_field(v, "color_transfer")),
        color_primaries: video.and_then(|v| str_field(v, "color_primaries")),
        color_space: video.and_then(|v| str_field(v, "color_space")),
        color_range: video.and_then(|v| str_field(v, "color_range")),
        dolby_vision: video.and_then(dolby_vision),
        sequence: None,
        start_timecode: start_timecode(&format, streams, fps),
        subtitle_streams: streams
            .iter()
            .filter(|s| is_type(s, "subtitle"))
            .filter_map(subtitle_stream)
            .collect(),
        file_size: None,
    };
    estimate_frame_count(&mut probe);
    Ok(probe)
}

/// Fills what ffprobe could not tell from `mediainfo --Output=JSON`: frame count (Matroska and
/// WebM have no per-stream count), bit depth and rotation. Anything missing or odd is ignored.
pub fn apply_mediainfo(json: &str, probe: &mut Probe) {
    let Ok(root) = serde_json::from_str::<Value>(json) else {
        return;
    };
    let tracks: &[Value] = root
        .pointer("/media/track")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let Some(video) = tracks
        .iter()
        .find(|t| t.get("@type").and_then(Value::as_str) == Some("Video"))
    else {
        return;
    };
    if probe.kind == MediaKind::Video && (probe.frame_count.is_none() || probe.frame_count_estimated) {
        if let Some(n) = num_field(video, "FrameCount").filter(|n| *n >= 1.0) {
            probe.frame_count = Some(n.round() as i64);
            probe.frame_count_estimated = false;
        }
    }
    if probe.bit_depth.is_none() {
        probe.bit_depth = num_field(video, "BitDepth").map(|b| b as i32).filter(|b| *b > 0);
    }
    if probe.rotation == 0 {
        // mediainfo reports clockwise degrees, like the legacy `rotate` tag.
        if let Some(r) = num_field(video, "Rotation").and_then(quarter_turn) {
            if r != 0 {
                probe.rotation = r;
                if r % 180 != 0 {
                    std::mem::swap(&mut probe.width, &mut probe.height);
                }
            }
        }
    }
}

/// One audio stream's facts; None without an index, which later commands could not map.
fn audio_stream(s: &Value) -> Option<AudioStream> {
    let tag = |key: &str| s.get("tags").and_then(|t| str_field(t, key));
    Some(AudioStream {
        index: u32::try_from(int_field(s, "index")?).ok()?,
        codec: str_field(s, "codec_name"),
        channels: int_field(s, "channels").and_then(|c| i32::try_from(c).ok()),
        channel_layout: str_field(s, "channel_layout"),
        language: tag("language").filter(|l| l != "und"),
        // MOV and MP4 keep a track's name only as its handler name, which most tools fill
        // with their own generic one.
        title: tag("title").or_else(|| tag("handler_name").filter(|h| !generic_handler(h))),
    })
}

/// One subtitle stream's facts; None without an index.
pub fn subtitle_stream(s: &Value) -> Option<super::SubtitleStream> {
    let tag = |key: &str| s.get("tags").and_then(|t| str_field(t, key));
    Some(super::SubtitleStream {
        index: u32::try_from(int_field(s, "index")?).ok()?,
        codec: str_field(s, "codec_name"),
        language: tag("language").filter(|l| l != "und"),
        title: tag("title").or_else(|| tag("handler_name").filter(|h| !generic_subtitle_handler(h))),
        is_default: disposition(s, "default") == Some(1),
    })
}

fn generic_subtitle_handler(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("handler") || matches!(lower.as_str(), "subtitle" | "subtitles" | "text" | "core media text")
}

/// A handler name a tool writes for every sound track, not a name someone gave this one.
fn generic_handler(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("handler") || matches!(lower.as_str(), "core media audio" | "sound" | "audio")
}

/// A Dolby Vision configuration record among the stream's side data: (profile, base layer
/// signal compatibility id).
fn dolby_vision(v: &Value) -> Option<(u32, u32)> {
    let list = v.get("side_data_list")?.as_array()?;
    let dovi = list
        .iter()
        .find(|d| d.get("side_data_type").and_then(Value::as_str) == Some("DOVI configuration record"))?;
    let profile = int_field(dovi, "dv_profile")?;
    let compat = int_field(dovi, "dv_bl_signal_compatibility_id").unwrap_or(0);
    Some((profile as u32, compat as u32))
}

/// ffprobe's field order as the field shown first: `tt` and `bt` show the top field first,
/// `bb` and `tb` the bottom one; progressive and unknown are not interlaced.
fn field_order(f: &str) -> Option<String> {
    match f {
        "tt" | "bt" => Some("tff".into()),
        "bb" | "tb" => Some("bff".into()),
        _ => None,
    }
}

/// Whether the original can be played in the browser as is, without a proxy (never an
/// interlaced one: browsers show both fields woven together).
pub fn browser_playable(p: &Probe, max_bitrate: i64) -> bool {
    let h264_8bit_420 = p.video_codec.as_deref() == Some("h264")
        && matches!(p.pix_fmt.as_deref(), Some("yuv420p" | "yuvj420p"))
        && p.bit_depth.unwrap_or(8) == 8;
    let audio_ok = !p.has_audio || p.audio_codec.as_deref() == Some("aac");
    p.kind == MediaKind::Video
        && p.container == MP4_FAMILY
        && h264_8bit_420
        && audio_ok
        && p.rotation == 0
        && p.field_order.is_none()
        && p.hdr().is_none()
        && p.bitrate.is_some_and(|b| b <= max_bitrate)
}

/// Tells "damaged" from "not media at all". ffprobe's words alone cannot: noise in a file named
/// .mp4 gets the same "moov atom not found" as a cut-off MP4. A real container's signature at
/// the start of the file can. A playlist, told by its first bytes or by the demuxer ffprobe
/// refused, is named as such.
pub(super) fn classify_failure(stderr: &str, head: &[u8]) -> ProbeError {
    let playlist =
        formats::playlist_in_head(head).or_else(|| formats::refused_demuxer(stderr).and_then(formats::playlist_name));
    if let Some(what) = playlist {
        return ProbeError::Playlist {
            what,
            stderr: stderr.to_owned(),
        };
    }
    if !has_media_signature(head) {
        return ProbeError::NotMedia {
            stderr: stderr.to_owned(),
        };
    }
    ProbeError::Damaged {
        detail: short_detail(stderr).unwrap_or_else(|| "its contents cannot be read".into()),
        stderr: stderr.to_owned(),
    }
}

/// Whether the bytes start like a container or image format ffmpeg knows.
fn has_media_signature(head: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"\x1a\x45\xdf\xa3", // Matroska / WebM (EBML)
        b"RIFF",             // WAV, AVI, WebP
        b"OggS",
        b"ID3",
        b"fLaC",
        b"FORM", // AIFF
        b"\x89PNG",
        b"\xff\xd8\xff", // JPEG
        b"GIF8",
        b"\x00\x00\x01\xba",                 // MPEG program stream
        b"\x06\x0e\x2b\x34",                 // MXF
        b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", // ASF / WMV
    ];
    // ISO base media (MP4, MOV, 3GP): a box size, then a box type.
    const BOXES: &[&[u8]] = &[b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot"];
    let iso = head.get(4..8).is_some_and(|t| BOXES.contains(&t));
    let ts = head.first() == Some(&0x47) && head.get(188) == Some(&0x47);
    iso || ts || MAGIC.iter().any(|m| head.starts_with(m))
}

/// A plain-words reason for the damage ffmpeg reports, or None when it did not recognize damage.
pub(super) fn short_detail(stderr: &str) -> Option<String> {
    const KNOWN: &[(&str, &str)] = &[
        (
            "moov atom not found",
            "its index is missing, which usually means the upload or copy was cut short",
        ),
        (
            "partial file",
            "it ends before its last frame, perhaps the upload or copy was cut short",
        ),
        (
            "truncat",
            "it ends before its last frame, perhaps the upload or copy was cut short",
        ),
        (
            "end of file",
            "it ends unexpectedly, perhaps the upload or copy was cut short",
        ),
        ("invalid nal unit", "the video data is corrupt"),
        ("error splitting the input", "the video data is corrupt"),
        ("decoder not found", "it uses a codec this server cannot decode"),
        ("could not find codec parameters", "its streams cannot be read"),
    ];
    let lower = stderr.to_lowercase();
    KNOWN
        .iter()
        .find(|(needle, _)| lower.contains(needle))
        .map(|(_, words)| (*words).to_owned())
}

pub(super) fn estimate_frame_count(p: &mut Probe) {
    if p.kind != MediaKind::Video || p.frame_count.is_some() {
        return;
    }
    if let (Some(d), Some(fps)) = (p.duration, p.fps) {
        let n = (d * fps.as_f64()).round() as i64;
        if n > 0 {
            p.frame_count = Some(n);
            p.frame_count_estimated = true;
        }
    }
}

/// A still: an image demuxer, or one frame with no real duration.
fn is_still(container: &str, video: &Value, duration: Option<f64>) -> bool {
    let image_demuxer = container == "image2" || container.ends_with("_pipe");
    let one_frame = int_field(video, "nb_frames") == Some(1);
    let no_time = duration.is_none_or(|d| d < 0.1) && stream_duration(video).is_none_or(|d| d < 0.1);
    // Without a frame count, only a picture codec says "still": a raw H.264 stream has no duration either.
    let picture_codec = matches!(
        str_field(video, "codec_name").as_deref(),
        Some("png" | "mjpeg" | "webp" | "bmp" | "tiff" | "jpeg2000" | "jpegls" | "gif" | "exr" | "dpx")
    );
    image_demuxer || (one_frame && no_time) || (no_time && picture_codec && int_field(video, "nb_frames").is_none())
}

fn stream_duration(stream: &Value) -> Option<f64> {
    num_field(stream, "duration").or_else(|| {
        // Matroska keeps per-stream durations only as a "HH:MM:SS.nnnnnnnnn" tag.
        let tag = stream.pointer("/tags/DURATION").and_then(Value::as_str)?;
        parse_clock(tag)
    })
}

fn parse_clock(s: &str) -> Option<f64> {
    let mut secs = 0.0;
    for part in s.trim().split(':') {
        secs = secs * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(secs)
}

fn stream_rotation(stream: &Value) -> i32 {
    let from_matrix = stream
        .get("side_data_list")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|sd| sd.get("rotation").and_then(as_f64))
        // The display matrix angle is counterclockwise; Dailies (like the legacy tag) counts clockwise.
        .map(|ccw| -ccw);
    let from_tag = || stream.pointer("/tags/rotate").and_then(as_f64);
    from_matrix.or_else(from_tag).and_then(quarter_turn).unwrap_or(0)
}

/// Normalizes an angle to 0/90/180/270; other angles cannot be shown by turning the picture.
fn quarter_turn(deg: f64) -> Option<i32> {
    if !deg.is_finite() {
        return None;
    }
    let r = (deg.round() as i64).rem_euclid(360) as i32;
    match r {
        0 | 90 | 180 | 270 => Some(r),
        _ => None,
    }
}

fn displayed_size(stream: &Value, rotation: i32) -> (Option<i32>, Option<i32>) {
    let (Some(w), Some(h)) = (int_field(stream, "width"), int_field(stream, "height")) else {
        return (None, None);
    };
    let sar = str_field(stream, "sample_aspect_ratio")
        .and_then(|s| parse_ratio(&s, ':'))
        .filter(|r| r.num > 0 && r.den > 0);
    let w = match sar {
        Some(r) if r.num != r.den => (w as f64 * r.as_f64()).round() as i64,
        _ => w,
    };
    let (w, h) = if rotation % 180 == 0 { (w, h) } else { (h, w) };
    (Some(w as i32), Some(h as i32))
}

/// The nominal rate (`r_frame_rate`) when it agrees with the average; otherwise the average,
/// because r_frame_rate doubles for interlaced streams and is a timebase for some VFR ones.
fn stream_fps(stream: &Value) -> Option<Rational> {
    let get = |key| {
        str_field(stream, key)
            .and_then(|s| parse_ratio(&s, '/'))
            .filter(|r| r.num > 0 && r.den > 0 && r.as_f64() <= 1000.0)
    };
    match (get("r_frame_rate"), get("avg_frame_rate")) {
        (Some(r), Some(avg)) if (r.as_f64() / avg.as_f64() - 1.0).abs() > 0.01 => Some(snap_to_standard(avg)),
        (Some(r), _) => Some(r),
        (None, avg) => avg.map(snap_to_standard),
    }
}

/// An average over a slightly irregular clip (29.97003…) becomes the rate it was shot at.
fn snap_to_standard(r: Rational) -> Rational {
    const STANDARD: &[(i64, i64)] = &[
        (24000, 1001),
        (24, 1),
        (25, 1),
        (30000, 1001),
        (30, 1),
        (48, 1),
        (50, 1),
        (60000, 1001),
        (60, 1),
        (120, 1),
    ];
    let v = r.as_f64();
    STANDARD
        .iter()
        .map(|&(num, den)| Rational { num, den })
        .find(|s| (s.as_f64() / v - 1.0).abs() < 0.002)
        .unwrap_or(r)
}

fn parse_ratio(s: &str, sep: char) -> Option<Rational> {
    let (n, d) = s.split_once(sep)?;
    let (num, den) = (n.trim().parse::<i64>().ok()?, d.trim().parse::<i64>().ok()?);
    if den == 0 {
        return None;
    }
    let g = gcd(num.abs(), den.abs()).max(1);
    Some(Rational {
        num: num / g,
        den: den / g,
    })
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn depth_of_pix_fmt(pix_fmt: &str) -> Option<i32> {
    let digits: String = pix_fmt
        .trim_end_matches("le")
        .trim_end_matches("be")
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    match digits.parse::<i32>() {
        Ok(d @ (9 | 10 | 12 | 14 | 16)) => Some(d),
        _ if pix_fmt.starts_with("yuv") || pix_fmt.starts_with("yuvj") || pix_fmt.starts_with("nv12") => Some(8),
        _ => None,
    }
}

fn disposition(stream: &Value, key: &str) -> Option<i64> {
    stream
        .get("disposition")
        .and_then(|d| d.get(key))
        .and_then(Value::as_i64)
}

/// The start timecode a source states: the container's `timecode` tag (MOV, MP4, MXF),
/// else the video stream's, else a data stream's (a QuickTime `tmcd` track), checked and
/// written back as the source counts it (`;` before the frames of drop-frame timecode at
/// 29.97 and 59.94, `:` for non-drop, which those rates may also state).
fn start_timecode(format: &Value, streams: &[Value], fps: Option<Rational>) -> Option<String> {
    let tag = |v: &Value| v.get("tags").and_then(|t| str_field(t, "timecode"));
    let is = |s: &Value, t: &str| s.get("codec_type").and_then(Value::as_str) == Some(t);
    let stated = tag(format)
        .or_else(|| streams.iter().filter(|s| is(s, "video")).find_map(tag))
        .or_else(|| streams.iter().filter(|s| is(s, "data")).find_map(tag))?;
    checked_timecode(&stated, fps?)
}

/// A timecode a source states, checked at its rate and written as that rate counts it, with
/// drop-frame only where the source says so (a 29.97 timecode written `:` is NDF).
pub fn checked_timecode(stated: &str, fps: Rational) -> Option<String> {
    use dailies_protocol::timecode::{counts_drop_frame, frame_to_timecode_counted, parse_timecode_counted};
    let drop = counts_drop_frame(fps, Some(stated));
    let frame = parse_timecode_counted(stated, fps, drop).ok()?;
    frame_to_timecode_counted(frame, fps, drop).ok().map(|t| t.to_string())
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "N/A" && *s != "unknown")
        .map(str::to_owned)
}

/// ffprobe and mediainfo write most numbers as strings, some as numbers.
fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

fn num_field(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(as_f64)
}

fn int_field(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video_json(extra_stream: &str, format: &str) -> String {
        format!(
            r#"{{"streams":[{{"index":0,"codec_type":"video","codec_name":"h264","profile":"High",
            "width":1920,"height":1080,"pix_fmt":"yuv420p","r_frame_rate":"30000/1001",
            "avg_frame_rate":"30000/1001","bits_per_raw_sample":"8","sample_aspect_ratio":"1:1",
            "disposition":{{"attached_pic":0}}{extra_stream}}},
            {{"index":1,"codec_type":"audio","codec_name":"aac","channels":2,"disposition":{{"attached_pic":0}}}}],
            "format":{{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"10.010000","bit_rate":"5000000"{format}}}}}"#
        )
    }

    #[test]
    fn reads_the_start_timecode_from_tags() {
        let p = parse_ffprobe(&video_json("", r#","tags":{"timecode":"01:00:00;00"}"#)).unwrap();
        assert_eq!(p.start_timecode.as_deref(), Some("01:00:00;00"));
        // On the video stream (MOV), and written as the rate counts it.
        // A non-drop track at 29.97 stays non-drop.
        let p = parse_ffprobe(&video_json(r#","tags":{"timecode":"00:59:59:29"}"#, "")).unwrap();
        assert_eq!(p.start_timecode.as_deref(), Some("00:59:59:29"));
        let p = parse_ffprobe(&video_json(r#","tags":{"timecode":"00:59:59.29"}"#, "")).unwrap();
        assert_eq!(p.start_timecode.as_deref(), Some("00:59:59;29"));
        assert_eq!(parse_ffprobe(&video_json("", "")).unwrap().start_timecode, None);
        // Nonsense is dropped, never kept.
        let p = parse_ffprobe(&video_json("", r#","tags":{"timecode":"99:99"}"#)).unwrap();
        assert_eq!(p.start_timecode, None);
    }

    #[test]
    fn parses_a_plain_video() {
        let p = parse_ffprobe(&video_json(r#","nb_frames":"300""#, "")).unwrap();
        assert_eq!(p.kind, MediaKind::Video);
        assert_eq!(p.fps, Some(Rational { num: 30000, den: 1001 }));
        assert_eq!(p.frame_count, Some(300));
        assert!(!p.frame_count_estimated);
        assert_eq!((p.width, p.height, p.rotation), (Some(1920), Some(1080), 0));
        assert_eq!(p.bit_depth, Some(8));
        assert_eq!(p.audio_channels, Some(2));
        assert_eq!((p.video_stream, p.audio_stream), (Some(0), Some(1)));
        assert!(browser_playable(&p, 8_000_000));
        assert!(!browser_playable(&p, 4_000_000));
    }

    #[test]
    fn every_audio_stream_is_kept_in_order_with_its_tags() {
        let json = r#"{"streams":[
            {"index":0,"codec_type":"video","codec_name":"h264","width":64,"height":64,"r_frame_rate":"25/1","avg_frame_rate":"25/1"},
            {"index":1,"codec_type":"audio","codec_name":"pcm_s24le","channels":6,"channel_layout":"5.1",
             "tags":{"language":"eng","handler_name":"SoundHandler"}},
            {"index":2,"codec_type":"data","codec_name":"bin_data"},
            {"index":3,"codec_type":"audio","codec_name":"aac","channels":2,"channel_layout":"stereo",
             "tags":{"language":"und","title":"Commentary"}},
            {"index":4,"codec_type":"audio","codec_name":"aac","channels":1,
             "tags":{"handler_name":"Boom"}}],
            "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"2.0"}}"#;
        let p = parse_ffprobe(json).unwrap();
        assert_eq!(p.audio_stream, Some(1));
        assert_eq!(
            (p.audio_codec.as_deref(), p.audio_channels),
            (Some("pcm_s24le"), Some(6))
        );
        assert_eq!(
            p.audio_streams,
            vec![
                AudioStream {
                    index: 1,
                    codec: Some("pcm_s24le".into()),
                    channels: Some(6),
                    channel_layout: Some("5.1".into()),
                    language: Some("eng".into()),
                    title: None,
                },
                AudioStream {
                    index: 3,
                    codec: Some("aac".into()),
                    channels: Some(2),
                    channel_layout: Some("stereo".into()),
                    language: None,
                    title: Some("Commentary".into()),
                },
                AudioStream {
                    index: 4,
                    codec: Some("aac".into()),
                    channels: Some(1),
                    channel_layout: None,
                    language: None,
                    title: Some("Boom".into()),
                },
            ]
        );
        assert!(generic_handler("Core Media Audio") && generic_handler("GPAC ISO Audio Handler"));
        let silent =
            parse_ffprobe(&video_json("", "").replace(r#""codec_type":"audio""#, r#""codec_type":"data""#)).unwrap();
        assert!(silent.audio_streams.is_empty());
    }

    #[test]
    fn display_matrix_rotation_swaps_size_and_counts_clockwise() {
        let side = r#","side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]"#;
        let p = parse_ffprobe(&video_json(side, "")).unwrap();
        assert_eq!(p.rotation, 90);
        assert_eq!((p.width, p.height), (Some(1080), Some(1920)));
        assert!(!browser_playable(&p, i64::MAX));
    }

    #[test]
    fn legacy_rotate_tag_is_read() {
        let p = parse_ffprobe(&video_json(r#","tags":{"rotate":"270"}"#, "")).unwrap();
        assert_eq!(p.rotation, 270);
        assert_eq!(p.width, Some(1080));
    }

    #[test]
    fn frame_count_is_estimated_then_replaced_by_mediainfo() {
        let mut p = parse_ffprobe(&video_json("", "")).unwrap();
        assert_eq!(p.frame_count, Some(300));
        assert!(p.frame_count_estimated);
        let mi = r#"{"media":{"track":[{"@type":"General"},{"@type":"Video","FrameCount":"299","BitDepth":"10","Rotation":"90.000"}]}}"#;
        apply_mediainfo(mi, &mut p);
        assert_eq!(p.frame_count, Some(299));
        assert!(!p.frame_count_estimated);
        assert_eq!(p.bit_depth, Some(8), "ffprobe's depth wins");
        assert_eq!((p.rotation, p.width, p.height), (90, Some(1080), Some(1920)));
    }

    #[test]
    fn mediainfo_garbage_is_ignored() {
        let mut p = parse_ffprobe(&video_json("", "")).unwrap();
        let before = p.clone();
        apply_mediainfo("not json", &mut p);
        apply_mediainfo(r#"{"media":null}"#, &mut p);
        apply_mediainfo(r#"{"media":{"track":[{"@type":"Video","FrameCount":"lots"}]}}"#, &mut p);
        assert_eq!(p, before);
    }

    #[test]
    fn interlaced_double_rate_uses_average() {
        let json = video_json("", "").replace(r#""r_frame_rate":"30000/1001""#, r#""r_frame_rate":"60000/1001""#);
        assert_eq!(
            parse_ffprobe(&json).unwrap().fps,
            Some(Rational { num: 30000, den: 1001 })
        );
    }

    #[test]
    fn ratios_are_reduced_and_snapped() {
        assert_eq!(parse_ratio("50/2", '/'), Some(Rational { num: 25, den: 1 }));
        assert_eq!(parse_ratio("0/0", '/'), None);
        assert_eq!(
            snap_to_standard(Rational {
                num: 2997003,
                den: 100000
            }),
            Rational { num: 30000, den: 1001 }
        );
    }

    #[test]
    fn anamorphic_pixels_are_stretched() {
        let json = video_json("", "")
            .replace(r#""width":1920,"height":1080"#, r#""width":720,"height":576"#)
            .replace(r#""sample_aspect_ratio":"1:1""#, r#""sample_aspect_ratio":"64:45""#);
        let p = parse_ffprobe(&json).unwrap();
        assert_eq!((p.width, p.height), (Some(1024), Some(576)));
    }

    #[test]
    fn cover_art_makes_no_video() {
        let json = r#"{"streams":[{"index":0,"codec_type":"audio","codec_name":"mp3","channels":2},
            {"index":1,"codec_type":"video","codec_name":"mjpeg","width":500,"height":500,
             "disposition":{"attached_pic":1}}],
            "format":{"format_name":"mp3","duration":"180.0","bit_rate":"320000"}}"#;
        let p = parse_ffprobe(json).unwrap();
        assert_eq!(p.kind, MediaKind::Audio);
        assert!(!p.has_video);
        assert_eq!((p.width, p.fps, p.frame_count), (None, None, None));
    }

    #[test]
    fn still_images_are_images() {
        let png = r#"{"streams":[{"index":0,"codec_type":"video","codec_name":"png","width":320,"height":240,
            "pix_fmt":"rgb24","r_frame_rate":"25/1","avg_frame_rate":"25/1"}],"format":{"format_name":"png_pipe"}}"#;
        let p = parse_ffprobe(png).unwrap();
        assert_eq!(p.kind, MediaKind::Image);
        assert_eq!((p.fps, p.frame_count, p.duration), (None, Some(1), None));
        let one_frame = r#"{"streams":[{"index":0,"codec_type":"video","codec_name":"mjpeg","width":32,"height":24,
            "nb_frames":"1"}],"format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2"}}"#;
        assert_eq!(parse_ffprobe(one_frame).unwrap().kind, MediaKind::Image);
    }

    #[test]
    fn list_formats_are_refused_even_when_ffprobe_read_them() {
        let hls = r#"{"streams":[{"index":0,"codec_type":"video","codec_name":"h264","width":320,"height":240}],
            "format":{"format_name":"hls","duration":"2.0"}}"#;
        assert!(matches!(
            parse_ffprobe(hls),
            Err(ProbeError::Playlist {
                what: "an HLS playlist (.m3u8)",
                ..
            })
        ));
        let concat = hls.replace(r#""hls""#, r#""concat""#);
        assert!(matches!(parse_ffprobe(&concat), Err(ProbeError::Playlist { .. })));
        let tty = hls.replace(r#""hls""#, r#""tty""#);
        assert!(matches!(parse_ffprobe(&tty), Err(ProbeError::NotMedia { .. })));
    }

    #[test]
    fn a_refused_playlist_is_named_in_the_reason() {
        let log = "[hls @ 0x55ab441815c0] Format not on whitelist 'mov,matroska'\nfile:/x: Invalid argument";
        let e = classify_failure(log, b"\x12\x34");
        assert!(matches!(e, ProbeError::Playlist { .. }), "{e:?}");
        assert!(
            e.to_string().starts_with("this is an HLS playlist (.m3u8), a list"),
            "{e}"
        );
        let e = classify_failure(
            "Invalid data found when processing input",
            b"#EXTM3U\n#EXTINF:1,\nx.ts\n",
        );
        assert!(matches!(e, ProbeError::Playlist { .. }), "{e:?}");
        // A refused demuxer that reads no list is just not media.
        let e = classify_failure("[tty @ 0x1] Format not on whitelist 'mov'", b"hello");
        assert!(matches!(e, ProbeError::NotMedia { .. }), "{e:?}");
    }

    #[test]
    fn nothing_playable_is_not_media() {
        let err = parse_ffprobe(r#"{"streams":[{"codec_type":"data"}],"format":{"format_name":"mpegts"}}"#);
        assert!(matches!(err, Err(ProbeError::NotMedia { .. })));
        assert!(matches!(parse_ffprobe("{"), Err(ProbeError::BadOutput { .. })));
    }

    #[test]
    fn failures_read_like_sentences() {
        let moov = "[mov,mp4 @ 0x1] moov atom not found\nx.mp4: Invalid data found when processing input";
        let e = classify_failure(moov, b"\0\0\0\x20ftypisom");
        assert!(e
            .to_string()
            .starts_with("the file seems truncated or damaged: its index is missing"));
        assert!(e.stderr().unwrap().contains("moov"));
        let e = classify_failure(moov, b"\x12\x34 random noise");
        assert_eq!(
            e.to_string(),
            "this is not a video, audio or image file ffprobe can read"
        );
        let e = classify_failure("x.bin: Invalid data found when processing input", b"");
        assert_eq!(
            e.to_string(),
            "this is not a video, audio or image file ffprobe can read"
        );
        assert_eq!(
            ProbeError::ToolMissing { tool: "ffprobe" }.to_string(),
            "ffprobe is not installed"
        );
    }

    #[test]
    fn container_signatures() {
        assert!(has_media_signature(b"\x1a\x45\xdf\xa3\x01"));
        assert!(has_media_signature(b"\0\0\0\x18ftypqt  "));
        assert!(!has_media_signature(b"%PDF-1.7"));
        assert!(!has_media_signature(b""));
    }

    #[test]
    fn field_orders_name_the_field_shown_first() {
        for (ffprobe, ours) in [
            ("tt", Some("tff")),
            ("bt", Some("tff")),
            ("bb", Some("bff")),
            ("tb", Some("bff")),
        ] {
            assert_eq!(field_order(ffprobe).as_deref(), ours);
        }
        assert_eq!(field_order("progressive"), None);
        assert_eq!(field_order("unknown"), None);
    }

    #[test]
    fn pix_fmt_depths() {
        assert_eq!(depth_of_pix_fmt("yuv422p10le"), Some(10));
        assert_eq!(depth_of_pix_fmt("yuv420p"), Some(8));
        assert_eq!(depth_of_pix_fmt("p010le"), Some(10));
        assert_eq!(depth_of_pix_fmt("rgb24"), None);
    }
}
