//! Team review: sharing a media file with users and through its link, its review status,
//! and guest review links. One implementation behind the HTTP routes; every change takes
//! effect at once in open rooms and sockets (docs/sharing.md).

use crate::access::{self, Action};
use crate::db::models::Media;
use crate::db::sharing::{self as sq, GuestGrant, NewGuestLinkRow};
use crate::db::{queries, Conn};
use crate::error::{AppError, AppResult};
use crate::notice::Notice;
use crate::notify::{Event, MediaRef};
use crate::room::actor::{GetMembers, RecordStatus, SetAccess};
use crate::room::hub::{CloseUsers, FindRoom, ToUsers};
use crate::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use dailies_protocol::{
    GuestInfo, GuestLinkCreated, GuestLinkInfo, GuestMedia, KnownUser, MediaId, MediaInfo, NewGuestLink, ReviewStatus,
    ServerMsg, ShareRole, Sharing, StatusChange, StatusView, UserId, UserInfo,
};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most this many users per media.
pub const MAX_SHARES: usize = 1000;
const MAX_LABEL: usize = 200;
const MAX_PASSWORD: usize = 1024;
pub const MAX_GUEST_NAME: usize = 80;
/// Failed passwords allowed per link within `FAIL_WINDOW`.
pub const MAX_FAILURES: usize = 10;
pub const FAIL_WINDOW: Duration = Duration::from_secs(15 * 60);

/// 256 random bits, base64url without padding: a link or a guest session's secret.
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// What is stored of a token: its SHA-256, hex. The tokens are random, so no salt or slow
/// hash is needed; the database alone opens nothing.
pub fn token_hash(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn get_sharing(state: &AppState, user: &UserInfo, id: &MediaId) -> AppResult<Sharing> {
    let media = access::media_for(state, user, id, Action::Manage).await?;
    let mid = media.stack_key().to_string();
    let users = state.db.run(move |c| sq::shares(c, &mid)).await?;
    Ok(Sharing {
        link_access: media.link_access,
        users,
    })
}

pub(crate) fn check_user_id(id: &str) -> AppResult<()> {
    if id.is_empty() || id.len() > 128 || id.chars().any(char::is_control) || id.trim() != id {
        return Err(AppError::BadRequest(format!("{id:?} is not a valid user id")));
    }
    if id.starts_with(access::GUEST_PREFIX) {
        return Err(AppError::BadRequest("guests get review links, not shares".into()));
    }
    Ok(())
}

/// Replaces who a media is shared with. Users who lose access leave its room and hear
/// `media_removed`; users who gain it get the media and a message in their inbox.
pub async fn put_sharing(state: &AppState, user: &UserInfo, id: &MediaId, new: Sharing) -> AppResult<Sharing> {
    let media = access::media_for(state, user, id, Action::Share).await?;
    if new.users.len() > MAX_SHARES {
        return Err(AppError::BadRequest(format!(
            "a media is shared with at most {MAX_SHARES} users"
        )));
    }
    let mut roles: Vec<(UserId, ShareRole)> = Vec::with_capacity(new.users.len());
    for e in &new.users {
        check_user_id(e.user_id.as_str())?;
        if e.user_id == media.owner_id {
            return Err(AppError::BadRequest("the owner needs no share".into()));
        }
        if roles.iter().any(|(u, _)| *u == e.user_id) {
            return Err(AppError::BadRequest(format!("{} is listed twice", e.user_id)));
        }
        roles.push((e.user_id.clone(), e.role));
    }
    let (mid, key, link) = (id.0.clone(), media.stack_key().to_string(), new.link_access);
    let (by, outbox) = (user.clone(), state.notifier.outbox().clone());
    let (removed, added, media, users, recorded) = state
        .db
        .run(move |c| {
            let (removed, added) = sq::replace(c, &key, link, &roles)?;
            let media = queries::get_media(c, &mid)?.ok_or_else(|| AppError::NotFound("no such media".into()))?;
            let users = sq::shares(c, &key)?;
            let recorded = if added.is_empty() {
                Default::default()
            } else {
                let m = MediaRef {
                    id: MediaId(mid.clone()),
                    title: media.title.clone(),
                };
                let role_of = |u: &UserId| {
                    let r = users.iter().find(|e| e.user_id == *u).map(|e| e.role);
                    match r {
                        Some(ShareRole::Commenter) => "commenter",
                        _ => "viewer",
                    }
                    .to_string()
                };
                // Only users who signed in get a bell message (`record` checks); the others
                // find it in "Shared with me".
                outbox.record(c, &[Event::shared(m, &by, &added, role_of)])?
            };
            Ok((removed, added, media, users, recorded))
        })
        .await?;
    tracing::info!(media_id = %id, by = %user.id, link = link.as_str(), users = users.len(), "sharing changed");
    // The room hears who lost access before the media's new state, so someone removed gets
    // `room_closed` and nothing after it.
    for v in stack_ids(state, &media).await {
        recheck_room(state, &v, "your access to this media was removed").await;
    }
    state.notifier.emit(Notice::MediaChanged {
        media: media.clone(),
        previous_owner: None,
    });
    state.notifier.emit(Notice::SharingChanged {
        media_id: id.clone(),
        sharing: Sharing {
            link_access: media.link_access,
            users: users.clone(),
        },
        by: user.clone(),
    });
    for u in &added {
        state.notifier.emit(Notice::OrganizerRefresh { user: u.clone() });
    }
    state.notifier.announce(recorded);
    if !added.is_empty() {
        state.hub.do_send(ToUsers {
            users: added,
            msg: ServerMsg::MediaUpdated { media: media.to_info() },
        });
    }
    if !removed.is_empty() {
        state.hub.do_send(ToUsers {
            users: removed,
            msg: ServerMsg::MediaRemoved { media_id: id.clone() },
        });
    }
    Ok(Sharing {
        link_access: media.link_access,
        users,
    })
}

/// The ids of every version of `media`'s stack (just its own when the stack cannot be read).
pub async fn stack_ids(state: &AppState, media: &Media) -> Vec<MediaId> {
    let key = media.stack_key().to_string();
    match state.db.run(move |c| crate::db::versions::members(c, &key)).await {
        Ok(v) if !v.is_empty() => v.into_iter().map(|m| m.id).collect(),
        _ => vec![media.id.clone()],
    }
}

/// Asks the media's open room for its members and gives each the level it has now: one
/// who lost access is removed (told `reason`), one whose level changed is told.
pub async fn recheck_room(state: &AppState, id: &MediaId, reason: &str) {
    let Ok(Some(room)) = state.hub.send(FindRoom(id.clone())).await else {
        return;
    };
    let Ok(members) = room.send(GetMembers).await else {
        return;
    };
    let mut by_user: HashMap<UserId, Option<dailies_protocol::AccessLevel>> = HashMap::new();
    let mut levels = Vec::with_capacity(members.len());
    for (sid, user, _) in members {
        let level = match by_user.get(&user.id) {
            Some(l) => *l,
            None => {
                let l = match access::media_and_level(state, &user, id, Action::View).await {
                    Ok((_, l)) => Some(l),
                    Err(AppError::NotFound(_)) | Err(AppError::Forbidden(_)) => None,
                    // The check itself failed: change nothing for this member.
                    Err(e) => {
                        tracing::warn!(media_id = %id, user = %user.id, "rechecking access: {e}");
                        continue;
                    }
                };
                by_user.insert(user.id.clone(), l);
                l
            }
        };
        levels.push((sid, level));
    }
    room.do_send(SetAccess {
        levels,
        reason: reason.to_string(),
    });
}

pub async fn known_users(state: &AppState) -> AppResult<Vec<KnownUser>> {
    let rows = state.db.run(sq::known_users).await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| KnownUser { id: UserId(id), name })
        .collect())
}

/// How many status changes a view lists.
const HISTORY: i64 = 200;

pub async fn status(state: &AppState, user: &UserInfo, id: &MediaId) -> AppResult<StatusView> {
    let media = access::media_for(state, user, id, Action::View).await?;
    let mid = media.stack_key().to_string();
    let history = state.db.run(move |c| sq::history(c, &mid, HISTORY)).await?;
    Ok(StatusView {
        status: media.review_status,
        history,
    })
}

/// Sets the review status (commenters, owner, admins); the room hears `status_changed`.
pub async fn set_status(
    state: &AppState,
    user: &UserInfo,
    id: &MediaId,
    status: ReviewStatus,
) -> AppResult<StatusView> {
    let before = access::media_for(state, user, id, Action::SetStatus).await?;
    let key = before.stack_key().to_string();
    let now = chrono::Utc::now().naive_utc();
    let change = StatusChange {
        status,
        user_id: user.id.clone(),
        user_name: user.name.clone(),
        at: now.and_utc().to_rfc3339(),
    };
    let (mid, ch) = (id.0.clone(), change.clone());
    let (by, outbox) = (user.clone(), state.notifier.outbox().clone());
    let (media, history, recorded) = state
        .db
        .run(move |c| {
            sq::set_status(c, &key, &ch, now)?;
            let media = queries::get_media(c, &mid)?.ok_or_else(|| AppError::NotFound("no such media".into()))?;
            let m = MediaRef {
                id: MediaId(mid.clone()),
                title: media.title.clone(),
            };
            let event = Event::status_changed(m, &media.owner_id, &by, status.as_str());
            let recorded = outbox.record(c, &[event])?;
            let history = sq::history(c, media.stack_key(), HISTORY)?;
            Ok((media, history, recorded))
        })
        .await?;
    state.notifier.announce(recorded);
    tracing::info!(media_id = %id, by = %user.id, status = status.as_str(), "review status changed");
    state.notifier.emit(Notice::MediaChanged {
        media: media.clone(),
        previous_owner: None,
    });
    state.notifier.emit(Notice::StatusChanged {
        media_id: id.clone(),
        change: change.clone(),
    });
    // Every version's room shows the stack's status.
    for v in stack_ids(state, &media).await {
        if let Ok(Some(room)) = state.hub.send(FindRoom(v)).await {
            room.do_send(RecordStatus(change.clone()));
        }
    }
    Ok(StatusView { status, history })
}

/// The listing filter `?status=`.
pub fn parse_status(s: &str) -> AppResult<ReviewStatus> {
    ReviewStatus::parse(s).ok_or_else(|| {
        AppError::BadRequest(format!(
            "unknown review status {s:?}: needs_review, in_progress, changes_requested or approved"
        ))
    })
}

fn clean_label(l: Option<String>) -> AppResult<Option<String>> {
    let Some(l) = l else { return Ok(None) };
    let t: String = l.chars().filter(|c| !c.is_control()).collect();
    let t = t.trim();
    if t.chars().count() > MAX_LABEL {
        return Err(AppError::BadRequest(format!(
            "a label is at most {MAX_LABEL} characters"
        )));
    }
    Ok((!t.is_empty()).then(|| t.to_string()))
}

fn hash_password(p: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(p.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("hashing a password: {e}")))
}

fn password_matches(p: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| Argon2::default().verify_password(p.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

pub async fn create_link(
    state: &AppState,
    user: &UserInfo,
    id: &MediaId,
    req: NewGuestLink,
) -> AppResult<GuestLinkCreated> {
    let media = access::media_for(state, user, id, Action::CreateGuestLink).await?;
    let key = media.stack_key().to_string();
    let link = make_link(state, user, Some(key), None, req).await?;
    tracing::info!(media_id = %id, by = %user.id, link = link.id, "guest link created");
    Ok(link)
}

/// Makes a guest link of a stack (`media_id`, its key) or of a playlist, checked by the
/// caller.
pub(crate) async fn make_link(
    state: &AppState,
    user: &UserInfo,
    media_id: Option<String>,
    playlist_id: Option<String>,
    req: NewGuestLink,
) -> AppResult<GuestLinkCreated> {
    let label = clean_label(req.label)?;
    let expires_at = match req.expires_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let t = chrono::DateTime::parse_from_rfc3339(s)
                .map_err(|e| AppError::BadRequest(format!("expires_at is not an RFC 3339 time: {e}")))?;
            let t = t.naive_utc();
            if t <= chrono::Utc::now().naive_utc() {
                return Err(AppError::BadRequest("expires_at lies in the past".into()));
            }
            Some(t)
        }
    };
    let password_hash = match req.password.filter(|p| !p.is_empty()) {
        None => None,
        Some(p) if p.len() > MAX_PASSWORD => {
            return Err(AppError::BadRequest(format!(
                "a password is at most {MAX_PASSWORD} bytes"
            )))
        }
        Some(p) => Some(
            actix_web::web::block(move || hash_password(&p))
                .await
                .map_err(AppError::internal)??,
        ),
    };
    let token = new_token();
    let now = chrono::Utc::now().naive_utc();
    let row = NewGuestLinkRow {
        media_id,
        playlist_id,
        token_hash: token_hash(&token),
        label,
        password_hash,
        expires_at,
        can_comment: req.can_comment,
        can_download: req.can_download,
        created_by: user.id.0.clone(),
        created_at: now,
    };
    let link = state.db.run(move |c| sq::insert_link(c, &row)).await?;
    Ok(GuestLinkCreated {
        id: link.id,
        url: format!("/r/{token}"),
        token,
        link: link.to_info(now),
    })
}

pub async fn list_links(state: &AppState, user: &UserInfo, id: &MediaId) -> AppResult<Vec<GuestLinkInfo>> {
    let media = access::media_for(state, user, id, Action::Manage).await?;
    links_under(state, media.stack_key().to_string()).await
}

/// The guest links kept under a stack's key or a playlist's id.
pub(crate) async fn links_under(state: &AppState, key: String) -> AppResult<Vec<GuestLinkInfo>> {
    let rows = state.db.run(move |c| sq::links_of(c, &key)).await?;
    let now = chrono::Utc::now().naive_utc();
    Ok(rows.iter().map(|r| r.to_info(now)).collect())
}

/// Revokes a link: its guest sessions end and their sockets close at once.
pub async fn delete_link(state: &AppState, user: &UserInfo, id: &MediaId, link_id: i64) -> AppResult<()> {
    let media = access::media_for(state, user, id, Action::Manage).await?;
    revoke_link(state, media.stack_key().to_string(), link_id).await?;
    tracing::info!(media_id = %id, by = %user.id, link = link_id, "guest link revoked");
    Ok(())
}

/// Revokes a link kept under a stack's key or a playlist's id: its guest sessions end and
/// their sockets close at once.
pub(crate) async fn revoke_link(state: &AppState, key: String, link_id: i64) -> AppResult<()> {
    let guests = state
        .db
        .run(move |c| sq::delete_link(c, &key, link_id))
        .await?
        .ok_or_else(|| AppError::NotFound("no such guest link".into()))?;
    if !guests.is_empty() {
        state.hub.do_send(CloseUsers {
            users: guests,
            reason: "this review link is no longer valid".into(),
        });
    }
    Ok(())
}

/// Failed guest passwords per link, within the last `FAIL_WINDOW`.
#[derive(Default)]
pub struct GuestGate(Mutex<HashMap<i64, VecDeque<Instant>>>);

impl GuestGate {
    /// How long until the link may be tried again, when it is locked now.
    fn locked(&self, link: i64) -> Option<Duration> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let q = m.get_mut(&link)?;
        while q.front().is_some_and(|t| t.elapsed() > FAIL_WINDOW) {
            q.pop_front();
        }
        if q.len() >= MAX_FAILURES {
            return q.front().map(|t| FAIL_WINDOW.saturating_sub(t.elapsed()));
        }
        None
    }

    fn failed(&self, link: i64) {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // Forget links that have not failed for a window, so the map stays small.
        m.retain(|_, q| q.back().is_some_and(|t| t.elapsed() <= FAIL_WINDOW));
        m.entry(link).or_default().push_back(Instant::now());
    }
}

fn clean_guest_name(n: &str) -> AppResult<String> {
    let t: String = n.chars().filter(|c| !c.is_control()).collect();
    let t = t.trim();
    if t.is_empty() {
        return Err(AppError::BadRequest("give a name to show with your comments".into()));
    }
    if t.chars().count() > MAX_GUEST_NAME {
        return Err(AppError::BadRequest(format!(
            "a name is at most {MAX_GUEST_NAME} characters"
        )));
    }
    Ok(t.to_string())
}

fn invalid_link() -> AppError {
    AppError::NotFound("this review link is not valid: it may have been revoked or have expired".into())
}

/// Opens a guest session on a link; answers the session's secret (for the cookie) and what
/// the guest sees.
pub async fn open_guest_session(
    state: &AppState,
    gate: &GuestGate,
    token: &str,
    name: &str,
    password: Option<String>,
) -> AppResult<(String, UserInfo, GuestMedia)> {
    let name = clean_guest_name(name)?;
    if token.len() > 200 {
        return Err(invalid_link());
    }
    let hash = token_hash(token);
    let link = state
        .db
        .run(move |c| sq::link_by_token_hash(c, &hash))
        .await?
        .filter(|l| !l.expired(chrono::Utc::now().naive_utc()))
        .ok_or_else(invalid_link)?;
    if let Some(wait) = gate.locked(link.id) {
        return Err(AppError::TooManyRequests(
            format!(
                "too many wrong passwords for this link: try again in {} minutes",
                wait.as_secs() / 60 + 1
            ),
            wait.as_secs().max(1),
        ));
    }
    if let Some(stored) = link.password_hash.clone() {
        let given = password.unwrap_or_default();
        let ok = !given.is_empty()
            && given.len() <= MAX_PASSWORD
            && actix_web::web::block(move || password_matches(&given, &stored))
                .await
                .map_err(AppError::internal)?;
        if !ok {
            gate.failed(link.id);
            return Err(AppError::Unauthorized(
                "this review link needs a password, and the one given is not right".into(),
            ));
        }
    }
    let secret = new_token();
    let (sh, lid, n) = (token_hash(&secret), link.id, name.clone());
    let session = state.db.run(move |c| sq::open_session(c, lid, &sh, &n)).await?;
    let user = UserInfo {
        id: sq::guest_user_id(session),
        name,
        is_admin: false,
    };
    let u = user.clone();
    state.db.run(move |c| queries::upsert_user(c, &u)).await?;
    let media = guest_media(state, &user).await?;
    tracing::info!(link = link.id, guest = %user.id, "guest session opened");
    Ok((secret, user, media))
}

/// The guest a cookie's secret names, while its link lives.
pub async fn guest_by_secret(state: &AppState, secret: &str) -> AppResult<(UserInfo, GuestGrant)> {
    let gone = || AppError::Unauthorized("this review link is no longer valid".into());
    if secret.len() > 200 {
        return Err(gone());
    }
    let hash = token_hash(secret);
    let grant = state
        .db
        .run(move |c| sq::grant_by_token_hash(c, &hash))
        .await?
        .filter(|g| !g.link.expired(chrono::Utc::now().naive_utc()))
        .ok_or_else(gone)?;
    let user = UserInfo {
        id: sq::guest_user_id(grant.session_id),
        name: grant.name.clone(),
        is_admin: false,
    };
    Ok((user, grant))
}

pub(crate) fn rewrite_urls(mut m: MediaInfo) -> MediaInfo {
    let fix = |u: &mut Option<String>| {
        if let Some(s) = u.as_mut() {
            if let Some(rest) = s.strip_prefix("/files/") {
                *s = format!("/api/guest/files/{rest}");
            }
        }
    };
    fix(&mut m.playback_url);
    fix(&mut m.thumb_url);
    fix(&mut m.scrub_url);
    fix(&mut m.hdr_url);
    for t in m.audio_tracks.iter_mut().flatten() {
        fix(&mut t.url);
    }
    if let Some(sheet) = m.sheet.as_mut() {
        if let Some(rest) = sheet.url.strip_prefix("/files/") {
            sheet.url = format!("/api/guest/files/{rest}");
        }
    }
    m
}

/// The link's media as its guest sees it.
pub async fn guest_media(state: &AppState, user: &UserInfo) -> AppResult<GuestMedia> {
    let session = access::guest_session(user).ok_or_else(|| AppError::Unauthorized("not a guest".into()))?;
    let found: Option<(GuestGrant, Media, MediaInfo)> = state
        .db
        .run(move |c: &mut Conn| {
            let Some(g) = sq::grant_by_session(c, session)? else {
                return Ok(None);
            };
            // A media's link opens its stack: the guest lands on the newest version. A
            // playlist's starts on its first item the link opens.
            let first = match (&g.link.media_id, g.items.first()) {
                (Some(key), _) => crate::db::versions::newest(c, key)?,
                (None, Some(item)) => queries::get_media(c, item)?,
                (None, None) => None,
            };
            let Some(m) = first else {
                return Ok(None);
            };
            let info = crate::db::versions::info(c, &m)?;
            Ok(Some((g, m, info)))
        })
        .await?;
    let (grant, media, info) =
        found.ok_or_else(|| AppError::Unauthorized("this review link is no longer valid".into()))?;
    let info = rewrite_urls(info);
    let playlist = match &grant.link.playlist_id {
        Some(p) => Some(crate::playlists::guest_view(state, &grant, p).await?),
        None => None,
    };
    Ok(GuestMedia {
        playlist,
        guest: GuestInfo {
            name: grant.name.clone(),
            label: grant.link.label.clone(),
            can_comment: grant.link.can_comment,
            can_download: grant.link.can_download,
            download_url: grant
                .link
                .can_download
                .then(|| format!("/api/guest/media/{}/download/original", media.id.as_str())),
        },
        media: info,
    })
}

/// Whether a guest of `grant` may fetch `file` of its media.
pub fn guest_may_fetch(grant: &GuestGrant, media: &Media, file: &str) -> bool {
    if file == media.orig_filename && !grant.link.can_download {
        // What the browser plays it may always fetch.
        return media.playback_file.as_deref() == Some(file);
    }
    true
}

pub async fn end_guest_session(state: &AppState, user: &UserInfo) -> AppResult<()> {
    if let Some(s) = access::guest_session(user) {
        state.db.run(move |c| sq::end_session(c, s)).await?;
        state.hub.do_send(CloseUsers {
            users: vec![user.id.clone()],
            reason: "you left the review".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guest_gets_every_file_url_under_its_own_route() {
        let mut m: MediaInfo = serde_json::from_value(serde_json::json!({
            "id": "abcdefghijkl", "title": "t", "owner_id": "alice", "status": "ready", "error": null,
            "kind": "video", "duration": 1.0, "fps": 25.0, "fps_rational": {"num": 25, "den": 1},
            "frame_count": 25, "width": 320, "height": 240, "video_codec": "h264", "audio_codec": null,
            "playback_url": "/files/abcdefghijkl/original.mp4", "thumb_url": "/files/abcdefghijkl/thumb.webp",
            "sheet": {"url": "/files/abcdefghijkl/sheet.webp", "columns": 1, "rows": 1, "tile_width": 1,
                      "tile_height": 1, "times": [0.0]},
            "progress": null, "created_at": "2026-12-02T00:00:00Z", "review_status": "needs_review",
            "link_access": "off",
            "scrub_url": "/files/abcdefghijkl/scrub.mp4", "hdr_url": "/files/abcdefghijkl/hdr.webm",
            "audio_tracks": [{"index": 2, "title": null, "language": null, "channels": 2,
                              "url": "/files/abcdefghijkl/audio-2.m4a"}]
        }))
        .unwrap();
        m = rewrite_urls(m);
        let v = serde_json::to_value(&m).unwrap();
        let text = v.to_string();
        assert!(!text.contains("\"/files/"), "{text}");
        assert_eq!(v["scrub_url"], "/api/guest/files/abcdefghijkl/scrub.mp4");
        assert_eq!(v["hdr_url"], "/api/guest/files/abcdefghijkl/hdr.webm");
        assert_eq!(v["sheet"]["url"], "/api/guest/files/abcdefghijkl/sheet.webp");
    }
}
