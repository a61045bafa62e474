//! Dailies playlists as stored (docs/versions.md): a title, ordered items, shares by user
//! and a link access like a media file's. An item added by someone who could manage its
//! media (`shares`) is opened by the playlist's sharing to those it is shared with.

use super::schema::{comments, playlist_items, playlist_shares, playlists, users};
use super::Conn;
use crate::error::{AppError, AppResult};
use chrono::NaiveDateTime;
use dailies_protocol::{AccessLevel, LinkAccess, ShareEntry, ShareRole, UserId};
use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = playlists)]
pub struct PlaylistRow {
    pub id: String,
    pub owner_id: String,
    pub title: String,
    pub link_access: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PlaylistRow {
    pub fn link(&self) -> LinkAccess {
        LinkAccess::parse(&self.link_access).unwrap_or(LinkAccess::Off)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = playlist_items)]
pub struct ItemRow {
    pub playlist_id: String,
    pub position: i64,
    pub media_id: String,
    pub shares: bool,
    pub added_by: String,
}

/// One item to store: its media and whether the playlist's sharing opens it.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub media_id: String,
    pub shares: bool,
}

fn level_of(role: Option<&str>, link: &str) -> Option<AccessLevel> {
    let by_role = role.and_then(ShareRole::parse).map(|r| r.level());
    let by_link = LinkAccess::parse(link).and_then(|l| l.level());
    by_role.max(by_link)
}

struct Grant {
    media_id: String,
    role: Option<String>,
    link: String,
}

fn grants(conn: &mut Conn, user: &str, ids: &[&str]) -> AppResult<Vec<Grant>> {
    use super::schema::{playlist_items as i, playlist_shares as s, playlists as p};
    let mut out = Vec::new();
    for chunk in ids.chunks(400) {
        let rows: Vec<(String, Option<String>, String)> = i::table
            .inner_join(p::table.on(p::id.eq(i::playlist_id)))
            .left_join(s::table.on(s::playlist_id.eq(p::id).and(s::user_id.eq(user))))
            .filter(i::shares.eq(true))
            .filter(i::media_id.eq_any(chunk))
            .filter(s::role.is_not_null().or(p::link_access.ne("off")))
            .select((i::media_id, s::role.nullable(), p::link_access))
            .load(conn)?;
        out.extend(
            rows.into_iter()
                .map(|(media_id, role, link)| Grant { media_id, role, link }),
        );
    }
    Ok(out)
}

/// The level playlists shared with `user` (or open to everyone signed in) give on a media.
pub fn level_through(conn: &mut Conn, user: &str, media_id: &str) -> AppResult<Option<AccessLevel>> {
    Ok(grants(conn, user, &[media_id])?
        .iter()
        .filter_map(|g| level_of(g.role.as_deref(), &g.link))
        .max())
}

/// Of `ids`, the media a playlist opens to `user`.
pub fn opened_through(conn: &mut Conn, user: &str, ids: &[&str]) -> AppResult<HashSet<String>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(grants(conn, user, ids)?
        .into_iter()
        .filter(|g| level_of(g.role.as_deref(), &g.link).is_some())
        .map(|g| g.media_id)
        .collect())
}

pub fn get(conn: &mut Conn, id: &str) -> AppResult<Option<PlaylistRow>> {
    Ok(playlists::table
        .find(id)
        .select(PlaylistRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn items(conn: &mut Conn, id: &str) -> AppResult<Vec<ItemRow>> {
    Ok(playlist_items::table
        .filter(playlist_items::playlist_id.eq(id))
        .order(playlist_items::position.asc())
        .select(ItemRow::as_select())
        .load(conn)?)
}

fn write_items(conn: &mut Conn, id: &str, items: &[NewItem], by: &str) -> AppResult<()> {
    diesel::delete(playlist_items::table.filter(playlist_items::playlist_id.eq(id))).execute(conn)?;
    for (i, it) in items.iter().enumerate() {
        diesel::insert_into(playlist_items::table)
            .values((
                playlist_items::playlist_id.eq(id),
                playlist_items::position.eq(i as i64),
                playlist_items::media_id.eq(&it.media_id),
                playlist_items::shares.eq(it.shares),
                playlist_items::added_by.eq(by),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert(conn: &mut Conn, id: &str, owner: &str, title: &str, items: &[NewItem]) -> AppResult<()> {
    conn.immediate_transaction(|c| {
        let now = chrono::Utc::now().naive_utc();
        diesel::insert_into(playlists::table)
            .values((
                playlists::id.eq(id),
                playlists::owner_id.eq(owner),
                playlists::title.eq(title),
                playlists::link_access.eq(LinkAccess::Off.as_str()),
                playlists::created_at.eq(now),
                playlists::updated_at.eq(now),
            ))
            .execute(c)?;
        write_items(c, id, items, owner)
    })
}

/// Replaces a playlist's title and items. An item already there keeps its `shares` when the
/// editor may not share it (reordering someone else's item does not close it).
pub fn update(conn: &mut Conn, id: &str, title: &str, items: &[NewItem], by: &str) -> AppResult<()> {
    conn.immediate_transaction(|c| {
        let before: HashMap<String, bool> = items_of(c, id)?;
        let merged: Vec<NewItem> = items
            .iter()
            .map(|it| NewItem {
                media_id: it.media_id.clone(),
                shares: it.shares || before.get(&it.media_id).copied().unwrap_or(false),
            })
            .collect();
        let n = diesel::update(playlists::table.find(id))
            .set((
                playlists::title.eq(title),
                playlists::updated_at.eq(chrono::Utc::now().naive_utc()),
            ))
            .execute(c)?;
        if n == 0 {
            return Err(AppError::NotFound("no such playlist".into()));
        }
        write_items(c, id, &merged, by)
    })
}

fn items_of(conn: &mut Conn, id: &str) -> AppResult<HashMap<String, bool>> {
    Ok(items(conn, id)?.into_iter().map(|i| (i.media_id, i.shares)).collect())
}

pub fn delete(conn: &mut Conn, id: &str) -> AppResult<()> {
    diesel::delete(playlists::table.find(id)).execute(conn)?;
    Ok(())
}

/// The role `user` has on a playlist by name.
pub fn role_of(conn: &mut Conn, id: &str, user: &str) -> AppResult<Option<ShareRole>> {
    let r: Option<String> = playlist_shares::table
        .find((id, user))
        .select(playlist_shares::role)
        .first(conn)
        .optional()?;
    Ok(r.and_then(|r| ShareRole::parse(&r)))
}

/// Playlists `user` owns, is shared, or may open by their link access, newest first.
pub fn visible_to(conn: &mut Conn, user: &str, admin: bool) -> AppResult<Vec<PlaylistRow>> {
    let shared: Vec<String> = playlist_shares::table
        .filter(playlist_shares::user_id.eq(user))
        .select(playlist_shares::playlist_id)
        .load(conn)?;
    let mut q = playlists::table.into_boxed();
    if !admin {
        q = q.filter(
            playlists::owner_id
                .eq(user)
                .or(playlists::id.eq_any(shared))
                .or(playlists::link_access.ne(LinkAccess::Off.as_str())),
        );
    }
    Ok(q.order((playlists::updated_at.desc(), playlists::id.asc()))
        .select(PlaylistRow::as_select())
        .load(conn)?)
}

pub fn item_counts(conn: &mut Conn, ids: &[String]) -> AppResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = playlist_items::table
        .filter(playlist_items::playlist_id.eq_any(ids))
        .group_by(playlist_items::playlist_id)
        .select((playlist_items::playlist_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Open (unresolved, not deleted) top-level comments of each media.
pub fn open_comments(conn: &mut Conn, media_ids: &[&str]) -> AppResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = comments::table
        .filter(comments::media_id.eq_any(media_ids))
        .filter(comments::parent_id.is_null())
        .filter(comments::deleted.eq(false))
        .filter(comments::resolved_at.is_null())
        .group_by(comments::media_id)
        .select((comments::media_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn shares(conn: &mut Conn, id: &str) -> AppResult<Vec<ShareEntry>> {
    let rows: Vec<(String, String, Option<String>)> = playlist_shares::table
        .left_join(users::table.on(users::id.eq(playlist_shares::user_id)))
        .filter(playlist_shares::playlist_id.eq(id))
        .order(playlist_shares::user_id.asc())
        .select((playlist_shares::user_id, playlist_shares::role, users::name.nullable()))
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

/// Replaces a playlist's sharing; answers who lost a share.
pub fn replace_sharing(
    conn: &mut Conn,
    id: &str,
    link: LinkAccess,
    users_roles: &[(UserId, ShareRole)],
) -> AppResult<Vec<UserId>> {
    conn.immediate_transaction(|c| {
        let before: Vec<String> = playlist_shares::table
            .filter(playlist_shares::playlist_id.eq(id))
            .select(playlist_shares::user_id)
            .load(c)?;
        diesel::update(playlists::table.find(id))
            .set(playlists::link_access.eq(link.as_str()))
            .execute(c)?;
        diesel::delete(playlist_shares::table.filter(playlist_shares::playlist_id.eq(id))).execute(c)?;
        let now = chrono::Utc::now().naive_utc();
        for (u, r) in users_roles {
            diesel::insert_into(playlist_shares::table)
                .values((
                    playlist_shares::playlist_id.eq(id),
                    playlist_shares::user_id.eq(u.as_str()),
                    playlist_shares::role.eq(r.as_str()),
                    playlist_shares::created_at.eq(now),
                ))
                .execute(c)?;
        }
        Ok(before
            .into_iter()
            .filter(|b| !users_roles.iter().any(|(u, _)| u.as_str() == b))
            .map(UserId)
            .collect())
    })
}
