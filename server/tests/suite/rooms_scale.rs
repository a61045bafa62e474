//! Rooms at scale: presence as coalesced deltas, large rooms that list a few and count the
//! rest, rooms whose comments are far larger than a client's queue, catch-up thousands of
//! events behind, and the per-user socket limit.

use crate::common::{TestServer, Ws};
use dailies_protocol::{Comment, MediaId, RoomEvent, UserId};
use dailies_server::db::comments as cq;
use dailies_server::db::models::NewComment;
use serde_json::{json, Value};
use std::time::Duration;

const OWNER: &str = "alice";

async fn join(s: &TestServer, user: &str, media: &str) -> (Ws, Value) {
    let mut ws = s.ws(Some(user)).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    let joined = ws.recv_type("room_joined").await;
    (ws, joined)
}

/// Applies presence deltas to `list` (session id → member) until `done` holds; answers how
/// many deltas it took.
async fn follow_presence(
    ws: &mut Ws,
    list: &mut std::collections::BTreeMap<u64, Value>,
    count: &mut u64,
    done: impl Fn(&std::collections::BTreeMap<u64, Value>, u64) -> bool,
) -> usize {
    let mut deltas = 0;
    while !done(list, *count) {
        let d = ws.recv_type("presence_delta").await;
        deltas += 1;
        *count = d["member_count"].as_u64().unwrap();
        for c in d["changes"].as_array().unwrap() {
            match c["type"].as_str().unwrap() {
                "member_joined" | "member_changed" => {
                    list.insert(c["member"]["session_id"].as_u64().unwrap(), c["member"].clone());
                }
                "member_left" => {
                    list.remove(&c["session_id"].as_u64().unwrap());
                }
                other => panic!("unknown change {other}"),
            }
        }
    }
    deltas
}

fn listed(joined: &Value) -> std::collections::BTreeMap<u64, Value> {
    joined["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["session_id"].as_u64().unwrap(), m.clone()))
        .collect()
}

#[actix_rt::test]
async fn presence_comes_as_deltas_for_joins_leaves_and_the_live_session() {
    let s = TestServer::start().await;
    let m = s.commentable_media(OWNER).await;
    let (mut a, ja) = join(&s, "ann", &m).await;
    assert_eq!(ja["member_count"], 1);
    let mut list = listed(&ja);
    let mut count = 1;
    let (mut b, jb) = join(&s, "ben", &m).await;
    let ben = jb["session_id"].as_u64().unwrap();
    follow_presence(&mut a, &mut list, &mut count, |l, n| n == 2 && l.contains_key(&ben)).await;
    assert_eq!(list[&ben]["user_id"], "ben");
    assert_eq!(list[&ben]["in_session"], false);

    b.send(json!({"type": "session_join", "media_id": m})).await;
    follow_presence(&mut a, &mut list, &mut count, |l, _| l[&ben]["in_session"] == true).await;
    assert_eq!(list[&ben]["leader"], true, "the first in the session leads");

    drop(b);
    follow_presence(&mut a, &mut list, &mut count, |l, n| n == 1 && !l.contains_key(&ben)).await;
    assert_eq!(list.len(), 1);
}

#[actix_rt::test]
async fn a_burst_of_joins_reaches_each_member_as_one_delta() {
    let s = TestServer::start_with(|c| c.presence_interval = Duration::from_secs(2)).await;
    let m = s.commentable_media(OWNER).await;
    let (mut a, ja) = join(&s, "ann", &m).await;
    let mut list = listed(&ja);
    let mut count = 1;
    let mut others = Vec::new();
    for i in 0..10 {
        others.push(join(&s, &format!("u{i}"), &m).await.0);
    }
    // The first join may go out at once (nothing was sent within the interval before it);
    // the other nine wait for the interval's end and arrive together.
    let deltas = follow_presence(&mut a, &mut list, &mut count, |l, n| n == 11 && l.len() == 11).await;
    assert!(deltas <= 2, "{deltas} deltas for a burst of 10 joins");
}

#[actix_rt::test]
async fn a_large_room_lists_the_first_members_and_counts_the_rest() {
    let s = TestServer::start_with(|c| {
        c.presence_list_max = 3;
        c.presence_interval = Duration::ZERO;
    })
    .await;
    let m = s.commentable_media(OWNER).await;
    let mut socks = Vec::new();
    for i in 0..5 {
        socks.push(join(&s, &format!("u{i}"), &m).await);
    }
    let (mut late, j) = join(&s, "late", &m).await;
    let me = j["session_id"].as_u64().unwrap();
    assert_eq!(j["member_count"], 6);
    let mut list = listed(&j);
    assert_eq!(list.len(), 4, "three shown and the joiner itself: {j}");
    assert!(list.contains_key(&me));
    let first: Vec<u64> = socks.iter().map(|(_, j)| j["session_id"].as_u64().unwrap()).collect();
    assert!(
        first[..3].iter().all(|s| list.contains_key(s)),
        "the earliest are shown"
    );

    // The late joiner takes part in the live session: it is shown now (and leads), the
    // third earliest is not.
    late.send(json!({"type": "session_join", "media_id": m})).await;
    let (ws0, _) = &mut socks[0];
    let mut l0 = std::collections::BTreeMap::new();
    let mut n0 = 0;
    follow_presence(ws0, &mut l0, &mut n0, |l, _| {
        l.get(&me).is_some_and(|x| x["leader"] == true) && !l.contains_key(&first[2])
    })
    .await;
    let mut count = 6;
    follow_presence(&mut late, &mut list, &mut count, |l, _| {
        l.get(&me).is_some_and(|x| x["in_session"] == true)
    })
    .await;

    // A member who stops being shown still hears of itself, right after the delta that
    // took it off the list.
    let (mut ws2, j2) = socks.remove(2);
    let third = j2["session_id"].as_u64().unwrap();
    loop {
        let d = ws2.recv_type("presence_delta").await;
        let changes = d["changes"].as_array().unwrap();
        if changes
            .iter()
            .any(|c| c["type"] == "member_left" && c["session_id"] == third)
        {
            let own = ws2.recv_type("presence_delta").await;
            assert_eq!(own["changes"].as_array().unwrap().len(), 1, "{own}");
            assert_eq!(own["changes"][0]["type"], "member_changed");
            assert_eq!(own["changes"][0]["member"]["session_id"], third);
            break;
        }
    }
}

/// Stores a comment as the room would, bypassing the socket (and its rate limit).
fn store(c: &mut dailies_server::db::Conn, media: &str, text: String, drawing: Option<String>) -> Comment {
    cq::insert(
        c,
        &NewComment {
            media_id: MediaId::from(media),
            parent_id: None,
            user_id: UserId(OWNER.into()),
            text,
            frame: 0,
            end_frame: None,
            drawing,
            client_ref: None,
            added_seq: None,
            via_plugin: None,
            subtitle_cue: None,
        },
    )
    .unwrap()
}

/// A drawing of `points` pen points as stored JSON.
fn drawing_json(points: usize) -> String {
    let pts: Vec<Value> = (0..points)
        .map(|i| json!({"x": (i % 100) as f32 / 100.0, "y": 0.5}))
        .collect();
    json!({"shapes": [{"tool": "pen", "points": pts, "color": "#00ff00", "width": 0.01, "text": null}]}).to_string()
}

#[actix_rt::test]
async fn a_room_with_ten_mib_of_comments_and_drawings_opens_in_pages() {
    let s = TestServer::start().await;
    let m = s.commentable_media(OWNER).await;
    let mid = m.clone();
    // 40 drawings of about 250 kB and 300 notes of 5 kB: over 11 MB, far over the 4 MiB a
    // client's queue holds.
    let total = s
        .state()
        .db
        .run(move |c| {
            let mut bytes = 0;
            for i in 0..340 {
                let (text, drawing) = if i % 8 == 0 && i / 8 < 40 {
                    (format!("drawing {i}"), Some(drawing_json(10_000)))
                } else {
                    (format!("note {i} {}", "x".repeat(5_000)), None)
                };
                bytes += text.len() + drawing.as_ref().map_or(0, |d| d.len());
                store(c, &mid, text, drawing);
            }
            Ok(bytes)
        })
        .await
        .unwrap();
    assert!(total > 10 << 20, "{total} bytes");

    let (mut ws, j) = join(&s, "ben", &m).await;
    let mut seen: Vec<Value> = j["comments"].as_array().unwrap().clone();
    assert!(seen.len() < 340, "a first page, not everything");
    assert!(
        j.to_string().len() <= (1 << 20) + 64 * 1024,
        "the first page fits its budget"
    );
    let mut before = j["comments_before"].clone();
    let mut pages = 1;
    while !before.is_null() {
        ws.send(json!({"type": "load_comments", "media_id": m, "before": before}))
            .await;
        let p = ws.recv_type("comments_page").await;
        assert!(p.to_string().len() <= (1 << 20) + 64 * 1024);
        seen.extend(p["comments"].as_array().unwrap().iter().cloned());
        before = p["before"].clone();
        pages += 1;
    }
    assert!(pages >= 4, "{pages} pages of at most 100");
    let ids: Vec<i64> = seen.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(ids, sorted, "newest first, each once");
    assert_eq!(ids.len(), 340);

    // Large drawings came by reference; fetching one gives the drawing, to those who may
    // view the media only.
    let by_ref: Vec<&Value> = seen.iter().filter(|c| !c["drawing_url"].is_null()).collect();
    assert_eq!(by_ref.len(), 40);
    assert!(by_ref.iter().all(|c| c["drawing"].is_null()));
    let url = by_ref[0]["drawing_url"].as_str().unwrap();
    let (code, headers, body) = s.fetch(url, Some("ben"), &[]).await;
    assert_eq!(code, 200);
    let d: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(d["shapes"][0]["points"].as_array().unwrap().len(), 10_000);
    let tag = headers.get("etag").unwrap().to_str().unwrap().to_string();
    let (code, _, _) = s.fetch(url, Some("ben"), &[("If-None-Match", &tag)]).await;
    assert_eq!(code, 304, "cached until the comment is edited");
    let (code, _, _) = s.fetch(url, None, &[]).await;
    assert_eq!(code, 401);
    let other = s.upload("carl", "own.bin", vec![1u8; 64]).await.1["id"]
        .as_str()
        .unwrap()
        .to_string();
    let wrong = url.replace(&m, &other);
    assert_eq!(
        s.fetch(&wrong, Some("carl"), &[]).await.0,
        404,
        "not a comment of that media"
    );

    // A new comment with a large drawing is broadcast by reference too.
    let shape = json!({"tool": "pen", "points": (0..2000).map(|i| json!({"x": (i % 10) as f32 / 10.0, "y": 0.25})).collect::<Vec<_>>(), "color": "#0000ff", "width": 0.01, "text": null});
    ws.send(
        json!({"type": "add_comment", "media_id": m, "text": "big", "frame": 0, "end_frame": null,
                   "parent_id": null, "drawing": {"shapes": [shape]}, "client_ref": "big"}),
    )
    .await;
    let e = ws.recv_type("room_event").await;
    let c = &e["event"]["comment"];
    assert!(c["drawing"].is_null() && c["drawing_url"].is_string(), "{c}");
}

#[actix_rt::test]
async fn a_reconnect_five_thousand_events_behind_catches_up_in_pages() {
    let s = TestServer::start().await;
    let m = s.commentable_media(OWNER).await;
    let (a, _) = join(&s, "ann", &m).await;
    let (b, jb) = join(&s, "ben", &m).await;
    assert_eq!(jb["seq"], 0);
    drop(b);
    drop(a);
    // Wait until the room closed (its members left), so it reads the new sequence when
    // opened again.
    let state = s.state();
    let mid = MediaId::from(m.as_str());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while state
        .hub
        .send(dailies_server::room::hub::FindRoom(mid.clone()))
        .await
        .unwrap()
        .is_some()
    {
        assert!(std::time::Instant::now() < deadline, "the room stayed open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mid2 = m.clone();
    state
        .db
        .run(move |c| {
            use diesel::Connection;
            c.transaction(|c| {
                for seq in 1..=5_000i64 {
                    let comment = store(c, &mid2, format!("missed {seq}"), None);
                    cq::append_event(
                        c,
                        &mid2,
                        seq,
                        &RoomEvent::CommentAdded {
                            comment,
                            client_ref: None,
                        },
                    )?;
                }
                Ok::<_, dailies_server::error::AppError>(())
            })
        })
        .await
        .unwrap();

    let (mut a, _) = join(&s, "ann", &m).await;
    let mut b = s.ws(Some("ben")).await;
    b.recv_type("welcome").await;
    b.send(json!({"type": "join_room", "media_id": m, "since_seq": 0}))
        .await;
    let j = b.recv_type("room_joined").await;
    assert_eq!(
        (j["comments"].clone(), j["resync"].clone()),
        (Value::Null, json!(false))
    );
    assert_eq!(j["seq"], 5_000);
    let mut got: Vec<i64> = Vec::new();
    let mut pages = 0;
    let mut live_sent = false;
    loop {
        let v = b.recv().await;
        match v["type"].as_str().unwrap() {
            "room_events" => {
                pages += 1;
                got.extend(
                    v["events"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|e| e["seq"].as_i64().unwrap()),
                );
                if !live_sent {
                    // Something happens while ben is still behind: it reaches him in order.
                    a.send(
                        json!({"type": "add_comment", "media_id": m, "text": "meanwhile", "frame": 0,
                                  "end_frame": null, "parent_id": null, "drawing": null, "client_ref": "mw"}),
                    )
                    .await;
                    assert_eq!(a.recv_type("room_event").await["seq"], 5_001);
                    live_sent = true;
                }
                if v["more"] == false {
                    break;
                }
                b.send(json!({"type": "room_events_ack", "media_id": m, "seq": got.last().unwrap()}))
                    .await;
            }
            "room_event" => panic!("a live event before catching up: {v}"),
            _ => {}
        }
    }
    assert_eq!(got, (1..=5_001).collect::<Vec<_>>(), "every event once, in order");
    assert!(pages >= 25, "{pages} pages");
    // Live again: the next event arrives as it happens, once.
    a.send(json!({"type": "add_comment", "media_id": m, "text": "live", "frame": 0,
                  "end_frame": null, "parent_id": null, "drawing": null, "client_ref": "live"}))
        .await;
    assert_eq!(b.recv_type("room_event").await["seq"], 5_002);
}

#[actix_rt::test]
async fn a_user_over_the_socket_limit_is_refused_with_the_reason() {
    let s = TestServer::start_with(|c| c.max_sockets_per_user = 3).await;
    let mut open = Vec::new();
    for _ in 0..3 {
        let mut ws = s.ws(Some("ann")).await;
        ws.recv_type("welcome").await;
        open.push(ws);
    }
    let mut fourth = s.ws(Some("ann")).await;
    let e = fourth.recv().await;
    assert_eq!(
        (e["type"].as_str(), e["code"].as_str()),
        (Some("error"), Some("forbidden")),
        "{e}"
    );
    assert!(
        e["message"].as_str().unwrap().starts_with("too many open connections"),
        "{e}"
    );
    assert_eq!(fourth.closed_within(5).await, Some(1008));
    // Others are not affected.
    let mut ben = s.ws(Some("ben")).await;
    ben.recv_type("welcome").await;
    // Closing one makes room again (once the server has seen it close).
    drop(open.pop());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut ws = s.ws(Some("ann")).await;
        if ws.recv().await["type"] == "welcome" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the closed socket was never counted out"
        );
        ws.closed_within(5).await;
    }
}
