//! Version stacks as stored (docs/versions.md). A stack is its root media (`stack_id` NULL)
//! and the media naming it in `stack_id`; `version` numbers them 1, 2, … densely. Shares,
//! guest links and the status history of a stack are kept under its root's id (its "key");
//! link access and review status are written to every version alike, so a listing reads
//! them from the row at hand.

use super::models::Media;
use super::schema::{guest_links, media, media_shares, status_history};
use super::Conn;
use crate::error::{AppError, AppResult};
use dailies_protocol::{MediaId, ReviewStatus, StackVersion};
use diesel::prelude::*;
use std::collections::HashMap;

/// Every version of the stack kept under `key`, v1 first.
pub fn members(conn: &mut Conn, key: &str) -> AppResult<Vec<Media>> {
    Ok(media::table
        .filter(media::id.eq(key).or(media::stack_id.eq(key)))
        .order((media::version.asc(), media::created_at.asc()))
        .select(Media::as_select())
        .load(conn)?)
}

pub fn to_version(m: &Media) -> StackVersion {
    StackVersion {
        id: m.id.clone(),
        version: m.version,
        created_at: m.created_at.and_utc().to_rfc3339(),
        status: m.status,
        title: m.title.clone(),
    }
}

/// The versions of each stack `keys` names, v1 first.
pub fn stacks(conn: &mut Conn, keys: &[&str]) -> AppResult<HashMap<String, Vec<StackVersion>>> {
    let mut out: HashMap<String, Vec<StackVersion>> = HashMap::new();
    for chunk in keys.chunks(400) {
        let rows: Vec<Media> = media::table
            .filter(media::id.eq_any(chunk).or(media::stack_id.eq_any(chunk)))
            .order((media::version.asc(), media::created_at.asc()))
            .select(Media::as_select())
            .load(conn)?;
        for m in &rows {
            out.entry(m.stack_key().to_string()).or_default().push(to_version(m));
        }
    }
    Ok(out)
}

/// The newest version of the stack kept under `key`.
pub fn newest(conn: &mut Conn, key: &str) -> AppResult<Option<Media>> {
    Ok(members(conn, key)?.pop())
}

/// Numbers the stack's versions 1, 2, … in `order` (ids of the stack, each once).
fn renumber(conn: &mut Conn, order: &[MediaId]) -> AppResult<()> {
    for (i, id) in order.iter().enumerate() {
        diesel::update(media::table.find(id.as_str()))
            .set(media::version.eq(i as i64 + 1))
            .execute(conn)?;
    }
    Ok(())
}

/// Makes `new_root` the root of the stack kept under `old_root`: the other versions name it,
/// and the stack's shares, guest links and status history move to it (`moved`) or are
/// copied to it (`!moved`, when `old_root` leaves the stack and keeps its own).
fn reroot(conn: &mut Conn, old_root: &str, new_root: &str, moved: bool) -> AppResult<()> {
    diesel::update(media::table.filter(media::stack_id.eq(old_root)))
        .set(media::stack_id.eq(new_root))
        .execute(conn)?;
    diesel::update(media::table.find(new_root))
        .set(media::stack_id.eq(None::<String>))
        .execute(conn)?;
    if moved {
        diesel::update(media_shares::table.filter(media_shares::media_id.eq(old_root)))
            .set(media_shares::media_id.eq(new_root))
            .execute(conn)?;
        diesel::update(guest_links::table.filter(guest_links::media_id.eq(old_root)))
            .set(guest_links::media_id.eq(new_root))
            .execute(conn)?;
        diesel::update(status_history::table.filter(status_history::media_id.eq(old_root)))
            .set(status_history::media_id.eq(new_root))
            .execute(conn)?;
    } else {
        copy_team(conn, old_root, new_root)?;
    }
    Ok(())
}

/// Copies the shares and status history kept under `from` to `to` (guest links stay: a
/// link's secret opens one stack).
fn copy_team(conn: &mut Conn, from: &str, to: &str) -> AppResult<()> {
    diesel::sql_query(super::placeholders(
        conn,
        "INSERT INTO media_shares (media_id, user_id, role, created_at) \
         SELECT ?, user_id, role, created_at FROM media_shares WHERE media_id = ? \
         ON CONFLICT DO NOTHING",
    ))
    .bind::<diesel::sql_types::Text, _>(to)
    .bind::<diesel::sql_types::Text, _>(from)
    .execute(conn)?;
    diesel::sql_query(super::placeholders(
        conn,
        "INSERT INTO status_history (media_id, status, user_id, user_name, at) \
         SELECT ?, status, user_id, user_name, at FROM status_history WHERE media_id = ? ORDER BY id",
    ))
    .bind::<diesel::sql_types::Text, _>(to)
    .bind::<diesel::sql_types::Text, _>(from)
    .execute(conn)?;
    Ok(())
}

/// Puts the just-registered media `new_id` on top of `target`'s stack: the next version
/// number, the stack's link access, and review status back to "needs review" (a new version
/// needs a look; the change is recorded in the stack's history by `by`). Answers its number.
pub fn add_version(
    conn: &mut Conn,
    new_id: &str,
    target: &str,
    by: &dailies_protocol::UserInfo,
    at: chrono::NaiveDateTime,
) -> AppResult<i64> {
    let t = super::queries::get_media(conn, target)?
        .ok_or_else(|| AppError::NotFound("the media to add a version to is gone".into()))?;
    let key = t.stack_key().to_string();
    let stack = members(conn, &key)?;
    let next = stack.iter().map(|m| m.version).max().unwrap_or(0) + 1;
    diesel::update(media::table.find(new_id))
        .set((
            media::stack_id.eq(Some(&key)),
            media::version.eq(next),
            // A stack has one owner: a version an admin adds is the owner's like the rest.
            media::owner_id.eq(t.owner_id.as_str()),
            media::link_access.eq(t.link_access.as_str()),
            media::review_status.eq(ReviewStatus::NeedsReview.as_str()),
        ))
        .execute(conn)?;
    if t.review_status != ReviewStatus::NeedsReview {
        diesel::update(media::table.filter(media::id.eq(&key).or(media::stack_id.eq(&key))))
            .set(media::review_status.eq(ReviewStatus::NeedsReview.as_str()))
            .execute(conn)?;
        diesel::insert_into(status_history::table)
            .values((
                status_history::media_id.eq(&key),
                status_history::status.eq(ReviewStatus::NeedsReview.as_str()),
                status_history::user_id.eq(by.id.as_str()),
                status_history::user_name.eq(format!("{} (v{next} added)", by.name)),
                status_history::at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(next)
}

/// Sets the order of the stack kept under `key`: `order` must name each version once.
pub fn reorder(conn: &mut Conn, key: &str, order: &[MediaId]) -> AppResult<Vec<StackVersion>> {
    conn.immediate_transaction(|c| {
        let stack = members(c, key)?;
        let mut have: Vec<&str> = stack.iter().map(|m| m.id.as_str()).collect();
        let mut want: Vec<&str> = order.iter().map(|m| m.as_str()).collect();
        have.sort_unstable();
        want.sort_unstable();
        if have != want {
            return Err(AppError::BadRequest(format!(
                "the order must name each of the stack's {} versions once",
                stack.len()
            )));
        }
        renumber(c, order)?;
        Ok(members(c, key)?.iter().map(to_version).collect())
    })
}

/// Takes `m` out of its stack before it is deleted or split: the stack renumbers, and if
/// `m` was the root, the lowest remaining version becomes the root and gets the stack's
/// sharing (moved when `m` is deleted, copied when it is split out and keeps it).
fn leave_stack(conn: &mut Conn, m: &Media, deleting: bool) -> AppResult<()> {
    let key = m.stack_key().to_string();
    let rest: Vec<Media> = members(conn, &key)?.into_iter().filter(|x| x.id != m.id).collect();
    if rest.is_empty() {
        return Ok(());
    }
    if m.stack_id.is_none() {
        reroot(conn, &key, rest[0].id.as_str(), deleting)?;
    }
    let order: Vec<MediaId> = rest.iter().map(|x| x.id.clone()).collect();
    renumber(conn, &order)
}

/// Before a media is deleted: its stack lives on without it. Answers the key the rest of
/// the stack is kept under, if any is left.
pub fn before_delete(conn: &mut Conn, m: &Media) -> AppResult<Option<String>> {
    let key = m.stack_key().to_string();
    let next = members(conn, &key)?.into_iter().find(|x| x.id != m.id);
    leave_stack(conn, m, true)?;
    Ok(next.map(|n| if m.stack_id.is_none() { n.id.0 } else { key }))
}

/// Splits `id` out of its stack into a media of its own (v1 of a new stack), keeping the
/// stack's sharing and status so nobody loses what they saw. Answers the key of the stack
/// left behind.
pub fn split(conn: &mut Conn, id: &str) -> AppResult<String> {
    conn.immediate_transaction(|c| {
        let m = super::queries::get_media(c, id)?.ok_or_else(|| AppError::NotFound("no such media".into()))?;
        let key = m.stack_key().to_string();
        let stack = members(c, &key)?;
        let Some(other) = stack.iter().find(|x| x.id != m.id) else {
            return Err(AppError::BadRequest(
                "this media has no other versions to split from".into(),
            ));
        };
        let left = if m.stack_id.is_some() {
            key.clone()
        } else {
            other.id.0.clone()
        };
        leave_stack(c, &m, false)?;
        if m.stack_id.is_some() {
            copy_team(c, &key, id)?;
        }
        diesel::update(media::table.find(id))
            .set((media::stack_id.eq(None::<String>), media::version.eq(1)))
            .execute(c)?;
        Ok(left)
    })
}

/// Writes link access to every version of the stack kept under `key`.
pub fn set_link_access(conn: &mut Conn, key: &str, link: &str) -> AppResult<()> {
    diesel::update(media::table.filter(media::id.eq(key).or(media::stack_id.eq(key))))
        .set(media::link_access.eq(link))
        .execute(conn)?;
    Ok(())
}

/// Writes the review status to every version of the stack kept under `key`.
pub fn set_review_status(conn: &mut Conn, key: &str, status: &str) -> AppResult<()> {
    diesel::update(media::table.filter(media::id.eq(key).or(media::stack_id.eq(key))))
        .set(media::review_status.eq(status))
        .execute(conn)?;
    Ok(())
}

/// Of `rows`, those that are the newest version of their stack (a library shows one card
/// per stack).
pub fn newest_only(conn: &mut Conn, rows: Vec<Media>) -> AppResult<Vec<Media>> {
    let keys: Vec<&str> = rows.iter().map(|m| m.stack_key()).collect();
    let stacks = stacks(conn, &keys)?;
    Ok(rows
        .into_iter()
        .filter(|m| {
            stacks
                .get(m.stack_key())
                .and_then(|s| s.last())
                .is_none_or(|newest| newest.id == m.id)
        })
        .collect())
}

/// The wire form of `rows` with their stacks filled in.
pub fn infos(conn: &mut Conn, rows: &[Media]) -> AppResult<Vec<dailies_protocol::MediaInfo>> {
    let keys: Vec<&str> = rows.iter().map(|m| m.stack_key()).collect();
    let stacks = stacks(conn, &keys)?;
    Ok(rows
        .iter()
        .map(|m| {
            let mut info = m.to_info();
            info.stack = stacks.get(m.stack_key()).cloned().unwrap_or_default();
            if info.stack.is_empty() {
                info.stack.push(to_version(m));
            }
            info
        })
        .collect())
}

/// The wire form of one media with its stack.
pub fn info(conn: &mut Conn, m: &Media) -> AppResult<dailies_protocol::MediaInfo> {
    Ok(infos(conn, std::slice::from_ref(m))?
        .pop()
        .unwrap_or_else(|| m.to_info()))
}

/// A library's cards: the newest version of each stack among `rows`, with its stack.
pub fn library(conn: &mut Conn, rows: Vec<Media>) -> AppResult<Vec<dailies_protocol::MediaInfo>> {
    let rows = newest_only(conn, rows)?;
    infos(conn, &rows)
}

/// Cards for `rows` as a page places them: each row stands for its stack, shown as its
/// newest version (once, where the stack first appears), with the stack.
pub fn cards(conn: &mut Conn, rows: Vec<Media>) -> AppResult<Vec<dailies_protocol::MediaInfo>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(rows.len());
    let keys: Vec<&str> = rows.iter().map(|m| m.stack_key()).collect();
    let stacks = stacks(conn, &keys)?;
    for m in &rows {
        if !seen.insert(m.stack_key().to_string()) {
            continue;
        }
        let newest_id = stacks.get(m.stack_key()).and_then(|s| s.last()).map(|v| v.id.clone());
        let shown = match newest_id {
            Some(id) if id != m.id => super::queries::get_media(conn, id.as_str())?.unwrap_or_else(|| m.clone()),
            _ => m.clone(),
        };
        let mut info = shown.to_info();
        info.stack = stacks
            .get(m.stack_key())
            .cloned()
            .unwrap_or_else(|| vec![to_version(&shown)]);
        out.push(info);
    }
    Ok(out)
}
