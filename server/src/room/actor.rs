//! `Room`: one actor per media file under review. It owns who is present, the sequence of
//! room events, the collaborative playback state and live strokes; comments go to SQLite
//! first and are broadcast after the commit, in sequence order.

use super::comments::CommentDraft;
use super::hub::{Hub, Push, RoomEmpty, RoomStopped};
use super::paging::{self, MAX_CATCH_UP};
use super::{collab, presence, RoomLimits};
use crate::db::comments as cq;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::notice::{Notice, Notifier};
use crate::room::MAILBOX;
use actix::prelude::*;
use dailies_protocol::{
    AccessLevel, CollabAction, CollabState, CommentId, Drawing, MediaId, MediaInfo, Member, MemberChange,
    PlaylistCursor, Rational, RoomEvent, ServerMsg, Shape, UserId, UserInfo,
};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What a change committed: an event for everyone (and the notifications it makes), or
/// nothing new.
pub(super) enum Committed {
    Event(RoomEvent, Vec<crate::notify::Event>),
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

pub(super) struct Present {
    pub(super) user: UserInfo,
    pub(super) recipient: Recipient<Push>,
    pub(super) in_session: bool,
    /// What this member may do, as decided when joining (kept current by `SetAccess`).
    pub(super) access: AccessLevel,
    /// Catching up in pages after a reconnect: the last event sent. Live events wait in
    /// the database until the member has read up to the room's sequence.
    pub(super) catching_up: Option<i64>,
    /// (in the live session, leader) as this member was last told of itself.
    pub(super) told: (bool, bool),
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
    pub(super) notifier: Notifier,
    seq: i64,
    pub(super) members: BTreeMap<u64, Present>,
    pub(super) collab: CollabState,
    limits: RoomLimits,
    /// The members as last shown to everyone, and how many there were.
    shown: BTreeMap<u64, Member>,
    shown_count: usize,
    /// A presence delta is scheduled; when the last one went out.
    flush_pending: bool,
    last_flush: Option<Instant>,
    /// Requests for the lead, in the order they came.
    pub(super) lead_requests: Vec<u64>,
    pub(super) lasers: std::collections::HashMap<u64, super::live::Laser>,
    /// Sessions following a playlist session here: in it as soon as they join, so a
    /// leader moving on again at once cannot leave one behind.
    arriving: std::collections::HashSet<u64>,
}

pub(super) fn now_ms() -> f64 {
    chrono::Utc::now().timestamp_micros() as f64 / 1000.0
}

impl Room {
    pub fn new(media: &MediaInfo, db: Db, hub: Addr<Hub>, notifier: Notifier, limits: RoomLimits) -> Self {
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
            limits,
            shown: BTreeMap::new(),
            shown_count: 0,
            flush_pending: false,
            last_flush: None,
            lead_requests: Vec::new(),
            lasers: std::collections::HashMap::new(),
            arriving: std::collections::HashSet::new(),
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

    /// What a joining member is shown: the members as last shown to everyone (the next
    /// delta brings it up to date), and itself.
    fn members_for(&self, sid: u64) -> Vec<Member> {
        let mut list: Vec<Member> = self.shown.values().cloned().collect();
        if !self.shown.contains_key(&sid) {
            if let Some(p) = self.members.get(&sid) {
                list.push(presence::member(sid, p, self.collab.leader));
            }
        }
        list
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

    /// Who is present changed: everyone hears of it at once when nothing went out within
    /// the last `presence_interval`, else with what else changed at the interval's end.
    pub(super) fn presence_changed(&mut self, ctx: &mut Context<Self>) {
        self.presence_changed_within(ctx, false);
    }

    /// As `presence_changed`; `defer` waits a whole interval even when it could send now
    /// (a join into a large room, whose answer should not queue behind a delta to everyone).
    fn presence_changed_within(&mut self, ctx: &mut Context<Self>, defer: bool) {
        if self.flush_pending {
            return;
        }
        let wait = if defer {
            self.limits.presence_interval
        } else {
            self.last_flush.map_or(Duration::ZERO, |t| {
                self.limits.presence_interval.saturating_sub(t.elapsed())
            })
        };
        if wait.is_zero() {
            self.flush_presence();
        } else {
            self.flush_pending = true;
            ctx.run_later(wait, |act, _| {
                act.flush_pending = false;
                act.flush_presence();
            });
        }
    }

    /// Sends what changed in the members shown since the last delta, to everyone; a member
    /// not shown whose own flags changed (or who just stopped being shown) hears of itself.
    fn flush_presence(&mut self) {
        self.last_flush = Some(Instant::now());
        let leader = self.collab.leader;
        let target = presence::shown(&self.members, leader, self.limits.presence_list_max);
        let changes = presence::diff(&self.shown, &target);
        let count = self.members.len();
        if !changes.is_empty() || count != self.shown_count {
            self.broadcast(&ServerMsg::PresenceDelta {
                media_id: self.media_id.clone(),
                changes,
                member_count: count as u32,
            });
        }
        for (sid, p) in self.members.iter_mut() {
            let flags = (p.in_session, leader == Some(*sid));
            let was_shown = self.shown.contains_key(sid);
            if !target.contains_key(sid) && (p.told != flags || was_shown) {
                let own = ServerMsg::PresenceDelta {
                    media_id: self.media_id.clone(),
                    changes: vec![MemberChange::MemberChanged {
                        member: presence::member(*sid, p, leader),
                    }],
                    member_count: count as u32,
                };
                if let Some(push) = Push::msg(&own) {
                    p.recipient.do_send(push);
                }
            }
            p.told = flags;
        }
        self.shown = target;
        self.shown_count = count;
    }

    pub(super) fn broadcast_collab(&self) {
        self.broadcast(&ServerMsg::Collab {
            media_id: self.media_id.clone(),
            state: self.collab.clone(),
        });
    }

    /// One member alone gets an event again (a retried request), at its own sequence number;
    /// a member still catching up reads it in its pages instead.
    pub(super) fn send_event_to(&self, sid: u64, seq: i64, mut event: RoomEvent) {
        let Some(p) = self.members.get(&sid).filter(|p| p.catching_up.is_none()) else {
            return;
        };
        paging::slim_event(&mut event);
        let msg = ServerMsg::RoomEvent {
            media_id: self.media_id.clone(),
            seq,
            event,
        };
        if let Some(push) = Push::msg(&msg) {
            p.recipient.do_send(push);
        }
    }

    fn emit(&mut self, seq: i64, mut event: RoomEvent) {
        self.seq = self.seq.max(seq);
        paging::slim_event(&mut event);
        let msg = ServerMsg::RoomEvent {
            media_id: self.media_id.clone(),
            seq,
            event,
        };
        self.broadcast_where(&msg, |_, p| p.catching_up.is_none());
    }

    /// Sends a member the next page of what it missed, read after `after`; it is live again
    /// once a page reaches the room's sequence. Runs atomically, so nothing is committed
    /// between the read and the send.
    pub(super) fn catch_up_page(&mut self, sid: u64, after: i64) -> ResponseActFuture<Self, AppResult<()>> {
        let db = self.db.clone();
        let mid = self.media_id.0.clone();
        Box::pin(
            async move {
                db.run(move |c| cq::events_since(c, &mid, after, paging::CATCH_UP_PAGE))
                    .await
            }
            .into_actor(self)
            .map(move |res, act, _| {
                let events = paging::events_page(res?);
                let last = events.last().map_or(after, |e| e.seq);
                let more = !events.is_empty() && last < act.seq;
                let Some(p) = act.members.get_mut(&sid) else {
                    return Ok(());
                };
                p.catching_up = more.then_some(last);
                let page = ServerMsg::RoomEvents {
                    media_id: act.media_id.clone(),
                    events,
                    more,
                };
                if let Some(push) = Push::msg(&page) {
                    p.recipient.do_send(push);
                }
                Ok(())
            }),
        )
    }

    /// Sends a member the page of comments older than `before`.
    pub(super) fn comments_page(&mut self, sid: u64, before: CommentId) -> ResponseActFuture<Self, AppResult<()>> {
        let db = self.db.clone();
        let mid = self.media_id.0.clone();
        Box::pin(
            async move {
                db.run(move |c| cq::page(c, &mid, Some(before.0), paging::PAGE_COMMENTS + 1))
                    .await
            }
            .into_actor(self)
            .map(move |res, act, _| {
                let (comments, before) = paging::comments_page(res?);
                let Some(p) = act.members.get(&sid) else { return Ok(()) };
                let page = ServerMsg::CommentsPage {
                    media_id: act.media_id.clone(),
                    comments,
                    before,
                };
                if let Some(push) = Push::msg(&page) {
                    p.recipient.do_send(push);
                }
                Ok(())
            }),
        )
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
        let outbox = self.notifier.outbox().clone();
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
                        // In the same transaction: a notification exists exactly when
                        // the change does.
                        let recorded = outbox.record(c, &notes)?;
                        Ok::<_, AppError>(Ok((event, recorded)))
                    })
                })
                .await
            }
            .into_actor(self)
            .map(move |res, act, _| {
                let (event, recorded) = match res? {
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
                act.notifier.announce(recorded);
                Ok(())
            }),
        )
    }

    fn leave(&mut self, session_id: u64, ctx: &mut Context<Self>) {
        if !self.members.contains_key(&session_id) {
            return;
        }
        self.forget_live(session_id);
        let Some(p) = self.members.remove(&session_id) else {
            return;
        };
        if p.in_session || self.collab.leader == Some(session_id) {
            self.pass_lead(session_id);
            self.broadcast_collab();
        }
        self.presence_changed(ctx);
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
        let resync = msg.since_seq.is_some() && catch_up.is_none();
        AtomicResponse::new(Box::pin(
            async move {
                match catch_up {
                    Some(since) => db
                        .run(move |c| cq::events_since(c, &mid, since, paging::CATCH_UP_PAGE))
                        .await
                        .map(|e| (None, paging::events_page(e))),
                    None => db
                        .run(move |c| cq::page(c, &mid, None, paging::PAGE_COMMENTS + 1))
                        .await
                        .map(|c| (Some(paging::comments_page(c)), Vec::new())),
                }
            }
            .into_actor(self)
            .map(move |res, act, ctx| {
                let (page, missed) = res?;
                let sid = msg.session_id;
                let (comments, comments_before) = match page {
                    Some((c, before)) => (Some(c), before),
                    None => (None, None),
                };
                // An empty page while behind would mean events are missing: nothing more
                // can be read, so the member goes live rather than wait forever.
                let last = missed.last().map(|e| e.seq);
                let more = catch_up.is_some() && last.is_some_and(|l| l < act.seq);
                let following = act.arriving.remove(&sid) && msg.access >= AccessLevel::Comment;
                act.members.insert(
                    sid,
                    Present {
                        user: msg.user,
                        recipient: msg.recipient,
                        in_session: following,
                        access: msg.access,
                        catching_up: if more { last } else { None },
                        told: (false, false),
                    },
                );
                // Events committed after this are delivered live (or, while catching up,
                // in the next pages).
                let mut out = vec![ServerMsg::RoomJoined {
                    media: msg.media,
                    comments,
                    comments_before,
                    resync,
                    members: act.members_for(sid),
                    member_count: act.members.len() as u32,
                    collab: act.collab.clone(),
                    seq: act.seq,
                    session_id: sid,
                    access: msg.access,
                }];
                if catch_up.is_some() {
                    out.push(ServerMsg::RoomEvents {
                        media_id: act.media_id.clone(),
                        events: missed,
                        more,
                    });
                }
                // In a large room the join changes only the count for the others: it goes out
                // a moment later, after this answer, rather than ahead of it to everyone.
                let large = act.members.len() > act.limits.presence_list_max;
                act.presence_changed_within(ctx, large);
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
    /// The page of comments older than this one.
    LoadComments {
        before: CommentId,
    },
    /// The member applied a catch-up page up to `seq`.
    CatchUpAck {
        seq: i64,
    },
    Control(CollabAction),
    LiveStroke(Shape),
    LiveClear {
        all: bool,
    },
    RequestLead,
    AnswerLead {
        to: u64,
        grant: bool,
    },
    Laser {
        x: f32,
        y: f32,
    },
    /// Move a playlist session to `to` (resolved and checked by the session).
    Goto {
        to: Box<MediaInfo>,
        cursor: PlaylistCursor,
    },
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
        let needs_comment = !matches!(
            msg.cmd,
            RoomCmd::SessionLeave | RoomCmd::LoadComments { .. } | RoomCmd::CatchUpAck { .. }
        );
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
                self.session_join(sid, ctx);
                done(Ok(()))
            }
            RoomCmd::SessionLeave => {
                self.session_leave(sid, ctx);
                done(Ok(()))
            }
            RoomCmd::LoadComments { before } => AtomicResponse::new(self.comments_page(sid, before)),
            RoomCmd::CatchUpAck { seq } => match self.members.get(&sid).and_then(|p| p.catching_up) {
                // The client says how far it applied; the room knows what it sent.
                Some(sent) if seq >= sent => AtomicResponse::new(self.catch_up_page(sid, sent)),
                Some(_) => done(Err(AppError::BadRequest(
                    "acknowledge the last event of the page you received".into(),
                ))),
                None => done(Ok(())),
            },
            RoomCmd::Control(action) => done(self.control(sid, action, ctx)),
            RoomCmd::LiveStroke(shape) => done(self.live_stroke(sid, user, shape)),
            RoomCmd::LiveClear { all } => done(self.live_clear(sid, all)),
            RoomCmd::RequestLead => done(self.request_lead(sid)),
            RoomCmd::AnswerLead { to, grant } => done(self.answer_lead(sid, to, grant, ctx)),
            RoomCmd::Laser { x, y } => done(self.laser(sid, x, y, ctx)),
            RoomCmd::Goto { to, cursor } => done(self.goto(sid, *to, cursor, ctx)),
        }
    }
}

/// A comment command from the organizer plugin's inbox, for `user` (the plugin itself, or a
/// user it speaks for whose access the inbox checked as for their own request): no
/// membership needed; the room commits and broadcasts it as any member's. A room that has
/// no members afterwards stops as after a last leave.
#[derive(Message)]
#[rtype(result = "AppResult<()>")]
pub struct Act {
    pub user: UserInfo,
    pub cmd: RoomCmd,
}

impl Handler<Act> for Room {
    type Result = AtomicResponse<Self, AppResult<()>>;

    fn handle(&mut self, msg: Act, ctx: &mut Context<Self>) -> Self::Result {
        let user = msg.user;
        let run = match msg.cmd {
            RoomCmd::AddComment(draft) => self.add_comment(0, user, draft, ctx),
            RoomCmd::EditComment {
                comment_id,
                text,
                drawing,
            } => self.edit_comment(user, comment_id, text, drawing, ctx),
            RoomCmd::DeleteComment { comment_id } => self.delete_comment(user, comment_id, ctx),
            _ => Box::pin(fut::ready(Err(AppError::BadRequest(
                "the organizer writes comments only".into(),
            )))),
        };
        AtomicResponse::new(Box::pin(run.map(|r, act, ctx| {
            if act.members.is_empty() {
                act.hub.do_send(RoomEmpty {
                    media_id: act.media_id.clone(),
                    room: ctx.address(),
                });
            }
            r
        })))
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
                        self.session_leave(sid, ctx);
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

/// A playlist session arriving from another room: it runs here with `leader`, paused on the
/// first frame, before its members join.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Seed {
    pub leader: u64,
    /// The sessions in the session being moved (they are in this one when they join).
    pub members: Vec<u64>,
    pub rate: f64,
    pub locked: bool,
    pub playlist: PlaylistCursor,
}

/// How long a room seeded for a session nobody came to stays open.
const SEED_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

impl Handler<Seed> for Room {
    type Result = ();
    fn handle(&mut self, msg: Seed, ctx: &mut Context<Self>) {
        let s = &mut self.collab;
        s.active = true;
        s.leader = Some(msg.leader);
        s.playing = false;
        s.frame = 0;
        s.at_server_time = now_ms();
        s.rate = msg.rate;
        s.loop_range = None;
        s.locked = msg.locked;
        s.compare = None;
        s.playlist = Some(msg.playlist);
        s.version += 1;
        self.arriving = msg.members.into_iter().collect();
        self.broadcast_collab();
        ctx.run_later(SEED_WAIT, |act, ctx| {
            if act.members.is_empty() {
                act.hub.do_send(RoomEmpty {
                    media_id: act.media_id.clone(),
                    room: ctx.address(),
                });
            }
        });
    }
}

impl Room {
    /// Has the hub start (or find) `to`'s room and seed its session.
    pub(super) fn seed_room(&self, to: MediaInfo, seed: Seed) {
        self.hub.do_send(super::hub::SeedRoom { media: to, seed });
    }

    /// Tells the hub where a playlist's live session is, for late joiners.
    pub(super) fn hub_live(&self, media: &MediaId, cursor: &PlaylistCursor) {
        self.hub.do_send(super::hub::PlaylistAt {
            playlist: cursor.playlist_id.clone(),
            media: media.clone(),
            index: cursor.index,
        });
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
