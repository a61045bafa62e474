//! Subtitle tracks of media: plain functions on `&mut Conn`. At most one track of a media
//! is its default; setting one clears the others in the same transaction.

use super::models::{NewSubtitleTrack, SubtitleTrackRow};
use super::schema::subtitle_tracks as st;
use super::Conn;
use crate::error::AppResult;
use diesel::prelude::*;

/// The media's tracks in the order they were added.
pub fn list(conn: &mut Conn, media_id: &str) -> AppResult<Vec<SubtitleTrackRow>> {
    Ok(st::table
        .filter(st::media_id.eq(media_id))
        .order(st::id.asc())
        .select(SubtitleTrackRow::as_select())
        .load(conn)?)
}

/// One track of the media; None when it has no such track.
pub fn get(conn: &mut Conn, media_id: &str, id: i64) -> AppResult<Option<SubtitleTrackRow>> {
    Ok(st::table
        .filter(st::media_id.eq(media_id).and(st::id.eq(id)))
        .select(SubtitleTrackRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a track (clearing the others' default flag when it is the default).
pub fn insert(conn: &mut Conn, row: &NewSubtitleTrack) -> AppResult<SubtitleTrackRow> {
    conn.immediate_transaction(|c| {
        if row.is_default {
            clear_default(c, &row.media_id)?;
        }
        Ok(crate::on_backend!(c, c_ => diesel::insert_into(st::table)
            .values(row)
            .returning(SubtitleTrackRow::as_returning())
            .get_result(c_))?)
    })
}

fn clear_default(conn: &mut Conn, media_id: &str) -> AppResult<()> {
    diesel::update(st::table.filter(st::media_id.eq(media_id)))
        .set(st::is_default.eq(false))
        .execute(conn)?;
    Ok(())
}

/// What an edit changes; None leaves a field as it is.
#[derive(Debug, Default, Clone)]
pub struct TrackChange {
    pub title: Option<String>,
    /// `Some(None)` clears the language.
    pub language: Option<Option<String>>,
    pub offset_ms: Option<i64>,
    pub is_default: Option<bool>,
}

/// Applies `change` to the track; None when the media has no such track.
pub fn update(conn: &mut Conn, media_id: &str, id: i64, change: &TrackChange) -> AppResult<Option<SubtitleTrackRow>> {
    conn.immediate_transaction(|c| {
        let Some(mut row) = get(c, media_id, id)? else {
            return Ok(None);
        };
        if change.is_default == Some(true) {
            clear_default(c, media_id)?;
        }
        if let Some(t) = &change.title {
            row.title = t.clone();
        }
        if let Some(l) = &change.language {
            row.language = l.clone();
        }
        if let Some(o) = change.offset_ms {
            row.offset_ms = o;
        }
        if let Some(d) = change.is_default {
            row.is_default = d;
        }
        diesel::update(st::table.filter(st::id.eq(id)))
            .set((
                st::title.eq(&row.title),
                st::language.eq(&row.language),
                st::offset_ms.eq(row.offset_ms),
                st::is_default.eq(row.is_default),
            ))
            .execute(c)?;
        Ok(Some(row))
    })
}

/// Removes the track's row; answers it (for its file) when there was one.
pub fn delete(conn: &mut Conn, media_id: &str, id: i64) -> AppResult<Option<SubtitleTrackRow>> {
    conn.immediate_transaction(|c| {
        let row = get(c, media_id, id)?;
        if row.is_some() {
            diesel::delete(st::table.filter(st::id.eq(id))).execute(c)?;
        }
        Ok(row)
    })
}

/// Replaces the media's embedded tracks by `rows` (a job run again extracts them again);
/// answers the file names of the rows replaced and the rows stored.
pub fn replace_embedded(
    conn: &mut Conn,
    media_id: &str,
    rows: &[NewSubtitleTrack],
) -> AppResult<(Vec<String>, Vec<SubtitleTrackRow>)> {
    conn.immediate_transaction(|c| {
        let embedded = st::source.eq(dailies_protocol::SubtitleSource::Embedded.as_str());
        let old: Vec<String> = st::table
            .filter(st::media_id.eq(media_id).and(embedded))
            .select(st::file_name)
            .load(c)?;
        diesel::delete(st::table.filter(st::media_id.eq(media_id).and(embedded))).execute(c)?;
        let has_default = st::table
            .filter(st::media_id.eq(media_id).and(st::is_default.eq(true)))
            .count()
            .get_result::<i64>(c)?
            > 0;
        let mut default_taken = has_default;
        let mut stored = Vec::new();
        for r in rows {
            let mut r = r.clone();
            // The first stream the source marks default, unless a track already is.
            r.is_default = r.is_default && !default_taken;
            default_taken |= r.is_default;
            stored.push(crate::on_backend!(c, c_ => diesel::insert_into(st::table)
                    .values(&r)
                    .returning(SubtitleTrackRow::as_returning())
                    .get_result(c_))?);
        }
        Ok((old, stored))
    })
}
