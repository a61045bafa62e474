//! The review as a PDF: a header (title, status, the version stack, source timecode), then
//! each note in frame order with its timecode, author, state, words, replies and its still.
//! Text is base-14 Helvetica in WinAnsiEncoding, so pdftotext and every viewer read it back;
//! characters outside that encoding (Latin-1 and a few typographic ones) print as `?`.

use super::export::{markers, Marker};
use super::Clock;
use dailies_protocol::{CommentId, StackVersion};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::HashMap;

/// A still ready to embed: a baseline JPEG of `width`×`height` pixels.
pub struct Still {
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
}

/// What the report says besides the notes.
pub struct Report<'a> {
    pub title: &'a str,
    pub review_status: &'a str,
    /// The stack, v1 first, and the version this report is of.
    pub versions: &'a [StackVersion],
    pub version: i64,
    pub clock: Clock,
    pub start_timecode: Option<&'a str>,
    /// RFC 3339, UTC.
    pub generated_at: &'a str,
    pub comments: &'a [dailies_protocol::Comment],
    /// The stills of top-level comments that have one.
    pub stills: &'a HashMap<CommentId, Still>,
    /// Notes past the still limit, said in the header.
    pub stills_left_out: usize,
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 50.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// The tallest a still is drawn, so a portrait frame leaves room for its note.
const STILL_MAX_H: f32 = 300.0;

const REGULAR: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");

/// Writes the report.
pub fn pdf(r: &Report) -> Vec<u8> {
    let mut w = Writer::new();
    header(&mut w, r);
    let ms = markers(r.comments);
    if ms.is_empty() {
        w.gap(6.0);
        w.line(REGULAR, 11.0, 0.0, "No notes.");
    }
    for m in &ms {
        note(&mut w, r, m);
    }
    w.finish(r.title)
}

fn header(w: &mut Writer, r: &Report) {
    w.paragraph(BOLD, 18.0, 0.0, r.title);
    w.gap(4.0);
    w.line(
        REGULAR,
        10.0,
        0.0,
        &format!("Review status: {}", r.review_status.replace('_', " ")),
    );
    let tc = match r.start_timecode {
        Some(t) => format!("Source timecode: starts at {t}"),
        None => "Source timecode: none in the file, counted from 00:00:00:00".into(),
    };
    let df = if r.clock.drop_frame() { ", drop-frame" } else { "" };
    w.line(
        REGULAR,
        10.0,
        0.0,
        &format!("{tc}, {} fps{df}", rate(r.clock.fps.num, r.clock.fps.den)),
    );
    w.line(
        REGULAR,
        10.0,
        0.0,
        &format!("Generated: {}", short_time(r.generated_at)),
    );
    let ms = markers(r.comments);
    let open = ms.iter().filter(|m| !m.resolved()).count();
    let mut count = format!("Notes: {} ({open} open, {} resolved)", ms.len(), ms.len() - open);
    if r.stills_left_out > 0 {
        count.push_str(&format!("; the last {} without a still (limit)", r.stills_left_out));
    }
    w.line(REGULAR, 10.0, 0.0, &count);
    if !r.versions.is_empty() {
        w.gap(6.0);
        w.line(BOLD, 11.0, 0.0, "Versions");
        for v in r.versions {
            let this = if v.version == r.version { "  (this report)" } else { "" };
            w.paragraph(
                REGULAR,
                10.0,
                12.0,
                &format!(
                    "v{}  {}  {}  {}{this}",
                    v.version,
                    short_time(&v.created_at),
                    v.status.as_str(),
                    v.title
                ),
            );
        }
    }
    w.gap(8.0);
    w.rule();
}

fn note(w: &mut Writer, r: &Report, m: &Marker) {
    let c = m.comment;
    let still = r.stills.get(&c.id);
    // The note's first lines and its still stay together when they fit on a page.
    let still_h = still.map_or(0.0, |s| drawn_size(s).1 + 6.0);
    w.need(40.0 + still_h.min(PAGE_H - 2.0 * MARGIN - 60.0));
    w.gap(10.0);
    let at = match c.end_frame {
        Some(e) if e > c.frame => format!(
            "{} \u{2013} {}  \u{b7}  frames {}\u{2013}{}",
            r.clock.label(c.frame),
            r.clock.label(e),
            c.frame,
            e
        ),
        _ => format!("{}  \u{b7}  frame {}", r.clock.label(c.frame), c.frame),
    };
    let state = match (&c.resolved_by_name, m.resolved()) {
        (Some(by), true) => format!("resolved by {by}"),
        (None, true) => "resolved".into(),
        _ => "open".into(),
    };
    w.paragraph(
        BOLD,
        11.0,
        0.0,
        &format!("{at}  \u{b7}  {}  \u{b7}  {state}", c.user_name),
    );
    w.paragraph(REGULAR, 10.0, 0.0, &m.name_multiline());
    for reply in &m.replies {
        w.paragraph(REGULAR, 10.0, 14.0, &format!("{}: {}", reply.user_name, reply.text));
    }
    if let Some(s) = still {
        w.gap(4.0);
        w.image(s);
    }
}

impl Marker<'_> {
    /// The comment's words as written (line breaks kept), or that it was deleted.
    fn name_multiline(&self) -> String {
        if self.comment.deleted {
            "(deleted)".into()
        } else {
            self.comment.text.clone()
        }
    }
}

/// `25`, `23.976`, `29.97`.
fn rate(num: i64, den: i64) -> String {
    if den == 1 {
        return num.to_string();
    }
    let v = num as f64 / den as f64;
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `2026-12-03T06:10:00.123+00:00` → `2026-12-03 06:10 UTC`.
fn short_time(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// A still's size on the page: the text width at most, and `STILL_MAX_H`.
fn drawn_size(s: &Still) -> (f32, f32) {
    let (w, h) = (s.width.max(1) as f32, s.height.max(1) as f32);
    let k = (TEXT_W / w).min(STILL_MAX_H / h);
    (w * k, h * k)
}

/// Lays text and images out top-down on A4 pages.
struct Writer {
    pages: Vec<Content>,
    /// The images of each page, by their name on it.
    images: Vec<Vec<(String, usize)>>,
    stills: Vec<(u32, u32, Vec<u8>)>,
    y: f32,
}

impl Writer {
    fn new() -> Writer {
        Writer {
            pages: vec![Content::new()],
            images: vec![vec![]],
            stills: vec![],
            y: PAGE_H - MARGIN,
        }
    }

    fn page(&mut self) -> &mut Content {
        let n = self.pages.len() - 1;
        &mut self.pages[n]
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.images.push(vec![]);
        self.y = PAGE_H - MARGIN;
    }

    /// Starts a new page unless `h` points are left on this one.
    fn need(&mut self, h: f32) {
        if self.y - h < MARGIN {
            self.new_page();
        }
    }

    fn gap(&mut self, h: f32) {
        self.y -= h;
    }

    /// One line, as it is (the caller keeps it short).
    fn line(&mut self, font: Name<'static>, size: f32, indent: f32, text: &str) {
        let lead = size * 1.3;
        self.need(lead);
        self.y -= lead;
        let y = self.y + size * 0.25;
        let bytes = win_ansi(text);
        let c = self.page();
        c.begin_text();
        c.set_font(font, size);
        c.next_line(MARGIN + indent, y);
        c.show(Str(&bytes));
        c.end_text();
    }

    /// Text wrapped to the width, each of its own lines kept.
    fn paragraph(&mut self, font: Name<'static>, size: f32, indent: f32, text: &str) {
        let bold = font == BOLD;
        for own in text.lines() {
            for l in wrap(own, size, TEXT_W - indent, bold) {
                self.line(font, size, indent, &l);
            }
        }
        if text.trim().is_empty() {
            self.line(font, size, indent, "");
        }
    }

    fn rule(&mut self) {
        let y = self.y;
        let c = self.page();
        c.set_line_width(0.5);
        c.move_to(MARGIN, y);
        c.line_to(PAGE_W - MARGIN, y);
        c.stroke();
    }

    fn image(&mut self, s: &Still) {
        let (w, h) = drawn_size(s);
        self.need(h);
        self.y -= h;
        let index = self.stills.len();
        self.stills.push((s.width, s.height, s.jpeg.clone()));
        let name = format!("Im{index}");
        let y = self.y;
        let c = self.page();
        c.save_state();
        c.transform([w, 0.0, 0.0, h, MARGIN, y]);
        c.x_object(Name(name.as_bytes()));
        c.restore_state();
        let n = self.images.len() - 1;
        self.images[n].push((name, index));
    }

    fn finish(self, title: &str) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let mut next = 1;
        let mut alloc = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let (catalog, tree, regular, bold, info) = (alloc(), alloc(), alloc(), alloc(), alloc());
        let still_refs: Vec<Ref> = self.stills.iter().map(|_| alloc()).collect();
        let page_refs: Vec<(Ref, Ref)> = self.pages.iter().map(|_| (alloc(), alloc())).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_refs.iter().map(|(p, _)| *p))
            .count(page_refs.len() as i32);
        for (i, (content, (page_ref, content_ref))) in self.pages.into_iter().zip(&page_refs).enumerate() {
            let mut page = pdf.page(*page_ref);
            page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
            page.parent(tree);
            page.contents(*content_ref);
            let mut res = page.resources();
            res.fonts().pair(REGULAR, regular).pair(BOLD, bold);
            if !self.images[i].is_empty() {
                let mut xs = res.x_objects();
                for (name, index) in &self.images[i] {
                    xs.pair(Name(name.as_bytes()), still_refs[*index]);
                }
                xs.finish();
            }
            res.finish();
            page.finish();
            pdf.stream(*content_ref, &content.finish());
        }
        for (id, face) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
            pdf.type1_font(id)
                .base_font(Name(face.as_bytes()))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        for ((w, h, data), id) in self.stills.iter().zip(&still_refs) {
            let mut img = pdf.image_xobject(*id, data);
            img.filter(Filter::DctDecode);
            img.width(*w as i32);
            img.height(*h as i32);
            img.color_space().device_rgb();
            img.bits_per_component(8);
            img.finish();
        }
        pdf.document_info(info)
            .title(TextStr(title))
            .creator(TextStr("Dailies"));
        pdf.finish()
    }
}

/// A character in WinAnsiEncoding (Windows-1252), `?` when it has none.
fn win_ansi_byte(c: char) -> u8 {
    let u = c as u32;
    match u {
        0x20..=0x7e | 0xa0..=0xff => u as u8,
        _ => match c {
            '\u{20ac}' => 0x80,
            '\u{201a}' => 0x82,
            '\u{0192}' => 0x83,
            '\u{201e}' => 0x84,
            '\u{2026}' => 0x85,
            '\u{2020}' => 0x86,
            '\u{2021}' => 0x87,
            '\u{02c6}' => 0x88,
            '\u{2030}' => 0x89,
            '\u{0160}' => 0x8a,
            '\u{2039}' => 0x8b,
            '\u{0152}' => 0x8c,
            '\u{017d}' => 0x8e,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201c}' => 0x93,
            '\u{201d}' => 0x94,
            '\u{2022}' => 0x95,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{02dc}' => 0x98,
            '\u{2122}' => 0x99,
            '\u{0161}' => 0x9a,
            '\u{203a}' => 0x9b,
            '\u{0153}' => 0x9c,
            '\u{017e}' => 0x9e,
            '\u{0178}' => 0x9f,
            '\t' => b' ',
            _ => b'?',
        },
    }
}

fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .map(win_ansi_byte)
        .collect()
}

/// Helvetica's advance widths (thousandths of an em) of ASCII 32..=126, from its AFM.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];

/// The width of `s` in points at `size`: Helvetica's metrics, the bold face taken as
/// 6 % wider, letters beyond ASCII as wide as an average lowercase one.
fn text_width(s: &str, size: f32, bold: bool) -> f32 {
    let units: u32 = s
        .chars()
        .map(|c| match c as u32 {
            u @ 32..=126 => HELVETICA[(u - 32) as usize] as u32,
            _ => 600,
        })
        .sum();
    let k = if bold { 1.06 } else { 1.0 };
    units as f32 * size / 1000.0 * k
}

/// Greedy word wrap to `width` points; a word longer than a line is cut.
fn wrap(text: &str, size: f32, width: f32, bold: bool) -> Vec<String> {
    let mut lines = vec![];
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if text_width(&candidate, size, bold) <= width {
            cur = candidate;
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        // What is left of the word, a line at a time.
        let mut piece = String::new();
        for ch in word.chars() {
            piece.push(ch);
            if text_width(&piece, size, bold) > width && piece.chars().count() > 1 {
                piece.pop();
                lines.push(std::mem::replace(&mut piece, ch.to_string()));
            }
        }
        cur = piece;
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_text_is_encoded_and_the_rest_marked() {
        assert_eq!(win_ansi("café – ü"), b"caf\xe9 \x96 \xfc".to_vec());
        assert_eq!(win_ansi("日本"), b"??".to_vec());
    }

    #[test]
    fn long_lines_wrap_within_the_width() {
        let text = "the sky flickers ".repeat(40);
        let lines = wrap(&text, 10.0, TEXT_W, false);
        assert!(lines.len() > 3, "{lines:?}");
        assert!(lines.iter().all(|l| text_width(l, 10.0, false) <= TEXT_W));
        let long = "x".repeat(500);
        let cut = wrap(&long, 10.0, TEXT_W, false);
        assert_eq!(cut.concat(), long);
        assert!(text_width("iiii", 10.0, false) < text_width("MMMM", 10.0, false));
    }

    #[test]
    fn rates_and_times_read_as_people_write_them() {
        assert_eq!(rate(24000, 1001), "23.976");
        assert_eq!(rate(30000, 1001), "29.97");
        assert_eq!(rate(25, 1), "25");
        assert_eq!(short_time("2026-12-03T06:10:00.5+00:00"), "2026-12-03 06:10 UTC");
    }
}
