//! `Room`: one actor per media file under review. It owns who is present, the sequence of
//! room events, the collaborative playback state and live strokes; comments go to SQLite
//! first and are broadcast after the commit, in sequence order.

use super::collab;
use super::hub::{Hub, Push, RoomEmpty, RoomStopped, SendToUser};
use crate::db::comments as cq;
use crate::db::models::{NewComment, NewUserMessage};
use crate::db::{queries, Db};
use crate::error::{AppError, AppResult};
use crate::organizer::OrganizerHandle;
use crate::room::MAILBOX;
use actix::prelude::*;
use dailies_protocol::review::MAX_COMMENT_LEN;
use dailies_protocol::{
    CollabAction, CollabState, Comment, CommentId, Drawing, MediaId, MediaInfo, Member, Rational, RoomEvent, ServerMsg,
    Shape, UserId, UserInfo,
};
use std::collections::BTreeMap;

/// A reconnecting client further behind than this gets the full state instead.
pub const MAX_CATCH_UP: i64 = 1000;

struct Present {
    user: UserInfo,
    recipient: Recipient<Push>,
    in_session: bool,
}

pub struct Room {
    media_id: MediaId,
    title: String,
    owner: UserId,
    fps: Option<Rational>,
    last_frame: Option<i64>,
    db: Db,
    hub: Addr<Hub>,
    organizer: OrganizerHandle,
    seq: i64,
    members: BTreeMap<u64, Present>,
    collab: CollabState,
}

fn now_ms() -> f64 {
    chrono::Utc::now().timestamp_micros() as f64 / 1000.0
}

impl Room {
    pub fn new(media: &MediaInfo, db: Db, hub: Addr<Hub>, organizer: OrganizerHandle) -> Self {
        Room {
            media_id: media.id.clone(),
            title: media.title.clone(),
            owner: media.owner_id.clone(),
            fps: media.fps_rational,
            last_frame: media.frame_count.map(|n| n - 1),
            db,
            hub,
            organizer,
            seq: 0,
            members: BTreeMap::new(),
            collab: collab::idle(),
        }
    }

    fn members_list(&self) -> Vec<Member> {
        self.members
            .iter()
            .map(|(sid, p)| Member {
                session_id: *sid,
                user_id: p.user.id.clone(),
                user_name: p.user.name.clone(),
                in_session: p.in_session,
                leader: self.collab.leader == Some(*sid),
            })
            .collect()
    }

    fn broadcast(&self, msg: &ServerMsg) {
        self.broadcast_where(msg, |_, _| true);
    }

    fn broadcast_where(&self, msg: &ServerMsg, pred: impl Fn(u64, &Present) -> bool) {
        let Some(push) = Push::msg(msg) else { return };
        for (sid, p) in &self.members {
            if pred(*sid, p) {
                // The session moves it into its bounded outgoing queue at once; a client
                // that cannot keep up is dropped there, so nothing piles up here.
                p.recipient.do_send(push.clone());
            }
        }
    }

    fn broadcast_presence(&self) {
        self.broadcast(&ServerMsg::Presence {
            media_id: self.media_id.clone(),
            members: self.members_list(),
        });
    }

    fn broadcast_collab(&self) {
        self.broadcast(&ServerMsg::Collab {
            media_id: self.media_id.clone(),
            state: self.collab.clone(),
        });
    }

    fn emit(&mut self, seq: i64, event: RoomEvent) {
        self.seq = self.seq.max(seq);
        self.broadcast(&ServerMsg::RoomEvent {
            media_id: self.media_id.clone(),
            seq,
            event,
        });
    }

    /// Writes `f`'s change and its event in one transaction, then broadcasts the event.
    /// Runs under `ctx.wait`, so sequence numbers and broadcasts keep their order.
    fn commit<F>(&mut self, ctx: &mut Context<Self>, f: F) -> ResponseActFuture<Self, AppResult<()>>
    where
        F: FnOnce(&mut crate::db::Conn, i64) -> AppResult<(RoomEvent, Vec<NewUserMessage>)> + Send + 'static,
    {
        let _ = ctx;
        let db = self.db.clone();
        let seq = self.seq + 1;
        let mid = self.media_id.0.clone();
        Box::pin(
            async move {
                db.run(move |c| {
                    use diesel::Connection;
                    c.transaction(|c| {
                        let (event, notes) = f(c, seq)?;
                        cq::append_event(c, &mid, seq, &event)?;
                        let mut stored = Vec::new();
                        for n in &notes {
                            stored.push(queries::insert_user_message(c, n)?);
                        }
                        Ok::<_, AppError>((event, stored))
                    })
                })
                .await
            }
            .into_actor(self)
            .map(move |res, act, _| {
                let (event, notes) = res?;
                if let RoomEvent::CommentAdded { comment, .. } = &event {
                    act.organizer.notify(crate::organizer::comment_added(comment));
                }
                act.emit(seq, event);
                for n in notes {
                    act.hub.do_send(SendToUser {
                        user: UserId(n.user_id.clone()),
                        msg: ServerMsg::UserMessageAdded { message: n.to_wire() },
                    });
                }
                Ok(())
            }),
        )
    }

    fn leave(&mut self, session_id: u64, ctx: &mut Context<Self>) {
        let Some(p) = self.members.remove(&session_id) else {
            return;
        };
        if p.in_session || self.collab.leader == Some(session_id) {
            self.pass_lead(session_id);
            self.broadcast_collab();
        }
        self.broadcast_presence();
        if self.members.is_empty() {
            self.hub.do_send(RoomEmpty {
                media_id: self.media_id.clone(),
                room: ctx.address(),
            });
        }
    }

    /// The lead passes to the longest-present participant; no one left ends the session.
    fn pass_lead(&mut self, leaving: u64) {
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

impl Actor for Room {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // The room outlives bursts of traffic; senders must not be refused for a full mailbox.
        ctx.set_mailbox_capacity(MAILBOX);
        let db = self.db.clone();
        let mid = self.media_id.0.clone();
        async move { db.run(move |c| cq::last_seq(c, &mid)).await }
            .into_actor(self)
            .map(|res, act, ctx| match res {
                Ok(s) => act.seq = s,
                Err(e) => {
                    tracing::error!(media_id = %act.media_id, "cannot open room: {e}");
                    ctx.stop();
                }
            })
            .wait(ctx);
    }
}

/// Enter the room. Answers `room_joined` and, when catching up, the missed events.
#[derive(Message)]
#[rtype(result = "AppResult<Vec<ServerMsg>>")]
pub struct Join {
    pub session_id: u64,
    pub user: UserInfo,
    pub recipient: Recipient<Push>,
    pub media: MediaInfo,
    pub since_seq: Option<i64>,
}

impl Handler<Join> for Room {
    // Atomic: no event can be committed between reading the state and joining.
    type Result = AtomicResponse<Self, AppResult<Vec<ServerMsg>>>;

    fn handle(&mut self, msg: Join, _: &mut Context<Self>) -> Self::Result {
        let db = self.db.clone();
        let mid = self.media_id.0.clone();
        let current = self.seq;
        let catch_up = msg
            .since_seq
            .filter(|s| *s >= 0 && *s <= current && current - *s <= MAX_CATCH_UP);
        AtomicResponse::new(Box::pin(
            async move {
                match catch_up {
                    Some(since) => db
                        .run(move |c| cq::events_since(c, &mid, since, MAX_CATCH_UP))
                        .await
                        .map(|e| (None, e)),
                    None => db.run(move |c| cq::list(c, &mid)).await.map(|c| (Some(c), Vec::new())),
                }
            }
            .into_actor(self)
            .map(move |res, act, _| {
                let (comments, missed) = res?;
                act.members.insert(
                    msg.session_id,
                    Present {
                        user: msg.user,
                        recipient: msg.recipient,
                        in_session: false,
                    },
                );
                // Events committed while we were reading are delivered as live events.
                let mut out = vec![ServerMsg::RoomJoined {
                    media: msg.media,
                    comments,
                    members: act.members_list(),
                    collab: act.collab.clone(),
                    seq: act.seq,
                    session_id: msg.session_id,
                }];
                out.extend(missed.into_iter().filter(|(s, _)| *s <= act.seq).map(|(seq, event)| {
                    ServerMsg::RoomEvent {
                        media_id: act.media_id.clone(),
                        seq,
                        event,
                    }
                }));
                act.broadcast_presence();
                Ok(out)
            }),
        ))
    }
}

/// Leave the room (or the connection ended).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Leave {
    pub session_id: u64,
}

impl Handler<Leave> for Room {
    type Result = ();
    fn handle(&mut self, msg: Leave, ctx: &mut Context<Self>) {
        self.leave(msg.session_id, ctx);
    }
}

/// A comment (or reply) a member adds, as sent, before the room checks it.
#[derive(Debug)]
pub struct CommentDraft {
    pub text: String,
    pub frame: i64,
    pub end_frame: Option<i64>,
    pub parent_id: Option<CommentId>,
    pub drawing: Option<Drawing>,
    pub client_ref: Option<String>,
}

/// What a member asks the room to do.
#[derive(Debug)]
pub enum RoomCmd {
    AddComment(CommentDraft),
    EditComment {
        comment_id: CommentId,
        text: String,
        drawing: Option<Drawing>,
    },
    DeleteComment {
        comment_id: CommentId,
    },
    SessionJoin,
    SessionLeave,
    Control(CollabAction),
    LiveStroke(Shape),
    LiveClear,
}

#[derive(Message)]
#[rtype(result = "AppResult<()>")]
pub struct Command {
    pub session_id: u64,
    pub user: UserInfo,
    pub cmd: RoomCmd,
}

fn check_text(text: &str) -> AppResult<String> {
    let t = text.trim();
    if t.chars().count() > MAX_COMMENT_LEN {
        return Err(AppError::BadRequest(format!(
            "a comment holds at most {MAX_COMMENT_LEN} characters"
        )));
    }
    Ok(t.to_string())
}

fn check_drawing(d: &Option<Drawing>) -> AppResult<Option<String>> {
    match d {
        None => Ok(None),
        Some(d) if d.shapes.is_empty() => Ok(None),
        Some(d) => {
            d.validate().map_err(AppError::BadRequest)?;
            serde_json::to_string(d).map(Some).map_err(AppError::internal)
        }
    }
}

fn snippet(t: &str) -> String {
    let s: String = t.chars().take(80).collect();
    if s.len() < t.len() {
        format!("{s}…")
    } else {
        s
    }
}

impl Room {
    fn add_comment(
        &mut self,
        user: UserInfo,
        new: CommentDraft,
        ctx: &mut Context<Self>,
    ) -> ResponseActFuture<Self, AppResult<()>> {
        let CommentDraft {
            text,
            frame,
            end_frame,
            parent_id,
            drawing,
            client_ref,
        } = new;
        let prepared = (|| {
            let text = check_text(&text)?;
            let drawing = check_drawing(&drawing)?;
            if text.is_empty() && drawing.is_none() {
                return Err(AppError::BadRequest("a comment needs text or a drawing".into()));
            }
            if frame < 0 || end_frame.is_some_and(|e| e < frame) {
                return Err(AppError::BadRequest(
                    "frames must satisfy 0 <= frame <= end_frame".into(),
                ));
            }
            if let Some(last) = self.last_frame.filter(|l| *l >= 0 && parent_id.is_none()) {
                if frame > last || end_frame.is_some_and(|e| e > last) {
                    return Err(AppError::BadRequest(format!("the media has frames 0 to {last}")));
                }
            }
            if client_ref
                .as_ref()
                .is_some_and(|r| r.len() > dailies_protocol::MAX_CLIENT_REF)
            {
                let limit = dailies_protocol::MAX_CLIENT_REF;
                return Err(AppError::BadRequest(format!("client_ref is at most {limit} bytes")));
            }
            Ok((text, drawing))
        })();
        let (text, drawing) = match prepared {
            Ok(p) => p,
            Err(e) => return Box::pin(fut::ready(Err(e))),
        };
        let (mid, owner, title) = (self.media_id.0.clone(), self.owner.0.clone(), self.title.clone());
        self.commit(ctx, move |c, _seq| {
            let parent = match parent_id {
                Some(p) => {
                    let parent = cq::get(c, p.0)?.filter(|pc| pc.media_id.0 == mid);
                    Some(parent.ok_or_else(|| AppError::NotFound("the comment replied to does not exist".into()))?)
                }
                None => None,
            };
            // Replies sit at their parent's frame, so threads stay together on the timeline.
            let (frame, end_frame) = match &parent {
                Some(p) => (p.frame, p.end_frame),
                None => (frame, end_frame),
            };
            let row = NewComment {
                media_id: mid.clone(),
                parent_id: parent.as_ref().map(|p| p.id.0 as i32),
                user_id: user.id.0.clone(),
                text: text.clone(),
                frame,
                end_frame,
                drawing,
            };
            let comment = cq::insert(c, &row)?;
            let mut notes = Vec::new();
            let note = |to: &str, kind: &str, what: String| NewUserMessage {
                user_id: to.to_string(),
                kind: kind.to_string(),
                media_id: Some(mid.clone()),
                comment_id: Some(comment.id.0 as i32),
                text: what,
            };
            let parent_author = parent.as_ref().map(|p| p.user_id.0.clone());
            if let Some(pa) = &parent_author {
                if *pa != user.id.0 {
                    notes.push(note(
                        pa,
                        "reply",
                        format!("{} replied on {title}: {}", user.name, snippet(&text)),
                    ));
                }
            }
            if owner != user.id.0 && parent_author.as_deref() != Some(owner.as_str()) {
                notes.push(note(
                    &owner,
                    "comment",
                    format!("{} commented on {title}: {}", user.name, snippet(&text)),
                ));
            }
            Ok((RoomEvent::CommentAdded { comment, client_ref }, notes))
        })
    }

    fn owned_comment(c: &mut crate::db::Conn, id: CommentId, mid: &str, user: &UserInfo) -> AppResult<Comment> {
        let comment = cq::get(c, id.0)?
            .filter(|x| x.media_id.0 == mid && !x.deleted)
            .ok_or_else(|| AppError::NotFound("no such comment".into()))?;
        if comment.user_id != user.id && !user.is_admin {
            return Err(AppError::Forbidden(
                "only its author or an admin may change a comment".into(),
            ));
        }
        Ok(comment)
    }
}

impl Handler<Command> for Room {
    // Atomic: commands run one at a time, so sequence numbers and broadcasts keep order.
    type Result = AtomicResponse<Self, AppResult<()>>;

    fn handle(&mut self, msg: Command, ctx: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(self.command(msg, ctx))
    }
}

impl Room {
    fn command(&mut self, msg: Command, ctx: &mut Context<Self>) -> ResponseActFuture<Self, AppResult<()>> {
        let ready = |r: AppResult<()>| -> ResponseActFuture<Self, AppResult<()>> { Box::pin(fut::ready(r)) };
        if !self.members.contains_key(&msg.session_id) {
            return ready(Err(AppError::BadRequest("join the room first".into())));
        }
        let user = msg.user;
        match msg.cmd {
            RoomCmd::AddComment(new) => self.add_comment(user, new, ctx),
            RoomCmd::EditComment {
                comment_id,
                text,
                drawing,
            } => {
                let prepared = check_text(&text).and_then(|t| Ok((t, check_drawing(&drawing)?)));
                let (text, drawing) = match prepared {
                    Ok(p) => p,
                    Err(e) => return ready(Err(e)),
                };
                let mid = self.media_id.0.clone();
                self.commit(ctx, move |c, _| {
                    Self::owned_comment(c, comment_id, &mid, &user)?;
                    if text.is_empty() && drawing.is_none() {
                        return Err(AppError::BadRequest("a comment needs text or a drawing".into()));
                    }
                    cq::update_text(c, comment_id.0, &text, drawing.as_deref())?;
                    let comment =
                        cq::get(c, comment_id.0)?.ok_or_else(|| AppError::NotFound("no such comment".into()))?;
                    Ok((RoomEvent::CommentEdited { comment }, vec![]))
                })
            }
            RoomCmd::DeleteComment { comment_id } => {
                let mid = self.media_id.0.clone();
                self.commit(ctx, move |c, _| {
                    Self::owned_comment(c, comment_id, &mid, &user)?;
                    let marker = if cq::has_replies(c, comment_id.0)? {
                        cq::mark_deleted(c, comment_id.0)?;
                        cq::get(c, comment_id.0)?
                    } else {
                        cq::delete(c, comment_id.0)?;
                        None
                    };
                    Ok((
                        RoomEvent::CommentDeleted {
                            comment_id,
                            comment: marker,
                        },
                        vec![],
                    ))
                })
            }
            RoomCmd::SessionJoin => {
                let sid = msg.session_id;
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
                self.broadcast_presence();
                ready(Ok(()))
            }
            RoomCmd::SessionLeave => {
                let sid = msg.session_id;
                if let Some(p) = self.members.get_mut(&sid) {
                    p.in_session = false;
                }
                self.pass_lead(sid);
                self.broadcast_collab();
                self.broadcast_presence();
                ready(Ok(()))
            }
            RoomCmd::Control(action) => {
                let sid = msg.session_id;
                if !self.members.get(&sid).is_some_and(|p| p.in_session) {
                    return ready(Err(AppError::BadRequest("join the session first".into())));
                }
                let was_leader = self.collab.leader;
                if let Err(e) = collab::apply(&mut self.collab, &action, sid, self.fps, self.last_frame, now_ms()) {
                    return ready(Err(AppError::BadRequest(e)));
                }
                self.broadcast_collab();
                if was_leader != self.collab.leader {
                    self.broadcast_presence();
                }
                ready(Ok(()))
            }
            RoomCmd::LiveStroke(shape) => {
                let sid = msg.session_id;
                if !self.members.get(&sid).is_some_and(|p| p.in_session) {
                    return ready(Err(AppError::BadRequest("join the session first".into())));
                }
                if let Err(e) = shape.validate() {
                    return ready(Err(AppError::BadRequest(e)));
                }
                let m = ServerMsg::LiveStroke {
                    media_id: self.media_id.clone(),
                    session_id: sid,
                    user_id: user.id,
                    shape,
                };
                self.broadcast_where(&m, |s, p| p.in_session && s != sid);
                ready(Ok(()))
            }
            RoomCmd::LiveClear => {
                let sid = msg.session_id;
                let m = ServerMsg::LiveClear {
                    media_id: self.media_id.clone(),
                    session_id: sid,
                };
                self.broadcast_where(&m, |s, p| p.in_session && s != sid);
                ready(Ok(()))
            }
        }
    }
}

/// The media changed: renamed (an event) or deleted (the room closes).
#[derive(Message)]
#[rtype(result = "()")]
pub enum RoomNotice {
    Renamed(String),
    Deleted,
}

impl Handler<RoomNotice> for Room {
    type Result = ();
    fn handle(&mut self, msg: RoomNotice, ctx: &mut Context<Self>) {
        match msg {
            RoomNotice::Renamed(title) => {
                self.title = title.clone();
                let fut = self.commit(ctx, move |_, _| Ok((RoomEvent::MediaRenamed { title }, vec![])));
                ctx.wait(fut.map(|r, _, _| {
                    if let Err(e) = r {
                        tracing::warn!("recording a rename: {e}");
                    }
                }));
            }
            RoomNotice::Deleted => {
                self.broadcast(&ServerMsg::RoomClosed {
                    media_id: self.media_id.clone(),
                    reason: "the media was deleted".into(),
                });
                self.members.clear();
                ctx.stop();
            }
        }
    }
}

/// Sent by the hub after `RoomEmpty`: stop if still empty.
#[derive(Message)]
#[rtype(result = "()")]
pub struct StopIfEmpty;

impl Handler<StopIfEmpty> for Room {
    type Result = ();
    fn handle(&mut self, _: StopIfEmpty, ctx: &mut Context<Self>) {
        if self.members.is_empty() {
            self.hub.do_send(RoomStopped {
                media_id: self.media_id.clone(),
                room: ctx.address(),
            });
            ctx.stop();
        }
    }
}

/// How many are present (for tests and stats).
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CountMembers;

impl Handler<CountMembers> for Room {
    type Result = usize;
    fn handle(&mut self, _: CountMembers, _: &mut Context<Self>) -> usize {
        self.members.len()
    }
}
