//! Version stacks and dailies playlists (docs/versions.md): versions through raw,
//! multipart and tus uploads, comments that stay with their version, access per stack,
//! reorder/remove/split, playlist CRUD and sharing, and a live session run over a playlist.

use crate::common::{client, TestServer, Ws};
use base64::Engine;
use serde_json::{json, Value};

const ALICE: &str = "alice";

/// A media that fails at once (garbage): a stack needs no picture.
async fn quick(s: &TestServer, user: &str, name: &str) -> String {
    let (code, v) = s.upload(user, name, vec![7u8; 64]).await;
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    s.wait_done(user, &id, 30).await;
    id
}

async fn raw_version(s: &TestServer, user: &str, of: &str, name: &str) -> (u16, Value) {
    let mut r = client()
        .post(s.url(&format!("/api/upload?version_of={of}")))
        .insert_header(("X-Remote-User-Id", user))
        .insert_header(("X-File-Name", name))
        .send_body(vec![7u8; 64])
        .await
        .unwrap();
    let b = r.body().await.unwrap();
    (r.status().as_u16(), serde_json::from_slice(&b).unwrap_or(Value::Null))
}

async fn multipart_version(s: &TestServer, user: &str, of: &str) -> (u16, Value) {
    let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v3.mov\"\r\n\
        Content-Type: application/octet-stream\r\n\r\nnot really a movie\r\n--XyZ--\r\n"
        .to_vec();
    let mut r = client()
        .post(s.url(&format!("/api/upload?version_of={of}")))
        .insert_header(("X-Remote-User-Id", user))
        .insert_header(("Content-Type", "multipart/form-data; boundary=XyZ"))
        .send_body(body)
        .await
        .unwrap();
    let b = r.body().await.unwrap();
    (r.status().as_u16(), serde_json::from_slice(&b).unwrap_or(Value::Null))
}

/// A whole tus upload with metadata `version_of`; answers the creation status and the new
/// media's id (from the final PATCH's `Upload-Media-Id`… or the listing).
async fn tus_version(s: &TestServer, user: &str, of: &str) -> u16 {
    let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
    let body = vec![9u8; 100];
    let r = client()
        .post(s.url("/api/tus/"))
        .insert_header(("X-Remote-User-Id", user))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .insert_header(("Upload-Length", body.len().to_string()))
        .insert_header((
            "Upload-Metadata",
            format!("filename {},version_of {}", b64("v4.mov"), b64(of)),
        ))
        .send()
        .await
        .unwrap();
    let code = r.status().as_u16();
    if code != 201 {
        return code;
    }
    let loc = r.headers().get("location").unwrap().to_str().unwrap().to_string();
    let r = client()
        .patch(s.url(&loc))
        .insert_header(("X-Remote-User-Id", user))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .insert_header(("Upload-Offset", "0"))
        .insert_header(("Content-Type", "application/offset+octet-stream"))
        .send_body(body)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    code
}

async fn call(s: &TestServer, method: &str, path: &str, user: &str, body: Option<Value>) -> (u16, Value) {
    let req = client()
        .request(awc::http::Method::from_bytes(method.as_bytes()).unwrap(), s.url(path))
        .insert_header(("X-Remote-User-Id", user));
    let mut r = match body {
        Some(b) => req.send_json(&b).await.unwrap(),
        None => req.send().await.unwrap(),
    };
    let b = r.body().limit(8 << 20).await.unwrap();
    (r.status().as_u16(), serde_json::from_slice(&b).unwrap_or(Value::Null))
}

fn ids_of(stack: &Value) -> Vec<String> {
    stack
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

fn versions_of(stack: &Value) -> Vec<i64> {
    stack
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect()
}

/// Builds v1…v4 through the three upload paths; answers their ids, v1 first.
async fn four_versions(s: &TestServer) -> Vec<String> {
    let v1 = quick(s, ALICE, "shot_v1.mov").await;
    let (code, v) = raw_version(s, ALICE, &v1, "shot_v2.mov").await;
    assert_eq!(code, 201, "{v}");
    let (code, v) = multipart_version(s, ALICE, &v1).await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(tus_version(s, ALICE, &v1).await, 201);
    let (code, stack) = call(s, "GET", &format!("/api/media/{v1}/stack"), ALICE, None).await;
    assert_eq!(code, 200, "{stack}");
    ids_of(&stack)
}

#[actix_rt::test]
async fn versions_come_through_raw_multipart_and_tus_uploads_and_the_library_shows_the_newest() {
    let s = TestServer::start().await;
    let ids = four_versions(&s).await;
    assert_eq!(ids.len(), 4, "{ids:?}");
    for id in &ids {
        s.wait_done(ALICE, id, 30).await;
    }
    let (_, m) = s.get(&format!("/api/media/{}", ids[1]), Some(ALICE)).await;
    assert_eq!(m["version"], 2);
    assert_eq!(versions_of(&m["stack"]), vec![1, 2, 3, 4]);
    assert_eq!(ids_of(&m["stack"]), ids);
    // One card per stack: the newest, with its stack.
    let other = quick(&s, ALICE, "other.mov").await;
    let (_, list) = s.get("/api/media", Some(ALICE)).await;
    let listed: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(
        listed.contains(&ids[3].as_str()) && listed.contains(&other.as_str()),
        "{listed:?}"
    );
    assert_eq!(listed.len(), 2, "{listed:?}");
    let card = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == ids[3].as_str())
        .unwrap();
    assert_eq!(card["version"], 4);
    assert_eq!(card["stack"].as_array().unwrap().len(), 4);

    // Who may not manage the target cannot add a version, before a byte is stored.
    let (code, _) = raw_version(&s, "bob", &ids[0], "sneaky.mov").await;
    assert_eq!(code, 404);
    let (code, _) = call(
        &s,
        "PUT",
        &format!("/api/media/{}/sharing", ids[0]),
        ALICE,
        Some(json!({"link_access": "off", "users": [{"user_id": "bob", "role": "commenter"}]})),
    )
    .await;
    assert_eq!(code, 200);
    let (code, v) = raw_version(&s, "bob", &ids[0], "sneaky.mov").await;
    assert_eq!(code, 403, "{v}");
    assert!(v["message"].as_str().unwrap_or_default().contains("owner"), "{v}");
    assert_eq!(tus_version(&s, "bob", &ids[0]).await, 403);
    let (code, _) = raw_version(&s, ALICE, "nosuchmedia", "x.mov").await;
    assert_eq!(code, 404);
    let (_, stack) = call(&s, "GET", &format!("/api/media/{}/stack", ids[0]), ALICE, None).await;
    assert_eq!(stack.as_array().unwrap().len(), 4);
}

async fn joined(s: &TestServer, user: &str, m: &str) -> (Ws, Value) {
    let mut ws = s.ws(Some(user)).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "join_room", "media_id": m, "since_seq": null}))
        .await;
    let j = ws.recv_type("room_joined").await;
    (ws, j)
}

async fn comment(ws: &mut Ws, m: &str, text: &str, frame: i64) {
    ws.send(
        json!({"type": "add_comment", "media_id": m, "text": text, "frame": frame,
        "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
    )
    .await;
    let e = ws.recv_type("room_event").await;
    assert_eq!(e["event"]["comment"]["text"], text, "{e}");
}

#[actix_rt::test]
async fn comments_stay_with_their_version_and_all_versions_lists_them_with_their_number() {
    let s = TestServer::start().await;
    let v1 = quick(&s, ALICE, "a_v1.mov").await;
    let (_, v) = raw_version(&s, ALICE, &v1, "a_v2.mov").await;
    let v2 = v["id"].as_str().unwrap().to_string();
    s.wait_done(ALICE, &v2, 30).await;
    let (mut ws, j) = joined(&s, ALICE, &v1).await;
    assert_eq!(j["media"]["stack"].as_array().unwrap().len(), 2, "{j}");
    comment(&mut ws, &v1, "fix the sky", 3).await;
    let (mut ws2, _) = joined(&s, ALICE, &v2).await;
    comment(&mut ws2, &v2, "sky fixed, grade is off", 5).await;

    let (_, j2) = joined(&s, ALICE, &v2).await;
    let texts: Vec<&str> = j2["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, vec!["sky fixed, grade is off"]);
    let (code, all) = call(&s, "GET", &format!("/api/media/{v2}/stack/comments"), ALICE, None).await;
    assert_eq!(code, 200, "{all}");
    let got: Vec<(i64, &str)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["version"].as_i64().unwrap(), c["comment"]["text"].as_str().unwrap()))
        .collect();
    assert_eq!(got, vec![(1, "fix the sky"), (2, "sky fixed, grade is off")]);
    // Someone who may not view the stack sees none of it.
    let (code, _) = call(&s, "GET", &format!("/api/media/{v2}/stack/comments"), "mallory", None).await;
    assert_eq!(code, 404);
}

#[actix_rt::test]
async fn sharing_guest_links_and_status_apply_to_the_whole_stack() {
    let s = TestServer::start().await;
    let v1 = quick(&s, ALICE, "b_v1.mov").await;
    let (code, _) = call(
        &s,
        "PUT",
        &format!("/api/media/{v1}/sharing"),
        ALICE,
        Some(json!({"link_access": "off", "users": [{"user_id": "bob", "role": "viewer"}]})),
    )
    .await;
    assert_eq!(code, 200);
    let (code, link) = call(
        &s,
        "POST",
        &format!("/api/media/{v1}/guest-links"),
        ALICE,
        Some(json!({"can_comment": true, "can_download": false})),
    )
    .await;
    assert_eq!(code, 201, "{link}");
    let (code, _) = call(
        &s,
        "PUT",
        &format!("/api/media/{v1}/status"),
        ALICE,
        Some(json!({"status": "approved"})),
    )
    .await;
    assert_eq!(code, 200);

    // Bob has signed in (only users who have get bell messages).
    let mut bws = s.ws(Some("bob")).await;
    bws.recv_type("welcome").await;
    // A version added later: bob sees it, as one card in "Shared with me".
    let (_, v) = raw_version(&s, ALICE, &v1, "b_v2.mov").await;
    let v2 = v["id"].as_str().unwrap().to_string();
    let (code, m2) = s.get(&format!("/api/media/{v2}"), Some("bob")).await;
    assert_eq!(code, 200, "{m2}");
    // Bob, who sees the stack, is told of the new version (stored with the upload).
    bws.send(json!({"type": "list_messages"})).await;
    let msgs = bws.recv_type("user_messages").await;
    let kinds: Vec<&str> = msgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"new_version"), "{msgs}");
    // A new version needs review again, for the whole stack, recorded in its history.
    assert_eq!(m2["review_status"], "needs_review");
    let (_, st) = s.get(&format!("/api/media/{v1}/status"), Some(ALICE)).await;
    assert_eq!(st["status"], "needs_review");
    assert_eq!(st["history"][0]["status"], "needs_review", "{st}");
    assert_eq!(st["history"][1]["status"], "approved", "{st}");
    let (_, shared) = s.get("/api/media?shared=1", Some("bob")).await;
    let cards: Vec<&str> = shared
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(cards, vec![v2.as_str()]);
    // Status set on v2 is the stack's: v1 shows it.
    call(
        &s,
        "PUT",
        &format!("/api/media/{v2}/status"),
        ALICE,
        Some(json!({"status": "in_progress"})),
    )
    .await;
    let (_, m1) = s.get(&format!("/api/media/{v1}"), Some(ALICE)).await;
    assert_eq!(m1["review_status"], "in_progress");
    // Sharing read through any version is the stack's.
    let (_, sh) = call(&s, "GET", &format!("/api/media/{v2}/sharing"), ALICE, None).await;
    assert_eq!(sh["users"][0]["user_id"], "bob", "{sh}");

    // The guest link of v1 opens the stack and lands on the newest version.
    let mut r = client()
        .post(s.url("/api/guest/session"))
        .send_json(&json!({"token": link["token"], "name": "Gail"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let g: Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
    assert_eq!(g["media"]["id"], v2.as_str(), "{g}");
    let cookie = r
        .cookies()
        .unwrap()
        .iter()
        .find(|c| c.name() == "dailies_guest")
        .unwrap()
        .value()
        .to_string();
    // The guest may join every version's room, and nothing outside the stack.
    let other = quick(&s, ALICE, "unrelated.mov").await;
    let url = format!("{}/api/guest/ws", s.base.replacen("http", "ws", 1));
    let (_, framed) = client()
        .ws(url)
        .header("Cookie", format!("dailies_guest={cookie}"))
        .connect()
        .await
        .unwrap();
    let mut gws = Ws { framed };
    gws.recv_type("welcome").await;
    for id in [&v1, &v2] {
        gws.send(json!({"type": "join_room", "media_id": id, "since_seq": null}))
            .await;
        let j = gws.recv_type("room_joined").await;
        assert_eq!(j["media"]["id"], id.as_str());
    }
    gws.send(json!({"type": "join_room", "media_id": other, "since_seq": null}))
        .await;
    let e = gws.recv_type("error").await;
    assert_eq!(e["code"], "not_found", "{e}");
    // A version's own URLs are fetched through the guest route.
    let (code, _) = {
        let r = client()
            .get(s.url(&format!("/api/guest/files/{other}/original.mov")))
            .insert_header(("Cookie", format!("dailies_guest={cookie}")))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert_eq!(code, 404);
}

#[actix_rt::test]
async fn a_stack_is_reordered_loses_a_version_and_splits_one_out_keeping_its_sharing() {
    let s = TestServer::start().await;
    let ids = four_versions(&s).await;
    let (v1, v2, v3, v4) = (&ids[0], &ids[1], &ids[2], &ids[3]);
    call(
        &s,
        "PUT",
        &format!("/api/media/{v1}/sharing"),
        ALICE,
        Some(json!({"link_access": "off", "users": [{"user_id": "bob", "role": "viewer"}]})),
    )
    .await;
    // Reorder: every version once, or refused.
    let (code, e) = call(
        &s,
        "PUT",
        &format!("/api/media/{v1}/stack"),
        ALICE,
        Some(json!({"order": [v1, v2]})),
    )
    .await;
    assert_eq!(code, 400, "{e}");
    let (code, e) = call(
        &s,
        "PUT",
        &format!("/api/media/{v1}/stack"),
        "bob",
        Some(json!({"order": [v4, v3, v2, v1]})),
    )
    .await;
    assert_eq!(code, 403, "{e}");
    let (code, st) = call(
        &s,
        "PUT",
        &format!("/api/media/{v3}/stack"),
        ALICE,
        Some(json!({"order": [v2, v1, v4, v3]})),
    )
    .await;
    assert_eq!(code, 200, "{st}");
    assert_eq!(ids_of(&st), vec![v2.clone(), v1.clone(), v4.clone(), v3.clone()]);
    assert_eq!(versions_of(&st), vec![1, 2, 3, 4]);
    let (_, list) = s.get("/api/media", Some(ALICE)).await;
    assert_eq!(list[0]["id"], v3.as_str(), "the newest is the last in order");

    // Removing the root (v1, now second) keeps the stack and bob's share.
    let (code, _) = call(&s, "DELETE", &format!("/api/media/{v1}"), ALICE, None).await;
    assert_eq!(code, 204);
    let (code, st) = call(&s, "GET", &format!("/api/media/{v2}/stack"), "bob", None).await;
    assert_eq!(code, 200, "bob still sees the stack: {st}");
    assert_eq!(ids_of(&st), vec![v2.clone(), v4.clone(), v3.clone()]);
    assert_eq!(versions_of(&st), vec![1, 2, 3]);
    let (_, sh) = call(&s, "GET", &format!("/api/media/{v4}/sharing"), ALICE, None).await;
    assert_eq!(sh["users"][0]["user_id"], "bob", "{sh}");

    // Split v4 out: a media of its own, v1 of nothing else, still shared with bob.
    let (code, m) = call(&s, "POST", &format!("/api/media/{v4}/split"), ALICE, None).await;
    assert_eq!(code, 200, "{m}");
    assert_eq!(m["version"], 1);
    assert_eq!(ids_of(&m["stack"]), vec![v4.clone()]);
    let (code, _) = s.get(&format!("/api/media/{v4}"), Some("bob")).await;
    assert_eq!(code, 200);
    let (_, st) = call(&s, "GET", &format!("/api/media/{v3}/stack"), ALICE, None).await;
    assert_eq!(ids_of(&st), vec![v2.clone(), v3.clone()]);
    assert_eq!(versions_of(&st), vec![1, 2]);
    // The root splits out too: the rest is kept under a new root, shares and all.
    let (code, _) = call(&s, "POST", &format!("/api/media/{v2}/split"), ALICE, None).await;
    assert_eq!(code, 200);
    let (_, st) = call(&s, "GET", &format!("/api/media/{v3}/stack"), "bob", None).await;
    assert_eq!(ids_of(&st), vec![v3.clone()]);
    let (code, e) = call(&s, "POST", &format!("/api/media/{v3}/split"), ALICE, None).await;
    assert_eq!(code, 400, "nothing to split from: {e}");
    let (_, list) = s.get("/api/media", Some(ALICE)).await;
    assert_eq!(list.as_array().unwrap().len(), 3, "three media now: {list}");
}

#[actix_rt::test]
async fn playlists_are_made_edited_shared_and_open_the_items_their_owner_manages() {
    let s = TestServer::start().await;
    let a = quick(&s, ALICE, "sh010.mov").await;
    let b = quick(&s, ALICE, "sh020.mov").await;
    // Carol's shot, which alice may only view.
    let c = quick(&s, "carol", "sh030.mov").await;
    call(
        &s,
        "PUT",
        &format!("/api/media/{c}/sharing"),
        "carol",
        Some(json!({"link_access": "off", "users": [{"user_id": ALICE, "role": "viewer"}]})),
    )
    .await;
    let secret = quick(&s, "carol", "secret.mov").await;
    let (code, e) = call(
        &s,
        "POST",
        "/api/playlists",
        ALICE,
        Some(json!({"title": "Dailies", "items": [a, secret]})),
    )
    .await;
    assert_eq!(code, 400, "an item alice may not view is refused: {e}");
    let (code, e) = call(
        &s,
        "POST",
        "/api/playlists",
        ALICE,
        Some(json!({"title": "  ", "items": [a]})),
    )
    .await;
    assert_eq!(code, 400, "{e}");
    let (code, p) = call(
        &s,
        "POST",
        "/api/playlists",
        ALICE,
        Some(json!({"title": "Dailies 12/02", "items": [a, b, c]})),
    )
    .await;
    assert_eq!(code, 201, "{p}");
    let pid = p["id"].as_str().unwrap().to_string();
    let shared: Vec<bool> = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["shared"].as_bool().unwrap())
        .collect();
    assert_eq!(shared, vec![true, true, false]);
    assert_eq!(p["access"], "manage");

    // Bob: nothing until it is shared; then the playlist and the items alice manages.
    let (code, _) = call(&s, "GET", &format!("/api/playlists/{pid}"), "bob", None).await;
    assert_eq!(code, 404);
    let (code, _) = s.get(&format!("/api/media/{a}"), Some("bob")).await;
    assert_eq!(code, 404);
    let (code, sh) = call(
        &s,
        "PUT",
        &format!("/api/playlists/{pid}/sharing"),
        ALICE,
        Some(json!({"link_access": "off", "users": [{"user_id": "bob", "role": "commenter"}]})),
    )
    .await;
    assert_eq!(code, 200, "{sh}");
    let (code, pb) = call(&s, "GET", &format!("/api/playlists/{pid}"), "bob", None).await;
    assert_eq!(code, 200, "{pb}");
    assert_eq!(pb["access"], "comment");
    let media: Vec<bool> = pb["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| !i["media"].is_null())
        .collect();
    assert_eq!(media, vec![true, true, false], "carol's shot is not alice's to share");
    let (code, _) = s.get(&format!("/api/media/{a}"), Some("bob")).await;
    assert_eq!(code, 200);
    let (code, _) = s.get(&format!("/api/media/{c}"), Some("bob")).await;
    assert_eq!(code, 404);
    let (_, lists) = call(&s, "GET", "/api/playlists", "bob", None).await;
    assert_eq!(lists[0]["id"], pid.as_str());
    assert_eq!(lists[0]["item_count"], 3);
    // Open comments are counted per item.
    let (mut ws, _) = joined(&s, "bob", &a).await;
    comment(&mut ws, &a, "too dark", 2).await;
    let (_, pb) = call(&s, "GET", &format!("/api/playlists/{pid}"), "bob", None).await;
    assert_eq!(pb["items"][0]["open_comments"], 1);
    assert_eq!(pb["items"][0]["review_status"], "needs_review");

    // Only its managers edit it: reorder and remove in one replace.
    let (code, _) = call(
        &s,
        "PUT",
        &format!("/api/playlists/{pid}"),
        "bob",
        Some(json!({"title": "mine", "items": []})),
    )
    .await;
    assert_eq!(code, 403);
    let (code, p2) = call(
        &s,
        "PUT",
        &format!("/api/playlists/{pid}"),
        ALICE,
        Some(json!({"title": "Dailies (late)", "items": [c, a]})),
    )
    .await;
    assert_eq!(code, 200, "{p2}");
    let order: Vec<&str> = p2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["media_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, vec![c.as_str(), a.as_str()]);
    assert_eq!(p2["title"], "Dailies (late)");
    let (code, _) = s.get(&format!("/api/media/{b}"), Some("bob")).await;
    assert_eq!(code, 404, "b left the playlist, and bob's view of it");
    // Unsharing closes the items again; deleting is the owner's.
    call(
        &s,
        "PUT",
        &format!("/api/playlists/{pid}/sharing"),
        ALICE,
        Some(json!({"link_access": "off", "users": []})),
    )
    .await;
    let (code, _) = s.get(&format!("/api/media/{a}"), Some("bob")).await;
    assert_eq!(code, 404);
    let (code, _) = call(&s, "DELETE", &format!("/api/playlists/{pid}"), "bob", None).await;
    assert_eq!(code, 404);
    let (code, _) = call(&s, "DELETE", &format!("/api/playlists/{pid}"), ALICE, None).await;
    assert_eq!(code, 204);
    let (code, _) = call(&s, "GET", &format!("/api/playlists/{pid}"), ALICE, None).await;
    assert_eq!(code, 404);
}

/// A member in `m`'s room and its live session.
async fn in_session(s: &TestServer, user: &str, m: &str) -> (Ws, u64) {
    let (mut ws, j) = joined(s, user, m).await;
    ws.send(json!({"type": "session_join", "media_id": m})).await;
    ws.recv_type("collab").await;
    (ws, j["session_id"].as_u64().unwrap())
}

/// Follows a `session_moved`: joins the new room and its session; answers the collab state
/// found there.
async fn follow(ws: &mut Ws) -> (String, Value) {
    let moved = ws.recv_type("session_moved").await;
    let to = moved["to"].as_str().unwrap().to_string();
    ws.send(json!({"type": "leave_room", "media_id": moved["media_id"]}))
        .await;
    ws.send(json!({"type": "join_room", "media_id": to, "since_seq": null}))
        .await;
    let j = ws.recv_type("room_joined").await;
    ws.send(json!({"type": "session_join", "media_id": to})).await;
    (to, j["collab"].clone())
}

#[actix_rt::test]
async fn a_live_session_runs_over_a_playlist_and_a_late_joiner_lands_on_the_current_item() {
    let s = TestServer::start().await;
    let items = [
        s.commentable_media(ALICE).await,
        s.commentable_media(ALICE).await,
        s.commentable_media(ALICE).await,
    ];
    let (_, p) = call(
        &s,
        "POST",
        "/api/playlists",
        ALICE,
        Some(json!({"title": "Walkthrough", "items": items})),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    let team = json!({"link_access": "off", "users": [
        {"user_id": "ben", "role": "commenter"}, {"user_id": "cat", "role": "commenter"}]});
    let (code, _) = call(&s, "PUT", &format!("/api/playlists/{pid}/sharing"), ALICE, Some(team)).await;
    assert_eq!(code, 200);
    let (mut lead, lead_sid) = in_session(&s, ALICE, &items[0]).await;
    let (mut ben, _) = in_session(&s, "ben", &items[0]).await;
    let (mut cat, _) = in_session(&s, "cat", &items[0]).await;
    // Starting on the first item: the state gains the playlist.
    let goto = |m: &str, i: i64| json!({"type": "session_control", "media_id": m, "control": {"action": "goto", "playlist_id": pid, "index": i}});
    lead.send(goto(&items[0], 0)).await;
    let st = loop {
        let c = ben.recv_type("collab").await;
        if !c["state"]["playlist"].is_null() {
            break c["state"].clone();
        }
    };
    assert_eq!(st["playlist"]["index"], 0);
    assert_eq!(st["leader"], lead_sid);
    lead.send(json!({"type": "session_control", "media_id": items[0], "control": {"action": "seek", "frame": 9}}))
        .await;
    // Next item: everyone is told, and finds the session running there with the leader.
    lead.send(goto(&items[0], 1)).await;
    let (to_lead, _) = follow(&mut lead).await;
    let (to_ben, st_ben) = follow(&mut ben).await;
    let (to_cat, st_cat) = follow(&mut cat).await;
    assert_eq!([&to_lead, &to_ben, &to_cat], [&items[1], &items[1], &items[1]]);
    for st in [&st_ben, &st_cat] {
        assert_eq!(st["active"], true, "{st}");
        assert_eq!(st["leader"], lead_sid, "{st}");
        assert_eq!(st["frame"], 0, "{st}");
        assert_eq!(st["playlist"]["index"], 1, "{st}");
    }
    lead.recv_type("collab").await;
    lead.send(json!({"type": "session_control", "media_id": items[1], "control": {"action": "pause", "frame": 4}}))
        .await;
    let st = loop {
        let c = cat.recv_type("collab").await;
        if c["media_id"] == items[1].as_str() && c["state"]["frame"] == 4 {
            break c["state"].clone();
        }
    };
    assert_eq!(st["playing"], false);

    // A late joiner reads where the session is from the playlist and lands on its frame.
    let (_, pl) = call(&s, "GET", &format!("/api/playlists/{pid}"), ALICE, None).await;
    assert_eq!(pl["live"]["media_id"], items[1].as_str(), "{pl}");
    assert_eq!(pl["live"]["index"], 1);
    let (_, j) = joined(&s, ALICE, &items[1]).await;
    assert_eq!(j["collab"]["frame"], 4, "{j}");
    assert_eq!(j["collab"]["playlist"]["index"], 1);

    // Only the leader moves a locked session; a bad index is refused with a reason.
    lead.send(json!({"type": "session_control", "media_id": items[1], "control": {"action": "lock", "locked": true}}))
        .await;
    loop {
        if ben.recv_type("collab").await["state"]["locked"] == true {
            break;
        }
    }
    ben.send(goto(&items[1], 2)).await;
    let e = ben.recv_type("error").await;
    assert_eq!(e["code"], "forbidden", "{e}");
    lead.send(goto(&items[1], 7)).await;
    let e = lead.recv_type("error").await;
    assert!(e["message"].as_str().unwrap().contains("no item 7"), "{e}");
}

#[actix_rt::test]
async fn a_playlist_guest_link_opens_the_items_its_sharing_opens_and_nothing_else() {
    let s = TestServer::start().await;
    let a = quick(&s, ALICE, "sh010.mov").await;
    let c = quick(&s, "carol", "sh030.mov").await;
    call(
        &s,
        "PUT",
        &format!("/api/media/{c}/sharing"),
        "carol",
        Some(json!({"link_access": "off", "users": [{"user_id": ALICE, "role": "viewer"}]})),
    )
    .await;
    let (_, p) = call(
        &s,
        "POST",
        "/api/playlists",
        ALICE,
        Some(json!({"title": "Client review", "items": [a, c]})),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    let (code, _) = call(
        &s,
        "POST",
        &format!("/api/playlists/{pid}/guest-links"),
        "bob",
        Some(json!({"can_comment": true, "can_download": false})),
    )
    .await;
    assert_eq!(code, 404, "only its managers make links");
    let (code, link) = call(
        &s,
        "POST",
        &format!("/api/playlists/{pid}/guest-links"),
        ALICE,
        Some(json!({"label": "client", "can_comment": true, "can_download": false})),
    )
    .await;
    assert_eq!(code, 201, "{link}");
    let (_, links) = call(&s, "GET", &format!("/api/playlists/{pid}/guest-links"), ALICE, None).await;
    assert_eq!(links[0]["label"], "client");
    assert!(links[0].get("token").is_none(), "never the token again");

    let mut r = client()
        .post(s.url("/api/guest/session"))
        .send_json(&json!({"token": link["token"], "name": "Client"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let g: Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
    assert_eq!(g["media"]["id"], a.as_str(), "{g}");
    assert_eq!(g["playlist"]["title"], "Client review");
    assert_eq!(g["playlist"]["items"][0]["media"]["id"], a.as_str());
    assert!(
        g["playlist"]["items"][1]["media"].is_null(),
        "carol's shot is not alice's to open: {g}"
    );
    let cookie = r
        .cookies()
        .unwrap()
        .iter()
        .find(|c| c.name() == "dailies_guest")
        .unwrap()
        .value()
        .to_string();
    let url = format!("{}/api/guest/ws", s.base.replacen("http", "ws", 1));
    let (_, framed) = client()
        .ws(url)
        .header("Cookie", format!("dailies_guest={cookie}"))
        .connect()
        .await
        .unwrap();
    let mut gws = Ws { framed };
    gws.recv_type("welcome").await;
    gws.send(json!({"type": "join_room", "media_id": a, "since_seq": null}))
        .await;
    assert_eq!(gws.recv_type("room_joined").await["access"], "comment");
    comment(&mut gws, &a, "love it", 1).await;
    gws.send(json!({"type": "join_room", "media_id": c, "since_seq": null}))
        .await;
    assert_eq!(gws.recv_type("error").await["code"], "not_found");
    let r = client()
        .get(s.url(&format!("/api/guest/files/{c}/original.mov")))
        .insert_header(("Cookie", format!("dailies_guest={cookie}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // Revoked: the guest's socket closes and the link opens nothing.
    let (code, _) = call(
        &s,
        "DELETE",
        &format!("/api/playlists/{pid}/guest-links/{}", link["id"]),
        ALICE,
        None,
    )
    .await;
    assert_eq!(code, 204);
    assert!(gws.closed_within(10).await.is_some());
    let r = client()
        .get(s.url("/api/guest/media"))
        .insert_header(("Cookie", format!("dailies_guest={cookie}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[actix_rt::test]
async fn guest_sessions_of_a_database_before_playlist_links_keep_working() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    use diesel_migrations::MigrationHarness;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dailies.sqlite");
    let secret = "an-old-guest-cookie-secret";
    {
        let mut c = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        c.batch_execute("PRAGMA foreign_keys = ON;").unwrap();
        while !c.pending_migrations(dailies_server::db::MIGRATIONS).unwrap()[0]
            .name()
            .to_string()
            .contains("playlist_guest_links")
        {
            c.run_next_migration(dailies_server::db::MIGRATIONS).unwrap();
        }
        c.batch_execute(&format!(
            "INSERT INTO users (id, name) VALUES ('alice', 'Alice');
             INSERT INTO media (id, owner_id, title, orig_filename, status) VALUES ('old1', 'alice', 'Old', 'old.mov', 'failed');
             INSERT INTO guest_links (id, media_id, token_hash, can_comment, can_download, created_by, created_at)
                 VALUES (7, 'old1', 'x', 1, 0, 'alice', '2026-12-01 10:00:00');
             INSERT INTO guest_sessions (id, link_id, token_hash, name, created_at)
                 VALUES (3, 7, '{}', 'Gus', '2026-12-01 10:05:00');",
            {
                use sha2::Digest;
                let d = sha2::Sha256::digest(secret.as_bytes());
                d.iter().map(|b| format!("{b:02x}")).collect::<String>()
            }
        ))
        .unwrap();
    }
    // An SQLite migration is the point here, whichever database the suite runs on.
    let s = TestServer::start_in(dir, |c| c.database_url = None).await;
    let mut r = client()
        .get(s.url("/api/guest/media"))
        .insert_header(("Cookie", format!("dailies_guest={secret}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let g: Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
    assert_eq!(g["media"]["id"], "old1");
    assert_eq!(g["guest"]["name"], "Gus");
    // A link names one thing: both or neither is refused by the table.
    let bad = s.state().db.run_blocking(|c| {
        use diesel::RunQueryDsl;
        diesel::sql_query(
            "INSERT INTO guest_links (media_id, token_hash, can_comment, can_download, created_by, created_at) \
             VALUES (NULL, 'y', 1, 0, 'alice', '2026-12-01 10:00:00')",
        )
        .execute(c)
        .map_err(dailies_server::error::AppError::from)
    });
    assert!(bad.is_err());
}

#[actix_rt::test]
async fn a_follower_still_arriving_is_in_the_session_when_the_leader_moves_on_at_once() {
    let s = TestServer::start().await;
    let items = [
        s.commentable_media(ALICE).await,
        s.commentable_media(ALICE).await,
        s.commentable_media(ALICE).await,
    ];
    let (_, p) = call(
        &s,
        "POST",
        "/api/playlists",
        ALICE,
        Some(json!({"title": "Quick", "items": items})),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    call(
        &s,
        "PUT",
        &format!("/api/playlists/{pid}/sharing"),
        ALICE,
        Some(json!({"link_access": "comment", "users": []})),
    )
    .await;
    let goto = |m: &str, i: i64| json!({"type": "session_control", "media_id": m, "control": {"action": "goto", "playlist_id": pid, "index": i}});
    let (mut lead, _) = in_session(&s, ALICE, &items[0]).await;
    let (mut ben, _) = in_session(&s, "ben", &items[0]).await;
    lead.send(goto(&items[0], 1)).await;
    follow(&mut lead).await;
    // Ben joins the next room but has not sent session_join yet when the leader moves on.
    let moved = ben.recv_type("session_moved").await;
    ben.send(json!({"type": "join_room", "media_id": moved["to"], "since_seq": null}))
        .await;
    let j = ben.recv_type("room_joined").await;
    assert_eq!(j["media"]["id"], items[1].as_str());
    lead.send(goto(&items[1], 2)).await;
    let moved = ben.recv_type("session_moved").await;
    assert_eq!(moved["to"], items[2].as_str(), "ben is taken along: {moved}");
}

#[actix_rt::test]
async fn a_live_session_compares_only_with_media_its_leader_may_view() {
    let s = TestServer::start().await;
    let m = s.commentable_media(ALICE).await;
    let other = s.commentable_media(ALICE).await;
    let private = quick(&s, "carol", "private.mov").await;
    let (mut lead, _) = in_session(&s, "ben", &m).await;
    let (mut follower, _) = in_session(&s, "cat", &m).await;
    let compare = |o: &str, wipe: f64| {
        json!({"type": "session_control", "media_id": m, "control": {"action": "compare",
            "view": {"other": o, "mode": "wipe", "wipe": wipe, "opacity": 1.0, "audio": "this"}}})
    };
    lead.send(compare(&private, 0.5)).await;
    assert_eq!(lead.recv_type("error").await["code"], "not_found");
    lead.send(compare(&other, 1.5)).await;
    assert_eq!(lead.recv_type("error").await["code"], "bad_message");
    lead.send(compare(&other, 0.25)).await;
    let st = loop {
        let c = follower.recv_type("collab").await;
        if !c["state"]["compare"].is_null() {
            break c["state"].clone();
        }
    };
    assert_eq!(st["compare"]["other"], other.as_str());
    assert_eq!(st["compare"]["mode"], "wipe");
    assert_eq!(st["compare"]["wipe"], 0.25);
    lead.send(json!({"type": "session_control", "media_id": m, "control": {"action": "compare", "view": null}}))
        .await;
    loop {
        if follower.recv_type("collab").await["state"]["compare"].is_null() {
            break;
        }
    }
}
