//! Notices: whatever happened in the domain, said once. Domain code emits a `Notice` through
//! a cheap `Notifier` handle; the hub, the organizer proxy (and later other nodes)
//! subscribe, so no domain module calls a listener by name. Events that tell people or
//! other systems (bell, webhooks, mail) are recorded through its `Outbox` (see `notify`).

use crate::db::models::Media;
use crate::db::{queries, Db};
use crate::notify::{Event, Outbox, Recorded};
use actix::prelude::*;
use dailies_protocol::{Comment, MediaId, Sharing, StatusChange, UserId, UserInfo, UserMessage};
use std::sync::{Arc, RwLock};

/// Something that happened, after it was stored.
#[derive(Debug, Clone)]
pub enum Notice {
    /// A media row was added (upload, tus, watch folder).
    MediaAdded { media: Media },
    /// A media row changed: facts, status, pictures, title or owner. `previous_owner` is
    /// set when the owner changed, so the one who lost it hears too.
    MediaChanged {
        media: Media,
        previous_owner: Option<UserId>,
    },
    /// Processing progress for the owner's live view (not every one is stored).
    MediaProgress {
        media_id: MediaId,
        owner: UserId,
        progress: f64,
        stage: String,
    },
    /// A media file and everything about it is gone.
    MediaDeleted { media: Media, by: UserInfo },
    /// A comment (or reply) was committed in a room.
    CommentAdded { comment: Comment },
    /// A user opened a websocket session.
    UserConnected { user: UserInfo },
    /// A notification was stored in a user's inbox.
    MessageStored { user: UserId, message: UserMessage },
    /// The organizer plugin asks a user's clients to reload its page.
    OrganizerRefresh { user: UserId },
    /// Who a media file is shared with (or its link access) changed.
    SharingChanged {
        media_id: MediaId,
        sharing: Sharing,
        by: UserInfo,
    },
    /// A media file's review status changed.
    StatusChanged { media_id: MediaId, change: StatusChange },
}

/// A notice as actors receive it: shared, since every listener gets the same one.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Noticed(pub Arc<Notice>);

type Listener = Box<dyn Fn(&Arc<Notice>) + Send + Sync>;

/// A listener, and whether it hears only this process's own notices (the bus, which sends
/// them to the other processes, must not send back what came from them).
struct Listening {
    local_only: bool,
    f: Listener,
}

/// Emits notices to every subscriber; cloning it is cheap. Listeners must not block: actors
/// get the notice in their mailbox, channels get it queued.
#[derive(Clone, Default)]
pub struct Notifier {
    listeners: Arc<RwLock<Vec<Listening>>>,
    outbox: Outbox,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.listeners.read().map(|l| l.len()).unwrap_or(0);
        write!(f, "Notifier({n} listeners)")
    }
}

impl Notifier {
    /// A notifier whose events also go out as webhooks and mail through `outbox`.
    pub fn with_outbox(outbox: Outbox) -> Notifier {
        Notifier {
            listeners: Default::default(),
            outbox,
        }
    }

    /// Where events are recorded: `notifier.outbox().record(conn, &events)` inside the
    /// transaction that stored what happened, then `announce` once it committed.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// After the commit: the inbox messages reach their users' open sessions, and the
    /// delivery worker looks at what was queued.
    pub fn announce(&self, recorded: Recorded) {
        for m in recorded.messages {
            self.emit(Notice::MessageStored {
                user: m.user_id.clone(),
                message: m.to_wire(),
            });
        }
        if recorded.queued {
            self.outbox.wake();
        }
    }

    /// Records `events` in a transaction of their own and announces them: for events that
    /// follow a change already committed (a live session started, processing ended).
    pub async fn record(&self, db: &Db, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        let outbox = self.outbox.clone();
        match db
            .run(move |c| c.immediate_transaction(|c| outbox.record(c, &events)))
            .await
        {
            Ok(r) => self.announce(r),
            Err(e) => tracing::warn!("recording notifications: {e}"),
        }
    }

    /// An actor hears every notice from now on.
    pub fn subscribe(&self, r: Recipient<Noticed>) {
        self.listen(move |n| r.do_send(Noticed(n.clone())));
    }

    /// A channel that receives every notice from now on (for tests and tools).
    pub fn channel(&self) -> tokio::sync::mpsc::UnboundedReceiver<Arc<Notice>> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        self.listen(move |n| {
            let _ = tx.send(n.clone());
        });
        rx
    }

    fn listen(&self, f: impl Fn(&Arc<Notice>) + Send + Sync + 'static) {
        self.add(false, Box::new(f));
    }

    /// A listener that hears only what this process emits itself (see `crate::bus`).
    pub fn listen_local(&self, f: impl Fn(&Arc<Notice>) + Send + Sync + 'static) {
        self.add(true, Box::new(f));
    }

    fn add(&self, local_only: bool, f: Listener) {
        let mut l = self.listeners.write().unwrap_or_else(|p| p.into_inner());
        l.push(Listening { local_only, f });
    }

    pub fn emit(&self, notice: Notice) {
        self.tell(notice, false);
    }

    /// A notice another process emitted, told to this process's listeners.
    pub fn emit_from_bus(&self, notice: Notice) {
        self.tell(notice, true);
    }

    fn tell(&self, notice: Notice, from_bus: bool) {
        let n = Arc::new(notice);
        let l = self.listeners.read().unwrap_or_else(|p| p.into_inner());
        for listening in l.iter().filter(|x| !(from_bus && x.local_only)) {
            (listening.f)(&n);
        }
    }

    /// Loads a media row and tells everyone it changed (quietly nothing when it is gone).
    pub async fn media_changed(&self, db: &Db, media_id: &str) {
        let id = media_id.to_string();
        match db.run(move |c| queries::get_media(c, &id)).await {
            Ok(Some(media)) => self.emit(Notice::MediaChanged {
                media,
                previous_owner: None,
            }),
            Ok(None) => {}
            Err(e) => tracing::warn!(media_id, "cannot load media to announce a change: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_hears_every_notice_in_order() {
        let n = Notifier::default();
        let mut a = n.channel();
        let mut b = n.channel();
        for u in ["u1", "u2"] {
            n.emit(Notice::OrganizerRefresh { user: UserId(u.into()) });
        }
        for rx in [&mut a, &mut b] {
            for u in ["u1", "u2"] {
                match rx.try_recv().as_deref() {
                    Ok(Notice::OrganizerRefresh { user }) => assert_eq!(user.0, u),
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert!(rx.try_recv().is_err());
        }
    }

    #[test]
    fn a_closed_channel_does_not_stop_the_others() {
        let n = Notifier::default();
        drop(n.channel());
        let mut b = n.channel();
        n.emit(Notice::OrganizerRefresh {
            user: UserId("x".into()),
        });
        assert!(b.try_recv().is_ok());
    }
}
