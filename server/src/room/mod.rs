//! Rooms and the hub: who is connected, and (per media file) who is reviewing together.
//! `actor` holds membership and the event sequence; `comments` and `live` its parts (who hears
//! of a change in the bell, by webhook or mail is `notify::event`).

pub mod actor;
pub mod collab;
pub mod comments;
pub mod hub;
mod live;
pub mod paging;
mod presence;

pub use comments::CommentDraft;

/// Mailbox size of the hub, rooms and sessions: large, because a `send` to a full mailbox
/// waits and these actors must never stall each other. What a client cannot read is cut
/// off at its bounded outgoing queue instead.
pub const MAILBOX: usize = 100_000;

/// What the configuration sets for rooms and the hub.
#[derive(Debug, Clone, Copy)]
pub struct RoomLimits {
    /// Members a room lists by name (`presence_list_max`).
    pub presence_list_max: usize,
    /// The shortest time between two presence deltas (`presence_interval`).
    pub presence_interval: std::time::Duration,
    /// Open websockets per user; 0 for no limit (`max_sockets_per_user`).
    pub max_sockets_per_user: usize,
}

impl RoomLimits {
    pub fn from_config(c: &crate::config::Config) -> Self {
        RoomLimits {
            presence_list_max: c.presence_list_max,
            presence_interval: c.presence_interval,
            max_sockets_per_user: c.max_sockets_per_user,
        }
    }
}

impl Default for RoomLimits {
    fn default() -> Self {
        RoomLimits::from_config(&crate::config::Config::default())
    }
}

#[cfg(test)]
mod tests;
