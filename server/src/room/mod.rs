//! Rooms and the hub: who is connected, and (per media file) who is reviewing together.
//! `actor` holds membership and the event sequence; `comments`, `live` and `notes` its parts.

pub mod actor;
pub mod collab;
mod comments;
pub mod hub;
mod live;
mod notes;

pub use comments::CommentDraft;

/// Mailbox size of the hub, rooms and sessions: large, because a `send` to a full mailbox
/// waits and these actors must never stall each other. What a client cannot read is cut
/// off at its bounded outgoing queue instead.
pub const MAILBOX: usize = 100_000;

#[cfg(test)]
mod tests;
