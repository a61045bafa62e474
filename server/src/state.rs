//! What the edge (HTTP handlers, websocket sessions, intake) can reach: configuration, the
//! database, the media store, the hub, the processing queue, the organizer and the notifier. Lower layers
//! take the handles they need instead.

use crate::config::Config;
use crate::db::users::KnownUsers;
use crate::db::Db;
use crate::ingest::queue::Ingest;
use crate::notice::Notifier;
use crate::organizer::OrganizerHandle;
use crate::room::hub::Hub;
use crate::space::Space;
use crate::store::Store;
use actix::Addr;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub hub: Addr<Hub>,
    pub ingest: Addr<Ingest>,
    pub users: KnownUsers,
    pub organizer: OrganizerHandle,
    pub notifier: Notifier,
    pub space: Space,
    /// Where media files live: local `media/` or a bucket.
    pub store: Store,
}
