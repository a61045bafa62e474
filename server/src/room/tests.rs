//! The `Room` actor with a real SQLite file and a test `Notifier`: what it stores, what it
//! broadcasts, which notices it emits, and what it learns when its media changes.

use super::actor::{Command, Join, Room, RoomCmd, RoomNotice};
use super::hub::{Hub, Push};
use super::CommentDraft;
use crate::db::models::NewMedia;
use crate::db::values::MediaSource;
use crate::db::{queries, Db};
use crate::error::AppError;
use crate::notice::{Notice, Notifier};
use actix::prelude::*;
use dailies_protocol::{MediaStatus, UserId, UserInfo};
use std::sync::{Arc, Mutex};

/// Stands in for a session: keeps what the room pushes.
struct Client(Arc<Mutex<Vec<serde_json::Value>>>);

impl Actor for Client {
    type Context = Context<Self>;
}

impl Handler<Push> for Client {
    type Result = ();
    fn handle(&mut self, p: Push, _: &mut Context<Self>) {
        if let Push::Json(j) = p {
            if let Ok(v) = serde_json::from_str(&j) {
                self.0.lock().unwrap().push(v);
            }
        }
    }
}

fn user(id: &str) -> UserInfo {
    UserInfo {
        id: UserId(id.into()),
        name: id.into(),
        is_admin: false,
    }
}

fn draft(frame: i64) -> CommentDraft {
    CommentDraft {
        text: "note".into(),
        frame,
        end_frame: None,
        parent_id: None,
        drawing: None,
        client_ref: None,
        via_plugin: None,
        subtitle_cue: None,
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: Db,
    room: Addr<Room>,
    notices: tokio::sync::mpsc::UnboundedReceiver<Arc<Notice>>,
    pushed: Arc<Mutex<Vec<serde_json::Value>>>,
}

/// A room for media `m` of `ann`, still processing (no frame count), with `bob` joined.
async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("t.sqlite")).unwrap();
    db.run(|c| {
        queries::upsert_user(c, &user("ann"))?;
        queries::upsert_user(c, &user("bob"))?;
        queries::insert_media(
            c,
            &NewMedia {
                id: "m".into(),
                owner_id: "ann".into(),
                title: "Cut".into(),
                orig_filename: "original.mov".into(),
                status: MediaStatus::Processing,
                file_size: 1,
                source: MediaSource::Upload,
                link_access: dailies_protocol::LinkAccess::Off,
                upload_name: None,
            },
        )
    })
    .await
    .unwrap();
    let notifier = Notifier::default();
    let notices = notifier.channel();
    let hub = Hub::new(db.clone(), notifier.clone(), crate::room::RoomLimits::default()).start();
    let media = db.run(|c| queries::get_media(c, "m")).await.unwrap().unwrap();
    let room = Room::new(
        &media.to_info(),
        db.clone(),
        hub,
        notifier,
        crate::room::RoomLimits::default(),
    )
    .start();
    let pushed = Arc::new(Mutex::new(Vec::new()));
    let client = Client(pushed.clone()).start();
    room.send(Join {
        session_id: 1,
        user: user("bob"),
        recipient: client.recipient(),
        media: media.to_info(),
        since_seq: None,
        access: dailies_protocol::AccessLevel::Comment,
    })
    .await
    .unwrap()
    .unwrap();
    Fixture {
        _dir: dir,
        db,
        room,
        notices,
        pushed,
    }
}

async fn comment(f: &Fixture, frame: i64) -> Result<(), AppError> {
    f.room
        .send(Command {
            session_id: 1,
            user: user("bob"),
            cmd: RoomCmd::AddComment(draft(frame)),
        })
        .await
        .unwrap()
}

#[actix_rt::test]
async fn a_stored_comment_is_announced_and_its_owner_notified() {
    let mut f = fixture().await;
    comment(&f, 10).await.unwrap();
    let n = f.notices.recv().await.unwrap();
    let Notice::CommentAdded { comment } = &*n else {
        panic!("{n:?}")
    };
    assert_eq!((comment.frame, comment.user_id.0.as_str()), (10, "bob"));
    let n = f.notices.recv().await.unwrap();
    let Notice::MessageStored { user, message } = &*n else {
        panic!("{n:?}")
    };
    assert_eq!((user.0.as_str(), message.kind.as_str()), ("ann", "comment"));
    // Stored before it was broadcast: the member's copy carries the stored id.
    let pushed = f.pushed.lock().unwrap().clone();
    let ev = pushed.iter().find(|v| v["type"] == "room_event").expect("broadcast");
    let stored = f.db.run(|c| crate::db::comments::list(c, "m")).await.unwrap();
    assert_eq!(ev["event"]["comment"]["id"], stored[0].id.0);
}

#[actix_rt::test]
async fn a_room_learns_its_media_once_processed() {
    let f = fixture().await;
    // Before the probe the room cannot bound frames.
    comment(&f, 999_999).await.unwrap();
    let mut media =
        f.db.run(|c| queries::get_media(c, "m"))
            .await
            .unwrap()
            .unwrap()
            .to_info();
    media.frame_count = Some(150);
    media.fps_rational = Some(dailies_protocol::Rational { num: 25, den: 1 });
    media.status = MediaStatus::Ready;
    f.room.do_send(RoomNotice::MediaChanged {
        media: Box::new(media),
        heard: vec![],
    });
    let e = comment(&f, 999_999).await.unwrap_err();
    assert!(e.to_string().contains("frames 0 to 149"), "{e}");
    comment(&f, 149).await.unwrap();
    let pushed = f.pushed.lock().unwrap().clone();
    assert!(
        pushed
            .iter()
            .any(|v| v["type"] == "media_updated" && v["media"]["status"] == "ready"),
        "the member heard of the change: {pushed:?}"
    );
}

#[actix_rt::test]
async fn a_member_already_told_by_the_hub_is_not_told_twice() {
    let f = fixture().await;
    let media =
        f.db.run(|c| queries::get_media(c, "m"))
            .await
            .unwrap()
            .unwrap()
            .to_info();
    f.room.do_send(RoomNotice::MediaChanged {
        media: Box::new(media),
        heard: vec![1],
    });
    // A command after the notice: once it is answered, the notice was handled.
    comment(&f, 1).await.unwrap();
    let pushed = f.pushed.lock().unwrap().clone();
    assert!(!pushed.iter().any(|v| v["type"] == "media_updated"), "{pushed:?}");
}

#[actix_rt::test]
async fn live_strokes_and_clears_follow_one_rule() {
    let f = fixture().await;
    let send = |cmd| {
        f.room.send(Command {
            session_id: 1,
            user: user("bob"),
            cmd,
        })
    };
    let e = send(RoomCmd::LiveClear { all: false }).await.unwrap().unwrap_err();
    assert!(e.to_string().contains("join the session"), "{e}");
    send(RoomCmd::SessionJoin).await.unwrap().unwrap();
    send(RoomCmd::LiveClear { all: false }).await.unwrap().unwrap();
}

#[actix_rt::test]
async fn a_retried_comment_is_stored_once_and_answered_each_time() {
    let f = fixture().await;
    for _ in 0..3 {
        let mut d = draft(5);
        d.client_ref = Some("retry-1".into());
        f.room
            .send(Command {
                session_id: 1,
                user: user("bob"),
                cmd: RoomCmd::AddComment(d),
            })
            .await
            .unwrap()
            .unwrap();
    }
    let stored = f.db.run(|c| crate::db::comments::list(c, "m")).await.unwrap();
    assert_eq!(stored.len(), 1, "one comment for one client_ref");
    let pushed = f.pushed.lock().unwrap().clone();
    let answers: Vec<_> = pushed
        .iter()
        .filter(|v| v["type"] == "room_event" && v["event"]["client_ref"] == "retry-1")
        .map(|v| (v["seq"].as_i64(), v["event"]["comment"]["id"].as_i64()))
        .collect();
    assert_eq!(answers.len(), 3, "every try is answered: {pushed:?}");
    assert!(
        answers.iter().all(|a| *a == answers[0]),
        "with the same event: {answers:?}"
    );
    // Another sender's comment with the same reference is its own.
    let mut d = draft(6);
    d.client_ref = Some("retry-1".into());
    let joined = f
        .room
        .send(Command {
            session_id: 1,
            user: user("ann"),
            cmd: RoomCmd::AddComment(d),
        })
        .await
        .unwrap();
    joined.unwrap();
    let stored = f.db.run(|c| crate::db::comments::list(c, "m")).await.unwrap();
    assert_eq!(stored.len(), 2);
}
