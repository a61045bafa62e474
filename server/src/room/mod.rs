//! Rooms and the hub: who is connected, and (per media file) who is reviewing together.

pub mod actor;
pub mod collab;
pub mod hub;

/// Mailbox size of the hub, rooms and sessions: large, because a `send` to a full mailbox
/// waits and these actors must never stall each other. What a client cannot read is cut
/// off at its bounded outgoing queue instead.
pub const MAILBOX: usize = 100_000;
