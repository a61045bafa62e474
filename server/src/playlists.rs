//! Dailies playlists (docs/versions.md): an ordered list of media with a title, made by
//! anyone signed in from media they may view, shared with users or everyone signed in like a
//! media file. Its sharing opens the items whoever added them could manage; other items are
//! listed to those who may view them anyway. A live session can run over a playlist
//! (`Room::goto`); the hub knows where each one is, for late joiners.

use crate::access::{self, Action};
use crate::db::models::Media;
use crate::db::playlists::{self as dp, NewItem, PlaylistRow};
use crate::db::{queries, versions as dv};
use crate::error::{AppError, AppResult};
use crate::room::hub::PlaylistLiveOf;
use crate::state::AppState;
use dailies_protocol::{
    AccessLevel, MediaId, MediaInfo, Playlist, PlaylistEdit, PlaylistId, PlaylistItem, PlaylistSharing,
    PlaylistSummary, ShareRole, UserId, UserInfo,
};
use std::collections::HashMap;

/// The most items a playlist holds.
pub const MAX_ITEMS: usize = 500;
/// The most users a playlist is shared with by name.
pub const MAX_SHARES: usize = 500;

fn rfc3339(t: chrono::NaiveDateTime) -> String {
    t.and_utc().to_rfc3339()
}

fn unknown() -> AppError {
    AppError::NotFound("no such playlist".into())
}

/// The playlist and what `user` may do with it; 404 for whoever may not view it (guests
/// have no playlists).
async fn load(state: &AppState, user: &UserInfo, id: &PlaylistId) -> AppResult<(PlaylistRow, AccessLevel)> {
    if user.id.starts_with(access::GUEST_PREFIX) {
        return Err(unknown());
    }
    let (pid, u) = (id.0.clone(), user.clone());
    state
        .db
        .run(move |c| {
            let row = dp::get(c, &pid)?.ok_or_else(unknown)?;
            if u.is_admin || row.owner_id == u.id.0 {
                return Ok((row, AccessLevel::Manage));
            }
            let by_role = dp::role_of(c, &pid, u.id.as_str())?.map(|r| r.level());
            let level = by_role.max(row.link().level()).ok_or_else(unknown)?;
            Ok((row, level))
        })
        .await
}

async fn load_for(state: &AppState, user: &UserInfo, id: &PlaylistId, needs: AccessLevel) -> AppResult<PlaylistRow> {
    let (row, level) = load(state, user, id).await?;
    if level < needs {
        return Err(AppError::Forbidden(
            "only the playlist's owner or an admin changes it".into(),
        ));
    }
    Ok(row)
}

fn clean_title(t: &str) -> AppResult<String> {
    crate::media_ops::clean_title(t)
}

/// Checks every item (the caller may view it) and marks those the caller could manage, whose
/// sharing the playlist passes on.
async fn checked_items(state: &AppState, user: &UserInfo, items: &[MediaId]) -> AppResult<Vec<NewItem>> {
    if items.len() > MAX_ITEMS {
        return Err(AppError::BadRequest(format!(
            "a playlist holds at most {MAX_ITEMS} items"
        )));
    }
    let mut out = Vec::with_capacity(items.len());
    let mut levels: HashMap<MediaId, AccessLevel> = HashMap::new();
    for id in items {
        let level = match levels.get(id) {
            Some(l) => *l,
            None => {
                let l = match access::media_and_level(state, user, id, Action::View).await {
                    Ok((_, l)) => l,
                    Err(AppError::NotFound(_)) | Err(AppError::Forbidden(_)) => {
                        return Err(AppError::BadRequest(format!("{id} is no media you may view")))
                    }
                    Err(e) => return Err(e),
                };
                levels.insert(id.clone(), l);
                l
            }
        };
        out.push(NewItem {
            media_id: id.0.clone(),
            shares: level >= AccessLevel::Manage,
        });
    }
    Ok(out)
}

/// The playlist as `user` sees it: items they may not view are there without their media.
async fn view(state: &AppState, user: &UserInfo, row: PlaylistRow, access: AccessLevel) -> AppResult<Playlist> {
    let (pid, owner) = (row.id.clone(), row.owner_id.clone());
    let (items, rows, owner_name) = state
        .db
        .run(move |c| {
            let items = dp::items(c, &pid)?;
            let mut rows: Vec<Media> = Vec::new();
            for it in &items {
                if !rows.iter().any(|m| m.id.0 == it.media_id) {
                    if let Some(m) = queries::get_media(c, &it.media_id)? {
                        rows.push(m);
                    }
                }
            }
            let owner_name = queries::get_user(c, &owner)?.map(|u| u.name).unwrap_or(owner);
            Ok((items, rows, owner_name))
        })
        .await?;
    let visible = access::visible(state, user, rows).await;
    let ids: Vec<String> = visible.iter().map(|m| m.id.0.clone()).collect();
    let (infos, open) = state
        .db
        .run(move |c| {
            let infos = dv::infos(c, &visible)?;
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            Ok((infos, dp::open_comments(c, &refs)?))
        })
        .await?;
    let media = infos.into_iter().map(|m| (m.id.0.clone(), m)).collect();
    Ok(assemble(
        state,
        Parts {
            row,
            owner_name,
            items,
            media,
            open,
            access,
        },
    )
    .await)
}

/// The wire playlist from its row and items, with the media the caller may open
/// (`media`, by id) and their open-comment counts; `live` asked of the hub.
struct Parts {
    row: PlaylistRow,
    owner_name: String,
    items: Vec<dp::ItemRow>,
    media: HashMap<String, MediaInfo>,
    open: HashMap<String, i64>,
    access: AccessLevel,
}

async fn assemble(state: &AppState, p: Parts) -> Playlist {
    let Parts {
        row,
        owner_name,
        items,
        media,
        open,
        access,
    } = p;
    let items = items
        .iter()
        .map(|it| {
            let m = media.get(&it.media_id).cloned();
            PlaylistItem {
                media_id: MediaId(it.media_id.clone()),
                review_status: m.as_ref().map(|m| m.review_status),
                open_comments: m.as_ref().map_or(0, |_| open.get(&it.media_id).copied().unwrap_or(0)),
                shared: it.shares,
                media: m,
            }
        })
        .collect();
    let live = state
        .hub
        .send(PlaylistLiveOf(PlaylistId(row.id.clone())))
        .await
        .ok()
        .flatten();
    Playlist {
        id: PlaylistId(row.id),
        title: row.title,
        owner_id: UserId(row.owner_id),
        owner_name,
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
        items,
        access,
        live,
    }
}

pub async fn list(state: &AppState, user: &UserInfo) -> AppResult<Vec<PlaylistSummary>> {
    if user.id.starts_with(access::GUEST_PREFIX) {
        return Ok(Vec::new());
    }
    let u = user.clone();
    state
        .db
        .run(move |c| {
            let rows = dp::visible_to(c, u.id.as_str(), u.is_admin)?;
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            let counts = dp::item_counts(c, &ids)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let access = if u.is_admin || r.owner_id == u.id.0 {
                    AccessLevel::Manage
                } else {
                    let role = dp::role_of(c, &r.id, u.id.as_str())?.map(|x| x.level());
                    role.max(r.link().level()).unwrap_or(AccessLevel::View)
                };
                let owner_name = queries::get_user(c, &r.owner_id)?
                    .map(|x| x.name)
                    .unwrap_or_else(|| r.owner_id.clone());
                out.push(PlaylistSummary {
                    item_count: counts.get(&r.id).copied().unwrap_or(0),
                    id: PlaylistId(r.id),
                    title: r.title,
                    owner_id: UserId(r.owner_id),
                    owner_name,
                    updated_at: rfc3339(r.updated_at),
                    access,
                });
            }
            Ok(out)
        })
        .await
}

pub async fn create(state: &AppState, user: &UserInfo, edit: PlaylistEdit) -> AppResult<Playlist> {
    if user.id.starts_with(access::GUEST_PREFIX) {
        return Err(AppError::Forbidden(
            "a guest of a review link may not make playlists".into(),
        ));
    }
    let title = clean_title(&edit.title)?;
    let items = checked_items(state, user, &edit.items).await?;
    let id = crate::storage::new_media_id().0;
    let (pid, owner) = (id.clone(), user.id.0.clone());
    state
        .db
        .run(move |c| dp::insert(c, &pid, &owner, &title, &items))
        .await?;
    tracing::info!(playlist = %id, by = %user.id, "playlist created");
    get(state, user, &PlaylistId(id)).await
}

pub async fn get(state: &AppState, user: &UserInfo, id: &PlaylistId) -> AppResult<Playlist> {
    let (row, level) = load(state, user, id).await?;
    view(state, user, row, level).await
}

pub async fn update(state: &AppState, user: &UserInfo, id: &PlaylistId, edit: PlaylistEdit) -> AppResult<Playlist> {
    load_for(state, user, id, AccessLevel::Manage).await?;
    let title = clean_title(&edit.title)?;
    let items = checked_items(state, user, &edit.items).await?;
    let (pid, by) = (id.0.clone(), user.id.0.clone());
    state.db.run(move |c| dp::update(c, &pid, &title, &items, &by)).await?;
    get(state, user, id).await
}

pub async fn delete(state: &AppState, user: &UserInfo, id: &PlaylistId) -> AppResult<()> {
    load_for(state, user, id, AccessLevel::Manage).await?;
    let pid = id.0.clone();
    state.db.run(move |c| dp::delete(c, &pid)).await?;
    tracing::info!(playlist = %id, by = %user.id, "playlist deleted");
    Ok(())
}

pub async fn get_sharing(state: &AppState, user: &UserInfo, id: &PlaylistId) -> AppResult<PlaylistSharing> {
    let row = load_for(state, user, id, AccessLevel::Manage).await?;
    let pid = id.0.clone();
    let users = state.db.run(move |c| dp::shares(c, &pid)).await?;
    Ok(PlaylistSharing {
        link_access: row.link(),
        users,
    })
}

/// Replaces who a playlist is shared with; those who lose access to one of its items leave
/// that item's room.
pub async fn put_sharing(
    state: &AppState,
    user: &UserInfo,
    id: &PlaylistId,
    new: PlaylistSharing,
) -> AppResult<PlaylistSharing> {
    let row = load_for(state, user, id, AccessLevel::Manage).await?;
    if new.users.len() > MAX_SHARES {
        return Err(AppError::BadRequest(format!(
            "a playlist is shared with at most {MAX_SHARES} users"
        )));
    }
    let mut roles: Vec<(UserId, ShareRole)> = Vec::with_capacity(new.users.len());
    for e in &new.users {
        crate::sharing::check_user_id(e.user_id.as_str())?;
        if e.user_id.0 == row.owner_id {
            return Err(AppError::BadRequest("the owner needs no share".into()));
        }
        if roles.iter().any(|(u, _)| *u == e.user_id) {
            return Err(AppError::BadRequest(format!("{} is listed twice", e.user_id)));
        }
        roles.push((e.user_id.clone(), e.role));
    }
    let (pid, link) = (id.0.clone(), new.link_access);
    let (removed, items) = state
        .db
        .run(move |c| {
            let removed = dp::replace_sharing(c, &pid, link, &roles)?;
            Ok((removed, dp::items(c, &pid)?))
        })
        .await?;
    tracing::info!(playlist = %id, by = %user.id, link = link.as_str(), "playlist sharing changed");
    if !removed.is_empty() || link == dailies_protocol::LinkAccess::Off {
        for it in items.iter().filter(|i| i.shares) {
            crate::sharing::recheck_room(
                state,
                &MediaId(it.media_id.clone()),
                "your access to this media was removed",
            )
            .await;
        }
    }
    get_sharing(state, user, id).await
}

/// The media of a playlist's item at `index`, for a live session moving there: the caller
/// may view the playlist and the media.
pub async fn item_for_session(state: &AppState, user: &UserInfo, id: &PlaylistId, index: i64) -> AppResult<MediaInfo> {
    load(state, user, id).await?;
    let pid = id.0.clone();
    let items = state.db.run(move |c| dp::items(c, &pid)).await?;
    let item = usize::try_from(index)
        .ok()
        .and_then(|i| items.get(i))
        .ok_or_else(|| AppError::BadRequest(format!("the playlist has no item {index}")))?;
    let m = access::media_for(state, user, &MediaId(item.media_id.clone()), Action::View).await?;
    state.db.run(move |c| dv::info(c, &m)).await
}

/// Makes a guest link of a playlist (its managers): it opens the items its sharing opens.
pub async fn create_link(
    state: &AppState,
    user: &UserInfo,
    id: &PlaylistId,
    req: dailies_protocol::NewGuestLink,
) -> AppResult<dailies_protocol::GuestLinkCreated> {
    load_for(state, user, id, AccessLevel::Manage).await?;
    let link = crate::sharing::make_link(state, user, None, Some(id.0.clone()), req).await?;
    tracing::info!(playlist = %id, by = %user.id, link = link.id, "playlist guest link created");
    Ok(link)
}

pub async fn list_links(
    state: &AppState,
    user: &UserInfo,
    id: &PlaylistId,
) -> AppResult<Vec<dailies_protocol::GuestLinkInfo>> {
    load_for(state, user, id, AccessLevel::Manage).await?;
    crate::sharing::links_under(state, id.0.clone()).await
}

pub async fn delete_link(state: &AppState, user: &UserInfo, id: &PlaylistId, link_id: i64) -> AppResult<()> {
    load_for(state, user, id, AccessLevel::Manage).await?;
    crate::sharing::revoke_link(state, id.0.clone(), link_id).await?;
    tracing::info!(playlist = %id, by = %user.id, link = link_id, "playlist guest link revoked");
    Ok(())
}

/// The playlist as a guest of its link sees it: every item, with its media (under the guest
/// routes) where the link opens it.
pub async fn guest_view(state: &AppState, grant: &crate::db::sharing::GuestGrant, id: &str) -> AppResult<Playlist> {
    let (pid, opened) = (id.to_string(), grant.items.clone());
    let (row, items, infos, open, owner_name) = state
        .db
        .run(move |c| {
            let row = dp::get(c, &pid)?.ok_or_else(unknown)?;
            let items = dp::items(c, &pid)?;
            let rows = crate::organizer::store::media_by_ids(c, &opened)?;
            let infos = dv::infos(c, &rows)?;
            let refs: Vec<&str> = opened.iter().map(String::as_str).collect();
            let open = dp::open_comments(c, &refs)?;
            let owner_name = queries::get_user(c, &row.owner_id)?
                .map(|u| u.name)
                .unwrap_or_else(|| row.owner_id.clone());
            Ok((row, items, infos, open, owner_name))
        })
        .await?;
    let media = infos
        .into_iter()
        .map(|m| (m.id.0.clone(), crate::sharing::rewrite_urls(m)))
        .collect();
    let access = if grant.link.can_comment {
        AccessLevel::Comment
    } else {
        AccessLevel::View
    };
    Ok(assemble(
        state,
        Parts {
            row,
            owner_name,
            items,
            media,
            open,
            access,
        },
    )
    .await)
}
