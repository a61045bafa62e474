//! The realtime protocol: one JSON object per websocket text frame, tagged by `type`.
//! `ClientMsg` flows from browser to server, `ServerMsg` back.

use crate::ids::{CommentId, MediaId, UserId};
use crate::media::MediaInfo;
use crate::review::{
    CollabAction, CollabState, Comment, Drawing, Member, MemberChange, RoomEvent, SeqEvent, Shape, UserMessage,
};
use crate::sharing::AccessLevel;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Longest `client_ref` the server accepts, and echoes back in an `error`.
pub const MAX_CLIENT_REF: usize = 100;

/// Who a user is, as the server knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UserInfo {
    pub id: UserId,
    pub name: String,
    pub is_admin: bool,
}

/// Messages a client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    /// Clock sync and liveness: answered by `pong` with the server's time.
    Ping {
        /// The client's clock in milliseconds, echoed back.
        client_time: f64,
    },
    /// Ask for the caller's media list; answered by `media_list`.
    ListMedia {},
    /// Change a media file's display title (owner or admin).
    RenameMedia {
        media_id: MediaId,
        title: String,
    },
    /// Delete a media file with its comments and files (owner or admin).
    DeleteMedia {
        media_id: MediaId,
    },
    /// Enter the room of a media file. With `since_seq` (after a reconnect) the server sends
    /// only the events after it, when it still can; otherwise the full state.
    JoinRoom {
        media_id: MediaId,
        #[ts(type = "number | null")]
        since_seq: Option<i64>,
    },
    LeaveRoom {
        media_id: MediaId,
    },
    /// The next older page of a joined room's comments, before the cursor `before` that
    /// `room_joined` or the previous `comments_page` gave; answered by `comments_page`.
    LoadComments {
        media_id: MediaId,
        before: CommentId,
    },
    /// The client applied a `room_events` catch-up page up to `seq`: send the next one.
    RoomEventsAck {
        media_id: MediaId,
        #[ts(type = "number")]
        seq: i64,
    },
    /// Comment at `frame` (through `end_frame`), or reply to `parent_id`.
    AddComment {
        media_id: MediaId,
        text: String,
        #[ts(type = "number")]
        frame: i64,
        #[ts(type = "number | null")]
        end_frame: Option<i64>,
        parent_id: Option<CommentId>,
        drawing: Option<Drawing>,
        /// Chosen by the client, echoed in `comment_added`.
        client_ref: Option<String>,
        /// The subtitle cue on screen, when the author links the comment to it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        subtitle_cue: Option<crate::SubtitleCue>,
    },
    /// Replace the text (and drawing) of one's own comment.
    EditComment {
        comment_id: CommentId,
        text: String,
        drawing: Option<Drawing>,
    },
    DeleteComment {
        comment_id: CommentId,
    },
    /// Mark a note resolved, or open again (commenters, owner, admins).
    ResolveComment {
        comment_id: CommentId,
        resolved: bool,
    },
    /// Start (or join, when one runs) the room's collaborative session.
    SessionJoin {
        media_id: MediaId,
    },
    SessionLeave {
        media_id: MediaId,
    },
    /// Play, pause, seek, rate, loop, take the lead.
    SessionControl {
        media_id: MediaId,
        control: CollabAction,
    },
    /// A stroke being drawn, shown live to the session; not stored.
    LiveStroke {
        media_id: MediaId,
        shape: Shape,
    },
    /// Clear one's own live strokes, or (`all`, the leader only) everyone's.
    LiveClear {
        media_id: MediaId,
        #[serde(default)]
        all: bool,
    },
    /// Ask the leader for the lead (raise a hand); answered by `lead_request_closed`.
    RequestLead {
        media_id: MediaId,
    },
    /// The leader hands the lead to `session_id` (playback goes on where it is).
    GrantLead {
        media_id: MediaId,
        #[ts(type = "number")]
        session_id: u64,
    },
    /// The leader declines the request of `session_id`.
    DeclineLead {
        media_id: MediaId,
        #[ts(type = "number")]
        session_id: u64,
    },
    /// Point at the frame (frame-relative, like drawings); shown to the session as a fading
    /// dot, never stored. At most 30 a second per member reach the others (the latest wins).
    Laser {
        media_id: MediaId,
        x: f32,
        y: f32,
    },
    /// Ask for one's notifications; answered by `user_messages`.
    ListMessages {},
    MarkMessagesSeen {
        #[ts(type = "Array<number>")]
        ids: Vec<i64>,
    },
    /// Open a page of the organizer ("/" is the user's home); answered by
    /// `organizer_page_view`. Without a plugin, or while it is down, the server answers
    /// with its built-in flat library.
    OrganizerPage {
        path: String,
    },
    /// Run a plugin command (usually one of the page's `actions`); answered by
    /// `organizer_command_result`, or `error` with `request: "organizer_command"`.
    OrganizerCommand {
        name: String,
        /// Any JSON; an action's preset `args` merged with what the user entered.
        #[serde(default)]
        #[ts(type = "unknown")]
        args: serde_json::Value,
        /// The page the client shows, for the plugin's context.
        #[serde(default)]
        path: Option<String>,
        /// Chosen by the client, echoed in the result.
        #[serde(default)]
        client_ref: Option<String>,
    },
}

impl ClientMsg {
    /// The `type` tag of every client message, for tables that must cover them all.
    pub const TYPES: &'static [&'static str] = &[
        "ping",
        "list_media",
        "rename_media",
        "delete_media",
        "join_room",
        "leave_room",
        "load_comments",
        "room_events_ack",
        "add_comment",
        "edit_comment",
        "delete_comment",
        "resolve_comment",
        "session_join",
        "session_leave",
        "session_control",
        "live_stroke",
        "live_clear",
        "request_lead",
        "grant_lead",
        "decline_lead",
        "laser",
        "list_messages",
        "mark_messages_seen",
        "organizer_page",
        "organizer_command",
    ];

    pub fn type_name(&self) -> &'static str {
        match self {
            ClientMsg::Ping { .. } => "ping",
            ClientMsg::ListMedia {} => "list_media",
            ClientMsg::RenameMedia { .. } => "rename_media",
            ClientMsg::DeleteMedia { .. } => "delete_media",
            ClientMsg::JoinRoom { .. } => "join_room",
            ClientMsg::LeaveRoom { .. } => "leave_room",
            ClientMsg::LoadComments { .. } => "load_comments",
            ClientMsg::RoomEventsAck { .. } => "room_events_ack",
            ClientMsg::AddComment { .. } => "add_comment",
            ClientMsg::EditComment { .. } => "edit_comment",
            ClientMsg::DeleteComment { .. } => "delete_comment",
            ClientMsg::ResolveComment { .. } => "resolve_comment",
            ClientMsg::SessionJoin { .. } => "session_join",
            ClientMsg::SessionLeave { .. } => "session_leave",
            ClientMsg::SessionControl { .. } => "session_control",
            ClientMsg::LiveStroke { .. } => "live_stroke",
            ClientMsg::LiveClear { .. } => "live_clear",
            ClientMsg::RequestLead { .. } => "request_lead",
            ClientMsg::GrantLead { .. } => "grant_lead",
            ClientMsg::DeclineLead { .. } => "decline_lead",
            ClientMsg::Laser { .. } => "laser",
            ClientMsg::ListMessages {} => "list_messages",
            ClientMsg::MarkMessagesSeen { .. } => "mark_messages_seen",
            ClientMsg::OrganizerPage { .. } => "organizer_page",
            ClientMsg::OrganizerCommand { .. } => "organizer_command",
        }
    }
}

/// Machine-readable error codes; `message` carries the human text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame was not valid JSON or not a known message.
    BadMessage,
    /// The frame was larger than the server accepts.
    TooLarge,
    /// The caller may not do this.
    Forbidden,
    /// The object does not exist (or is not visible to the caller).
    NotFound,
    /// The caller sends too fast.
    RateLimited,
    /// A per-user limit would be passed (the daily comment volume).
    QuotaExceeded,
    /// Something the server needs (its database, its object store) is unreachable for now:
    /// the same request may succeed later; the session stays up.
    Unavailable,
    /// Something broke on the server; the session stays up.
    Internal,
}

/// Messages the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
// Built, serialized once and dropped: the size of the largest variant costs nothing kept.
#[allow(clippy::large_enum_variant)]
pub enum ServerMsg {
    /// First message on every connection.
    Welcome {
        protocol_version: u32,
        server_version: String,
        user: UserInfo,
    },
    /// Answer to `ping`.
    Pong {
        client_time: f64,
        /// Server clock, milliseconds since the Unix epoch.
        server_time: f64,
    },
    /// A request failed; the session stays open.
    Error {
        code: ErrorCode,
        message: String,
        /// The `type` of the client message this answers, when it could be read.
        request: Option<String>,
        /// The `client_ref` of the message this answers (`add_comment`,
        /// `organizer_command`), so the client knows exactly which request failed.
        /// Left out when the request had none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        client_ref: Option<String>,
    },
    /// The caller's media, newest first.
    MediaList { items: Vec<MediaInfo> },
    /// A media file changed (status, probe facts, title): the whole new state.
    MediaUpdated { media: MediaInfo },
    /// Processing progress, 0.0 ..= 1.0, with the stage ("probe", "proxy", "thumbnails").
    MediaProgress {
        media_id: MediaId,
        progress: f64,
        stage: String,
    },
    /// A media file was deleted.
    MediaRemoved { media_id: MediaId },
    /// Answer to `join_room`.
    ///
    /// Full state (`comments` set): the newest page of comments, newest first by id, and
    /// `comments_before`, the cursor for `load_comments` while older ones remain. With
    /// `resync` the client asked to catch up from `since_seq` but was too far behind (or
    /// ahead): replace what it holds. Catching up (`comments` null): the missed events come
    /// in `room_events` pages, each acknowledged with `room_events_ack`.
    ///
    /// `members` are the members shown (all of them up to the server's
    /// `presence_list_max`, else the leader, the live session and the earliest joined);
    /// `member_count` counts everyone. `presence_delta` keeps both current.
    RoomJoined {
        media: MediaInfo,
        comments: Option<Vec<Comment>>,
        comments_before: Option<CommentId>,
        resync: bool,
        members: Vec<Member>,
        member_count: u32,
        collab: CollabState,
        /// The room's current sequence number.
        #[ts(type = "number")]
        seq: i64,
        /// This connection's id within rooms (to recognise oneself in `members`).
        #[ts(type = "number")]
        session_id: u64,
        /// What the caller may do here (a viewer cannot comment or join live sessions).
        access: AccessLevel,
    },
    /// The caller's access to a joined room changed (its sharing was edited); losing
    /// access altogether comes as `room_closed` instead.
    AccessChanged { media_id: MediaId, access: AccessLevel },
    /// Something changed in a room; `seq` increases by one per event.
    RoomEvent {
        media_id: MediaId,
        #[ts(type = "number")]
        seq: i64,
        event: RoomEvent,
    },
    /// A page of missed events after a reconnect, in order. With `more` the client sends
    /// `room_events_ack` with the last `seq` for the next page; live `room_event`s resume
    /// after the last page (`more` false).
    RoomEvents {
        media_id: MediaId,
        events: Vec<SeqEvent>,
        more: bool,
    },
    /// Answer to `load_comments`: older comments, newest first; `before` is the cursor for
    /// the next page, null when none are left.
    CommentsPage {
        media_id: MediaId,
        comments: Vec<Comment>,
        before: Option<CommentId>,
    },
    /// Who is in the room changed: the shown members' changes since the last delta (at most
    /// one delta per member per `presence_interval_ms`), and how many are present in all.
    PresenceDelta {
        media_id: MediaId,
        changes: Vec<MemberChange>,
        member_count: u32,
    },
    /// The collaborative session's new state.
    Collab { media_id: MediaId, state: CollabState },
    /// The leader moved the playlist session of `media_id`'s room to the item `index`,
    /// the media `to`: members in the session leave this room, join `to`'s and its
    /// session, which is already running with the same leader on `frame`.
    SessionMoved {
        media_id: MediaId,
        to: MediaId,
        playlist_id: crate::ids::PlaylistId,
        #[ts(type = "number")]
        index: i64,
        #[ts(type = "number")]
        frame: i64,
    },
    /// A live stroke from someone in the session.
    LiveStroke {
        media_id: MediaId,
        #[ts(type = "number")]
        session_id: u64,
        user_id: UserId,
        shape: Shape,
    },
    /// `session_id` cleared its live strokes, or (`all`) everyone's.
    LiveClear {
        media_id: MediaId,
        #[ts(type = "number")]
        session_id: u64,
        all: bool,
    },
    /// To the leader: `session_id` asks for the lead (also each waiting request when one
    /// becomes the leader).
    LeadRequested {
        media_id: MediaId,
        #[ts(type = "number")]
        session_id: u64,
        user: UserInfo,
    },
    /// To the leader and the one who asked: the request is over (granted, declined, or the
    /// one who asked left the session).
    LeadRequestClosed {
        media_id: MediaId,
        #[ts(type = "number")]
        session_id: u64,
        granted: bool,
    },
    /// Someone in the session points at (`x`, `y`) of the frame.
    Laser {
        media_id: MediaId,
        #[ts(type = "number")]
        session_id: u64,
        user_name: String,
        x: f32,
        y: f32,
    },
    /// Something the session should know happened (the owner or an admin took over a
    /// locked session), for everyone in it.
    SessionNotice { media_id: MediaId, message: String },
    /// The room is gone for this caller (media deleted, access revoked): leave the view.
    RoomClosed { media_id: MediaId, reason: String },
    /// The caller's notifications, newest first, and how many are unseen.
    UserMessages { items: Vec<UserMessage>, unseen: u32 },
    /// A new notification.
    UserMessageAdded { message: UserMessage },
    /// Answer to `mark_messages_seen`.
    MessagesSeen {
        #[ts(type = "Array<number>")]
        ids: Vec<i64>,
        unseen: u32,
    },
    /// Answer to `organizer_page`: what the user sees at `path`.
    OrganizerPageView {
        /// The canonical path of the page (send it back to reload).
        path: String,
        title: String,
        breadcrumbs: Vec<OrganizerCrumb>,
        folders: Vec<OrganizerFolder>,
        media: Vec<MediaInfo>,
        actions: Vec<OrganizerAction>,
        /// The plugin that made the page; null for the built-in flat library (no plugin,
        /// or the plugin is down).
        plugin: Option<String>,
    },
    /// Answer to `organizer_command`.
    OrganizerCommandResult {
        name: String,
        client_ref: Option<String>,
        #[ts(type = "unknown")]
        result: serde_json::Value,
        /// Reload the page shown.
        refresh: bool,
    },
    /// The organizer's view of this user changed: reload the page shown.
    OrganizerRefresh {},
    /// The organizer plugin asks this client to open a media file (at `frame`) or one of
    /// its pages (`path`).
    OrganizerOpen {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        media_id: Option<MediaId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional, type = "number")]
        frame: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        path: Option<String>,
    },
}

/// A step of the path above an organizer page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OrganizerCrumb {
    pub label: String,
    pub path: String,
}

/// A folder shown on an organizer page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OrganizerFolder {
    /// The plugin's id, for action arguments.
    pub id: String,
    pub name: String,
    /// The page to open for it.
    pub path: String,
    pub item_count: u32,
}

/// Where the client offers an action: on the page, on each folder, on each media item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OrganizerActionScope {
    Page,
    Folder,
    Media,
}

/// Something the user can do on an organizer page: send `organizer_command` with
/// `name: command` and `args` = these preset `args` plus, for a folder or media action,
/// `folder` / `media` set to the item's id, plus one text field per `prompt` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OrganizerAction {
    pub command: String,
    pub label: String,
    pub scope: OrganizerActionScope,
    #[ts(type = "Record<string, unknown>")]
    pub args: serde_json::Value,
    pub prompt: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_msg_tags() {
        let m: ClientMsg = serde_json::from_str(r#"{"type":"ping","client_time":1.5}"#).unwrap();
        assert_eq!(m, ClientMsg::Ping { client_time: 1.5 });
        assert_eq!(m.type_name(), "ping");
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"nope"}"#).is_err());
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"ping"}"#).is_err());
    }

    #[test]
    fn every_type_is_listed() {
        let m = || MediaId::from("m");
        let samples = [
            ClientMsg::Ping { client_time: 0.0 },
            ClientMsg::ListMedia {},
            ClientMsg::RenameMedia {
                media_id: m(),
                title: "t".into(),
            },
            ClientMsg::DeleteMedia { media_id: m() },
            ClientMsg::JoinRoom {
                media_id: m(),
                since_seq: None,
            },
            ClientMsg::LeaveRoom { media_id: m() },
            ClientMsg::LoadComments {
                media_id: m(),
                before: CommentId(9),
            },
            ClientMsg::RoomEventsAck { media_id: m(), seq: 3 },
            ClientMsg::AddComment {
                media_id: m(),
                text: "x".into(),
                frame: 0,
                end_frame: None,
                parent_id: None,
                drawing: None,
                client_ref: None,
                subtitle_cue: None,
            },
            ClientMsg::EditComment {
                comment_id: CommentId(1),
                text: "y".into(),
                drawing: None,
            },
            ClientMsg::DeleteComment {
                comment_id: CommentId(1),
            },
            ClientMsg::ResolveComment {
                comment_id: CommentId(1),
                resolved: true,
            },
            ClientMsg::SessionJoin { media_id: m() },
            ClientMsg::SessionLeave { media_id: m() },
            ClientMsg::SessionControl {
                media_id: m(),
                control: CollabAction::TakeLead {},
            },
            ClientMsg::LiveStroke {
                media_id: m(),
                shape: Shape {
                    tool: crate::review::Tool::Pen,
                    points: vec![],
                    color: "#ff0000".into(),
                    width: 0.01,
                    text: None,
                },
            },
            ClientMsg::LiveClear {
                media_id: m(),
                all: false,
            },
            ClientMsg::RequestLead { media_id: m() },
            ClientMsg::GrantLead {
                media_id: m(),
                session_id: 2,
            },
            ClientMsg::DeclineLead {
                media_id: m(),
                session_id: 2,
            },
            ClientMsg::Laser {
                media_id: m(),
                x: 0.5,
                y: 0.5,
            },
            ClientMsg::ListMessages {},
            ClientMsg::MarkMessagesSeen { ids: vec![] },
            ClientMsg::OrganizerPage { path: "/".into() },
            ClientMsg::OrganizerCommand {
                name: "create_folder".into(),
                args: serde_json::json!({"name": "x"}),
                path: None,
                client_ref: None,
            },
        ];
        for s in &samples {
            let v = serde_json::to_value(s).unwrap();
            assert_eq!(v["type"], s.type_name());
            assert!(ClientMsg::TYPES.contains(&s.type_name()));
        }
        assert_eq!(samples.len(), ClientMsg::TYPES.len());
    }

    #[test]
    fn organizer_command_args_are_optional() {
        let m: ClientMsg = serde_json::from_str(r#"{"type":"organizer_command","name":"x"}"#).unwrap();
        assert_eq!(
            m,
            ClientMsg::OrganizerCommand {
                name: "x".into(),
                args: serde_json::Value::Null,
                path: None,
                client_ref: None
            }
        );
    }

    #[test]
    fn server_msg_shape() {
        let m = ServerMsg::Error {
            code: ErrorCode::BadMessage,
            message: "x".into(),
            request: None,
            client_ref: None,
        };
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["type"], "error");
        assert_eq!(v["code"], "bad_message");
    }
}
