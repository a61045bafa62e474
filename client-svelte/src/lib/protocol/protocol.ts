// Generated from the Rust crate dailies-protocol. Do not edit by hand:
// run `make ts` (DAILIES_UPDATE_TS=1 cargo test -p dailies-protocol ts_types).

export const PROTOCOL_VERSION = 2;

export type UserId = string;

export type MediaId = string;

export type CommentId = number;

export type MediaStatus = "processing" | "ready" | "failed";

export type MediaKind = "video" | "audio" | "image";

export type Rational = { num: number, den: number, };

export type HdrSource = { transfer: string, primaries: string | null, dolby_vision_profile: number | null, };

export type ImageSequence = { 
/**
 * The first and last frame numbers of the file names (e.g. 1001 and 1100).
 */
first: number, last: number, 
/**
 * Frame files present.
 */
frames: number, 
/**
 * Runs of missing numbers, each `[first, last]`, in order.
 */
missing: Array<[number, number]>, 
/**
 * The image format, e.g. "dpx" or "exr".
 */
format: string, 
/**
 * Where the frame rate came from: "header" (the first frame's own metadata) or
 * "default" (the server's `transcode.sequence_fps`).
 */
fps_from: string, };

export type AudioTrack = { 
/**
 * 1 for the playback file's sound, then 2, 3… in the source's stream order.
 */
index: number, 
/**
 * The source's `title` tag.
 */
title: string | null, 
/**
 * The source's `language` tag (ISO 639-2, e.g. "eng").
 */
language: string | null, 
/**
 * Channels in the source; what is played is down-mixed to stereo.
 */
channels: number | null, 
/**
 * Where the track's own file is served; null for track 1.
 */
url: string | null, };

export type SpriteSheet = { url: string, columns: number, rows: number, tile_width: number, tile_height: number, times: Array<number>, };

export type LinkAccess = "off" | "view" | "comment";

export type ShareRole = "viewer" | "commenter";

export type AccessLevel = "view" | "comment" | "manage";

export type ReviewStatus = "needs_review" | "in_progress" | "changes_requested" | "approved";

export type PlaylistId = string;

export type StackVersion = { id: MediaId, 
/**
 * 1, 2, … in the stack's order.
 */
version: number, 
/**
 * RFC 3339.
 */
created_at: string, 
/**
 * Processing status of this version.
 */
status: MediaStatus, title: string, };

export type StackOrder = { order: Array<MediaId>, };

export type VersionComment = { version: number, comment: Comment, };

export type CompareMode = "side_by_side" | "wipe" | "overlay";

export type CompareAudio = "this" | "other" | "off";

export type CompareView = { other: MediaId, mode: CompareMode, 
/**
 * 0.0 ..= 1.0, the wipe's position from the left.
 */
wipe: number, 
/**
 * 0.0 ..= 1.0, the other media's opacity in overlay.
 */
opacity: number, audio: CompareAudio, };

export type PlaylistCursor = { playlist_id: PlaylistId, 
/**
 * 0-based position of the current item.
 */
index: number, };

export type PlaylistItem = { media_id: MediaId, 
/**
 * The media, when the caller may view it (else the entry is shown as unavailable).
 */
media: MediaInfo | null, review_status: ReviewStatus | null, 
/**
 * Top-level comments not resolved yet.
 */
open_comments: number, 
/**
 * Whether the playlist's sharing opens this item to those it is shared with (it does
 * for items whoever added them could manage).
 */
shared: boolean, };

export type PlaylistLive = { media_id: MediaId, index: number, };

export type Playlist = { id: PlaylistId, title: string, owner_id: UserId, owner_name: string, 
/**
 * RFC 3339.
 */
created_at: string, updated_at: string, items: Array<PlaylistItem>, 
/**
 * What the caller may do with the playlist (manage: edit and share it).
 */
access: AccessLevel, 
/**
 * The live session running over it, if any: its current media and position.
 */
live: PlaylistLive | null, };

export type PlaylistSummary = { id: PlaylistId, title: string, owner_id: UserId, owner_name: string, item_count: number, updated_at: string, access: AccessLevel, };

export type PlaylistEdit = { title: string, items: Array<MediaId>, };

export type PlaylistSharing = { link_access: LinkAccess, users: Array<ShareEntry>, };

export type MediaInfo = { id: MediaId, title: string, owner_id: UserId, status: MediaStatus, 
/**
 * Why processing failed, in words a person understands.
 */
error: string | null, kind: MediaKind | null, 
/**
 * Duration in seconds.
 */
duration: number | null, 
/**
 * Frames per second as a decimal, for display; `fps_rational` is exact.
 */
fps: number | null, fps_rational: Rational | null, frame_count: number | null, width: number | null, height: number | null, video_codec: string | null, audio_codec: string | null, playback_url: string | null, thumb_url: string | null, sheet: SpriteSheet | null, 
/**
 * 0.0 ..= 1.0 while processing.
 */
progress: number | null, 
/**
 * RFC 3339.
 */
created_at: string, 
/**
 * Where the media is in its review.
 */
review_status: ReviewStatus, 
/**
 * Who else, signed in, may open it from its link.
 */
link_access: LinkAccess, 
/**
 * The source is interlaced: "tff" (top field first) or "bff"; the proxy is
 * deinterlaced at the source's frame rate. Left out for progressive sources.
 */
field_order?: string, 
/**
 * The source is HDR (left out for SDR sources).
 */
hdr?: HdrSource, 
/**
 * Every audio track, when the source has more than one (left out otherwise).
 */
audio_tracks?: Array<AudioTrack>, 
/**
 * The number of the clip's first frame when its source numbers frames (an image
 * sequence's 1001); frame 0 of the timeline is shown as this number. Left out
 * otherwise.
 */
start_frame?: number, 
/**
 * The source was an image sequence (left out otherwise).
 */
sequence?: ImageSequence, 
/**
 * A scrub proxy beside a browser-ready original whose keyframes are far apart: the
 * same frames with the configured short keyframe interval, so seeks and steps decode
 * few frames (left out when there is none).
 */
scrub_url?: string, 
/**
 * A 10-bit HDR proxy (VP9 profile 2 WebM, the source's own transfer and BT.2020) beside
 * the SDR one, for HDR displays (left out when there is none).
 */
hdr_url?: string, 
/**
 * This media's number in its version stack (1 for a media without other versions).
 */
version: number, 
/**
 * Every version of its stack, v1 first (this one among them).
 */
stack: Array<StackVersion>, 
/**
 * The source's own start timecode (`"01:00:00:00"`, `;` before the frames when it
 * counts drop-frame), read at ingest from its tmcd/timecode track or tags: frame 0 is
 * shown as this timecode. Left out when the source states none.
 */
start_timecode?: string, };

export type ShareEntry = { user_id: UserId, user_name?: string, role: ShareRole, };

export type Sharing = { link_access: LinkAccess, users: Array<ShareEntry>, };

export type KnownUser = { id: UserId, name: string, };

export type StatusChange = { status: ReviewStatus, user_id: UserId, user_name: string, 
/**
 * RFC 3339.
 */
at: string, };

export type StatusView = { status: ReviewStatus, history: Array<StatusChange>, };

export type NewGuestLink = { label?: string, password?: string, 
/**
 * RFC 3339.
 */
expires_at?: string, can_comment: boolean, can_download: boolean, };

export type GuestLinkInfo = { id: number, label: string | null, created_at: string, created_by: UserId, expires_at: string | null, 
/**
 * The expiry has passed: the link opens nothing.
 */
expired: boolean, last_used_at: string | null, uses: number, has_password: boolean, can_comment: boolean, can_download: boolean, };

export type GuestLinkCreated = { id: number, 
/**
 * The secret of the link: shown this once, stored only hashed.
 */
token: string, 
/**
 * Relative: `/r/<token>`.
 */
url: string, link: GuestLinkInfo, };

export type GuestSessionRequest = { token: string, name: string, password?: string, };

export type GuestInfo = { name: string, label: string | null, can_comment: boolean, can_download: boolean, 
/**
 * The original file, when `can_download`.
 */
download_url: string | null, };

export type GuestMedia = { media: MediaInfo, guest: GuestInfo, 
/**
 * A playlist's link: the playlist (its items the link opens carry their media; the
 * guest starts on the first, `media`).
 */
playlist?: Playlist, };

export type UserInfo = { id: UserId, name: string, is_admin: boolean, };

export type Tool = "pen" | "line" | "arrow" | "rect" | "ellipse" | "text";

export type Point = { x: number, y: number, };

export type Shape = { tool: Tool, points: Array<Point>, 
/**
 * CSS colour, `#rrggbb`.
 */
color: string, width: number, text: string | null, };

export type Drawing = { shapes: Array<Shape>, };

export type SubtitleSource = "upload" | "embedded";

export type SubtitleTrack = { id: number, media_id: MediaId, title: string, 
/**
 * A BCP 47 or ISO 639 language tag ("en", "fra"), as given or as the source tagged it.
 */
language: string | null, 
/**
 * Added to every cue's times when the track is served (negative: earlier).
 */
offset_ms: number, 
/**
 * Shown when the player opens; at most one track of a media is the default.
 */
is_default: boolean, source: SubtitleSource, 
/**
 * The WebVTT, offset applied, for users; guests use `/api/guest/media/{id}/subtitles/{sid}/vtt`.
 */
vtt_url: string, created_at: string, };

export type SubtitleTrackEdit = { title?: string, 
/**
 * An empty string clears the language.
 */
language?: string, offset_ms?: number, default?: boolean, };

export type SubtitleCue = { track_id: number, start_ms: number, end_ms: number, text: string, };

export type Comment = { id: CommentId, media_id: MediaId, parent_id: CommentId | null, user_id: UserId, user_name: string, 
/**
 * Empty when deleted.
 */
text: string, frame: number, end_frame: number | null, drawing: Drawing | null, created_at: string, edited_at: string | null, 
/**
 * A deleted comment that still has replies stays as a marker.
 */
deleted: boolean, 
/**
 * Written by a guest through a review link (`user_name` is the name they gave).
 */
guest: boolean, 
/**
 * Who marked the note resolved, and when (RFC 3339); null while open.
 */
resolved_by: UserId | null, resolved_by_name: string | null, resolved_at: string | null, 
/**
 * Set instead of `drawing` when the drawing is too large to travel with the comment:
 * fetch it from this address (the same rules as the comment; cache by `edited_at`).
 */
drawing_url?: string, 
/**
 * Written through the organizer plugin (its name): by the plugin itself, or by the plugin
 * for `user_id` (say, notes imported from a tracker).
 */
via_plugin?: string, 
/**
 * The subtitle cue shown when the comment was written, when its author linked it.
 */
subtitle_cue?: SubtitleCue, };

export type RoomEvent = { "kind": "comment_added", comment: Comment, 
/**
 * Echo of the sender's `client_ref`, so it can match its pending comment.
 */
client_ref: string | null, } | { "kind": "comment_edited", comment: Comment, } | { "kind": "comment_deleted", comment_id: CommentId, comment: Comment | null, } | { "kind": "media_renamed", title: string, } | { "kind": "comment_resolved", comment: Comment, } | { "kind": "status_changed", change: StatusChange, };

export type SeqEvent = { seq: number, event: RoomEvent, };

export type Member = { session_id: number, user_id: UserId, user_name: string, in_session: boolean, leader: boolean, };

export type MemberChange = { "type": "member_joined", member: Member, } | { "type": "member_left", session_id: number, } | { "type": "member_changed", member: Member, };

export type CollabState = { active: boolean, leader: number | null, playing: boolean, 
/**
 * The frame at `at_server_time` (when playing, playback runs on from there).
 */
frame: number, 
/**
 * Server clock, ms since the epoch. For a scheduled play it lies slightly ahead.
 */
at_server_time: number, rate: number, 
/**
 * Inclusive frame range looped during playback.
 */
loop_range: [number, number] | null, 
/**
 * Bumped on every change, so clients ignore stale states.
 */
version: number, 
/**
 * Presenter mode: only the leader controls playback; others ask with `request_lead`
 * (the media's owner and admins may still take over).
 */
locked: boolean, 
/**
 * The session compares the room's media with another (everyone sees the same pair,
 * mode and wipe position).
 */
compare?: CompareView, 
/**
 * The session runs over a playlist and this room's media is its current item.
 */
playlist?: PlaylistCursor, };

export type CollabAction = { "action": "play", frame: number, } | { "action": "pause", frame: number, } | { "action": "seek", frame: number, } | { "action": "rate", rate: number, } | { "action": "loop", range: [number, number] | null, } | { "action": "take_lead", } | { "action": "lock", locked: boolean, } | { "action": "compare", view: CompareView | null, } | { "action": "goto", playlist_id: PlaylistId, index: number, };

export type UserMessage = { id: number, 
/**
 * `reply`, `comment`, `media_ready`, `media_failed`, `organizer`, `shared`,
 * `comment_resolved`, `new_version`, `status_changed`, `guest_comment`,
 * `live_session_started`: the personal kinds of the notification events.
 */
kind: string, media_id: MediaId | null, comment_id: CommentId | null, text: string, seen: boolean, created_at: string, };

export type MailMode = "now" | "hourly" | "daily" | "never";

export type NotifyPref = { 
/**
 * `reply`, `comment_added`, `shared`… (every kind that tells people).
 */
kind: string, mode: MailMode, 
/**
 * How the settings page names it (answers only).
 */
label?: string, };

export type NotifySettings = { 
/**
 * Where mail goes; null: no mail.
 */
email: string | null, 
/**
 * The address comes from the sign-in (the proxy), and cannot be changed here.
 */
email_from_proxy: boolean, 
/**
 * The server can send mail (SMTP is configured).
 */
mail_enabled: boolean, prefs: Array<NotifyPref>, };

export type NotifySettingsUpdate = { 
/**
 * A new address; `""` removes it; absent leaves it.
 */
email?: string, 
/**
 * Modes to set; kinds not listed keep theirs.
 */
prefs: Array<NotifyPref>, };

export type TimeDisplay = "source" | "zero" | "frames" | "seconds";

export type Preferences = { time_display: TimeDisplay, 
/**
 * What frame-number display calls the first frame (1001 as VFX shots count); null: the
 * source's own numbering (0, or an image sequence's first file number).
 */
first_frame: number | null, };

export type PreferencesUpdate = { time_display?: TimeDisplay, 
/**
 * A number sets it; `null` goes back to the source's numbering; absent keeps it.
 */
first_frame?: number | null, };

export type NewWebhook = { url: string, 
/**
 * Key of the `Dailies-Signature` HMAC; stored as given (signing needs it), never shown.
 */
secret: string, 
/**
 * Event names; empty for all.
 */
events: Array<string>, 
/**
 * `json` (default) or `slack`.
 */
format?: string, };

export type WebhookInfo = { id: number, url: string, events: Array<string>, format: string, 
/**
 * `config` (a `[[webhook]]` table: change it there) or `api`.
 */
source: string, has_secret: boolean, created_at: string, };

export type WebhookDelivery = { id: string, endpoint_id: number, event: string, 
/**
 * `pending`, `delivered` or `failed`.
 */
state: string, attempts: number, created_at: string, 
/**
 * When the next attempt is due (pending only).
 */
next_at: string | null, done_at: string | null, last_status: number | null, last_error: string | null, };

export type ErrorCode = "bad_message" | "too_large" | "forbidden" | "not_found" | "rate_limited" | "quota_exceeded" | "unavailable" | "internal";

export type OrganizerCrumb = { label: string, path: string, };

export type OrganizerFolder = { 
/**
 * The plugin's id, for action arguments.
 */
id: string, name: string, 
/**
 * The page to open for it.
 */
path: string, item_count: number, };

export type OrganizerActionScope = "page" | "folder" | "media";

export type OrganizerAction = { command: string, label: string, scope: OrganizerActionScope, args: Record<string, unknown>, prompt: Array<string>, };

export type ClientMsg = { "type": "ping", 
/**
 * The client's clock in milliseconds, echoed back.
 */
client_time: number, } | { "type": "list_media", } | { "type": "rename_media", media_id: MediaId, title: string, } | { "type": "delete_media", media_id: MediaId, } | { "type": "join_room", media_id: MediaId, since_seq: number | null, } | { "type": "leave_room", media_id: MediaId, } | { "type": "load_comments", media_id: MediaId, before: CommentId, } | { "type": "room_events_ack", media_id: MediaId, seq: number, } | { "type": "add_comment", media_id: MediaId, text: string, frame: number, end_frame: number | null, parent_id: CommentId | null, drawing: Drawing | null, 
/**
 * Chosen by the client, echoed in `comment_added`.
 */
client_ref: string | null, 
/**
 * The subtitle cue on screen, when the author links the comment to it.
 */
subtitle_cue?: SubtitleCue, } | { "type": "edit_comment", comment_id: CommentId, text: string, drawing: Drawing | null, } | { "type": "delete_comment", comment_id: CommentId, } | { "type": "resolve_comment", comment_id: CommentId, resolved: boolean, } | { "type": "session_join", media_id: MediaId, } | { "type": "session_leave", media_id: MediaId, } | { "type": "session_control", media_id: MediaId, control: CollabAction, } | { "type": "live_stroke", media_id: MediaId, shape: Shape, } | { "type": "live_clear", media_id: MediaId, all: boolean, } | { "type": "request_lead", media_id: MediaId, } | { "type": "grant_lead", media_id: MediaId, session_id: number, } | { "type": "decline_lead", media_id: MediaId, session_id: number, } | { "type": "laser", media_id: MediaId, x: number, y: number, } | { "type": "list_messages", } | { "type": "mark_messages_seen", ids: Array<number>, } | { "type": "organizer_page", path: string, } | { "type": "organizer_command", name: string, 
/**
 * Any JSON; an action's preset `args` merged with what the user entered.
 */
args: unknown, 
/**
 * The page the client shows, for the plugin's context.
 */
path: string | null, 
/**
 * Chosen by the client, echoed in the result.
 */
client_ref: string | null, };

export type ServerMsg = { "type": "welcome", protocol_version: number, server_version: string, user: UserInfo, } | { "type": "pong", client_time: number, 
/**
 * Server clock, milliseconds since the Unix epoch.
 */
server_time: number, } | { "type": "error", code: ErrorCode, message: string, 
/**
 * The `type` of the client message this answers, when it could be read.
 */
request: string | null, 
/**
 * The `client_ref` of the message this answers (`add_comment`,
 * `organizer_command`), so the client knows exactly which request failed.
 * Left out when the request had none.
 */
client_ref?: string, } | { "type": "media_list", items: Array<MediaInfo>, } | { "type": "media_updated", media: MediaInfo, } | { "type": "media_progress", media_id: MediaId, progress: number, stage: string, } | { "type": "media_removed", media_id: MediaId, } | { "type": "room_joined", media: MediaInfo, comments: Array<Comment> | null, comments_before: CommentId | null, resync: boolean, members: Array<Member>, member_count: number, collab: CollabState, 
/**
 * The room's current sequence number.
 */
seq: number, 
/**
 * This connection's id within rooms (to recognise oneself in `members`).
 */
session_id: number, 
/**
 * What the caller may do here (a viewer cannot comment or join live sessions).
 */
access: AccessLevel, } | { "type": "access_changed", media_id: MediaId, access: AccessLevel, } | { "type": "room_event", media_id: MediaId, seq: number, event: RoomEvent, } | { "type": "room_events", media_id: MediaId, events: Array<SeqEvent>, more: boolean, } | { "type": "comments_page", media_id: MediaId, comments: Array<Comment>, before: CommentId | null, } | { "type": "presence_delta", media_id: MediaId, changes: Array<MemberChange>, member_count: number, } | { "type": "collab", media_id: MediaId, state: CollabState, } | { "type": "session_moved", media_id: MediaId, to: MediaId, playlist_id: PlaylistId, index: number, frame: number, } | { "type": "live_stroke", media_id: MediaId, session_id: number, user_id: UserId, shape: Shape, } | { "type": "live_clear", media_id: MediaId, session_id: number, all: boolean, } | { "type": "lead_requested", media_id: MediaId, session_id: number, user: UserInfo, } | { "type": "lead_request_closed", media_id: MediaId, session_id: number, granted: boolean, } | { "type": "laser", media_id: MediaId, session_id: number, user_name: string, x: number, y: number, } | { "type": "session_notice", media_id: MediaId, message: string, } | { "type": "room_closed", media_id: MediaId, reason: string, } | { "type": "user_messages", items: Array<UserMessage>, unseen: number, } | { "type": "user_message_added", message: UserMessage, } | { "type": "messages_seen", ids: Array<number>, unseen: number, } | { "type": "organizer_page_view", 
/**
 * The canonical path of the page (send it back to reload).
 */
path: string, title: string, breadcrumbs: Array<OrganizerCrumb>, folders: Array<OrganizerFolder>, media: Array<MediaInfo>, actions: Array<OrganizerAction>, 
/**
 * The plugin that made the page; null for the built-in flat library (no plugin,
 * or the plugin is down).
 */
plugin: string | null, } | { "type": "organizer_command_result", name: string, client_ref: string | null, result: unknown, 
/**
 * Reload the page shown.
 */
refresh: boolean, } | { "type": "organizer_refresh", } | { "type": "organizer_open", media_id?: MediaId, frame?: number, path?: string, };
