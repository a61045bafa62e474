//! Reading command arguments: what the web client sends for a page action (preset arguments
//! plus the texts it prompted for), or what a script sends as JSON.

use crate::tree::{Role, MAX_SHARES};
use organizer_sdk::Status;
use serde_json::Value;
use std::collections::BTreeMap;

pub fn text<'a>(args: &'a Value, name: &str) -> Result<&'a str, Status> {
    args.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Status::invalid_argument(format!("argument {name:?} (text) is missing")))
}

/// A folder argument: a folder id, or null/absent/"" for the top level.
pub fn folder(args: &Value, name: &str) -> Result<Option<String>, Status> {
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

/// The folder a sharing command is about: `folder` (what the client sends for a folder
/// action) or `folder_id`.
pub fn shared_folder(args: &Value) -> Result<String, Status> {
    let f = match folder(args, "folder")? {
        Some(f) => Some(f),
        None => folder(args, "folder_id")?,
    };
    f.ok_or_else(|| Status::invalid_argument("argument \"folder\" (a folder id) is missing"))
}

/// `users` of `share_folder`, each with a role: `[{"user_id", "role"}]`, or ids (a list,
/// or one text of ids separated by commas, as a page action's prompt gives it) that all get
/// the role of the `role` argument (`viewer` when absent).
pub fn grants(args: &Value) -> Result<Vec<(String, Role)>, Status> {
    let default = match args.get("role") {
        None | Some(Value::Null) => Role::Viewer,
        Some(r) => role(r)?,
    };
    let mut out = BTreeMap::new();
    for entry in entries(args)? {
        let (id, r) = match entry {
            Value::Object(o) => {
                let id = o
                    .get("user_id")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Status::invalid_argument("each of \"users\" needs a \"user_id\" (text)"))?;
                let r = match o.get("role") {
                    None | Some(Value::Null) => default,
                    Some(r) => role(r)?,
                };
                (user_id(id)?, r)
            }
            other => (plain_id(&other)?, default),
        };
        out.insert(id, r);
    }
    if out.is_empty() {
        return Err(Status::invalid_argument("name at least one user to share with"));
    }
    Ok(out.into_iter().collect())
}

/// `users` of `unshare_folder`: ids, or objects with a `user_id`, as for `share_folder`;
/// `None` (no `users` at all) means everyone.
pub fn user_ids(args: &Value) -> Result<Option<Vec<String>>, Status> {
    if matches!(args.get("users"), None | Some(Value::Null)) {
        return Ok(None);
    }
    let mut out = vec![];
    for entry in entries(args)? {
        out.push(match entry {
            Value::Object(o) => user_id(o.get("user_id").and_then(Value::as_str).unwrap_or_default())?,
            other => plain_id(&other)?,
        });
    }
    if out.is_empty() {
        return Err(Status::invalid_argument(
            "name at least one user (or leave \"users\" out to stop sharing with everyone)",
        ));
    }
    out.sort();
    out.dedup();
    Ok(Some(out))
}

fn entries(args: &Value) -> Result<Vec<Value>, Status> {
    let list = match args.get("users") {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::String(s)) => s
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .map(|p| Value::String(p.trim().to_string()))
            .collect(),
        _ => {
            return Err(Status::invalid_argument(
                "argument \"users\" (user ids, or [{\"user_id\", \"role\"}]) is missing",
            ))
        }
    };
    if list.len() > MAX_SHARES {
        return Err(Status::invalid_argument(format!("at most {MAX_SHARES} users at once")));
    }
    Ok(list)
}

fn plain_id(v: &Value) -> Result<String, Status> {
    user_id(
        v.as_str()
            .ok_or_else(|| Status::invalid_argument("a user in \"users\" is not a user id"))?,
    )
}

/// Spaces around an id are the prompt's, not the id's (the server refuses such ids too).
fn user_id(id: &str) -> Result<String, Status> {
    let id = id.trim();
    if id.is_empty() || id.chars().any(char::is_control) {
        return Err(Status::invalid_argument(format!("{id:?} is not a user id")));
    }
    Ok(id.to_string())
}

fn role(v: &Value) -> Result<Role, Status> {
    v.as_str()
        .and_then(Role::parse)
        .ok_or_else(|| Status::invalid_argument(format!("a role is \"viewer\" or \"commenter\", not {v}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grants_from_a_prompt_a_list_or_objects() {
        let g = grants(&json!({"users": " bob, carol ,,", "role": "commenter"})).unwrap();
        assert_eq!(
            g,
            [
                ("bob".to_string(), Role::Commenter),
                ("carol".to_string(), Role::Commenter)
            ]
        );
        let g = grants(&json!({"users": ["bob"]})).unwrap();
        assert_eq!(g, [("bob".to_string(), Role::Viewer)], "viewer by default");
        let g = grants(
            &json!({"users": [{"user_id": "bob", "role": "commenter"}, {"user_id": "cy"}, "dee"],
                               "role": "viewer"}),
        )
        .unwrap();
        assert_eq!(
            g,
            [
                ("bob".to_string(), Role::Commenter),
                ("cy".to_string(), Role::Viewer),
                ("dee".to_string(), Role::Viewer)
            ]
        );
        let g = grants(&json!({"users": ["bob", {"user_id": "bob", "role": "commenter"}]})).unwrap();
        assert_eq!(g, [("bob".to_string(), Role::Commenter)], "the last mention wins");
    }

    #[test]
    fn bad_grants_are_refused_with_a_reason() {
        for bad in [
            json!({}),
            json!({"users": ""}),
            json!({"users": " , "}),
            json!({"users": []}),
            json!({"users": [7]}),
            json!({"users": [{"role": "viewer"}]}),
            json!({"users": "bob", "role": "owner"}),
            json!({"users": [{"user_id": "bob", "role": "admin"}]}),
            json!({"users": ["bo\u{7}b"]}),
            json!({"users": 3}),
        ] {
            let e = grants(&bad).unwrap_err();
            assert_eq!(e.code(), tonic::Code::InvalidArgument, "{bad}");
            assert!(!e.message().is_empty());
        }
        let many: Vec<String> = (0..=MAX_SHARES).map(|i| format!("u{i}")).collect();
        assert!(grants(&json!({ "users": many })).is_err());
    }

    #[test]
    fn unsharing_names_users_or_everyone() {
        assert_eq!(user_ids(&json!({})).unwrap(), None);
        assert_eq!(user_ids(&json!({"users": null})).unwrap(), None);
        assert_eq!(
            user_ids(&json!({"users": "cy, bob, cy"})).unwrap(),
            Some(vec!["bob".to_string(), "cy".to_string()])
        );
        assert_eq!(
            user_ids(&json!({"users": [{"user_id": "bob"}]})).unwrap(),
            Some(vec!["bob".to_string()])
        );
        assert!(
            user_ids(&json!({"users": ""})).is_err(),
            "an empty prompt is not everyone"
        );
    }

    #[test]
    fn the_folder_comes_as_folder_or_folder_id() {
        assert_eq!(shared_folder(&json!({"folder": "3"})).unwrap(), "3");
        assert_eq!(shared_folder(&json!({"folder_id": 3})).unwrap(), "3");
        assert!(
            shared_folder(&json!({"folder": ""})).is_err(),
            "the top level is not a folder"
        );
    }
}
