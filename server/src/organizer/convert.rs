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
