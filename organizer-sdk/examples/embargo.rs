//! embargo: the plugin of docs/plugin-guide.md, in under 60 lines. Each user's page lists
//! their media with an "Embargo" action; embargoed media ("[embargo] …") is for admins
//! only. Its Python twin is organizer-sdk/python/examples/embargo.py.
use organizer_sdk::pb::{self, page_action::Scope};
use organizer_sdk::{CommandOutcome, Context, Event, Organizer, Page, Status};
use serde_json::{json, Value};

struct Embargo;

const MARK: &str = "[embargo] ";

#[organizer_sdk::async_trait]
impl Organizer for Embargo {
    fn name(&self) -> String {
        "embargo".into()
    }

    async fn user_page(&self, ctx: &Context, user: &pb::User, _path: &str) -> Result<Page, Status> {
        let mut page = Page::new("/", "My media");
        page.media_ids = ctx
            .inbox()?
            .media_by_owner(&user.id)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        page.action(Scope::Media, "embargo", "Embargo", json!({}), &[]);
        Ok(page)
    }

    async fn authorize(&self, _: &Context, req: &pb::AuthorizeRequest) -> Result<pb::AuthorizeResponse, Status> {
        let (obj, user) = (
            req.object.clone().unwrap_or_default(),
            req.user.clone().unwrap_or_default(),
        );
        if obj.kind == "media" && obj.title.starts_with(MARK) && !user.is_admin {
            return Ok(pb::AuthorizeResponse::deny("under embargo: admins only"));
        }
        Ok(pb::AuthorizeResponse::builtin(req))
    }

    async fn on_event(&self, _: &Context, event: Event) -> Result<(), Status> {
        if let Event::StatusChanged(s) = event {
            tracing::info!(media = %s.media_id, "review status changed");
        }
        Ok(())
    }

    async fn command(
        &self,
        ctx: &Context,
        user: &pb::User,
        name: &str,
        args: Value,
        _: &str,
    ) -> Result<CommandOutcome, Status> {
        let media = args["media"]
            .as_str()
            .ok_or_else(|| Status::invalid_argument("which media?"))?;
        if name != "embargo" {
            return Err(Status::unimplemented(format!("no command {name}")));
        }
        let inbox = ctx.inbox()?;
        let m = inbox
            .media([media])
            .await?
            .pop()
            .ok_or_else(|| Status::not_found("no such media"))?;
        // As the user: renaming needs their own right to rename it.
        let title = format!("{MARK}{}", m.title.trim_start_matches(MARK));
        let m = inbox.set_media_title(media, &title, Some(&user.id)).await?;
        Ok(CommandOutcome::refresh(json!({ "title": m.title })))
    }
}

#[tokio::main]
async fn main() -> Result<(), organizer_sdk::BoxError> {
    organizer_sdk::run(Embargo).await
}
