//! The pages: a user's own tree (with its actions), admins' view of everyone's, and what
//! others shared with the user (browsable, read-only: no actions).

use crate::paths;
use crate::tree::{Role, Tree};
use crate::{BasicFolders, SHARED_ID};
use organizer_sdk::pb::{self, page_action::Scope};
use organizer_sdk::{Context, Page, Status};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

/// How many names a folder's title lists before "and N more".
const TITLE_NAMES: usize = 4;

/// Display names by user id (users the server does not know are left out).
pub async fn names<'a>(
    ctx: &Context,
    ids: impl IntoIterator<Item = &'a String>,
) -> Result<HashMap<String, String>, Status> {
    let ids: Vec<String> = ids.into_iter().cloned().collect();
    let users = ctx.inbox()?.users_by_id(ids).await?;
    Ok(users.into_iter().map(|u| (u.id, u.name)).collect())
}

pub fn name_of<'a>(names: &'a HashMap<String, String>, id: &'a str) -> &'a str {
    names.get(id).map(String::as_str).unwrap_or(id)
}

/// "Cuts · shared with Bob (viewer), Cy (commenter)": who may open the folder.
fn shared_title(name: &str, audience: &BTreeMap<String, Role>, names: &HashMap<String, String>) -> String {
    if audience.is_empty() {
        return name.to_string();
    }
    let mut who: Vec<String> = audience
        .iter()
        .take(TITLE_NAMES)
        .map(|(u, r)| format!("{} ({})", name_of(names, u), r.as_str()))
        .collect();
    if audience.len() > TITLE_NAMES {
        who.push(format!("and {} more", audience.len() - TITLE_NAMES));
    }
    format!("{name} · shared with {}", who.join(", "))
}

impl BasicFolders {
    pub(crate) async fn users_page(&self, ctx: &Context) -> Result<Page, Status> {
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

    pub(crate) async fn tree_page(
        &self,
        ctx: &Context,
        viewer: &pb::User,
        owner: &str,
        folder: Option<String>,
        other: bool,
    ) -> Result<Page, Status> {
        let mut tree = self.trees.get(ctx, owner).await?;
        // A folder that is gone (deleted in another tab): show the top level instead.
        let folder = folder.filter(|f| tree.folders.contains_key(f));
        if !other && tree.current != folder {
            tree = self
                .trees
                .update(ctx, owner, |t| {
                    t.current = folder.clone();
                    Ok(t.clone())
                })
                .await?;
        }
        let audience = folder.as_deref().map(|f| tree.audience(f)).unwrap_or_default();
        let names = if audience.is_empty() {
            HashMap::new()
        } else {
            names(ctx, audience.keys()).await?
        };
        let title = match &folder {
            Some(f) => shared_title(
                &tree.folders.get(f).map(|x| x.name.clone()).unwrap_or_default(),
                &audience,
                &names,
            ),
            None if other => format!("{}'s media", owner),
            None => "My media".into(),
        };
        let mut page = Page::new(paths::tree(owner, other, folder.as_deref()), title);
        if viewer.is_admin {
            page.crumb("Users", "/users");
        }
        page.crumb(
            if other { owner.to_string() } else { "My media".into() },
            paths::tree(owner, other, None),
        );
        if let Some(f) = &folder {
            for (id, name) in tree.chain(f) {
                page.crumb(name, paths::tree(owner, other, Some(&id)));
            }
        }
        if folder.is_none() && !other {
            let shared = self.shared_entries(ctx, owner).await?;
            if !shared.is_empty() {
                page.folder(SHARED_ID, "Shared with me", paths::SHARED, shared.len() as u32);
            }
        }
        for (id, f) in tree.children(folder.as_deref()) {
            page.folder(id, &f.name, paths::tree(owner, other, Some(id)), tree.item_count(id));
        }
        page.media_ids = match &folder {
            // The tree knows what a folder holds: no round trip to the server (which drops
            // ids of media deleted meanwhile). Clients sort by date or title as they like.
            Some(f) => tree.media_in(f),
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
        own_actions(&mut page, &tree, owner, folder.as_deref(), &names);
        Ok(page)
    }

    /// `/shared`: the folders others shared with the user, by owner.
    pub(crate) async fn shared_list_page(&self, ctx: &Context, user: &pb::User) -> Result<Page, Status> {
        let mut entries = self.shared_entries(ctx, &user.id).await?;
        let owners = names(ctx, entries.iter().map(|e| &e.at.owner)).await?;
        entries.sort_by_cached_key(|e| {
            (
                name_of(&owners, &e.at.owner).to_lowercase(),
                e.name.to_lowercase(),
                e.at.clone(),
            )
        });
        let mut page = Page::new(paths::SHARED, "Shared with me");
        page.crumb("My media", "/").crumb("Shared with me", paths::SHARED);
        for e in entries {
            page.folder(
                &e.at.folder,
                format!("{} ({})", e.name, name_of(&owners, &e.at.owner)),
                paths::shared(&e.at.owner, &e.at.folder),
                e.items,
            );
        }
        Ok(page)
    }

    /// A folder of `owner`'s (or a subfolder of one) shared with the user: its subfolders
    /// and media, and no actions. A folder not shared with them shows their "Shared with
    /// me" instead, as if it did not exist.
    pub(crate) async fn shared_page(
        &self,
        ctx: &Context,
        user: &pb::User,
        owner: &str,
        folder: &str,
    ) -> Result<Page, Status> {
        let tree = self.trees.get(ctx, owner).await?;
        let Some(chain) = tree.shared_chain(folder, &user.id) else {
            return self.shared_list_page(ctx, user).await;
        };
        let owners = names(ctx, [&owner.to_string()]).await?;
        let name = chain.last().map(|c| c.1.clone()).unwrap_or_default();
        let role = tree.role_in(folder, &user.id).unwrap_or(Role::Viewer);
        let title = format!("{name} · shared by {} ({})", name_of(&owners, owner), role.as_str());
        let mut page = Page::new(paths::shared(owner, folder), title);
        page.crumb("My media", "/").crumb("Shared with me", paths::SHARED);
        for (id, name) in &chain {
            page.crumb(name, paths::shared(owner, id));
        }
        for (id, f) in tree.children(Some(folder)) {
            page.folder(id, &f.name, paths::shared(owner, id), tree.item_count(id));
        }
        page.media_ids = tree.media_in(folder);
        Ok(page)
    }
}

/// What the owner (or an admin) can do on a page of the owner's tree.
fn own_actions(page: &mut Page, tree: &Tree, owner: &str, folder: Option<&str>, names: &HashMap<String, String>) {
    let o = json!({ "owner": owner });
    let with_role = |role: Role| json!({"owner": owner, "role": role.as_str()});
    page.action(
        Scope::Page,
        "create_folder",
        "New folder",
        json!({"owner": owner, "parent": folder}),
        &["name"],
    )
    .action(Scope::Folder, "rename_folder", "Rename", o.clone(), &["name"])
    .action(Scope::Folder, "delete_folder", "Delete folder", o.clone(), &[])
    .action(
        Scope::Folder,
        "share_folder",
        "Share to watch…",
        with_role(Role::Viewer),
        &["users"],
    )
    .action(
        Scope::Folder,
        "share_folder",
        "Share to comment…",
        with_role(Role::Commenter),
        &["users"],
    )
    .action(
        Scope::Folder,
        "unshare_folder",
        "Stop sharing with…",
        o.clone(),
        &["users"],
    )
    .action(Scope::Media, "move_media", "Move to folder", o.clone(), &["folder"]);
    let Some(f) = folder else { return };
    let parent = tree.folders.get(f).and_then(|x| x.parent.clone());
    page.action(
        Scope::Media,
        "move_media",
        "Move up",
        json!({"owner": owner, "folder": parent}),
        &[],
    );
    let here = |role: Role| json!({"owner": owner, "folder": f, "role": role.as_str()});
    page.action(
        Scope::Page,
        "share_folder",
        "Share this folder to watch…",
        here(Role::Viewer),
        &["users"],
    )
    .action(
        Scope::Page,
        "share_folder",
        "Share this folder to comment…",
        here(Role::Commenter),
        &["users"],
    );
    // One action per user the folder itself is shared with: the list of who, and the way
    // to stop it. (Shares of a folder above are stopped there.)
    for (u, r) in tree.folders.get(f).map(|x| &x.shared).into_iter().flatten() {
        page.action(
            Scope::Page,
            "unshare_folder",
            &format!("Stop sharing with {} ({})", name_of(names, u), r.as_str()),
            json!({"owner": owner, "folder": f, "users": [u]}),
            &[],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_who_may_open_a_folder() {
        let mut audience = BTreeMap::new();
        assert_eq!(shared_title("Cuts", &audience, &HashMap::new()), "Cuts");
        audience.insert("bob".to_string(), Role::Viewer);
        audience.insert("cy".to_string(), Role::Commenter);
        let names = HashMap::from([("bob".to_string(), "Bob B".to_string())]);
        assert_eq!(
            shared_title("Cuts", &audience, &names),
            "Cuts · shared with Bob B (viewer), cy (commenter)"
        );
        for u in ["d", "e", "f", "g"] {
            audience.insert(u.to_string(), Role::Viewer);
        }
        assert!(shared_title("Cuts", &audience, &names).ends_with(", and 2 more"));
    }

    #[test]
    fn the_owner_gets_one_stop_action_per_user_shared_with() {
        let mut t = Tree::default();
        let f = t.create("Cuts", None).unwrap();
        t.share(&f, "ann", &[("bob".into(), Role::Commenter)]).unwrap();
        let mut page = Page::new("/", "");
        own_actions(&mut page, &t, "ann", Some(&f), &HashMap::new());
        let stops: Vec<_> = page
            .actions
            .iter()
            .filter(|a| a.command == "unshare_folder" && a.scope == Scope::Page as i32)
            .collect();
        assert_eq!(stops.len(), 1);
        assert_eq!(stops[0].label, "Stop sharing with bob (commenter)");
        let args: serde_json::Value = serde_json::from_str(&stops[0].args_json).unwrap();
        assert_eq!(args, json!({"owner": "ann", "folder": f, "users": ["bob"]}));
    }
}
