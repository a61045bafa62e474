//! Small constructors on the generated types, so plugins read well.

use crate::pb;

impl pb::UserPageResponse {
    /// An empty page at `path`.
    pub fn new(path: impl Into<String>, title: impl Into<String>) -> Self {
        pb::UserPageResponse {
            path: path.into(),
            title: title.into(),
            ..Default::default()
        }
    }

    pub fn crumb(&mut self, label: impl Into<String>, path: impl Into<String>) -> &mut Self {
        self.breadcrumbs.push(pb::Breadcrumb {
            label: label.into(),
            path: path.into(),
        });
        self
    }

    pub fn folder(
        &mut self,
        id: impl Into<String>,
        name: impl Into<String>,
        path: impl Into<String>,
        items: u32,
    ) -> &mut Self {
        self.folders.push(pb::Folder {
            id: id.into(),
            name: name.into(),
            path: path.into(),
            item_count: items,
        });
        self
    }

    /// An action; `args` is a JSON object of preset arguments, `prompt` the text arguments
    /// the client asks the user for.
    pub fn action(
        &mut self,
        scope: pb::page_action::Scope,
        command: &str,
        label: &str,
        args: serde_json::Value,
        prompt: &[&str],
    ) -> &mut Self {
        self.actions.push(pb::PageAction {
            command: command.into(),
            label: label.into(),
            scope: scope as i32,
            args_json: if args.is_null() {
                String::new()
            } else {
                args.to_string()
            },
            prompt: prompt.iter().map(|s| s.to_string()).collect(),
        });
        self
    }
}

impl pb::AuthorizeResponse {
    pub fn allow() -> Self {
        pb::AuthorizeResponse {
            allow: true,
            reason: String::new(),
        }
    }

    pub fn deny(reason: impl Into<String>) -> Self {
        pb::AuthorizeResponse {
            allow: false,
            reason: reason.into(),
        }
    }

    /// What the server's built-in rule answers (it is in the request). A denial carries no
    /// reason, so the server words it as it does for its own rule: the built-in rule counts
    /// more than owners and admins (shares, link access), which the plugin does not see.
    pub fn builtin(req: &pb::AuthorizeRequest) -> Self {
        if req.builtin_allowed {
            Self::allow()
        } else {
            Self::deny("")
        }
    }
}

impl pb::User {
    pub fn new(id: impl Into<String>, name: impl Into<String>, is_admin: bool) -> Self {
        pb::User {
            id: id.into(),
            name: name.into(),
            is_admin,
        }
    }
}
