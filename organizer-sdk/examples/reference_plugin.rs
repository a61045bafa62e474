//! reference_plugin: the smallest plugin that exercises the whole contract; the server's
//! tests run it (and its Python twin, tests/python-organizer/) and check the same answers.
//!
//! - pages: "/" shows one folder, "Inbox"; "/inbox" lists the user's media.
//! - authorize: media titled "[embargo]…" is for admins only, and "[locked]…" may be
//!   viewed and commented but not renamed or deleted by anyone (both narrow the built-in
//!   rule); "[shared]…" may be viewed and commented by every user, renamed and deleted
//!   as the built-in rule says (this widens it); everything else follows the built-in rule.
//! - commands: `echo` (answers its arguments), `whoami`, `kv_roundtrip` {key, value},
//!   `message` {text} (a notification to oneself), `sleep` {ms}.
//!
//! Fault switches for tests, from the environment: `REFERENCE_PROTOCOL_MAJOR` (announce
//! another protocol version), `REFERENCE_SLOW_MS` (every authorize and page call sleeps
//! that long first).

use organizer_sdk::pb::{self, page_action::Scope};
use organizer_sdk::{CommandOutcome, Context, Organizer, Page, Status};
use serde_json::{json, Value};
use std::time::Duration;

struct Reference {
    major: u32,
    slow: Duration,
}

impl Reference {
    /// The `REFERENCE_SLOW_MS` delay. None at all by default: even a zero sleep waits for
    /// the next tick of tokio's millisecond timer.
    async fn stall(&self) {
        if !self.slow.is_zero() {
            tokio::time::sleep(self.slow).await;
        }
    }
}

#[organizer_sdk::async_trait]
impl Organizer for Reference {
    fn name(&self) -> String {
        "reference".into()
    }

    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").into()
    }

    fn protocol(&self) -> (u32, u32) {
        (self.major, organizer_sdk::PROTOCOL_MINOR)
    }

    /// Remembers the last comment it heard of, so tests can see events arrive.
    async fn on_event(&self, ctx: &Context, event: organizer_sdk::Event) -> Result<(), Status> {
        if let organizer_sdk::Event::CommentAdded(pb::CommentAdded { comment: Some(c) }) = event {
            ctx.inbox()?
                .kv_set("last_comment", format!("{}@{}:{}", c.user_id, c.frame, c.text))
                .await?;
        }
        Ok(())
    }

    async fn user_page(&self, ctx: &Context, user: &pb::User, path: &str) -> Result<Page, Status> {
        self.stall().await;
        let media = ctx.inbox()?.media_by_owner(&user.id).await?;
        if path.trim_end_matches('/') == "/inbox" {
            let mut page = Page::new("/inbox", "Inbox");
            page.crumb("Home", "/").crumb("Inbox", "/inbox");
            page.media_ids = media.into_iter().map(|m| m.id).collect();
            page.action(Scope::Page, "echo", "Echo", json!({"from": "inbox"}), &["text"]);
            return Ok(page);
        }
        let mut page = Page::new("/", "Home");
        page.crumb("Home", "/")
            .folder("inbox", "Inbox", "/inbox", media.len() as u32);
        Ok(page)
    }

    async fn authorize(&self, _: &Context, req: &pb::AuthorizeRequest) -> Result<pb::AuthorizeResponse, Status> {
        self.stall().await;
        let title = req.object.as_ref().map(|o| o.title.as_str()).unwrap_or_default();
        let admin = req.user.as_ref().is_some_and(|u| u.is_admin);
        if title.starts_with("[embargo]") && !admin {
            return Ok(pb::AuthorizeResponse::deny("embargoed: admins only"));
        }
        if title.starts_with("[locked]") && matches!(req.action.as_str(), "rename" | "delete") {
            return Ok(pb::AuthorizeResponse::deny("locked: it cannot be renamed or deleted"));
        }
        if title.starts_with("[shared]") && matches!(req.action.as_str(), "view" | "comment") {
            return Ok(pb::AuthorizeResponse::allow());
        }
        Ok(pb::AuthorizeResponse::builtin(req))
    }

    async fn command(
        &self,
        ctx: &Context,
        user: &pb::User,
        name: &str,
        args: Value,
        _: &str,
    ) -> Result<CommandOutcome, Status> {
        let text = |k: &str| args.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        match name {
            "echo" => Ok(CommandOutcome::value(args)),
            "whoami" => Ok(CommandOutcome::value(json!({"id": user.id, "admin": user.is_admin}))),
            "kv_roundtrip" => {
                let inbox = ctx.inbox()?;
                inbox.kv_set(&text("key"), text("value")).await?;
                let back = inbox.kv_get(&text("key")).await?.unwrap_or_default();
                Ok(CommandOutcome::value(json!({"value": String::from_utf8_lossy(&back)})))
            }
            "message" => {
                let id = ctx.inbox()?.send_user_message(&user.id, &text("text"), None).await?;
                Ok(CommandOutcome::value(json!({ "id": id })))
            }
            "sleep" => {
                let ms = args.get("ms").and_then(Value::as_u64).unwrap_or(1000);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(CommandOutcome::value(json!({"slept": ms})))
            }
            other => Err(Status::unimplemented(format!("no command {other:?}"))),
        }
    }
}

#[tokio::main]
async fn main() {
    let env_u64 = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    let plugin = Reference {
        major: env_u64("REFERENCE_PROTOCOL_MAJOR").map_or(organizer_sdk::PROTOCOL_MAJOR, |v| v as u32),
        slow: Duration::from_millis(env_u64("REFERENCE_SLOW_MS").unwrap_or(0)),
    };
    if let Err(e) = organizer_sdk::run(plugin).await {
        eprintln!("reference_plugin: {e}");
        std::process::exit(1);
    }
}
