//! Comment ids over the websocket: 64-bit everywhere (an id past 2^32 never addresses a
//! small one), another user's comment ids cannot be told from missing ones, and a retried
//! `add_comment` with the same `client_ref` makes one comment.

use crate::common::{TestServer, Ws};
use crate::organizer_support::{add_media, add_user, answer};
use serde_json::{json, Value};

pub(crate) async fn joined(s: &TestServer, user: &str, media: &str) -> Ws {
    let mut ws = s.ws(Some(user)).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    ws.recv_type("room_joined").await;
    ws
}

async fn comment(ws: &mut Ws, media: &str, client_ref: &str) -> Value {
    ws.send(
        json!({"type": "add_comment", "media_id": media, "text": "note", "frame": 3,
                   "end_frame": null, "parent_id": null, "drawing": null, "client_ref": client_ref}),
    )
    .await;
    answer(ws, "add_comment", "room_event").await
}

#[actix_rt::test]
async fn an_id_past_two_to_the_32_does_not_reach_a_small_one() {
    let s = TestServer::start().await;
    add_user(&s, "ann", false);
    add_media(&s, "m1", "ann", "Shot");
    let mut ann = joined(&s, "ann", "m1").await;
    let ev = comment(&mut ann, "m1", "c1").await;
    let id = ev["event"]["comment"]["id"].as_i64().unwrap();
    ann.send(json!({"type": "delete_comment", "comment_id": id + (1_i64 << 32)}))
        .await;
    let r = answer(&mut ann, "delete_comment", "room_event").await;
    assert_eq!(
        (r["type"].as_str(), r["code"].as_str()),
        (Some("error"), Some("not_found")),
        "{r}"
    );
    ann.send(json!({"type": "delete_comment", "comment_id": id})).await;
    let r = answer(&mut ann, "delete_comment", "room_event").await;
    assert_eq!(r["event"]["comment_id"], id, "{r}");
}

#[actix_rt::test]
async fn others_comment_ids_look_like_missing_ones() {
    let s = TestServer::start().await;
    add_user(&s, "ann", false);
    add_user(&s, "bob", false);
    add_media(&s, "m1", "ann", "Secret");
    add_media(&s, "m2", "bob", "Bob's");
    let mut ann = joined(&s, "ann", "m1").await;
    let id = comment(&mut ann, "m1", "c1").await["event"]["comment"]["id"]
        .as_i64()
        .unwrap();
    let mut bob = joined(&s, "bob", "m2").await;
    let mut answers = Vec::new();
    for target in [id, id + 1000] {
        bob.send(json!({"type": "edit_comment", "comment_id": target, "text": "x", "drawing": null}))
            .await;
        let r = answer(&mut bob, "edit_comment", "room_event").await;
        answers.push((r["code"].clone(), r["message"].clone()));
    }
    assert_eq!(answers[0], answers[1], "an existing and a missing id answer alike");
    assert_eq!(answers[0].0, "not_found");
}

#[actix_rt::test]
async fn the_same_client_ref_three_times_makes_one_comment() {
    let s = TestServer::start().await;
    add_user(&s, "ann", false);
    add_media(&s, "m1", "ann", "Shot");
    let mut ann = joined(&s, "ann", "m1").await;
    let first = comment(&mut ann, "m1", "retry").await;
    // A new connection, as a client that lost the answer and reconnected would have.
    let mut again = joined(&s, "ann", "m1").await;
    for _ in 0..2 {
        let r = comment(&mut again, "m1", "retry").await;
        assert_eq!(r["seq"], first["seq"], "{r}");
        assert_eq!(r["event"]["comment"]["id"], first["event"]["comment"]["id"]);
    }
    let mut check = s.ws(Some("ann")).await;
    check.recv_type("welcome").await;
    check
        .send(json!({"type": "join_room", "media_id": "m1", "since_seq": null}))
        .await;
    let room = check.recv_type("room_joined").await;
    assert_eq!(room["comments"].as_array().unwrap().len(), 1, "{room}");
}

/// Comments with a `client_ref` read before they write; many rooms committing at once must
/// still store every one (a deferred transaction got "database is locked" at once when
/// another room committed between its read and its write).
#[actix_rt::test]
async fn comments_in_many_rooms_at_once_are_all_stored() {
    let s = TestServer::start().await;
    add_user(&s, "ann", false);
    let rooms = 30;
    let per_room = 10;
    let mut sockets = Vec::new();
    for r in 0..rooms {
        let id = format!("m{r}");
        add_media(&s, &id, "ann", "Shot");
        sockets.push((id.clone(), joined(&s, "ann", &id).await));
    }
    for i in 0..per_room {
        for (id, ws) in sockets.iter_mut() {
            ws.send(
                json!({"type": "add_comment", "media_id": id, "text": "note", "frame": i,
                           "end_frame": null, "parent_id": null, "drawing": null,
                           "client_ref": format!("{id}-{i}")}),
            )
            .await;
        }
    }
    for (id, ws) in sockets.iter_mut() {
        let mut acked = 0;
        while acked < per_room {
            let v = ws.recv_within(30).await;
            assert_ne!(v["type"], "error", "room {id}: {v}");
            if v["type"] == "room_event" {
                acked += 1;
            }
        }
    }
}
