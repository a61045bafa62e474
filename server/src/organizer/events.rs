//! What the plugin hears: the notices it subscribes to, as `pb::Event`s. The organizer
//! listens to the notifier like any other subscriber; domain code never calls it.

use super::convert;
use crate::notice::Notice;
use organizer_sdk::pb;

/// The plugin's event for a notice, or `None` for notices plugins do not hear.
pub fn event_for(n: &Notice) -> Option<pb::event::Kind> {
    Some(match n {
        Notice::UserConnected { user } => pb::event::Kind::UserConnected(pb::UserConnected {
            user: Some(convert::user(user)),
        }),
        Notice::MediaAdded { media } => pb::event::Kind::MediaAdded(pb::MediaAdded {
            media: Some(convert::media(media)),
        }),
        Notice::MediaDeleted { media, by } => pb::event::Kind::MediaDeleted(pb::MediaDeleted {
            media_id: media.id.0.clone(),
            owner_id: media.owner_id.0.clone(),
            by: Some(convert::user(by)),
        }),
        Notice::CommentAdded { comment: c } => pb::event::Kind::CommentAdded(pb::CommentAdded {
            comment: Some(pb::Comment {
                id: c.id.0,
                media_id: c.media_id.0.clone(),
                user_id: c.user_id.0.clone(),
                text: c.text.clone(),
                frame: c.frame,
                parent_id: c.parent_id.map(|p| p.0).unwrap_or(0),
                created_at: c.created_at.clone(),
            }),
        }),
        Notice::MediaChanged { .. }
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
            event_for(&Notice::UserConnected { user }),
            Some(pb::event::Kind::UserConnected(_))
        ));
        let progress = Notice::MediaProgress {
            media_id: dailies_protocol::MediaId("m".into()),
            owner: UserId("u".into()),
            progress: 0.5,
            stage: "proxy".into(),
        };
        assert!(event_for(&progress).is_none());
    }
}
