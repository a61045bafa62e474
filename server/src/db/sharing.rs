//! What team review stores: shares per media, review status and its history, guest links
//! and the guest sessions opened through them (docs/sharing.md).

use super::models::Media;
use super::schema::{guest_links, guest_sessions, media, media_shares, status_history, users};
use super::Conn;
use crate::error::AppResult;
use chrono::NaiveDateTime;
use dailies_protocol::{GuestLinkInfo, LinkAccess, ReviewStatus, ShareEntry, ShareRole, StatusChange, UserId};
use diesel::prelude::*;
use std::collections::HashMap;

fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339()
}

/// The role `user` has on `media` by name, if any.
pub fn role_of(conn: &mut Conn, media_id: &str, user: &str) -> AppResult<Option<ShareRole>> {
    let role: Option<String> = media_shares::table
        .find((media_id, user))
        .select(media_shares::role)
        .first(conn)
        .optional()?;
    Ok(role.and_then(|r| ShareRole::parse(&r)))
}

/// The roles `user` has on each of `ids` (absent: none).
pub fn roles_of(conn: &mut Conn, user: &str, ids: &[&str]) -> AppResult<HashMap<String, ShareRole>> {
    let mut out = HashMap::new();
    // SQLite allows some tens of thousands of parameters; stay far below.
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String)> = media_shares::table
            .filter(media_shares::user_id.eq(user))
            .filter(media_shares::media_id.eq_any(chunk))
            .select((media_shares::media_id, media_shares::role))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(|(m, r)| Some((m, ShareRole::parse(&r)?))));
    }
    Ok(out)
}

/// The users a media is shared with, with their names where known, by user id.
pub fn shares(conn: &mut Conn, media_id: &str) -> AppResult<Vec<ShareEntry>> {
    let rows: Vec<(String, String, Option<String>)> = media_shares::table
        .left_join(users::table.on(users::id.eq(media_shares::user_id)))
        .filter(media_shares::media_id.eq(media_id))
        .order(media_shares::user_id.asc())
        .select((media_shares::user_id, media_shares::role, users::name.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(u, r, n)| {
            Some(ShareEntry {
                user_name: Some(n.unwrap_or_else(|| u.clone())),
                user_id: UserId(u),
                role: ShareRole::parse(&r)?,
            })
        })
        .collect())
}

/// Replaces a media's sharing in one transaction; answers the users who lost their share
/// and those who gained one.
pub fn replace(
    conn: &mut Conn,
    media_id: &str,
    link: LinkAccess,
    users_roles: &[(UserId, ShareRole)],
) -> AppResult<(Vec<UserId>, Vec<UserId>)> {
    conn.immediate_transaction(|c| {
        let before: Vec<String> = media_shares::table
            .filter(media_shares::media_id.eq(media_id))
            .select(media_shares::user_id)
            .load(c)?;
        super::versions::set_link_access(c, media_id, link.as_str())?;
        diesel::delete(media_shares::table.filter(media_shares::media_id.eq(media_id))).execute(c)?;
        let now = chrono::Utc::now().naive_utc();
        for (u, r) in users_roles {
            diesel::insert_into(media_shares::table)
                .values((
                    media_shares::media_id.eq(media_id),
                    media_shares::user_id.eq(u.as_str()),
                    media_shares::role.eq(r.as_str()),
                    media_shares::created_at.eq(now),
                ))
                .execute(c)?;
        }
        let removed = before
            .iter()
            .filter(|b| !users_roles.iter().any(|(u, _)| u.as_str() == b.as_str()))
            .map(|b| UserId(b.clone()))
            .collect();
        let added = users_roles
            .iter()
            .filter(|(u, _)| !before.iter().any(|b| b == u.as_str()))
            .map(|(u, _)| u.clone())
            .collect();
        Ok((removed, added))
    })
}

/// Media others shared with `user` by name, newest first.
pub fn shared_with(conn: &mut Conn, user: &str) -> AppResult<Vec<Media>> {
    // Shares of a stack are kept under its root: every version is shared.
    let on_stack = media_shares::media_id
        .eq(media::id)
        .or(media_shares::media_id.nullable().eq(media::stack_id));
    Ok(media::table
        .inner_join(media_shares::table.on(on_stack))
        .filter(media_shares::user_id.eq(user))
        .filter(media::owner_id.ne(user))
        .order((media::created_at.desc(), media::id.desc()))
        .select(Media::as_select())
        .load(conn)?)
}

/// Every user the server has seen, by name (guests are not users).
pub fn known_users(conn: &mut Conn) -> AppResult<Vec<(String, String)>> {
    Ok(users::table
        .filter(users::id.not_like("guest:%"))
        .filter(users::id.not_like("organizer:%"))
        .order((users::name.asc(), users::id.asc()))
        .select((users::id, users::name))
        .load(conn)?)
}

/// Sets the review status and records the change, in one transaction.
pub fn set_status(conn: &mut Conn, media_id: &str, change: &StatusChange, at: NaiveDateTime) -> AppResult<()> {
    conn.immediate_transaction(|c| {
        super::versions::set_review_status(c, media_id, change.status.as_str())?;
        diesel::insert_into(status_history::table)
            .values((
                status_history::media_id.eq(media_id),
                status_history::status.eq(change.status.as_str()),
                status_history::user_id.eq(change.user_id.as_str()),
                status_history::user_name.eq(&change.user_name),
                status_history::at.eq(at),
            ))
            .execute(c)?;
        Ok(())
    })
}

/// The status changes of a media, newest first (at most `limit`).
pub fn history(conn: &mut Conn, media_id: &str, limit: i64) -> AppResult<Vec<StatusChange>> {
    let rows: Vec<(String, String, String, NaiveDateTime)> = status_history::table
        .filter(status_history::media_id.eq(media_id))
        .order(status_history::id.desc())
        .limit(limit)
        .select((
            status_history::status,
            status_history::user_id,
            status_history::user_name,
            status_history::at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, u, n, at)| {
            Some(StatusChange {
                status: ReviewStatus::parse(&s)?,
                user_id: UserId(u),
                user_name: n,
                at: rfc3339(at),
            })
        })
        .collect())
}

/// A guest link as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = guest_links)]
pub struct GuestLinkRow {
    pub id: i64,
    /// The stack (its root's id) the link opens, or
    pub media_id: Option<String>,
    pub token_hash: String,
    pub label: Option<String>,
    pub password_hash: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
    pub can_comment: bool,
    pub can_download: bool,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub uses: i64,
    /// the playlist it opens (the items its sharing opens).
    pub playlist_id: Option<String>,
}

impl GuestLinkRow {
    pub fn expired(&self, now: NaiveDateTime) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }

    pub fn to_info(&self, now: NaiveDateTime) -> GuestLinkInfo {
        GuestLinkInfo {
            id: self.id,
            label: self.label.clone(),
            created_at: rfc3339(self.created_at),
            created_by: UserId(self.created_by.clone()),
            expires_at: self.expires_at.map(rfc3339),
            expired: self.expired(now),
            last_used_at: self.last_used_at.map(rfc3339),
            uses: self.uses,
            has_password: self.password_hash.is_some(),
            can_comment: self.can_comment,
            can_download: self.can_download,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = guest_links)]
pub struct NewGuestLinkRow {
    pub media_id: Option<String>,
    pub playlist_id: Option<String>,
    pub token_hash: String,
    pub label: Option<String>,
    pub password_hash: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
    pub can_comment: bool,
    pub can_download: bool,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_link(conn: &mut Conn, l: &NewGuestLinkRow) -> AppResult<GuestLinkRow> {
    Ok(crate::on_backend!(conn, c_ => diesel::insert_into(guest_links::table)
        .values(l.clone())
        .returning(GuestLinkRow::as_returning())
        .get_result(c_))?)
}

pub fn links_of(conn: &mut Conn, media_id: &str) -> AppResult<Vec<GuestLinkRow>> {
    Ok(guest_links::table
        .filter(
            guest_links::media_id
                .eq(media_id)
                .or(guest_links::playlist_id.eq(media_id)),
        )
        .order(guest_links::id.desc())
        .select(GuestLinkRow::as_select())
        .load(conn)?)
}

pub fn link_by_token_hash(conn: &mut Conn, hash: &str) -> AppResult<Option<GuestLinkRow>> {
    Ok(guest_links::table
        .filter(guest_links::token_hash.eq(hash))
        .select(GuestLinkRow::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes a link of `media_id` with its guest sessions; answers the guest user ids that
/// lost it, or None when there was no such link.
pub fn delete_link(conn: &mut Conn, media_id: &str, link_id: i64) -> AppResult<Option<Vec<UserId>>> {
    conn.immediate_transaction(|c| {
        let n = guest_links::table
            .filter(guest_links::id.eq(link_id))
            .filter(
                guest_links::media_id
                    .eq(media_id)
                    .or(guest_links::playlist_id.eq(media_id)),
            )
            .count()
            .get_result::<i64>(c)?;
        if n == 0 {
            return Ok(None);
        }
        let sessions: Vec<i64> = guest_sessions::table
            .filter(guest_sessions::link_id.eq(link_id))
            .select(guest_sessions::id)
            .load(c)?;
        diesel::delete(guest_sessions::table.filter(guest_sessions::link_id.eq(link_id))).execute(c)?;
        diesel::delete(guest_links::table.find(link_id)).execute(c)?;
        Ok(Some(sessions.into_iter().map(guest_user_id).collect()))
    })
}

/// The user id a guest session acts as.
pub fn guest_user_id(session: i64) -> UserId {
    UserId(format!("{}{session}", crate::access::GUEST_PREFIX))
}

/// Opens a guest session on a link (and counts the use); answers the session's id.
pub fn open_session(conn: &mut Conn, link_id: i64, token_hash: &str, name: &str) -> AppResult<i64> {
    conn.immediate_transaction(|c| {
        let now = chrono::Utc::now().naive_utc();
        let id: i64 = diesel::insert_into(guest_sessions::table)
            .values((
                guest_sessions::link_id.eq(link_id),
                guest_sessions::token_hash.eq(token_hash),
                guest_sessions::name.eq(name),
                guest_sessions::created_at.eq(now),
            ))
            .returning(guest_sessions::id)
            .get_result(c)?;
        diesel::update(guest_links::table.find(link_id))
            .set((
                guest_links::uses.eq(guest_links::uses + 1),
                guest_links::last_used_at.eq(Some(now)),
            ))
            .execute(c)?;
        Ok(id)
    })
}

/// A guest session with its link.
#[derive(Debug, Clone)]
pub struct GuestGrant {
    pub session_id: i64,
    pub name: String,
    pub link: GuestLinkRow,
    /// For a playlist's link: the items it opens, in order.
    pub items: Vec<String>,
}

impl GuestGrant {
    /// Whether the grant opens this media now (a version of its link's stack, or an item
    /// of its link's playlist; not expired).
    pub fn opens(&self, media: &Media) -> bool {
        self.opens_id(media.id.as_str(), media.stack_key())
    }

    /// As `opens`, for the media `id` of the stack kept under `key`.
    pub fn opens_id(&self, id: &str, key: &str) -> bool {
        if self.link.expired(chrono::Utc::now().naive_utc()) {
            return false;
        }
        match &self.link.media_id {
            Some(m) => m == key,
            None => self.items.iter().any(|i| i == id),
        }
    }
}

fn grant_where<F>(conn: &mut Conn, filter: F) -> AppResult<Option<GuestGrant>>
where
    F: FnOnce(
        guest_sessions::BoxedQuery<'static, super::MultiBackend>,
    ) -> guest_sessions::BoxedQuery<'static, super::MultiBackend>,
{
    let s: Option<(i64, i64, String)> = filter(guest_sessions::table.into_boxed())
        .select((guest_sessions::id, guest_sessions::link_id, guest_sessions::name))
        .first(conn)
        .optional()?;
    let Some((session_id, link_id, name)) = s else {
        return Ok(None);
    };
    let link = guest_links::table
        .find(link_id)
        .select(GuestLinkRow::as_select())
        .first(conn)
        .optional()?;
    let Some(link) = link else { return Ok(None) };
    let items = match &link.playlist_id {
        Some(p) => super::schema::playlist_items::table
            .filter(super::schema::playlist_items::playlist_id.eq(p))
            .filter(super::schema::playlist_items::shares.eq(true))
            .order(super::schema::playlist_items::position.asc())
            .select(super::schema::playlist_items::media_id)
            .load(conn)?,
        None => Vec::new(),
    };
    Ok(Some(GuestGrant {
        session_id,
        name,
        link,
        items,
    }))
}

/// The guest session a cookie's token (hashed) opens.
pub fn grant_by_token_hash(conn: &mut Conn, hash: &str) -> AppResult<Option<GuestGrant>> {
    let hash = hash.to_string();
    grant_where(conn, move |q| q.filter(guest_sessions::token_hash.eq(hash)))
}

/// The guest session of a guest user id's number.
pub fn grant_by_session(conn: &mut Conn, session: i64) -> AppResult<Option<GuestGrant>> {
    grant_where(conn, move |q| q.filter(guest_sessions::id.eq(session)))
}

pub fn end_session(conn: &mut Conn, session: i64) -> AppResult<()> {
    diesel::delete(guest_sessions::table.find(session)).execute(conn)?;
    Ok(())
}
