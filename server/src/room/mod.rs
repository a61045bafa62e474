//! Rooms and the hub: who is connected, and (per media file) who is reviewing together.

pub mod hub;
