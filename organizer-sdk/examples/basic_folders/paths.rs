//! The plugin's page paths: `/` (own home), `/f/<folder>`, `/shared` and
//! `/shared/<owner>/<folder>` (what others shared), and for admins `/users…`.

use organizer_sdk::pb;

/// What a path points at.
#[derive(Debug, PartialEq)]
pub enum Loc {
    Users,
    Tree {
        owner: String,
        folder: Option<String>,
        other: bool,
    },
    /// The folders others shared with the user.
    SharedList,
    /// A folder of `owner`'s, as someone it is shared with browses it.
    Shared {
        owner: String,
        folder: String,
    },
}

pub fn parse(user: &pb::User, path: &str) -> Loc {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let own = |folder: Option<&str>| Loc::Tree {
        owner: user.id.clone(),
        folder: folder.map(str::to_owned),
        other: false,
    };
    match parts.as_slice() {
        ["f", f] => own(Some(f)),
        ["shared"] => Loc::SharedList,
        ["shared", o, f] => Loc::Shared {
            owner: unescape(o),
            folder: f.to_string(),
        },
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

pub fn tree(owner: &str, other: bool, folder: Option<&str>) -> String {
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

pub const SHARED: &str = "/shared";

pub fn shared(owner: &str, folder: &str) -> String {
    format!("{SHARED}/{}/{folder}", escape(owner))
}

/// User ids may hold `/` (whatever the proxy sends): escaped, so a path segment stays one.
fn escape(s: &str) -> String {
    s.replace('%', "%25").replace('/', "%2F")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (c, skip) = match tail.get(..3) {
            Some("%25") => ('%', 3),
            Some("%2F" | "%2f") => ('/', 3),
            _ => ('%', 1),
        };
        out.push(c);
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out
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
        assert_eq!(parse(&ann, "/"), own(None, "ann"));
        assert_eq!(parse(&ann, "/f/3"), own(Some("3"), "ann"));
        assert_eq!(parse(&ann, "/users"), own(None, "ann"), "not for non-admins");
        assert_eq!(parse(&boss, "/users"), Loc::Users);
        assert_eq!(
            parse(&boss, "/users/ann/f/2"),
            Loc::Tree {
                owner: "ann".into(),
                folder: Some("2".into()),
                other: true
            }
        );
        assert_eq!(tree("ann", true, Some("2")), "/users/ann/f/2");
        assert_eq!(tree("ann", false, None), "/");
        assert_eq!(parse(&ann, "/shared"), Loc::SharedList);
        assert_eq!(
            parse(&ann, &shared("bob", "4")),
            Loc::Shared {
                owner: "bob".into(),
                folder: "4".into()
            }
        );
    }

    #[test]
    fn owner_ids_with_slashes_and_percents_stay_one_segment() {
        let ann = user("ann", false);
        for id in ["a/b", "100%", "%2F", "x%25/y", "/", "%", "é/%"] {
            let p = shared(id, "7");
            assert_eq!(p.matches('/').count(), 3, "{p}");
            assert_eq!(
                parse(&ann, &p),
                Loc::Shared {
                    owner: id.into(),
                    folder: "7".into()
                },
                "{id}"
            );
        }
        assert_eq!(unescape("50%off%2"), "50%off%2", "stray percents are kept");
    }
}
