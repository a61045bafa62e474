//! Renaming and deleting media: one implementation behind both REST and the websocket,
//! so the checks and the notifications cannot drift apart.

use crate::access::{self, Action};
use crate::db::models::Media;
use crate::db::queries;
use crate::error::{AppError, AppResult};
use crate::ingest::queue::CancelMedia;
use crate::notice::Notice;
use crate::state::AppState;
use dailies_protocol::{MediaId, UserId, UserInfo};

pub const MAX_TITLE_LEN: usize = 200;

pub fn clean_title(title: &str) -> AppResult<String> {
    let t: String = title.chars().filter(|c| !c.is_control()).collect();
    let t = t.trim();
    if t.is_empty() {
        return Err(AppError::BadRequest("the title cannot be empty".into()));
    }
    if t.chars().count() > MAX_TITLE_LEN {
        return Err(AppError::BadRequest(format!(
            "the title is longer than {MAX_TITLE_LEN} characters"
        )));
    }
    Ok(t.to_string())
}

pub async fn rename(state: &AppState, user: &UserInfo, id: &MediaId, title: &str) -> AppResult<Media> {
    let title = clean_title(title)?;
    access::media_for(state, user, id, Action::Rename).await?;
    let (mid, t) = (id.0.clone(), title);
    let media = state
        .db
        .run(move |c| {
            queries::rename_media(c, &mid, &t)?;
            queries::get_media(c, &mid)?.ok_or_else(|| AppError::NotFound("no such media".into()))
        })
        .await?;
    state.notifier.emit(Notice::MediaChanged {
        media: media.clone(),
        previous_owner: None,
    });
    Ok(media)
}

pub async fn delete(state: &AppState, user: &UserInfo, id: &MediaId) -> AppResult<()> {
    let media = access::media_for(state, user, id, Action::Delete).await?;
    state.ingest.do_send(CancelMedia { media_id: id.clone() });
    let mid = id.0.clone();
    // Those it was shared with lose it from "Shared with me" at once.
    let (shared, stack_left): (Vec<UserId>, Option<String>) = state
        .db
        .run(move |c| {
            let m = queries::get_media(c, &mid)?.ok_or_else(|| AppError::NotFound("no such media".into()))?;
            c.immediate_transaction(|c| {
                let users = crate::db::sharing::shares(c, m.stack_key())?;
                // The rest of its version stack lives on, renumbered.
                let left = crate::db::versions::before_delete(c, &m)?;
                queries::delete_media(c, &mid)?;
                Ok((users.into_iter().map(|u| u.user_id).collect(), left))
            })
        })
        .await?;
    if !shared.is_empty() {
        state.hub.do_send(crate::room::hub::ToUsers {
            users: shared,
            msg: dailies_protocol::ServerMsg::MediaRemoved { media_id: id.clone() },
        });
    }
    if let Err(e) = state.store.delete_media(id.as_str()).await {
        tracing::warn!(media_id = %id, "media files not fully removed: {e}");
    }
    if !state.store.is_local() {
        // A job cancelled a moment ago may still have its scratch directory.
        let _ = tokio::fs::remove_dir_all(state.config.media_dir().join(id.as_str())).await;
    }
    tracing::info!(media_id = %id, by = %user.id, "media deleted");
    if let Some(key) = stack_left {
        crate::versions::announce(state, &key).await;
    }
    state.notifier.emit(Notice::MediaDeleted {
        media,
        by: user.clone(),
    });
    Ok(())
}
