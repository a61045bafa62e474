//! What happens reaches everyone it concerns, through notices: a room opened before its
//! media was processed learns the result, members who are not the owner hear of changes,
//! intake gives a file back when it cannot register it, and a comment waiting for the
//! organizer does not hold up the session.

use crate::common::{make_h264, TestServer, Ws};
use crate::organizer_support::{answer, plugin_cmd, wait_up};
use dailies_protocol::{MediaStatus, UserId};
use dailies_server::db::{models::NewMedia, queries, values::MediaSource};
use dailies_server::ingest::queue::Enqueue;
use dailies_server::intake::{self, Intake, OnFailure};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// A media row with its job and its original in place, not yet queued: the test decides
/// when processing starts. Answers the job id.
fn stage_media(s: &TestServer, id: &str, owner: &str) -> i64 {
    let tmp = tempfile::tempdir().unwrap();
    make_h264(&tmp.path().join("original.mp4"), 2);
    s.put_media_file(
        id,
        "original.mp4",
        &std::fs::read(tmp.path().join("original.mp4")).unwrap(),
    );
    let row = NewMedia {
        id: id.into(),
        owner_id: owner.into(),
        title: "Cut 1".into(),
        orig_filename: "original.mp4".into(),
        status: MediaStatus::Processing,
        file_size: 1,
        source: MediaSource::Upload,
        link_access: dailies_protocol::LinkAccess::Off,
        upload_name: None,
    };
    s.state()
        .db
        .run_blocking(|c| queries::insert_media_with_job(c, &row))
        .unwrap()
}

async fn join(ws: &mut Ws, media_id: &str) -> Value {
    ws.send(json!({"type": "join_room", "media_id": media_id, "since_seq": null}))
        .await;
    answer(ws, "join_room", "room_joined").await
}

/// Skips messages until a `media_updated` for `id` says `ready`.
async fn until_ready(ws: &mut Ws, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = ws.recv_within(60).await;
        if v["type"] == "media_updated" && v["media"]["id"] == id && v["media"]["status"] == "ready" {
            return v;
        }
        assert!(Instant::now() < deadline, "never ready");
    }
}

fn comment_at(media_id: &str, frame: i64) -> Value {
    json!({"type": "add_comment", "media_id": media_id, "text": "late", "frame": frame,
           "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null})
}

#[actix_rt::test]
async fn a_room_opened_while_processing_learns_the_frames_and_tells_every_member() {
    let s = TestServer::start().await;
    s.get("/api/media", Some("ann")).await;
    let job_id = stage_media(&s, "m1", "ann");
    let mut ann = s.ws(Some("ann")).await;
    let mut admin = s.ws(Some("admin")).await;
    let joined = join(&mut ann, "m1").await;
    assert_eq!(joined["media"]["status"], "processing", "{joined}");
    assert!(joined["media"]["frame_count"].is_null());
    join(&mut admin, "m1").await;

    s.state().ingest.do_send(Enqueue {
        job_id,
        media_id: "m1".into(),
    });
    let ready = until_ready(&mut ann, "m1").await;
    assert_eq!(ready["media"]["frame_count"], 50, "{ready}");
    // The admin is a member, not the owner: the room tells them too (once it is ready).
    until_ready(&mut admin, "m1").await;

    // The room now knows the media has frames 0 to 49.
    ann.send(comment_at("m1", 999_999)).await;
    let r = answer(&mut ann, "add_comment", "room_event").await;
    assert_eq!(r["type"], "error", "a comment past the last frame was accepted: {r}");
    assert!(r["message"].as_str().unwrap().contains("frames 0 to 49"), "{r}");
    ann.send(comment_at("m1", 49)).await;
    let r = answer(&mut ann, "add_comment", "room_event").await;
    assert_eq!(r["event"]["comment"]["frame"], 49, "{r}");

    // And so does its collaborative clock: a seek past the end lands on the last frame.
    ann.send(json!({"type": "session_join", "media_id": "m1"})).await;
    ann.recv_type("collab").await;
    ann.send(json!({"type": "session_control", "media_id": "m1",
                    "control": {"action": "seek", "frame": 1_000_000}}))
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let c = ann.recv_type("collab").await;
        if c["state"]["version"].as_i64() >= Some(2) {
            assert_eq!(c["state"]["frame"], 49, "{c}");
            break;
        }
        assert!(Instant::now() < deadline);
    }
}

#[actix_rt::test]
async fn a_rename_reaches_members_who_do_not_own_the_media() {
    let s = TestServer::start().await;
    s.get("/api/media", Some("ann")).await;
    stage_media(&s, "m2", "ann");
    let mut admin = s.ws(Some("admin")).await;
    join(&mut admin, "m2").await;
    let mut ann = s.ws(Some("ann")).await;
    ann.send(json!({"type": "rename_media", "media_id": "m2", "title": "Cut 2"}))
        .await;
    let mine = ann.recv_type("media_updated").await;
    assert_eq!(mine["media"]["title"], "Cut 2");
    let theirs = admin.recv_type("media_updated").await;
    assert_eq!(theirs["media"]["title"], "Cut 2", "{theirs}");
    let ev = admin.recv_type("room_event").await;
    assert_eq!(ev["event"]["kind"], "media_renamed", "{ev}");
}

#[actix_rt::test]
async fn a_file_that_cannot_be_registered_is_given_back_and_no_directory_is_left() {
    let s = TestServer::start().await;
    s.get("/api/media", Some("ann")).await;
    // The database refuses new media, as a read-only or broken database would.
    s.refuse_inserts("media");
    let incoming = s.state().config.incoming_dir().join("ann");
    std::fs::create_dir_all(&incoming).unwrap();
    let original = incoming.join("shot.mp4");
    make_h264(&original, 1);
    let before = std::fs::read(&original).unwrap();
    let taking = incoming.join(".dailies-taking-test-shot.mp4");
    std::fs::rename(&original, &taking).unwrap();
    let r = intake::register(
        &s.state(),
        Intake {
            owner: UserId("ann".into()),
            uploaded_name: "shot.mp4".into(),
            tmp: taking.clone(),
            size: before.len() as u64,
            source: MediaSource::Watch,
            on_failure: OnFailure::Restore(original.clone()),
            version_of: None,
        },
    )
    .await;
    assert!(r.is_err(), "the insert was refused");
    assert_eq!(std::fs::read(&original).unwrap(), before, "the file is back, whole");
    assert!(!taking.exists());
    let left: Vec<_> = std::fs::read_dir(s.state().config.media_dir()).unwrap().collect();
    assert!(left.is_empty(), "no media directory is left behind: {left:?}");

    // An upload refused the same way leaves nothing either.
    let (code, _) = s.upload("ann", "clip.mp4", before.clone()).await;
    assert_eq!(code, 500);
    assert_eq!(std::fs::read_dir(s.state().config.media_dir()).unwrap().count(), 0);
    let parts = std::fs::read_dir(s.state().config.upload_tmp_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .count();
    assert_eq!(parts, 0, "the partial upload is deleted");

    // Once the database takes rows again, the watch folder picks the file up.
    s.allow_inserts("media");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, list) = s.get("/api/media", Some("ann")).await;
        if list.as_array().is_some_and(|l| l.len() == 1) {
            assert_eq!(list[0]["title"], "shot.mp4");
            break;
        }
        assert!(Instant::now() < deadline, "the watch folder never took the file back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_rt::test]
async fn a_comment_waiting_for_the_plugin_does_not_hold_up_the_session() {
    let cmd = plugin_cmd("reference_plugin", &["REFERENCE_SLOW_MS=60000"]);
    let s = TestServer::start_with(move |c| {
        c.organizer_cmd = Some(cmd);
        c.organizer_timeout = Duration::from_secs(3);
    })
    .await;
    wait_up(&s).await;
    crate::organizer_support::add_user(&s, "ann", false);
    crate::organizer_support::add_media(&s, "m3", "ann", "Shot");
    let mut ann = s.ws(Some("ann")).await;
    ann.recv_type("welcome").await;
    join(&mut ann, "m3").await;

    // Two comments, each waiting for the hung plugin, then a ping.
    let t0 = Instant::now();
    let mut first = comment_at("m3", 1);
    first["client_ref"] = json!("a");
    let mut second = comment_at("m3", 2);
    second["client_ref"] = json!("b");
    ann.send(first).await;
    ann.send(second).await;
    ann.send(json!({"type": "ping", "client_time": 1.0})).await;
    loop {
        let v = ann.recv_within(10).await;
        assert_ne!(v["type"], "room_event", "a comment was answered before the ping: {v}");
        if v["type"] == "pong" {
            break;
        }
    }
    assert!(t0.elapsed() < Duration::from_secs(2), "pong after {:?}", t0.elapsed());

    // The comments follow, in the order they were sent.
    let mut refs = Vec::new();
    while refs.len() < 2 {
        let v = ann.recv_within(20).await;
        if v["type"] == "room_event" {
            refs.push(v["event"]["client_ref"].as_str().unwrap().to_string());
        }
        assert_ne!(v["type"], "error", "{v}");
    }
    assert_eq!(refs, ["a", "b"]);
}
