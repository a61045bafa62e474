//! A comment's drawing burned into its frame: the vector shapes drawn with the geometry the
//! web client's draw layer uses (client-svelte/src/lib/draw/shapes.ts), and the still as PNG.

use ab_glyph::{Font, FontVec, OutlineCurve};
use dailies_protocol::{Drawing, Shape, Tool};
use std::sync::OnceLock;
use tiny_skia::{Color, FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, Transform};

/// The faces tried for text shapes, in order: the client draws text at weight 600.
pub const FONT_PATHS: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
];

/// The font for text shapes, read once; None (text left out, said once in the log) when
/// the fonts-dejavu-core package is missing.
fn font() -> Option<&'static FontVec> {
    static FONT: OnceLock<Option<FontVec>> = OnceLock::new();
    FONT.get_or_init(|| {
        let found = FONT_PATHS
            .iter()
            .find_map(|p| std::fs::read(p).ok().and_then(|b| FontVec::try_from_vec(b).ok()));
        if found.is_none() {
            tracing::warn!(
                "no font at {}: text shapes are left out of stills (install fonts-dejavu-core)",
                FONT_PATHS.join(" or ")
            );
        }
        found
    })
    .as_ref()
}

/// A frame as straight RGBA bytes, `width * height * 4` of them.
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Frame {
    /// An opaque frame of one colour (tests, and media without a picture).
    pub fn filled(width: u32, height: u32, rgb: [u8; 3]) -> Frame {
        let rgba = [rgb[0], rgb[1], rgb[2], 255].repeat((width * height) as usize);
        Frame { width, height, rgba }
    }

    /// The picture without its alpha (the frames are opaque), as a PDF image wants it.
    pub fn rgb(&self) -> Vec<u8> {
        self.rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect()
    }
}

/// Draws `drawing` over `frame`. The frame is opaque, so its straight RGBA is also the
/// premultiplied RGBA tiny-skia paints on.
pub fn burn_in(frame: &mut Frame, drawing: &Drawing) {
    let Some(size) = tiny_skia::IntSize::from_wh(frame.width, frame.height) else {
        return;
    };
    if frame.rgba.len() != size.width() as usize * size.height() as usize * 4 {
        return;
    }
    let Some(mut pixmap) = Pixmap::from_vec(std::mem::take(&mut frame.rgba), size) else {
        return;
    };
    let (w, h) = (frame.width as f32, frame.height as f32);
    for s in &drawing.shapes {
        draw_shape(&mut pixmap, s, w, h);
    }
    frame.rgba = pixmap.take();
}

/// `#rrggbb` as a colour; None for anything else (the server validates drawings on entry).
pub fn parse_color(c: &str) -> Option<Color> {
    let b = c.as_bytes();
    if b.len() != 7 || b[0] != b'#' {
        return None;
    }
    let hex = |i: usize| u8::from_str_radix(c.get(i..i + 2)?, 16).ok();
    Some(Color::from_rgba8(hex(1)?, hex(3)?, hex(5)?, 255))
}

fn paint(color: Color) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(color);
    p.anti_alias = true;
    p
}

fn draw_shape(pixmap: &mut Pixmap, s: &Shape, w: f32, h: f32) {
    let Some(color) = parse_color(&s.color) else { return };
    if s.tool == Tool::Text {
        draw_text(pixmap, s, color, w, h);
        return;
    }
    let Some(path) = shape_path(s, w, h) else { return };
    let width = (s.width * h).max(1.0);
    let stroke = |width: f32| Stroke {
        width,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    };
    // The client's `drop-shadow(0 0 1px #000a)`: a dark rim that keeps a stroke visible
    // on a frame of its own colour.
    let shadow = paint(Color::from_rgba8(0, 0, 0, 0x66));
    pixmap.stroke_path(&path, &shadow, &stroke(width + 2.0), Transform::identity(), None);
    pixmap.stroke_path(&path, &paint(color), &stroke(width), Transform::identity(), None);
}

/// The outline a shape strokes, in pixels of a `w`×`h` frame, as the client's `shapePath`.
pub fn shape_path(s: &Shape, w: f32, h: f32) -> Option<tiny_skia::Path> {
    let p: Vec<(f32, f32)> = s.points.iter().map(|p| (p.x * w, p.y * h)).collect();
    let mut pb = PathBuilder::new();
    match s.tool {
        Tool::Pen => {
            let (x, y) = *p.first()?;
            pb.move_to(x, y);
            if p.len() == 1 {
                // A dot: the round caps of a tiny segment.
                pb.line_to(x + 0.01, y);
            }
            for &(x, y) in &p[1..] {
                pb.line_to(x, y);
            }
        }
        Tool::Line => {
            let [a, b] = two(&p)?;
            pb.move_to(a.0, a.1);
            pb.line_to(b.0, b.1);
        }
        Tool::Arrow => {
            let [a, b] = two(&p)?;
            let ang = (b.1 - a.1).atan2(b.0 - a.0);
            let len = (b.0 - a.0).hypot(b.1 - a.1);
            let head = (len * 0.4).min((s.width * h * 4.0).max(10.0));
            let l = (b.0 - head * (ang - 0.45).cos(), b.1 - head * (ang - 0.45).sin());
            let r = (b.0 - head * (ang + 0.45).cos(), b.1 - head * (ang + 0.45).sin());
            pb.move_to(a.0, a.1);
            pb.line_to(b.0, b.1);
            pb.move_to(l.0, l.1);
            pb.line_to(b.0, b.1);
            pb.line_to(r.0, r.1);
        }
        Tool::Rect => {
            let [a, b] = two(&p)?;
            pb.move_to(a.0, a.1);
            pb.line_to(b.0, a.1);
            pb.line_to(b.0, b.1);
            pb.line_to(a.0, b.1);
            pb.close();
        }
        Tool::Ellipse => {
            let [a, b] = two(&p)?;
            let rect = tiny_skia::Rect::from_ltrb(a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1))?;
            pb.push_oval(rect);
        }
        Tool::Text => return None,
    }
    pb.finish()
}

fn two(p: &[(f32, f32)]) -> Option<[(f32, f32); 2]> {
    match p {
        [a, b] => Some([*a, *b]),
        _ => None,
    }
}

/// A text shape: its top left at the point (SVG's `dominant-baseline="hanging"`), the
/// client's size `H * (0.02 + width * 2)`, filled over a dark 2 px outline.
fn draw_text(pixmap: &mut Pixmap, s: &Shape, color: Color, w: f32, h: f32) {
    let (Some(font), Some(text), Some(at)) = (font(), s.text.as_deref(), s.points.first()) else {
        return;
    };
    let size = h * (0.02 + s.width * 2.0);
    let Some(path) = text_path(font, text, size, at.x * w, at.y * h) else {
        return;
    };
    let outline = Stroke {
        width: 2.0,
        line_join: LineJoin::Round,
        ..Stroke::default()
    };
    pixmap.stroke_path(
        &path,
        &paint(Color::from_rgba8(0, 0, 0, 0xaa)),
        &outline,
        Transform::identity(),
        None,
    );
    pixmap.fill_path(&path, &paint(color), FillRule::Winding, Transform::identity(), None);
}

/// The glyph outlines of `text` on one line at `size` px per em, its top left at (x, y).
fn text_path(font: &FontVec, text: &str, size: f32, x: f32, y: f32) -> Option<tiny_skia::Path> {
    let scale = size / font.units_per_em()?;
    let baseline = y + font.ascent_unscaled() * scale;
    let mut pb = PathBuilder::new();
    let mut pen = x;
    let mut prev = None;
    for ch in text.chars().filter(|c| !c.is_control()) {
        let id = font.glyph_id(ch);
        if let Some(p) = prev {
            pen += font.kern_unscaled(p, id) * scale;
        }
        if let Some(outline) = font.outline(id) {
            let pt = |p: ab_glyph::Point| (pen + p.x * scale, baseline - p.y * scale);
            let mut last: Option<(f32, f32)> = None;
            for curve in &outline.curves {
                let (start, end) = match curve {
                    OutlineCurve::Line(a, b) => (pt(*a), pt(*b)),
                    OutlineCurve::Quad(a, _, c) => (pt(*a), pt(*c)),
                    OutlineCurve::Cubic(a, _, _, d) => (pt(*a), pt(*d)),
                };
                if last != Some(start) {
                    if last.is_some() {
                        pb.close();
                    }
                    pb.move_to(start.0, start.1);
                }
                match curve {
                    OutlineCurve::Line(_, _) => pb.line_to(end.0, end.1),
                    OutlineCurve::Quad(_, b, _) => {
                        let b = pt(*b);
                        pb.quad_to(b.0, b.1, end.0, end.1)
                    }
                    OutlineCurve::Cubic(_, b, c, _) => {
                        let (b, c) = (pt(*b), pt(*c));
                        pb.cubic_to(b.0, b.1, c.0, c.1, end.0, end.1)
                    }
                }
                last = Some(end);
            }
            if last.is_some() {
                pb.close();
            }
        }
        pen += font.h_advance_unscaled(id) * scale;
        prev = Some(id);
    }
    pb.finish()
}

/// The frame as a PNG file.
pub fn png(frame: Frame) -> Result<Vec<u8>, String> {
    let size = tiny_skia::IntSize::from_wh(frame.width, frame.height).ok_or("an empty frame")?;
    let pixmap = Pixmap::from_vec(frame.rgba, size).ok_or("a frame of the wrong size")?;
    pixmap.encode_png().map_err(|e| format!("encoding the still: {e}"))
}

/// The frame as a baseline JPEG (for the report, where PNG stills would weigh megabytes).
pub fn jpeg(frame: &Frame, quality: u8) -> Result<Vec<u8>, String> {
    let (w, h) = (
        u16::try_from(frame.width).map_err(|_| "a frame too wide")?,
        u16::try_from(frame.height).map_err(|_| "a frame too tall")?,
    );
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(&frame.rgba, w, h, jpeg_encoder::ColorType::Rgba)
        .map_err(|e| format!("encoding the still: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dailies_protocol::Point;

    fn shape(tool: Tool, points: &[(f32, f32)], text: Option<&str>) -> Shape {
        Shape {
            tool,
            points: points.iter().map(|&(x, y)| Point { x, y }).collect(),
            color: "#ff0000".into(),
            width: 0.03,
            text: text.map(str::to_owned),
        }
    }

    fn px(f: &Frame, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * f.width + x) * 4) as usize;
        [f.rgba[i], f.rgba[i + 1], f.rgba[i + 2], f.rgba[i + 3]]
    }

    fn red(p: [u8; 4]) -> bool {
        p[0] > 200 && p[1] < 60 && p[2] < 60
    }

    #[test]
    fn an_arrow_reddens_its_line_and_nothing_far_from_it() {
        let mut f = Frame::filled(320, 180, [0, 0, 255]);
        let d = Drawing {
            shapes: vec![shape(Tool::Arrow, &[(0.1, 0.5), (0.9, 0.5)], None)],
        };
        burn_in(&mut f, &d);
        for x in (40..280).step_by(10) {
            assert!(red(px(&f, x, 90)), "({x}, 90) is {:?}", px(&f, x, 90));
        }
        assert_eq!(px(&f, 160, 20), [0, 0, 255, 255]);
        assert_eq!(px(&f, 10, 170), [0, 0, 255, 255]);
        // The head's two barbs reach behind the tip, above and below the line.
        let column = |ys: std::ops::Range<u32>| ys.into_iter().any(|y| red(px(&f, 282, y)));
        assert!(column(84..89) && column(92..97), "no barbs at x = 282");
    }

    #[test]
    fn every_tool_draws_something() {
        let cases = [
            shape(Tool::Pen, &[(0.2, 0.2), (0.5, 0.6), (0.8, 0.3)], None),
            shape(Tool::Pen, &[(0.5, 0.5)], None),
            shape(Tool::Line, &[(0.2, 0.2), (0.8, 0.8)], None),
            shape(Tool::Arrow, &[(0.2, 0.8), (0.8, 0.2)], None),
            shape(Tool::Rect, &[(0.8, 0.8), (0.2, 0.2)], None),
            shape(Tool::Ellipse, &[(0.2, 0.2), (0.8, 0.8)], None),
            shape(Tool::Text, &[(0.3, 0.4)], Some("Fix é")),
        ];
        for s in cases {
            let mut f = Frame::filled(200, 100, [0, 0, 0]);
            burn_in(
                &mut f,
                &Drawing {
                    shapes: vec![s.clone()],
                },
            );
            let reds = f.rgba.chunks_exact(4).filter(|p| p[0] > 128).count();
            if s.tool == Tool::Text && font().is_none() {
                assert_eq!(reds, 0);
                continue;
            }
            let max = f.rgba.chunks_exact(4).map(|p| p[0]).max();
            assert!(reds > 0, "{:?} drew nothing (reddest {max:?})", s.tool);
        }
    }

    #[test]
    fn an_ellipse_stays_inside_its_rectangle() {
        let mut f = Frame::filled(200, 200, [0, 0, 0]);
        let s = shape(Tool::Ellipse, &[(0.25, 0.25), (0.75, 0.75)], None);
        burn_in(&mut f, &Drawing { shapes: vec![s] });
        // Its corners' neighbourhood is untouched; the middle of each side is drawn.
        assert!(px(&f, 55, 55)[0] == 0);
        assert!(red(px(&f, 100, 50)), "{:?}", px(&f, 100, 50));
        assert!(red(px(&f, 150, 100)), "{:?}", px(&f, 150, 100));
        assert!(px(&f, 100, 100)[0] == 0);
    }

    #[test]
    fn colours_and_encodings() {
        assert_eq!(parse_color("#00ff7f"), Some(Color::from_rgba8(0, 255, 127, 255)));
        assert_eq!(parse_color("red"), None);
        assert_eq!(parse_color("#ff00zz"), None);
        let f = Frame::filled(16, 8, [10, 20, 30]);
        let jpg = jpeg(&f, 80).unwrap();
        assert_eq!(&jpg[..2], &[0xff, 0xd8]);
        assert_eq!(f.rgb().len(), 16 * 8 * 3);
        let png = png(f).unwrap();
        let back = Pixmap::decode_png(&png).unwrap();
        assert_eq!((back.width(), back.height()), (16, 8));
    }
}
