//! Rows as diesel reads and writes them, and their conversion to wire types.

use super::schema::{media, users};
use super::values::{JobStatus, MediaSource, MessageKind};
use chrono::NaiveDateTime;
use dailies_protocol::{
    LinkAccess, MediaId, MediaInfo, MediaKind, MediaStatus, Rational, ReviewStatus, SpriteSheet, UserId,
};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub id: UserId,
    pub name: String,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
    pub last_seen: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = media)]
pub struct Media {
    #[diesel(deserialize_as = String)]
    pub id: MediaId,
    #[diesel(deserialize_as = String)]
    pub owner_id: UserId,
    pub title: String,
    pub orig_filename: String,
    #[diesel(deserialize_as = String)]
    pub status: MediaStatus,
    pub error: Option<String>,
    pub kind: Option<String>,
    pub duration: Option<f64>,
    pub fps_num: Option<i64>,
    pub fps_den: Option<i64>,
    pub frame_count: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub pix_fmt: Option<String>,
    pub bitrate: Option<i64>,
    pub audio_channels: Option<i32>,
    pub file_size: i64,
    pub progress: Option<f64>,
    pub playback_file: Option<String>,
    pub thumb_file: Option<String>,
    pub sheet_json: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub source: MediaSource,
    #[diesel(deserialize_as = String)]
    pub link_access: LinkAccess,
    #[diesel(deserialize_as = String)]
    pub review_status: ReviewStatus,
    pub field_order: Option<String>,
    pub hdr_json: Option<String>,
    pub audio_tracks_json: Option<String>,
    pub start_frame: Option<i64>,
    pub sequence_json: Option<String>,
    pub scrub_file: Option<String>,
    pub hdr_file: Option<String>,
    pub stack_id: Option<String>,
    pub version: i64,
    pub start_timecode: Option<String>,
    pub upload_name: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = media)]
pub struct NewMedia {
    #[diesel(serialize_as = String)]
    pub id: MediaId,
    #[diesel(serialize_as = String)]
    pub owner_id: UserId,
    pub title: String,
    pub orig_filename: String,
    #[diesel(serialize_as = String)]
    pub status: MediaStatus,
    pub file_size: i64,
    pub source: MediaSource,
    #[diesel(serialize_as = String)]
    pub link_access: LinkAccess,
    pub upload_name: Option<String>,
}

/// The URL under which a file of a media's directory is served.
pub fn file_url(media_id: &str, file: &str) -> String {
    format!("/files/{media_id}/{file}")
}

impl Media {
    pub fn fps(&self) -> Option<Rational> {
        match (self.fps_num, self.fps_den) {
            (Some(num), Some(den)) if num > 0 && den > 0 => Some(Rational { num, den }),
            _ => None,
        }
    }

    pub fn to_info(&self) -> MediaInfo {
        let sheet = self
            .sheet_json
            .as_deref()
            .and_then(|s| serde_json::from_str::<SpriteSheet>(s).ok());
        MediaInfo {
            id: self.id.clone(),
            title: self.title.clone(),
            owner_id: self.owner_id.clone(),
            status: self.status,
            error: self.error.clone(),
            kind: self.kind.as_deref().and_then(MediaKind::parse),
            duration: self.duration,
            fps: self.fps().map(Rational::as_f64),
            fps_rational: self.fps(),
            frame_count: self.frame_count,
            width: self.width,
            height: self.height,
            video_codec: self.video_codec.clone(),
            audio_codec: self.audio_codec.clone(),
            playback_url: self.playback_file.as_deref().map(|f| file_url(self.id.as_str(), f)),
            thumb_url: self.thumb_file.as_deref().map(|f| file_url(self.id.as_str(), f)),
            sheet,
            progress: self.progress,
            created_at: self.created_at.and_utc().to_rfc3339(),
            review_status: self.review_status,
            link_access: self.link_access,
            field_order: self.field_order.clone(),
            hdr: self.hdr_json.as_deref().and_then(|j| serde_json::from_str(j).ok()),
            audio_tracks: self
                .audio_tracks_json
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok()),
            start_frame: self.start_frame,
            sequence: self.sequence_json.as_deref().and_then(|j| serde_json::from_str(j).ok()),
            scrub_url: self.scrub_file.as_deref().map(|f| file_url(self.id.as_str(), f)),
            hdr_url: self.hdr_file.as_deref().map(|f| file_url(self.id.as_str(), f)),
            version: self.version,
            stack: Vec::new(),
            start_timecode: self.start_timecode.clone(),
        }
    }

    /// The id its stack's sharing, guest links and status history are kept under: its
    /// root's (its own for a media without versions, or the root itself).
    pub fn stack_key(&self) -> &str {
        self.stack_id.as_deref().unwrap_or(self.id.as_str())
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::jobs)]
pub struct Job {
    pub id: i64,
    #[diesel(deserialize_as = String)]
    pub media_id: MediaId,
    pub kind: String,
    pub status: JobStatus,
    pub attempts: i32,
    pub error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Probe facts written to a media row once known.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = media)]
pub struct MediaFacts {
    pub kind: Option<String>,
    pub duration: Option<f64>,
    pub fps_num: Option<i64>,
    pub fps_den: Option<i64>,
    pub frame_count: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub pix_fmt: Option<String>,
    pub bitrate: Option<i64>,
    pub audio_channels: Option<i32>,
    pub field_order: Option<String>,
    pub hdr_json: Option<String>,
    pub start_frame: Option<i64>,
    pub sequence_json: Option<String>,
    pub start_timecode: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::user_messages)]
pub struct UserMessageRow {
    pub id: i64,
    #[diesel(deserialize_as = String)]
    pub user_id: UserId,
    pub kind: MessageKind,
    pub media_id: Option<String>,
    pub comment_id: Option<i64>,
    pub text: String,
    pub seen: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::user_messages)]
pub struct NewUserMessage {
    #[diesel(serialize_as = String)]
    pub user_id: UserId,
    pub kind: MessageKind,
    pub media_id: Option<String>,
    pub comment_id: Option<i64>,
    pub text: String,
}

impl UserMessageRow {
    pub fn to_wire(&self) -> dailies_protocol::UserMessage {
        dailies_protocol::UserMessage {
            id: self.id,
            kind: self.kind.as_str().to_string(),
            media_id: self.media_id.clone().map(MediaId),
            comment_id: self.comment_id.map(dailies_protocol::CommentId),
            text: self.text.clone(),
            seen: self.seen,
            created_at: self.created_at.and_utc().to_rfc3339(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::comments)]
pub struct CommentRow {
    pub id: i64,
    #[diesel(deserialize_as = String)]
    pub media_id: MediaId,
    pub parent_id: Option<i64>,
    #[diesel(deserialize_as = String)]
    pub user_id: UserId,
    pub text: String,
    pub frame: i64,
    pub end_frame: Option<i64>,
    pub drawing: Option<String>,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
    pub deleted: bool,
    pub client_ref: Option<String>,
    pub added_seq: Option<i64>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
    /// The organizer plugin that wrote it through its inbox, if one did.
    pub via_plugin: Option<String>,
    /// The linked subtitle cue as JSON (`SubtitleCue`).
    pub subtitle_cue: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::comments)]
pub struct NewComment {
    #[diesel(serialize_as = String)]
    pub media_id: MediaId,
    pub parent_id: Option<i64>,
    #[diesel(serialize_as = String)]
    pub user_id: UserId,
    pub text: String,
    pub frame: i64,
    pub end_frame: Option<i64>,
    pub drawing: Option<String>,
    /// The sender's own reference, kept a day so a retried `add_comment` is not stored twice.
    pub client_ref: Option<String>,
    /// The room sequence number of the comment's `comment_added` event.
    pub added_seq: Option<i64>,
    pub via_plugin: Option<String>,
    /// The linked subtitle cue as JSON (`SubtitleCue`).
    pub subtitle_cue: Option<String>,
}

/// A subtitle track as stored; its WebVTT file is `file_name` in the media's directory.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::subtitle_tracks)]
pub struct SubtitleTrackRow {
    pub id: i64,
    pub media_id: String,
    pub title: String,
    pub language: Option<String>,
    pub offset_ms: i64,
    pub is_default: bool,
    pub source: String,
    pub file_name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::subtitle_tracks)]
pub struct NewSubtitleTrack {
    pub media_id: String,
    pub title: String,
    pub language: Option<String>,
    pub offset_ms: i64,
    pub is_default: bool,
    pub source: String,
    pub file_name: String,
    pub created_at: NaiveDateTime,
}
