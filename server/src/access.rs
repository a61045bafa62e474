//! Who may do what to a media file (docs/sharing.md). Built in: owners and admins manage;
//! users it is shared with, everyone signed in through its link access, and guests of its
//! links view or comment. The organizer plugin, when it authorizes, has the last word on
//! view, comment, rename, delete, join_session, share, set_status and create_guest_link on
//! media, on edit_comment and delete_comment, and on upload; reading sharing and guest links
//! is the built-in rule's alone. Unknown and forbidden look the same (404) to whoever may
//! not view.

use crate::db::models::Media;
use crate::db::sharing::{self, GuestGrant};
use crate::db::{queries, Conn};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use dailies_protocol::{AccessLevel, MediaId, UserInfo};

/// Guests act as `guest:<session>`; identity headers may not name such a user.
pub const GUEST_PREFIX: &str = "guest:";
/// The organizer plugin writes under its own name as `organizer:<plugin>`; nor may
/// identity headers name such a user.
pub const PLUGIN_PREFIX: &str = "organizer:";

/// The actions checked on media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Comment,
    Rename,
    Delete,
    /// Take part in the media's live session (play, seek, draw together).
    JoinSession,
    /// Change who the media is shared with and its link access.
    Share,
    /// Set the media's review status.
    SetStatus,
    CreateGuestLink,
    /// Read sharing, list and revoke guest links (not asked of the plugin).
    Manage,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Comment => "comment",
            Action::Rename => "rename",
            Action::Delete => "delete",
            Action::JoinSession => "join_session",
            Action::Share => "share",
            Action::SetStatus => "set_status",
            Action::CreateGuestLink => "create_guest_link",
            Action::Manage => "manage",
        }
    }

    /// The level the built-in rule asks for.
    pub fn needs(self) -> AccessLevel {
        match self {
            Action::View => AccessLevel::View,
            Action::Comment | Action::JoinSession | Action::SetStatus => AccessLevel::Comment,
            Action::Rename | Action::Delete | Action::Share | Action::CreateGuestLink | Action::Manage => {
                AccessLevel::Manage
            }
        }
    }

    /// Whether the organizer plugin is asked (reading sharing and links is not).
    fn asks_plugin(self) -> bool {
        self != Action::Manage
    }
}

/// The guest session number in a guest's user id.
pub fn guest_session(user: &UserInfo) -> Option<i64> {
    user.id.strip_prefix(GUEST_PREFIX).and_then(|n| n.parse().ok())
}

/// What a guest's link grants on its own media, while the link lives.
fn guest_level(grant: &GuestGrant, media: &Media) -> Option<AccessLevel> {
    if !grant.opens(media) {
        return None;
    }
    Some(if grant.link.can_comment {
        AccessLevel::Comment
    } else {
        AccessLevel::View
    })
}

/// The built-in level of `user` on `media`, reading shares or the guest grant as needed.
pub fn builtin_level(conn: &mut Conn, user: &UserInfo, media: &Media) -> AppResult<Option<AccessLevel>> {
    if let Some(session) = guest_session(user) {
        return Ok(sharing::grant_by_session(conn, session)?.and_then(|g| guest_level(&g, media)));
    }
    if user.id.starts_with(GUEST_PREFIX) {
        return Ok(None);
    }
    if user.is_admin || media.owner_id == user.id {
        return Ok(Some(AccessLevel::Manage));
    }
    let role = sharing::role_of(conn, media.stack_key(), user.id.as_str())?.map(|r| r.level());
    let via_playlist = crate::db::playlists::level_through(conn, user.id.as_str(), media.id.as_str())?;
    Ok(role.max(media.link_access.level()).max(via_playlist))
}

/// Loads the media with the caller's built-in level.
async fn load(state: &AppState, user: &UserInfo, id: &MediaId) -> AppResult<(Media, Option<AccessLevel>)> {
    let (mid, u) = (id.0.clone(), user.clone());
    state
        .db
        .run(move |c| {
            let media = queries::get_media(c, &mid)?.ok_or_else(|| AppError::NotFound("no such media".into()))?;
            let level = builtin_level(c, &u, &media)?;
            Ok((media, level))
        })
        .await
}

/// Loads the media if `user` may do `action` to it. Someone who may not even view it gets
/// the same 404 as for missing media; a viewer who may not do more gets 403.
pub async fn media_for(state: &AppState, user: &UserInfo, id: &MediaId, action: Action) -> AppResult<Media> {
    media_and_level(state, user, id, action).await.map(|(m, _)| m)
}

/// As `media_for`, with what the caller may do there (for rooms: a viewer may not
/// comment or join live sessions).
pub async fn media_and_level(
    state: &AppState,
    user: &UserInfo,
    id: &MediaId,
    action: Action,
) -> AppResult<(Media, AccessLevel)> {
    let (media, builtin) = load(state, user, id).await?;
    let Err(why) = allows(state, user, &media, action, builtin).await else {
        let level = effective_level(state, user, &media, builtin, action).await;
        return Ok((media, level));
    };
    if action != Action::View && allows(state, user, &media, Action::View, builtin).await.is_ok() {
        return Err(AppError::Forbidden(why));
    }
    Err(AppError::NotFound("no such media".into()))
}

/// The level of a caller already allowed `allowed`: the built-in one, as the plugin
/// narrows or widens viewing and commenting.
async fn effective_level(
    state: &AppState,
    user: &UserInfo,
    media: &Media,
    builtin: Option<AccessLevel>,
    allowed: Action,
) -> AccessLevel {
    let at_least = allowed.needs();
    if !state.organizer.authorizes() {
        return builtin.unwrap_or(at_least).max(at_least);
    }
    if builtin == Some(AccessLevel::Manage) {
        return AccessLevel::Manage;
    }
    if at_least >= AccessLevel::Comment {
        return at_least;
    }
    match allows(state, user, media, Action::Comment, builtin).await {
        Ok(()) => AccessLevel::Comment,
        Err(_) => AccessLevel::View,
    }
}

/// Of `rows`, the media `user` may view: by the built-in rule (shares and link access read
/// in one query), and then, with a plugin that authorizes, by the plugin, asked for the
/// whole list at once, so a listing never shows what opening would refuse.
pub async fn visible(state: &AppState, user: &UserInfo, rows: Vec<Media>) -> Vec<Media> {
    if rows.is_empty() {
        return rows;
    }
    let builtin = builtin_visible(state, user, &rows).await;
    let allowed: Vec<bool> = if !state.organizer.authorizes() {
        builtin
    } else {
        let by_id: std::collections::HashMap<&MediaId, bool> =
            rows.iter().map(|m| &m.id).zip(builtin.iter().copied()).collect();
        let verdict = |m: &Media| by_id.get(&m.id).copied().unwrap_or(false);
        match state
            .organizer
            .authorize_batch(user, &rows, Action::View.as_str(), verdict)
            .await
        {
            Ok(verdicts) => verdicts.into_iter().map(|v| v.allow).collect(),
            // A plugin without the batch call: one question per media, side by side.
            Err(true) => futures_util::future::join_all(rows.iter().zip(&builtin).map(|(m, b)| {
                let level = b.then_some(AccessLevel::View);
                allows(state, user, m, Action::View, level)
            }))
            .await
            .into_iter()
            .map(|v| v.is_ok())
            .collect(),
            Err(false) => builtin,
        }
    };
    rows.into_iter()
        .zip(allowed)
        .filter_map(|(m, ok)| ok.then_some(m))
        .collect()
}

/// The built-in verdict on each row: a guest's grant for a guest; for a user, their own
/// media, what its link opens, and shares, read in one query only for the rows nothing else
/// opens (none for one's own library, which needs no database trip). Nothing on a database
/// error.
async fn builtin_visible(state: &AppState, user: &UserInfo, rows: &[Media]) -> Vec<bool> {
    let ids: Vec<String> = rows.iter().map(|m| m.id.0.clone()).collect();
    // Shares and guest links of a stack are kept under its root's id.
    let keys: Vec<String> = rows.iter().map(|m| m.stack_key().to_string()).collect();
    let u = user.clone();
    let read = if let Some(session) = guest_session(user) {
        state
            .db
            .run(move |c| {
                let grant = sharing::grant_by_session(c, session)?;
                Ok(ids
                    .iter()
                    .zip(&keys)
                    .map(|(id, k)| grant.as_ref().is_some_and(|g| g.opens_id(id, k)))
                    .collect())
            })
            .await
    } else if user.id.starts_with(GUEST_PREFIX) {
        Ok(vec![false; rows.len()])
    } else {
        let open: Vec<bool> = rows
            .iter()
            .map(|m| user.is_admin || m.owner_id == user.id || m.link_access.level().is_some())
            .collect();
        let rest: Vec<String> = keys
            .iter()
            .zip(&open)
            .filter(|(_, o)| !**o)
            .map(|(k, _)| k.clone())
            .collect();
        let rest_ids: Vec<String> = ids
            .iter()
            .zip(&open)
            .filter(|(_, o)| !**o)
            .map(|(id, _)| id.clone())
            .collect();
        if rest.is_empty() {
            Ok(open)
        } else {
            state
                .db
                .run(move |c| {
                    let refs: Vec<&str> = rest.iter().map(String::as_str).collect();
                    let roles = sharing::roles_of(c, u.id.as_str(), &refs)?;
                    let id_refs: Vec<&str> = rest_ids.iter().map(String::as_str).collect();
                    let listed = crate::db::playlists::opened_through(c, u.id.as_str(), &id_refs)?;
                    Ok(ids
                        .iter()
                        .zip(&keys)
                        .zip(open)
                        .map(|((id, k), o)| o || roles.contains_key(k) || listed.contains(id))
                        .collect())
                })
                .await
        }
    };
    read.unwrap_or_else(|e| {
        tracing::warn!("reading shares for a listing: {e}");
        vec![false; rows.len()]
    })
}

/// The organizer plugin's verdict when it gives one, else the built-in rule's; the reason
/// to show when denied.
async fn allows(
    state: &AppState,
    user: &UserInfo,
    media: &Media,
    action: Action,
    level: Option<AccessLevel>,
) -> Result<(), String> {
    let mut builtin = level.is_some_and(|l| l >= action.needs());
    let denied = || format!("you may not {} this media", action.as_str());
    // Guests are the link's alone: no plugin widens what a link grants.
    if !action.asks_plugin() || user.id.starts_with(GUEST_PREFIX) {
        return if builtin { Ok(()) } else { Err(denied()) };
    }
    // Up to protocol 1.1 whoever may comment (by the plugin's verdict too) joined sessions
    // and set statuses: that is the verdict a plugin hears as the built-in one, so a plugin
    // that answers it back for actions it does not know changes nothing.
    if matches!(action, Action::JoinSession | Action::SetStatus) && !builtin {
        builtin = matches!(
            state.organizer.authorize(user, media, Action::Comment.as_str(), false).await,
            Some(v) if v.allow
        );
    }
    match state.organizer.authorize(user, media, action.as_str(), builtin).await {
        Some(v) if v.allow => Ok(()),
        Some(v) if v.reason.is_empty() => Err(denied()),
        Some(v) => Err(v.reason),
        None if builtin => Ok(()),
        None => Err(denied()),
    }
}

/// May `user` change or delete `comment` (`action`: `edit_comment` or `delete_comment`)?
/// The built-in rule: its author or an admin, who may comment on the media; the plugin, when
/// it authorizes, decides, asked about the comment (kind "comment"). Guests follow their
/// link alone.
pub async fn comment_action(
    state: &AppState,
    user: &UserInfo,
    comment: &dailies_protocol::Comment,
    action: &'static str,
) -> AppResult<()> {
    let (media, level) = load(state, user, &comment.media_id).await?;
    let mut may_comment = level.is_some_and(|l| l >= AccessLevel::Comment);
    if !may_comment && !user.id.starts_with(GUEST_PREFIX) {
        // Commenting by the plugin's verdict counts too, as it did before protocol 1.2.
        may_comment = matches!(
            state.organizer.authorize(user, &media, Action::Comment.as_str(), false).await,
            Some(v) if v.allow
        );
    }
    let author = comment.user_id == user.id;
    // The plugin under its own name changes what it wrote, wherever that is.
    let builtin = if user.id.starts_with(PLUGIN_PREFIX) {
        author
    } else {
        may_comment && (author || user.is_admin)
    };
    let verb = action.strip_suffix("_comment").unwrap_or(action);
    let denied = || AppError::Forbidden(format!("you may not {verb} this comment"));
    if user.id.starts_with(GUEST_PREFIX) {
        return if builtin { Ok(()) } else { Err(denied()) };
    }
    let object = organizer_sdk::pb::ObjectRef {
        kind: "comment".into(),
        id: comment.id.0.to_string(),
        owner_id: comment.user_id.0.clone(),
        title: media.title.clone(),
        media_id: media.id.0.clone(),
    };
    match state.organizer.authorize_object(user, object, action, builtin).await {
        Some(v) if v.allow => Ok(()),
        Some(v) if v.reason.is_empty() => Err(denied()),
        Some(v) => Err(AppError::Forbidden(v.reason)),
        None if builtin => Ok(()),
        None => Err(denied()),
    }
}

/// May `user` upload into their library? Built in: every signed-in user (quotas are
/// checked on their own); guests never. The plugin, when it authorizes, decides, asked about
/// the user's library (kind "library").
pub async fn may_upload(state: &AppState, user: &UserInfo) -> AppResult<()> {
    if user.id.starts_with(GUEST_PREFIX) {
        return Err(AppError::Forbidden("guests may not upload".into()));
    }
    let object = organizer_sdk::pb::ObjectRef {
        kind: "library".into(),
        id: user.id.0.clone(),
        owner_id: user.id.0.clone(),
        title: user.name.clone(),
        media_id: String::new(),
    };
    match state.organizer.authorize_object(user, object, "upload", true).await {
        Some(v) if !v.allow && v.reason.is_empty() => Err(AppError::Forbidden("you may not upload".into())),
        Some(v) if !v.allow => Err(AppError::Forbidden(v.reason)),
        _ => Ok(()),
    }
}
