// Generated from the Rust crate dailies-protocol. Do not edit by hand:
// run `make ts` (DAILIES_UPDATE_TS=1 cargo test -p dailies-protocol ts_types).

export const PROTOCOL_VERSION = 1;

export type UserId = string;

export type MediaId = string;

export type CommentId = number;

export type MediaStatus = "processing" | "ready" | "failed";

export type MediaKind = "video" | "audio" | "image";

export type Rational = { num: number, den: number, };

export type SpriteSheet = { url: string, columns: number, rows: number, tile_width: number, tile_height: number, times: Array<number>, };

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
created_at: string, };

export type UserInfo = { id: UserId, name: string, is_admin: boolean, };

export type ErrorCode = "bad_message" | "too_large" | "forbidden" | "not_found" | "rate_limited" | "internal";

export type ClientMsg = { "type": "ping", 
/**
 * The client's clock in milliseconds, echoed back.
 */
client_time: number, } | { "type": "list_media", };

export type ServerMsg = { "type": "welcome", protocol_version: number, server_version: string, user: UserInfo, } | { "type": "pong", client_time: number, 
/**
 * Server clock, milliseconds since the Unix epoch.
 */
server_time: number, } | { "type": "error", code: ErrorCode, message: string, 
/**
 * The `type` of the client message this answers, when it could be read.
 */
request: string | null, } | { "type": "media_list", items: Array<MediaInfo>, };
