//! Values the database stores as text, typed: a job's status, where media came from, what
//! kind a user message is. Reading an unknown value is an error, not a silent default.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

/// A text-stored enum: its variants and their stored names.
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
        #[diesel(sql_type = Text)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$v),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let s = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                $name::parse(&s).ok_or_else(|| format!("unknown {} {s:?}", stringify!($name)).into())
            }
        }
    };
}

text_enum!(
    /// Where a processing job stands.
    JobStatus {
        Queued => "queued",
        Running => "running",
        Done => "done",
        Failed => "failed",
    }
);

text_enum!(
    /// How a media file arrived.
    MediaSource {
        Upload => "upload",
        Tus => "tus",
        Watch => "watch",
    }
);

text_enum!(
    /// What a user message is about.
    MessageKind {
        /// Someone replied to the user's comment.
        Reply => "reply",
        /// Someone commented on the user's media.
        Comment => "comment",
        MediaReady => "media_ready",
        MediaFailed => "media_failed",
        /// Sent by the organizer plugin.
        Organizer => "organizer",
        /// Someone shared a media file with the user.
        Shared => "shared",
        /// Someone resolved the user's note.
        Resolved => "comment_resolved",
        /// A new version of the user's media (issue 16).
        NewVersion => "new_version",
        StatusChanged => "status_changed",
        /// A guest of a review link commented on the user's media.
        GuestComment => "guest_comment",
        LiveSession => "live_session_started",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_read_back() {
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(*s));
        }
        for s in MediaSource::ALL {
            assert_eq!(MediaSource::parse(s.as_str()), Some(*s));
        }
        for s in MessageKind::ALL {
            assert_eq!(MessageKind::parse(s.as_str()), Some(*s));
        }
        assert_eq!(JobStatus::parse("Queued"), None);
    }
}
