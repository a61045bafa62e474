//! Image sequences: a folder of numbered frames (from the watch folder) or a zip of them (an
//! upload) becomes one clip. The frames are laid out densely in the media's `frames/`
//! directory (`00000000.exr`, `00000001.exr`, …), a missing number holding the frame before
//! it, so that ffmpeg's image2 reader gives one picture per number and every later step
//! reads the clip like any video.

use dailies_protocol::{ImageSequence, Rational};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The image formats a sequence may be made of.
pub const FRAME_FORMATS: &[&str] = &["dpx", "exr", "tif", "tiff", "png", "jpg", "jpeg"];
/// The dense frame directory inside the media's directory; removed when the job ends.
pub const FRAMES_DIR: &str = "frames";
/// At most this many frame numbers from first to last (two hours at 24 fps and more).
pub const MAX_FRAMES: u64 = 200_000;
/// Kept free on the disk when frames are unpacked.
const UNPACK_MARGIN: u64 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum SequenceError {
    #[error("the archive is damaged or cut off ({0})")]
    Archive(String),
    #[error(
        "no numbered image frames were found (a sequence is DPX, EXR, TIFF, PNG or JPEG files named like shot.1001.exr)"
    )]
    NoFrames,
    #[error("the sequence spans {0} frame numbers; at most {MAX_FRAMES} are taken")]
    TooLong(u64),
    #[error("not enough disk space on the server to unpack the frames")]
    NoSpace,
    #[error("cannot read the frames: {0}")]
    Io(#[from] std::io::Error),
}

impl SequenceError {
    /// Worth trying again later: the disk or a read failed, not the sequence itself.
    pub fn is_transient(&self) -> bool {
        matches!(self, SequenceError::NoSpace | SequenceError::Io(_))
    }
}

/// True when the stored original is an image sequence: a directory (the watch folder's), or a
/// zip archive.
pub fn is_sequence_source(original: &Path) -> bool {
    if original.is_dir() {
        return true;
    }
    let mut magic = [0u8; 4];
    std::fs::File::open(original)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"PK\x03\x04"
}

/// A frame file's place in a sequence: the name before the number, the number, the format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameName {
    pub prefix: String,
    pub number: u64,
    pub format: String,
}

/// `shot_010.1001.exr` → ("shot_010.", 1001, "exr"); None for anything that is not a numbered
/// frame of a known format (hidden files, macOS resource forks, a readme).
pub fn frame_name(path: &str) -> Option<FrameName> {
    let base = path.rsplit(['/', '\\']).next()?;
    if base.starts_with('.') || path.contains("__MACOSX") {
        return None;
    }
    let (stem, ext) = base.rsplit_once('.')?;
    let format = ext.to_ascii_lowercase();
    if !FRAME_FORMATS.contains(&format.as_str()) {
        return None;
    }
    let digits = stem.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 10 {
        return None;
    }
    let (prefix, number) = stem.split_at(stem.len() - digits);
    Some(FrameName {
        prefix: prefix.to_owned(),
        number: number.parse().ok()?,
        format: format.replace("tiff", "tif").replace("jpeg", "jpg"),
    })
}

/// Which files make the sequence, in frame order, and what is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub format: String,
    /// (frame number, index of the file in the listing given to `plan`), by number.
    pub frames: Vec<(u64, usize)>,
    pub first: u64,
    pub last: u64,
    /// Runs of missing numbers, `(first, last)`.
    pub missing: Vec<(u64, u64)>,
    /// Files that looked like frames of another sequence or repeated a number.
    pub ignored: usize,
}

/// Picks the sequence from a listing of file names: the biggest group of files sharing a
/// name prefix and format (a folder may hold a second, shorter render; it is ignored and
/// counted).
pub fn plan(names: &[String]) -> Result<Plan, SequenceError> {
    let mut groups: BTreeMap<(String, String), BTreeMap<u64, usize>> = BTreeMap::new();
    let mut repeated = 0;
    for (i, name) in names.iter().enumerate() {
        let Some(f) = frame_name(name) else { continue };
        let group = groups.entry((f.prefix, f.format)).or_default();
        if group.insert(f.number, i).is_some() {
            // `shot.001` and `shot.0001`: the same frame twice; the later one is kept.
            repeated += 1;
        }
    }
    let total: usize = groups.values().map(BTreeMap::len).sum();
    let ((_, format), frames) = groups
        .into_iter()
        .max_by(|a, b| a.1.len().cmp(&b.1.len()).then_with(|| b.0.cmp(&a.0)))
        .ok_or(SequenceError::NoFrames)?;
    let (first, last) = (*frames.keys().next().unwrap(), *frames.keys().next_back().unwrap());
    let span = last - first + 1;
    if span > MAX_FRAMES {
        return Err(SequenceError::TooLong(span));
    }
    let mut missing = Vec::new();
    let mut expect = first;
    for &n in frames.keys() {
        if n > expect {
            missing.push((expect, n - 1));
        }
        expect = n + 1;
    }
    Ok(Plan {
        ignored: total - frames.len() + repeated,
        format,
        frames: frames.into_iter().collect(),
        first,
        last,
        missing,
    })
}

/// The image2 input of an unpacked sequence, as later ffmpeg runs read it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SequenceInput {
    pub fps: Rational,
    /// The frames' format (the file extension): "dpx", "exr", "tif", "png", "jpg".
    pub format: String,
    /// Frame numbers from first to last, gaps included.
    pub span: u64,
}

/// An unpacked sequence.
#[derive(Debug, Clone)]
pub struct Sequence {
    pub dir: PathBuf,
    pub input: SequenceInput,
    pub first: u64,
    pub last: u64,
    pub present: u64,
    pub missing: Vec<(u64, u64)>,
    pub fps_from_header: bool,
    pub ignored: usize,
    /// The first frame's header timecode (DPX, EXR), as written there.
    pub timecode: Option<String>,
}

impl Sequence {
    /// `…/frames/%08d.exr`, the pattern ffmpeg's image2 demuxer reads.
    pub fn pattern(&self) -> PathBuf {
        self.dir.join(format!("%08d.{}", self.input.format))
    }

    pub fn info(&self) -> ImageSequence {
        ImageSequence {
            first: self.first as i64,
            last: self.last as i64,
            frames: self.present as i64,
            missing: self.missing.iter().map(|&(a, b)| (a as i64, b as i64)).collect(),
            format: self.input.format.clone(),
            fps_from: if self.fps_from_header { "header" } else { "default" }.into(),
        }
    }

    /// "frames 1050–1052 and 1080 are missing", for the owner and the log.
    pub fn missing_text(&self) -> Option<String> {
        if self.missing.is_empty() {
            return None;
        }
        let runs: Vec<String> = self
            .missing
            .iter()
            .take(8)
            .map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}–{b}") })
            .collect();
        let more = if self.missing.len() > 8 {
            format!(" and {} more runs", self.missing.len() - 8)
        } else {
            String::new()
        };
        let count: u64 = self.missing.iter().map(|(a, b)| b - a + 1).sum();
        Some(format!(
            "{count} frame{} missing ({}{more}); each shows the frame before it",
            if count == 1 { " is" } else { "s are" },
            runs.join(", ")
        ))
    }
}

fn dense_name(index: u64, format: &str) -> String {
    format!("{index:08}.{format}")
}

/// Lays the sequence at `original` (a directory or a zip) out in `media_dir/frames/`. Blocking.
pub fn unpack(original: &Path, media_dir: &Path, default_fps: Rational) -> Result<Sequence, SequenceError> {
    let dir = media_dir.join(FRAMES_DIR);
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
        _ => {}
    }
    std::fs::create_dir_all(&dir)?;
    let laid_out = if original.is_dir() {
        link_files(original, &dir)
    } else {
        extract_zip(original, &dir, media_dir)
    };
    let plan = match laid_out {
        Ok(plan) => plan,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    // A missing number holds the frame before it: a hard link, no bytes copied.
    let at = |n: u64| dir.join(dense_name(n - plan.first, &plan.format));
    for &(a, b) in &plan.missing {
        for n in a..=b {
            std::fs::hard_link(at(a - 1), at(n))?;
        }
    }
    let (fps, from_header) = match frame_rate_of(&at(plan.first), &plan.format) {
        Some(r) => (r, true),
        None => (default_fps, false),
    };
    let timecode = timecode_of(&at(plan.first), &plan.format);
    Ok(Sequence {
        input: SequenceInput {
            fps,
            format: plan.format.clone(),
            span: plan.last - plan.first + 1,
        },
        dir,
        first: plan.first,
        last: plan.last,
        present: plan.frames.len() as u64,
        missing: plan.missing,
        fps_from_header: from_header,
        ignored: plan.ignored,
        timecode,
    })
}

/// The watch folder's sequence: each frame linked (or, across filesystems, copied) into place.
fn link_files(src: &Path, dir: &Path) -> Result<Plan, SequenceError> {
    let mut paths = Vec::new();
    for e in std::fs::read_dir(src)? {
        let e = e?;
        if e.file_type()?.is_file() {
            paths.push(e.path());
        }
    }
    let names: Vec<String> = paths.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let plan = plan(&names)?;
    for &(n, i) in &plan.frames {
        let to = dir.join(dense_name(n - plan.first, &plan.format));
        if std::fs::hard_link(&paths[i], &to).is_err() {
            std::fs::copy(&paths[i], &to)?;
        }
    }
    Ok(plan)
}

fn archive_error(e: zip::result::ZipError) -> SequenceError {
    match e {
        zip::result::ZipError::Io(e) if e.kind() != std::io::ErrorKind::UnexpectedEof => SequenceError::Io(e),
        other => SequenceError::Archive(other.to_string()),
    }
}

/// An uploaded zip's frames, extracted under names of our own (an entry's path is never
/// used as one), after checking that they fit on the disk.
fn extract_zip(zip_path: &Path, dir: &Path, media_dir: &Path) -> Result<Plan, SequenceError> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip_path)?).map_err(archive_error)?;
    let mut names = Vec::with_capacity(archive.len());
    let mut sizes = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(archive_error)?;
        names.push(if entry.is_file() {
            entry.name().to_owned()
        } else {
            String::new()
        });
        sizes.push(entry.size());
    }
    let plan = plan(&names)?;
    let needed: u64 = plan.frames.iter().map(|&(_, i)| sizes[i]).sum();
    let free = crate::storage::available_space(media_dir)?;
    if needed.saturating_add(UNPACK_MARGIN) > free {
        return Err(SequenceError::NoSpace);
    }
    for &(n, i) in &plan.frames {
        let entry = archive.by_index(i).map_err(archive_error)?;
        let declared = entry.size();
        let to = dir.join(dense_name(n - plan.first, &plan.format));
        let mut out = std::fs::File::create(&to)?;
        // The declared size bounds what is written, whatever the compressed data says.
        let copied = std::io::copy(&mut entry.take(declared + 1), &mut out).map_err(|e| {
            if e.kind() == std::io::ErrorKind::StorageFull {
                SequenceError::NoSpace
            } else {
                SequenceError::Archive(format!("frame {n}: {e}"))
            }
        })?;
        if copied != declared {
            return Err(SequenceError::Archive(format!(
                "frame {n} holds {copied} bytes, its entry says {declared}"
            )));
        }
    }
    Ok(plan)
}

/// The frame rate a frame's own header gives: DPX's film or television header, EXR's
/// `framesPerSecond` attribute. None when it gives none (or nonsense).
pub fn frame_rate_of(frame: &Path, format: &str) -> Option<Rational> {
    let mut head = Vec::new();
    std::fs::File::open(frame)
        .ok()?
        .take(1 << 16)
        .read_to_end(&mut head)
        .ok()?;
    match format {
        "dpx" => dpx_frame_rate(&head),
        "exr" => exr_frame_rate(&head),
        _ => None,
    }
}

/// A DPX header's byte order and where its image data starts: fields at or past the image
/// are pixels, not header (ffmpeg's writer ends its header at 1664, before the film and
/// television headers).
fn dpx_layout(h: &[u8]) -> Option<(bool, usize)> {
    let big = match h.get(..4)? {
        b"SDPX" => true,
        b"XPDS" => false,
        _ => return None,
    };
    let b: [u8; 4] = h.get(4..8)?.try_into().ok()?;
    let offset = if big {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    };
    Some((big, (offset as usize).min(h.len())))
}

fn dpx_frame_rate(h: &[u8]) -> Option<Rational> {
    let (big, image) = dpx_layout(h)?;
    let f32_at = |at: usize| {
        if at + 4 > image {
            return None;
        }
        let b: [u8; 4] = h.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            f32::from_be_bytes(b)
        } else {
            f32::from_le_bytes(b)
        })
    };
    // The film header's frame rate of the original, then the television header's.
    [1724, 1940]
        .into_iter()
        .filter_map(f32_at)
        .find_map(|r| rational_from_float(r as f64))
}

/// The timecode a frame's own header gives (DPX's television header, EXR's `timeCode`
/// attribute) as `HH:MM:SS:FF`, `;` before the frames when its drop-frame flag is set.
pub fn timecode_of(frame: &Path, format: &str) -> Option<String> {
    let mut head = Vec::new();
    std::fs::File::open(frame)
        .ok()?
        .take(1 << 16)
        .read_to_end(&mut head)
        .ok()?;
    let packed = match format {
        "dpx" => dpx_timecode(&head),
        "exr" => exr_attribute(&head, "timeCode", "timecode")
            .filter(|v| v.len() == 8)
            .and_then(|v| Some(u32::from_le_bytes(v[..4].try_into().ok()?))),
        _ => None,
    }?;
    smpte_label(packed)
}

fn dpx_timecode(h: &[u8]) -> Option<u32> {
    let (big, image) = dpx_layout(h)?;
    if 1924 > image {
        return None;
    }
    let b: [u8; 4] = h.get(1920..1924)?.try_into().ok()?;
    let v = if big {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    };
    // All ones: undefined.
    (v != u32::MAX).then_some(v)
}

/// A SMPTE 12M time word (as DPX and EXR keep it): BCD hours, minutes, seconds and frames
/// from the high byte down, the drop-frame flag in bit 6. None when a digit is not decimal
/// or a field is out of range.
fn smpte_label(v: u32) -> Option<String> {
    let bcd = |byte: u32, mask: u32| -> Option<u32> {
        let b = byte & mask;
        let (tens, units) = (b >> 4, b & 0xF);
        (tens <= 9 && units <= 9).then_some(tens * 10 + units)
    };
    let hh = bcd(v >> 24, 0x3F)?;
    let mm = bcd(v >> 16, 0x7F)?;
    let ss = bcd(v >> 8, 0x7F)?;
    let ff = bcd(v, 0x3F)?;
    let drop = v & 0x40 != 0;
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    Some(format!(
        "{hh:02}:{mm:02}:{ss:02}{}{ff:02}",
        if drop { ';' } else { ':' }
    ))
}

fn exr_frame_rate(h: &[u8]) -> Option<Rational> {
    let value = exr_attribute(h, "framesPerSecond", "rational").filter(|v| v.len() == 8)?;
    let num = i32::from_le_bytes(value[..4].try_into().ok()?) as i64;
    let den = u32::from_le_bytes(value[4..].try_into().ok()?) as i64;
    (num > 0 && den > 0 && num / den <= 1000).then(|| reduce(num, den))
}

/// The value of one attribute of an EXR header (of the first part).
fn exr_attribute<'a>(h: &'a [u8], want: &str, want_kind: &str) -> Option<&'a [u8]> {
    if h.get(..4)? != [0x76, 0x2f, 0x31, 0x01] {
        return None;
    }
    let mut at = 8;
    let cstr = |at: &mut usize| -> Option<String> {
        let len = h.get(*at..)?.iter().take(256).position(|&b| b == 0)?;
        let s = String::from_utf8_lossy(&h[*at..*at + len]).into_owned();
        *at += len + 1;
        Some(s)
    };
    loop {
        let name = cstr(&mut at)?;
        if name.is_empty() {
            return None;
        }
        let kind = cstr(&mut at)?;
        let size = i32::from_le_bytes(h.get(at..at + 4)?.try_into().ok()?);
        at += 4;
        let size = usize::try_from(size).ok()?;
        let value = h.get(at..at + size)?;
        at += size;
        if name == want && kind == want_kind {
            return Some(value);
        }
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn reduce(num: i64, den: i64) -> Rational {
    let g = gcd(num, den).max(1);
    Rational {
        num: num / g,
        den: den / g,
    }
}

/// 23.976 → 24000/1001, 25.0 → 25/1; None outside 1–1000 frames per second.
pub fn rational_from_float(r: f64) -> Option<Rational> {
    if !r.is_finite() || !(1.0..=1000.0).contains(&r) {
        return None;
    }
    let whole = r.round();
    if (r - whole).abs() < 0.001 {
        return Some(reduce(whole as i64, 1));
    }
    let ntsc = (r * 1.001).round();
    if (r - ntsc * 1000.0 / 1001.0).abs() < 0.002 {
        return Some(reduce(ntsc as i64 * 1000, 1001));
    }
    Some(reduce((r * 1000.0).round() as i64, 1000))
}

/// A configured frame rate: "24", "23.976" or "24000/1001".
pub fn parse_fps(s: &str) -> Option<Rational> {
    let s = s.trim();
    match s.split_once('/') {
        Some((n, d)) => {
            let (num, den) = (n.trim().parse::<i64>().ok()?, d.trim().parse::<i64>().ok()?);
            (num > 0 && den > 0 && num / den <= 1000 && num >= den).then(|| reduce(num, den))
        }
        None => rational_from_float(s.parse().ok()?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn frame_names_split_prefix_number_and_format() {
        let f = frame_name("renders/shot_010.1001.EXR").unwrap();
        assert_eq!(
            (f.prefix.as_str(), f.number, f.format.as_str()),
            ("shot_010.", 1001, "exr")
        );
        assert_eq!(frame_name("a_0007.tiff").unwrap().format, "tif");
        assert_eq!(frame_name("0001.png").unwrap().prefix, "");
        for not in [
            "readme.txt",
            ".shot.1001.exr",
            "__MACOSX/._shot.1001.exr",
            "shot.exr",
            "clip.1001.mov",
        ] {
            assert_eq!(frame_name(not), None, "{not}");
        }
    }

    #[test]
    fn the_biggest_group_is_the_sequence_and_its_gaps_are_runs() {
        let list = names(&[
            "s.1001.dpx",
            "s.1002.dpx",
            "s.1005.dpx",
            "s.1006.dpx",
            "s.1008.dpx",
            "other.0001.dpx",
            "notes.txt",
            "s.01002.dpx",
        ]);
        let p = plan(&list).unwrap();
        assert_eq!((p.first, p.last, p.format.as_str()), (1001, 1008, "dpx"));
        assert_eq!(p.missing, vec![(1003, 1004), (1007, 1007)]);
        assert_eq!(
            p.frames.iter().map(|f| f.0).collect::<Vec<_>>(),
            [1001, 1002, 1005, 1006, 1008]
        );
        // The other sequence, and the repeated 1002.
        assert_eq!(p.ignored, 2);
        assert!(matches!(plan(&names(&["a.txt"])), Err(SequenceError::NoFrames)));
        assert!(matches!(
            plan(&names(&["a.1.png", "a.900000.png"])),
            Err(SequenceError::TooLong(900000))
        ));
    }

    #[test]
    fn frame_rates_from_floats_and_config() {
        assert_eq!(rational_from_float(25.0), Some(Rational { num: 25, den: 1 }));
        assert_eq!(rational_from_float(23.976), Some(Rational { num: 24000, den: 1001 }));
        assert_eq!(rational_from_float(29.97), Some(Rational { num: 30000, den: 1001 }));
        assert_eq!(rational_from_float(59.94006), Some(Rational { num: 60000, den: 1001 }));
        assert_eq!(rational_from_float(12.5), Some(Rational { num: 25, den: 2 }));
        assert_eq!(rational_from_float(f64::NAN), None);
        assert_eq!(rational_from_float(-1.06e37), None);
        assert_eq!(parse_fps("24000/1001"), Some(Rational { num: 24000, den: 1001 }));
        assert_eq!(parse_fps(" 24 "), Some(Rational { num: 24, den: 1 }));
        for bad in ["0", "fast", "1/0", "-24", "5000"] {
            assert_eq!(parse_fps(bad), None, "{bad}");
        }
    }

    #[test]
    fn headers_give_their_frame_rate() {
        let mut dpx = vec![0u8; 2048];
        dpx[..4].copy_from_slice(b"SDPX");
        dpx[4..8].copy_from_slice(&2048u32.to_be_bytes());
        dpx[1724..1728].copy_from_slice(&f32::NAN.to_be_bytes());
        dpx[1940..1944].copy_from_slice(&29.97f32.to_be_bytes());
        assert_eq!(dpx_frame_rate(&dpx), Some(Rational { num: 30000, den: 1001 }));
        dpx[..4].copy_from_slice(b"XPDS");
        dpx[4..8].copy_from_slice(&2048u32.to_le_bytes());
        dpx[1724..1728].copy_from_slice(&25f32.to_le_bytes());
        assert_eq!(dpx_frame_rate(&dpx), Some(Rational { num: 25, den: 1 }));

        let mut exr = vec![0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0];
        let mut attr = |name: &str, kind: &str, value: &[u8]| {
            exr.extend_from_slice(name.as_bytes());
            exr.push(0);
            exr.extend_from_slice(kind.as_bytes());
            exr.push(0);
            exr.extend_from_slice(&(value.len() as i32).to_le_bytes());
            exr.extend_from_slice(value);
        };
        attr("compression", "compression", &[0]);
        let mut fps = 24000i32.to_le_bytes().to_vec();
        fps.extend_from_slice(&1001u32.to_le_bytes());
        attr("framesPerSecond", "rational", &fps);
        exr.push(0);
        assert_eq!(exr_frame_rate(&exr), Some(Rational { num: 24000, den: 1001 }));
        assert_eq!(exr_frame_rate(&exr[..20]), None);
    }

    #[test]
    fn headers_give_their_timecode() {
        // 01:00:00:00 in the television header of a 2048-byte big-endian header.
        let mut dpx = vec![0xFFu8; 2100];
        dpx[..4].copy_from_slice(b"SDPX");
        dpx[4..8].copy_from_slice(&2048u32.to_be_bytes());
        assert_eq!(dpx_timecode(&dpx), None, "all ones: undefined");
        dpx[1920..1924].copy_from_slice(&0x0100_0000u32.to_be_bytes());
        assert_eq!(dpx_timecode(&dpx).and_then(smpte_label).as_deref(), Some("01:00:00:00"));
        // A header that ends before the television header (ffmpeg's, 1664) has none.
        dpx[4..8].copy_from_slice(&1664u32.to_be_bytes());
        assert_eq!(dpx_timecode(&dpx), None);
        assert_eq!(dpx_frame_rate(&dpx), None, "pixels are not a frame rate");

        assert_eq!(smpte_label(0x1059_2329).as_deref(), Some("10:59:23:29"));
        assert_eq!(
            smpte_label(0x0100_0042).as_deref(),
            Some("01:00:00;02"),
            "drop-frame flag"
        );
        assert_eq!(smpte_label(0x0100_00AA), None, "not decimal");
        assert_eq!(smpte_label(0x2500_0000), None, "hour 25");

        let mut exr = vec![0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0];
        exr.extend_from_slice(b"timeCode\0timecode\0");
        exr.extend_from_slice(&8i32.to_le_bytes());
        exr.extend_from_slice(&0x0059_5923u32.to_le_bytes());
        exr.extend_from_slice(&0u32.to_le_bytes());
        exr.push(0);
        let v = exr_attribute(&exr, "timeCode", "timecode").unwrap();
        assert_eq!(
            smpte_label(u32::from_le_bytes(v[..4].try_into().unwrap())).as_deref(),
            Some("00:59:59:23")
        );
        assert_eq!(exr_attribute(&exr, "framesPerSecond", "rational"), None);
    }
}
