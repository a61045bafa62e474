//! Folder sharing seen from the other side: the index of what was shared with each user
//! (their "Shared with me"), and the answer to the server's authorization questions.

use crate::tree::Role;
use organizer_sdk::pb;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A folder of someone's tree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FolderRef {
    pub owner: String,
    pub folder: String,
}

/// The folders shared with one user, across owners. The owners' trees decide access; this
/// only lists. Writers add an entry before the tree shares and drop it after the tree stops
/// sharing, so the index may hold an entry its tree no longer confirms (a crash between the
/// two writes) but never misses one: readers check each entry against its tree.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SharedWith {
    pub folders: BTreeSet<FolderRef>,
}

/// The actions a folder share grants; the plugin leaves all others to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shareable {
    View,
    Comment,
}

impl Shareable {
    /// The action a request asks about, when a folder share can grant it.
    pub fn of(req: &pb::AuthorizeRequest) -> Option<Shareable> {
        match (req.action.as_str(), req.object.as_ref().map(|o| o.kind.as_str())) {
            ("view", Some("media")) => Some(Shareable::View),
            ("comment", Some("media")) => Some(Shareable::Comment),
            _ => None,
        }
    }
}

/// The answer to `req`, given the user's role on the media through its folder. Only ever
/// widens the server's verdict (which already counts the media's own shares and link
/// access): folders add who may watch and comment, they take nothing away.
pub fn verdict(req: &pb::AuthorizeRequest, role: Option<Role>) -> pb::AuthorizeResponse {
    if req.builtin_allowed {
        return pb::AuthorizeResponse::allow();
    }
    match (Shareable::of(req), role) {
        (Some(Shareable::View), Some(_)) | (Some(Shareable::Comment), Some(Role::Commenter)) => {
            pb::AuthorizeResponse::allow()
        }
        (Some(Shareable::Comment), Some(Role::Viewer)) => pb::AuthorizeResponse::deny(
            "this media is in a folder shared with you to watch: ask its owner to make you a commenter",
        ),
        _ => pb::AuthorizeResponse::builtin(req),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(action: &str, kind: &str, builtin: bool) -> pb::AuthorizeRequest {
        pb::AuthorizeRequest {
            user: Some(pb::User::new("bob", "Bob", false)),
            action: action.into(),
            object: Some(pb::ObjectRef {
                kind: kind.into(),
                id: "m1".into(),
                owner_id: "ann".into(),
                title: "Shot".into(),
                media_id: String::new(),
            }),
            builtin_allowed: builtin,
        }
    }

    #[test]
    fn folder_shares_widen_view_and_comment_only() {
        use Role::*;
        let cases = [
            // action, builtin, role → allowed
            ("view", false, None, false),
            ("view", false, Some(Viewer), true),
            ("view", false, Some(Commenter), true),
            ("comment", false, None, false),
            ("comment", false, Some(Viewer), false),
            ("comment", false, Some(Commenter), true),
            ("rename", false, Some(Commenter), false),
            ("delete", false, Some(Commenter), false),
            ("join_session", false, Some(Commenter), false),
            ("something_new", false, Some(Commenter), false),
            // The server's verdict stands when it allows: a folder narrows nothing.
            ("view", true, None, true),
            ("comment", true, Some(Viewer), true),
            ("delete", true, None, true),
        ];
        for (action, builtin, role, want) in cases {
            let v = verdict(&req(action, "media", builtin), role);
            assert_eq!(v.allow, want, "{action} builtin={builtin} role={role:?}");
        }
        let v = verdict(&req("comment", "media", false), Some(Viewer));
        assert!(v.reason.contains("watch"), "{}", v.reason);
        let v = verdict(&req("comment", "media", false), None);
        assert!(v.reason.is_empty(), "the server words its own refusals: {}", v.reason);
        assert!(
            !verdict(&req("view", "playlist", false), Some(Viewer)).allow,
            "media only"
        );
    }
}
