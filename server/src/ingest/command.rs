//! ffmpeg argument lists for proxies, posters, sprite sheets, audio and images: pure functions.
//! Also the reader of ffmpeg's `-progress` output; the actors spawn the processes and feed it.

use super::probe::{formats, AudioStream, Probe};
use crate::config::{Encoder, Transcode};
use std::path::{Path, PathBuf};

/// Width of one sprite-sheet tile: big enough to recognize a shot, small enough for 100 per sheet.
pub const SHEET_TILE_WIDTH: u32 = 160;
/// WebP cannot be larger than 16383 pixels a side; 20 columns of 160 stay far below.
pub const MAX_SHEET_TILES: u32 = 400;
/// Posters fill a card in the media list, never more.
pub const POSTER_MAX_WIDTH: u32 = 640;

/// How browser proxies are encoded (from the config's `[transcode]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ProxySettings {
    /// Proxies are never taller than this (pixels); smaller sources keep their size.
    pub max_height: u32,
    /// Peak video bitrate (kbit/s), so playback over a studio VPN does not stall.
    pub video_bitrate_kbps: u32,
    /// Constant quality; the bitrate cap only bites on hard scenes.
    pub crf: u32,
    pub preset: String,
    pub audio_bitrate_kbps: u32,
    /// Seconds between keyframes.
    pub keyframe_secs: f64,
    pub encoder: Encoder,
    pub vaapi_device: PathBuf,
    /// Video and audio codec options a decision hook chose, in place of the ones above.
    pub output_args: Option<Vec<String>>,
}

impl ProxySettings {
    pub fn from_config(t: &Transcode) -> Self {
        ProxySettings {
            max_height: t.max_height,
            video_bitrate_kbps: t.max_bitrate_kbps,
            crf: t.crf,
            preset: t.preset.clone(),
            audio_bitrate_kbps: t.audio_bitrate_kbps,
            keyframe_secs: t.keyframe_interval,
            encoder: t.encoder,
            vaapi_device: t.vaapi_device.clone(),
            output_args: None,
        }
    }

    /// The same in software (the fallback when a hardware encoder fails).
    pub fn in_software(&self) -> Self {
        ProxySettings {
            encoder: Encoder::Software,
            ..self.clone()
        }
    }
}

impl Default for ProxySettings {
    fn default() -> Self {
        ProxySettings::from_config(&Transcode::default())
    }
}

/// Where the tiles of a scrub sprite sheet come from: tile `i` (left to right, top to bottom)
/// shows the frame nearest to `times[i]` seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetPlan {
    pub columns: u32,
    pub rows: u32,
    pub tile_width: u32,
    pub tile_height: u32,
    pub times: Vec<f64>,
}

/// An H.264/AAC MP4 proxy any browser plays: square pixels, upright, even size, at most
/// `max_height` tall, a keyframe every `keyframe_secs` so scrubbing stays quick; encoded in
/// software or on the configured hardware encoder.
pub fn proxy_args(input: &Path, output: &Path, probe: &Probe, s: &ProxySettings) -> Vec<String> {
    let mut a = Vec::new();
    if s.encoder == Encoder::Vaapi && s.output_args.is_none() {
        a.extend(strs(&["-vaapi_device", &s.vaapi_device.to_string_lossy()]));
    }
    a.extend(head(input, &probe.input_options()));
    a.extend(map_video(probe));
    if probe.has_audio {
        a.extend(map_audio(probe));
    }
    let mh = s.max_height.max(2);
    // Height first (capped, even), then the width nearest to the display aspect ratio at that
    // height, so odd-sized and anamorphic sources come out square-pixelled with even sides.
    // ffmpeg has already turned the picture upright here (autorotate), and drops the rotation
    // from the output.
    // An HDR source is tone mapped after scaling, so a 4K one is mapped at the proxy's size.
    let upload = if s.encoder == Encoder::Vaapi && s.output_args.is_none() {
        ",format=nv12,hwupload"
    } else {
        ""
    };
    let scale = format!(
        "{}scale=w='max(2,round(oh*dar/2)*2)':h='max(2,trunc(min({mh},ih)/2)*2)',setsar=1,{}{upload}",
        deinterlace(probe),
        to_sdr(probe)
    );
    a.extend(strs(&["-vf", &scale]));
    if let Some(fps) = probe.fps.filter(|f| f.num > 0 && f.den > 0) {
        // A constant rate at the source's own rate keeps frame N of the proxy frame N of the original.
        let gop = (fps.as_f64() * s.keyframe_secs).round().max(1.0) as u32;
        a.extend(strs(&[
            "-r",
            &format!("{}/{}", fps.num, fps.den),
            "-g",
            &gop.to_string(),
        ]));
    }
    match &s.output_args {
        Some(chosen) => a.extend(chosen.iter().cloned()),
        None => a.extend(video_codec(s)),
    }
    if probe.hdr().is_some() {
        // Tagged as what it now is, not as the source was.
        a.extend(strs(&[
            "-color_primaries",
            "bt709",
            "-color_trc",
            "bt709",
            "-colorspace",
            "bt709",
        ]));
    }
    if s.output_args.is_some() && probe.has_audio {
        // The hook's options say the audio codec too.
    } else if probe.has_audio {
        a.extend(stereo_downmix(probe.audio_streams.first()));
        a.extend(aac(s));
    } else {
        a.push("-an".into());
    }
    a.extend(mp4_tail(output));
    a
}

/// The H.264 encoder and its rate control, for the configured encoder.
fn video_codec(s: &ProxySettings) -> Vec<String> {
    let (maxrate, bufsize) = (
        format!("{}k", s.video_bitrate_kbps),
        format!("{}k", s.video_bitrate_kbps.saturating_mul(2)),
    );
    let q = s.crf.to_string();
    match s.encoder {
        Encoder::Software => strs(&[
            "-c:v",
            "libx264",
            "-preset",
            &s.preset,
            "-crf",
            &q,
            "-maxrate",
            &maxrate,
            "-bufsize",
            &bufsize,
            "-profile:v",
            "high",
            "-pix_fmt",
            "yuv420p",
        ]),
        Encoder::Nvenc => strs(&[
            "-c:v",
            "h264_nvenc",
            "-preset",
            "p4",
            "-rc",
            "vbr",
            "-cq",
            &q,
            "-b:v",
            "0",
            "-maxrate",
            &maxrate,
            "-bufsize",
            &bufsize,
            "-profile:v",
            "high",
            "-pix_fmt",
            "yuv420p",
        ]),
        Encoder::Qsv => strs(&[
            "-c:v",
            "h264_qsv",
            "-global_quality",
            &q,
            "-maxrate",
            &maxrate,
            "-bufsize",
            &bufsize,
            "-profile:v",
            "high",
            "-pix_fmt",
            "nv12",
        ]),
        // Frames are uploaded to the device at the end of the filter graph.
        Encoder::Vaapi => strs(&[
            "-c:v",
            "h264_vaapi",
            "-rc_mode",
            "QVBR",
            "-global_quality",
            &q,
            "-maxrate",
            &maxrate,
            "-bufsize",
            &bufsize,
            "-profile:v",
            "high",
        ]),
    }
}

/// An AAC file with faststart for audio-only media (write it as .m4a or .mp4).
pub fn audio_proxy_args(input: &Path, output: &Path, probe: &Probe, s: &ProxySettings) -> Vec<String> {
    let mut a = head(input, &probe.input_options());
    a.extend(map_audio(probe));
    a.push("-vn".into());
    a.extend(stereo_downmix(probe.audio_streams.first()));
    a.extend(aac(s));
    a.extend(mp4_tail(output));
    a
}

/// One more audio track of the source on its own: a stereo AAC file with faststart (.m4a),
/// which the player plays beside the muted proxy.
pub fn audio_track_args(
    input: &Path,
    output: &Path,
    probe: &Probe,
    track: &AudioStream,
    s: &ProxySettings,
) -> Vec<String> {
    let mut a = head(input, &probe.input_options());
    a.extend(strs(&["-map", &format!("0:{}", track.index), "-vn"]));
    a.extend(stereo_downmix(Some(track)));
    a.extend(aac(s));
    a.extend(mp4_tail(output));
    a
}

/// One text subtitle stream of the source as WebVTT (named, so jobs may write to a
/// temporary name); the source's own input options, so it is read as the probe read it.
pub fn subtitle_track_args(input: &Path, output: &Path, probe: &Probe, stream: u32) -> Vec<String> {
    let mut a = head(input, &probe.input_options());
    a.extend(strs(&[
        "-map",
        &format!("0:{stream}"),
        "-c:s",
        "webvtt",
        "-f",
        "webvtt",
    ]));
    a.extend(strs(&["-progress", "pipe:1", "-nostats", &ffmpeg_path(output)]));
    a
}

/// A 10-bit HDR proxy for HDR displays, beside the SDR one: VP9 profile 2 in 4:2:0 10-bit,
/// kept in the source's transfer (PQ or HLG), primaries and matrix and tagged so, at the SDR
/// proxy's size cap, frame rate and keyframe interval, `vp9_crf` capped at the proxy's
/// bitrate; Opus stereo sound; WebM. Always in software (libvpx). None for an SDR source.
pub fn hdr_proxy_args(
    input: &Path,
    output: &Path,
    probe: &Probe,
    s: &ProxySettings,
    vp9_crf: u32,
) -> Option<Vec<String>> {
    let transfer = probe.hdr()?;
    let mut a = head(input, &probe.input_options());
    a.extend(map_video(probe));
    if probe.has_audio {
        a.extend(map_audio(probe));
    }
    let mh = s.max_height.max(2);
    // Scaling within Y'CbCr leaves the code values' meaning alone: no colour conversion.
    let vf = format!(
        "{}scale=w='max(2,round(oh*dar/2)*2)':h='max(2,trunc(min({mh},ih)/2)*2)',setsar=1,format=yuv420p10le",
        deinterlace(probe)
    );
    a.extend(strs(&["-vf", &vf]));
    if let Some(fps) = probe.fps.filter(|f| f.num > 0 && f.den > 0) {
        let gop = (fps.as_f64() * s.keyframe_secs).round().max(1.0) as u32;
        a.extend(strs(&[
            "-r",
            &format!("{}/{}", fps.num, fps.den),
            "-g",
            &gop.to_string(),
        ]));
    }
    // The realtime deadline with row threading: 10 s of 1080p PQ took 21 s on two cores at
    // cpu-used 7, 27 s at 5, and 92 s with the good deadline at 5, for sizes within 3 %.
    a.extend(strs(&[
        "-c:v",
        "libvpx-vp9",
        "-profile:v",
        "2",
        "-pix_fmt",
        "yuv420p10le",
        "-crf",
        &vp9_crf.to_string(),
        "-b:v",
        &format!("{}k", s.video_bitrate_kbps),
        "-deadline",
        "realtime",
        "-cpu-used",
        "7",
        "-row-mt",
        "1",
        "-tile-columns",
        "2",
    ]));
    // What the source says when it is a value ffmpeg's tags take, else BT.2020.
    let primaries = probe
        .color_primaries
        .as_deref()
        .filter(|p| ["bt2020", "smpte432", "smpte431", "bt709"].contains(p))
        .unwrap_or("bt2020");
    let matrix = probe
        .color_space
        .as_deref()
        .filter(|m| ["bt2020nc", "bt2020c", "bt709"].contains(m))
        .unwrap_or("bt2020nc");
    let range = if probe.color_range.as_deref() == Some("pc") {
        "pc"
    } else {
        "tv"
    };
    a.extend(strs(&[
        "-color_primaries",
        primaries,
        "-color_trc",
        transfer.zscale(),
        "-colorspace",
        matrix,
        "-color_range",
        range,
    ]));
    if probe.has_audio {
        a.extend(stereo_downmix(probe.audio_streams.first()));
        a.extend(strs(&[
            "-c:a",
            "libopus",
            "-b:a",
            &format!("{}k", s.audio_bitrate_kbps),
            "-ac",
            "2",
        ]));
    } else {
        a.push("-an".into());
    }
    a.extend(strs(&[
        "-sn",
        "-dn",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-f",
        "webm",
        "-progress",
        "pipe:1",
        "-nostats",
        &ffmpeg_path(output),
    ]));
    Some(a)
}

/// A picture of the first audio track's waveform, PNG or WebP by the output's extension.
pub fn waveform_args(input: &Path, output: &Path, width: u32, height: u32) -> Vec<String> {
    // No probe here to name the demuxer: the whitelist alone keeps lists out.
    let mut a = head(input, &formats::input_options(None));
    let graph = format!(
        "[0:a:0]aformat=channel_layouts=mono,showwavespic=s={}x{}:colors=0x9db4d0[wave]",
        width.max(1),
        height.max(1)
    );
    a.extend(strs(&["-filter_complex", &graph, "-map", "[wave]", "-frames:v", "1"]));
    a.extend(image_tail(output));
    a
}

/// The filter that deinterlaces an interlaced source, frame for frame (one output frame per
/// input frame, so frame N stays frame N), from the field order the probe found; empty
/// for a progressive one.
fn deinterlace(probe: &Probe) -> String {
    match probe.field_order.as_deref() {
        Some(parity @ ("tff" | "bff")) => format!("bwdif=mode=send_frame:parity={parity}:deint=all,"),
        _ => String::new(),
    }
}

/// zscale's name of an ffprobe colour matrix.
fn zscale_matrix(space: &str) -> &'static str {
    match space {
        "bt2020c" => "2020_cl",
        "bt709" => "709",
        "smpte170m" | "bt470bg" => "170m",
        _ => "2020_ncl",
    }
}

/// An HDR source mapped to SDR BT.709 in 8-bit 4:2:0: to linear light (nominal peak
/// 100 nits), BT.709 primaries, Hable's curve without desaturation, BT.709 transfer and
/// matrix in limited range. The source's colour description is given explicitly, so a
/// stream that tags only some frames is read the same throughout. An SDR source is only
/// put into 8-bit 4:2:0.
fn to_sdr(probe: &Probe) -> String {
    let Some(t) = probe.hdr() else {
        return "format=yuv420p".into();
    };
    let pin = match probe.color_primaries.as_deref() {
        Some("bt709") => "709",
        Some("smpte432") => "smpte432",
        _ => "2020",
    };
    let min = zscale_matrix(probe.color_space.as_deref().unwrap_or("bt2020nc"));
    let rin = if probe.color_range.as_deref() == Some("pc") {
        "full"
    } else {
        "limited"
    };
    format!(
        "zscale=tin={}:pin={pin}:min={min}:rin={rin}:t=linear:npl=100,format=gbrpf32le,zscale=p=709,\
         tonemap=tonemap=hable:desat=0,zscale=t=709:m=709:r=limited,format=yuv420p",
        t.zscale()
    )
}

/// The tone mapping for pictures (posters, sheets), after a comma; empty for SDR.
fn tone_map_tail(probe: &Probe) -> String {
    if probe.hdr().is_some() {
        format!(",{}", to_sdr(probe))
    } else {
        String::new()
    }
}

/// A still image as WebP, no side longer than `max_dim`, never enlarged.
pub fn image_args(input: &Path, output: &Path, max_dim: u32) -> Vec<String> {
    // No probe here to name the demuxer: the whitelist alone keeps lists out.
    let mut a = head(input, &formats::input_options(None));
    let m = max_dim.max(2);
    // Stills have square pixels in practice, and force_original_aspect_ratio keeps iw:ih.
    let scale = format!("scale=w='min({m},iw)':h='min({m},ih)':force_original_aspect_ratio=decrease");
    a.extend(strs(&["-map", "0:v:0", "-frames:v", "1", "-vf", &scale]));
    a.extend(image_tail(output));
    a
}

/// One frame at a tenth of the duration (the very first frame is often black), as a WebP at
/// most `POSTER_MAX_WIDTH` wide.
pub fn poster_args(input: &Path, output: &Path, probe: &Probe) -> Vec<String> {
    let at = poster_time(probe);
    let mut a = strs(&["-hide_banner", "-nostdin", "-v", "error", "-y"]);
    if at > 0.0 {
        a.extend(strs(&["-ss", &secs(at)]));
    }
    a.extend(self::input(input, &probe.input_options()));
    a.extend(map_video(probe));
    let scale = format!(
        "{}scale=w='trunc(min({POSTER_MAX_WIDTH},iw*sar)/2)*2':h='max(2,trunc(ow/dar/2)*2)',setsar=1{}",
        deinterlace(probe),
        tone_map_tail(probe)
    );
    a.extend(strs(&["-frames:v", "1", "-vf", &scale]));
    a.extend(image_tail(output));
    a
}

/// The time `poster_args` grabs, in seconds.
pub fn poster_time(probe: &Probe) -> f64 {
    match probe.duration {
        Some(d) if d >= 1.0 => d * 0.1,
        _ => 0.0,
    }
}

/// Up to `max_tiles` tiles, evenly spread over the whole duration, never more than the frames
/// there are (two tiles of the same frame would shift every later tile).
pub fn sheet_plan(probe: &Probe, max_tiles: u32) -> SheetPlan {
    let duration = probe.duration.filter(|d| d.is_finite() && *d > 0.0).unwrap_or(0.0);
    let frames = probe
        .frame_count
        .or_else(|| probe.fps.map(|f| (duration * f.as_f64()).floor() as i64))
        .unwrap_or(1)
        .clamp(1, i64::from(MAX_SHEET_TILES)) as u32;
    let n = max_tiles.clamp(1, MAX_SHEET_TILES).min(frames);
    let n = if duration > 0.0 { n } else { 1 };
    // Near-square sheets keep both sides well inside image size limits.
    let columns = (f64::from(n).sqrt().ceil() as u32).max(1);
    let rows = n.div_ceil(columns);
    let aspect = match (probe.width, probe.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => f64::from(w) / f64::from(h),
        _ => 16.0 / 9.0,
    };
    let tile_height = even((f64::from(SHEET_TILE_WIDTH) / aspect).round() as u32);
    let times = (0..n)
        .map(|i| (f64::from(i) * duration / f64::from(n) * 1e6).round() / 1e6)
        .collect();
    SheetPlan {
        columns,
        rows,
        tile_width: SHEET_TILE_WIDTH,
        tile_height,
        times,
    }
}

/// One WebP of `plan.columns × plan.rows` tiles of `tile_width × tile_height`.
pub fn sheet_args(input: &Path, output: &Path, probe: &Probe, plan: &SheetPlan) -> Vec<String> {
    let mut a = head(input, &probe.input_options());
    a.extend(map_video(probe));
    let n = plan.times.len().max(1);
    let span = probe.duration.filter(|d| *d > 0.0).unwrap_or(1.0);
    // Tile k starts at k·span/n. Shifting t by half a frame makes the first frame selected for a
    // tile the one nearest to its time, and keeps float error at exact frame times harmless.
    let half_frame = probe.fps.map_or(0.02, |f| 0.5 / f.as_f64().max(1.0));
    let k = |t: &str| format!("floor(({t}-start_t+{half_frame:.6})*{n}/{span:.6})");
    let select = format!(
        "select='lt({now},{n})*(isnan(prev_selected_t)+gt({now},{prev}))'",
        now = k("t"),
        prev = k("prev_selected_t"),
    );
    let graph = format!(
        "{d}{select},scale={w}:{h},setsar=1{t},tile={c}x{r}",
        d = deinterlace(probe),
        t = tone_map_tail(probe),
        w = plan.tile_width,
        h = plan.tile_height,
        c = plan.columns.max(1),
        r = plan.rows.max(1),
    );
    a.extend(strs(&["-an", "-sn", "-dn", "-vf", &graph, "-frames:v", "1"]));
    a.extend(image_tail(output));
    a
}

/// Turns ffmpeg's `-progress` lines into a completion fraction.
///
/// ffmpeg writes blocks of `key=value` lines, each ending with `progress=continue` (or `end`).
#[derive(Debug, Clone)]
pub struct ProgressParser {
    total: Option<f64>,
    out_time: Option<f64>,
    fraction: f64,
    finished: bool,
}

impl ProgressParser {
    /// `total_duration` in seconds; without it the fraction stays 0 until the end.
    pub fn new(total_duration: Option<f64>) -> Self {
        ProgressParser {
            total: total_duration.filter(|d| d.is_finite() && *d > 0.0),
            out_time: None,
            fraction: 0.0,
            finished: false,
        }
    }

    /// Reads one line. At the end of each block returns the fraction done: never lower than the
    /// previous one, within 0.0..=1.0, exactly 1.0 once ffmpeg says `progress=end`.
    pub fn feed(&mut self, line: &str) -> Option<f64> {
        let (key, value) = line.trim().split_once('=')?;
        let value = value.trim();
        match key.trim() {
            // out_time_ms is in microseconds too (a long-standing ffmpeg misnomer).
            "out_time_us" | "out_time_ms" => {
                if let Ok(us) = value.parse::<i64>() {
                    self.out_time = Some(us as f64 / 1e6);
                }
            }
            "out_time" => {
                if let Some(t) = parse_clock(value) {
                    self.out_time = Some(t);
                }
            }
            "progress" => {
                if value == "end" {
                    self.finished = true;
                    self.fraction = 1.0;
                } else if let (Some(t), Some(total)) = (self.out_time, self.total) {
                    // Before the end, ffmpeg may overshoot the probed duration slightly.
                    self.fraction = self.fraction.max((t / total).clamp(0.0, 1.0));
                }
                return Some(self.fraction);
            }
            _ => {}
        }
        None
    }

    pub fn fraction(&self) -> f64 {
        self.fraction
    }

    pub fn finished(&self) -> bool {
        self.finished
    }
}

/// "HH:MM:SS.micro"; ffmpeg prints "-" prefixed or "N/A" values before the first packet.
fn parse_clock(s: &str) -> Option<f64> {
    let mut secs = 0.0;
    for part in s.split(':') {
        secs = secs * 60.0 + part.parse::<f64>().ok()?;
    }
    (secs >= 0.0).then_some(secs)
}

/// The start of every command: quiet, overwrite, and the one input read as the single file it
/// is (see `input`).
fn head(input: &Path, options: &[String]) -> Vec<String> {
    let mut a = strs(&["-hide_banner", "-nostdin", "-v", "error", "-y"]);
    a.extend(self::input(input, options));
    a
}

/// `-i file:<input>` with only the file protocol and media demuxers allowed, and the probed
/// demuxer named when known: an upload that is a playlist or a file list (HLS, ffconcat) can
/// then not make ffmpeg open any other file.
fn input(input: &Path, options: &[String]) -> Vec<String> {
    let mut a = formats::options_for(input, options.to_vec());
    a.push("-i".to_owned());
    a.push(formats::input_arg(input).to_string_lossy().into_owned());
    a
}

fn map_video(probe: &Probe) -> Vec<String> {
    let spec = probe.video_stream.map_or("0:v:0".to_owned(), |i| format!("0:{i}"));
    strs(&["-map", &spec])
}

fn map_audio(probe: &Probe) -> Vec<String> {
    let spec = probe.audio_stream.map_or("0:a:0".to_owned(), |i| format!("0:{i}"));
    strs(&["-map", &spec])
}

fn aac(s: &ProxySettings) -> Vec<String> {
    strs(&["-c:a", "aac", "-b:a", &format!("{}k", s.audio_bitrate_kbps), "-ac", "2"])
}

/// ITU-R BS.775's down-mix gain for the centre and the surrounds: −3 dB.
const MINUS_3DB: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// `-af pan=…` that folds a track of more than two channels into stereo by ITU-R BS.775:
/// fronts at 0 dB, centre into both sides at −3 dB, each surround into its side at −3 dB
/// (a back centre into both at −6 dB), LFE dropped. The gains are not renormalized, so
/// dialogue in the centre keeps its level against the fronts (the same matrix ffmpeg's
/// `-ac 2` applies to float audio, written out so it does not depend on ffmpeg's defaults).
/// Empty for mono and stereo, and for a layout this table does not know (ffprobe gave
/// none, or it has height or wide channels): `-ac 2` then lets ffmpeg down-mix with the
/// same −3 dB centre and surround levels, guessing the layout from the channel count.
fn stereo_downmix(track: Option<&AudioStream>) -> Vec<String> {
    let Some(track) = track.filter(|t| t.channels.is_some_and(|c| c > 2)) else {
        return Vec::new();
    };
    match track.channel_layout.as_deref().and_then(pan_to_stereo) {
        Some(pan) => strs(&["-af", &pan]),
        None => Vec::new(),
    }
}

/// The pan filter for one layout, or None when a channel has no agreed place in stereo.
fn pan_to_stereo(layout: &str) -> Option<String> {
    let channels = layout_channels(layout)?;
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for ch in &channels {
        let (l, r) = stereo_gains(ch)?;
        for (side, gain) in [(&mut left, l), (&mut right, r)] {
            if gain > 0.0 {
                side.push(if gain == 1.0 {
                    (*ch).to_owned()
                } else {
                    format!("{gain:.4}*{ch}")
                });
            }
        }
    }
    if left.is_empty() || right.is_empty() {
        return None;
    }
    Some(format!("pan=stereo|c0={}|c1={}", left.join("+"), right.join("+")))
}

/// The channels of one of ffmpeg's named layouts, or of a "FL+FR+…" list.
fn layout_channels(layout: &str) -> Option<Vec<&str>> {
    let named: &[&str] = match layout {
        "2.1" => &["FL", "FR", "LFE"],
        "3.0" => &["FL", "FR", "FC"],
        "3.0(back)" => &["FL", "FR", "BC"],
        "4.0" => &["FL", "FR", "FC", "BC"],
        "quad" => &["FL", "FR", "BL", "BR"],
        "quad(side)" => &["FL", "FR", "SL", "SR"],
        "3.1" => &["FL", "FR", "FC", "LFE"],
        "5.0" => &["FL", "FR", "FC", "BL", "BR"],
        "5.0(side)" => &["FL", "FR", "FC", "SL", "SR"],
        "4.1" => &["FL", "FR", "FC", "LFE", "BC"],
        "5.1" => &["FL", "FR", "FC", "LFE", "BL", "BR"],
        "5.1(side)" => &["FL", "FR", "FC", "LFE", "SL", "SR"],
        "6.0" => &["FL", "FR", "FC", "BC", "SL", "SR"],
        "hexagonal" => &["FL", "FR", "FC", "BL", "BR", "BC"],
        "6.1" => &["FL", "FR", "FC", "LFE", "BC", "SL", "SR"],
        "6.1(back)" => &["FL", "FR", "FC", "LFE", "BL", "BR", "BC"],
        "7.0" => &["FL", "FR", "FC", "BL", "BR", "SL", "SR"],
        "7.1" => &["FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"],
        "7.1(wide)" => &["FL", "FR", "FC", "LFE", "BL", "BR", "FLC", "FRC"],
        "7.1(wide-side)" => &["FL", "FR", "FC", "LFE", "FLC", "FRC", "SL", "SR"],
        _ if layout.contains('+') => return Some(layout.split('+').collect()),
        _ => return None,
    };
    Some(named.to_vec())
}

/// (gain into left, gain into right) of one input channel.
fn stereo_gains(channel: &str) -> Option<(f64, f64)> {
    Some(match channel {
        "FL" | "FLC" | "DL" => (1.0, 0.0),
        "FR" | "FRC" | "DR" => (0.0, 1.0),
        "FC" => (MINUS_3DB, MINUS_3DB),
        "BL" | "SL" => (MINUS_3DB, 0.0),
        "BR" | "SR" => (0.0, MINUS_3DB),
        "BC" => (0.5, 0.5),
        "LFE" | "LFE2" => (0.0, 0.0),
        _ => return None,
    })
}

/// The container is named, not guessed from the extension, so jobs may write to a temporary name.
fn mp4_tail(output: &Path) -> Vec<String> {
    strs(&[
        "-sn",
        "-dn",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        "-progress",
        "pipe:1",
        "-nostats",
        &ffmpeg_path(output),
    ])
}

fn image_tail(output: &Path) -> Vec<String> {
    let png = output.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
    let format: &[&str] = if png {
        &["-c:v", "png", "-f", "image2", "-update", "1"]
    } else {
        &["-c:v", "libwebp", "-quality", "80", "-f", "webp"]
    };
    let mut a = strs(format);
    a.extend(strs(&["-map_metadata", "-1", &ffmpeg_path(output)]));
    a
}

/// ffmpeg reads "name:rest" as a protocol (http:, concat:, …) and "-name" as an option; the
/// `file:` prefix makes any uploaded name just a file.
fn ffmpeg_path(path: &Path) -> String {
    format!("file:{}", path.to_string_lossy())
}

fn secs(t: f64) -> String {
    format!("{t:.3}")
}

fn even(v: u32) -> u32 {
    (v / 2 * 2).max(2)
}

fn strs(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::probe::parse_ffprobe;
    use dailies_protocol::Rational;

    fn probe(w: i32, h: i32, duration: f64, audio: bool) -> Probe {
        let audio_stream = if audio {
            r#",{"index":1,"codec_type":"audio","codec_name":"pcm_s16le","channels":1}"#
        } else {
            ""
        };
        let json = format!(
            r#"{{"streams":[{{"index":0,"codec_type":"video","codec_name":"prores","width":{w},"height":{h},
            "r_frame_rate":"25/1","avg_frame_rate":"25/1","nb_frames":"{n}"}}{audio_stream}],
            "format":{{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"{duration}"}}}}"#,
            n = (duration * 25.0).round()
        );
        parse_ffprobe(&json).unwrap()
    }

    #[test]
    fn interlaced_sources_are_deinterlaced_frame_for_frame() {
        let mut p = probe(1920, 1080, 10.0, false);
        let vf = |a: Vec<String>| a[a.iter().position(|x| x == "-vf").unwrap() + 1].clone();
        let out = Path::new("/o/proxy.mp4");
        let settings = ProxySettings::default();
        assert!(!vf(proxy_args(Path::new("/i"), out, &p, &settings)).contains("bwdif"));
        p.field_order = Some("bff".into());
        let v = vf(proxy_args(Path::new("/i"), out, &p, &settings));
        assert!(
            v.starts_with("bwdif=mode=send_frame:parity=bff:deint=all,scale="),
            "{v}"
        );
        assert!(vf(poster_args(Path::new("/i"), out, &p)).starts_with("bwdif="));
        let plan = sheet_plan(&p, 10);
        assert!(vf(sheet_args(Path::new("/i"), out, &p, &plan)).starts_with("bwdif="));
    }

    fn has_pair(args: &[String], key: &str, value: &str) -> bool {
        args.windows(2).any(|w| w[0] == key && w[1] == value)
    }

    #[test]
    fn proxy_is_h264_aac_faststart_with_progress() {
        let p = probe(3840, 2160, 10.0, true);
        let a = proxy_args(
            Path::new("/m/in.mov"),
            Path::new("/m/proxy.mp4"),
            &p,
            &ProxySettings::default(),
        );
        assert_eq!(a[a.len() - 1], "file:/m/proxy.mp4");
        assert!(has_pair(&a, "-i", "file:/m/in.mov"));
        assert!(has_pair(&a, "-c:v", "libx264"));
        assert!(has_pair(&a, "-pix_fmt", "yuv420p"));
        assert!(has_pair(&a, "-profile:v", "high"));
        assert!(has_pair(&a, "-maxrate", "8000k"));
        assert!(has_pair(&a, "-crf", "20"));
        assert!(has_pair(&a, "-c:a", "aac"));
        assert!(has_pair(&a, "-ac", "2"));
        assert!(has_pair(&a, "-movflags", "+faststart"));
        assert!(has_pair(&a, "-progress", "pipe:1"));
        assert!(has_pair(&a, "-r", "25/1"));
        assert!(has_pair(&a, "-map", "0:0") && has_pair(&a, "-map", "0:1"));
        assert!(a.contains(&"-nostats".to_owned()) && a.contains(&"-y".to_owned()));
        let vf = &a[a.iter().position(|x| x == "-vf").unwrap() + 1];
        assert!(vf.contains("min(1080,ih)"), "{vf}");
    }

    #[test]
    fn proxy_without_audio_has_no_audio_track() {
        let p = probe(333, 241, 2.0, false);
        let a = proxy_args(Path::new("in.mp4"), Path::new("out.mp4"), &p, &ProxySettings::default());
        assert!(a.contains(&"-an".to_owned()));
        assert!(!a.iter().any(|x| x == "aac"));
        assert_eq!(a.iter().filter(|x| *x == "-map").count(), 1);
    }

    #[test]
    fn audio_proxy_and_waveform() {
        let mut p = probe(1, 1, 3.0, true);
        p.video_stream = None;
        let a = audio_proxy_args(Path::new("in.wav"), Path::new("out.m4a"), &p, &ProxySettings::default());
        assert!(has_pair(&a, "-map", "0:1") && a.contains(&"-vn".to_owned()));
        assert!(has_pair(&a, "-f", "mp4") && has_pair(&a, "-b:a", "192k"));
        let w = waveform_args(Path::new("in.wav"), Path::new("wave.png"), 800, 120);
        assert!(w.iter().any(|x| x.contains("showwavespic=s=800x120")));
        assert!(has_pair(&w, "-c:v", "png"));
        let w = waveform_args(Path::new("in.wav"), Path::new("wave.webp"), 800, 120);
        assert!(has_pair(&w, "-f", "webp"));
    }

    fn track(index: u32, channels: i32, layout: Option<&str>) -> AudioStream {
        AudioStream {
            index,
            codec: Some("pcm_s16le".into()),
            channels: Some(channels),
            channel_layout: layout.map(str::to_owned),
            language: None,
            title: None,
        }
    }

    fn af(args: &[String]) -> Option<&str> {
        args.iter().position(|x| x == "-af").map(|i| args[i + 1].as_str())
    }

    #[test]
    fn surround_is_folded_to_stereo_by_bs775() {
        let pan = |layout: &str, n| af(&stereo_downmix(Some(&track(1, n, Some(layout))))).map(str::to_owned);
        assert_eq!(
            pan("5.1", 6).as_deref(),
            Some("pan=stereo|c0=FL+0.7071*FC+0.7071*BL|c1=FR+0.7071*FC+0.7071*BR")
        );
        assert_eq!(
            pan("5.1(side)", 6).as_deref(),
            Some("pan=stereo|c0=FL+0.7071*FC+0.7071*SL|c1=FR+0.7071*FC+0.7071*SR")
        );
        assert_eq!(
            pan("7.1", 8).as_deref(),
            Some("pan=stereo|c0=FL+0.7071*FC+0.7071*BL+0.7071*SL|c1=FR+0.7071*FC+0.7071*BR+0.7071*SR")
        );
        assert_eq!(
            pan("4.0", 4).as_deref(),
            Some("pan=stereo|c0=FL+0.7071*FC+0.5000*BC|c1=FR+0.7071*FC+0.5000*BC")
        );
        // ffprobe's spelling of a layout without a name.
        assert_eq!(
            pan("FL+FR+FC+LFE", 4).as_deref(),
            Some("pan=stereo|c0=FL+0.7071*FC|c1=FR+0.7071*FC")
        );
        // Unknown places and unknown layouts are left to ffmpeg's own -ac 2.
        assert_eq!(pan("5.1.2", 8), None);
        assert_eq!(pan("FL+FR+TFL+TFR", 4), None);
        assert!(stereo_downmix(Some(&track(1, 6, None))).is_empty());
        // Mono and stereo need no matrix.
        assert!(stereo_downmix(Some(&track(1, 2, Some("stereo")))).is_empty());
        assert!(stereo_downmix(Some(&track(1, 1, Some("mono")))).is_empty());
        assert!(stereo_downmix(None).is_empty());
    }

    #[test]
    fn proxies_and_extra_tracks_down_mix_their_own_stream() {
        let mut p = probe(640, 360, 4.0, true);
        p.audio_streams = vec![track(1, 6, Some("5.1")), track(2, 2, Some("stereo"))];
        let s = ProxySettings::default();
        let (i, o) = (Path::new("/m/in.mov"), Path::new("/m/out.m4a"));
        for a in [proxy_args(i, o, &p, &s), audio_proxy_args(i, o, &p, &s)] {
            assert!(
                af(&a).is_some_and(|f| f.starts_with("pan=stereo|c0=FL+0.7071*FC")),
                "{a:?}"
            );
            assert!(has_pair(&a, "-ac", "2") && has_pair(&a, "-c:a", "aac"));
        }
        let second = audio_track_args(i, o, &p, &p.audio_streams[1], &s);
        assert!(has_pair(&second, "-map", "0:2") && second.contains(&"-vn".to_owned()));
        assert_eq!(second.iter().filter(|x| *x == "-map").count(), 1);
        assert_eq!(af(&second), None, "stereo stays as it is");
        assert!(has_pair(&second, "-c:a", "aac") && has_pair(&second, "-ac", "2"));
        assert!(has_pair(&second, "-b:a", "192k") && has_pair(&second, "-movflags", "+faststart"));
        assert!(has_pair(&second, "-f", "mp4") && has_pair(input_options(&second), "-f", "mov"));
        assert_eq!(second.last().map(String::as_str), Some("file:/m/out.m4a"));
        let third = audio_track_args(i, o, &p, &track(3, 6, Some("5.1(side)")), &s);
        assert!(has_pair(&third, "-map", "0:3"));
        assert!(af(&third).is_some_and(|f| f.contains("0.7071*SL")), "{third:?}");
    }

    #[test]
    fn poster_time_is_a_tenth_or_zero() {
        assert_eq!(poster_time(&probe(640, 360, 20.0, false)), 2.0);
        assert_eq!(poster_time(&probe(640, 360, 0.5, false)), 0.0);
        let a = poster_args(Path::new("a.mp4"), Path::new("t.webp"), &probe(640, 360, 20.0, false));
        assert!(has_pair(&a, "-ss", "2.000"));
        assert!(
            a.iter().position(|x| x == "-ss") < a.iter().position(|x| x == "-i"),
            "seek before input"
        );
        assert!(has_pair(&a, "-frames:v", "1") && has_pair(&a, "-c:v", "libwebp"));
    }

    #[test]
    fn image_is_bounded_webp() {
        let a = image_args(Path::new("a.png"), Path::new("a.webp"), 2048);
        let vf = &a[a.iter().position(|x| x == "-vf").unwrap() + 1];
        assert!(vf.contains("min(2048,iw)") && vf.contains("force_original_aspect_ratio=decrease"));
    }

    #[test]
    fn sheet_plan_spreads_tiles_over_the_duration() {
        let plan = sheet_plan(&probe(1920, 1080, 100.0, false), 100);
        assert_eq!((plan.columns, plan.rows), (10, 10));
        assert_eq!((plan.tile_width, plan.tile_height), (160, 90));
        assert_eq!(plan.times.len(), 100);
        assert_eq!(plan.times[0], 0.0);
        assert_eq!(plan.times[1], 1.0);
        assert_eq!(plan.times[99], 99.0);
    }

    #[test]
    fn sheet_plan_never_repeats_frames_and_keeps_even_tiles() {
        let plan = sheet_plan(&probe(333, 241, 0.4, false), 100);
        assert_eq!(plan.times.len(), 10, "only 10 frames");
        assert_eq!((plan.columns, plan.rows), (4, 3));
        assert_eq!(plan.tile_height, 116, "160 / (333/241) = 115.8, made even");
        let portrait = sheet_plan(&probe(1080, 1920, 60.0, false), 12);
        assert_eq!((portrait.columns, portrait.rows, portrait.tile_height), (4, 3, 284));
    }

    #[test]
    fn sheet_args_select_and_tile() {
        let p = probe(1920, 1080, 100.0, false);
        let plan = sheet_plan(&p, 100);
        let a = sheet_args(Path::new("a.mp4"), Path::new("s.webp"), &p, &plan);
        let vf = &a[a.iter().position(|x| x == "-vf").unwrap() + 1];
        assert!(vf.starts_with("select='"), "{vf}");
        assert!(vf.ends_with("scale=160:90,setsar=1,tile=10x10"), "{vf}");
        assert!(has_pair(&a, "-frames:v", "1"));
    }

    #[test]
    fn odd_fps_is_passed_exactly() {
        let mut p = probe(640, 480, 1.0, false);
        p.fps = Some(Rational { num: 30000, den: 1001 });
        let a = proxy_args(Path::new("a"), Path::new("b"), &p, &ProxySettings::default());
        assert!(
            has_pair(&a, "-r", "30000/1001") && has_pair(&a, "-g", "15"),
            "a keyframe every half second"
        );
    }

    /// The options before `-i`, which ffmpeg applies to that input.
    fn input_options(args: &[String]) -> &[String] {
        &args[..args.iter().position(|x| x == "-i").unwrap()]
    }

    #[test]
    fn every_command_reads_its_input_as_one_media_file() {
        let p = probe(640, 360, 4.0, true);
        let plan = sheet_plan(&p, 10);
        let (i, o) = (Path::new("/m/original.mov"), Path::new("/m/tmp.out"));
        let allowed = formats::MEDIA_DEMUXERS.join(",");
        let with_probe = [
            ("proxy", proxy_args(i, o, &p, &ProxySettings::default())),
            ("audio", audio_proxy_args(i, o, &p, &ProxySettings::default())),
            ("poster", poster_args(i, o, &p)),
            ("sheet", sheet_args(i, o, &p, &plan)),
        ];
        for (what, a) in &with_probe {
            let before = input_options(a);
            assert!(has_pair(before, "-protocol_whitelist", "file"), "{what}: {a:?}");
            assert!(has_pair(before, "-format_whitelist", &allowed), "{what}: {a:?}");
            assert!(has_pair(before, "-f", "mov"), "{what}: the probed demuxer, {a:?}");
            assert_eq!(a.iter().filter(|x| *x == "-i").count(), 1, "{what}: one input");
            assert!(has_pair(a, "-i", "file:/m/original.mov"), "{what}");
        }
        let without_probe = [
            ("image", image_args(i, o, 512)),
            ("waveform", waveform_args(i, o, 100, 20)),
        ];
        for (what, a) in &without_probe {
            let before = input_options(a);
            assert!(has_pair(before, "-protocol_whitelist", "file"), "{what}: {a:?}");
            assert!(has_pair(before, "-format_whitelist", &allowed), "{what}: {a:?}");
            assert!(!before.contains(&"-f".to_owned()), "{what}: {a:?}");
        }
        for (what, a) in with_probe.iter().chain(&without_probe) {
            for banned in ["hls", "concat", "subfile", "http", "dash"] {
                assert!(
                    !input_options(a).iter().any(|x| x.split(',').any(|d| d == banned)),
                    "{what} allows {banned}"
                );
            }
        }
    }

    #[test]
    fn a_probe_of_an_unknown_container_names_no_demuxer() {
        let mut p = probe(640, 360, 4.0, false);
        p.container = "hls".into();
        let a = proxy_args(Path::new("i"), Path::new("o"), &p, &ProxySettings::default());
        assert!(!input_options(&a).contains(&"-f".to_owned()), "{a:?}");
        assert!(has_pair(input_options(&a), "-protocol_whitelist", "file"));
    }

    /// Recorded from `ffmpeg … -progress pipe:1` on a 1 s clip.
    const RECORDED: &str = "frame=1\nfps=0.00\nstream_0_0_q=0.0\nbitrate=   8.3kbits/s\ntotal_size=48\n\
        out_time_us=46440\nout_time_ms=46440\nout_time=00:00:00.046440\ndup_frames=0\ndrop_frames=0\n\
        speed=10.2x\nprogress=continue\nframe=13\nout_time_us=520000\nout_time_ms=520000\n\
        out_time=00:00:00.520000\nprogress=continue\nframe=25\nout_time_us=1023220\nout_time_ms=1023220\n\
        out_time=00:00:01.023220\nprogress=end\n";

    #[test]
    fn progress_from_recorded_lines() {
        let mut pp = ProgressParser::new(Some(1.0));
        let got: Vec<f64> = RECORDED.lines().filter_map(|l| pp.feed(l)).collect();
        assert_eq!(got.len(), 3);
        assert!((got[0] - 0.04644).abs() < 1e-9);
        assert!((got[1] - 0.52).abs() < 1e-9);
        assert_eq!(got[2], 1.0);
        assert!(pp.finished());
    }

    #[test]
    fn progress_is_monotonic_clamped_and_tolerant() {
        let mut pp = ProgressParser::new(Some(2.0));
        let lines = [
            "out_time_us=-9223372036854775807",
            "out_time=-577014:32:22.775808",
            "progress=continue",
            "out_time=00:00:01.500000",
            "progress=continue",
            "out_time_ms=1000000",
            "progress=continue",
            "out_time_us=N/A",
            "out_time_us=9000000",
            "progress=continue",
            "garbage",
        ];
        let got: Vec<f64> = lines.iter().filter_map(|l| pp.feed(l)).collect();
        assert_eq!(got, vec![0.0, 0.75, 0.75, 1.0]);
        assert!(!pp.finished());
        let mut unknown = ProgressParser::new(None);
        assert_eq!(unknown.feed("out_time_us=5000000"), None);
        assert_eq!(unknown.feed("progress=continue"), Some(0.0));
        assert_eq!(unknown.feed("progress=end"), Some(1.0));
    }
}
