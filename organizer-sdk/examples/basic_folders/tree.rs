//! One user's folders: the tree, where their media sits, and whom each folder is shared with.
//! Pure data and rules; storing it is `store`'s job.

use organizer_sdk::Status;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const MAX_NAME: usize = 120;
/// The most users one folder is shared with: as many as the server allows on one media
/// (docs/sharing.md), so a folder share is never bigger than what a media share may be.
pub const MAX_SHARES: usize = 1000;

/// What a user a folder is shared with may do to the media inside; the same meanings as
/// the server's per-media sharing. Ordered: a commenter may do all a viewer may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Commenter,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim() {
            "viewer" => Some(Role::Viewer),
            "commenter" => Some(Role::Commenter),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Commenter => "commenter",
        }
    }
}

/// One user's folders and where their media sits. Media not placed is at the top level.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tree {
    pub next_id: u64,
    pub folders: BTreeMap<String, Folder>,
    /// media id → folder id
    pub placed: BTreeMap<String, String>,
    /// Where new uploads go: the folder last opened.
    pub current: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Folder {
    pub name: String,
    pub parent: Option<String>,
    /// user id → role. Covers the subfolders too. Absent in trees stored before sharing.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shared: BTreeMap<String, Role>,
}

impl Tree {
    pub fn children(&self, parent: Option<&str>) -> Vec<(&String, &Folder)> {
        let mut v: Vec<_> = self
            .folders
            .iter()
            .filter(|(_, f)| f.parent.as_deref() == parent)
            .collect();
        v.sort_by_key(|(_, f)| f.name.to_lowercase());
        v
    }

    pub fn item_count(&self, id: &str) -> u32 {
        let folders = self
            .folders
            .values()
            .filter(|f| f.parent.as_deref() == Some(id))
            .count();
        let media = self.placed.values().filter(|f| *f == id).count();
        (folders + media) as u32
    }

    /// The media a folder holds directly.
    pub fn media_in(&self, id: &str) -> Vec<String> {
        self.placed
            .iter()
            .filter(|(_, f)| *f == id)
            .map(|(m, _)| m.clone())
            .collect()
    }

    /// The chain of folders from the top down to `id`.
    pub fn chain(&self, id: &str) -> Vec<(String, String)> {
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

    pub fn exists(&self, id: Option<&str>) -> Result<(), Status> {
        match id {
            Some(id) if !self.folders.contains_key(id) => Err(Status::not_found(format!("no folder {id}"))),
            _ => Ok(()),
        }
    }

    pub fn create(&mut self, name: &str, parent: Option<&str>) -> Result<String, Status> {
        self.exists(parent)?;
        self.next_id += 1;
        let id = format!("{}", self.next_id);
        self.folders.insert(
            id.clone(),
            Folder {
                name: clean_name(name)?,
                parent: parent.map(str::to_owned),
                shared: BTreeMap::new(),
            },
        );
        Ok(id)
    }

    pub fn rename(&mut self, id: &str, name: &str) -> Result<(), Status> {
        let name = clean_name(name)?;
        self.folder_mut(id)?.name = name;
        Ok(())
    }

    fn folder_mut(&mut self, id: &str) -> Result<&mut Folder, Status> {
        self.folders
            .get_mut(id)
            .ok_or_else(|| Status::not_found(format!("no folder {id}")))
    }

    /// Deletes a folder; what it held moves up to its parent. Answers the folder, so the
    /// caller knows whom it was shared with (its shares go with it: what moves up is shared
    /// as the parent is).
    pub fn delete(&mut self, id: &str) -> Result<Folder, Status> {
        let gone = self
            .folders
            .remove(id)
            .ok_or_else(|| Status::not_found(format!("no folder {id}")))?;
        for f in self.folders.values_mut() {
            if f.parent.as_deref() == Some(id) {
                f.parent = gone.parent.clone();
            }
        }
        for m in self.media_in(id) {
            match &gone.parent {
                Some(p) => self.placed.insert(m, p.clone()),
                None => self.placed.remove(&m),
            };
        }
        if self.current.as_deref() == Some(id) {
            self.current = gone.parent.clone();
        }
        Ok(gone)
    }

    /// Nests a folder under another (or at the top); never inside itself.
    pub fn move_folder(&mut self, id: &str, parent: Option<&str>) -> Result<(), Status> {
        self.exists(Some(id))?;
        self.exists(parent)?;
        if let Some(p) = parent {
            if self.chain(p).iter().any(|(c, _)| c == id) {
                return Err(Status::invalid_argument("a folder cannot go inside itself"));
            }
        }
        self.folder_mut(id)?.parent = parent.map(str::to_owned);
        Ok(())
    }

    pub fn place(&mut self, media: &str, folder: Option<&str>) -> Result<(), Status> {
        self.exists(folder)?;
        match folder {
            Some(f) => self.placed.insert(media.to_string(), f.to_string()),
            None => self.placed.remove(media),
        };
        Ok(())
    }

    /// Shares a folder with each user in the role given (a user already there gets the new
    /// role). `owner` is the tree's: sharing with oneself makes no sense.
    pub fn share(&mut self, id: &str, owner: &str, grants: &[(String, Role)]) -> Result<(), Status> {
        if grants.iter().any(|(u, _)| u == owner) {
            return Err(Status::invalid_argument("a folder is not shared with its owner"));
        }
        let f = self.folder_mut(id)?;
        let mut shared = f.shared.clone();
        shared.extend(grants.iter().cloned());
        if shared.len() > MAX_SHARES {
            return Err(Status::invalid_argument(format!(
                "a folder is shared with at most {MAX_SHARES} users"
            )));
        }
        f.shared = shared;
        Ok(())
    }

    /// Stops sharing a folder with `users` (everyone when `None`); answers who lost it.
    pub fn unshare(&mut self, id: &str, users: Option<&[String]>) -> Result<Vec<String>, Status> {
        let f = self.folder_mut(id)?;
        let Some(users) = users else {
            return Ok(std::mem::take(&mut f.shared).into_keys().collect());
        };
        let mut gone = vec![];
        for u in users {
            if f.shared.remove(u).is_some() {
                gone.push(u.clone());
            }
        }
        Ok(gone)
    }

    /// Everyone who reaches folder `id` through a share of it or of a folder above it, each
    /// with their highest role there.
    pub fn audience(&self, id: &str) -> BTreeMap<String, Role> {
        let mut out = BTreeMap::new();
        for (c, _) in self.chain(id) {
            for (u, r) in self.folders.get(&c).map(|f| &f.shared).into_iter().flatten() {
                let best = out.entry(u.clone()).or_insert(*r);
                *best = (*best).max(*r);
            }
        }
        out
    }

    /// `user`'s role in folder `id`: the highest a share of it or of a folder above gives.
    pub fn role_in(&self, id: &str, user: &str) -> Option<Role> {
        self.chain(id)
            .iter()
            .filter_map(|(c, _)| self.folders.get(c)?.shared.get(user).copied())
            .max()
    }

    /// `user`'s role on a media of this tree, through the folder it is in.
    pub fn media_role(&self, media: &str, user: &str) -> Option<Role> {
        self.role_in(self.placed.get(media)?, user)
    }

    /// The chain down to folder `id` as `user` may browse it: from the topmost folder
    /// shared with them. `None` when `id` is not shared with them at all.
    pub fn shared_chain(&self, id: &str, user: &str) -> Option<Vec<(String, String)>> {
        let chain = self.chain(id);
        let top = chain
            .iter()
            .position(|(c, _)| self.folders.get(c).is_some_and(|f| f.shared.contains_key(user)))?;
        Some(chain[top..].to_vec())
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

#[cfg(test)]
mod tests {
    use super::*;

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

    fn grants(list: &[(&str, Role)]) -> Vec<(String, Role)> {
        list.iter().map(|(u, r)| (u.to_string(), *r)).collect()
    }

    #[test]
    fn a_share_covers_subfolders_and_media_placed_later() {
        let mut t = Tree::default();
        let cuts = t.create("Cuts", None).unwrap();
        let day1 = t.create("Day 1", Some(&cuts)).unwrap();
        let other = t.create("Other", None).unwrap();
        t.share(&cuts, "ann", &grants(&[("bob", Role::Viewer)])).unwrap();
        t.share(&day1, "ann", &grants(&[("bob", Role::Commenter), ("cy", Role::Viewer)]))
            .unwrap();

        t.place("m1", Some(&cuts)).unwrap();
        t.place("m2", Some(&day1)).unwrap();
        t.place("m3", Some(&other)).unwrap();
        assert_eq!(t.media_role("m1", "bob"), Some(Role::Viewer));
        assert_eq!(
            t.media_role("m2", "bob"),
            Some(Role::Commenter),
            "the highest role counts"
        );
        assert_eq!(t.media_role("m1", "cy"), None, "a share does not reach up");
        assert_eq!(t.media_role("m2", "cy"), Some(Role::Viewer));
        assert_eq!(t.media_role("m3", "bob"), None);
        assert_eq!(t.media_role("unplaced", "bob"), None);

        let audience: Vec<_> = t.audience(&day1).into_iter().collect();
        assert_eq!(
            audience,
            [("bob".to_string(), Role::Commenter), ("cy".to_string(), Role::Viewer)]
        );
        let names = |c: Option<Vec<(String, String)>>| c.map(|c| c.into_iter().map(|x| x.1).collect::<Vec<_>>());
        assert_eq!(
            names(t.shared_chain(&day1, "bob")),
            Some(vec!["Cuts".into(), "Day 1".into()])
        );
        assert_eq!(names(t.shared_chain(&day1, "cy")), Some(vec!["Day 1".into()]));
        assert_eq!(names(t.shared_chain(&other, "bob")), None);

        // Moving a folder out from under a share takes the share away from its contents.
        t.move_folder(&day1, None).unwrap();
        assert_eq!(t.media_role("m2", "bob"), Some(Role::Commenter), "its own share stays");
        t.unshare(&day1, Some(&["bob".into()])).unwrap();
        assert_eq!(t.media_role("m2", "bob"), None);
        assert_eq!(t.media_role("m1", "bob"), Some(Role::Viewer));
    }

    #[test]
    fn sharing_rules() {
        let mut t = Tree::default();
        let f = t.create("F", None).unwrap();
        assert!(
            t.share(&f, "ann", &grants(&[("ann", Role::Viewer)])).is_err(),
            "not with the owner"
        );
        assert_eq!(
            t.share("nope", "ann", &grants(&[("bob", Role::Viewer)]))
                .unwrap_err()
                .code(),
            tonic::Code::NotFound
        );
        t.share(&f, "ann", &grants(&[("bob", Role::Viewer)])).unwrap();
        t.share(&f, "ann", &grants(&[("bob", Role::Commenter)])).unwrap();
        assert_eq!(
            t.folders[&f].shared.get("bob"),
            Some(&Role::Commenter),
            "a new role replaces"
        );

        let many: Vec<(String, Role)> = (0..MAX_SHARES).map(|i| (format!("u{i}"), Role::Viewer)).collect();
        assert!(t.share(&f, "ann", &many).is_err(), "bob and 1,000 more is too many");
        assert_eq!(t.folders[&f].shared.len(), 1, "a refused share changes nothing");

        t.share(&f, "ann", &grants(&[("cy", Role::Viewer)])).unwrap();
        assert_eq!(t.unshare(&f, Some(&["zed".into(), "cy".into()])).unwrap(), ["cy"]);
        assert_eq!(t.unshare(&f, None).unwrap(), ["bob"]);
        assert!(t.folders[&f].shared.is_empty());

        // Deleting a shared folder answers whom it was shared with; its media moves up
        // into a folder that is not shared.
        let sub = t.create("Sub", Some(&f)).unwrap();
        t.share(&sub, "ann", &grants(&[("bob", Role::Viewer)])).unwrap();
        t.place("m1", Some(&sub)).unwrap();
        let gone = t.delete(&sub).unwrap();
        assert_eq!(gone.shared.keys().collect::<Vec<_>>(), ["bob"]);
        assert_eq!(t.media_role("m1", "bob"), None);
    }

    #[test]
    fn trees_stored_before_sharing_still_load() {
        let old = r#"{"next_id":1,"folders":{"1":{"name":"A","parent":null}},"placed":{"m":"1"},"current":null}"#;
        let t: Tree = serde_json::from_str(old).unwrap();
        assert!(t.folders["1"].shared.is_empty());
        let json = serde_json::to_string(&t).unwrap();
        assert!(
            !json.contains("shared"),
            "unshared folders are stored as before: {json}"
        );
    }
}
