//! Presenter mode in live sessions: the lock, requests for the lead, take-overs by the
//! media's owner and admins, the laser pointer (rate-limited, coalesced, never stored) and
//! clearing one's own ink or everyone's.

use crate::common::{TestServer, Ws};
use serde_json::{json, Value};
use std::time::Instant;

const OWNER: &str = "alice";

/// A member in the room and its live session; answers the socket and its session id.
async fn participant(s: &TestServer, user: &str, m: &str) -> (Ws, u64) {
    let mut ws = s.ws(Some(user)).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "join_room", "media_id": m, "since_seq": null}))
        .await;
    let sid = ws.recv_type("room_joined").await["session_id"].as_u64().unwrap();
    ws.send(json!({"type": "session_join", "media_id": m})).await;
    ws.recv_type("collab").await;
    (ws, sid)
}

fn control(m: &str, c: Value) -> Value {
    json!({"type": "session_control", "media_id": m, "control": c})
}

/// The next collab state whose version is above `after`.
async fn collab_after(ws: &mut Ws, after: u64) -> Value {
    loop {
        let c = ws.recv_type("collab").await;
        if c["state"]["version"].as_u64().unwrap() > after {
            return c["state"].clone();
        }
    }
}

async fn refused(ws: &mut Ws, request: &str) -> String {
    let e = ws.recv_type("error").await;
    assert_eq!(e["request"], request, "{e}");
    assert_eq!(e["code"], "forbidden", "{e}");
    e["message"].as_str().unwrap().to_string()
}

#[actix_rt::test]
async fn a_locked_session_follows_its_presenter_until_the_lead_is_handed_over() {
    let s = TestServer::start().await;
    let m = s.commentable_media(OWNER).await;
    let (mut ann, ann_sid) = participant(&s, "ann", &m).await;
    let (mut ben, ben_sid) = participant(&s, "ben", &m).await;

    // Someone who does not lead cannot lock.
    ben.send(control(&m, json!({"action": "lock", "locked": true}))).await;
    assert!(refused(&mut ben, "session_control").await.contains("only the leader"));

    ann.send(control(&m, json!({"action": "seek", "frame": 12}))).await;
    ann.send(control(&m, json!({"action": "lock", "locked": true}))).await;
    let locked = loop {
        let st = ben.recv_type("collab").await["state"].clone();
        if st["locked"] == true {
            break st;
        }
    };
    assert_eq!(locked["leader"], ann_sid);

    // Followers' controls and take_lead are refused with the reason; nothing changes.
    for c in [
        json!({"action": "play", "frame": 0}),
        json!({"action": "seek", "frame": 99}),
        json!({"action": "rate", "rate": 2.0}),
        json!({"action": "take_lead"}),
        json!({"action": "lock", "locked": false}),
    ] {
        ben.send(control(&m, c)).await;
        assert!(refused(&mut ben, "session_control").await.contains("raise your hand"));
    }
    // Only the leader clears everyone's ink; anyone clears their own.
    ben.send(json!({"type": "live_clear", "media_id": m, "all": true}))
        .await;
    assert!(refused(&mut ben, "live_clear").await.contains("only the leader"));
    ben.send(json!({"type": "live_clear", "media_id": m, "all": false}))
        .await;
    let clear = ann.recv_type("live_clear").await;
    assert_eq!(
        (clear["session_id"].as_u64(), clear["all"].as_bool()),
        (Some(ben_sid), Some(false))
    );
    ann.send(json!({"type": "live_clear", "media_id": m, "all": true}))
        .await;
    assert_eq!(ben.recv_type("live_clear").await["all"], true);

    // Ben raises his hand (twice: one request); Ann hands over; playback does not move.
    ben.send(json!({"type": "request_lead", "media_id": m})).await;
    ben.send(json!({"type": "request_lead", "media_id": m})).await;
    let asked = ann.recv_type("lead_requested").await;
    assert_eq!(
        (asked["session_id"].as_u64(), asked["user"]["id"].as_str()),
        (Some(ben_sid), Some("ben"))
    );
    ann.send(json!({"type": "grant_lead", "media_id": m, "session_id": ben_sid}))
        .await;
    let closed = ben.recv_type("lead_request_closed").await;
    assert_eq!(closed["granted"], true);
    assert_eq!(ann.recv_type("lead_request_closed").await["granted"], true);
    let handed = collab_after(&mut ann, locked["version"].as_u64().unwrap()).await;
    assert_eq!(handed["leader"], ben_sid);
    assert_eq!(handed["locked"], true, "the lock stays with the new presenter");
    for k in ["frame", "playing", "at_server_time", "rate", "loop_range"] {
        assert_eq!(handed[k], locked[k], "{k} moved on hand-over");
    }

    // Ann follows now; a request of hers can be declined.
    ann.send(control(&m, json!({"action": "seek", "frame": 3}))).await;
    refused(&mut ann, "session_control").await;
    ann.send(json!({"type": "request_lead", "media_id": m})).await;
    assert_eq!(ben.recv_type("lead_requested").await["session_id"], ann_sid);
    ann.send(json!({"type": "grant_lead", "media_id": m, "session_id": ann_sid}))
        .await;
    assert!(refused(&mut ann, "grant_lead").await.contains("only the leader"));
    ben.send(json!({"type": "decline_lead", "media_id": m, "session_id": ann_sid}))
        .await;
    let declined = ann.recv_type("lead_request_closed").await;
    assert_eq!(
        (declined["session_id"].as_u64(), declined["granted"].as_bool()),
        (Some(ann_sid), Some(false))
    );

    // The media's owner and admins take over a locked session, and everyone is told.
    let mut version = 0;
    for (who, role) in [(OWNER, "the media's owner"), ("admin", "an admin")] {
        let (mut boss, boss_sid) = participant(&s, who, &m).await;
        boss.send(control(&m, json!({"action": "seek", "frame": 40}))).await;
        let st = loop {
            let st = ben.recv_type("collab").await["state"].clone();
            if st["leader"] == boss_sid {
                break st;
            }
        };
        let notice = ben.recv_type("session_notice").await;
        assert!(notice["message"].as_str().unwrap().contains(role), "{notice}");
        assert_eq!((st["frame"].as_i64(), st["locked"].as_bool()), (Some(40), Some(true)));
        // The lead goes back to Ben; the one who took over leaves, unlocking nothing of his.
        boss.send(json!({"type": "grant_lead", "media_id": m, "session_id": ben_sid}))
            .await;
        loop {
            let st = ben.recv_type("collab").await["state"].clone();
            if st["leader"] == ben_sid {
                version = st["version"].as_u64().unwrap();
                break;
            }
        }
    }

    // The presenter leaves: the lead passes on, unlocked (nobody is stuck following a ghost).
    drop(ben);
    let st = loop {
        let st = collab_after(&mut ann, version).await;
        if st["leader"] != ben_sid {
            break st;
        }
    };
    assert_eq!(st["leader"], ann_sid);
    assert_eq!(st["locked"], false);
}

#[actix_rt::test]
async fn the_laser_reaches_the_session_coalesced_and_is_never_stored() {
    let s = TestServer::start().await;
    let m = s.commentable_media(OWNER).await;
    let (mut lead, lead_sid) = participant(&s, "ann", &m).await;
    let mut followers = Vec::new();
    for i in 0..4 {
        followers.push(participant(&s, &format!("f{i}"), &m).await.0);
    }
    // A member outside the session gets no points and may not point.
    let mut watcher = s.ws(Some("watch")).await;
    watcher.recv_type("welcome").await;
    watcher
        .send(json!({"type": "join_room", "media_id": m, "since_seq": null}))
        .await;
    watcher.recv_type("room_joined").await;
    watcher
        .send(json!({"type": "laser", "media_id": m, "x": 0.5, "y": 0.5}))
        .await;
    assert_eq!(watcher.recv_type("error").await["request"], "laser");
    lead.send(json!({"type": "laser", "media_id": m, "x": f32::MAX, "y": 0.5}))
        .await;
    assert_eq!(lead.recv_type("error").await["request"], "laser");

    // 90 points as fast as the socket takes them (inside the burst allowance): the
    // followers get at most about 30 a second, and the last point always arrives.
    let start = Instant::now();
    let n = 90;
    for i in 0..n {
        let x = i as f32 / n as f32;
        lead.send(json!({"type": "laser", "media_id": m, "x": x, "y": 0.5}))
            .await;
    }
    let last_x = (n - 1) as f32 / n as f32;
    for f in followers.iter_mut() {
        let mut got = 0;
        loop {
            let p = f.recv_type("laser").await;
            got += 1;
            assert_eq!(p["session_id"].as_u64(), Some(lead_sid));
            assert!(p["user_name"].as_str().unwrap().starts_with("ann"), "{p}");
            if (p["x"].as_f64().unwrap() as f32 - last_x).abs() < 1e-6 {
                break;
            }
        }
        let elapsed = start.elapsed().as_millis() as usize;
        // 30 a second after a burst of 2, and the last point.
        assert!(got <= elapsed / 33 + 3, "{got} points in {elapsed} ms");
        assert!(got < n, "{got} of {n}: nothing was coalesced");
    }
    // The sender does not get its own points back, and nothing was stored: a new member
    // sees the room at sequence 0 and no comments.
    lead.send(json!({"type": "ping", "client_time": 1.0})).await;
    loop {
        let v = lead.recv().await;
        assert_ne!(v["type"], "laser", "the sender got its own point");
        if v["type"] == "pong" {
            break;
        }
    }
    let mut late = s.ws(Some("late")).await;
    late.recv_type("welcome").await;
    late.send(json!({"type": "join_room", "media_id": m, "since_seq": null}))
        .await;
    let j = late.recv_type("room_joined").await;
    assert_eq!((j["seq"].as_i64(), j["comments"].clone()), (Some(0), json!([])));
}
