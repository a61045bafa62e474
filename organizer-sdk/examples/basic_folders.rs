//! basic_folders: personal folders for every user, on the organizer SDK.
//!
//! Each user gets a tree of folders (create, rename, nest, delete, move media between
//! them); a new upload lands in the folder the user last opened. Admins also get "/users":
//! every user's tree, to browse and manage. The trees live in the server's key-value store
//! (one JSON document per user), so they survive plugin and server restarts.
//!
//! Paths: `/` (own home), `/f/<folder>`, and for admins `/users`, `/users/<user>`,
//! `/users/<user>/f/<folder>`.
//!
//! Run by the server: `dailies-server --organizer-cmd /usr/lib/dailies/basic-folders`.

use organizer_sdk::pb::{self, page_action::Scope};
use organizer_sdk::{Capability, CommandOutcome, Context, Event, Organizer, Page, Status};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::Mutex;

const MAX_NAME: usize = 120;

/// One user's folders and where their media sits. Media not placed is at the top level.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Tree {
    next_id: u64,
    folders: BTreeMap<String, Folder>,
    /// media id → folder id
    placed: BTreeMap<String, String>,
    /// Where new uploads go: the folder last opened.
    current: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Folder {
    name: String,
    parent: Option<String>,
}

impl Tree {
    fn children(&self, parent: Option<&str>) -> Vec<(&String, &Folder)> {
        let mut v: Vec<_> = self
            .folders
            .iter()
            .filter(|(_, f)| f.parent.as_deref() == parent)
            .collect();
        v.sort_by_key(|(_, f)| f.name.to_lowercase());
        v
    }

    fn item_count(&self, id: &str) -> u32 {
        let folders = self
            .folders
            .values()
            .filter(|f| f.parent.as_deref() == Some(id))
            .count();
        let media = self.placed.values().filter(|f| *f == id).count();
        (folders + media) as u32
    }

    /// The chain of folders from the top down to `id`.
    fn chain(&self, id: &str) -> Vec<(String, String)> {
        let mut out = vec![];
        let mut cur = Some(id.to_string());
        while let Some(c) = cur {
            let Some(f) = self.folders.get(&c) else { break };
            out.push((c.clone(), f.name.clone()));
            cur = f.parent.clone();
            if out.len() > self.folders.len() {
                break; // never loop on damaged data
            }
        }
        out.reverse();
        out
    }

    fn exists(&self, id: Option<&str>) -> Result<(), Status> {
        match id {
            Some(id) if !self.folders.contains_key(id) => Err(Status::not_found(format!("no folder {id}"))),
            _ => Ok(()),
        }
    }

    fn create(&mut self, name: &str, parent: Option<&str>) -> Result<String, Status> {
        self.exists(parent)?;
        self.next_id += 1;
        let id = format!("{}", self.next_id);
        self.folders.insert(
            id.clone(),
            Folder {
                name: clean_name(name)?,
                parent: parent.map(str::to_owned),
            },
        );
        Ok(id)
    }

    fn rename(&mut self, id: &str, name: &str) -> Result<(), Status> {
        let name = clean_name(name)?;
        let f = self
            .folders
            .get_mut(id)
            .ok_or_else(|| Status::not_found(format!("no folder {id}")))?;
        f.name = name;
        Ok(())
    }

    /// Deletes a folder; what it held moves up to its parent.
    fn delete(&mut self, id: &str) -> Result<(), Status> {
        let gone = self
            .folders
            .remove(id)
            .ok_or_else(|| Status::not_found(format!("no folder {id}")))?;
        for f in self.folders.values_mut() {
            if f.parent.as_deref() == Some(id) {
                f.parent = gone.parent.clone();
            }
        }
        let moved: Vec<String> = self
            .placed
            .iter()
            .filter(|(_, f)| *f == id)
            .map(|(m, _)| m.clone())
            .collect();
        for m in moved {
            match &gone.parent {
                Some(p) => self.placed.insert(m, p.clone()),
                None => self.placed.remove(&m),
            };
        }
        if self.current.as_deref() == Some(id) {
            self.current = gone.parent;
        }
        Ok(())
    }

    /// Nests a folder under another (or at the top); never inside itself.
    fn move_folder(&mut self, id: &str, parent: Option<&str>) -> Result<(), Status> {
        self.exists(Some(id))?;
        self.exists(parent)?;
        if let Some(p) = parent {
            if self.chain(p).iter().any(|(c, _)| c == id) {
                return Err(Status::invalid_argument("a folder cannot go inside itself"));
            }
        }
        if let Some(f) = self.folders.get_mut(id) {
            f.parent = parent.map(str::to_owned);
        }
        Ok(())
    }

    fn place(&mut self, media: &str, folder: Option<&str>) -> Result<(), Status> {
        self.exists(folder)?;
        match folder {
            Some(f) => self.placed.insert(media.to_string(), f.to_string()),
            None => self.placed.remove(media),
        };
        Ok(())
    }
}

fn clean_name(name: &str) -> Result<String, Status> {
    let n: String = name.chars().filter(|c| !c.is_control()).collect();
    let n = n.trim();
    if n.is_empty() || n.chars().count() > MAX_NAME {
        return Err(Status::invalid_argument(format!(
            "a folder name has 1 to {MAX_NAME} characters"
        )));
    }
    Ok(n.to_string())
}

/// What a path points at.
#[derive(Debug, PartialEq)]
enum Loc {
    Users,
    Tree {
        owner: String,
        folder: Option<String>,
        other: bool,
    },
}

fn parse_path(user: &pb::User, path: &str) -> Loc {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let own = |folder: Option<&str>| Loc::Tree {
        owner: user.id.clone(),
        folder: folder.map(str::to_owned),
        other: false,
    };
    match parts.as_slice() {
        ["f", f] => own(Some(f)),
        ["users"] if user.is_admin => Loc::Users,
        ["users", u] if user.is_admin => Loc::Tree {
            owner: u.to_string(),
            folder: None,
            other: *u != user.id,
        },
        ["users", u, "f", f] if user.is_admin => Loc::Tree {
            owner: u.to_string(),
            folder: Some(f.to_string()),
            other: *u != user.id,
        },
        _ => own(None),
    }
}

fn tree_path(owner: &str, other: bool, folder: Option<&str>) -> String {
    let base = if other {
        format!("/users/{owner}")
    } else {
        String::new()
    };
    match folder {
        Some(f) => format!("{base}/f/{f}"),
        None if base.is_empty() => "/".into(),
        None => base,
    }
}

#[derive(Default)]
struct BasicFolders {
    /// Trees read so far; the plugin is the only writer of its store, so this stays true.
    trees: Mutex<HashMap<String, Arc<Mutex<Option<Tree>>>>>,
}

impl BasicFolders {
    async fn slot(&self, owner: &str) -> Arc<Mutex<Option<Tree>>> {
        self.trees.lock().await.entry(owner.to_string()).or_default().clone()
    }

    /// Reads a user's tree (from the cache, else the store).
    async fn tree(&self, ctx: &Context, owner: &str) -> Result<Tree, Status> {
        let slot = self.slot(owner).await;
        let mut t = slot.lock().await;
        if t.is_none() {
            *t = Some(ctx.inbox()?.kv_get_json(&key(owner)).await?.unwrap_or_default());
        }
        Ok(t.clone().unwrap_or_default())
    }

    /// Changes a user's tree under its lock and stores it; answers what `f` answers.
    async fn update<R>(
        &self,
        ctx: &Context,
        owner: &str,
        f: impl FnOnce(&mut Tree) -> Result<R, Status>,
    ) -> Result<R, Status> {
        let slot = self.slot(owner).await;
        let mut t = slot.lock().await;
        let inbox = ctx.inbox()?;
        let mut tree = match t.take() {
            Some(tree) => tree,
            None => inbox.kv_get_json(&key(owner)).await?.unwrap_or_default(),
        };
        let before = tree.clone();
        let r = f(&mut tree);
        if r.is_ok() {
            if let Err(e) = inbox.kv_set_json(&key(owner), &tree).await {
                *t = Some(before);
                return Err(e);
            }
        }
        *t = Some(if r.is_ok() { tree } else { before });
        r
    }

    async fn users_page(&self, ctx: &Context) -> Result<Page, Status> {
        let mut page = Page::new("/users", "Users");
        page.crumb("Users", "/users");
        for u in ctx.inbox()?.users().await? {
            let items = ctx.inbox()?.media_by_owner(&u.id).await?.len() as u32;
            page.folder(
                &u.id,
                format!("{} ({})", u.name, u.id),
                format!("/users/{}", u.id),
                items,
            );
        }
        Ok(page)
    }

    async fn tree_page(
        &self,
        ctx: &Context,
        viewer: &pb::User,
        owner: &str,
        folder: Option<String>,
        other: bool,
    ) -> Result<Page, Status> {
        let mut tree = self.tree(ctx, owner).await?;
        // A folder that is gone (deleted in another tab): show the top level instead.
        let folder = folder.filter(|f| tree.folders.contains_key(f));
        if !other && tree.current != folder {
            tree = self
                .update(ctx, owner, |t| {
                    t.current = folder.clone();
                    Ok(t.clone())
                })
                .await?;
        }
        let title = match &folder {
            Some(f) => tree.folders.get(f).map(|x| x.name.clone()).unwrap_or_default(),
            None if other => format!("{}'s media", owner),
            None => "My media".into(),
        };
        let mut page = Page::new(tree_path(owner, other, folder.as_deref()), title);
        if viewer.is_admin {
            page.crumb("Users", "/users");
        }
        page.crumb(
            if other { owner.to_string() } else { "My media".into() },
            tree_path(owner, other, None),
        );
        if let Some(f) = &folder {
            for (id, name) in tree.chain(f) {
                page.crumb(name, tree_path(owner, other, Some(&id)));
            }
        }
        for (id, f) in tree.children(folder.as_deref()) {
            page.folder(id, &f.name, tree_path(owner, other, Some(id)), tree.item_count(id));
        }
        page.media_ids = match &folder {
            // The tree knows what a folder holds: no round trip to the server (which drops
            // ids of media deleted meanwhile). Clients sort by date or title as they like.
            Some(f) => tree
                .placed
                .iter()
                .filter(|(_, p)| *p == f)
                .map(|(m, _)| m.clone())
                .collect(),
            // The top level is whatever the owner has that no folder holds, newest first.
            None => ctx
                .inbox()?
                .media_by_owner(owner)
                .await?
                .into_iter()
                .filter(|m| !tree.placed.contains_key(&m.id))
                .map(|m| m.id)
                .collect(),
        };
        let base = json!({"owner": owner, "parent": folder});
        page.action(Scope::Page, "create_folder", "New folder", base.clone(), &["name"])
            .action(
                Scope::Folder,
                "rename_folder",
                "Rename",
                json!({"owner": owner}),
                &["name"],
            )
            .action(
                Scope::Folder,
                "delete_folder",
                "Delete folder",
                json!({"owner": owner}),
                &[],
            )
            .action(
                Scope::Media,
                "move_media",
                "Move to folder",
                json!({"owner": owner}),
                &["folder"],
            );
        if folder.is_some() {
            page.action(
                Scope::Media,
                "move_media",
                "Move up",
                json!({"owner": owner, "folder": tree.folders.get(folder.as_deref().unwrap_or_default()).and_then(|f| f.parent.clone())}),
                &[],
            );
        }
        Ok(page)
    }
}

fn key(owner: &str) -> String {
    format!("folders/{owner}")
}

fn str_arg<'a>(args: &'a Value, name: &str) -> Result<&'a str, Status> {
    args.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Status::invalid_argument(format!("argument {name:?} (text) is missing")))
}

/// A folder argument: a folder id, or null/absent/"" for the top level.
fn folder_arg(args: &Value, name: &str) -> Result<Option<String>, Status> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() || s == "/" => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(Status::invalid_argument(format!(
            "argument {name:?} must be a folder id"
        ))),
    }
}

#[organizer_sdk::async_trait]
impl Organizer for BasicFolders {
    fn name(&self) -> String {
        "basic_folders".into()
    }

    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").into()
    }

    /// Folders change what users see, not what they may do: access stays with the server's
    /// built-in rule, so the server asks no authorization questions.
    fn capabilities(&self) -> Vec<Capability> {
        vec![Capability::Pages, Capability::Events, Capability::Commands]
    }

    async fn user_page(&self, ctx: &Context, user: &pb::User, path: &str) -> Result<Page, Status> {
        match parse_path(user, path) {
            Loc::Users => self.users_page(ctx).await,
            Loc::Tree { owner, folder, other } => self.tree_page(ctx, user, &owner, folder, other).await,
        }
    }

    async fn on_event(&self, ctx: &Context, event: Event) -> Result<(), Status> {
        match event {
            Event::MediaAdded(pb::MediaAdded { media: Some(m) }) => {
                self.update(ctx, &m.owner_id, |t| {
                    if let Some(cur) = t.current.clone().filter(|c| t.folders.contains_key(c)) {
                        t.placed.insert(m.id.clone(), cur);
                    }
                    Ok(())
                })
                .await
            }
            Event::MediaDeleted(d) => {
                self.update(ctx, &d.owner_id, |t| {
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
        if owner != user.id && !user.is_admin {
            return Err(Status::permission_denied("only admins manage other users' folders"));
        }
        let done = |v: Value| Ok(CommandOutcome::refresh(v));
        match name {
            "create_folder" => {
                let (n, parent) = (str_arg(&args, "name")?, folder_arg(&args, "parent")?);
                let id = self.update(ctx, &owner, |t| t.create(n, parent.as_deref())).await?;
                done(json!({ "id": id }))
            }
            "rename_folder" => {
                let (f, n) = (str_arg(&args, "folder")?, str_arg(&args, "name")?);
                self.update(ctx, &owner, |t| t.rename(f, n)).await?;
                done(Value::Null)
            }
            "delete_folder" => {
                let f = str_arg(&args, "folder")?;
                self.update(ctx, &owner, |t| t.delete(f)).await?;
                done(Value::Null)
            }
            "move_folder" => {
                let (f, parent) = (str_arg(&args, "folder")?, folder_arg(&args, "parent")?);
                self.update(ctx, &owner, |t| t.move_folder(f, parent.as_deref()))
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
                let folder = folder_arg(&args, "folder")?;
                let found = ctx.inbox()?.media(ids.clone()).await?;
                if found.len() != ids.len() || found.iter().any(|m| m.owner_id != owner) {
                    return Err(Status::not_found(format!("not all of that media belongs to {owner}")));
                }
                self.update(ctx, &owner, |t| {
                    ids.iter().try_for_each(|m| t.place(m, folder.as_deref()))
                })
                .await?;
                if owner != user.id {
                    let _ = ctx.inbox()?.refresh_user(&owner).await;
                }
                done(json!({ "moved": ids.len() }))
            }
            "set_current" => {
                let folder = folder_arg(&args, "folder")?;
                self.update(ctx, &owner, |t| {
                    t.exists(folder.as_deref())?;
                    t.current = folder;
                    Ok(())
                })
                .await?;
                Ok(CommandOutcome::value(Value::Null))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, admin: bool) -> pb::User {
        pb::User::new(id, id, admin)
    }

    #[test]
    fn paths() {
        let ann = user("ann", false);
        let boss = user("boss", true);
        let own = |f: Option<&str>, o: &str| Loc::Tree {
            owner: o.into(),
            folder: f.map(str::to_owned),
            other: false,
        };
        assert_eq!(parse_path(&ann, "/"), own(None, "ann"));
        assert_eq!(parse_path(&ann, "/f/3"), own(Some("3"), "ann"));
        assert_eq!(parse_path(&ann, "/users"), own(None, "ann"), "not for non-admins");
        assert_eq!(parse_path(&boss, "/users"), Loc::Users);
        assert_eq!(
            parse_path(&boss, "/users/ann/f/2"),
            Loc::Tree {
                owner: "ann".into(),
                folder: Some("2".into()),
                other: true
            }
        );
        assert_eq!(tree_path("ann", true, Some("2")), "/users/ann/f/2");
        assert_eq!(tree_path("ann", false, None), "/");
    }

    #[test]
    fn tree_operations() {
        let mut t = Tree::default();
        let a = t.create("Shots", None).unwrap();
        let b = t.create("Day 1", Some(&a)).unwrap();
        assert!(t.create(" ", None).is_err());
        assert!(t.create("x", Some("nope")).is_err());
        t.place("m1", Some(&b)).unwrap();
        assert_eq!(t.item_count(&a), 1);
        assert_eq!(
            t.chain(&b).iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
            ["Shots", "Day 1"]
        );
        assert!(t.move_folder(&a, Some(&b)).is_err(), "no cycles");
        t.rename(&b, "Day one").unwrap();
        t.current = Some(b.clone());
        t.delete(&b).unwrap();
        assert_eq!(t.placed.get("m1"), Some(&a), "contents move up");
        assert_eq!(t.current, Some(a.clone()));
        t.delete(&a).unwrap();
        assert!(t.placed.is_empty() && t.folders.is_empty());
    }
}
