//! `Room`: one actor per media file under review. It owns who is present, the sequence of
//! room events, the collaborative playback state and live strokes; comments go to SQLite
//! first and are broadcast after the commit, in sequence order.

use super::collab;
use super::comments::CommentDraft;
use super::hub::{Hub, Push, RoomEmpty, RoomStopped};
use crate::db::comments as cq;
use crate::db::models::NewUserMessage;
use crate::db::{queries, Db};
use crate::error::{AppError, AppResult};
use crate::notice::{Notice, Notifier};
use crate::room::MAILBOX;
use actix::prelude::*;
use dailies_protocol::{
    AccessLevel, CollabAction, CollabState, CommentId, Drawing, MediaId, MediaInfo, Member, Rational, RoomEvent,
    ServerMsg, Shape, UserId, UserInfo,
};
use std::collections::BTreeMap;

/// What a change committed: an event for everyone (and inbox messages), or nothing new.
pub(super) enum Committed {
    Event(RoomEvent, Vec<NewUserMessage>),
    /// Nothing new was stored (a retried request): session `to` alone gets the earlier
    /// event again, at its own sequence number.
    Again {
        to: u64,
        seq: i64,
        event: RoomEvent,
    },
}

impl From<RoomEvent> for Committed {
    fn from(e: RoomEvent) -> Self {
        Committed::Event(e, Vec::new())
    }
}

/// A reconnecting client further behind than this gets the full state instead.
pub const MAX_CATCH_UP: i64 = 1000;

pub(super) struct Present {
    pub(super) user: UserInfo,
    pub(super) recipient: Recipient<Push>,
    pub(super) in_session: bool,
    /// What this member may do, as decided when joining (kept current by `SetAccess`).
    pub(super) access: AccessLevel,
}

/// What the room knows of its media is kept current by `RoomNotice::MediaChanged`: a room
/// opened while its media was processing learns the frame rate and length once probed.
pub struct Room {
    pub(super) media_id: MediaId,
    pub(super) title: String,
    pub(super) owner: UserId,
    pub(super) fps: Option<Rational>,
    pub(super) last_frame: Option<i64>,
    pub(super) db: Db,
    hub: Addr<Hub>,
    notifier: Notifier,
    seq: i64,
    pub(super) members: BTreeMap<u64, Present>,
    pub(super) collab: CollabState,
}

pub(super) fn now_ms() -> f64 {
    chrono::Utc::now().timestamp_micros() as f64 / 1000.0
}

impl Room {
    pub fn new(media: &MediaInfo, db: Db, hub: Addr<Hub>, notifier: Notifier) -> Self {
        let mut room = Room {
            media_id: media.id.clone(),
            title: String::new(),
            owner: media.owner_id.clone(),
            fps: None,
            last_frame: None,
            db,
            hub,
            notifier,
            seq: 0,
            members: BTreeMap::new(),
            collab: collab::idle(),
        };
        room.learn(media);
        room
    }

    /// Takes the media's current facts; answers whether the title changed.
    fn learn(&mut self, media: &MediaInfo) -> bool {
        self.owner = media.owner_id.clone();
        self.fps = media.fps_rational;
        self.last_frame = media.frame_count.map(|n| n - 1);
        let renamed = self.title != media.title;
        self.title = media.title.clone();
        renamed
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

    pub(super) fn broadcast(&self, msg: &ServerMsg) {
        self.broadcast_where(msg, |_, _| true);
    }

    pub(super) fn broadcast_where(&self, msg: &ServerMsg, pred: impl Fn(u64, &Present) -> bool) {
        let Some(push) = Push::msg(msg) else { return };
        for (sid, p) in &self.members {
            if pred(*sid, p) {
                // The session moves it into its bounded outgoing queue at once; a client
                // that cannot keep up is dropped there, so nothing piles up here.
                p.recipient.do_send(push.clone());
            }
        }
    }

    pub(super) fn broadcast_presence(&self) {
        self.broadcast(&ServerMsg::Presence {
            media_id: self.media_id.clone(),
            members: self.members_list(),
        });
    }

    pub(super) fn broadcast_collab(&self) {
        self.broadcast(&ServerMsg::Collab {
            media_id: self.media_id.clone(),
            state: self.collab.clone(),
        });
    }

    /// One member alone gets an event again (a retried request), at its own sequence number.
    pub(super) fn send_event_to(&self, sid: u64, seq: i64, event: RoomEvent) {
        let Some(p) = self.members.get(&sid) else { return };
        let msg = ServerMsg::RoomEvent {
            media_id: self.media_id.clone(),
            seq,
            event,
        };
        if let Some(push) = Push::msg(&msg) {
            p.recipient.do_send(push);
        }
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
    pub(super) fn commit<F>(&mut self, ctx: &mut Context<Self>, f: F) -> ResponseActFuture<Self, AppResult<()>>
    where
        F: FnOnce(&mut crate::db::Conn, i64) -> AppResult<Committed> + Send + 'static,
    {
        let _ = ctx;
        let db = self.db.clone();
        let seq = self.seq + 1;
        let mid = self.media_id.0.clone();
        Box::pin(
            async move {
                db.run(move |c| {
                    // IMMEDIATE: the change reads first (a client_ref, a parent, the author),
                    // and a deferred transaction that read cannot take the write lock once
                    // another room committed in WAL mode: SQLite answers "database is
                    // locked" at once instead of waiting out busy_timeout (50 rooms lost a
                    // third of their comments that way).
                    c.immediate_transaction(|c| {
                        let (event, notes) = match f(c, seq)? {
                            Committed::Event(event, notes) => (event, notes),
                            Committed::Again { to, seq, event } => return Ok(Err((to, seq, event))),
                        };
                        cq::append_event(c, &mid, seq, &event)?;
                        let mut stored = Vec::new();
                        for n in &notes {
                            stored.push(queries::insert_user_message(c, n)?);
                        }
                        Ok::<_, AppError>(Ok((event, stored)))
                    })
                })
                .await
            }
            .into_actor(self)
            .map(move |res, act, _| {
                let (event, notes) = match res? {
                    Ok(new) => new,
                    Err((to, seq, event)) => {
                        act.send_event_to(to, seq, event);
                        return Ok(());
                    }
                };
                let added = match &event {
                    RoomEvent::CommentAdded { comment, .. } => Some(comment.clone()),
                    _ => None,
                };
                act.emit(seq, event);
                if let Some(comment) = added {
                    act.notifier.emit(Notice::CommentAdded { comment });
                }
                for n in notes {
                    act.notifier.emit(Notice::MessageStored {
                        user: n.user_id.clone(),
                        message: n.to_wire(),
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
    pub access: AccessLevel,
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
                        access: msg.access,
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
                    access: msg.access,
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
    ResolveComment {
        comment_id: CommentId,
        resolved: bool,
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

impl Handler<Command> for Room {
    // Atomic: commands run one at a time, so sequence numbers and broadcasts keep order.
    type Result = AtomicResponse<Self, AppResult<()>>;

    fn handle(&mut self, msg: Command, ctx: &mut Context<Self>) -> Self::Result {
        let done = |r: AppResult<()>| -> Self::Result { AtomicResponse::new(Box::pin(fut::ready(r))) };
        let sid = msg.session_id;
        let Some(access) = self.members.get(&sid).map(|p| p.access) else {
            return done(Err(AppError::BadRequest("join the room first".into())));
        };
        // Watching is all a viewer may do here; the level is the one decided on joining,
        // kept current when the media's sharing changes.
        let needs_comment = !matches!(msg.cmd, RoomCmd::SessionLeave);
        if needs_comment && access < AccessLevel::Comment {
            return done(Err(AppError::Forbidden(
                "you may watch this media but not comment or take part in its live session".into(),
            )));
        }
        let user = msg.user;
        match msg.cmd {
            RoomCmd::AddComment(draft) => AtomicResponse::new(self.add_comment(sid, user, draft, ctx)),
            RoomCmd::EditComment {
                comment_id,
                text,
                drawing,
            } => AtomicResponse::new(self.edit_comment(user, comment_id, text, drawing, ctx)),
            RoomCmd::DeleteComment { comment_id } => AtomicResponse::new(self.delete_comment(user, comment_id, ctx)),
            RoomCmd::ResolveComment { comment_id, resolved } => {
                AtomicResponse::new(self.resolve_comment(user, comment_id, resolved, ctx))
            }
            RoomCmd::SessionJoin => {
                self.session_join(sid);
                done(Ok(()))
            }
            RoomCmd::SessionLeave => {
                self.session_leave(sid);
                done(Ok(()))
            }
            RoomCmd::Control(action) => done(self.control(sid, action)),
            RoomCmd::LiveStroke(shape) => done(self.live_stroke(sid, user, shape)),
            RoomCmd::LiveClear => done(self.live_clear(sid)),
        }
    }
}

/// The media changed (facts, title, owner) or was deleted (the room closes).
#[derive(Message)]
#[rtype(result = "()")]
pub enum RoomNotice {
    /// `heard`: the hub sessions already told (the owner's), so nobody gets it twice.
    MediaChanged {
        media: Box<MediaInfo>,
        heard: Vec<u64>,
    },
    Deleted,
}

impl Handler<RoomNotice> for Room {
    type Result = ();
    fn handle(&mut self, msg: RoomNotice, ctx: &mut Context<Self>) {
        match msg {
            RoomNotice::MediaChanged { media, heard } => {
                let renamed = self.learn(&media);
                let update = ServerMsg::MediaUpdated { media: *media };
                self.broadcast_where(&update, |sid, _| !heard.contains(&sid));
                if renamed {
                    let title = self.title.clone();
                    let fut = self.commit(ctx, move |_, _| Ok(RoomEvent::MediaRenamed { title }.into()));
                    ctx.wait(fut.map(|r, _, _| {
                        if let Err(e) = r {
                            tracing::warn!("recording a rename: {e}");
                        }
                    }));
                }
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

/// Who is in the room, with the level each joined with.
#[derive(Message)]
#[rtype(result = "Vec<(u64, UserInfo, AccessLevel)>")]
pub struct GetMembers;

impl Handler<GetMembers> for Room {
    type Result = MessageResult<GetMembers>;
    fn handle(&mut self, _: GetMembers, _: &mut Context<Self>) -> Self::Result {
        MessageResult(
            self.members
                .iter()
                .map(|(sid, p)| (*sid, p.user.clone(), p.access))
                .collect(),
        )
    }
}

/// New levels for members after the media's sharing changed: `None` removes the member
/// (told why with `room_closed`); a lower level than comment leaves the live session.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetAccess {
    pub levels: Vec<(u64, Option<AccessLevel>)>,
    pub reason: String,
}

impl Handler<SetAccess> for Room {
    type Result = ();
    fn handle(&mut self, msg: SetAccess, ctx: &mut Context<Self>) {
        for (sid, level) in msg.levels {
            let Some(p) = self.members.get_mut(&sid) else { continue };
            match level {
                None => {
                    let closed = ServerMsg::RoomClosed {
                        media_id: self.media_id.clone(),
                        reason: msg.reason.clone(),
                    };
                    if let Some(push) = Push::msg(&closed) {
                        p.recipient.do_send(push);
                    }
                    self.leave(sid, ctx);
                }
                Some(l) if l != p.access => {
                    p.access = l;
                    let in_session = p.in_session;
                    let changed = ServerMsg::AccessChanged {
                        media_id: self.media_id.clone(),
                        access: l,
                    };
                    if let Some(push) = Push::msg(&changed) {
                        p.recipient.do_send(push);
                    }
                    if in_session && l < AccessLevel::Comment {
                        self.session_leave(sid);
                    }
                }
                Some(_) => {}
            }
        }
    }
}

/// Records a review status change as a room event (the status itself is already stored).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RecordStatus(pub dailies_protocol::StatusChange);

impl Handler<RecordStatus> for Room {
    type Result = ();
    fn handle(&mut self, msg: RecordStatus, ctx: &mut Context<Self>) {
        let change = msg.0;
        let fut = self.commit(ctx, move |_, _| Ok(RoomEvent::StatusChanged { change }.into()));
        ctx.wait(fut.map(|r, _, _| {
            if let Err(e) = r {
                tracing::warn!("recording a status change: {e}");
            }
        }));
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
