//! What the plugin hears: the notices it subscribes to, as `pb::Event`s. The organizer
//! listens to the notifier like any other subscriber; domain code never calls it.

use super::convert;
use crate::notice::Notice;
use organizer_sdk::pb;

/// The plugin's events for a notice: none for notices plugins do not hear; for a new
/// version of a media (a media added into a stack) `media_added` and then, from protocol
/// 1.2, `version_added`.
pub fn events_for(n: &Notice, minor: u32) -> Vec<pb::event::Kind> {
    let mut out: Vec<pb::event::Kind> = event_for(n, minor).into_iter().collect();
    if let Notice::MediaAdded { media } = n {
        if let Some(root) = media.stack_id.as_ref().filter(|_| minor >= 2) {
            out.push(pb::event::Kind::VersionAdded(pb::VersionAdded {
                media: Some(convert::media(media)),
                version_of: root.clone(),
            }));
        }
    }
    out
}

/// The plugin's event for a notice, or `None` for notices plugins do not hear. `minor` is
/// the plugin's protocol minor version: events it cannot know are left out, and a guest's
/// comment reaches a plugin older than 1.2 as a plain `comment_added`.
pub fn event_for(n: &Notice, minor: u32) -> Option<pb::event::Kind> {
    use pb::event::Kind;
    let v12 = minor >= 2;
    Some(match n {
        Notice::UserConnected { user } => Kind::UserConnected(pb::UserConnected {
            user: Some(convert::user(user)),
        }),
        Notice::MediaAdded { media } => Kind::MediaAdded(pb::MediaAdded {
            media: Some(convert::media(media)),
        }),
        Notice::MediaDeleted { media, by } => Kind::MediaDeleted(pb::MediaDeleted {
            media_id: media.id.0.clone(),
            owner_id: media.owner_id.0.clone(),
            by: Some(convert::user(by)),
        }),
        Notice::CommentAdded { comment } if comment.guest && v12 => Kind::GuestCommentAdded(pb::GuestCommentAdded {
            comment: Some(convert::comment(comment)),
        }),
        Notice::CommentAdded { comment } => Kind::CommentAdded(pb::CommentAdded {
            comment: Some(convert::comment(comment)),
        }),
        Notice::SharingChanged { media_id, sharing, by } if v12 => Kind::SharesChanged(pb::SharesChanged {
            sharing: Some(convert::sharing(media_id.as_str(), sharing)),
            by: Some(convert::user(by)),
        }),
        Notice::StatusChanged { media_id, change } if v12 => Kind::StatusChanged(pb::StatusChanged {
            media_id: media_id.0.clone(),
            change: Some(convert::status_change(change)),
        }),
        Notice::SharingChanged { .. }
        | Notice::StatusChanged { .. }
        | Notice::MediaChanged { .. }
        | Notice::MediaProgress { .. }
        | Notice::MessageStored { .. }
        | Notice::OrganizerRefresh { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dailies_protocol::{UserId, UserInfo};

    #[test]
    fn plugins_hear_of_connections_but_not_of_progress() {
        let user = UserInfo {
            id: UserId("u".into()),
            name: "U".into(),
            is_admin: false,
        };
        assert!(matches!(
            event_for(&Notice::UserConnected { user }, 2),
            Some(pb::event::Kind::UserConnected(_))
        ));
        let progress = Notice::MediaProgress {
            media_id: dailies_protocol::MediaId("m".into()),
            owner: UserId("u".into()),
            progress: 0.5,
            stage: "proxy".into(),
        };
        assert!(event_for(&progress, 2).is_none());
    }

    #[test]
    fn older_plugins_get_only_the_events_they_know() {
        let change = Notice::StatusChanged {
            media_id: dailies_protocol::MediaId("m".into()),
            change: dailies_protocol::StatusChange {
                status: dailies_protocol::ReviewStatus::Approved,
                user_id: UserId("u".into()),
                user_name: "U".into(),
                at: "2026-12-03T00:00:00Z".into(),
            },
        };
        assert!(matches!(event_for(&change, 2), Some(pb::event::Kind::StatusChanged(_))));
        assert!(event_for(&change, 1).is_none());
    }
}
