//! The `Hub` actor: the server-wide registry of sessions per user and of open rooms. It
//! listens to notices and delivers what they mean to every tab a user has open and to rooms.

use super::actor::{Room, RoomNotice, StopIfEmpty};
use crate::db::Db;
use crate::notice::{Notice, Noticed, Notifier};
use crate::room::{RoomLimits, MAILBOX};
use actix::prelude::*;
use dailies_protocol::{MediaId, MediaInfo, PlaylistId, PlaylistLive, ServerMsg, UserId};
use std::collections::HashMap;

/// Something for a session to deliver to its client.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub enum Push {
    /// An already serialized `ServerMsg`, shared between all recipients.
    Json(bytestring::ByteString),
    /// The server is going down: close the socket.
    Shutdown,
    /// The caller's access ended (a guest link was revoked): say why and close.
    Revoked(String),
}

impl Push {
    pub fn msg(m: &ServerMsg) -> Option<Push> {
        match serde_json::to_string(m) {
            Ok(s) => Some(Push::Json(s.into())),
            Err(e) => {
                tracing::error!("serializing {m:?}: {e}");
                None
            }
        }
    }
}

/// Registers a session; answers its hub-wide id, or why it is refused (the user already
/// has `max_sockets_per_user` open).
#[derive(Message)]
#[rtype(result = "Result<u64, String>")]
pub struct Connect {
    pub user: UserId,
    pub recipient: Recipient<Push>,
}

/// Unregisters a session.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Disconnect {
    pub user: UserId,
    pub id: u64,
}

/// The room of a media file, started on first use.
#[derive(Message)]
#[rtype(result = "Addr<Room>")]
pub struct GetRoom {
    pub media: MediaInfo,
}

impl Handler<GetRoom> for Hub {
    type Result = MessageResult<GetRoom>;

    fn handle(&mut self, msg: GetRoom, ctx: &mut Context<Self>) -> Self::Result {
        let hub = ctx.address();
        let room = self
            .rooms
            .entry(msg.media.id.clone())
            .or_insert_with(|| Room::new(&msg.media, self.db.clone(), hub, self.notifier.clone(), self.limits).start())
            .clone();
        MessageResult(room)
    }
}

/// Starts (or finds) a media's room and seeds its live session (a playlist session moving
/// there). Handled before any join that follows the move, as messages to the hub keep order.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SeedRoom {
    pub media: MediaInfo,
    pub seed: super::actor::Seed,
}

impl Handler<SeedRoom> for Hub {
    type Result = ();

    fn handle(&mut self, msg: SeedRoom, ctx: &mut Context<Self>) {
        let hub = ctx.address();
        let room = self
            .rooms
            .entry(msg.media.id.clone())
            .or_insert_with(|| Room::new(&msg.media, self.db.clone(), hub, self.notifier.clone(), self.limits).start());
        room.do_send(msg.seed);
    }
}

/// A playlist's live session is now on `media`, its item `index`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct PlaylistAt {
    pub playlist: PlaylistId,
    pub media: MediaId,
    pub index: i64,
}

impl Handler<PlaylistAt> for Hub {
    type Result = ();

    fn handle(&mut self, msg: PlaylistAt, _: &mut Context<Self>) {
        self.playlists.insert(msg.playlist, (msg.media, msg.index));
    }
}

/// Where a playlist's live session is, if one runs (its room is open).
#[derive(Message)]
#[rtype(result = "Option<PlaylistLive>")]
pub struct PlaylistLiveOf(pub PlaylistId);

impl Handler<PlaylistLiveOf> for Hub {
    type Result = Option<PlaylistLive>;

    fn handle(&mut self, msg: PlaylistLiveOf, _: &mut Context<Self>) -> Self::Result {
        let (media, index) = self.playlists.get(&msg.0)?;
        self.rooms.contains_key(media).then(|| PlaylistLive {
            media_id: media.clone(),
            index: *index,
        })
    }
}

/// The room of a media file if one is open (none is started).
#[derive(Message)]
#[rtype(result = "Option<Addr<Room>>")]
pub struct FindRoom(pub MediaId);

impl Handler<FindRoom> for Hub {
    type Result = Option<Addr<Room>>;
    fn handle(&mut self, msg: FindRoom, _: &mut Context<Self>) -> Self::Result {
        self.rooms.get(&msg.0).cloned()
    }
}

/// Delivers a message to every session of these users (sharing changed for them).
#[derive(Message)]
#[rtype(result = "()")]
pub struct ToUsers {
    pub users: Vec<UserId>,
    pub msg: ServerMsg,
}

impl Handler<ToUsers> for Hub {
    type Result = ();
    fn handle(&mut self, msg: ToUsers, _: &mut Context<Self>) {
        for u in &msg.users {
            self.to_user(u, &msg.msg);
        }
    }
}

/// Delivers a message to every session of a user; answers how many sessions got it.
#[derive(Message)]
#[rtype(result = "u32")]
pub struct ToUserCounted {
    pub user: UserId,
    pub msg: ServerMsg,
}

impl Handler<ToUserCounted> for Hub {
    type Result = u32;
    fn handle(&mut self, msg: ToUserCounted, _: &mut Context<Self>) -> u32 {
        let n = self.session_ids(&msg.user).len() as u32;
        self.to_user(&msg.user, &msg.msg);
        n
    }
}

/// Closes every session of these users with a reason (a guest link was revoked).
#[derive(Message)]
#[rtype(result = "()")]
pub struct CloseUsers {
    pub users: Vec<UserId>,
    pub reason: String,
}

impl Handler<CloseUsers> for Hub {
    type Result = ();
    fn handle(&mut self, msg: CloseUsers, _: &mut Context<Self>) {
        for u in &msg.users {
            for r in self.sessions.get(u).into_iter().flat_map(|m| m.values()) {
                r.do_send(Push::Revoked(msg.reason.clone()));
            }
        }
    }
}

/// A room's last member left: ask it to stop, unless someone joined meanwhile.
#[derive(Message)]
#[rtype(result = "()")]
pub struct RoomEmpty {
    pub media_id: MediaId,
    pub room: Addr<Room>,
}

impl Handler<RoomEmpty> for Hub {
    type Result = ();

    fn handle(&mut self, msg: RoomEmpty, _: &mut Context<Self>) {
        if self.rooms.get(&msg.media_id) == Some(&msg.room) {
            msg.room.do_send(StopIfEmpty);
        }
    }
}

/// A room stopped; forget it (a new one starts on the next join).
#[derive(Message)]
#[rtype(result = "()")]
pub struct RoomStopped {
    pub media_id: MediaId,
    pub room: Addr<Room>,
}

impl Handler<RoomStopped> for Hub {
    type Result = ();

    fn handle(&mut self, msg: RoomStopped, _: &mut Context<Self>) {
        if self.rooms.get(&msg.media_id) == Some(&msg.room) {
            self.rooms.remove(&msg.media_id);
            self.playlists.retain(|_, (m, _)| *m != msg.media_id);
        }
    }
}

/// Tells every session to close; answers how many there were.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CloseAll;

/// Counts of connected sessions and users.
#[derive(Message)]
#[rtype(result = "HubStats")]
pub struct GetStats;

#[derive(Debug, Clone, Copy, PartialEq, Eq, MessageResponse)]
pub struct HubStats {
    pub sessions: usize,
    pub users: usize,
}

pub struct Hub {
    sessions: HashMap<UserId, HashMap<u64, Recipient<Push>>>,
    rooms: HashMap<MediaId, Addr<Room>>,
    /// Playlist sessions: the media (and item) each is on.
    playlists: HashMap<PlaylistId, (MediaId, i64)>,
    next_id: u64,
    db: Db,
    notifier: Notifier,
    limits: RoomLimits,
}

impl Hub {
    /// A hub that hears every notice of `notifier` once started.
    pub fn new(db: Db, notifier: Notifier, limits: RoomLimits) -> Self {
        Hub {
            sessions: HashMap::new(),
            rooms: HashMap::new(),
            playlists: HashMap::new(),
            next_id: 0,
            db,
            notifier,
            limits,
        }
    }

    /// Delivers a message to every session of one user.
    fn to_user(&self, user: &UserId, msg: &ServerMsg) {
        let Some(sessions) = self.sessions.get(user) else {
            return;
        };
        let Some(push) = Push::msg(msg) else { return };
        for r in sessions.values() {
            // A full mailbox means a stuck session; it is dropped by its own heartbeat.
            let _ = r.try_send(push.clone());
        }
    }

    fn session_ids(&self, user: &UserId) -> Vec<u64> {
        self.sessions
            .get(user)
            .map(|m| m.keys().copied().collect())
            .unwrap_or_default()
    }
}

impl Actor for Hub {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(MAILBOX);
        self.notifier.subscribe(ctx.address().recipient());
    }
}

/// Turns notices into what users and rooms see: the owner (and, for a media file with an
/// open room, every member) hears of a change; the room updates its own view of the media.
impl Handler<Noticed> for Hub {
    type Result = ();

    fn handle(&mut self, Noticed(n): Noticed, _: &mut Context<Self>) {
        match &*n {
            // A new version's stack is announced with the stack (`versions::announce`).
            Notice::MediaAdded { media } if media.stack_id.is_some() => {}
            Notice::MediaAdded { media } => {
                let owner = media.owner_id.clone();
                self.to_user(&owner, &ServerMsg::MediaUpdated { media: media.to_info() });
            }
            Notice::MediaChanged { media, previous_owner } => {
                let info = media.to_info();
                let msg = ServerMsg::MediaUpdated { media: info.clone() };
                let owner = media.owner_id.clone();
                self.to_user(&owner, &msg);
                let mut heard = self.session_ids(&owner);
                if let Some(prev) = previous_owner.as_ref().filter(|p| **p != owner) {
                    self.to_user(prev, &msg);
                    heard.extend(self.session_ids(prev));
                }
                if let Some(r) = self.rooms.get(&info.id) {
                    r.do_send(RoomNotice::MediaChanged {
                        media: Box::new(info),
                        heard,
                    });
                }
            }
            Notice::MediaProgress {
                media_id,
                owner,
                progress,
                stage,
            } => self.to_user(
                owner,
                &ServerMsg::MediaProgress {
                    media_id: media_id.clone(),
                    progress: *progress,
                    stage: stage.clone(),
                },
            ),
            Notice::MediaDeleted { media, .. } => {
                let media_id = media.id.clone();
                self.to_user(
                    &media.owner_id.clone(),
                    &ServerMsg::MediaRemoved {
                        media_id: media_id.clone(),
                    },
                );
                if let Some(r) = self.rooms.remove(&media_id) {
                    r.do_send(RoomNotice::Deleted);
                }
            }
            Notice::MessageStored { user, message } => self.to_user(
                user,
                &ServerMsg::UserMessageAdded {
                    message: message.clone(),
                },
            ),
            Notice::OrganizerRefresh { user } => self.to_user(user, &ServerMsg::OrganizerRefresh {}),
            // Rooms broadcast their own events; these are for other listeners.
            Notice::CommentAdded { .. }
            | Notice::UserConnected { .. }
            | Notice::SharingChanged { .. }
            | Notice::StatusChanged { .. } => {}
        }
    }
}

impl Handler<Connect> for Hub {
    type Result = Result<u64, String>;

    fn handle(&mut self, msg: Connect, _: &mut Context<Self>) -> Self::Result {
        let max = self.limits.max_sockets_per_user;
        let open = self.sessions.entry(msg.user).or_default();
        if max > 0 && open.len() >= max {
            return Err(format!(
                "too many open connections for this user (the limit is {max}): close other tabs or windows of Dailies"
            ));
        }
        self.next_id += 1;
        open.insert(self.next_id, msg.recipient);
        Ok(self.next_id)
    }
}

impl Handler<Disconnect> for Hub {
    type Result = ();

    fn handle(&mut self, msg: Disconnect, _: &mut Context<Self>) {
        if let Some(m) = self.sessions.get_mut(&msg.user) {
            m.remove(&msg.id);
            if m.is_empty() {
                self.sessions.remove(&msg.user);
            }
        }
    }
}

impl Handler<CloseAll> for Hub {
    type Result = usize;

    fn handle(&mut self, _: CloseAll, _: &mut Context<Self>) -> usize {
        let mut n = 0;
        for r in self.sessions.values().flat_map(|m| m.values()) {
            r.do_send(Push::Shutdown);
            n += 1;
        }
        n
    }
}

impl Handler<GetStats> for Hub {
    type Result = HubStats;

    fn handle(&mut self, _: GetStats, _: &mut Context<Self>) -> HubStats {
        HubStats {
            sessions: self.sessions.values().map(|m| m.len()).sum(),
            users: self.sessions.len(),
        }
    }
}
