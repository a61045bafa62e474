//! Room state in pieces that each fit a client's outgoing queue: comments in pages, missed
//! events in pages, and large drawings by reference instead of inline.

use dailies_protocol::{Comment, RoomEvent, SeqEvent};

/// A drawing whose JSON is larger than this travels by reference (`drawing_url`).
pub const DRAWING_INLINE_MAX: usize = 16 * 1024;
/// Comments in one page, and the bytes a page may take at most (one comment always fits).
pub const PAGE_COMMENTS: i64 = 100;
pub const PAGE_BYTES: usize = 1024 * 1024;
/// Events in one catch-up page (bounded by `PAGE_BYTES` too).
pub const CATCH_UP_PAGE: i64 = 200;
/// A reconnecting client further behind than this reloads the state instead (`resync`).
pub const MAX_CATCH_UP: i64 = 100_000;

/// Where a comment's drawing is fetched when it does not travel inline.
pub fn drawing_url(c: &Comment) -> String {
    format!("/api/media/{}/comments/{}/drawing", c.media_id, c.id.0)
}

/// Replaces a large drawing by its address.
pub fn slim_comment(c: &mut Comment) {
    let large = c
        .drawing
        .as_ref()
        .and_then(|d| serde_json::to_vec(d).ok())
        .is_some_and(|j| j.len() > DRAWING_INLINE_MAX);
    if large {
        c.drawing = None;
        c.drawing_url = Some(drawing_url(c));
    }
}

/// The same for the comment an event carries.
pub fn slim_event(e: &mut RoomEvent) {
    match e {
        RoomEvent::CommentAdded { comment, .. }
        | RoomEvent::CommentEdited { comment }
        | RoomEvent::CommentResolved { comment }
        | RoomEvent::CommentDeleted {
            comment: Some(comment), ..
        } => slim_comment(comment),
        _ => {}
    }
}

fn weight<T: serde::Serialize>(v: &T) -> usize {
    serde_json::to_vec(v).map_or(0, |j| j.len())
}

/// Keeps the leading items while they fit in `PAGE_BYTES` (at least one); answers whether
/// some were cut.
fn fit<T: serde::Serialize>(items: &mut Vec<T>) -> bool {
    let mut used = 0;
    let mut keep = items.len();
    for (i, it) in items.iter().enumerate() {
        used += weight(it) + 1;
        if used > PAGE_BYTES && i > 0 {
            keep = i;
            break;
        }
    }
    let cut = keep < items.len();
    items.truncate(keep);
    cut
}

/// A page of comments (newest first, as read with one more than a page, to know whether
/// older ones remain): slimmed, cut to the byte budget, with the cursor for the next page.
pub fn comments_page(mut rows: Vec<Comment>) -> (Vec<Comment>, Option<dailies_protocol::CommentId>) {
    let mut more = rows.len() as i64 > PAGE_COMMENTS;
    rows.truncate(PAGE_COMMENTS as usize);
    rows.iter_mut().for_each(slim_comment);
    more |= fit(&mut rows);
    let before = if more { rows.last().map(|c| c.id) } else { None };
    (rows, before)
}

/// A page of missed events (oldest first): slimmed and cut to the byte budget.
pub fn events_page(rows: Vec<(i64, RoomEvent)>) -> Vec<SeqEvent> {
    let mut page: Vec<SeqEvent> = rows
        .into_iter()
        .map(|(seq, mut event)| {
            slim_event(&mut event);
            SeqEvent { seq, event }
        })
        .collect();
    fit(&mut page);
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use dailies_protocol::{CommentId, Drawing, MediaId, Point, Shape, Tool, UserId};

    fn comment(id: i64, points: usize) -> Comment {
        Comment {
            id: CommentId(id),
            media_id: MediaId::from("m1"),
            parent_id: None,
            user_id: UserId("ann".into()),
            user_name: "Ann".into(),
            text: "x".repeat(9_000),
            frame: 1,
            end_frame: None,
            drawing: (points > 0).then(|| Drawing {
                shapes: vec![Shape {
                    tool: Tool::Pen,
                    points: vec![Point { x: 0.25, y: 0.5 }; points],
                    color: "#ff0000".into(),
                    width: 0.01,
                    text: None,
                }],
            }),
            created_at: "2026-12-02T00:00:00Z".into(),
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

    #[test]
    fn large_drawings_go_by_reference_and_small_ones_stay() {
        let mut small = comment(1, 10);
        slim_comment(&mut small);
        assert!(small.drawing.is_some() && small.drawing_url.is_none());
        let mut large = comment(2, 5_000);
        slim_comment(&mut large);
        assert!(large.drawing.is_none());
        assert_eq!(large.drawing_url.as_deref(), Some("/api/media/m1/comments/2/drawing"));
    }

    #[test]
    fn a_page_fits_the_budget_and_says_where_to_go_on() {
        // 101 rows read: a full page and more behind it; 9 kB of text each → 100 fit in 1 MiB.
        let rows: Vec<_> = (0..101).rev().map(|i| comment(i + 1, 0)).collect();
        let (page, before) = comments_page(rows);
        assert_eq!(page.len(), 100);
        assert_eq!(before, Some(CommentId(2)));
        // Large drawings are slimmed first, so a page of them still fits.
        let rows: Vec<_> = (0..50).rev().map(|i| comment(i + 1, 5_000)).collect();
        let (page, before) = comments_page(rows);
        assert_eq!((page.len(), before), (50, None));
        assert!(weight(&page) <= PAGE_BYTES);
        // Too many bytes: cut, with a cursor although fewer rows than a page were read.
        let rows: Vec<_> = (0..100).rev().map(|i| comment(i + 1, 400)).collect();
        let (page, before) = comments_page(rows);
        assert!(page.len() < 100 && weight(&page) <= PAGE_BYTES, "{}", page.len());
        assert_eq!(before, page.last().map(|c| c.id));
    }
}
