//! Who hears about a new comment in their inbox: the author of the comment replied to, and
//! the media's owner; never the writer themself, and nobody twice. Pure, so it is unit-tested.

use crate::db::models::NewUserMessage;
use crate::db::values::MessageKind;
use dailies_protocol::{Comment, UserId, UserInfo};

/// What a notification needs to know about the comment just stored.
pub struct NewCommentFacts<'a> {
    pub comment: &'a Comment,
    pub writer: &'a UserInfo,
    pub parent_author: Option<&'a UserId>,
    pub owner: &'a UserId,
    pub title: &'a str,
}

/// The first 80 characters of a text, with an ellipsis when cut.
pub fn snippet(t: &str) -> String {
    let s: String = t.chars().take(80).collect();
    if s.len() < t.len() {
        format!("{s}…")
    } else {
        s
    }
}

/// The inbox messages a new comment causes.
pub fn for_comment(f: &NewCommentFacts) -> Vec<NewUserMessage> {
    let note = |to: &UserId, kind: MessageKind, what: String| NewUserMessage {
        user_id: to.clone(),
        kind,
        media_id: Some(f.comment.media_id.0.clone()),
        comment_id: Some(f.comment.id.0),
        text: what,
    };
    let mut notes = Vec::new();
    let name = if f.comment.guest {
        format!("{} (guest)", f.writer.name)
    } else {
        f.writer.name.clone()
    };
    let (text, title) = (snippet(&f.comment.text), f.title);
    if let Some(pa) = f.parent_author.filter(|pa| **pa != f.writer.id) {
        notes.push(note(
            pa,
            MessageKind::Reply,
            format!("{name} replied on {title}: {text}"),
        ));
    }
    if *f.owner != f.writer.id && f.parent_author != Some(f.owner) {
        notes.push(note(
            f.owner,
            MessageKind::Comment,
            format!("{name} commented on {title}: {text}"),
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use dailies_protocol::{CommentId, MediaId};

    fn comment(text: &str) -> Comment {
        Comment {
            id: CommentId(7),
            media_id: MediaId("m".into()),
            parent_id: None,
            user_id: UserId("w".into()),
            user_name: "Writer".into(),
            text: text.into(),
            frame: 0,
            end_frame: None,
            drawing: None,
            created_at: String::new(),
            edited_at: None,
            deleted: false,
            guest: false,
            resolved_by: None,
            resolved_by_name: None,
            resolved_at: None,
            drawing_url: None,
        }
    }

    fn user(id: &str) -> UserInfo {
        UserInfo {
            id: UserId(id.into()),
            name: id.to_uppercase(),
            is_admin: false,
        }
    }

    fn recipients(writer: &str, parent: Option<&str>, owner: &str) -> Vec<(UserId, MessageKind)> {
        let c = comment("hello");
        let (w, p, o) = (user(writer), parent.map(|p| UserId(p.into())), UserId(owner.into()));
        let facts = NewCommentFacts {
            comment: &c,
            writer: &w,
            parent_author: p.as_ref(),
            owner: &o,
            title: "Cut 3",
        };
        for_comment(&facts).into_iter().map(|n| (n.user_id, n.kind)).collect()
    }

    #[test]
    fn the_owner_hears_of_comments_by_others_only() {
        assert_eq!(
            recipients("bob", None, "alice"),
            vec![("alice".into(), MessageKind::Comment)]
        );
        assert!(recipients("alice", None, "alice").is_empty());
    }

    #[test]
    fn a_reply_reaches_its_parent_author_and_the_owner_once_each() {
        assert_eq!(
            recipients("bob", Some("carol"), "alice"),
            vec![
                ("carol".into(), MessageKind::Reply),
                ("alice".into(), MessageKind::Comment)
            ]
        );
        // The owner wrote the parent: one reply note, not a second comment note.
        assert_eq!(
            recipients("bob", Some("alice"), "alice"),
            vec![("alice".into(), MessageKind::Reply)]
        );
        // Replying to oneself tells nobody but the owner.
        assert_eq!(
            recipients("bob", Some("bob"), "alice"),
            vec![("alice".into(), MessageKind::Comment)]
        );
    }

    #[test]
    fn snippets_are_cut_on_characters() {
        assert_eq!(snippet("short"), "short");
        let long = "é".repeat(100);
        let s = snippet(&long);
        assert_eq!(s.chars().count(), 81);
        assert!(s.ends_with('…'));
    }
}
