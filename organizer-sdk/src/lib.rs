//! # organizer-sdk: write Dailies organizer plugins
//!
//! A Dailies server asks its organizer plugin what each user sees (folders, pages, actions)
//! and whether a user may do something, tells it what happens (media added, comments, …),
//! and forwards the custom commands of the web client. The plugin answers over gRPC and can
//! call back into the server through the [`Inbox`]: query media, comments and users,
//! re-assign media, notify users, and keep its own data in a key-value store that lives in
//! the server's database.
//!
//! With this crate a plugin is a type implementing [`Organizer`] — every method has a
//! default (built-in authorization, empty pages) — handed to [`run`], which serves the
//! gRPC contract, answers the handshake and connects the inbox.
//!
//! ```no_run
//! use organizer_sdk::{pb, Context, Organizer, Page, Status};
//!
//! /// Shows every user a single "Everything" page with all of their media.
//! struct Flat;
//!
//! #[organizer_sdk::async_trait]
//! impl Organizer for Flat {
//!     fn name(&self) -> String {
//!         "flat".into()
//!     }
//!
//!     async fn user_page(&self, ctx: &Context, user: &pb::User, path: &str) -> Result<Page, Status> {
//!         let media = ctx.inbox()?.media_by_owner(&user.id).await?;
//!         let mut page = Page::new("/", "Everything");
//!         page.media_ids = media.into_iter().map(|m| m.id).collect();
//!         Ok(page)
//!     }
//!
//!     // Embargoed media is for admins only; everything else follows the built-in rule.
//!     async fn authorize(&self, _: &Context, req: &pb::AuthorizeRequest) -> Result<pb::AuthorizeResponse, Status> {
//!         let title = req.object.as_ref().map(|o| o.title.as_str()).unwrap_or("");
//!         let admin = req.user.as_ref().is_some_and(|u| u.is_admin);
//!         if title.starts_with("[embargo]") && !admin {
//!             return Ok(pb::AuthorizeResponse::deny("this media is under embargo"));
//!         }
//!         Ok(pb::AuthorizeResponse::builtin(req))
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), organizer_sdk::BoxError> {
//!     // Listens where the server says (DAILIES_ORGANIZER_LISTEN) or on --listen ADDR.
//!     organizer_sdk::run(Flat).await
//! }
//! ```
//!
//! Started by the server (`dailies-server --organizer-cmd "/path/to/plugin"`), a plugin
//! gets its listen address in `DAILIES_ORGANIZER_LISTEN`; started on its own, pass
//! `--listen unix:/run/my-plugin.sock` and point the server at it with `--organizer-url`.
//! See `docs/plugin-guide.md` for the lifecycle, timeouts and use from other languages.

pub mod inbox;
mod page;
mod runner;
pub mod transport;

/// The generated protocol types and gRPC stubs (`protocol/proto/organizer.proto`).
#[allow(clippy::all, missing_docs)]
pub mod pb {
    tonic::include_proto!("dailies.organizer.v1");
}

pub use inbox::Inbox;
pub use runner::{listen_address, run, serve, shutdown_signal, Context};
pub use tonic::async_trait;
pub use tonic::Status;
pub use transport::{Address, BoxError};

/// The organizer protocol version this SDK speaks. Servers refuse plugins of another major.
pub const PROTOCOL_MAJOR: u32 = 1;
pub const PROTOCOL_MINOR: u32 = 2;

/// Environment variable naming where a plugin must listen (set by the server).
pub const LISTEN_ENV: &str = "DAILIES_ORGANIZER_LISTEN";

/// What a user sees at a path.
pub type Page = pb::UserPageResponse;
/// An event from the server.
pub type Event = pb::event::Kind;

/// Groups of calls a plugin answers; the server uses its built-in behaviour for the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    Pages,
    Authorize,
    Events,
    Commands,
}

impl Capability {
    pub const ALL: [Capability; 4] = [
        Capability::Pages,
        Capability::Authorize,
        Capability::Events,
        Capability::Commands,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Pages => "pages",
            Capability::Authorize => "authorize",
            Capability::Events => "events",
            Capability::Commands => "commands",
        }
    }
}

/// The answer to a custom command.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandOutcome {
    /// Handed to the client as is.
    pub result: serde_json::Value,
    /// Ask the client to reload the page it shows.
    pub refresh: bool,
}

impl CommandOutcome {
    /// A result, and the page needs no reload.
    pub fn value(result: serde_json::Value) -> Self {
        CommandOutcome { result, refresh: false }
    }
    /// A result, and the client should reload its page.
    pub fn refresh(result: serde_json::Value) -> Self {
        CommandOutcome { result, refresh: true }
    }
}

/// A plugin. Implement what you need; the defaults keep the server's built-in behaviour.
#[async_trait]
pub trait Organizer: Send + Sync + 'static {
    /// Short and stable: it names the plugin in logs and scopes its key-value store.
    fn name(&self) -> String;

    fn version(&self) -> String {
        "0.0.0".into()
    }

    /// The calls the server should make. All by default.
    fn capabilities(&self) -> Vec<Capability> {
        Capability::ALL.to_vec()
    }

    /// The protocol version announced in the handshake. Leave it: overriding it is only
    /// useful to test a server's version check.
    fn protocol(&self) -> (u32, u32) {
        (PROTOCOL_MAJOR, PROTOCOL_MINOR)
    }

    /// Called after each successful handshake (the server may reconnect), with the inbox
    /// ready to use.
    async fn connected(&self, _ctx: &Context) -> Result<(), Status> {
        Ok(())
    }

    /// What `user` sees at `path`. Default: an empty page.
    async fn user_page(&self, _ctx: &Context, _user: &pb::User, path: &str) -> Result<Page, Status> {
        Ok(Page::new(path, ""))
    }

    /// May the user do the action? Default: what the server's built-in rule says (owners
    /// and admins, shares, link access).
    async fn authorize(&self, _ctx: &Context, req: &pb::AuthorizeRequest) -> Result<pb::AuthorizeResponse, Status> {
        Ok(pb::AuthorizeResponse::builtin(req))
    }

    /// Something happened. Default: nothing to do.
    async fn on_event(&self, _ctx: &Context, _event: Event) -> Result<(), Status> {
        Ok(())
    }

    /// A custom command from the web client. Default: unknown command.
    async fn command(
        &self,
        _ctx: &Context,
        _user: &pb::User,
        name: &str,
        _args: serde_json::Value,
        _path: &str,
    ) -> Result<CommandOutcome, Status> {
        Err(Status::unimplemented(format!("unknown command {name:?}")))
    }
}
