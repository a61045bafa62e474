//! Between the server's rows and wire types and the organizer protocol's messages.

use crate::db::models::{Media, User};
use dailies_protocol::{OrganizerAction, OrganizerActionScope, OrganizerCrumb, OrganizerFolder, UserInfo};
use organizer_sdk::pb;

pub fn user(u: &UserInfo) -> pb::User {
    pb::User {
        id: u.id.0.clone(),
        name: u.name.clone(),
        is_admin: u.is_admin,
    }
}

pub fn user_row(u: &User) -> pb::User {
    pb::User {
        id: u.id.0.clone(),
        name: u.name.clone(),
        is_admin: u.is_admin,
    }
}

pub fn media(m: &Media) -> pb::Media {
    pb::Media {
        id: m.id.0.clone(),
        owner_id: m.owner_id.0.clone(),
        title: m.title.clone(),
        status: m.status.as_str().to_string(),
        kind: m.kind.clone().unwrap_or_default(),
        duration: m.duration.unwrap_or_default(),
        frame_count: m.frame_count.unwrap_or_default(),
        width: m.width.unwrap_or_default(),
        height: m.height.unwrap_or_default(),
        file_size: m.file_size,
        created_at: m.created_at.and_utc().to_rfc3339(),
        orig_filename: m.orig_filename.clone(),
    }
}

/// A comment as the plugin sees it.
pub fn comment(c: &dailies_protocol::Comment) -> pb::Comment {
    pb::Comment {
        id: c.id.0,
        media_id: c.media_id.0.clone(),
        user_id: c.user_id.0.clone(),
        text: c.text.clone(),
        frame: c.frame,
        parent_id: c.parent_id.map(|p| p.0).unwrap_or(0),
        created_at: c.created_at.clone(),
        user_name: c.user_name.clone(),
        guest: c.guest,
        via_plugin: c.via_plugin.clone().unwrap_or_default(),
    }
}

pub fn sharing(media_id: &str, s: &dailies_protocol::Sharing) -> pb::ShareList {
    pb::ShareList {
        media_id: media_id.to_string(),
        link_access: s.link_access.as_str().to_string(),
        users: s
            .users
            .iter()
            .map(|e| pb::Share {
                user_id: e.user_id.0.clone(),
                user_name: e.user_name.clone().unwrap_or_default(),
                role: e.role.as_str().to_string(),
            })
            .collect(),
    }
}

pub fn status_change(c: &dailies_protocol::StatusChange) -> pb::StatusChange {
    pb::StatusChange {
        status: c.status.as_str().to_string(),
        user_id: c.user_id.0.clone(),
        user_name: c.user_name.clone(),
        at: c.at.clone(),
    }
}

pub fn status_view(media_id: &str, v: &dailies_protocol::StatusView) -> pb::StatusView {
    pb::StatusView {
        media_id: media_id.to_string(),
        status: v.status.as_str().to_string(),
        history: v.history.iter().map(status_change).collect(),
    }
}

pub fn crumb(c: pb::Breadcrumb) -> OrganizerCrumb {
    OrganizerCrumb {
        label: c.label,
        path: c.path,
    }
}

pub fn folder(f: pb::Folder) -> OrganizerFolder {
    OrganizerFolder {
        id: f.id,
        name: f.name,
        path: f.path,
        item_count: f.item_count,
    }
}

/// A page action for the client; preset arguments that are not a JSON object become `{}`.
pub fn action(a: pb::PageAction) -> OrganizerAction {
    let scope = match pb::page_action::Scope::try_from(a.scope) {
        Ok(pb::page_action::Scope::Folder) => OrganizerActionScope::Folder,
        Ok(pb::page_action::Scope::Media) => OrganizerActionScope::Media,
        _ => OrganizerActionScope::Page,
    };
    let args = serde_json::from_str::<serde_json::Value>(&a.args_json)
        .ok()
        .filter(|v| v.is_object())
        .unwrap_or_else(|| serde_json::json!({}));
    OrganizerAction {
        command: a.command,
        label: a.label,
        scope,
        args,
        prompt: a.prompt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_keep_scope_and_object_args() {
        let a = action(pb::PageAction {
            command: "rename_folder".into(),
            label: "Rename".into(),
            scope: pb::page_action::Scope::Folder as i32,
            args_json: r#"{"x":1}"#.into(),
            prompt: vec!["name".into()],
        });
        assert_eq!(a.scope, OrganizerActionScope::Folder);
        assert_eq!(a.args, serde_json::json!({"x": 1}));
        let b = action(pb::PageAction {
            args_json: "[1]".into(),
            scope: 99,
            ..Default::default()
        });
        assert_eq!((b.scope, b.args), (OrganizerActionScope::Page, serde_json::json!({})));
    }
}
