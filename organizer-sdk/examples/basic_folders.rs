//! basic_folders: personal folders for every user, on the organizer SDK.
//!
//! Each user gets a tree of folders (create, rename, nest, delete, move media between
//! them); a new upload lands in the folder the user last opened. An owner shares a folder
//! with named users as `viewer` or `commenter`: they may watch (and comment on) everything
//! in it and in its subfolders, also what is placed there later, and find it in their
//! "Shared with me". Admins also get "/users": every user's tree, to browse and manage.
//! The trees live in the server's key-value store (one JSON document per user), so they
//! survive plugin and server restarts.
//!
//! Paths: see `paths`. Run by the server: `dailies-server --organizer-cmd
//! /usr/lib/dailies/basic-folders`.

// An example is a crate root: its modules are found beside it unless told where.
#[path = "basic_folders/args.rs"]
mod args;
#[path = "basic_folders/pages.rs"]
mod pages;
#[path = "basic_folders/paths.rs"]
mod paths;
#[path = "basic_folders/sharing.rs"]
mod sharing;
#[path = "basic_folders/store.rs"]
mod store;
#[path = "basic_folders/tree.rs"]
mod tree;

use organizer_sdk::pb;
use organizer_sdk::{Capability, CommandOutcome, Context, Event, Organizer, Page, Status};
use serde_json::{json, Value};
use sharing::{FolderRef, SharedWith};
use store::Docs;
use tokio::sync::Mutex;
use tree::{Role, Tree};

/// The id of the "Shared with me" entry on a user's home page. Folder ids are numbers, so
/// it is never one of theirs.
const SHARED_ID: &str = "shared";

struct BasicFolders {
    /// Each user's tree, by owner id.
    trees: Docs<Tree>,
    /// Each user's "Shared with me", by the id of the user shared with.
    shared_with: Docs<SharedWith>,
    /// Taken by whatever changes a tree's shares and the index together (share, unshare,
    /// delete, pruning the index), so the index's order of writes holds between them.
    sharing: Mutex<()>,
}

impl Default for BasicFolders {
    fn default() -> Self {
        BasicFolders {
            trees: Docs::new("folders/"),
            shared_with: Docs::new("shared_with/"),
            sharing: Mutex::new(()),
        }
    }
}

/// A folder shared with the user, as their "Shared with me" shows it.
struct SharedEntry {
    at: FolderRef,
    name: String,
    items: u32,
}

impl BasicFolders {
    /// The folders others shared with `user` that their owners' trees confirm; drops from
    /// the index what they no longer do.
    async fn shared_entries(&self, ctx: &Context, user: &str) -> Result<Vec<SharedEntry>, Status> {
        let index = self.shared_with.get(ctx, user).await?;
        let mut out = vec![];
        let mut stale = vec![];
        for at in index.folders {
            match self.confirmed(ctx, &at, user).await? {
                Some((name, items)) => out.push(SharedEntry { at, name, items }),
                None => stale.push(at),
            }
        }
        if !stale.is_empty() {
            // Looked at again under the lock: a share may have come back meanwhile.
            let _guard = self.sharing.lock().await;
            let mut gone = vec![];
            for at in stale {
                if self.confirmed(ctx, &at, user).await?.is_none() {
                    gone.push(at);
                }
            }
            self.shared_with
                .update(ctx, user, |s| {
                    s.folders.retain(|f| !gone.contains(f));
                    Ok(())
                })
                .await?;
        }
        Ok(out)
    }

    /// The folder's name and item count, when its owner's tree shares it with `user`.
    async fn confirmed(&self, ctx: &Context, at: &FolderRef, user: &str) -> Result<Option<(String, u32)>, Status> {
        self.trees
            .read(ctx, &at.owner, |t| {
                t.folders
                    .get(&at.folder)
                    .filter(|f| f.shared.contains_key(user))
                    .map(|f| (f.name.clone(), t.item_count(&at.folder)))
            })
            .await
    }

    async fn share(
        &self,
        ctx: &Context,
        by: &pb::User,
        owner: &str,
        folder: &str,
        grants: Vec<(String, Role)>,
    ) -> Result<Value, Status> {
        let inbox = ctx.inbox()?;
        let known = inbox.users_by_id(grants.iter().map(|(u, _)| u.clone())).await?;
        let unknown: Vec<&str> = grants
            .iter()
            .map(|(u, _)| u.as_str())
            .filter(|u| !known.iter().any(|k| k.id == *u))
            .collect();
        if !unknown.is_empty() {
            return Err(Status::not_found(format!(
                "no user {} (a user can be shared with once they have signed in)",
                unknown.join(", ")
            )));
        }
        let _guard = self.sharing.lock().await;
        // Tried on a copy first: the index must not list a share the tree then refuses.
        self.trees
            .read(ctx, owner, |t| t.clone().share(folder, owner, &grants))
            .await??;
        let at = FolderRef {
            owner: owner.to_string(),
            folder: folder.to_string(),
        };
        for (user, _) in &grants {
            self.shared_with
                .update(ctx, user, |s| {
                    s.folders.insert(at.clone());
                    Ok(())
                })
                .await?;
        }
        let (before, name) = self
            .trees
            .update(ctx, owner, |t| {
                let before = t.folders.get(folder).map(|f| f.shared.clone()).unwrap_or_default();
                t.share(folder, owner, &grants)?;
                Ok((
                    before,
                    t.folders.get(folder).map(|f| f.name.clone()).unwrap_or_default(),
                ))
            })
            .await?;
        drop(_guard);
        for (user, role) in &grants {
            if before.get(user) == Some(role) {
                continue;
            }
            let what = match role {
                Role::Viewer => "to watch",
                Role::Commenter => "to watch and comment on",
            };
            let text = format!("{} shared the folder “{name}” with you {what}.", by.name);
            // Telling is a courtesy: the share is made whether or not it reaches them.
            let _ = inbox.send_user_message(user, &text, None).await;
            let _ = inbox.refresh_user(user).await;
        }
        self.sharing_of(ctx, owner, folder).await
    }

    async fn unshare(
        &self,
        ctx: &Context,
        owner: &str,
        folder: &str,
        users: Option<Vec<String>>,
    ) -> Result<Value, Status> {
        let _guard = self.sharing.lock().await;
        let gone = self
            .trees
            .update(ctx, owner, |t| t.unshare(folder, users.as_deref()))
            .await?;
        self.forget(ctx, owner, folder, &gone).await;
        drop(_guard);
        self.sharing_of(ctx, owner, folder).await
    }

    /// Takes a folder out of these users' "Shared with me" (after its tree stopped sharing
    /// it) and reloads their pages. An entry left behind by a failure is pruned on reading.
    async fn forget(&self, ctx: &Context, owner: &str, folder: &str, users: &[String]) {
        let at = FolderRef {
            owner: owner.to_string(),
            folder: folder.to_string(),
        };
        for user in users {
            let r = self
                .shared_with
                .update(ctx, user, |s| {
                    s.folders.remove(&at);
                    Ok(())
                })
                .await;
            if let Err(e) = r {
                tracing::warn!(user, "cannot update the shared-with index: {e}");
            }
            if let Ok(inbox) = ctx.inbox() {
                let _ = inbox.refresh_user(user).await;
            }
        }
    }

    /// `{folder, users: [{user_id, user_name, role}], audience: [...]}`: whom the folder is
    /// shared with itself, and everyone who reaches it (also through a folder above).
    async fn sharing_of(&self, ctx: &Context, owner: &str, folder: &str) -> Result<Value, Status> {
        let (direct, audience) = self
            .trees
            .read(ctx, owner, |t| {
                t.exists(Some(folder))?;
                let direct = t.folders.get(folder).map(|f| f.shared.clone()).unwrap_or_default();
                Ok::<_, Status>((direct, t.audience(folder)))
            })
            .await??;
        let names = pages::names(ctx, audience.keys()).await?;
        let list = |m: &std::collections::BTreeMap<String, Role>| -> Vec<Value> {
            m.iter()
                .map(|(u, r)| json!({"user_id": u, "user_name": pages::name_of(&names, u), "role": r.as_str()}))
                .collect()
        };
        Ok(json!({"folder": folder, "users": list(&direct), "audience": list(&audience)}))
    }
}

/// Refuses the "Shared with me" entry where a command wants one of the user's folders.
fn own_folder(args: &Value, names: &[&str]) -> Result<(), Status> {
    for n in names {
        if args.get(*n).and_then(Value::as_str) == Some(SHARED_ID) {
            return Err(Status::invalid_argument(
                "“Shared with me” lists what others shared with you: it is not one of your folders",
            ));
        }
    }
    Ok(())
}

#[organizer_sdk::async_trait]
impl Organizer for BasicFolders {
    fn name(&self) -> String {
        "basic_folders".into()
    }

    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").into()
    }

    /// Authorization too: a folder share widens who may watch and comment.
    fn capabilities(&self) -> Vec<Capability> {
        Capability::ALL.to_vec()
    }

    async fn user_page(&self, ctx: &Context, user: &pb::User, path: &str) -> Result<Page, Status> {
        match paths::parse(user, path) {
            paths::Loc::Users => self.users_page(ctx).await,
            paths::Loc::Tree { owner, folder, other } => self.tree_page(ctx, user, &owner, folder, other).await,
            paths::Loc::SharedList => self.shared_list_page(ctx, user).await,
            paths::Loc::Shared { owner, folder } => self.shared_page(ctx, user, &owner, &folder).await,
        }
    }

    /// Asked for every access, also every file range request: answered from the cached
    /// tree of the media's owner, with no call to the server once it is read. The SDK
    /// answers a listing's `AuthorizeBatch` with this, in one round trip.
    async fn authorize(&self, ctx: &Context, req: &pb::AuthorizeRequest) -> Result<pb::AuthorizeResponse, Status> {
        let (Some(user), Some(obj)) = (&req.user, &req.object) else {
            return Ok(pb::AuthorizeResponse::builtin(req));
        };
        if req.builtin_allowed || sharing::Shareable::of(req).is_none() {
            return Ok(sharing::verdict(req, None));
        }
        match self
            .trees
            .read(ctx, &obj.owner_id, |t| t.media_role(&obj.id, &user.id))
            .await
        {
            Ok(role) => Ok(sharing::verdict(req, role)),
            Err(e) => {
                // Not knowing the tree, grant nothing more than the server would.
                tracing::warn!(owner = %obj.owner_id, "cannot read the folder tree: {e}");
                Ok(pb::AuthorizeResponse::builtin(req))
            }
        }
    }

    async fn on_event(&self, ctx: &Context, event: Event) -> Result<(), Status> {
        match event {
            Event::MediaAdded(pb::MediaAdded { media: Some(m) }) => {
                self.trees
                    .update(ctx, &m.owner_id, |t| {
                        if let Some(cur) = t.current.clone().filter(|c| t.folders.contains_key(c)) {
                            t.placed.insert(m.id.clone(), cur);
                        }
                        Ok(())
                    })
                    .await
            }
            Event::MediaDeleted(d) => {
                self.trees
                    .update(ctx, &d.owner_id, |t| {
                        t.placed.remove(&d.media_id);
                        Ok(())
                    })
                    .await
            }
            _ => Ok(()),
        }
    }

    async fn command(
        &self,
        ctx: &Context,
        user: &pb::User,
        name: &str,
        args: Value,
        _path: &str,
    ) -> Result<CommandOutcome, Status> {
        let owner = args
            .get("owner")
            .and_then(Value::as_str)
            .unwrap_or(&user.id)
            .to_string();
        // Folders shared with a user are theirs to open, not to change.
        if owner != user.id && !user.is_admin {
            return Err(Status::permission_denied("only admins manage other users' folders"));
        }
        own_folder(&args, &["folder", "folder_id", "parent"])?;
        let done = |v: Value| Ok(CommandOutcome::refresh(v));
        match name {
            "create_folder" => {
                let (n, parent) = (args::text(&args, "name")?, args::folder(&args, "parent")?);
                let id = self
                    .trees
                    .update(ctx, &owner, |t| t.create(n, parent.as_deref()))
                    .await?;
                done(json!({ "id": id }))
            }
            "rename_folder" => {
                let (f, n) = (args::text(&args, "folder")?, args::text(&args, "name")?);
                self.trees.update(ctx, &owner, |t| t.rename(f, n)).await?;
                done(Value::Null)
            }
            "delete_folder" => {
                let f = args::text(&args, "folder")?;
                let _guard = self.sharing.lock().await;
                let gone = self.trees.update(ctx, &owner, |t| t.delete(f)).await?;
                let users: Vec<String> = gone.shared.into_keys().collect();
                self.forget(ctx, &owner, f, &users).await;
                done(Value::Null)
            }
            "move_folder" => {
                let (f, parent) = (args::text(&args, "folder")?, args::folder(&args, "parent")?);
                self.trees
                    .update(ctx, &owner, |t| t.move_folder(f, parent.as_deref()))
                    .await?;
                done(Value::Null)
            }
            "move_media" => {
                let ids: Vec<String> = match args.get("media") {
                    Some(Value::String(s)) => vec![s.clone()],
                    Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
                    _ => {
                        return Err(Status::invalid_argument(
                            "argument \"media\" (an id or a list of ids) is missing",
                        ))
                    }
                };
                let folder = args::folder(&args, "folder")?;
                let found = ctx.inbox()?.media(ids.clone()).await?;
                if found.len() != ids.len() || found.iter().any(|m| m.owner_id != owner) {
                    return Err(Status::not_found(format!("not all of that media belongs to {owner}")));
                }
                self.trees
                    .update(ctx, &owner, |t| {
                        ids.iter().try_for_each(|m| t.place(m, folder.as_deref()))
                    })
                    .await?;
                if owner != user.id {
                    let _ = ctx.inbox()?.refresh_user(&owner).await;
                }
                done(json!({ "moved": ids.len() }))
            }
            "set_current" => {
                let folder = args::folder(&args, "folder")?;
                self.trees
                    .update(ctx, &owner, |t| {
                        t.exists(folder.as_deref())?;
                        t.current = folder;
                        Ok(())
                    })
                    .await?;
                Ok(CommandOutcome::value(Value::Null))
            }
            "share_folder" => {
                let (f, grants) = (args::shared_folder(&args)?, args::grants(&args)?);
                done(self.share(ctx, user, &owner, &f, grants).await?)
            }
            "unshare_folder" => {
                let (f, users) = (args::shared_folder(&args)?, args::user_ids(&args)?);
                done(self.unshare(ctx, &owner, &f, users).await?)
            }
            "folder_sharing" => {
                let f = args::shared_folder(&args)?;
                Ok(CommandOutcome::value(self.sharing_of(ctx, &owner, &f).await?))
            }
            other => Err(Status::unimplemented(format!("basic_folders has no command {other:?}"))),
        }
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = organizer_sdk::run(BasicFolders::default()).await {
        eprintln!("basic_folders: {e}");
        std::process::exit(1);
    }
}
