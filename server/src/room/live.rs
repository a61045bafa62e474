//! The live session in a room: joining and leaving it, the leader's playback controls,
//! presenter mode (the lock, requests for the lead), live strokes and the laser pointer.
//! Nothing here is stored; the state machine itself is in `collab`.

use super::actor::{now_ms, Room};
use super::collab;
use super::hub::Push;
use crate::error::{AppError, AppResult};
use actix::{AsyncContext, Context};
use dailies_protocol::{CollabAction, MediaInfo, PlaylistCursor, ServerMsg, Shape, UserInfo};
use std::time::{Duration, Instant};

/// Laser points of one member that reach the others: 30 a second, with a burst of 2 so a
/// client sending at that rate with some jitter is not held back; points beyond are
/// coalesced, the latest wins.
pub const LASER_PER_SEC: f64 = 30.0;
pub const LASER_BURST: f64 = 2.0;

/// A member's laser pointer: a token bucket, and the point waiting for a token.
pub struct Laser {
    tokens: f64,
    at: Instant,
    pending: Option<(f32, f32)>,
    scheduled: bool,
}

impl Default for Laser {
    fn default() -> Self {
        Laser {
            tokens: LASER_BURST,
            at: Instant::now(),
            pending: None,
            scheduled: false,
        }
    }
}

impl Laser {
    /// Refills the bucket; answers how long until a point may go out (zero: now).
    fn wait(&mut self) -> Duration {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * LASER_PER_SEC).min(LASER_BURST);
        self.at = now;
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / LASER_PER_SEC)
        }
    }
}

impl Room {
    pub(super) fn session_join(&mut self, sid: u64, ctx: &mut Context<Self>) {
        if let Some(p) = self.members.get_mut(&sid) {
            p.in_session = true;
        }
        if !self.collab.active {
            self.collab.active = true;
            self.collab.leader = Some(sid);
            self.collab.at_server_time = now_ms();
            self.session_started(sid);
        }
        self.collab.version += 1;
        self.broadcast_collab();
        self.presence_changed(ctx);
    }

    /// The owner hears that a live session began on their media (unless they began it).
    fn session_started(&self, sid: u64) {
        let Some(p) = self.members.get(&sid) else { return };
        let media = crate::notify::MediaRef {
            id: self.media_id.clone(),
            title: self.title.clone(),
        };
        let event = crate::notify::Event::live_session_started(media, &self.owner, &p.user);
        let (db, notifier) = (self.db.clone(), self.notifier.clone());
        actix::spawn(async move { notifier.record(&db, vec![event]).await });
    }

    pub(super) fn session_leave(&mut self, sid: u64, ctx: &mut Context<Self>) {
        if let Some(p) = self.members.get_mut(&sid) {
            p.in_session = false;
        }
        self.forget_live(sid);
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

    /// The media's owner and admins may take over a locked session.
    fn may_override(&self, sid: u64) -> Option<&'static str> {
        let p = self.members.get(&sid)?;
        if p.user.id == self.owner {
            Some("the media's owner")
        } else if p.user.is_admin {
            Some("an admin")
        } else {
            None
        }
    }

    /// Whether `sid` may control the session now; answers the role by which it takes over a
    /// locked session, if it does.
    fn may_control(&self, sid: u64, locking: bool) -> AppResult<Option<&'static str>> {
        self.in_session(sid)?;
        if self.collab.leader == Some(sid) {
            return Ok(None);
        }
        let overrides = self.may_override(sid);
        if self.collab.locked {
            if overrides.is_none() {
                return Err(AppError::Forbidden(
                    "the presenter has locked the session: raise your hand to ask for the lead".into(),
                ));
            }
            return Ok(overrides);
        }
        if locking && overrides.is_none() {
            return Err(AppError::Forbidden(
                "only the leader locks or unlocks the session: take the lead first".into(),
            ));
        }
        Ok(None)
    }

    /// The leader moves a playlist session to `to`, the item at `cursor`: on this media the
    /// state just gains the cursor; to another, the hub seeds that room's session with the
    /// same leader on the first frame before the members here are told to follow, so they
    /// find it running when they arrive.
    pub(super) fn goto(
        &mut self,
        sid: u64,
        to: MediaInfo,
        cursor: PlaylistCursor,
        ctx: &mut Context<Self>,
    ) -> AppResult<()> {
        self.may_control(sid, false)?;
        let was_leader = self.collab.leader;
        self.hub_live(&to.id, &cursor);
        if to.id == self.media_id {
            self.collab.playlist = Some(cursor);
            self.collab.leader = Some(sid);
            self.collab.version += 1;
            self.broadcast_collab();
            if was_leader != self.collab.leader {
                self.lead_moved();
                self.presence_changed(ctx);
            }
            return Ok(());
        }
        let members = self
            .members
            .iter()
            .filter(|(_, p)| p.in_session)
            .map(|(id, _)| *id)
            .collect();
        let seed = super::actor::Seed {
            leader: sid,
            members,
            rate: self.collab.rate,
            locked: self.collab.locked,
            playlist: cursor.clone(),
        };
        self.seed_room(to.clone(), seed);
        let moved = ServerMsg::SessionMoved {
            media_id: self.media_id.clone(),
            to: to.id.clone(),
            playlist_id: cursor.playlist_id.clone(),
            index: cursor.index,
            frame: 0,
        };
        self.broadcast_where(&moved, |_, p| p.in_session);
        // This room's session is over for the playlist; whoever stays keeps watching.
        self.collab.playlist = None;
        self.collab.playing = false;
        self.collab.version += 1;
        self.broadcast_collab();
        Ok(())
    }

    pub(super) fn control(&mut self, sid: u64, action: CollabAction, ctx: &mut Context<Self>) -> AppResult<()> {
        let was_leader = self.collab.leader;
        let took_over = self.may_control(sid, matches!(action, CollabAction::Lock { .. }))?;
        collab::apply(&mut self.collab, &action, sid, self.fps, self.last_frame, now_ms())
            .map_err(AppError::BadRequest)?;
        self.broadcast_collab();
        if let Some(role) = took_over {
            let name = self.members.get(&sid).map(|p| p.user.name.clone()).unwrap_or_default();
            tracing::info!(media_id = %self.media_id, session = sid, "{name} ({role}) took over a locked session");
            let notice = ServerMsg::SessionNotice {
                media_id: self.media_id.clone(),
                message: format!("{name} ({role}) took over the locked session"),
            };
            self.broadcast_where(&notice, |_, p| p.in_session);
        }
        if was_leader != self.collab.leader {
            self.lead_moved();
            self.presence_changed(ctx);
        }
        Ok(())
    }

    /// Asks the leader for the lead; a second ask while one waits changes nothing.
    pub(super) fn request_lead(&mut self, sid: u64) -> AppResult<()> {
        self.in_session(sid)?;
        if self.collab.leader == Some(sid) || self.lead_requests.contains(&sid) {
            return Ok(());
        }
        self.lead_requests.push(sid);
        if let Some(leader) = self.collab.leader {
            self.tell_request(leader, sid);
        }
        Ok(())
    }

    /// The leader hands the lead over (`grant`) or declines the request of `to`.
    pub(super) fn answer_lead(&mut self, sid: u64, to: u64, grant: bool, ctx: &mut Context<Self>) -> AppResult<()> {
        self.in_session(sid)?;
        if self.collab.leader != Some(sid) {
            return Err(AppError::Forbidden(
                "only the leader answers requests for the lead".into(),
            ));
        }
        if to == sid {
            return Ok(());
        }
        if !grant {
            self.close_request(to, false);
            return Ok(());
        }
        if !self.members.get(&to).is_some_and(|p| p.in_session) {
            return Err(AppError::BadRequest("that member is not in the live session".into()));
        }
        self.close_request(to, true);
        // Playback goes on exactly where it is: only the leader changes.
        self.collab.leader = Some(to);
        self.collab.version += 1;
        self.broadcast_collab();
        self.lead_moved();
        self.presence_changed(ctx);
        Ok(())
    }

    /// Tells the leader of a waiting request.
    fn tell_request(&self, leader: u64, from: u64) {
        let (Some(l), Some(p)) = (self.members.get(&leader), self.members.get(&from)) else {
            return;
        };
        let m = ServerMsg::LeadRequested {
            media_id: self.media_id.clone(),
            session_id: from,
            user: p.user.clone(),
        };
        if let Some(push) = Push::msg(&m) {
            l.recipient.do_send(push);
        }
    }

    /// Ends a waiting request and tells the one who asked and the leader.
    fn close_request(&mut self, from: u64, granted: bool) {
        let before = self.lead_requests.len();
        self.lead_requests.retain(|s| *s != from);
        if self.lead_requests.len() == before {
            return;
        }
        let m = ServerMsg::LeadRequestClosed {
            media_id: self.media_id.clone(),
            session_id: from,
            granted,
        };
        let Some(push) = Push::msg(&m) else { return };
        for s in [Some(from), self.collab.leader.filter(|l| *l != from)]
            .into_iter()
            .flatten()
        {
            if let Some(p) = self.members.get(&s) {
                p.recipient.do_send(push.clone());
            }
        }
    }

    /// A new leader: its own request is over, and it hears of those still waiting.
    fn lead_moved(&mut self) {
        let Some(leader) = self.collab.leader else {
            return;
        };
        self.close_request(leader, true);
        for from in self.lead_requests.clone() {
            self.tell_request(leader, from);
        }
    }

    /// Someone left the session: its request and its laser are gone.
    pub(super) fn forget_live(&mut self, sid: u64) {
        self.close_request(sid, false);
        self.lasers.remove(&sid);
    }

    /// A laser point from `sid`: sent at once while its bucket has a token, else when the
    /// next token comes (the latest point then).
    pub(super) fn laser(&mut self, sid: u64, x: f32, y: f32, ctx: &mut Context<Self>) -> AppResult<()> {
        self.in_session(sid)?;
        if !(x.is_finite() && y.is_finite()) || x.abs() > 4.0 || y.abs() > 4.0 {
            return Err(AppError::BadRequest(
                "laser points must be finite and near the frame (-4..4)".into(),
            ));
        }
        let l = self.lasers.entry(sid).or_default();
        l.pending = Some((x, y));
        if l.scheduled {
            return Ok(());
        }
        self.laser_due(sid, ctx);
        Ok(())
    }

    /// Sends `sid`'s waiting point if its bucket has a token, else asks again when it will.
    fn laser_due(&mut self, sid: u64, ctx: &mut Context<Self>) {
        let Some(l) = self.lasers.get_mut(&sid) else { return };
        let wait = l.wait();
        if wait.is_zero() {
            l.scheduled = false;
            self.send_laser(sid);
        } else {
            l.scheduled = true;
            ctx.run_later(wait, move |act, ctx| act.laser_due(sid, ctx));
        }
    }

    fn send_laser(&mut self, sid: u64) {
        let Some(l) = self.lasers.get_mut(&sid) else { return };
        let Some((x, y)) = l.pending.take() else { return };
        l.tokens -= 1.0;
        let Some(p) = self.members.get(&sid).filter(|p| p.in_session) else {
            return;
        };
        let m = ServerMsg::Laser {
            media_id: self.media_id.clone(),
            session_id: sid,
            user_name: p.user.name.clone(),
            x,
            y,
        };
        self.broadcast_where(&m, |s, p| p.in_session && s != sid);
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

    /// Clears one's own ink, or (`all`: the leader, the owner, admins) everyone's.
    pub(super) fn live_clear(&mut self, sid: u64, all: bool) -> AppResult<()> {
        self.in_session(sid)?;
        if all && self.collab.leader != Some(sid) && self.may_override(sid).is_none() {
            return Err(AppError::Forbidden("only the leader clears everyone's ink".into()));
        }
        let m = ServerMsg::LiveClear {
            media_id: self.media_id.clone(),
            session_id: sid,
            all,
        };
        self.broadcast_where(&m, |s, p| p.in_session && s != sid);
        Ok(())
    }

    /// The lead passes to the longest-present participant, unlocked (the presenter is gone);
    /// no one left ends the session.
    pub(super) fn pass_lead(&mut self, leaving: u64) {
        if self.collab.leader != Some(leaving) && self.members.values().any(|p| p.in_session) {
            return;
        }
        let next = self.members.iter().find(|(_, p)| p.in_session).map(|(s, _)| *s);
        self.collab.version += 1;
        self.collab.locked = false;
        match next {
            Some(s) => {
                self.collab.leader = Some(s);
                self.lead_moved();
            }
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
