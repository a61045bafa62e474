//! Version stacks, compare views and dailies playlists (docs/versions.md).

use crate::ids::{MediaId, PlaylistId, UserId};
use crate::media::{MediaInfo, MediaStatus};
use crate::sharing::{AccessLevel, LinkAccess, ReviewStatus, ShareEntry};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One version of a media's stack, oldest (v1) first in `MediaInfo::stack`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StackVersion {
    pub id: MediaId,
    /// 1, 2, … in the stack's order.
    #[ts(type = "number")]
    pub version: i64,
    /// RFC 3339.
    pub created_at: String,
    /// Processing status of this version.
    pub status: MediaStatus,
    pub title: String,
}

/// `PUT /api/media/{id}/stack`: the stack's versions in their new order, oldest first
/// (every version once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct StackOrder {
    pub order: Vec<MediaId>,
}

/// A comment of any version, for the "all versions" list
/// (`GET /api/media/{id}/stack/comments`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct VersionComment {
    #[ts(type = "number")]
    pub version: i64,
    pub comment: crate::review::Comment,
}

/// How a compare page shows its two media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CompareMode {
    /// The two pictures beside each other.
    SideBySide,
    /// The other media over this one, cut at `wipe` (0 = all this, 1 = all the other).
    Wipe,
    /// The other media over this one at `opacity`.
    Overlay,
}

/// Which side's sound plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CompareAudio {
    /// The room's own media (left, or under).
    This,
    /// The compared media (right, or over).
    Other,
    Off,
}

/// A live session's compare view: the room's media against `other`, frame-locked by time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CompareView {
    pub other: MediaId,
    pub mode: CompareMode,
    /// 0.0 ..= 1.0, the wipe's position from the left.
    pub wipe: f64,
    /// 0.0 ..= 1.0, the other media's opacity in overlay.
    pub opacity: f64,
    pub audio: CompareAudio,
}

/// Where a live session over a playlist stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PlaylistCursor {
    pub playlist_id: PlaylistId,
    /// 0-based position of the current item.
    #[ts(type = "number")]
    pub index: i64,
}

/// One entry of a playlist as the caller sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PlaylistItem {
    pub media_id: MediaId,
    /// The media, when the caller may view it (else the entry is shown as unavailable).
    pub media: Option<MediaInfo>,
    pub review_status: Option<ReviewStatus>,
    /// Top-level comments not resolved yet.
    #[ts(type = "number")]
    pub open_comments: i64,
    /// Whether the playlist's sharing opens this item to those it is shared with (it does
    /// for items whoever added them could manage).
    pub shared: bool,
}

/// `GET /api/playlists/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Playlist {
    pub id: PlaylistId,
    pub title: String,
    pub owner_id: UserId,
    pub owner_name: String,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
    pub items: Vec<PlaylistItem>,
    /// What the caller may do with the playlist (manage: edit and share it).
    pub access: AccessLevel,
    /// The live session running over it, if any: its current media and position.
    pub live: Option<PlaylistLive>,
}

/// A live session over a playlist, for those arriving late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PlaylistLive {
    pub media_id: MediaId,
    #[ts(type = "number")]
    pub index: i64,
}

/// `GET /api/playlists`: the playlists the caller may view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PlaylistSummary {
    pub id: PlaylistId,
    pub title: String,
    pub owner_id: UserId,
    pub owner_name: String,
    #[ts(type = "number")]
    pub item_count: i64,
    pub updated_at: String,
    pub access: AccessLevel,
}

/// `POST /api/playlists` (201 with the `Playlist`) and `PUT /api/playlists/{id}`: a title
/// and the items in order (add, remove and reorder are one replace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PlaylistEdit {
    pub title: String,
    pub items: Vec<MediaId>,
}

/// `GET`/`PUT /api/playlists/{id}/sharing`: users a playlist is shared with, and who else
/// signed in may open it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PlaylistSharing {
    pub link_access: LinkAccess,
    pub users: Vec<ShareEntry>,
}
