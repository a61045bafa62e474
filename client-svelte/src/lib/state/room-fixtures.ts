// Test fixtures of a review room (for the specs only): a media, an idle collab state, a
// comment and a member, each with what a test wants changed.
import type { CollabState, Comment, MediaInfo, Member } from '../protocol/protocol';

export const media: MediaInfo = {
  id: 'm1', title: 'clip', owner_id: 'alice', status: 'ready', error: null, kind: 'video', duration: 4,
  fps: 25, fps_rational: { num: 25, den: 1 }, frame_count: 100, width: 320, height: 240, video_codec: 'h264',
  audio_codec: 'aac', playback_url: '/files/m1/proxy.mp4', thumb_url: null, sheet: null, progress: null,
  created_at: '2026-01-01T00:00:00Z', review_status: 'needs_review', link_access: 'off', version: 1, stack: [],
};

export const collab: CollabState = { active: false, leader: null, playing: false, frame: 0, at_server_time: 0, rate: 1, loop_range: null, version: 0, locked: false };

export function comment(id: number, frame: number, extra: Partial<Comment> = {}): Comment {
  return {
    id, media_id: 'm1', parent_id: null, user_id: 'bob', user_name: 'Bob', text: `c${id}`, frame, end_frame: null,
    drawing: null, created_at: '', edited_at: null, deleted: false, guest: false, resolved_by: null, resolved_by_name: null,
    resolved_at: null, ...extra,
  };
}

export function member(session_id: number, name: string, extra: Partial<Member> = {}): Member {
  return { session_id, user_id: name.toLowerCase(), user_name: name, in_session: false, leader: false, ...extra };
}
