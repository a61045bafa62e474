//! Notifications out. Every event is recorded once (`record`, inside the transaction that
//! stored what happened): inbox messages, webhook deliveries and mails all come from it.
//! The `worker` sends deliveries and mails off the request path, retrying with backoff.

pub mod event;
pub mod mail;
pub mod store;
pub mod webhook;
pub mod worker;

pub use event::{Event, EventKind, MailMode, MediaRef};

use crate::db::models::{NewUserMessage, UserMessageRow};
use crate::db::{queries, Conn};
use crate::error::AppResult;
use dailies_protocol::UserId;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A new unsubscribe token for `user` and `kind`; only its hash is stored.
pub fn unsubscribe_token(c: &mut Conn, user: &str, kind: EventKind) -> AppResult<String> {
    let token = crate::sharing::new_token();
    store::insert_token(c, &crate::sharing::token_hash(&token), user, kind)?;
    Ok(token)
}

/// What `record` needs to know beyond the database, and the bell that wakes the worker.
/// Cheap to clone; the default records inbox messages and webhooks but no mail.
#[derive(Clone, Default)]
pub struct Outbox(Arc<OutboxInner>);

#[derive(Default)]
struct OutboxInner {
    mail: bool,
    public_url: Option<String>,
    wake: tokio::sync::Notify,
    /// Addresses from the proxy header as last stored, so a request writes only on change.
    proxy_emails: Mutex<HashMap<UserId, String>>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Outbox(mail: {})", self.0.mail)
    }
}

/// What recording stored: the inbox messages to announce, and whether anything waits for
/// the worker.
#[derive(Debug, Default)]
pub struct Recorded {
    pub messages: Vec<UserMessageRow>,
    pub queued: bool,
}

impl Outbox {
    pub fn new(mail: bool, public_url: Option<String>) -> Outbox {
        Outbox(Arc::new(OutboxInner {
            mail,
            public_url,
            ..Default::default()
        }))
    }

    pub fn mail_enabled(&self) -> bool {
        self.0.mail
    }

    pub fn public_url(&self) -> Option<&str> {
        self.0.public_url.as_deref()
    }

    /// Tells the worker something new waits.
    pub fn wake(&self) {
        self.0.wake.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.0.wake.notified().await
    }

    /// Whether `addr` differs from what was last stored for `user` (and remembers it).
    pub fn proxy_email_changed(&self, user: &UserId, addr: &str) -> bool {
        let Ok(mut m) = self.0.proxy_emails.lock() else {
            return true;
        };
        if m.get(user).map(String::as_str) == Some(addr) {
            return false;
        }
        m.insert(user.clone(), addr.to_string());
        true
    }

    /// Stores everything `events` cause. Call it inside the transaction that stored what
    /// happened: then a delivery exists exactly when the change does.
    pub fn record(&self, c: &mut Conn, events: &[Event]) -> AppResult<Recorded> {
        let mut out = Recorded::default();
        if events.is_empty() {
            return Ok(out);
        }
        let now = chrono::Utc::now().naive_utc();
        let endpoints = store::active_endpoints(c)?;
        for ev in events {
            if ev.bell {
                if let Some(kind) = ev.kind.message_kind() {
                    for to in &ev.to {
                        // Only users who signed in have an inbox.
                        if queries::get_user(c, to.as_str())?.is_none() {
                            continue;
                        }
                        let m = NewUserMessage {
                            user_id: to.clone(),
                            kind,
                            media_id: ev.media.as_ref().map(|m| m.id.0.clone()),
                            comment_id: ev.comment_id,
                            text: ev.text.clone(),
                        };
                        out.messages.push(queries::insert_user_message(c, &m)?);
                    }
                }
            }
            for e in endpoints.iter().filter(|e| e.wants(ev.kind)) {
                let id = uuid::Uuid::new_v4().to_string();
                let body = webhook::body(e, &id, ev, self.public_url());
                store::insert_delivery(c, &id, e.id, ev.kind.as_str(), &body, now)?;
                out.queued = true;
            }
            if self.0.mail && ev.kind.personal() {
                for to in &ev.to {
                    if store::email_of(c, to.as_str())?.is_none() {
                        continue;
                    }
                    let item = json!({
                        "kind": ev.kind.as_str(),
                        "text": ev.text,
                        "link": ev.link(self.public_url()),
                        "at": ev.at.to_rfc3339(),
                    });
                    match store::mode_of(c, to.as_str(), ev.kind)? {
                        MailMode::Never => continue,
                        MailMode::Now => store::insert_mail(c, to.as_str(), "now", &json!([item]).to_string(), now)?,
                        MailMode::Hourly => {
                            store::insert_digest_item(c, to.as_str(), "hourly", &item.to_string(), now)?
                        }
                        MailMode::Daily => store::insert_digest_item(c, to.as_str(), "daily", &item.to_string(), now)?,
                    }
                    out.queued = true;
                }
            }
        }
        Ok(out)
    }
}
