//! What space accounting reads and writes: admins' per-user quota overrides, the bytes of
//! originals a user keeps, and a user's comment volume since a moment.

use super::schema::{comments, media, user_quotas};
use super::Conn;
use crate::error::AppResult;
use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

/// One user's overrides as stored; `None` keeps the config's default.
#[derive(Debug, Clone, Default, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = user_quotas, treat_none_as_null = true)]
pub struct QuotaRow {
    pub user_id: String,
    pub stored_bytes: Option<i64>,
    pub upload_bytes: Option<i64>,
    pub uploads: Option<i64>,
    pub comment_bytes_per_day: Option<i64>,
}

pub fn all(conn: &mut Conn) -> AppResult<Vec<QuotaRow>> {
    Ok(user_quotas::table.select(QuotaRow::as_select()).load(conn)?)
}

/// Stores the overrides, or forgets them when none is set.
pub fn put(conn: &mut Conn, row: &QuotaRow) -> AppResult<()> {
    let empty = row.stored_bytes.is_none()
        && row.upload_bytes.is_none()
        && row.uploads.is_none()
        && row.comment_bytes_per_day.is_none();
    if empty {
        diesel::delete(user_quotas::table.find(&row.user_id)).execute(conn)?;
        return Ok(());
    }
    let now = chrono::Utc::now().naive_utc();
    crate::on_backend!(conn, c_ => diesel::insert_into(user_quotas::table)
        .values((row, user_quotas::updated_at.eq(now)))
        .on_conflict(user_quotas::user_id)
        .do_update()
        .set((row, user_quotas::updated_at.eq(now)))
        .execute(c_))?;
    Ok(())
}

/// Bytes of the originals a user owns (what their uploads weigh).
pub fn stored_bytes(conn: &mut Conn, owner: &str) -> AppResult<u64> {
    let total: Option<i64> = media::table
        .filter(media::owner_id.eq(owner))
        .select(sql::<Nullable<BigInt>>("CAST(SUM(file_size) AS BIGINT)"))
        .first(conn)?;
    Ok(total.unwrap_or(0).max(0) as u64)
}

/// Bytes of text and drawings in the comments a user wrote since `since`.
pub fn comment_bytes_since(conn: &mut Conn, user: &str, since: NaiveDateTime) -> AppResult<u64> {
    let rows: Vec<(String, Option<String>)> = comments::table
        .filter(comments::user_id.eq(user))
        .filter(comments::created_at.gt(since))
        .select((comments::text, comments::drawing))
        .load(conn)?;
    Ok(rows
        .iter()
        .map(|(t, d)| (t.len() + d.as_ref().map_or(0, String::len)) as u64)
        .sum())
}
