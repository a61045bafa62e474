//! The organizer plugin seen from the server: the `Organizer` actor supervises the plugin
//! and proxies every call to it; the inbox serves the calls the plugin makes back.
//!
//! Everything here degrades: with no plugin configured, or while it is down, refused or
//! too slow, callers get `None` and use the built-in behaviour (owner and admins, a flat
//! library).

mod actor;
pub mod convert;
mod events;
pub mod inbox;
mod launch;
pub mod store;

pub use actor::{LinkState, Organizer, OrganizerStatus};

use crate::db::models::Media;
use crate::db::Db;
use crate::notice::Notifier;
use actix::prelude::*;
use dailies_protocol::UserInfo;
use organizer_sdk::pb;
use std::sync::Arc;

/// Why a proxied call has no answer from the plugin.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// No plugin, or it is down, hung or lacks the capability: use the built-in behaviour.
    Unavailable(String),
    /// The plugin answered with an error (for commands: shown to the user).
    Plugin(tonic::Code, String),
}

/// The plugin's verdict on an access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub allow: bool,
    pub reason: String,
}

fn media_ref(m: &Media) -> pb::ObjectRef {
    pb::ObjectRef {
        kind: "media".into(),
        id: m.id.0.clone(),
        owner_id: m.owner_id.0.clone(),
        title: m.title.clone(),
        media_id: String::new(),
    }
}

/// What the rest of the server holds: cheap to clone, inert when no plugin is configured.
#[derive(Clone, Default)]
pub struct OrganizerHandle {
    addr: Option<Addr<Organizer>>,
    authorizes: Arc<std::sync::atomic::AtomicBool>,
    /// Set once the plugin answered `AuthorizeBatch` with UNIMPLEMENTED (a protocol 1.0
    /// plugin): later listings ask one question at a time without trying again, until a
    /// plugin comes up anew.
    no_batch: Arc<std::sync::atomic::AtomicBool>,
    /// The server, handed to the inbox once built (its writes take the users' paths).
    app: Arc<std::sync::OnceLock<crate::state::AppState>>,
}

impl OrganizerHandle {
    /// Gives the inbox the server it writes through; call once the state is built.
    pub fn attach(&self, state: crate::state::AppState) {
        let _ = self.app.set(state);
    }

    /// Starts the inbox and the supervising actor when the configuration names a plugin.
    /// The plugin hears the notices it subscribes to (see `events`) from `notifier`.
    pub async fn start(config: Arc<crate::config::Config>, db: Db, notifier: Notifier) -> anyhow::Result<Self> {
        let Some(target) = launch::Target::from_config(&config)? else {
            return Ok(OrganizerHandle::default());
        };
        let dir = config.data_dir.join("organizer");
        launch::private_dir(&dir)?;
        let token = uuid::Uuid::new_v4().simple().to_string();
        let authorizes = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let no_batch = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (plugin_tx, plugin_rx) = tokio::sync::watch::channel(None);
        let app = Arc::new(std::sync::OnceLock::new());
        let inbox_addr = inbox::serve(
            &dir,
            token.clone(),
            plugin_rx,
            db.clone(),
            notifier.clone(),
            app.clone(),
        )
        .await?;
        let actor = Organizer::new(actor::Setup {
            target,
            timeout: config.organizer_timeout,
            inbox_address: inbox_addr.to_string(),
            inbox_token: token,
            plugin_name: plugin_tx,
            authorizes: authorizes.clone(),
            no_batch: no_batch.clone(),
            db,
            notifier: notifier.clone(),
        });
        let addr = actor.start();
        notifier.subscribe(addr.clone().recipient());
        Ok(OrganizerHandle {
            addr: Some(addr),
            authorizes,
            no_batch,
            app,
        })
    }

    pub fn is_configured(&self) -> bool {
        self.addr.is_some()
    }

    /// Whether a plugin is up that answers authorization questions (otherwise the built-in
    /// rule decides, without a call).
    pub fn authorizes(&self) -> bool {
        self.authorizes.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn ask<M>(&self, msg: M) -> Result<M::Result, CallError>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        Organizer: Handler<M>,
    {
        let addr = self
            .addr
            .as_ref()
            .ok_or_else(|| CallError::Unavailable("no organizer plugin".into()))?;
        addr.send(msg)
            .await
            .map_err(|e| CallError::Unavailable(format!("organizer actor: {e}")))
    }

    /// The plugin's verdict, or `None` when the built-in rule must decide.
    pub async fn authorize(
        &self,
        user: &UserInfo,
        media: &Media,
        action: &str,
        builtin_allowed: bool,
    ) -> Option<Verdict> {
        self.authorize_object(user, media_ref(media), action, builtin_allowed)
            .await
    }

    /// The plugin's verdict on `action` on any object (a media, a comment, a library), or
    /// `None` when the built-in rule must decide.
    pub async fn authorize_object(
        &self,
        user: &UserInfo,
        object: pb::ObjectRef,
        action: &str,
        builtin_allowed: bool,
    ) -> Option<Verdict> {
        if !self.authorizes() {
            return None;
        }
        let (kind, id) = (object.kind.clone(), object.id.clone());
        let req = pb::AuthorizeRequest {
            user: Some(convert::user(user)),
            action: action.to_string(),
            object: Some(object),
            builtin_allowed,
        };
        match self.ask(actor::Authorize(req)).await.and_then(|r| r) {
            Ok(r) => Some(Verdict {
                allow: r.allow,
                reason: r.reason,
            }),
            Err(e) => {
                tracing::debug!(
                    action,
                    kind,
                    id,
                    "organizer authorize without answer ({e:?}): built-in rule"
                );
                None
            }
        }
    }

    /// The plugin's verdicts on `action` for each of `media` (for listings), in one call.
    /// `Err(true)` when the plugin has no batch call (ask one at a time instead),
    /// `Err(false)` when the built-in rule must decide.
    pub async fn authorize_batch(
        &self,
        user: &UserInfo,
        media: &[Media],
        action: &str,
        builtin_allowed: impl Fn(&Media) -> bool,
    ) -> Result<Vec<Verdict>, bool> {
        use std::sync::atomic::Ordering;
        if !self.authorizes() {
            return Err(false);
        }
        if self.no_batch.load(Ordering::SeqCst) {
            return Err(true);
        }
        let u = convert::user(user);
        let requests = media
            .iter()
            .map(|m| pb::AuthorizeRequest {
                user: Some(u.clone()),
                action: action.to_string(),
                object: Some(media_ref(m)),
                builtin_allowed: builtin_allowed(m),
            })
            .collect();
        match self
            .ask(actor::AuthorizeBatch(pb::AuthorizeBatchRequest { requests }))
            .await
            .and_then(|r| r)
        {
            Ok(r) if r.responses.len() == media.len() => Ok(r
                .responses
                .into_iter()
                .map(|r| Verdict {
                    allow: r.allow,
                    reason: r.reason,
                })
                .collect()),
            Ok(r) => {
                tracing::warn!(
                    asked = media.len(),
                    answered = r.responses.len(),
                    "organizer AuthorizeBatch answered the wrong number of verdicts: built-in rule"
                );
                Err(false)
            }
            Err(CallError::Plugin(tonic::Code::Unimplemented, _)) => {
                self.no_batch.store(true, Ordering::SeqCst);
                Err(true)
            }
            Err(e) => {
                tracing::debug!(action, "organizer AuthorizeBatch without answer ({e:?}): built-in rule");
                Err(false)
            }
        }
    }

    /// The plugin's page and its name, or `None` for the built-in page.
    pub async fn page(&self, user: &UserInfo, path: &str) -> Option<(pb::UserPageResponse, String)> {
        self.addr.as_ref()?;
        let req = pb::UserPageRequest {
            user: Some(convert::user(user)),
            path: path.to_string(),
        };
        match self.ask(actor::Page(req)).await.and_then(|r| r) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::debug!(path, "organizer page without answer ({e:?}): built-in page");
                None
            }
        }
    }

    pub async fn command(
        &self,
        user: &UserInfo,
        name: &str,
        args: &serde_json::Value,
        path: &str,
    ) -> Result<pb::CustomCommandResponse, CallError> {
        let req = pb::CustomCommandRequest {
            user: Some(convert::user(user)),
            name: name.to_string(),
            args_json: if args.is_null() {
                String::new()
            } else {
                args.to_string()
            },
            path: path.to_string(),
        };
        self.ask(actor::Command(req)).await?
    }

    /// Where the link to the plugin stands.
    pub async fn status(&self) -> OrganizerStatus {
        self.ask(actor::GetStatus).await.unwrap_or_default()
    }

    /// Stops the plugin (SIGTERM to a child) and the supervision.
    pub async fn stop(&self) {
        let _ = self.ask(actor::Shutdown).await;
    }
}
