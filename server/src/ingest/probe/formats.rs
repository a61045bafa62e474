//! What ffmpeg and ffprobe may read: real media demuxers over the `file` protocol only, never a
//! playlist or a list of other files (HLS, ffconcat, DASH…), which would make them open other paths.

/// Demuxers of single media files, by the first name ffprobe gives in `format_name`. Each reads
/// only its own file: no playlists, no concat or subfile, no `mlv`/`vobsub` (they open sibling
/// files), no `svg_pipe` (an SVG may reference files), no text or subtitle formats. `mov` opens
/// external data references only with `enable_drefs`, which is off by default.
pub const MEDIA_DEMUXERS: &[&str] = &[
    // Video containers and raw video streams.
    "mov",
    "matroska",
    "avi",
    "mxf",
    "mpegts",
    "mpeg",
    "mpegvideo",
    "m4v",
    "flv",
    "asf",
    "ogg",
    "nut",
    "dv",
    "gxf",
    "ivf",
    "yuv4mpegpipe",
    "h264",
    "hevc",
    "vc1",
    "obu",
    // Audio.
    "wav",
    "w64",
    "aiff",
    "flac",
    "mp3",
    "aac",
    "ac3",
    "eac3",
    "dts",
    "truehd",
    "mlp",
    "caf",
    "wv",
    "au",
    "amr",
    "ape",
    "tta",
    // Stills. `image2` reads a name pattern, but stored names are `original.<ext>`, which has none.
    "image2",
    "gif",
    "apng",
    "bmp_pipe",
    "dpx_pipe",
    "exr_pipe",
    "hdr_pipe",
    "j2k_pipe",
    "jpeg_pipe",
    "jpegls_pipe",
    "pam_pipe",
    "pbm_pipe",
    "pgm_pipe",
    "ppm_pipe",
    "png_pipe",
    "psd_pipe",
    "qoi_pipe",
    "sgi_pipe",
    "tiff_pipe",
    "webp_pipe",
];

/// Demuxers of streams without an index (transport and program streams, raw elementary
/// streams): a seek from the end lands anywhere in a GOP, so the end is checked by reading the
/// file's last bytes until a keyframe instead.
pub const UNINDEXED_DEMUXERS: &[&str] = &["mpegts", "mpeg", "mpegvideo", "m4v", "h264", "hevc", "vc1"];

/// Demuxers that read a list of other files or streams, and how to name them to the uploader.
const PLAYLIST_DEMUXERS: &[(&str, &str)] = &[
    ("hls", "an HLS playlist (.m3u8)"),
    ("concat", "an ffconcat list"),
    ("dash", "a DASH manifest"),
    ("webm_dash_manifest", "a DASH manifest"),
    ("imf", "an IMF composition playlist"),
    ("mlv", "a Magic Lantern clip that spans several files"),
    ("sdp", "a network stream description (SDP)"),
    ("rtsp", "a network stream address"),
];

/// The demuxer for ffprobe's `format_name` ("mov,mp4,m4a,3gp,3g2,mj2" → "mov") when Dailies
/// reads that format; None for anything else.
pub fn media_demuxer(format_name: &str) -> Option<&'static str> {
    let first = format_name.split(',').next()?.trim();
    MEDIA_DEMUXERS.iter().copied().find(|d| *d == first)
}

/// The options that go before `-i` for every input ffmpeg or ffprobe opens: only the `file`
/// protocol (no `http:`, `subfile:`, `concat:` anywhere, nested opens included), only media
/// demuxers, and, when the probe chose one, exactly that demuxer instead of guessing again.
pub fn input_options(demuxer: Option<&str>) -> Vec<String> {
    let mut a = vec![
        "-protocol_whitelist".to_owned(),
        "file".to_owned(),
        "-format_whitelist".to_owned(),
        MEDIA_DEMUXERS.join(","),
    ];
    if let Some(d) = demuxer {
        a.push("-f".to_owned());
        a.push(d.to_owned());
    }
    a
}

/// Whether ffmpeg reads `input` over HTTP (a presigned URL of the object store, made by the
/// server) rather than from a file.
pub fn is_url(input: &std::path::Path) -> bool {
    let s = input.to_string_lossy();
    s.starts_with("http://") || s.starts_with("https://")
}

/// The protocols ffmpeg may use to read a presigned URL of the object store (and nothing
/// on disk).
const URL_PROTOCOLS: &str = "http,https,tcp,tls";

/// `options` (from `input_options`) made fit for reading `input`: a presigned URL may use the
/// protocols HTTP(S) needs, never the file protocol; the same demuxers are allowed either way
/// (no playlists).
pub fn options_for(input: &std::path::Path, mut options: Vec<String>) -> Vec<String> {
    if is_url(input) {
        if let Some(i) = options.iter().position(|o| o == "-protocol_whitelist") {
            if let Some(v) = options.get_mut(i + 1) {
                *v = URL_PROTOCOLS.to_owned();
            }
        }
    }
    options
}

/// `input_options` for `input` (see `options_for`).
pub fn input_options_for(input: &std::path::Path, demuxer: Option<&str>) -> Vec<String> {
    options_for(input, input_options(demuxer))
}

/// `text` with every presigned URL replaced by `<stored original>`: ffmpeg names its input in
/// its errors, and a presigned URL is a credential that must not reach a log or a reason
/// shown to the uploader.
pub fn redact_urls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("X-Amz-") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("http://").into_iter().chain(rest.find("https://")).min() {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches([':', ',', '.']);
        if url.contains("X-Amz-") {
            out.push_str("<stored original>");
        } else {
            out.push_str(url);
        }
        rest = &tail[url.len()..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The `-i` argument for `input`: `file:PATH` (so no name is read as a protocol), or the URL.
pub fn input_arg(input: &std::path::Path) -> std::ffi::OsString {
    if is_url(input) {
        return input.as_os_str().to_owned();
    }
    let mut a = std::ffi::OsString::from("file:");
    a.push(input.as_os_str());
    a
}

/// The options before `-i` for an unpacked image sequence (`…/frames/%08d.exr`): only the
/// file protocol and the image2 reader, at the sequence's frame rate, from frame `start`.
/// EXR frames hold linear light: they are shown through the sRGB curve, as compositing
/// viewers do.
pub fn sequence_input_options(s: &crate::ingest::sequence::SequenceInput, start: u64) -> Vec<String> {
    let mut a: Vec<String> = [
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        "image2",
        "-f",
        "image2",
        "-framerate",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.push(format!("{}/{}", s.fps.num, s.fps.den));
    a.push("-start_number".into());
    a.push(start.to_string());
    if s.format == "exr" {
        a.push("-apply_trc".into());
        a.push("iec61966_2_1".into());
    }
    a
}

/// How to name a playlist format to the uploader, for a demuxer ffprobe picked (or refused).
pub fn playlist_name(demuxer: &str) -> Option<&'static str> {
    let first = demuxer.split(',').next()?.trim();
    PLAYLIST_DEMUXERS
        .iter()
        .find(|(d, _)| *d == first)
        .map(|(_, what)| *what)
}

/// The demuxer ffmpeg detected and refused because it is not on the format whitelist, from
/// its log line `[hls @ 0x55…] Format not on whitelist 'mov,…'`.
pub fn refused_demuxer(stderr: &str) -> Option<&str> {
    stderr.lines().find_map(|line| {
        if !line.contains("not on whitelist") || line.contains("Protocol") {
            return None;
        }
        let rest = line.trim_start().strip_prefix('[')?;
        let (name, _) = rest.split_once(" @ ")?;
        Some(name.trim())
    })
}

/// A playlist or file list told by its first bytes, whatever the file is called: these are
/// text, so no media file starts like them.
pub fn playlist_in_head(head: &[u8]) -> Option<&'static str> {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    let text = &head[start..];
    let lower: Vec<u8> = text.iter().take(256).map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"#extm3u") {
        return Some("an HLS playlist (.m3u8)");
    }
    if lower.starts_with(b"ffconcat version") {
        return Some("an ffconcat list");
    }
    // The concat demuxer's plain form ("file 'a.mp4'" lines) is read only when named with -f,
    // which Dailies never does, but it is refused in the same words.
    let first_line = lower
        .split(|b| *b == b'\n')
        .find(|l| !l.is_empty() && !l.starts_with(b"#"))
        .unwrap_or_default();
    if first_line.starts_with(b"file ") || first_line.starts_with(b"file\t") {
        return Some("a concat list");
    }
    if lower.starts_with(b"[playlist]") {
        return Some("a playlist");
    }
    let xml = lower.starts_with(b"<?xml") || lower.starts_with(b"<mpd");
    if xml && lower.windows(4).any(|w| w == b"<mpd") {
        return Some("a DASH manifest");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_presigned_url_is_read_over_http_only_and_never_shown() {
        use std::path::Path;
        let url = Path::new("https://s3.local:3900/b/m/x/original.mkv?X-Amz-Algorithm=AWS4&X-Amz-Signature=ab12");
        let o = input_options_for(url, Some("matroska"));
        assert_eq!(o[..2], ["-protocol_whitelist", "http,https,tcp,tls"]);
        assert!(
            o.iter().any(|x| x == "matroska") && !o.iter().any(|x| x == "file"),
            "{o:?}"
        );
        assert_eq!(input_arg(url), url.as_os_str());
        let file = Path::new("/d/media/x/http:odd.mkv");
        assert_eq!(input_options_for(file, None)[1], "file");
        assert_eq!(input_arg(file), "file:/d/media/x/http:odd.mkv");

        let err = format!("{}: Invalid data found when processing input\n", url.display());
        assert_eq!(
            redact_urls(&err),
            "<stored original>: Invalid data found when processing input\n"
        );
        let quoted = format!("Input #0, matroska, from '{}':", url.display());
        assert_eq!(redact_urls(&quoted), "Input #0, matroska, from '<stored original>':");
        let plain = "see https://example.org/docs and http://x/y?X-Amz-Signature=1 twice https://a?X-Amz-Date=2";
        assert_eq!(
            redact_urls(plain),
            "see https://example.org/docs and <stored original> twice <stored original>"
        );
        assert!(matches!(redact_urls("nothing here"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn probed_formats_map_to_their_demuxer() {
        assert_eq!(media_demuxer("mov,mp4,m4a,3gp,3g2,mj2"), Some("mov"));
        assert_eq!(media_demuxer("matroska,webm"), Some("matroska"));
        assert_eq!(media_demuxer("png_pipe"), Some("png_pipe"));
        assert_eq!(media_demuxer("image2"), Some("image2"));
        for refused in [
            "hls", "concat", "dash", "tty", "srt", "svg_pipe", "vobsub", "mlv", "", "lavfi",
        ] {
            assert_eq!(media_demuxer(refused), None, "{refused}");
        }
    }

    #[test]
    fn no_list_reading_demuxer_is_allowed() {
        for (d, _) in PLAYLIST_DEMUXERS {
            assert!(!MEDIA_DEMUXERS.contains(d), "{d}");
        }
        assert!(MEDIA_DEMUXERS.iter().all(|d| !d.contains(',')));
    }

    #[test]
    fn input_options_allow_files_and_media_demuxers_only() {
        let a = input_options(Some("mov"));
        assert_eq!(a[..2], ["-protocol_whitelist", "file"]);
        assert_eq!(a[2], "-format_whitelist");
        let allowed: Vec<&str> = a[3].split(',').collect();
        assert!(allowed.contains(&"mov") && allowed.contains(&"matroska"));
        for d in ["hls", "concat", "dash", "subfile", "http"] {
            assert!(!allowed.contains(&d), "{d}");
        }
        assert_eq!(a[4..], ["-f", "mov"]);
        assert_eq!(input_options(None).len(), 4);
    }

    #[test]
    fn refused_demuxer_is_read_from_the_log() {
        let log = "[hls @ 0x55ab441815c0] Format not on whitelist 'mov,matroska,avi'\n\
                   file:/d/media/x/original.mp4: Invalid argument";
        assert_eq!(refused_demuxer(log), Some("hls"));
        assert_eq!(playlist_name("hls"), Some("an HLS playlist (.m3u8)"));
        assert_eq!(
            refused_demuxer("[concat @ 0x1] Format not on whitelist 'mov'"),
            Some("concat")
        );
        assert_eq!(
            refused_demuxer("[http @ 0x1] Protocol 'http' not on whitelist 'file'!"),
            None
        );
        assert_eq!(refused_demuxer("moov atom not found"), None);
        assert_eq!(playlist_name("tty"), None);
    }

    #[test]
    fn playlists_are_told_by_their_first_bytes() {
        let hls = b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2.0,\n../abc/proxy.mp4\n";
        assert_eq!(playlist_in_head(hls), Some("an HLS playlist (.m3u8)"));
        assert_eq!(
            playlist_in_head(b"\xef\xbb\xbf\r\n#extm3u\n"),
            Some("an HLS playlist (.m3u8)")
        );
        assert_eq!(
            playlist_in_head(b"ffconcat version 1.0\nfile /srv/x.mp4\n"),
            Some("an ffconcat list")
        );
        assert_eq!(
            playlist_in_head(b"# made by hand\nfile '/srv/x.mp4'\n"),
            Some("a concat list")
        );
        assert_eq!(
            playlist_in_head(b"<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash\">"),
            Some("a DASH manifest")
        );
        assert_eq!(playlist_in_head(b"\0\0\0\x20ftypisom"), None);
        assert_eq!(playlist_in_head(b"\x1a\x45\xdf\xa3"), None);
        assert_eq!(playlist_in_head(b""), None);
        assert_eq!(playlist_in_head(b"filename is not a directive"), None);
    }
}
