//! The `Hub` actor: the server-wide registry of sessions per user, so that events for a user
//! (progress, messages) reach every tab they have open, and shutdown reaches everyone.

use super::actor::{Room, RoomNotice, StopIfEmpty};
use crate::db::Db;
use crate::room::MAILBOX;
use actix::prelude::*;
use dailies_protocol::{MediaId, MediaInfo, ServerMsg, UserId};
use std::collections::HashMap;

/// Something for a session to deliver to its client.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub enum Push {
    /// An already serialized `ServerMsg`, shared between all recipients.
    Json(bytestring::ByteString),
    /// The server is going down: close the socket.
    Shutdown,
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

/// Registers a session; answers its hub-wide id.
#[derive(Message)]
#[rtype(result = "u64")]
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

/// Delivers a message to every session of one user.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SendToUser {
    pub user: UserId,
    pub msg: ServerMsg,
}

/// A media file changed in a way its room must hear about.
#[derive(Message)]
#[rtype(result = "()")]
pub enum MediaChanged {
    Renamed { media_id: MediaId, title: String },
    Deleted { media_id: MediaId },
}

impl Handler<MediaChanged> for Hub {
    type Result = ();

    fn handle(&mut self, msg: MediaChanged, _: &mut Context<Self>) {
        match msg {
            MediaChanged::Renamed { media_id, title } => {
                if let Some(r) = self.rooms.get(&media_id) {
                    r.do_send(RoomNotice::Renamed(title));
                }
            }
            MediaChanged::Deleted { media_id } => {
                if let Some(r) = self.rooms.remove(&media_id) {
                    r.do_send(RoomNotice::Deleted);
                }
            }
        }
    }
}

/// The room of a media file, started on first use.
#[derive(Message)]
#[rtype(result = "Addr<Room>")]
pub struct GetRoom {
    pub media: MediaInfo,
    pub db: Db,
    pub organizer: crate::organizer::OrganizerHandle,
}

impl Handler<GetRoom> for Hub {
    type Result = MessageResult<GetRoom>;

    fn handle(&mut self, msg: GetRoom, ctx: &mut Context<Self>) -> Self::Result {
        let hub = ctx.address();
        let room = self
            .rooms
            .entry(msg.media.id.clone())
            .or_insert_with(|| Room::new(&msg.media, msg.db, hub, msg.organizer).start())
            .clone();
        MessageResult(room)
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
        }
    }
}

/// How many rooms are open.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct CountRooms;

impl Handler<CountRooms> for Hub {
    type Result = usize;

    fn handle(&mut self, _: CountRooms, _: &mut Context<Self>) -> usize {
        self.rooms.len()
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

#[derive(Default)]
pub struct Hub {
    sessions: HashMap<UserId, HashMap<u64, Recipient<Push>>>,
    rooms: HashMap<MediaId, Addr<Room>>,
    next_id: u64,
}

impl Actor for Hub {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(MAILBOX);
    }
}

impl Handler<Connect> for Hub {
    type Result = u64;

    fn handle(&mut self, msg: Connect, _: &mut Context<Self>) -> u64 {
        self.next_id += 1;
        self.sessions
            .entry(msg.user)
            .or_default()
            .insert(self.next_id, msg.recipient);
        self.next_id
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

impl Handler<SendToUser> for Hub {
    type Result = ();

    fn handle(&mut self, msg: SendToUser, _: &mut Context<Self>) {
        let Some(sessions) = self.sessions.get(&msg.user) else {
            return;
        };
        let Some(push) = Push::msg(&msg.msg) else { return };
        for r in sessions.values() {
            // A full mailbox means a stuck session; it is dropped by its own heartbeat.
            let _ = r.try_send(push.clone());
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
