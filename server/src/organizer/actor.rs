//! The `Organizer` actor: owns the link to the plugin (its child process, the gRPC client,
//! the handshake's answer), restarts it with exponential backoff, and proxies each call
//! with a timeout, so a missing, slow or crashing plugin never stalls the server.

use super::launch::{self, LaunchError, Launched, Target};
use super::CallError;
use crate::db::Db;
use crate::notice::{Noticed, Notifier};
use actix::prelude::*;
use organizer_sdk::pb::{self, organizer_client::OrganizerClient};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonic::transport::Channel;

/// After this many timeouts in a row the plugin counts as hung and is restarted.
const HUNG_AFTER_TIMEOUTS: u32 = 3;
const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// A plugin that stayed up this long starts its backoff afresh when it goes down.
const STABLE_AFTER: Duration = Duration::from_secs(10);

/// Where the link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinkState {
    /// No plugin configured.
    #[default]
    Off,
    Starting,
    Up,
    /// Down or hung; a restart is scheduled. The built-in behaviour applies.
    Down,
    /// Incompatible: no restarts. The built-in behaviour applies.
    Refused,
    Stopped,
}

/// A snapshot for admins, logs and tests.
#[derive(Debug, Clone, Default, MessageResponse)]
pub struct OrganizerStatus {
    pub state: LinkState,
    pub plugin: Option<String>,
    pub version: Option<String>,
    pub capabilities: Vec<String>,
    /// Why it is down or refused.
    pub reason: Option<String>,
    /// The child's process id (for `--organizer-cmd`).
    pub pid: Option<u32>,
    /// How many times the plugin was brought up again after going down.
    pub restarts: u32,
}

pub struct Setup {
    pub target: Target,
    pub timeout: Duration,
    pub inbox_address: String,
    pub inbox_token: String,
    /// Tells the inbox whose key-value store to use.
    pub plugin_name: tokio::sync::watch::Sender<Option<String>>,
    /// Whether the plugin is up and answers authorization questions: read without asking
    /// the actor, so checks that would only get the built-in answer skip the round trip.
    pub authorizes: Arc<AtomicBool>,
    /// Set by the handle when the plugin has no `AuthorizeBatch`; cleared whenever a plugin
    /// (perhaps a newer one) comes up.
    pub no_batch: Arc<AtomicBool>,
    pub db: Db,
    pub notifier: Notifier,
}

struct Up {
    client: OrganizerClient<Channel>,
    hello: pb::HandshakeResponse,
    since: Instant,
}

pub struct Organizer {
    setup: Setup,
    state: LinkState,
    up: Option<Up>,
    reason: Option<String>,
    /// Counts launches; answers about an older one are ignored.
    generation: u64,
    /// Failed launches (or short lives) in a row: the backoff exponent.
    failures: u32,
    restarts: u32,
    timeouts_in_row: u32,
    pid: Option<u32>,
    /// Dropping it stops the child.
    kill: Option<tokio::sync::oneshot::Sender<()>>,
    /// Whether admins were told it is down (so they hear once, and hear it is back).
    announced_down: bool,
}

impl Organizer {
    pub fn new(setup: Setup) -> Self {
        Organizer {
            setup,
            state: LinkState::Starting,
            up: None,
            reason: None,
            generation: 0,
            failures: 0,
            restarts: 0,
            timeouts_in_row: 0,
            pid: None,
            kill: None,
            announced_down: false,
        }
    }

    fn launch(&mut self, ctx: &mut Context<Self>) {
        self.generation += 1;
        let generation = self.generation;
        self.state = LinkState::Starting;
        self.setup.authorizes.store(false, Ordering::SeqCst);
        let hello = pb::HandshakeRequest {
            server_version: env!("CARGO_PKG_VERSION").into(),
            protocol_major: organizer_sdk::PROTOCOL_MAJOR,
            protocol_minor: organizer_sdk::PROTOCOL_MINOR,
            inbox_address: self.setup.inbox_address.clone(),
            inbox_token: self.setup.inbox_token.clone(),
        };
        tracing::info!(plugin = %self.setup.target.describe(), "starting the organizer plugin");
        launch::launch(self.setup.target.clone(), hello, self.setup.timeout)
            .into_actor(self)
            .map(move |res, act, ctx| {
                if generation == act.generation && act.state == LinkState::Starting {
                    act.launched(res, ctx)
                }
            })
            .spawn(ctx);
    }

    fn launched(&mut self, res: Result<Launched, LaunchError>, ctx: &mut Context<Self>) {
        match res {
            Ok(l) => {
                if let Some(child) = l.child {
                    self.watch_child(child, ctx);
                }
                tracing::info!(
                    plugin = %l.hello.plugin_name,
                    version = %l.hello.plugin_version,
                    capabilities = ?l.hello.capabilities,
                    "organizer plugin up"
                );
                let _ = self.setup.plugin_name.send(Some(l.hello.plugin_name.clone()));
                if self.announced_down {
                    self.announced_down = false;
                    self.announce(format!("The organizer plugin {} is back.", l.hello.plugin_name));
                }
                self.state = LinkState::Up;
                let authorizes = l.hello.capabilities.iter().any(|c| c == "authorize");
                self.setup.authorizes.store(authorizes, Ordering::SeqCst);
                self.setup.no_batch.store(false, Ordering::SeqCst);
                self.reason = None;
                self.timeouts_in_row = 0;
                self.up = Some(Up {
                    client: l.client,
                    hello: l.hello,
                    since: Instant::now(),
                });
            }
            Err(LaunchError::Refused(why)) => {
                tracing::error!("{why}; the server goes on with its built-in behaviour");
                self.state = LinkState::Refused;
                self.setup.authorizes.store(false, Ordering::SeqCst);
                self.reason = Some(why.clone());
                self.announce(format!(
                    "{why}. Folders and plugin rules are off: only owners and admins see media."
                ));
                self.announced_down = true;
            }
            Err(LaunchError::Failed(why)) => {
                self.failures += 1;
                self.went_down(why, ctx);
            }
        }
    }

    /// Owns the child; reports its exit; stops it when asked or when the actor goes.
    fn watch_child(&mut self, mut child: tokio::process::Child, ctx: &mut Context<Self>) {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        self.kill = Some(tx);
        self.pid = child.id();
        let generation = self.generation;
        let me = ctx.address();
        actix::spawn(async move {
            let status = tokio::select! {
                st = child.wait() => st,
                _ = rx => {
                    if let Some(pid) = child.id() {
                        // SAFETY: signalling our own child by pid.
                        unsafe { libc::kill(pid as i32, libc::SIGTERM) };
                    }
                    match tokio::time::timeout(Duration::from_secs(2), child.wait()).await {
                        Ok(st) => st,
                        Err(_) => {
                            let _ = child.start_kill();
                            child.wait().await
                        }
                    }
                }
            };
            let status = match status {
                Ok(s) => s.to_string(),
                Err(e) => e.to_string(),
            };
            me.do_send(Exited { generation, status });
        });
    }

    /// Marks the link down and schedules the next launch.
    fn went_down(&mut self, why: String, ctx: &mut Context<Self>) {
        if matches!(self.state, LinkState::Stopped | LinkState::Refused) {
            return;
        }
        if let Some(up) = self.up.take() {
            if up.since.elapsed() >= STABLE_AFTER {
                self.failures = 0;
            } else {
                self.failures += 1;
            }
        }
        self.kill = None;
        self.pid = None;
        self.generation += 1;
        self.state = LinkState::Down;
        self.setup.authorizes.store(false, Ordering::SeqCst);
        let delay = backoff(self.failures);
        tracing::warn!(
            reason = %why,
            retry_in_ms = delay.as_millis() as u64,
            "organizer plugin down; the server uses its built-in behaviour meanwhile"
        );
        if !self.announced_down {
            self.announced_down = true;
            self.announce(format!(
                "The organizer plugin is down ({why}). Until it is back only owners and admins see media, in a flat library."
            ));
        }
        self.reason = Some(why);
        let generation = self.generation;
        ctx.run_later(delay, move |act, ctx| {
            if act.generation == generation && act.state == LinkState::Down {
                act.restarts += 1;
                act.launch(ctx);
            }
        });
    }

    /// Tells the admins, in their notifications (stored, and live when connected).
    fn announce(&self, text: String) {
        let db = self.setup.db.clone();
        let notifier = self.setup.notifier.clone();
        actix::spawn(async move {
            if let Err(e) = super::store::notify_admins(&db, &notifier, &text).await {
                tracing::warn!("cannot notify admins about the organizer: {e}");
            }
        });
    }

    /// The client for a call of capability `cap`, or why there is none.
    fn client_for(&self, cap: &str) -> Result<(OrganizerClient<Channel>, u64), CallError> {
        match (&self.state, &self.up) {
            (LinkState::Up, Some(up)) if up.hello.capabilities.iter().any(|c| c == cap) => {
                Ok((up.client.clone(), self.generation))
            }
            (LinkState::Up, Some(_)) => Err(CallError::Unavailable(format!("the plugin does not do {cap}"))),
            (state, _) => Err(CallError::Unavailable(format!("organizer plugin {state:?}"))),
        }
    }

    /// Runs one call with the timeout and accounts for its outcome.
    fn call<R, F, Fut>(&mut self, cap: &str, f: F) -> ResponseActFuture<Self, Result<R, CallError>>
    where
        R: 'static,
        F: FnOnce(OrganizerClient<Channel>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<R>, tonic::Status>> + 'static,
    {
        let (client, generation) = match self.client_for(cap) {
            Ok(c) => c,
            Err(e) => return Box::pin(fut::ready(Err(e))),
        };
        let timeout = self.setup.timeout;
        let call = f(client);
        Box::pin(
            async move { tokio::time::timeout(timeout, call).await }
                .into_actor(self)
                .map(move |res, act, ctx| {
                    let current = generation == act.generation;
                    match res {
                        Err(_) => {
                            if current {
                                act.timed_out(ctx);
                            }
                            Err(CallError::Unavailable(format!("no answer within {timeout:?}")))
                        }
                        Ok(Err(s)) if link_broken(&s) => {
                            if current && act.kill.is_none() {
                                // A plugin we did not start: reconnect. (Our child's exit is
                                // reported by its watcher.)
                                act.went_down(format!("connection lost: {}", s.message()), ctx);
                            }
                            Err(CallError::Unavailable(s.message().to_string()))
                        }
                        Ok(Err(s)) => {
                            act.timeouts_in_row = 0;
                            Err(CallError::Plugin(s.code(), s.message().to_string()))
                        }
                        Ok(Ok(r)) => {
                            act.timeouts_in_row = 0;
                            Ok(r.into_inner())
                        }
                    }
                }),
        )
    }

    fn timed_out(&mut self, ctx: &mut Context<Self>) {
        self.timeouts_in_row += 1;
        tracing::warn!(in_a_row = self.timeouts_in_row, "organizer plugin call timed out");
        if self.timeouts_in_row >= HUNG_AFTER_TIMEOUTS {
            self.timeouts_in_row = 0;
            tracing::warn!("organizer plugin hangs: restarting it");
            // Stopping the child makes its watcher report the exit and the restart follow;
            // a plugin we did not start is reconnected to.
            match self.kill.take() {
                Some(kill) => {
                    let _ = kill.send(());
                }
                None => self.went_down("it stopped answering".into(), ctx),
            }
        }
    }
}

/// Transport failures (as opposed to the plugin's own error answers).
fn link_broken(s: &tonic::Status) -> bool {
    matches!(s.code(), tonic::Code::Unavailable | tonic::Code::Cancelled)
        || (s.code() == tonic::Code::Unknown && s.message().contains("transport"))
}

fn backoff(failures: u32) -> Duration {
    BACKOFF_FIRST.saturating_mul(1 << failures.min(10)).min(BACKOFF_MAX)
}

impl Actor for Organizer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Proxied calls must not queue up behind a burst.
        ctx.set_mailbox_capacity(4096);
        self.launch(ctx);
    }
}

/// The child process ended.
#[derive(Message)]
#[rtype(result = "()")]
struct Exited {
    generation: u64,
    status: String,
}

impl Handler<Exited> for Organizer {
    type Result = ();

    fn handle(&mut self, msg: Exited, ctx: &mut Context<Self>) {
        if msg.generation == self.generation {
            self.went_down(format!("plugin process exited ({})", msg.status), ctx);
        }
    }
}

/// Asks the plugin whether an access is allowed.
#[derive(Message)]
#[rtype(result = "Result<pb::AuthorizeResponse, CallError>")]
pub struct Authorize(pub pb::AuthorizeRequest);

/// Asks the plugin many authorization questions in one call.
#[derive(Message)]
#[rtype(result = "Result<pb::AuthorizeBatchResponse, CallError>")]
pub struct AuthorizeBatch(pub pb::AuthorizeBatchRequest);

impl Handler<AuthorizeBatch> for Organizer {
    type Result = ResponseActFuture<Self, Result<pb::AuthorizeBatchResponse, CallError>>;

    fn handle(&mut self, msg: AuthorizeBatch, _: &mut Context<Self>) -> Self::Result {
        self.call("authorize", move |mut c| async move { c.authorize_batch(msg.0).await })
    }
}

impl Handler<Authorize> for Organizer {
    type Result = ResponseActFuture<Self, Result<pb::AuthorizeResponse, CallError>>;

    fn handle(&mut self, msg: Authorize, _: &mut Context<Self>) -> Self::Result {
        self.call("authorize", move |mut c| async move { c.authorize(msg.0).await })
    }
}

/// Asks the plugin for a user's page; answers it with the plugin's name.
#[derive(Message)]
#[rtype(result = "Result<(pb::UserPageResponse, String), CallError>")]
pub struct Page(pub pb::UserPageRequest);

impl Handler<Page> for Organizer {
    type Result = ResponseActFuture<Self, Result<(pb::UserPageResponse, String), CallError>>;

    fn handle(&mut self, msg: Page, _: &mut Context<Self>) -> Self::Result {
        let name = self
            .up
            .as_ref()
            .map(|u| u.hello.plugin_name.clone())
            .unwrap_or_default();
        Box::pin(
            self.call("pages", move |mut c| async move { c.user_page(msg.0).await })
                .map(move |r, _, _| r.map(|p| (p, name))),
        )
    }
}

/// Forwards a client's custom command.
#[derive(Message)]
#[rtype(result = "Result<pb::CustomCommandResponse, CallError>")]
pub struct Command(pub pb::CustomCommandRequest);

impl Handler<Command> for Organizer {
    type Result = ResponseActFuture<Self, Result<pb::CustomCommandResponse, CallError>>;

    fn handle(&mut self, msg: Command, _: &mut Context<Self>) -> Self::Result {
        self.call("commands", move |mut c| async move { c.custom_command(msg.0).await })
    }
}

/// Tells the plugin about the notices it hears; nobody waits for the outcome.
impl Handler<Noticed> for Organizer {
    type Result = ();

    fn handle(&mut self, Noticed(n): Noticed, ctx: &mut Context<Self>) {
        let minor = self.up.as_ref().map(|u| u.hello.protocol_minor).unwrap_or(0);
        for kind in super::events::events_for(&n, minor) {
            let event = pb::Event { kind: Some(kind) };
            self.call("events", move |mut c| async move { c.on_event(event).await })
                .map(|r, _, _| {
                    if let Err(e) = r {
                        tracing::debug!("organizer event not delivered: {e:?}");
                    }
                })
                .spawn(ctx);
        }
    }
}

#[derive(Message)]
#[rtype(result = "OrganizerStatus")]
pub struct GetStatus;

impl Handler<GetStatus> for Organizer {
    type Result = OrganizerStatus;

    fn handle(&mut self, _: GetStatus, _: &mut Context<Self>) -> OrganizerStatus {
        let hello = self.up.as_ref().map(|u| &u.hello);
        OrganizerStatus {
            state: self.state,
            plugin: hello.map(|h| h.plugin_name.clone()),
            version: hello.map(|h| h.plugin_version.clone()),
            capabilities: hello.map(|h| h.capabilities.clone()).unwrap_or_default(),
            reason: self.reason.clone(),
            pid: self.pid,
            restarts: self.restarts,
        }
    }
}

/// Stops the plugin and the actor (server shutdown).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown;

impl Handler<Shutdown> for Organizer {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Context<Self>) {
        self.state = LinkState::Stopped;
        self.setup.authorizes.store(false, Ordering::SeqCst);
        self.up = None;
        if let Some(k) = self.kill.take() {
            let _ = k.send(());
        }
        ctx.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        assert_eq!(backoff(0), Duration::from_millis(250));
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(3), Duration::from_secs(2));
        assert_eq!(backoff(9), BACKOFF_MAX);
        assert_eq!(backoff(u32::MAX), BACKOFF_MAX);
    }

    #[test]
    fn transport_failures_are_told_apart_from_answers() {
        assert!(link_broken(&tonic::Status::unavailable("connection refused")));
        assert!(!link_broken(&tonic::Status::invalid_argument("no such folder")));
        assert!(!link_broken(&tonic::Status::permission_denied("no")));
    }
}
