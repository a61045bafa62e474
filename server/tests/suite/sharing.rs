//! Team review for real: shares and link access taking effect in open rooms, review status
//! and resolved notes live, and guests of review links through their own routes only
//! (docs/sharing.md).

use crate::common::{client, make_h264, TestServer, Ws};
use serde_json::{json, Value};

const ALICE: &str = "alice";
const BOB: &str = "bob";
const CAROL: &str = "carol";

fn clip() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.mp4");
    make_h264(&f, 1);
    std::fs::read(&f).unwrap()
}

/// A request as `user` with a JSON body; answers status and JSON.
async fn call(s: &TestServer, user: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let req = client()
        .request(awc::http::Method::from_bytes(method.as_bytes()).unwrap(), s.url(path))
        .insert_header(("X-Remote-User-Id", user))
        .insert_header(("X-Remote-User-Name", format!("{user} name")));
    let mut r = match body {
        Some(b) => req.send_json(&b).await.unwrap(),
        None => req.send().await.unwrap(),
    };
    let b = r.body().await.unwrap();
    (r.status().as_u16(), serde_json::from_slice(&b).unwrap_or(Value::Null))
}

async fn ready_media(s: &TestServer) -> String {
    let (code, v) = s.upload(ALICE, "cut.mp4", clip()).await;
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(s.wait_done(ALICE, &id, 60).await["status"], "ready");
    id
}

async fn share(s: &TestServer, media: &str, link: &str, users: Value) -> Value {
    let (code, v) = call(
        s,
        ALICE,
        "PUT",
        &format!("/api/media/{media}/sharing"),
        Some(json!({"link_access": link, "users": users})),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    v
}

async fn joined(s: &TestServer, user: &str, media: &str) -> (Ws, Value) {
    let mut ws = s.ws(Some(user)).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    let j = ws.recv_type("room_joined").await;
    (ws, j)
}

#[actix_rt::test]
async fn new_media_takes_the_default_link_access() {
    let product = dailies_server::config::Config::default().default_link_access;
    assert_eq!(product, dailies_protocol::LinkAccess::Comment);
    let s = TestServer::start_with(|c| c.default_link_access = product).await;
    let m = ready_media(&s).await;
    let (_, v) = s.get(&format!("/api/media/{m}"), Some(ALICE)).await;
    assert_eq!(v["link_access"], "comment");
    assert_eq!(v["review_status"], "needs_review");
    // Anyone signed in who has the link opens and comments, as in Clapshot.
    assert_eq!(s.get(&format!("/api/media/{m}"), Some(BOB)).await.0, 200);
    let (_, j) = joined(&s, BOB, &m).await;
    assert_eq!(j["access"], "comment");
    // ... but it is not in their library, nor "shared with me".
    let (_, list) = s.get("/api/media?shared=1", Some(BOB)).await;
    assert_eq!(list, json!([]));

    let strict = TestServer::start_with(|c| c.default_link_access = dailies_protocol::LinkAccess::Off).await;
    let (_, v) = strict.upload(ALICE, "cut.mp4", clip()).await;
    let m = v["id"].as_str().unwrap();
    assert_eq!(strict.get(&format!("/api/media/{m}"), Some(BOB)).await.0, 404);
}

#[actix_rt::test]
async fn shares_take_effect_in_open_rooms_and_on_files() {
    // Presence at once, so the change seen below is the demotion's.
    let s = TestServer::start_with(|c| c.presence_interval = std::time::Duration::ZERO).await;
    let m = ready_media(&s).await;
    let file = format!("/files/{m}/original.mp4");
    assert_eq!(s.fetch(&file, Some(BOB), &[]).await.0, 404);
    // Sharing with bob before his first sign-in: he has no inbox yet, and needs none.
    let v = share(&s, &m, "off", json!([{"user_id": BOB, "role": "commenter"}])).await;
    assert_eq!(v["users"][0]["role"], "commenter");
    let (_, shared) = s.get("/api/media?shared=1", Some(BOB)).await;
    assert_eq!(shared[0]["id"], m.as_str(), "{shared}");
    assert_eq!(s.fetch(&file, Some(BOB), &[]).await.0, 200);

    // Both in the room and the live session; bob comments.
    let (mut alice, _) = joined(&s, ALICE, &m).await;
    let (mut bob, j) = joined(&s, BOB, &m).await;
    assert_eq!(j["access"], "comment");
    alice.send(json!({"type": "session_join", "media_id": m})).await;
    alice.recv_type("collab").await;
    bob.send(json!({"type": "session_join", "media_id": m})).await;
    let c = bob.recv_type("collab").await;
    assert_eq!(c["state"]["active"], true);

    // Demoted to viewer: told at once, out of the live session, no more comments.
    share(&s, &m, "off", json!([{"user_id": BOB, "role": "viewer"}])).await;
    let changed = bob.recv_type("access_changed").await;
    assert_eq!(changed["access"], "view");
    let presence = loop {
        let p = alice.recv_type("presence_delta").await;
        let bob_left_session = p["changes"].as_array().unwrap().iter().any(|c| {
            c["type"] == "member_changed" && c["member"]["user_id"] == BOB && c["member"]["in_session"] == false
        });
        if bob_left_session {
            break p;
        }
    };
    assert_eq!(presence["member_count"], 2);
    bob.send(
        json!({"type": "add_comment", "media_id": m, "text": "as a viewer", "frame": 0,
        "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
    )
    .await;
    let e = bob.recv_type("error").await;
    assert_eq!(e["code"], "forbidden", "{e}");
    bob.send(json!({"type": "session_join", "media_id": m})).await;
    assert_eq!(bob.recv_type("error").await["request"], "session_join");
    let (code, _) = call(
        &s,
        BOB,
        "PUT",
        &format!("/api/media/{m}/status"),
        Some(json!({"status": "approved"})),
    )
    .await;
    assert_eq!(code, 403);

    // Removed: out of the room with the reason, and the files answer 404 on the next request.
    share(&s, &m, "off", json!([])).await;
    let closed = bob.recv_type("room_closed").await;
    assert!(closed["reason"].as_str().unwrap().contains("removed"), "{closed}");
    assert_eq!(s.fetch(&file, Some(BOB), &[]).await.0, 404);
    assert_eq!(s.get(&format!("/api/media/{m}"), Some(BOB)).await.0, 404);
    let (_, shared) = s.get("/api/media?shared=1", Some(BOB)).await;
    assert_eq!(shared, json!([]));

    // Link access: carol, who only has the link, is let in and out with it.
    share(&s, &m, "view", json!([])).await;
    let (mut carol, j) = joined(&s, CAROL, &m).await;
    assert_eq!(j["access"], "view");
    share(&s, &m, "comment", json!([])).await;
    assert_eq!(carol.recv_type("access_changed").await["access"], "comment");
    share(&s, &m, "off", json!([])).await;
    carol.recv_type("room_closed").await;

    // Who may edit sharing, and what a share may name.
    let (code, _) = call(&s, CAROL, "GET", &format!("/api/media/{m}/sharing"), None).await;
    assert_eq!(code, 404);
    for bad in [
        json!({"link_access": "off", "users": [{"user_id": ALICE, "role": "viewer"}]}),
        json!({"link_access": "off", "users": [{"user_id": "guest:1", "role": "viewer"}]}),
        json!({"link_access": "off", "users": [{"user_id": BOB, "role": "viewer"}, {"user_id": BOB, "role": "commenter"}]}),
        json!({"link_access": "everyone", "users": []}),
        json!({"link_access": "off", "users": [{"user_id": BOB, "role": "owner"}]}),
    ] {
        let (code, v) = call(&s, ALICE, "PUT", &format!("/api/media/{m}/sharing"), Some(bad.clone())).await;
        assert_eq!(code, 400, "{bad} answered {v}");
    }
    let (code, users) = call(&s, CAROL, "GET", "/api/users", None).await;
    assert_eq!(code, 200);
    let ids: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&ALICE) && ids.contains(&BOB), "{users}");
}

#[actix_rt::test]
async fn a_new_share_reaches_the_user_live() {
    let s = TestServer::start().await;
    let m = ready_media(&s).await;
    let mut bob = s.ws(Some(BOB)).await;
    bob.recv_type("welcome").await;
    share(&s, &m, "off", json!([{"user_id": BOB, "role": "viewer"}])).await;
    let note = bob.recv_type("user_message_added").await;
    assert_eq!(note["message"]["kind"], "shared");
    assert!(
        note["message"]["text"].as_str().unwrap().contains("alice name shared"),
        "{note}"
    );
    share(&s, &m, "off", json!([])).await;
    assert_eq!(bob.recv_type("media_removed").await["media_id"], m.as_str());
    // Deleted while shared: gone from bob's "Shared with me" at once.
    share(&s, &m, "off", json!([{"user_id": BOB, "role": "viewer"}])).await;
    bob.recv_type("user_message_added").await;
    let (code, _) = call(&s, ALICE, "DELETE", &format!("/api/media/{m}"), None).await;
    assert_eq!(code, 204);
    assert_eq!(bob.recv_type("media_removed").await["media_id"], m.as_str());
}

#[actix_rt::test]
async fn review_status_and_resolved_notes_are_live() {
    let s = TestServer::start().await;
    let m = ready_media(&s).await;
    share(
        &s,
        &m,
        "off",
        json!([{"user_id": BOB, "role": "commenter"}, {"user_id": CAROL, "role": "viewer"}]),
    )
    .await;
    let (mut alice, _) = joined(&s, ALICE, &m).await;
    let (mut carol, _) = joined(&s, CAROL, &m).await;
    let (code, v) = call(
        &s,
        BOB,
        "PUT",
        &format!("/api/media/{m}/status"),
        Some(json!({"status": "changes_requested"})),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["status"], "changes_requested");
    let ev = alice.recv_type("room_event").await;
    assert_eq!(ev["event"]["kind"], "status_changed");
    assert_eq!(ev["event"]["change"]["user_id"], BOB);
    let ev = carol.recv_type("room_event").await;
    assert_eq!(ev["event"]["change"]["status"], "changes_requested");
    let (code, _) = call(
        &s,
        ALICE,
        "PUT",
        &format!("/api/media/{m}/status"),
        Some(json!({"status": "approved"})),
    )
    .await;
    assert_eq!(code, 200);
    let (_, view) = call(&s, CAROL, "GET", &format!("/api/media/{m}/status"), None).await;
    assert_eq!(view["status"], "approved");
    let history: Vec<&str> = view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["approved", "changes_requested"]);
    let (code, _) = call(
        &s,
        BOB,
        "PUT",
        &format!("/api/media/{m}/status"),
        Some(json!({"status": "done"})),
    )
    .await;
    assert_eq!(code, 400);
    let (_, approved) = s.get("/api/media?status=approved", Some(ALICE)).await;
    assert_eq!(approved.as_array().unwrap().len(), 1);
    let (_, none) = s.get("/api/media?status=in_progress", Some(ALICE)).await;
    assert_eq!(none, json!([]));
    assert_eq!(s.get("/api/media?status=nope", Some(ALICE)).await.0, 400);

    // A note resolved by bob, seen struck through by everyone, then open again.
    let (mut bob, _) = joined(&s, BOB, &m).await;
    alice
        .send(
            json!({"type": "add_comment", "media_id": m, "text": "fix the grade", "frame": 3,
            "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
        )
        .await;
    let id = loop {
        let ev = alice.recv_type("room_event").await;
        if ev["event"]["kind"] == "comment_added" {
            break ev["event"]["comment"]["id"].as_i64().unwrap();
        }
    };
    bob.send(json!({"type": "resolve_comment", "comment_id": id, "resolved": true}))
        .await;
    let ev = loop {
        let ev = carol.recv_type("room_event").await;
        if ev["event"]["kind"] == "comment_resolved" {
            break ev;
        }
    };
    assert_eq!(ev["event"]["comment"]["resolved_by"], BOB);
    assert_eq!(ev["event"]["comment"]["resolved_by_name"], "bob name");
    assert!(ev["event"]["comment"]["resolved_at"].is_string());
    carol
        .send(json!({"type": "resolve_comment", "comment_id": id, "resolved": false}))
        .await;
    assert_eq!(carol.recv_type("error").await["code"], "forbidden");
    bob.send(json!({"type": "resolve_comment", "comment_id": id, "resolved": false}))
        .await;
    let ev = loop {
        let ev = alice.recv_type("room_event").await;
        if ev["event"]["kind"] == "comment_resolved" && ev["event"]["comment"]["resolved_by"].is_null() {
            break ev;
        }
    };
    assert!(ev["event"]["comment"]["resolved_at"].is_null());
    // A late joiner sees it as stored.
    bob.send(json!({"type": "resolve_comment", "comment_id": id, "resolved": true}))
        .await;
    // Bob's queue still holds the earlier events: wait for this resolve's own, his second.
    let mut resolves = 0;
    while resolves < 2 {
        let ev = bob.recv_type("room_event").await;
        if ev["event"]["kind"] == "comment_resolved" && ev["event"]["comment"]["resolved_at"].is_string() {
            resolves += 1;
        }
    }
    let (_, j) = joined(&s, ALICE, &m).await;
    let c = j["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(c["resolved_by"], BOB, "{c}");
}

/// Alice makes a guest link of `media`; answers the created link.
async fn new_link(s: &TestServer, media: &str, body: Value) -> Value {
    let (code, link) = call(s, ALICE, "POST", &format!("/api/media/{media}/guest-links"), Some(body)).await;
    assert_eq!(code, 201, "{link}");
    link
}

/// Opens a guest session; answers status, body, and the cookie.
async fn guest_open(
    s: &TestServer,
    body: Value,
    headers: &[(&str, &str)],
) -> (u16, Value, Option<String>, Vec<String>) {
    let mut req = client().post(s.url("/api/guest/session"));
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let mut r = req.send_json(&body).await.unwrap();
    let set_cookie: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let cookie = r.cookies().ok().and_then(|cs| {
        cs.iter()
            .find(|c| c.name() == "dailies_guest")
            .map(|c| c.value().to_string())
    });
    let b = r.body().await.unwrap();
    (
        r.status().as_u16(),
        serde_json::from_slice(&b).unwrap_or(Value::Null),
        cookie,
        set_cookie,
    )
}

async fn guest_get(
    s: &TestServer,
    path: &str,
    cookie: &str,
    headers: &[(&str, &str)],
) -> (u16, Value, awc::http::header::HeaderMap) {
    let mut req = client()
        .get(s.url(path))
        .insert_header(("Cookie", format!("dailies_guest={cookie}")));
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let mut r = req.send().await.unwrap();
    let b = r.body().limit(64 << 20).await.unwrap();
    (
        r.status().as_u16(),
        serde_json::from_slice(&b).unwrap_or(Value::Null),
        r.headers().clone(),
    )
}

async fn guest_ws(s: &TestServer, cookie: &str) -> Ws {
    let url = format!("{}/api/guest/ws", s.base.replacen("http", "ws", 1));
    let (_, framed) = client()
        .ws(url)
        .header("Cookie", format!("dailies_guest={cookie}"))
        // A forged identity on a guest route counts for nothing.
        .header("X-Remote-User-Id", ALICE)
        .connect()
        .await
        .unwrap();
    Ws { framed }
}

#[actix_rt::test]
async fn a_guest_reviews_through_the_link_alone() {
    let s = TestServer::start().await;
    let m = ready_media(&s).await;
    let other = ready_media(&s).await;
    let (code, link) = call(
        &s,
        ALICE,
        "POST",
        &format!("/api/media/{m}/guest-links"),
        Some(
            json!({"label": "client", "password": "s3cret", "can_comment": true, "can_download": false,
            "expires_at": (chrono::Utc::now() + chrono::TimeDelta::days(2)).to_rfc3339()}),
        ),
    )
    .await;
    assert_eq!(code, 201, "{link}");
    let token = link["token"].as_str().unwrap().to_string();
    assert!(token.len() >= 43, "256 bits in base64url: {token}");
    assert_eq!(link["url"], format!("/r/{token}"));

    // Stored hashed: neither the token nor the password is in the database.
    let db = s.database_bytes();
    assert!(!db.is_empty());
    assert!(
        !db.windows(token.len()).any(|w| w == token.as_bytes()),
        "the token is stored in the clear"
    );
    assert!(
        !db.windows(6).any(|w| w == b"s3cret"),
        "the password is stored in the clear"
    );

    // The listing never shows the token again.
    let (_, links) = call(&s, ALICE, "GET", &format!("/api/media/{m}/guest-links"), None).await;
    assert_eq!(links[0]["has_password"], true);
    assert!(!links.to_string().contains(&token));
    assert_eq!(links[0]["uses"], 0);

    // Wrong password, then the right one; behind TLS the cookie is Secure.
    let (code, _, cookie, _) = guest_open(&s, json!({"token": token, "name": "Cleo", "password": "nope"}), &[]).await;
    assert_eq!((code, cookie), (401, None));
    let (code, _, _, _) = guest_open(&s, json!({"token": "x".repeat(43), "name": "Cleo"}), &[]).await;
    assert_eq!(code, 404);
    let (code, media, cookie, set) = guest_open(
        &s,
        json!({"token": token, "name": "Cleo", "password": "s3cret"}),
        &[("X-Forwarded-Proto", "https")],
    )
    .await;
    assert_eq!(code, 200, "{media}");
    let cookie = cookie.unwrap();
    let set = set.join("; ");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/api/guest", "Secure"] {
        assert!(set.contains(attr), "cookie without {attr}: {set}");
    }
    assert_eq!(media["media"]["id"], m.as_str());
    assert_eq!(media["guest"]["can_comment"], true);
    assert!(media["guest"]["download_url"].is_null());
    let playback = media["media"]["playback_url"].as_str().unwrap().to_string();
    assert!(playback.starts_with(&format!("/api/guest/files/{m}/")), "{playback}");

    // Its routes: the link's media and files; nothing else.
    let (code, again, _) = guest_get(&s, "/api/guest/media", &cookie, &[]).await;
    assert_eq!((code, &again["media"]["id"]), (200, &json!(m)));
    assert_eq!(
        guest_get(&s, &playback, &cookie, &[("Range", "bytes=0-99")]).await.0,
        206
    );
    let (code, _, _) = guest_get(&s, &format!("/api/guest/files/{other}/original.mp4"), &cookie, &[]).await;
    assert_eq!(code, 404);
    // The guest cookie counts for nothing on normal routes.
    for path in [
        "/api/media",
        &format!("/api/media/{m}"),
        &format!("/files/{m}/original.mp4"),
    ] {
        assert_eq!(guest_get(&s, path, &cookie, &[]).await.0, 401, "{path}");
    }
    // And identity headers count for nothing on guest routes.
    let r = client()
        .get(s.url("/api/guest/media"))
        .insert_header(("X-Remote-User-Id", ALICE))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let (code, _) = call(&s, "guest:1", "GET", "/api/media", None).await;
    assert_eq!(code, 400, "an account may not pass for a guest");

    // The realtime protocol, limited to the link's room.
    let mut g = guest_ws(&s, &cookie).await;
    let welcome = g.recv_type("welcome").await;
    assert!(
        welcome["user"]["id"].as_str().unwrap().starts_with("guest:"),
        "{welcome}"
    );
    assert_eq!(welcome["user"]["name"], "Cleo");
    g.send(json!({"type": "join_room", "media_id": other, "since_seq": null}))
        .await;
    assert_eq!(g.recv_type("error").await["code"], "not_found");
    g.send(json!({"type": "list_media"})).await;
    let list = g.recv_type("media_list").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    g.send(json!({"type": "organizer_page", "path": "/"})).await;
    assert_eq!(g.recv_type("error").await["code"], "forbidden");
    let (mut alice, _) = joined(&s, ALICE, &m).await;
    g.send(json!({"type": "join_room", "media_id": m, "since_seq": null}))
        .await;
    assert_eq!(g.recv_type("room_joined").await["access"], "comment");
    let arrow = json!({"shapes": [{"tool": "arrow", "points": [{"x": 0.1, "y": 0.1}, {"x": 0.5, "y": 0.5}],
        "color": "#ff0000", "width": 0.01, "text": null}]});
    g.send(
        json!({"type": "add_comment", "media_id": m, "text": "the logo is too big", "frame": 7,
        "end_frame": null, "parent_id": null, "drawing": arrow, "client_ref": "g1"}),
    )
    .await;
    let ev = loop {
        let ev = alice.recv_type("room_event").await;
        if ev["event"]["kind"] == "comment_added" {
            break ev;
        }
    };
    let c = &ev["event"]["comment"];
    assert_eq!(
        (c["guest"].clone(), c["user_name"].clone(), c["frame"].clone()),
        (json!(true), json!("Cleo"), json!(7))
    );
    let note = alice.recv_type("user_message_added").await;
    assert!(
        note["message"]["text"].as_str().unwrap().contains("Cleo (guest)"),
        "{note}"
    );
    let (_, links) = call(&s, ALICE, "GET", &format!("/api/media/{m}/guest-links"), None).await;
    assert_eq!(links[0]["uses"], 1);
    assert!(links[0]["last_used_at"].is_string());

    // Revoked: the socket closes at once and the cookie opens nothing.
    let id = link["id"].as_i64().unwrap();
    let (code, _) = call(&s, BOB, "DELETE", &format!("/api/media/{m}/guest-links/{id}"), None).await;
    assert_eq!(code, 404, "only its managers revoke a link");
    let (code, _) = call(&s, ALICE, "DELETE", &format!("/api/media/{m}/guest-links/{id}"), None).await;
    assert_eq!(code, 204);
    let closed = g.recv_type("room_closed").await;
    assert!(
        closed["reason"].as_str().unwrap().contains("no longer valid"),
        "{closed}"
    );
    let e = g.recv_type("error").await;
    assert!(e["message"].as_str().unwrap().contains("no longer valid"), "{e}");
    assert!(g.closed_within(10).await.is_some());
    assert_eq!(guest_get(&s, "/api/guest/media", &cookie, &[]).await.0, 401);
    assert_eq!(guest_get(&s, &playback, &cookie, &[]).await.0, 401);
    let (code, _, _, _) = guest_open(&s, json!({"token": token, "name": "Cleo", "password": "s3cret"}), &[]).await;
    assert_eq!(code, 404);
}

#[actix_rt::test]
async fn wrong_passwords_lock_the_link_for_a_while() {
    let s = TestServer::start().await;
    let m = ready_media(&s).await;
    let body = json!({"password": "right", "can_comment": false, "can_download": false});
    let link = new_link(&s, &m, body.clone()).await;
    let token = link["token"].as_str().unwrap();
    let other = new_link(&s, &m, body).await;
    for _ in 0..10 {
        let (code, _, _, _) = guest_open(&s, json!({"token": token, "name": "x", "password": "wrong"}), &[]).await;
        assert_eq!(code, 401);
    }
    let mut r = client()
        .post(s.url("/api/guest/session"))
        .send_json(&json!({"token": token, "name": "x", "password": "right"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429, "{:?}", r.body().await);
    let wait: u64 = r
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 15 * 60);
    // Only that link: another one opens.
    let (code, _, _, _) = guest_open(
        &s,
        json!({"token": other["token"], "name": "x", "password": "right"}),
        &[],
    )
    .await;
    assert_eq!(code, 200);
}

#[actix_rt::test]
async fn downloads_follow_the_link() {
    let s = TestServer::start().await;
    // An original the browser cannot play gets a proxy: the two differ.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.avi");
    crate::common::ffmpeg_make(&f, &["testsrc2=size=320x240:rate=25"], &["-t", "1", "-c:v", "mpeg4"]);
    let (code, v) = s.upload(ALICE, "clip.avi", std::fs::read(&f).unwrap()).await;
    assert_eq!(code, 201, "{v}");
    let m = v["id"].as_str().unwrap().to_string();
    let info = s.wait_done(ALICE, &m, 90).await;
    assert_eq!(info["status"], "ready", "{info}");
    for (can_download, want) in [(false, 403), (true, 200)] {
        let link = new_link(&s, &m, json!({"can_comment": false, "can_download": can_download})).await;
        let (code, media, cookie, _) = guest_open(&s, json!({"token": link["token"], "name": "Dee"}), &[]).await;
        assert_eq!(code, 200, "{media}");
        let cookie = cookie.unwrap();
        let original = format!("/api/guest/files/{m}/original.avi");
        let (code, _, headers) = guest_get(&s, &format!("{original}?download=1"), &cookie, &[]).await;
        assert_eq!(code, want, "can_download {can_download}");
        if can_download {
            let cd = headers.get("content-disposition").unwrap().to_str().unwrap();
            assert!(cd.starts_with("attachment"), "{cd}");
            // The page's download button: the original under its uploaded name.
            let url = format!("/api/guest/media/{m}/download/original");
            assert_eq!(media["guest"]["download_url"], url);
            let (code, _, headers) = guest_get(&s, &url, &cookie, &[]).await;
            assert_eq!(code, 200);
            let cd = headers.get("content-disposition").unwrap().to_str().unwrap();
            assert!(cd.contains("filename=\"clip.avi\""), "{cd}");
        }
        // What the browser plays is always there.
        let playback = media["media"]["playback_url"].as_str().unwrap();
        assert_ne!(playback, original);
        assert_eq!(guest_get(&s, playback, &cookie, &[]).await.0, 200);
        // A view-only guest watches but may not comment or join the live session.
        let mut g = guest_ws(&s, &cookie).await;
        g.recv_type("welcome").await;
        g.send(json!({"type": "join_room", "media_id": m, "since_seq": null}))
            .await;
        assert_eq!(g.recv_type("room_joined").await["access"], "view");
        g.send(json!({"type": "session_join", "media_id": m})).await;
        assert_eq!(g.recv_type("error").await["code"], "forbidden");
    }
}
