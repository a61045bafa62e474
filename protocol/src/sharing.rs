//! Team review on the wire: who a media file is shared with, its review status and history,
//! and guest review links for people without an account. The HTTP bodies of
//! `/api/media/{id}/sharing`, `/status`, `/guest-links` and `/api/guest/…` are these types.

use crate::ids::UserId;
use crate::media::MediaInfo;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Who else, signed in, may open a media file from its link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkAccess {
    /// Only the owner, admins and the users it is shared with.
    Off,
    /// Everyone signed in who has the link may watch.
    View,
    /// Everyone signed in who has the link may watch, comment and join live sessions.
    Comment,
}

/// The role of a user a media file is shared with by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ShareRole {
    /// Watch (and read the notes).
    Viewer,
    /// Watch, comment, draw, resolve comments, set the review status, join live sessions.
    Commenter,
}

/// What the caller may do with a media file, as the server decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccessLevel {
    View,
    Comment,
    /// The owner or an admin: also rename, delete, share and make guest links.
    Manage,
}

/// Where a media file is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    NeedsReview,
    InProgress,
    ChangesRequested,
    Approved,
}

macro_rules! wire_names {
    ($t:ty { $($v:ident = $s:literal),* $(,)? }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)* _ => None }
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.as_str().to_string()
            }
        }
        impl TryFrom<String> for $t {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s).ok_or_else(|| format!("unknown {} {s:?}", stringify!($t)))
            }
        }
    };
}

wire_names!(LinkAccess { Off = "off", View = "view", Comment = "comment" });
wire_names!(ShareRole { Viewer = "viewer", Commenter = "commenter" });
wire_names!(ReviewStatus {
    NeedsReview = "needs_review",
    InProgress = "in_progress",
    ChangesRequested = "changes_requested",
    Approved = "approved",
});

impl ShareRole {
    pub fn level(self) -> AccessLevel {
        match self {
            ShareRole::Viewer => AccessLevel::View,
            ShareRole::Commenter => AccessLevel::Comment,
        }
    }
}

impl LinkAccess {
    pub fn level(self) -> Option<AccessLevel> {
        match self {
            LinkAccess::Off => None,
            LinkAccess::View => Some(AccessLevel::View),
            LinkAccess::Comment => Some(AccessLevel::Comment),
        }
    }
}

/// One user a media file is shared with. `user_name` is filled in by the server (the
/// user's name when known, else the id) and ignored when sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ShareEntry {
    pub user_id: UserId,
    #[serde(default)]
    #[ts(optional)]
    pub user_name: Option<String>,
    pub role: ShareRole,
}

/// `GET`/`PUT /api/media/{id}/sharing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    pub link_access: LinkAccess,
    pub users: Vec<ShareEntry>,
}

/// A user the server knows, for pickers (`GET /api/users`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct KnownUser {
    pub id: UserId,
    pub name: String,
}

/// One change of a review status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StatusChange {
    pub status: ReviewStatus,
    pub user_id: UserId,
    pub user_name: String,
    /// RFC 3339.
    pub at: String,
}

/// `GET`/`PUT /api/media/{id}/status`: the status now and its history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StatusView {
    pub status: ReviewStatus,
    pub history: Vec<StatusChange>,
}

/// `POST /api/media/{id}/guest-links`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NewGuestLink {
    #[serde(default)]
    #[ts(optional)]
    pub label: Option<String>,
    #[serde(default)]
    #[ts(optional)]
    pub password: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    #[ts(optional)]
    pub expires_at: Option<String>,
    pub can_comment: bool,
    pub can_download: bool,
}

/// A guest link as its media's managers see it; the token is shown only once, at creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GuestLinkInfo {
    #[ts(type = "number")]
    pub id: i64,
    pub label: Option<String>,
    pub created_at: String,
    pub created_by: UserId,
    pub expires_at: Option<String>,
    /// The expiry has passed: the link opens nothing.
    pub expired: bool,
    pub last_used_at: Option<String>,
    #[ts(type = "number")]
    pub uses: i64,
    pub has_password: bool,
    pub can_comment: bool,
    pub can_download: bool,
}

/// Answer to `POST /api/media/{id}/guest-links` (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GuestLinkCreated {
    #[ts(type = "number")]
    pub id: i64,
    /// The secret of the link: shown this once, stored only hashed.
    pub token: String,
    /// Relative: `/r/<token>`.
    pub url: String,
    pub link: GuestLinkInfo,
}

/// `POST /api/guest/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct GuestSessionRequest {
    pub token: String,
    pub name: String,
    #[serde(default)]
    #[ts(optional)]
    pub password: Option<String>,
}

/// What a guest may do, with the name they gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GuestInfo {
    pub name: String,
    pub label: Option<String>,
    pub can_comment: bool,
    pub can_download: bool,
    /// The original file, when `can_download`.
    pub download_url: Option<String>,
}

/// `GET /api/guest/media` and the answer to `POST /api/guest/session`: the link's media
/// (its URLs under `/api/guest/files/`) and the guest's permissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GuestMedia {
    pub media: MediaInfo,
    pub guest: GuestInfo,
    /// A playlist's link: the playlist (its items the link opens carry their media; the
    /// guest starts on the first, `media`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub playlist: Option<crate::versions::Playlist>,
}
