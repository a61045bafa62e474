//! Notices between processes on one PostgreSQL database (server nodes and transcode
//! workers): what one process's domain code emits reaches the listeners of every other, so
//! a job's progress reaches its owner's browser whichever node the browser is on.
//!
//! Carried by PostgreSQL's LISTEN/NOTIFY on the channel `dailies_bus`. A notification
//! carries ids, not rows: the receiving process reads what changed from the database.
//! Each process names itself in what it sends and ignores its own. With SQLite there is one
//! process and no bus.

use crate::db::{Db, Location};
use crate::notice::{Notice, Notifier};
use dailies_protocol::{MediaId, UserId};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::mpsc;
use std::time::Duration;

const CHANNEL: &str = "dailies_bus";
/// How often the listening connection looks for notifications that arrived.
const LISTEN_POLL: Duration = Duration::from_millis(20);
/// How long a lost connection waits before connecting again.
const RECONNECT: Duration = Duration::from_secs(1);

/// One notice as it travels between processes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "n", rename_all = "snake_case")]
pub enum Wire {
    /// Read the media row again and tell everyone it changed.
    MediaChanged {
        media_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous_owner: Option<String>,
    },
    MediaProgress {
        media_id: String,
        owner: String,
        progress: f64,
        stage: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    /// The sending process.
    from: String,
    #[serde(flatten)]
    wire: Wire,
}

impl Wire {
    /// The notices other processes need, as they travel; None for the rest.
    pub fn of(n: &Notice) -> Option<Wire> {
        match n {
            Notice::MediaChanged { media, previous_owner } => Some(Wire::MediaChanged {
                media_id: media.id.as_str().to_owned(),
                previous_owner: previous_owner.as_ref().map(|u| u.0.clone()),
            }),
            Notice::MediaProgress {
                media_id,
                owner,
                progress,
                stage,
            } => Some(Wire::MediaProgress {
                media_id: media_id.as_str().to_owned(),
                owner: owner.0.clone(),
                progress: *progress,
                stage: stage.clone(),
            }),
            _ => None,
        }
    }
}

/// Joins this process to the bus when the database is PostgreSQL: its notices go out, and
/// (when `listen`) the others' come in through `notifier`. Nothing with SQLite.
pub fn join(config: &crate::config::Config, db: &Db, notifier: &Notifier, listen: bool) -> anyhow::Result<()> {
    let Location::Postgres(url) = Location::from_config(config)? else {
        return Ok(());
    };
    let me = format!(
        "{}/{}-{:08x}",
        config.node_name,
        std::process::id(),
        rand::random::<u32>()
    );
    let (tx, rx) = mpsc::channel::<String>();
    {
        let me = me.clone();
        notifier.listen_local(move |n| {
            if let Some(wire) = Wire::of(n) {
                if let Ok(text) = serde_json::to_string(&Envelope { from: me.clone(), wire }) {
                    let _ = tx.send(text);
                }
            }
        });
    }
    let send_url = url.clone();
    std::thread::Builder::new()
        .name("bus-send".into())
        .spawn(move || send_loop(&send_url, rx))?;
    if listen {
        let (in_tx, mut in_rx) = tokio::sync::mpsc::unbounded_channel::<Wire>();
        std::thread::Builder::new()
            .name("bus-listen".into())
            .spawn(move || listen_loop(&url, &me, in_tx))?;
        let (db, notifier) = (db.clone(), notifier.clone());
        actix::spawn(async move {
            while let Some(wire) = in_rx.recv().await {
                deliver(&db, &notifier, wire).await;
            }
        });
    }
    Ok(())
}

/// A notice from another process, told to this one's listeners (and not sent back out).
async fn deliver(db: &Db, notifier: &Notifier, wire: Wire) {
    match wire {
        Wire::MediaChanged {
            media_id,
            previous_owner,
        } => {
            let id = media_id.clone();
            match db.run(move |c| crate::db::queries::get_media(c, &id)).await {
                Ok(Some(media)) => notifier.emit_from_bus(Notice::MediaChanged {
                    media,
                    previous_owner: previous_owner.map(UserId),
                }),
                Ok(None) => {}
                Err(e) => tracing::warn!(media_id, "bus: cannot read a changed media: {e}"),
            }
        }
        Wire::MediaProgress {
            media_id,
            owner,
            progress,
            stage,
        } => notifier.emit_from_bus(Notice::MediaProgress {
            media_id: MediaId(media_id),
            owner: UserId(owner),
            progress,
            stage,
        }),
    }
}

fn connect(url: &str) -> Option<diesel::PgConnection> {
    match diesel::PgConnection::establish(&crate::db::with_connect_timeout(url)) {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::warn!("bus: cannot connect to PostgreSQL: {e}");
            None
        }
    }
}

/// Sends each queued notice with `pg_notify` on a connection of its own, connecting again
/// when it is lost (a notice that could not be sent is dropped: progress goes on and
/// changes are read from the database by anyone who reloads).
fn send_loop(url: &str, rx: mpsc::Receiver<String>) {
    let mut conn: Option<diesel::PgConnection> = None;
    for text in rx {
        if conn.is_none() {
            conn = connect(url);
        }
        let Some(c) = conn.as_mut() else { continue };
        let sent = diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<diesel::sql_types::Text, _>(CHANNEL)
            .bind::<diesel::sql_types::Text, _>(&text)
            .execute(c);
        if let Err(e) = sent {
            tracing::warn!("bus: a notice was not sent: {e}");
            conn = None;
        }
    }
}

/// Listens on the channel and hands every other process's notice to `to`; connects again
/// after a lost connection. Ends when the receiving side is gone.
fn listen_loop(url: &str, me: &str, to: tokio::sync::mpsc::UnboundedSender<Wire>) {
    loop {
        let Some(mut c) = connect(url) else {
            std::thread::sleep(RECONNECT);
            continue;
        };
        if let Err(e) = diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut c) {
            tracing::warn!("bus: LISTEN failed: {e}");
            std::thread::sleep(RECONNECT);
            continue;
        }
        'connected: loop {
            for n in c.notifications_iter() {
                let n = match n {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!("bus: the listening connection was lost: {e}");
                        break 'connected;
                    }
                };
                match serde_json::from_str::<Envelope>(&n.payload) {
                    Ok(env) if env.from == me => {}
                    Ok(env) => {
                        if to.send(env.wire).is_err() {
                            return;
                        }
                    }
                    Err(e) => tracing::warn!("bus: an unreadable notice: {e}"),
                }
            }
            if to.is_closed() {
                return;
            }
            std::thread::sleep(LISTEN_POLL);
        }
        std::thread::sleep(RECONNECT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_travel_as_small_tagged_json() {
        let w = Wire::MediaProgress {
            media_id: "m1".into(),
            owner: "alice".into(),
            progress: 0.5,
            stage: "proxy".into(),
        };
        let text = serde_json::to_string(&Envelope {
            from: "node-a/1".into(),
            wire: w.clone(),
        })
        .unwrap();
        assert_eq!(
            text,
            r#"{"from":"node-a/1","n":"media_progress","media_id":"m1","owner":"alice","progress":0.5,"stage":"proxy"}"#
        );
        let back: Envelope = serde_json::from_str(&text).unwrap();
        assert_eq!(back.wire, w);
        let changed: Envelope = serde_json::from_str(r#"{"from":"w","n":"media_changed","media_id":"m2"}"#).unwrap();
        assert_eq!(
            changed.wire,
            Wire::MediaChanged {
                media_id: "m2".into(),
                previous_owner: None
            }
        );
    }
}
