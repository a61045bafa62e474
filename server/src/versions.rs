//! Version stacks (docs/versions.md): listing, reordering and splitting a stack, the notes of
//! all its versions, and telling everyone who sees a stack that it changed. Adding a version
//! is an upload with `version_of` (see `intake`); removing one is deleting that media.

use crate::access::{self, Action};
use crate::db::{comments, versions as dv};
use crate::error::{AppError, AppResult};
use crate::room::actor::RoomNotice;
use crate::room::hub::{FindRoom, ToUsers};
use crate::state::AppState;
use dailies_protocol::{MediaId, MediaInfo, ServerMsg, StackVersion, UserId, UserInfo, VersionComment};

/// Tells the owner, those the stack is shared with and every version's room what the stack
/// kept under `key` looks like now (each version with the whole stack).
pub async fn announce(state: &AppState, key: &str) {
    let k = key.to_string();
    let read = state
        .db
        .run(move |c| {
            let members = dv::members(c, &k)?;
            let infos = dv::infos(c, &members)?;
            let users: Vec<UserId> = crate::db::sharing::shares(c, &k)?
                .into_iter()
                .map(|e| e.user_id)
                .collect();
            Ok((infos, users))
        })
        .await;
    let (infos, mut users) = match read {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(stack = key, "cannot announce a stack change: {e}");
            return;
        }
    };
    let Some(newest) = infos.last().cloned() else { return };
    users.push(newest.owner_id.clone());
    state.hub.do_send(ToUsers {
        users,
        msg: ServerMsg::MediaUpdated { media: newest },
    });
    for info in infos {
        if let Ok(Some(room)) = state.hub.send(FindRoom(info.id.clone())).await {
            room.do_send(RoomNotice::MediaChanged {
                media: Box::new(info),
                heard: Vec::new(),
            });
        }
    }
}

/// The versions of `id`'s stack, v1 first.
pub async fn stack(state: &AppState, user: &UserInfo, id: &MediaId) -> AppResult<Vec<StackVersion>> {
    let m = access::media_for(state, user, id, Action::View).await?;
    let key = m.stack_key().to_string();
    let rows = state.db.run(move |c| dv::members(c, &key)).await?;
    Ok(rows.iter().map(dv::to_version).collect())
}

/// Puts the versions of `id`'s stack in `order` (v1 first); its managers only.
pub async fn reorder(
    state: &AppState,
    user: &UserInfo,
    id: &MediaId,
    order: Vec<MediaId>,
) -> AppResult<Vec<StackVersion>> {
    let m = access::media_for(state, user, id, Action::Manage).await?;
    let key = m.stack_key().to_string();
    let k = key.clone();
    let out = state.db.run(move |c| dv::reorder(c, &k, &order)).await?;
    tracing::info!(stack = %key, by = %user.id, "version stack reordered");
    announce(state, &key).await;
    Ok(out)
}

/// Makes the version `id` a media of its own, keeping who may see it.
pub async fn split(state: &AppState, user: &UserInfo, id: &MediaId) -> AppResult<MediaInfo> {
    access::media_for(state, user, id, Action::Manage).await?;
    let mid = id.0.clone();
    let left = state.db.run(move |c| dv::split(c, &mid)).await?;
    tracing::info!(media_id = %id, by = %user.id, stack = %left, "version split out of its stack");
    announce(state, &left).await;
    announce(state, id.as_str()).await;
    let mid = id.0.clone();
    state
        .db
        .run(move |c| {
            let m =
                crate::db::queries::get_media(c, &mid)?.ok_or_else(|| AppError::NotFound("no such media".into()))?;
            dv::info(c, &m)
        })
        .await
}

/// The comments of every version of `id`'s stack the caller may view, by version then
/// frame. Large drawings travel by reference, as in rooms.
pub async fn all_comments(state: &AppState, user: &UserInfo, id: &MediaId) -> AppResult<Vec<VersionComment>> {
    let m = access::media_for(state, user, id, Action::View).await?;
    let key = m.stack_key().to_string();
    let rows = state.db.run(move |c| dv::members(c, &key)).await?;
    let rows = access::visible(state, user, rows).await;
    let versions: Vec<(String, i64)> = rows.iter().map(|m| (m.id.0.clone(), m.version)).collect();
    state
        .db
        .run(move |c| {
            let mut out = Vec::new();
            for (mid, version) in versions {
                for mut comment in comments::list(c, &mid)? {
                    if comment.deleted {
                        continue;
                    }
                    if comment.drawing.is_some() {
                        comment.drawing = None;
                        comment.drawing_url = Some(format!("/api/media/{mid}/comments/{}/drawing", comment.id.0));
                    }
                    out.push(VersionComment { version, comment });
                }
            }
            Ok(out)
        })
        .await
}
