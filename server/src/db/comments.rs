//! Comments and room events: plain functions on `&mut Conn`, called by the `Room` actor,
//! which is the only writer of its media's comments and sequence numbers.

use super::models::{CommentRow, NewComment};
use super::schema::{comments, room_events, users};
use super::Conn;
use crate::error::AppResult;
use dailies_protocol::{Comment, CommentId, Drawing, RoomEvent, SubtitleCue, UserId};
use diesel::prelude::*;
use std::collections::HashMap;

fn to_wire(row: CommentRow, user_name: String, names: &HashMap<String, String>) -> Comment {
    let resolved_by_name = row
        .resolved_by
        .as_ref()
        .map(|u| names.get(u).cloned().unwrap_or_else(|| u.clone()));
    Comment {
        guest: row.user_id.starts_with(crate::access::GUEST_PREFIX),
        resolved_by: row.resolved_by.map(UserId),
        resolved_by_name,
        resolved_at: row.resolved_at.map(|t| t.and_utc().to_rfc3339()),
        id: CommentId(row.id),
        media_id: row.media_id,
        parent_id: row.parent_id.map(CommentId),
        user_id: row.user_id,
        user_name,
        text: row.text,
        frame: row.frame,
        end_frame: row.end_frame,
        drawing: row
            .drawing
            .as_deref()
            .and_then(|d| serde_json::from_str::<Drawing>(d).ok()),
        created_at: row.created_at.and_utc().to_rfc3339(),
        edited_at: row.edited_at.map(|t| t.and_utc().to_rfc3339()),
        deleted: row.deleted,
        drawing_url: None,
        via_plugin: row.via_plugin,
        subtitle_cue: row
            .subtitle_cue
            .as_deref()
            .and_then(|c| serde_json::from_str::<SubtitleCue>(c).ok()),
    }
}

/// Every comment of a media file, in frame order then creation order.
pub fn list(conn: &mut Conn, media_id: &str) -> AppResult<Vec<Comment>> {
    let rows: Vec<(CommentRow, String)> = comments::table
        .inner_join(users::table)
        .filter(comments::media_id.eq(media_id))
        .order((comments::frame.asc(), comments::id.asc()))
        .select((CommentRow::as_select(), users::name))
        .load(conn)?;
    let names = resolver_names(conn, rows.iter().filter_map(|(r, _)| r.resolved_by.as_deref()))?;
    Ok(rows.into_iter().map(|(r, n)| to_wire(r, n, &names)).collect())
}

/// Comments of a media file newest first (by id), older than `before` when given: at
/// most `limit`.
pub fn page(conn: &mut Conn, media_id: &str, before: Option<i64>, limit: i64) -> AppResult<Vec<Comment>> {
    let mut q = comments::table
        .inner_join(users::table)
        .filter(comments::media_id.eq(media_id))
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(comments::id.lt(b));
    }
    let rows: Vec<(CommentRow, String)> = q
        .order(comments::id.desc())
        .limit(limit)
        .select((CommentRow::as_select(), users::name))
        .load(conn)?;
    let names = resolver_names(conn, rows.iter().filter_map(|(r, _)| r.resolved_by.as_deref()))?;
    Ok(rows.into_iter().map(|(r, n)| to_wire(r, n, &names)).collect())
}

/// The names of the users who resolved notes (each asked once).
fn resolver_names<'a>(conn: &mut Conn, ids: impl Iterator<Item = &'a str>) -> AppResult<HashMap<String, String>> {
    let mut ids: Vec<&str> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::name))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Marks a note resolved by `by`, or open again with None.
pub fn set_resolved(conn: &mut Conn, id: i64, by: Option<&str>) -> AppResult<()> {
    let at = by.map(|_| chrono::Utc::now().naive_utc());
    diesel::update(comments::table.find(id))
        .set((comments::resolved_by.eq(by), comments::resolved_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut Conn, id: i64) -> AppResult<Option<Comment>> {
    let row: Option<(CommentRow, String)> = comments::table
        .inner_join(users::table)
        .filter(comments::id.eq(id))
        .select((CommentRow::as_select(), users::name))
        .first(conn)
        .optional()?;
    let Some((r, n)) = row else { return Ok(None) };
    let names = resolver_names(conn, r.resolved_by.as_deref().into_iter())?;
    Ok(Some(to_wire(r, n, &names)))
}

pub fn insert(conn: &mut Conn, c: &NewComment) -> AppResult<Comment> {
    let id: i64 = diesel::insert_into(comments::table)
        .values(c.clone())
        .returning(comments::id)
        .get_result(conn)?;
    get(conn, id)?.ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("inserted comment vanished")))
}

pub fn update_text(conn: &mut Conn, id: i64, text: &str, drawing: Option<&str>) -> AppResult<()> {
    let now = chrono::Utc::now().naive_utc();
    diesel::update(comments::table.find(id))
        .set((
            comments::text.eq(text),
            comments::drawing.eq(drawing),
            comments::edited_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn has_replies(conn: &mut Conn, id: i64) -> AppResult<bool> {
    let n: i64 = comments::table
        .filter(comments::parent_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Keeps a marker in place of a comment that has replies, so its thread stays readable.
pub fn mark_deleted(conn: &mut Conn, id: i64) -> AppResult<()> {
    diesel::update(comments::table.find(id))
        .set((
            comments::text.eq(""),
            comments::drawing.eq(None::<String>),
            comments::deleted.eq(true),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut Conn, id: i64) -> AppResult<()> {
    diesel::delete(comments::table.find(id)).execute(conn)?;
    Ok(())
}

/// How long a `client_ref` identifies a comment for retries.
pub const CLIENT_REF_WINDOW: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// The comment `user` added in this media's room with `client_ref` within the last day, and
/// the sequence number of its event: what a retried `add_comment` is answered with.
pub fn by_client_ref(
    conn: &mut Conn,
    media_id: &str,
    user_id: &str,
    client_ref: &str,
) -> AppResult<Option<(Comment, i64)>> {
    let since = chrono::Utc::now().naive_utc() - CLIENT_REF_WINDOW;
    let row: Option<(i64, Option<i64>)> = comments::table
        .filter(comments::media_id.eq(media_id))
        .filter(comments::user_id.eq(user_id))
        .filter(comments::client_ref.eq(client_ref))
        .filter(comments::created_at.gt(since))
        .order(comments::id.desc())
        .select((comments::id, comments::added_seq))
        .first(conn)
        .optional()?;
    let Some((id, Some(seq))) = row else { return Ok(None) };
    Ok(get(conn, id)?.map(|c| (c, seq)))
}

/// The highest event number of a media's room (0 when none).
pub fn last_seq(conn: &mut Conn, media_id: &str) -> AppResult<i64> {
    let m: Option<i64> = room_events::table
        .filter(room_events::media_id.eq(media_id))
        .select(diesel::dsl::max(room_events::seq))
        .first(conn)?;
    Ok(m.unwrap_or(0))
}

pub fn append_event(conn: &mut Conn, media_id: &str, seq: i64, event: &RoomEvent) -> AppResult<()> {
    let json = serde_json::to_string(event).map_err(crate::error::AppError::internal)?;
    diesel::insert_into(room_events::table)
        .values((
            room_events::media_id.eq(media_id),
            room_events::seq.eq(seq),
            room_events::event.eq(json),
        ))
        .execute(conn)?;
    Ok(())
}

/// Events after `since`, oldest first, at most `limit`.
pub fn events_since(conn: &mut Conn, media_id: &str, since: i64, limit: i64) -> AppResult<Vec<(i64, RoomEvent)>> {
    let rows: Vec<(i64, String)> = room_events::table
        .filter(room_events::media_id.eq(media_id).and(room_events::seq.gt(since)))
        .order(room_events::seq.asc())
        .limit(limit)
        .select((room_events::seq, room_events::event))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, e)| serde_json::from_str(&e).ok().map(|ev| (s, ev)))
        .collect())
}
