//! Who may do what to a media file. Built in: the owner and admins; the organizer plugin,
//! when present, widens or narrows this. Unknown and forbidden look the same (404) to readers.

use crate::db::models::Media;
use crate::db::queries;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use dailies_protocol::{MediaId, UserInfo};

/// The actions checked on media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Comment,
    Rename,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Comment => "comment",
            Action::Rename => "rename",
            Action::Delete => "delete",
        }
    }
}

/// The built-in rule: owners and admins may do everything, others nothing.
pub fn builtin_allows(user: &UserInfo, media: &Media, _action: Action) -> bool {
    user.is_admin || media.owner_id == user.id
}

/// Loads the media if `user` may do `action` to it. Someone who may not even view it gets
/// the same 404 as for missing media; a viewer who may not modify gets 403.
pub async fn media_for(state: &AppState, user: &UserInfo, id: &MediaId, action: Action) -> AppResult<Media> {
    let mid = id.0.clone();
    let media = state
        .db
        .run(move |c| queries::get_media(c, &mid))
        .await?
        .ok_or_else(|| AppError::NotFound("no such media".into()))?;
    let Err(why) = allows(state, user, &media, action).await else {
        return Ok(media);
    };
    if action != Action::View && allows(state, user, &media, Action::View).await.is_ok() {
        return Err(AppError::Forbidden(why));
    }
    Err(AppError::NotFound("no such media".into()))
}

/// Of `rows`, the media `user` may view. Without a plugin that authorizes, every row is
/// kept (listings hold the user's own media, which the built-in rule allows, and a plugin's
/// page holds what the plugin chose); with one, each row is the plugin's to allow, asked
/// concurrently, so a listing never shows what opening would refuse.
pub async fn visible(state: &AppState, user: &UserInfo, rows: Vec<Media>) -> Vec<Media> {
    if !state.organizer.authorizes() || rows.is_empty() {
        return rows;
    }
    let builtin = |m: &Media| builtin_allows(user, m, Action::View);
    let allowed: Vec<bool> = match state
        .organizer
        .authorize_batch(user, &rows, Action::View.as_str(), builtin)
        .await
    {
        Ok(verdicts) => verdicts.into_iter().map(|v| v.allow).collect(),
        // A plugin without the batch call: one question per media, side by side.
        Err(true) => futures_util::future::join_all(rows.iter().map(|m| allows(state, user, m, Action::View)))
            .await
            .into_iter()
            .map(|v| v.is_ok())
            .collect(),
        Err(false) => rows.iter().map(builtin).collect(),
    };
    rows.into_iter()
        .zip(allowed)
        .filter_map(|(m, ok)| ok.then_some(m))
        .collect()
}

/// The organizer plugin's verdict when it gives one, else the built-in rule's; the reason
/// to show when denied.
async fn allows(state: &AppState, user: &UserInfo, media: &Media, action: Action) -> Result<(), String> {
    let builtin = builtin_allows(user, media, action);
    let denied = || format!("you may not {} this media", action.as_str());
    match state.organizer.authorize(user, media, action.as_str(), builtin).await {
        Some(v) if v.allow => Ok(()),
        Some(v) if v.reason.is_empty() => Err(denied()),
        Some(v) => Err(v.reason),
        None if builtin => Ok(()),
        None => Err(denied()),
    }
}
