//! The live session in a room: joining and leaving it, the leader's playback controls and
//! live strokes. Nothing here is stored; the state machine itself is in `collab`.

use super::actor::{now_ms, Room};
use super::collab;
use crate::error::{AppError, AppResult};
use actix::Context;
use dailies_protocol::{CollabAction, ServerMsg, Shape, UserInfo};

impl Room {
    pub(super) fn session_join(&mut self, sid: u64, ctx: &mut Context<Self>) {
        if let Some(p) = self.members.get_mut(&sid) {
            p.in_session = true;
        }
        if !self.collab.active {
            self.collab.active = true;
            self.collab.leader = Some(sid);
            self.collab.at_server_time = now_ms();
        }
        self.collab.version += 1;
        self.broadcast_collab();
        self.presence_changed(ctx);
    }

    pub(super) fn session_leave(&mut self, sid: u64, ctx: &mut Context<Self>) {
        if let Some(p) = self.members.get_mut(&sid) {
            p.in_session = false;
        }
        self.pass_lead(sid);
        self.broadcast_collab();
        self.presence_changed(ctx);
    }

    fn in_session(&self, sid: u64) -> AppResult<()> {
        if self.members.get(&sid).is_some_and(|p| p.in_session) {
            Ok(())
        } else {
            Err(AppError::BadRequest("join the session first".into()))
        }
    }

    pub(super) fn control(&mut self, sid: u64, action: CollabAction, ctx: &mut Context<Self>) -> AppResult<()> {
        self.in_session(sid)?;
        let was_leader = self.collab.leader;
        collab::apply(&mut self.collab, &action, sid, self.fps, self.last_frame, now_ms())
            .map_err(AppError::BadRequest)?;
        self.broadcast_collab();
        if was_leader != self.collab.leader {
            self.presence_changed(ctx);
        }
        Ok(())
    }

    /// Strokes and clears go to the other participants; both need the sender in the
    /// session (one rule: a member who only watches cannot draw or wipe others' strokes).
    pub(super) fn live_stroke(&mut self, sid: u64, user: UserInfo, shape: Shape) -> AppResult<()> {
        self.in_session(sid)?;
        shape.validate().map_err(AppError::BadRequest)?;
        let m = ServerMsg::LiveStroke {
            media_id: self.media_id.clone(),
            session_id: sid,
            user_id: user.id,
            shape,
        };
        self.broadcast_where(&m, |s, p| p.in_session && s != sid);
        Ok(())
    }

    pub(super) fn live_clear(&mut self, sid: u64) -> AppResult<()> {
        self.in_session(sid)?;
        let m = ServerMsg::LiveClear {
            media_id: self.media_id.clone(),
            session_id: sid,
        };
        self.broadcast_where(&m, |s, p| p.in_session && s != sid);
        Ok(())
    }

    /// The lead passes to the longest-present participant; no one left ends the session.
    pub(super) fn pass_lead(&mut self, leaving: u64) {
        if self.collab.leader != Some(leaving) && self.members.values().any(|p| p.in_session) {
            return;
        }
        let next = self.members.iter().find(|(_, p)| p.in_session).map(|(s, _)| *s);
        self.collab.version += 1;
        match next {
            Some(s) => self.collab.leader = Some(s),
            None => {
                let now = now_ms();
                self.collab.frame = collab::frame_at(&self.collab, self.fps, now);
                self.collab.at_server_time = now;
                self.collab.playing = false;
                self.collab.active = false;
                self.collab.leader = None;
            }
        }
    }
}
