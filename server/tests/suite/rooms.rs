//! Review rooms with several real websocket clients: comments in order, threads, edits and
//! deletes, permissions, catch-up after reconnect, restarts, collaborative sessions.

use crate::common::{TestServer, Ws};
use serde_json::{json, Value};
use std::time::Duration;

/// Uploads a small clip as `owner` and waits until it is ready; returns its id.
async fn ready_media(s: &TestServer, owner: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.mp4");
    crate::common::make_h264(&f, 2);
    let (_, body) = s.upload(owner, "clip.mp4", std::fs::read(&f).unwrap()).await;
    let id = body["id"].as_str().unwrap().to_string();
    assert_eq!(s.wait_done(owner, &id, 60).await["status"], "ready");
    id
}

async fn join(s: &TestServer, user: &str, media: &str) -> (Ws, Value) {
    let mut ws = s.ws(Some(user)).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    let joined = ws.recv_type("room_joined").await;
    (ws, joined)
}

fn add(media: &str, text: &str, frame: i64) -> Value {
    json!({"type": "add_comment", "media_id": media, "text": text, "frame": frame, "end_frame": null,
           "parent_id": null, "drawing": null, "client_ref": text})
}

/// The next room event, skipping presence and other traffic.
async fn next_event(ws: &mut Ws) -> Value {
    ws.recv_type("room_event").await
}

#[actix_rt::test]
async fn three_clients_see_the_same_events_in_the_same_order() {
    let s = TestServer::start().await;
    let media = ready_media(&s, "alice").await;
    let (mut a, ja) = join(&s, "alice", &media).await;
    assert_eq!(ja["media"]["id"], media.as_str());
    assert_eq!(ja["comments"], json!([]));
    // bob and carol are admins here so they may see alice's media.
    let (mut b, _) = join(&s, "admin", &media).await;
    let mut a2 = s.ws(Some("alice")).await; // alice's second tab
    a2.recv_type("welcome").await;
    a2.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    let j2 = a2.recv_type("room_joined").await;
    // Everyone is counted at once; names come as last shown (within presence_interval),
    // and always the joiner itself.
    assert_eq!(j2["member_count"], 3);
    assert!(j2["members"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["session_id"] == j2["session_id"]));

    // Interleaved senders.
    for i in 0..5 {
        a.send(add(&media, &format!("a{i}"), i)).await;
        b.send(add(&media, &format!("b{i}"), 10 + i)).await;
    }
    let drawing = json!({"shapes": [{"tool": "arrow", "points": [{"x": 0.1, "y": 0.1}, {"x": 0.5, "y": 0.5}], "color": "#ff0000", "width": 0.01, "text": null}]});
    a.send(
        json!({"type": "add_comment", "media_id": media, "text": "with arrow", "frame": 7, "end_frame": 9,
                  "parent_id": null, "drawing": drawing, "client_ref": "arrow"}),
    )
    .await;

    let mut logs = [vec![], vec![], vec![]];
    for (k, ws) in [&mut a, &mut b, &mut a2].into_iter().enumerate() {
        for _ in 0..11 {
            let e = next_event(ws).await;
            logs[k].push((e["seq"].as_i64().unwrap(), e["event"].clone()));
        }
    }
    assert_eq!(logs[0], logs[1]);
    assert_eq!(logs[0], logs[2]);
    let seqs: Vec<i64> = logs[0].iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, (1..=11).collect::<Vec<_>>(), "consecutive sequence numbers");
    // Each sender's own comments arrive in the order sent, with their stored ids.
    let a_texts: Vec<&str> = logs[0]
        .iter()
        .filter(|(_, e)| e["comment"]["user_id"] == "alice")
        .map(|(_, e)| e["comment"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(a_texts, ["a0", "a1", "a2", "a3", "a4", "with arrow"]);
    let arrow = &logs[0].iter().find(|(_, e)| e["client_ref"] == "arrow").unwrap().1;
    assert_eq!(arrow["client_ref"], "arrow");
    assert_eq!(arrow["comment"]["end_frame"], 9);
    assert_eq!(arrow["comment"]["drawing"], drawing);
    assert!(arrow["comment"]["id"].as_i64().unwrap() > 0);

    // Reply, edit, delete: everyone sees them, in order.
    let a0 = &logs[0].iter().find(|(_, e)| e["comment"]["text"] == "a0").unwrap().1["comment"];
    let parent = a0["id"].as_i64().unwrap();
    b.send(
        json!({"type": "add_comment", "media_id": media, "text": "reply", "frame": 999, "end_frame": null,
                  "parent_id": parent, "drawing": null, "client_ref": null}),
    )
    .await;
    a.send(json!({"type": "edit_comment", "comment_id": parent, "text": "a0 (edited)", "drawing": null}))
        .await;
    // Two senders: either may come first, but everyone sees the same order.
    let (x, y) = (next_event(&mut a2).await, next_event(&mut a2).await);
    assert_eq!(
        (next_event(&mut b).await, next_event(&mut b).await),
        (x.clone(), y.clone())
    );
    let (r, e) = if x["event"]["kind"] == "comment_added" {
        (x, y)
    } else {
        (y, x)
    };
    assert_eq!(r["event"]["comment"]["parent_id"], parent);
    assert_eq!(
        r["event"]["comment"]["frame"], a0["frame"],
        "a reply sits at its parent's frame"
    );

    assert_eq!(e["event"]["kind"], "comment_edited");
    assert_eq!(e["event"]["comment"]["text"], "a0 (edited)");
    assert!(e["event"]["comment"]["edited_at"].is_string());
    a.send(json!({"type": "delete_comment", "comment_id": parent})).await;
    let d = next_event(&mut a2).await;
    assert_eq!(d["event"]["kind"], "comment_deleted");
    assert_eq!(
        d["event"]["comment"]["deleted"], true,
        "a marker stays: the comment has a reply"
    );
    assert_eq!(d["event"]["comment"]["text"], "");
    // alice got a user message for the admin's reply.
    // (Her media also drew "comment" notes for the admin's top-level comments.)
    let mut kinds = vec![];
    while !kinds.contains(&"reply".to_string()) {
        kinds.push(
            a.recv_type("user_message_added").await["message"]["kind"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert!(kinds.iter().all(|k| k == "reply" || k == "comment"), "{kinds:?}");
}

#[actix_rt::test]
async fn others_cannot_change_or_see_what_is_not_theirs() {
    let s = TestServer::start_with(|c| c.admin_users = vec!["admin".into()]).await;
    let media = ready_media(&s, "alice").await;
    let (mut a, _) = join(&s, "alice", &media).await;
    a.send(add(&media, "mine", 3)).await;
    let id = next_event(&mut a).await["event"]["comment"]["id"].as_i64().unwrap();

    // bob is nobody here: the room does not exist for him.
    let mut bob = s.ws(Some("bob")).await;
    bob.recv_type("welcome").await;
    bob.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    assert_eq!(bob.recv_type("error").await["code"], "not_found");
    bob.send(add(&media, "sneaky", 1)).await;
    assert_eq!(bob.recv_type("error").await["code"], "bad_message");
    bob.send(json!({"type": "edit_comment", "comment_id": id, "text": "hacked", "drawing": null}))
        .await;
    assert_eq!(bob.recv_type("error").await["request"], "edit_comment");
    bob.send(json!({"type": "delete_comment", "comment_id": id})).await;
    assert_eq!(bob.recv_type("error").await["request"], "delete_comment");

    // An admin in the room may comment but not edit alice's words... admins may: by rule.
    let (mut adm, _) = join(&s, "admin", &media).await;
    adm.send(json!({"type": "edit_comment", "comment_id": id, "text": "moderated", "drawing": null}))
        .await;
    assert_eq!(next_event(&mut adm).await["event"]["comment"]["text"], "moderated");

    // Bad input changes nothing.
    for bad in [
        json!({"type": "add_comment", "media_id": media, "text": "", "frame": 1, "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
        json!({"type": "add_comment", "media_id": media, "text": "x", "frame": -1, "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
        json!({"type": "add_comment", "media_id": media, "text": "x", "frame": 5, "end_frame": 2, "parent_id": null, "drawing": null, "client_ref": null}),
        json!({"type": "add_comment", "media_id": media, "text": "x", "frame": 100000, "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
        json!({"type": "add_comment", "media_id": media, "text": "x", "frame": 1, "end_frame": null, "parent_id": 999999, "drawing": null, "client_ref": null}),
        json!({"type": "add_comment", "media_id": media, "text": "x", "frame": 1, "end_frame": null, "parent_id": null,
               "drawing": {"shapes": [{"tool": "line", "points": [{"x": 0.1, "y": 0.1}], "color": "red", "width": 0.01, "text": null}]}, "client_ref": null}),
    ] {
        let mut bad = bad;
        let cref = format!("bad-{}", bad["frame"]);
        bad["client_ref"] = json!(cref);
        a.send(bad.clone()).await;
        let e = a.recv_type("error").await;
        assert!(e["code"] == "bad_message" || e["code"] == "not_found", "{bad} -> {e}");
        // The refusal names the comment, so a client with several in flight knows which.
        assert_eq!(e["request"], "add_comment", "{e}");
        assert_eq!(e["client_ref"], json!(cref), "{e}");
    }
    // So does one that cannot even be read (a string frame), and one sent before joining.
    a.send(
        json!({"type": "add_comment", "media_id": media, "text": "x", "frame": "ten", "end_frame": null,
                  "parent_id": null, "drawing": null, "client_ref": "unreadable"}),
    )
    .await;
    let e = a.recv_type("error").await;
    assert_eq!(
        (e["code"].as_str(), e["client_ref"].as_str()),
        (Some("bad_message"), Some("unreadable")),
        "{e}"
    );
    let mut a2 = s.ws(Some("alice")).await;
    a2.recv_type("welcome").await;
    a2.send(add(&media, "not joined", 1)).await;
    let e = a2.recv_type("error").await;
    assert_eq!(e["client_ref"], "not joined", "{e}");
    // No ref sent, none echoed (the field is left out).
    a.send(
        json!({"type": "add_comment", "media_id": media, "text": "", "frame": 1, "end_frame": null,
                  "parent_id": null, "drawing": null, "client_ref": null}),
    )
    .await;
    assert!(a.recv_type("error").await.get("client_ref").is_none());
    a.send(add(&media, "after the bad ones", 4)).await;
    let ok = next_event(&mut a).await;
    assert_eq!(ok["seq"], 3, "no sequence number was used by refused messages");
}

#[actix_rt::test]
async fn reconnect_with_last_seq_gets_exactly_the_missed_events() {
    let s = TestServer::start().await;
    let media = ready_media(&s, "alice").await;
    let (mut a, _) = join(&s, "alice", &media).await;
    let (mut b, _) = join(&s, "alice", &media).await;
    for i in 0..3 {
        a.send(add(&media, &format!("before{i}"), i)).await;
    }
    let mut last = 0;
    for _ in 0..3 {
        last = next_event(&mut b).await["seq"].as_i64().unwrap();
        next_event(&mut a).await;
    }
    drop(b); // b's connection breaks
    for i in 0..4 {
        a.send(add(&media, &format!("missed{i}"), i)).await;
        next_event(&mut a).await;
    }
    let mut b = s.ws(Some("alice")).await;
    b.recv_type("welcome").await;
    b.send(json!({"type": "join_room", "media_id": media, "since_seq": last}))
        .await;
    let j = b.recv_type("room_joined").await;
    assert_eq!(j["comments"], Value::Null, "catching up, not a full state");
    assert_eq!((j["seq"].clone(), j["resync"].clone()), (json!(7), json!(false)));
    let page = b.recv_type("room_events").await;
    assert_eq!(page["more"], false, "four events fit one page");
    let got: Vec<(i64, String)> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["seq"].as_i64().unwrap(),
                e["event"]["comment"]["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (4, "missed0".into()),
            (5, "missed1".into()),
            (6, "missed2".into()),
            (7, "missed3".into())
        ]
    );
    // Nothing more (no duplicates): the next event is a new one.
    a.send(add(&media, "live", 1)).await;
    assert_eq!(next_event(&mut b).await["seq"], 8);
    // A bogus since_seq gets the full state.
    let (mut c, _) = join(&s, "alice", &media).await;
    c.send(json!({"type": "join_room", "media_id": media, "since_seq": 999}))
        .await;
    let j = c.recv_type("room_joined").await;
    assert_eq!(j["comments"].as_array().unwrap().len(), 8);
    assert_eq!(j["resync"], true, "asked to catch up, given the whole state");
}

#[actix_rt::test]
async fn acknowledged_comments_survive_a_restart() {
    let mut s = TestServer::start().await;
    let media = ready_media(&s, "alice").await;
    let (mut a, _) = join(&s, "alice", &media).await;
    for i in 0..20 {
        a.send(add(&media, &format!("c{i}"), i)).await;
    }
    for _ in 0..20 {
        next_event(&mut a).await;
    }
    drop(a);
    s.stop().await;
    let s = TestServer::start_in(s.dir, |_| {}).await;
    let (_, j) = join(&s, "alice", &media).await;
    let texts: Vec<&str> = j["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 20);
    assert_eq!(j["seq"], 20);
}

#[actix_rt::test]
async fn collaborative_session_pause_reaches_everyone_and_late_joiners() {
    let s = TestServer::start().await;
    let media = ready_media(&s, "alice").await;
    let (mut a, _) = join(&s, "alice", &media).await;
    let (mut b, jb) = join(&s, "admin", &media).await;
    assert_eq!(jb["collab"]["active"], false);
    a.send(json!({"type": "session_join", "media_id": media})).await;
    let st = a.recv_type("collab").await;
    assert_eq!(st["state"]["active"], true);
    let a_sid = st["state"]["leader"].as_u64().unwrap();
    b.send(json!({"type": "session_join", "media_id": media})).await;

    a.send(json!({"type": "session_control", "media_id": media, "control": {"action": "play", "frame": 5}}))
        .await;
    let play = loop {
        let m = b.recv_type("collab").await;
        if m["state"]["playing"] == true {
            break m;
        }
    };
    let now = chrono::Utc::now().timestamp_millis() as f64;
    assert!(
        play["state"]["at_server_time"].as_f64().unwrap() > now - 50.0,
        "scheduled ahead"
    );
    a.send(json!({"type": "session_control", "media_id": media, "control": {"action": "pause", "frame": 37}}))
        .await;
    for ws in [&mut a, &mut b] {
        let m = loop {
            let m = ws.recv_type("collab").await;
            if m["state"]["playing"] == false && m["state"]["frame"] == 37 {
                break m;
            }
        };
        assert_eq!(m["state"]["leader"], a_sid);
    }
    // A late joiner gets the paused frame in room_joined.
    let (_c, jc) = join(&s, "admin", &media).await;
    assert_eq!(jc["collab"]["frame"], 37);
    assert_eq!(jc["collab"]["playing"], false);
    // Live strokes go to the other participants.
    let shape = json!({"tool": "pen", "points": [{"x": 0.2, "y": 0.2}, {"x": 0.3, "y": 0.4}], "color": "#00ff00", "width": 0.005, "text": null});
    a.send(json!({"type": "live_stroke", "media_id": media, "shape": shape}))
        .await;
    assert_eq!(b.recv_type("live_stroke").await["shape"], shape);
    // The leader leaves: the lead passes on.
    let b_sid = jb["session_id"].as_u64().unwrap();
    drop(a);
    let m = loop {
        let m = b.recv_type("collab").await;
        if m["state"]["leader"] != a_sid {
            break m;
        }
    };
    assert_eq!(m["state"]["leader"], b_sid);
    assert_eq!(m["state"]["active"], true);
}

#[actix_rt::test]
async fn a_client_that_stops_reading_is_dropped_while_others_keep_up() {
    let s = TestServer::start().await;
    let media = ready_media(&s, "alice").await;
    let (mut a, _) = join(&s, "alice", &media).await;
    // The stuck client joins and then never reads its socket again.
    let (stuck, _) = join(&s, "alice", &media).await;
    // Big comments (a drawing of ~220 KB each) fill the socket buffers quickly.
    let points: Vec<Value> = (0..4000)
        .map(|i| json!({"x": (i % 1000) as f64 / 1000.0, "y": 0.654321}))
        .collect();
    let shape = json!({"tool": "pen", "points": points, "color": "#112233", "width": 0.004, "text": null});
    let drawing = json!({"shapes": [shape.clone(), shape]});
    let total = 150;
    for i in 0..total {
        a.send(
            json!({"type": "add_comment", "media_id": media, "text": format!("{i}"), "frame": i % 40,
                      "end_frame": null, "parent_id": null, "drawing": drawing, "client_ref": null}),
        )
        .await;
        // The active client keeps reading.
        let e = next_event(&mut a).await;
        assert_eq!(e["seq"], i + 1);
    }
    // The stuck client was cut off (without anyone reading its socket).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let st = s.state().hub.send(dailies_server::room::hub::GetStats).await.unwrap();
        if st.sessions == 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slow client is still connected: {st:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(stuck);
    let st = s.state().hub.send(dailies_server::room::hub::GetStats).await.unwrap();
    assert_eq!(st.sessions, 1, "{st:?}");
}

#[actix_rt::test]
async fn messages_wait_for_offline_users_and_rooms_hear_renames_and_deletes() {
    let s = TestServer::start().await;
    let media = ready_media(&s, "alice").await;
    // alice is offline while the admin comments on her media.
    let (mut adm, _) = join(&s, "admin", &media).await;
    adm.send(add(&media, "looks great", 12)).await;
    next_event(&mut adm).await;

    let mut a = s.ws(Some("alice")).await;
    a.recv_type("welcome").await;
    a.send(json!({"type": "list_messages"})).await;
    let list = a.recv_type("user_messages").await;
    assert_eq!(list["unseen"], 1);
    let m = &list["items"][0];
    assert_eq!(m["kind"], "comment");
    assert!(m["text"].as_str().unwrap().contains("looks great"));
    assert_eq!(m["media_id"], media.as_str());
    let id = m["id"].as_i64().unwrap();
    a.send(json!({"type": "mark_messages_seen", "ids": [id, 999_999]}))
        .await;
    let seen = a.recv_type("messages_seen").await;
    assert_eq!(seen["ids"], json!([id]), "only one's own messages change");
    assert_eq!(seen["unseen"], 0);
    // The admin cannot mark alice's messages.
    adm.send(json!({"type": "mark_messages_seen", "ids": [id]})).await;
    assert_eq!(adm.recv_type("messages_seen").await["ids"], json!([]));

    // A rename is a room event; a delete closes the room for everyone in it.
    a.send(json!({"type": "rename_media", "media_id": media, "title": "Reel v2"}))
        .await;
    let r = next_event(&mut adm).await;
    assert_eq!(r["event"], json!({"kind": "media_renamed", "title": "Reel v2"}));
    a.send(json!({"type": "delete_media", "media_id": media})).await;
    let closed = adm.recv_type("room_closed").await;
    assert_eq!(closed["media_id"], media.as_str());
    adm.send(add(&media, "too late", 1)).await;
    assert_eq!(adm.recv_type("error").await["request"], "add_comment");
}
