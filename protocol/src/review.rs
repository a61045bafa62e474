//! Review data on the wire: comments anchored to frames, vector drawings, presence,
//! the collaborative playback state, user messages and room events.

use crate::ids::{CommentId, MediaId, UserId};
use crate::sharing::StatusChange;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Limits that keep one drawing and one comment bounded.
pub const MAX_SHAPES: usize = 500;
pub const MAX_POINTS_PER_SHAPE: usize = 5_000;
pub const MAX_COMMENT_LEN: usize = 10_000;
pub const MAX_SHAPE_TEXT_LEN: usize = 500;

/// A drawing tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Tool {
    Pen,
    Line,
    Arrow,
    Rect,
    Ellipse,
    Text,
}

/// A point relative to the frame: (0,0) top left, (1,1) bottom right.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

/// One stroke or shape. Pen: any number of points; line, arrow, rect, ellipse: two (corners
/// or ends); text: one (top left) plus `text`. `width` is relative to the frame height.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Shape {
    pub tool: Tool,
    pub points: Vec<Point>,
    /// CSS colour, `#rrggbb`.
    pub color: String,
    pub width: f32,
    pub text: Option<String>,
}

/// A vector drawing over one frame.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
pub struct Drawing {
    pub shapes: Vec<Shape>,
}

impl Shape {
    /// Checks bounds and shape; the message names the problem for the client.
    pub fn validate(&self) -> Result<(), String> {
        let n = self.points.len();
        let ok_count = match self.tool {
            Tool::Pen => (1..=MAX_POINTS_PER_SHAPE).contains(&n),
            Tool::Line | Tool::Arrow | Tool::Rect | Tool::Ellipse => n == 2,
            Tool::Text => n == 1,
        };
        if !ok_count {
            return Err(format!("a {:?} shape cannot have {n} points", self.tool).to_lowercase());
        }
        if self
            .points
            .iter()
            .any(|p| !(p.x.is_finite() && p.y.is_finite()) || p.x.abs() > 4.0 || p.y.abs() > 4.0)
        {
            return Err("shape points must be finite and near the frame (-4..4)".into());
        }
        if !(self.width.is_finite() && self.width > 0.0 && self.width <= 1.0) {
            return Err("shape width must be in (0, 1]".into());
        }
        let c = self.color.as_bytes();
        if !(c.len() == 7 && c[0] == b'#' && c[1..].iter().all(u8::is_ascii_hexdigit)) {
            return Err("shape color must look like #rrggbb".into());
        }
        match (&self.tool, &self.text) {
            (Tool::Text, Some(t)) if !t.is_empty() && t.chars().count() <= MAX_SHAPE_TEXT_LEN => Ok(()),
            (Tool::Text, _) => Err(format!("a text shape needs 1..={MAX_SHAPE_TEXT_LEN} characters")),
            (_, None) => Ok(()),
            (_, Some(_)) => Err("only text shapes carry text".into()),
        }
    }
}

impl Drawing {
    pub fn validate(&self) -> Result<(), String> {
        if self.shapes.len() > MAX_SHAPES {
            return Err(format!("a drawing holds at most {MAX_SHAPES} shapes"));
        }
        self.shapes.iter().try_for_each(Shape::validate)
    }
}

/// A comment as stored: anchored at `frame` (and through `end_frame` for a range).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Comment {
    pub id: CommentId,
    pub media_id: MediaId,
    pub parent_id: Option<CommentId>,
    pub user_id: UserId,
    pub user_name: String,
    /// Empty when deleted.
    pub text: String,
    #[ts(type = "number")]
    pub frame: i64,
    #[ts(type = "number | null")]
    pub end_frame: Option<i64>,
    pub drawing: Option<Drawing>,
    pub created_at: String,
    pub edited_at: Option<String>,
    /// A deleted comment that still has replies stays as a marker.
    pub deleted: bool,
    /// Written by a guest through a review link (`user_name` is the name they gave).
    pub guest: bool,
    /// Who marked the note resolved, and when (RFC 3339); null while open.
    pub resolved_by: Option<UserId>,
    pub resolved_by_name: Option<String>,
    pub resolved_at: Option<String>,
    /// Set instead of `drawing` when the drawing is too large to travel with the comment:
    /// fetch it from this address (the same rules as the comment; cache by `edited_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub drawing_url: Option<String>,
    /// Written through the organizer plugin (its name): by the plugin itself, or by the plugin
    /// for `user_id` (say, notes imported from a tracker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub via_plugin: Option<String>,
    /// The subtitle cue shown when the comment was written, when its author linked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub subtitle_cue: Option<crate::SubtitleCue>,
}

/// A change in a room, numbered by the room's sequence so clients can catch up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoomEvent {
    CommentAdded {
        comment: Comment,
        /// Echo of the sender's `client_ref`, so it can match its pending comment.
        client_ref: Option<String>,
    },
    CommentEdited {
        comment: Comment,
    },
    /// `comment` is the remaining marker when the thread had replies, else null.
    CommentDeleted {
        comment_id: CommentId,
        comment: Option<Comment>,
    },
    MediaRenamed {
        title: String,
    },
    /// A note was marked resolved or open again (`comment.resolved_by`).
    CommentResolved {
        comment: Comment,
    },
    /// The media's review status changed.
    StatusChanged {
        change: StatusChange,
    },
}

/// A room event with its sequence number, as catch-up pages carry them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SeqEvent {
    #[ts(type = "number")]
    pub seq: i64,
    pub event: RoomEvent,
}

/// One change of the members shown in a room, in a `presence_delta`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MemberChange {
    /// Someone is shown who was not (joined, or moved up into the shown part of a large room).
    MemberJoined { member: Member },
    /// Someone shown is no more (left, or moved out of the shown part of a large room).
    MemberLeft {
        #[ts(type = "number")]
        session_id: u64,
    },
    /// A shown member's flags changed (in the live session, leader).
    MemberChanged { member: Member },
}

/// One person (one connection) in a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Member {
    #[ts(type = "number")]
    pub session_id: u64,
    pub user_id: UserId,
    pub user_name: String,
    pub in_session: bool,
    pub leader: bool,
}

/// The shared playback state of a collaborative session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CollabState {
    pub active: bool,
    #[ts(type = "number | null")]
    pub leader: Option<u64>,
    pub playing: bool,
    /// The frame at `at_server_time` (when playing, playback runs on from there).
    #[ts(type = "number")]
    pub frame: i64,
    /// Server clock, ms since the epoch. For a scheduled play it lies slightly ahead.
    pub at_server_time: f64,
    pub rate: f64,
    /// Inclusive frame range looped during playback.
    #[ts(type = "[number, number] | null")]
    pub loop_range: Option<(i64, i64)>,
    /// Bumped on every change, so clients ignore stale states.
    #[ts(type = "number")]
    pub version: u64,
    /// Presenter mode: only the leader controls playback; others ask with `request_lead`
    /// (the media's owner and admins may still take over).
    #[serde(default)]
    pub locked: bool,
    /// The session compares the room's media with another (everyone sees the same pair,
    /// mode and wipe position).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub compare: Option<crate::versions::CompareView>,
    /// The session runs over a playlist and this room's media is its current item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub playlist: Option<crate::versions::PlaylistCursor>,
}

/// A control of the collaborative session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum CollabAction {
    /// Start playing from `frame` (scheduled a moment ahead so everyone starts together).
    Play {
        #[ts(type = "number")]
        frame: i64,
    },
    /// Stop exactly on `frame`.
    Pause {
        #[ts(type = "number")]
        frame: i64,
    },
    Seek {
        #[ts(type = "number")]
        frame: i64,
    },
    Rate {
        rate: f64,
    },
    Loop {
        #[ts(type = "[number, number] | null")]
        range: Option<(i64, i64)>,
    },
    /// Become the leader (refused while the session is locked, except to the media's owner
    /// and admins).
    TakeLead {},
    /// The leader locks the session (presenter mode) or unlocks it.
    Lock {
        locked: bool,
    },
    /// The leader shows the room's media against another (or stops comparing).
    Compare {
        view: Option<crate::versions::CompareView>,
    },
    /// The leader moves a playlist session to the item at `index`: everyone in the session
    /// is told (`session_moved`) and follows into that media's room, on its first frame.
    Goto {
        playlist_id: crate::ids::PlaylistId,
        #[ts(type = "number")]
        index: i64,
    },
}

/// A stored notification for one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct UserMessage {
    #[ts(type = "number")]
    pub id: i64,
    /// `reply`, `comment`, `media_ready`, `media_failed`, `organizer`, `shared`,
    /// `comment_resolved`, `new_version`, `status_changed`, `guest_comment`,
    /// `live_session_started`: the personal kinds of the notification events.
    pub kind: String,
    pub media_id: Option<MediaId>,
    pub comment_id: Option<CommentId>,
    pub text: String,
    pub seen: bool,
    pub created_at: String,
}
