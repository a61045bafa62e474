//! The one event type behind every notification: inbox messages (the bell), webhook
//! deliveries and e-mail are all made from an `Event`. Pure: who is told and what it says.

use crate::db::values::MessageKind;
use chrono::{DateTime, Utc};
use dailies_protocol::{Comment, MediaId, UserId, UserInfo};
use serde_json::{json, Value};

macro_rules! kinds {
    ($($(#[$m:meta])* $v:ident => $s:literal, $label:literal;)+) => {
        /// What happened. The names are the webhook `event` and the e-mail preference keys.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventKind { $($(#[$m])* $v),+ }

        impl EventKind {
            pub const ALL: &'static [EventKind] = &[$(EventKind::$v),+];
            pub const NAMES: &'static [&'static str] = &[$($s),+];

            pub fn as_str(self) -> &'static str {
                match self { $(EventKind::$v => $s),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(EventKind::$v),)+ _ => None }
            }

            /// How the settings page and mails name it.
            pub fn label(self) -> &'static str {
                match self { $(EventKind::$v => $label),+ }
            }
        }
    };
}

kinds! {
    /// A comment (or reply) was added; its media's owner is told.
    CommentAdded => "comment_added", "Comments on your media";
    /// Webhooks only.
    CommentEdited => "comment_edited", "Edited comments";
    /// Webhooks only.
    CommentDeleted => "comment_deleted", "Deleted comments";
    /// A note was resolved (or opened again); its author is told of a resolve.
    CommentResolved => "comment_resolved", "Your notes resolved";
    /// Someone replied to the recipient's comment.
    Reply => "reply", "Replies to you";
    MediaReady => "media_ready", "Your media ready";
    MediaFailed => "media_failed", "Your media failed";
    /// A new version of a media file, added to its stack (`Event::new_version`).
    NewVersion => "new_version", "New versions";
    StatusChanged => "status_changed", "Review status of your media";
    Shared => "shared", "Shared with you";
    /// A guest of a review link commented on the recipient's media.
    GuestComment => "guest_comment", "Guest comments";
    LiveSessionStarted => "live_session_started", "Live sessions on your media";
}

impl EventKind {
    /// Whether it tells people (bell, mail), not only webhooks.
    pub fn personal(self) -> bool {
        !matches!(self, EventKind::CommentEdited | EventKind::CommentDeleted)
    }

    /// The kinds people choose a mail mode for.
    pub fn personal_kinds() -> impl Iterator<Item = EventKind> {
        EventKind::ALL.iter().copied().filter(|k| k.personal())
    }

    /// The inbox kind of its bell message, for the kinds that have one.
    pub fn message_kind(self) -> Option<MessageKind> {
        Some(match self {
            EventKind::CommentAdded => MessageKind::Comment,
            EventKind::Reply => MessageKind::Reply,
            EventKind::MediaReady => MessageKind::MediaReady,
            EventKind::MediaFailed => MessageKind::MediaFailed,
            EventKind::Shared => MessageKind::Shared,
            EventKind::CommentResolved => MessageKind::Resolved,
            EventKind::NewVersion => MessageKind::NewVersion,
            EventKind::StatusChanged => MessageKind::StatusChanged,
            EventKind::GuestComment => MessageKind::GuestComment,
            EventKind::LiveSessionStarted => MessageKind::LiveSession,
            EventKind::CommentEdited | EventKind::CommentDeleted => return None,
        })
    }

    /// How mail tells of it when the user chose nothing: at once for what asks for an
    /// answer, gathered for the steady stream of comments.
    pub fn default_mode(self) -> MailMode {
        match self {
            EventKind::CommentAdded | EventKind::GuestComment | EventKind::CommentResolved => MailMode::Hourly,
            _ => MailMode::Now,
        }
    }
}

/// When mail tells a user of an event kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailMode {
    Now,
    Hourly,
    Daily,
    Never,
}

impl MailMode {
    pub const ALL: &'static [MailMode] = &[MailMode::Now, MailMode::Hourly, MailMode::Daily, MailMode::Never];
    pub fn as_str(self) -> &'static str {
        match self {
            MailMode::Now => "now",
            MailMode::Hourly => "hourly",
            MailMode::Daily => "daily",
            MailMode::Never => "never",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        MailMode::ALL.iter().copied().find(|m| m.as_str() == s)
    }
}

/// The media an event is about.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaRef {
    pub id: MediaId,
    pub title: String,
}

/// Something that happened, and whom it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub media: Option<MediaRef>,
    /// Who did it (a guest's name is marked as such).
    pub by: Option<UserInfo>,
    /// Where the link points: a comment, or a frame.
    pub comment_id: Option<i64>,
    pub frame: Option<i64>,
    /// Told personally: the bell and mail (never the one who did it).
    pub to: Vec<UserId>,
    /// Whether `to` gets a bell message (false when they watched it happen).
    pub bell: bool,
    /// One sentence for people.
    pub text: String,
    /// Kind-specific facts for webhooks (a comment, a status…).
    pub facts: Value,
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

/// The web client's address of a media, at a comment or a frame.
pub fn link_path(media: &MediaId, comment: Option<i64>, frame: Option<i64>) -> String {
    let id: String = media
        .0
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let mut q = Vec::new();
    if let Some(f) = frame {
        q.push(format!("frame={f}"));
    }
    if let Some(c) = comment {
        q.push(format!("comment={c}"));
    }
    let qs = if q.is_empty() {
        String::new()
    } else {
        format!("?{}", q.join("&"))
    };
    format!("/#/media/{id}{qs}")
}

impl Event {
    fn base(kind: EventKind, media: Option<MediaRef>, by: Option<&UserInfo>, text: String) -> Event {
        Event {
            kind,
            at: Utc::now(),
            media,
            by: by.cloned(),
            comment_id: None,
            frame: None,
            to: Vec::new(),
            bell: true,
            text,
            facts: Value::Null,
        }
    }

    /// Tells `who` unless it is the one who did it, and nobody twice.
    fn tell(mut self, who: &UserId) -> Event {
        if self.by.as_ref().map(|b| &b.id) != Some(who) && !self.to.contains(who) {
            self.to.push(who.clone());
        }
        self
    }

    fn at_comment(mut self, c: &Comment) -> Event {
        self.comment_id = Some(c.id.0);
        self.frame = Some(c.frame);
        self.facts = json!({ "comment": c });
        self
    }

    /// The link path of the event (absolute with the public address).
    pub fn link(&self, public_url: Option<&str>) -> Option<String> {
        let m = self.media.as_ref()?;
        Some(format!(
            "{}{}",
            public_url.unwrap_or(""),
            link_path(&m.id, self.comment_id, self.frame)
        ))
    }

    /// The `data` of a webhook delivery.
    pub fn data(&self, public_url: Option<&str>) -> Value {
        let mut d = json!({
            "media": self.media.as_ref().map(|m| json!({"id": m.id, "title": m.title})),
            "by": self.by.as_ref().map(|b| json!({"id": b.id, "name": b.name})),
            "text": self.text,
            "link": self.link(public_url),
        });
        if let (Some(o), Value::Object(f)) = (d.as_object_mut(), &self.facts) {
            for (k, v) in f {
                o.insert(k.clone(), v.clone());
            }
        }
        d
    }

    /// The events a new comment makes: `comment_added` (the owner is told, unless it is a
    /// guest's comment or a reply to the owner), `reply` to the author of the comment
    /// replied to, `guest_comment` to the owner for a guest's comment.
    pub fn for_new_comment(
        c: &Comment,
        writer: &UserInfo,
        parent_author: Option<&UserId>,
        owner: &UserId,
        title: &str,
    ) -> Vec<Event> {
        let media = Some(MediaRef {
            id: c.media_id.clone(),
            title: title.to_string(),
        });
        let name = if c.guest {
            format!("{} (guest)", writer.name)
        } else {
            writer.name.clone()
        };
        let text = snippet(&c.text);
        let mut by = writer.clone();
        by.name = name.clone();
        let mut out = Vec::new();
        let reply_to = parent_author.filter(|pa| **pa != writer.id);
        let added = Event::base(
            EventKind::CommentAdded,
            media.clone(),
            Some(&by),
            format!("{name} commented on {title}: {text}"),
        )
        .at_comment(c);
        // The owner hears once: of the reply when it was their comment, as a guest comment
        // when a guest wrote it.
        let owner_told_otherwise = reply_to == Some(owner) || c.guest;
        out.push(if owner_told_otherwise { added } else { added.tell(owner) });
        if let Some(pa) = reply_to {
            out.push(
                Event::base(
                    EventKind::Reply,
                    media.clone(),
                    Some(&by),
                    format!("{name} replied on {title}: {text}"),
                )
                .at_comment(c)
                .tell(pa),
            );
        }
        if c.guest {
            let e = Event::base(
                EventKind::GuestComment,
                media,
                Some(&by),
                format!("{name} commented on {title}: {text}"),
            )
            .at_comment(c);
            out.push(if reply_to == Some(owner) { e } else { e.tell(owner) });
        }
        out
    }

    pub fn comment_edited(c: &Comment, by: &UserInfo, title: &str) -> Event {
        let media = Some(MediaRef {
            id: c.media_id.clone(),
            title: title.to_string(),
        });
        let text = format!("{} edited a comment on {title}: {}", by.name, snippet(&c.text));
        Event::base(EventKind::CommentEdited, media, Some(by), text).at_comment(c)
    }

    pub fn comment_deleted(media: &MediaId, comment_id: i64, by: &UserInfo, title: &str) -> Event {
        let m = Some(MediaRef {
            id: media.clone(),
            title: title.to_string(),
        });
        let mut e = Event::base(
            EventKind::CommentDeleted,
            m,
            Some(by),
            format!("{} deleted a comment on {title}", by.name),
        );
        e.facts = json!({ "comment_id": comment_id });
        e
    }

    /// A resolve tells the note's author; opening it again tells webhooks only.
    pub fn comment_resolved(c: &Comment, by: &UserInfo, title: &str, resolved: bool) -> Event {
        let media = Some(MediaRef {
            id: c.media_id.clone(),
            title: title.to_string(),
        });
        let verb = if resolved { "resolved" } else { "reopened" };
        let text = format!("{} {verb} a note on {title}: {}", by.name, snippet(&c.text));
        let mut e = Event::base(EventKind::CommentResolved, media, Some(by), text).at_comment(c);
        if let Value::Object(o) = &mut e.facts {
            o.insert("resolved".into(), json!(resolved));
        }
        if resolved {
            e.tell(&c.user_id)
        } else {
            e
        }
    }

    /// Processing ended; the owner is told (in the bell when `bell`: a watch-folder file,
    /// whose owner did not see it finish). `reason` is why it failed, or for ready media a
    /// note worth telling (an image sequence's missing frames).
    pub fn media_done(media: MediaRef, owner: &UserId, ready: bool, reason: Option<&str>, bell: bool) -> Event {
        let title = media.title.clone();
        let (kind, text) = if ready {
            let note = reason.map(|n| format!(" ({n})")).unwrap_or_default();
            (EventKind::MediaReady, format!("{title} is ready for review{note}"))
        } else {
            (
                EventKind::MediaFailed,
                format!("{title} could not be processed: {}", reason.unwrap_or("unknown error")),
            )
        };
        let mut e = Event::base(kind, Some(media), None, text).tell(owner);
        e.bell = bell;
        if let Some(r) = reason {
            e.facts = if ready {
                json!({ "note": r })
            } else {
                json!({ "error": r })
            };
        }
        e
    }

    /// A new version of a media file: recorded by intake in the transaction that stores the
    /// version, told to the stack's owner and those it is shared with.
    pub fn new_version(media: MediaRef, owner: &UserId, by: &UserInfo, version: i64, watchers: &[UserId]) -> Event {
        let text = format!("{} added version {version} of {}", by.name, media.title);
        let mut e = Event::base(EventKind::NewVersion, Some(media), Some(by), text).tell(owner);
        for w in watchers {
            e = e.tell(w);
        }
        e.facts = json!({ "version": version });
        e
    }

    pub fn status_changed(media: MediaRef, owner: &UserId, by: &UserInfo, status: &str) -> Event {
        let text = format!("{} set {} to {}", by.name, media.title, status.replace('_', " "));
        let mut e = Event::base(EventKind::StatusChanged, Some(media), Some(by), text).tell(owner);
        e.facts = json!({ "status": status });
        e
    }

    pub fn shared(media: MediaRef, by: &UserInfo, with: &[UserId], role_of: impl Fn(&UserId) -> String) -> Event {
        let text = format!("{} shared {} with you", by.name, media.title);
        let mut e = Event::base(EventKind::Shared, Some(media), Some(by), text);
        let users: Vec<Value> = with.iter().map(|u| json!({"id": u, "role": role_of(u)})).collect();
        for u in with {
            e = e.tell(u);
        }
        e.facts = json!({ "users": users });
        e
    }

    pub fn live_session_started(media: MediaRef, owner: &UserId, by: &UserInfo) -> Event {
        let text = format!("{} started a live session on {}", by.name, media.title);
        let mut e = Event::base(EventKind::LiveSessionStarted, Some(media.clone()), Some(by), text).tell(owner);
        e.facts = json!({ "join": format!("{}?session=1", link_path(&media.id, None, None)) });
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dailies_protocol::CommentId;

    fn comment(guest: bool) -> Comment {
        Comment {
            id: CommentId(7),
            media_id: MediaId("m".into()),
            parent_id: None,
            user_id: UserId("w".into()),
            user_name: "Writer".into(),
            text: "hello".into(),
            frame: 12,
            end_frame: None,
            drawing: None,
            created_at: String::new(),
            edited_at: None,
            deleted: false,
            guest,
            resolved_by: None,
            resolved_by_name: None,
            resolved_at: None,
            drawing_url: None,
            via_plugin: None,
            subtitle_cue: None,
        }
    }

    fn user(id: &str) -> UserInfo {
        UserInfo {
            id: UserId(id.into()),
            name: id.to_uppercase(),
            is_admin: false,
        }
    }

    /// (kind, recipients) of each event a comment makes.
    fn told(writer: &str, parent: Option<&str>, owner: &str, guest: bool) -> Vec<(&'static str, Vec<String>)> {
        let c = comment(guest);
        let p = parent.map(|p| UserId(p.into()));
        Event::for_new_comment(&c, &user(writer), p.as_ref(), &UserId(owner.into()), "Cut 3")
            .into_iter()
            .map(|e| (e.kind.as_str(), e.to.into_iter().map(|u| u.0).collect()))
            .collect()
    }

    #[test]
    fn the_owner_hears_of_comments_by_others_only() {
        assert_eq!(
            told("bob", None, "alice", false),
            vec![("comment_added", vec!["alice".into()])]
        );
        assert_eq!(told("alice", None, "alice", false), vec![("comment_added", vec![])]);
    }

    #[test]
    fn a_reply_reaches_its_parent_author_and_the_owner_once_each() {
        assert_eq!(
            told("bob", Some("carol"), "alice", false),
            vec![("comment_added", vec!["alice".into()]), ("reply", vec!["carol".into()])]
        );
        // The owner wrote the parent: one reply, not a second comment message.
        assert_eq!(
            told("bob", Some("alice"), "alice", false),
            vec![("comment_added", vec![]), ("reply", vec!["alice".into()])]
        );
        // Replying to oneself tells nobody but the owner.
        assert_eq!(
            told("bob", Some("bob"), "alice", false),
            vec![("comment_added", vec!["alice".into()])]
        );
    }

    #[test]
    fn a_guest_comment_is_its_own_kind_for_the_owner() {
        assert_eq!(
            told("guest:1", None, "alice", true),
            vec![("comment_added", vec![]), ("guest_comment", vec!["alice".into()])]
        );
        let e = &Event::for_new_comment(&comment(true), &user("g"), None, &UserId("alice".into()), "Cut")[1];
        assert!(e.text.starts_with("G (guest) commented on Cut"), "{}", e.text);
    }

    #[test]
    fn webhook_data_carries_the_media_the_actor_the_link_and_the_facts() {
        let e = &Event::for_new_comment(&comment(false), &user("bob"), None, &UserId("alice".into()), "Cut 3")[0];
        let d = e.data(Some("https://d.example"));
        assert_eq!(d["media"], json!({"id": "m", "title": "Cut 3"}));
        assert_eq!(d["by"], json!({"id": "bob", "name": "BOB"}));
        assert_eq!(d["link"], "https://d.example/#/media/m?frame=12&comment=7");
        assert_eq!(d["comment"]["text"], "hello");
        assert_eq!(d["text"], "BOB commented on Cut 3: hello");
    }

    #[test]
    fn links_escape_the_media_id() {
        assert_eq!(
            link_path(&MediaId("a b/c".into()), None, Some(3)),
            "/#/media/a%20b%2Fc?frame=3"
        );
    }

    #[test]
    fn names_read_back_and_personal_kinds_have_a_bell() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(*k));
            assert_eq!(k.personal(), k.message_kind().is_some(), "{k:?}");
        }
        assert_eq!(EventKind::NAMES.len(), 12);
        for m in MailMode::ALL {
            assert_eq!(MailMode::parse(m.as_str()), Some(*m));
        }
    }

    #[test]
    fn resolving_tells_the_author_but_not_oneself() {
        let c = comment(false);
        assert_eq!(
            Event::comment_resolved(&c, &user("alice"), "Cut", true).to,
            vec![UserId("w".into())]
        );
        assert!(Event::comment_resolved(&c, &user("w"), "Cut", true).to.is_empty());
        assert!(Event::comment_resolved(&c, &user("alice"), "Cut", false).to.is_empty());
    }
}
