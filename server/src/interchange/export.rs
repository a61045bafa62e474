//! A media's comments written as the edit reads them: CSV (every comment and reply), and
//! markers (one per top-level comment, its replies in its note) as a CMX3600 EDL with
//! `* LOC:` locators, FCPXML, FCP 7 XML (xmeml, which Premiere Pro imports) and an Avid
//! Media Composer marker list. Each marker sits at the comment's frame in source timecode.

use super::Clock;
use dailies_protocol::Comment;
use std::fmt::Write;

/// What an export needs to know about the media besides its comments.
pub struct Review<'a> {
    pub title: &'a str,
    /// The original's file name, which the edit links the clip by.
    pub file_name: &'a str,
    pub clock: Clock,
    /// Frames in the media (at least 1).
    pub frames: i64,
    pub review_status: &'a str,
    /// The number the source gives frame 0 (an image sequence's 1001), else 0.
    pub first_frame: i64,
    pub comments: &'a [Comment],
}

/// The export formats of `GET /api/media/{id}/export?format=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Edl,
    Fcpxml,
    Xml,
    Avid,
}

impl Format {
    pub const ALL: [Format; 5] = [Format::Csv, Format::Edl, Format::Fcpxml, Format::Xml, Format::Avid];

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Edl => "edl",
            Format::Fcpxml => "fcpxml",
            Format::Xml => "xml",
            Format::Avid => "avid",
        }
    }

    /// The file name extension and the content type of the answer.
    pub fn file(self) -> (&'static str, &'static str) {
        match self {
            Format::Csv => ("csv", "text/csv; charset=utf-8"),
            Format::Edl => ("edl", "text/plain; charset=utf-8"),
            Format::Fcpxml => ("fcpxml", "application/xml; charset=utf-8"),
            Format::Xml => ("xml", "application/xml; charset=utf-8"),
            Format::Avid => ("txt", "text/plain; charset=utf-8"),
        }
    }

    pub fn write(self, r: &Review) -> String {
        match self {
            Format::Csv => csv(r),
            Format::Edl => edl(r),
            Format::Fcpxml => fcpxml(r),
            Format::Xml => fcp7_xml(r),
            Format::Avid => avid(r),
        }
    }
}

/// One marker: a top-level comment and its replies.
pub struct Marker<'a> {
    pub comment: &'a Comment,
    pub replies: Vec<&'a Comment>,
}

impl Marker<'_> {
    pub fn resolved(&self) -> bool {
        self.comment.resolved_by.is_some()
    }

    /// The comment's own words (a deleted comment kept for its replies says so).
    pub fn name(&self) -> String {
        if self.comment.deleted {
            "(deleted)".into()
        } else {
            one_line(&self.comment.text)
        }
    }

    /// Author, words and replies on one line.
    pub fn note(&self) -> String {
        let mut s = format!("{}: {}", one_line(&self.comment.user_name), self.name());
        for r in &self.replies {
            let _ = write!(s, " | {}: {}", one_line(&r.user_name), one_line(&r.text));
        }
        if self.resolved() {
            s.push_str(" [resolved]");
        }
        s
    }

    /// Frames the marker spans (1 for a comment on one frame).
    pub fn duration(&self) -> i64 {
        self.comment
            .end_frame
            .map_or(1, |e| (e - self.comment.frame + 1).max(1))
    }
}

/// Top-level comments in frame order, each with its live replies; deleted comments only
/// while replies keep them.
pub fn markers(comments: &[Comment]) -> Vec<Marker<'_>> {
    let mut out: Vec<Marker> = comments
        .iter()
        .filter(|c| c.parent_id.is_none())
        .map(|c| Marker {
            comment: c,
            replies: comments
                .iter()
                .filter(|r| r.parent_id == Some(c.id) && !r.deleted)
                .collect(),
        })
        .filter(|m| !m.comment.deleted || !m.replies.is_empty())
        .collect();
    out.sort_by_key(|m| (m.comment.frame, m.comment.id.0));
    out
}

/// Text on one line, without control characters (EDL and marker lists are line-based).
fn one_line(s: &str) -> String {
    let t: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn color(m: &Marker) -> &'static str {
    if m.resolved() {
        "GREEN"
    } else {
        "RED"
    }
}

/// A CSV field: quoted when needed; a leading `= + - @` is prefixed with `'` so that a
/// spreadsheet shows the note instead of running it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub const CSV_HEADER: &str = "id,parent_id,frame,end_frame,timecode,end_timecode,seconds,author,guest,text,\
     status,resolved,resolved_by,resolved_at,created_at,edited_at,review_status,frame_number,subtitle_cue";

pub fn csv(r: &Review) -> String {
    let mut out = String::with_capacity(64 + r.comments.len() * 160);
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    let mut rows: Vec<&Comment> = r.comments.iter().filter(|c| !c.deleted).collect();
    rows.sort_by_key(|c| (c.frame, c.id.0));
    for c in rows {
        let resolved = c.resolved_by.is_some();
        let fields = [
            c.id.0.to_string(),
            c.parent_id.map(|p| p.0.to_string()).unwrap_or_default(),
            c.frame.to_string(),
            c.end_frame.map(|e| e.to_string()).unwrap_or_default(),
            r.clock.label(c.frame),
            c.end_frame.map(|e| r.clock.label(e)).unwrap_or_default(),
            format!("{:.3}", r.clock.seconds(c.frame)),
            csv_field(&c.user_name),
            c.guest.to_string(),
            csv_field(&c.text),
            if resolved { "resolved" } else { "open" }.into(),
            resolved.to_string(),
            csv_field(c.resolved_by_name.as_deref().unwrap_or("")),
            c.resolved_at.clone().unwrap_or_default(),
            c.created_at.clone(),
            c.edited_at.clone().unwrap_or_default(),
            r.review_status.to_string(),
            (r.first_frame + c.frame).to_string(),
            csv_field(c.subtitle_cue.as_ref().map_or("", |q| q.text.as_str())),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

/// An EDL reel name: eight characters of letters, digits and `_`.
fn reel(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let r: String = stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(8)
        .collect::<String>()
        .to_uppercase();
    if r.is_empty() {
        "AX".into()
    } else {
        r
    }
}

/// One event (the whole clip, source and record both in its own timecode) carrying a
/// locator per marker, as DaVinci Resolve and Media Composer read them.
pub fn edl(r: &Review) -> String {
    let c = &r.clock;
    let mut out = String::new();
    let _ = writeln!(out, "TITLE: {}", one_line(r.title));
    let fcm = if c.drop_frame() { "DROP FRAME" } else { "NON-DROP FRAME" };
    let _ = writeln!(out, "FCM: {fcm}\n");
    let (tin, tout) = (c.label_colons(0), c.label_colons(r.frames));
    let _ = writeln!(
        out,
        "001  {:<8} V     C        {tin} {tout} {tin} {tout}",
        reel(r.file_name)
    );
    let _ = writeln!(out, "* FROM CLIP NAME: {}", one_line(r.file_name));
    for m in markers(r.comments) {
        let _ = writeln!(
            out,
            "* LOC: {} {:<7} {}",
            c.label_colons(m.comment.frame),
            color(&m),
            m.note()
        );
    }
    out
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 allows no other control characters.
            c if c.is_control() && !matches!(c, '\n' | '\t') => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// `frames` at the clock's rate as FCPXML's rational seconds (`1001/24000s`).
fn fcp_time(c: &Clock, frames: i64) -> String {
    if frames == 0 {
        return "0s".into();
    }
    format!("{}/{}s", frames * c.fps.den, c.fps.num)
}

/// An FCPXML 1.9 library: one project whose spine holds the clip, with a marker per note
/// (a completed to-do marker when resolved).
pub fn fcpxml(r: &Review) -> String {
    let c = &r.clock;
    let tc_format = if c.drop_frame() { "DF" } else { "NDF" };
    let (start, dur) = (fcp_time(c, c.start), fcp_time(c, r.frames));
    let name = esc(&one_line(r.title));
    let file = esc(&one_line(r.file_name));
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n<fcpxml version=\"1.9\">\n");
    let _ = writeln!(
        out,
        "  <resources>\n    <format id=\"r1\" frameDuration=\"{}\"/>\n    \
         <asset id=\"r2\" name=\"{name}\" start=\"{start}\" duration=\"{dur}\" hasVideo=\"1\" format=\"r1\">\n      \
         <media-rep kind=\"original-media\" src=\"file:///{}\"/>\n    </asset>\n  </resources>",
        fcp_time(c, 1),
        url_path(r.file_name)
    );
    let _ = writeln!(
        out,
        "  <library>\n    <event name=\"Dailies\">\n      <project name=\"{name}\">\n        \
         <sequence format=\"r1\" duration=\"{dur}\" tcStart=\"{start}\" tcFormat=\"{tc_format}\">\n          <spine>"
    );
    let _ = writeln!(
        out,
        "            <asset-clip name=\"{file}\" ref=\"r2\" offset=\"{start}\" start=\"{start}\" duration=\"{dur}\" \
         format=\"r1\" tcFormat=\"{tc_format}\">"
    );
    for m in markers(r.comments) {
        let at = fcp_time(c, c.start + m.comment.frame);
        let len = fcp_time(c, m.duration());
        let done = if m.resolved() { " completed=\"1\"" } else { "" };
        let _ = writeln!(
            out,
            "              <marker start=\"{at}\" duration=\"{len}\" value=\"{}\" note=\"{}\"{done}/>",
            esc(&m.name()),
            esc(&m.note())
        );
    }
    out.push_str(
        "            </asset-clip>\n          </spine>\n        </sequence>\n      </project>\n    </event>\n  \
         </library>\n</fcpxml>\n",
    );
    out
}

/// A file name as a URL path segment.
fn url_path(name: &str) -> String {
    let mut o = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            o.push(b as char);
        } else {
            let _ = write!(o, "%{b:02X}");
        }
    }
    o
}

fn xmeml_rate(c: &Clock) -> String {
    let ntsc = if c.fps.den == 1001 { "TRUE" } else { "FALSE" };
    format!("<rate><timebase>{}</timebase><ntsc>{ntsc}</ntsc></rate>", c.nominal())
}

/// Final Cut Pro 7 XML (xmeml 4): a sequence with the clip, markers on the clip item at
/// their source frames (Premiere Pro imports these as clip markers).
pub fn fcp7_xml(r: &Review) -> String {
    let c = &r.clock;
    let rate = xmeml_rate(c);
    let df = if c.drop_frame() { "DF" } else { "NDF" };
    let tc = format!(
        "<timecode>{rate}<string>{}</string><frame>{}</frame><displayformat>{df}</displayformat></timecode>",
        c.label(0),
        c.start
    );
    let name = esc(&one_line(r.title));
    let file = esc(&one_line(r.file_name));
    let n = r.frames;
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE xmeml>\n<xmeml version=\"4\">\n");
    let _ = writeln!(
        out,
        "  <sequence id=\"sequence-1\">\n    <name>{name}</name>\n    <duration>{n}</duration>\n    {rate}\n    {tc}\n    \
         <media>\n      <video>\n        <track>\n          <clipitem id=\"clipitem-1\">\n            \
         <name>{file}</name>\n            <duration>{n}</duration>\n            {rate}\n            \
         <start>0</start>\n            <end>{n}</end>\n            <in>0</in>\n            <out>{n}</out>\n            \
         <file id=\"file-1\">\n              <name>{file}</name>\n              \
         <pathurl>file://localhost/{}</pathurl>\n              {rate}\n              <duration>{n}</duration>\n              \
         {tc}\n              <media><video></video></media>\n            </file>",
        url_path(r.file_name)
    );
    for m in markers(r.comments) {
        let f = m.comment.frame;
        let end = m.comment.end_frame.map_or(-1, |e| e.max(f));
        let _ = writeln!(
            out,
            "            <marker>\n              <name>{}</name>\n              <comment>{}</comment>\n              \
             <in>{f}</in>\n              <out>{end}</out>\n            </marker>",
            esc(&m.name()),
            esc(&m.note())
        );
    }
    out.push_str("          </clipitem>\n        </track>\n      </video>\n    </media>\n  </sequence>\n</xmeml>\n");
    out
}

/// Media Composer's marker list (Markers window → Import Markers): tab-separated name,
/// timecode, track, colour, comment and duration in frames, one marker a line.
pub fn avid(r: &Review) -> String {
    let mut out = String::new();
    for m in markers(r.comments) {
        let color = if m.resolved() { "green" } else { "red" };
        let _ = writeln!(
            out,
            "{}\t{}\tV1\t{color}\t{}\t{}",
            one_line(&m.comment.user_name).replace('\t', " "),
            r.clock.label(m.comment.frame),
            m.note(),
            m.duration()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use dailies_protocol::{CommentId, MediaId, Rational, UserId};

    pub fn comment(id: i64, parent: Option<i64>, frame: i64, text: &str) -> Comment {
        Comment {
            id: CommentId(id),
            media_id: MediaId("m".into()),
            parent_id: parent.map(CommentId),
            user_id: UserId("ann".into()),
            user_name: "Ann".into(),
            text: text.into(),
            frame,
            end_frame: None,
            drawing: None,
            created_at: "2026-12-03T00:00:00+00:00".into(),
            edited_at: None,
            deleted: false,
            guest: false,
            resolved_by: None,
            resolved_by_name: None,
            resolved_at: None,
            drawing_url: None,
            via_plugin: None,
            subtitle_cue: None,
        }
    }

    fn review(comments: &[Comment]) -> Review<'_> {
        Review {
            title: "Shot 10",
            file_name: "shot 10.mov",
            clock: Clock::new(Some(Rational { num: 25, den: 1 }), Some("01:00:00:00")),
            frames: 250,
            review_status: "in_progress",
            first_frame: 0,
            comments,
        }
    }

    #[test]
    fn replies_ride_in_their_markers_note() {
        let cs = [comment(1, None, 5, "too dark"), comment(2, Some(1), 5, "fixed\nin v2")];
        let edl = edl(&review(&cs));
        assert!(
            edl.contains("* LOC: 01:00:00:05 RED     Ann: too dark | Ann: fixed in v2"),
            "{edl}"
        );
        assert!(
            edl.contains("001  SHOT10   V     C        01:00:00:00 01:00:10:00"),
            "{edl}"
        );
        let avid = avid(&review(&cs));
        assert_eq!(avid, "Ann\t01:00:00:05\tV1\tred\tAnn: too dark | Ann: fixed in v2\t1\n");
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let cs = [comment(1, None, 25, "=HYPERLINK(\"x\"), see")];
        let out = csv(&review(&cs));
        let row = out.lines().nth(1).unwrap();
        assert!(
            row.starts_with("1,,25,,01:00:01:00,,1.000,Ann,false,\"'=HYPERLINK(\"\"x\"\"), see\",open"),
            "{row}"
        );
    }

    #[test]
    fn csv_numbers_frames_as_the_source_does() {
        let cs = [comment(1, None, 4, "matte edge")];
        let mut r = review(&cs);
        r.first_frame = 1001;
        let out = csv(&r);
        assert!(out
            .lines()
            .next()
            .unwrap()
            .ends_with(",review_status,frame_number,subtitle_cue"));
        assert!(out.lines().nth(1).unwrap().ends_with(",in_progress,1005,"), "{out}");
    }

    #[test]
    fn xml_is_escaped() {
        let cs = [comment(1, None, 0, "<b> & \"q\"")];
        let x = fcpxml(&review(&cs));
        assert!(x.contains("value=\"&lt;b&gt; &amp; &quot;q&quot;\""), "{x}");
        assert!(x.contains("start=\"90000/25s\""), "{x}");
        assert!(fcp7_xml(&review(&cs)).contains("<name>&lt;b&gt; &amp; &quot;q&quot;</name>"));
    }
}
