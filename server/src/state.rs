//! What every request handler and actor can reach: configuration, database, the hub.

use crate::config::Config;
use crate::db::Db;
use crate::room::hub::Hub;
use actix::Addr;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub hub: Addr<Hub>,
    pub ingest: Addr<crate::ingest::queue::Ingest>,
    pub users: crate::identity::KnownUsers,
    pub organizer: crate::organizer::OrganizerHandle,
}
