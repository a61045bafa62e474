//! Wire types shared by the Dailies server, the organizer SDK and the web client.
//! Everything here is plain data: serde for JSON, ts-rs for the generated TypeScript.

pub mod ids;
pub mod media;
pub mod messages;
pub mod notify;
pub mod prefs;
pub mod review;
pub mod sharing;
pub mod subtitles;
pub mod timecode;
pub mod ts_export;
pub mod versions;

pub use ids::{CommentId, MediaId, PlaylistId, UserId};
pub use media::{AudioTrack, HdrSource, ImageSequence, MediaInfo, MediaKind, MediaStatus, Rational, SpriteSheet};
pub use messages::{
    ClientMsg, ErrorCode, OrganizerAction, OrganizerActionScope, OrganizerCrumb, OrganizerFolder, ServerMsg, UserInfo,
    MAX_CLIENT_REF,
};
pub use notify::{
    MailMode, NewWebhook, NotifyPref, NotifySettings, NotifySettingsUpdate, WebhookDelivery, WebhookInfo,
};
pub use prefs::{Preferences, PreferencesUpdate, TimeDisplay};
pub use review::{
    CollabAction, CollabState, Comment, Drawing, Member, MemberChange, Point, RoomEvent, SeqEvent, Shape, Tool,
    UserMessage,
};
pub use sharing::{
    AccessLevel, GuestInfo, GuestLinkCreated, GuestLinkInfo, GuestMedia, GuestSessionRequest, KnownUser, LinkAccess,
    NewGuestLink, ReviewStatus, ShareEntry, ShareRole, Sharing, StatusChange, StatusView,
};
pub use subtitles::{SubtitleCue, SubtitleSource, SubtitleTrack, SubtitleTrackEdit};

/// Version of the websocket protocol; bumped on any incompatible change.
pub const PROTOCOL_VERSION: u32 = 2;
pub use versions::{
    CompareAudio, CompareMode, CompareView, Playlist, PlaylistCursor, PlaylistEdit, PlaylistItem, PlaylistLive,
    PlaylistSharing, PlaylistSummary, StackOrder, StackVersion, VersionComment,
};
