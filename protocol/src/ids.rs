//! Identifier newtypes, so a media id can never be passed where a user id is expected.
//! On the wire each one is a plain string (or number for comments).

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        /// Reads as the text it is, so code that takes `&str` takes an id as it is.
        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
    };
}

string_id!(
    /// A media file's id: short, random, URL-safe.
    MediaId
);
string_id!(
    /// A dailies playlist's id: short, random, URL-safe.
    PlaylistId
);
string_id!(
    /// A user's id as given by the reverse proxy (or "demo").
    UserId
);

/// A comment's id: the SQLite row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(transparent)]
pub struct CommentId(#[ts(type = "number")] pub i64);

impl From<i64> for CommentId {
    fn from(id: i64) -> Self {
        Self(id)
    }
}

impl From<CommentId> for i64 {
    fn from(id: CommentId) -> Self {
        id.0
    }
}

impl MediaId {
    /// True when the id has the shape the server generates, so it is safe to use as a
    /// directory name (no separators, no dots, bounded length).
    pub fn is_well_formed(&self) -> bool {
        let s = self.0.as_str();
        !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_id_shape() {
        assert!(MediaId::from("a1B2-c_3").is_well_formed());
        for bad in ["", "..", "a/b", "a\\b", "a.b", "é", &"x".repeat(65)] {
            assert!(!MediaId::from(bad).is_well_formed(), "{bad:?}");
        }
    }
}
