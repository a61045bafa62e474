//! The authorization matrix: every HTTP route and every websocket message, tried as the
//! owner, another user, an admin and someone without identity. The route table and the
//! message rules live here, in one place; a route found in the server's source or a message
//! type in `ClientMsg::TYPES` without a rule fails the test.

use crate::common::{client, TestServer, Ws};
use awc::http::Method;
use dailies_protocol::ClientMsg;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

const OWNER: &str = "alice";
const OTHER: &str = "bob";
const ADMIN: &str = "admin";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Actor {
    Owner,
    Other,
    Admin,
    Nobody,
}

const ACTORS: [Actor; 4] = [Actor::Owner, Actor::Other, Actor::Admin, Actor::Nobody];

impl Actor {
    fn user(self) -> Option<&'static str> {
        match self {
            Actor::Owner => Some(OWNER),
            Actor::Other => Some(OTHER),
            Actor::Admin => Some(ADMIN),
            Actor::Nobody => None,
        }
    }
}

/// Every HTTP route: method, path (`{media}` a media of the owner, `{upload}` a tus upload
/// the owner started, `{file}` a file of the media, `{user}` the owner's id) and the status
/// for owner, other, admin, nobody. `/api/tus` OPTIONS is capability discovery and needs no
/// identity; a resumable upload in progress belongs to its uploader alone on the tus routes,
/// admins included: admins see and cancel it through `/api/admin/uploads` only.
const ROUTES: &[(&str, &str, [u16; 4])] = &[
    ("GET", "/api/health", [200, 200, 200, 200]),
    ("GET", "/api/media", [200, 200, 200, 401]),
    ("GET", "/api/media/{media}", [200, 404, 200, 401]),
    ("PATCH", "/api/media/{media}", [200, 404, 200, 401]),
    ("DELETE", "/api/media/{media}", [204, 404, 204, 401]),
    ("POST", "/api/upload", [201, 201, 201, 401]),
    ("OPTIONS", "/api/tus", [204, 204, 204, 204]),
    ("OPTIONS", "/api/tus/", [204, 204, 204, 204]),
    ("POST", "/api/tus", [201, 201, 201, 401]),
    ("POST", "/api/tus/", [201, 201, 201, 401]),
    ("HEAD", "/api/tus/{upload}", [200, 404, 404, 401]),
    ("PATCH", "/api/tus/{upload}", [204, 404, 404, 401]),
    ("DELETE", "/api/tus/{upload}", [204, 404, 404, 401]),
    ("GET", "/files/{media}/{file}", [200, 404, 200, 401]),
    ("HEAD", "/files/{media}/{file}", [200, 404, 200, 401]),
    ("GET", "/api/ws", [101, 101, 101, 401]),
    ("GET", "/api/quota", [200, 200, 200, 401]),
    ("GET", "/api/admin/uploads", [403, 403, 200, 401]),
    ("DELETE", "/api/admin/uploads/{upload}", [403, 403, 204, 401]),
    ("GET", "/api/admin/users/{user}/quota", [403, 403, 200, 401]),
    ("PUT", "/api/admin/users/{user}/quota", [403, 403, 200, 401]),
];

/// What a websocket message must get from the server.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// No error; when given, a message of this type arrives.
    Allow(Option<&'static str>),
    /// An error answering this request; nothing changes (checked after the matrix).
    Deny,
}

/// What must be set up before the message is tried.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Prep {
    Nothing,
    /// Try to join the media's room.
    Room,
    /// Try to join the room and its collaborative session.
    Session,
}

/// The rule of each websocket message for the owner (and, the same, an admin) and for
/// another user. Nobody cannot open the websocket at all (401), which is checked per type.
fn rule(ty: &str) -> Option<(Prep, Expect, Expect)> {
    use Expect::*;
    Some(match ty {
        "ping" => (Prep::Nothing, Allow(Some("pong")), Allow(Some("pong"))),
        "list_media" => (Prep::Nothing, Allow(Some("media_list")), Allow(Some("media_list"))),
        "rename_media" => (Prep::Nothing, Allow(Some("media_updated")), Deny),
        "delete_media" => (Prep::Nothing, Allow(Some("media_removed")), Deny),
        "join_room" => (Prep::Nothing, Allow(Some("room_joined")), Deny),
        "leave_room" => (Prep::Room, Allow(None), Allow(None)),
        "add_comment" => (Prep::Room, Allow(Some("room_event")), Deny),
        "edit_comment" => (Prep::Room, Allow(Some("room_event")), Deny),
        "delete_comment" => (Prep::Room, Allow(Some("room_event")), Deny),
        "session_join" => (Prep::Room, Allow(Some("collab")), Deny),
        "session_leave" => (Prep::Session, Allow(Some("collab")), Deny),
        "session_control" => (Prep::Session, Allow(Some("collab")), Deny),
        "live_stroke" => (Prep::Session, Allow(None), Deny),
        "live_clear" => (Prep::Session, Allow(None), Deny),
        "list_messages" => (
            Prep::Nothing,
            Allow(Some("user_messages")),
            Allow(Some("user_messages")),
        ),
        "mark_messages_seen" => (
            Prep::Nothing,
            Allow(Some("messages_seen")),
            Allow(Some("messages_seen")),
        ),
        // Without a plugin the page is the caller's own flat library (checked after the
        // matrix) and there is no command to run, for anyone.
        "organizer_page" => (
            Prep::Nothing,
            Allow(Some("organizer_page_view")),
            Allow(Some("organizer_page_view")),
        ),
        "organizer_command" => (Prep::Nothing, Deny, Deny),
        _ => return None,
    })
}

/// Objects the messages point at.
struct Targets {
    media: String,
    /// A comment of the owner's on `media`.
    comment: i64,
    /// Per case, fresh objects for destructive messages.
    fresh_media: String,
    fresh_comment: i64,
    /// A user message of the owner's.
    owner_message: i64,
}

fn message(ty: &str, t: &Targets, actor: Actor) -> Value {
    let m = &t.media;
    let by = format!("{actor:?}");
    match ty {
        "ping" => json!({"type": "ping", "client_time": 1.0}),
        "list_media" => json!({"type": "list_media"}),
        "rename_media" => json!({"type": "rename_media", "media_id": m, "title": format!("renamed by {by}")}),
        "delete_media" => json!({"type": "delete_media", "media_id": t.fresh_media}),
        "join_room" => json!({"type": "join_room", "media_id": m, "since_seq": null}),
        "leave_room" => json!({"type": "leave_room", "media_id": m}),
        "add_comment" => json!({"type": "add_comment", "media_id": m, "text": format!("comment by {by}"),
            "frame": 1, "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
        "edit_comment" => json!({"type": "edit_comment", "comment_id": t.comment,
            "text": format!("edited by {by}"), "drawing": null}),
        "delete_comment" => json!({"type": "delete_comment", "comment_id": t.fresh_comment}),
        "session_join" => json!({"type": "session_join", "media_id": m}),
        "session_leave" => json!({"type": "session_leave", "media_id": m}),
        "session_control" => json!({"type": "session_control", "media_id": m,
            "control": {"action": "seek", "frame": 3}}),
        "live_stroke" => json!({"type": "live_stroke", "media_id": m, "shape": {"tool": "pen",
            "points": [{"x": 0.1, "y": 0.2}], "color": "#00ff00", "width": 0.01, "text": null}}),
        "live_clear" => json!({"type": "live_clear", "media_id": m}),
        "list_messages" => json!({"type": "list_messages"}),
        // The owner's own marking is left for the end, where it proves no one else marked it.
        "mark_messages_seen" if actor == Actor::Owner => json!({"type": "mark_messages_seen", "ids": []}),
        "mark_messages_seen" => json!({"type": "mark_messages_seen", "ids": [t.owner_message]}),
        "organizer_page" => json!({"type": "organizer_page", "path": "/"}),
        "organizer_command" => json!({"type": "organizer_command", "name": "create_folder",
            "args": {"name": format!("../../folder of {by}")}, "path": "/"}),
        other => panic!("no sample message for {other}"),
    }
}

/// Every `.route("…", web::…)` in the server's source, with the scope it is mounted under:
/// routes added without a rule here fail the matrix.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    let mut dirs = vec![src.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut found = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        // api/mod.rs mounts every api/ module under /api except /files.
        let prefix = match rel.as_str() {
            "api/files.rs" => "",
            r if r.starts_with("api/") => "/api",
            _ => "",
        };
        for chunk in text.split(".route(\"").skip(1) {
            let Some((path, rest)) = chunk.split_once('"') else {
                continue;
            };
            let rest = rest.trim_start_matches(',').trim_start();
            let method = if let Some(r) = rest.strip_prefix("web::method(") {
                r.split(')').next().unwrap().rsplit("::").next().unwrap().to_string()
            } else if let Some(r) = rest.strip_prefix("web::") {
                r.split('(').next().unwrap().to_ascii_uppercase()
            } else {
                panic!("{rel}: cannot read the method of route {path}");
            };
            // Normalise path parameters: the matrix names them after what they hold.
            let path = format!("{prefix}{path}")
                .replace("{media_id}/{name}", "{media}/{file}")
                .replace("/media/{id}", "/media/{media}")
                .replace("/tus/{id}", "/tus/{upload}");
            found.insert((method, path));
        }
    }
    found
}

#[test]
fn every_route_and_message_has_a_rule() {
    let listed: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    let in_source = routes_in_source();
    let missing: Vec<_> = in_source.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&in_source).collect();
    assert!(missing.is_empty(), "routes without a rule in the matrix: {missing:?}");
    assert!(stale.is_empty(), "rules for routes that no longer exist: {stale:?}");
    let no_rule: Vec<_> = ClientMsg::TYPES.iter().filter(|t| rule(t).is_none()).collect();
    assert!(
        no_rule.is_empty(),
        "websocket messages without a rule in the matrix: {no_rule:?}"
    );
}

/// Receives one message within `ms`, answering pings; None when nothing came.
async fn try_recv(ws: &mut Ws, ms: u64) -> Option<Value> {
    use futures_util::SinkExt;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    loop {
        match tokio::time::timeout_at(deadline, ws.framed.next()).await {
            Err(_) | Ok(None) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(awc::ws::Frame::Text(b)))) => return serde_json::from_slice(&b).ok(),
            Ok(Some(Ok(awc::ws::Frame::Ping(b)))) => {
                let _ = ws.framed.send(awc::ws::Message::Pong(b)).await;
            }
            Ok(Some(Ok(awc::ws::Frame::Close(r)))) => panic!("socket closed: {r:?}"),
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// Sends `msg`, then a ping with a marker, and gathers everything up to its pong plus a
/// moment more (live messages are answered without pausing the session).
async fn exchange(ws: &mut Ws, msg: Value, marker: f64) -> Vec<Value> {
    ws.send(msg).await;
    ws.send(json!({"type": "ping", "client_time": marker})).await;
    let mut got = vec![];
    loop {
        let v = ws.recv().await;
        if v["type"] == "pong" && v["client_time"] == marker {
            break;
        }
        got.push(v);
    }
    while let Some(v) = try_recv(ws, 150).await {
        got.push(v);
    }
    got
}

async fn ws_for(s: &TestServer, user: &str) -> Ws {
    let mut ws = s.ws(Some(user)).await;
    ws.recv_type("welcome").await;
    ws
}

fn clip() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clip.mp4");
    crate::common::make_h264(&f, 1);
    std::fs::read(&f).unwrap()
}

async fn new_media(s: &TestServer, body: &[u8]) -> String {
    let (code, v) = s.upload(OWNER, "clip.mp4", body.to_vec()).await;
    assert_eq!(code, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

async fn new_comment(s: &TestServer, media: &str, text: &str) -> i64 {
    let mut ws = ws_for(s, OWNER).await;
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    ws.recv_type("room_joined").await;
    ws.send(
        json!({"type": "add_comment", "media_id": media, "text": text, "frame": 0,
        "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
    )
    .await;
    ws.recv_type("room_event").await["event"]["comment"]["id"]
        .as_i64()
        .unwrap()
}

async fn new_tus(s: &TestServer) -> String {
    let mut r = client()
        .post(s.url("/api/tus/"))
        .insert_header(("X-Remote-User-Id", OWNER))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .insert_header(("Upload-Length", "4"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{:?}", r.body().await);
    let loc = r.headers().get("location").unwrap().to_str().unwrap();
    loc.rsplit('/').next().unwrap().to_string()
}

/// The status of a websocket upgrade: 101 when it opened.
async fn ws_status(s: &TestServer, actor: Actor) -> u16 {
    let mut ws = client().ws(s.ws_url());
    if let Some(u) = actor.user() {
        ws = ws.header("X-Remote-User-Id", u);
    }
    match ws.connect().await {
        Ok((r, _)) => r.status().as_u16(),
        Err(awc::error::WsClientError::InvalidResponseStatus(st)) => st.as_u16(),
        Err(e) => panic!("websocket connect: {e}"),
    }
}

async fn http_case(s: &TestServer, method: &str, template: &str, actor: Actor, clip: &[u8], media: &str) -> u16 {
    let mut path = template.replace("{file}", "original.mp4");
    if method == "DELETE" && template.contains("{media}") {
        path = path.replace("{media}", &new_media(s, clip).await);
    } else {
        path = path.replace("{media}", media);
    }
    if path.contains("{upload}") {
        path = path.replace("{upload}", &new_tus(s).await);
    }
    path = path.replace("{user}", OWNER);
    let url = s.url(&path);
    let mut req = client().request(Method::from_bytes(method.as_bytes()).unwrap(), url);
    if let Some(u) = actor.user() {
        req = req.insert_header(("X-Remote-User-Id", u));
    }
    if path.starts_with("/api/tus") {
        req = req.insert_header(("Tus-Resumable", "1.0.0"));
    }
    let resp = match (method, template) {
        (_, "/api/ws") => return ws_status(s, actor).await,
        ("PATCH", "/api/media/{media}") => req.send_json(&json!({"title": format!("title by {actor:?}")})).await,
        ("PUT", _) => req.send_json(&json!({"uploads": 50, "stored_bytes": null})).await,
        ("POST", "/api/upload") => {
            req.insert_header(("X-File-Name", "up.mp4"))
                .send_body(clip.to_vec())
                .await
        }
        ("POST", _) => req.insert_header(("Upload-Length", "4")).send().await,
        ("PATCH", "/api/tus/{upload}") => {
            req.insert_header(("Upload-Offset", "0"))
                .insert_header(("Content-Type", "application/offset+octet-stream"))
                .send_body("abcd")
                .await
        }
        _ => req.send().await,
    };
    resp.unwrap().status().as_u16()
}

#[actix_rt::test]
async fn authorization_matrix() {
    let s = TestServer::start().await;
    let clip = clip();
    let media = new_media(&s, &clip).await;
    assert_eq!(s.wait_done(OWNER, &media, 60).await["status"], "ready");
    let comment = new_comment(&s, &media, "the owner's words").await;
    let mut cases = 0;
    let mut failures = vec![];

    // HTTP: every route as every actor.
    for (method, template, expected) in ROUTES {
        for (i, actor) in ACTORS.iter().enumerate() {
            let got = http_case(&s, method, template, *actor, &clip, &media).await;
            cases += 1;
            if got != expected[i] {
                failures.push(format!(
                    "{method} {template} as {actor:?}: {got}, expected {}",
                    expected[i]
                ));
            }
        }
    }
    // The listing is scoped to the caller.
    let (_, list) = s.get("/api/media", Some(OTHER)).await;
    assert!(
        !list.to_string().contains(&media),
        "another user's list shows the owner's media"
    );

    // An admin comments on the owner's media: the owner gets a stored user message.
    let mut adm = ws_for(&s, ADMIN).await;
    adm.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    adm.recv_type("room_joined").await;
    adm.send(
        json!({"type": "add_comment", "media_id": media, "text": "note for the owner", "frame": 2,
        "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
    )
    .await;
    adm.recv_type("room_event").await;
    let mut own = ws_for(&s, OWNER).await;
    own.send(json!({"type": "list_messages"})).await;
    let msgs = own.recv_type("user_messages").await;
    let owner_message = msgs["items"][0]["id"].as_i64().expect("the owner has a message");
    drop(own);

    // Websocket: every message type as every actor.
    let mut marker = 1000.0;
    for ty in ClientMsg::TYPES {
        let (prep, for_owner, for_other) = rule(ty).unwrap_or_else(|| panic!("no rule for {ty}"));
        for actor in ACTORS {
            cases += 1;
            let Some(user) = actor.user() else {
                // Without identity there is no session to send the message on.
                let status = ws_status(&s, actor).await;
                if status != 401 {
                    failures.push(format!("{ty} as Nobody: websocket upgrade answered {status}"));
                }
                continue;
            };
            let expect = if actor == Actor::Other { for_other } else { for_owner };
            let targets = Targets {
                media: media.clone(),
                comment,
                fresh_media: if *ty == "delete_media" {
                    new_media(&s, &clip).await
                } else {
                    String::new()
                },
                fresh_comment: if *ty == "delete_comment" {
                    new_comment(&s, &media, "to be deleted").await
                } else {
                    0
                },
                owner_message,
            };
            let mut ws = ws_for(&s, user).await;
            if prep != Prep::Nothing {
                marker += 1.0;
                exchange(
                    &mut ws,
                    json!({"type": "join_room", "media_id": media, "since_seq": null}),
                    marker,
                )
                .await;
            }
            if prep == Prep::Session {
                marker += 1.0;
                exchange(&mut ws, json!({"type": "session_join", "media_id": media}), marker).await;
            }
            marker += 1.0;
            let got = exchange(&mut ws, message(ty, &targets, actor), marker).await;
            let error = got.iter().find(|v| v["type"] == "error");
            let verdict = match (expect, error) {
                (Expect::Deny, Some(e)) if e["request"] == *ty => None,
                (Expect::Deny, _) => Some(format!("was not refused: {got:?}")),
                (Expect::Allow(_), Some(e)) => Some(format!("was refused: {e}")),
                (Expect::Allow(Some(want)), None) if !got.iter().any(|v| v["type"] == want) => {
                    Some(format!("no {want} came: {got:?}"))
                }
                (Expect::Allow(_), None) => None,
            };
            if let Some(v) = verdict {
                failures.push(format!("{ty} as {actor:?}: {v}"));
            }
        }
    }

    // The library page is scoped to the caller too.
    let mut bob = ws_for(&s, OTHER).await;
    bob.send(json!({"type": "organizer_page", "path": "/"})).await;
    let page = bob.recv_type("organizer_page_view").await;
    assert!(
        !page.to_string().contains(&media),
        "another user's page shows the owner's media"
    );
    drop(bob);

    // What the refused attempts must not have changed.
    let (code, m) = s.get(&format!("/api/media/{media}"), Some(OWNER)).await;
    assert_eq!(code, 200);
    assert!(
        !m["title"].as_str().unwrap().contains("Other"),
        "renamed by another user: {m}"
    );
    let mut own = ws_for(&s, OWNER).await;
    own.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    let joined = own.recv_type("room_joined").await;
    let comments = joined["comments"].to_string();
    assert!(
        !comments.contains("by Other"),
        "another user's comment or edit landed: {comments}"
    );
    own.send(json!({"type": "list_messages"})).await;
    let msgs = own.recv_type("user_messages").await;
    let note = msgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == owner_message)
        .unwrap();
    assert_eq!(
        note["seen"], false,
        "another user marked the owner's message seen: {note}"
    );
    own.send(json!({"type": "mark_messages_seen", "ids": [owner_message]}))
        .await;
    assert_eq!(own.recv_type("messages_seen").await["ids"], json!([owner_message]));

    println!("authorization matrix: {cases} cases, {} failures", failures.len());
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Media the reference plugin treats differently, by title (organizer-sdk's
/// `reference_plugin`): the plugin narrows the built-in rule (`[embargo]`, `[locked]`) and
/// widens it (`[shared]`).
const VARIANTS: [&str; 4] = ["", "[embargo] ", "[locked] ", "[shared] "];

/// What the reference plugin allows `actor` to do to media titled with `prefix`.
fn plugin_allows(prefix: &str, actor: Actor, action: &str) -> bool {
    let builtin = matches!(actor, Actor::Owner | Actor::Admin);
    match prefix {
        "[embargo] " => actor == Actor::Admin,
        "[locked] " => builtin && matches!(action, "view" | "comment"),
        "[shared] " if matches!(action, "view" | "comment") => true,
        _ => builtin,
    }
}

/// The HTTP status a refused or allowed action must get: unseen media is not found.
fn want_status(prefix: &str, actor: Actor, action: &str, ok: u16) -> u16 {
    if plugin_allows(prefix, actor, action) {
        ok
    } else if plugin_allows(prefix, actor, "view") {
        403
    } else {
        404
    }
}

/// The authorization matrix with an organizer plugin that narrows and widens the built-in
/// rule: every media action over HTTP and the websocket, on media of each kind the plugin
/// tells apart, as the owner, another user and an admin; listings and pages show exactly
/// what may be opened.
#[actix_rt::test]
async fn authorization_matrix_with_a_plugin() {
    use crate::organizer_support::{add_media, add_user, answer, page, plugin_cmd, state, wait_up};
    let s = TestServer::start_with(|c| {
        c.organizer_cmd = Some(plugin_cmd("reference_plugin", &[]));
        c.organizer_timeout = Duration::from_secs(5);
    })
    .await;
    wait_up(&s).await;
    for (u, admin) in [(OWNER, false), (OTHER, false), (ADMIN, true)] {
        add_user(&s, u, admin);
    }
    let mut n = 0;
    let mut media = |prefix: &str| {
        n += 1;
        let id = format!("media{n:07}");
        add_media(&s, &id, OWNER, &format!("{prefix}Shot {n}"));
        let dir = state(&s).config.media_dir().join(&id);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("original.mp4"), b"frames").unwrap();
        id
    };
    let mut cases = 0;
    let mut failures = vec![];
    let mut check = |what: String, got: u16, want: u16| {
        cases += 1;
        if got != want {
            failures.push(format!("{what}: {got}, expected {want}"));
        }
    };
    // A websocket answer as a status: the allowed result, or the error's code.
    let ws_status = |v: &Value, ok: &str| match (v["type"].as_str(), v["code"].as_str()) {
        (Some(t), _) if t == ok => 200,
        (Some("error"), Some("forbidden")) => 403,
        (Some("error"), Some("not_found")) => 404,
        _ => 500,
    };
    let mut rooms = vec![];
    for prefix in VARIANTS {
        let id = media(prefix);
        rooms.push((prefix, id.clone()));
        for actor in [Actor::Owner, Actor::Other, Actor::Admin] {
            let user = actor.user().unwrap();
            let case = |what: &str| format!("{what} on {prefix:?}media as {actor:?}");
            // HTTP.
            let (code, _) = s.get(&format!("/api/media/{id}"), Some(user)).await;
            check(
                case("GET /api/media/{id}"),
                code,
                want_status(prefix, actor, "view", 200),
            );
            let (code, _, _) = s.fetch(&format!("/files/{id}/original.mp4"), Some(user), &[]).await;
            check(case("GET /files"), code, want_status(prefix, actor, "view", 200));
            let r = client()
                .patch(s.url(&format!("/api/media/{id}")))
                .insert_header(("X-Remote-User-Id", user))
                .send_json(&json!({"title": format!("{prefix}Shot renamed by {actor:?}")}))
                .await
                .unwrap();
            check(
                case("PATCH /api/media/{id}"),
                r.status().as_u16(),
                want_status(prefix, actor, "rename", 200),
            );
            let fresh = media(prefix);
            let r = client()
                .delete(s.url(&format!("/api/media/{fresh}")))
                .insert_header(("X-Remote-User-Id", user))
                .send()
                .await
                .unwrap();
            check(
                case("DELETE /api/media/{id}"),
                r.status().as_u16(),
                want_status(prefix, actor, "delete", 204),
            );

            // Websocket.
            let mut ws = ws_for(&s, user).await;
            ws.send(json!({"type": "join_room", "media_id": id, "since_seq": null}))
                .await;
            let v = answer(&mut ws, "join_room", "room_joined").await;
            check(
                case("join_room"),
                ws_status(&v, "room_joined"),
                want_status(prefix, actor, "view", 200),
            );
            if v["type"] == "room_joined" {
                ws.send(
                    json!({"type": "add_comment", "media_id": id, "text": format!("by {actor:?}"),
                    "frame": 1, "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
                )
                .await;
                let v = answer(&mut ws, "add_comment", "room_event").await;
                check(
                    case("add_comment"),
                    ws_status(&v, "room_event"),
                    want_status(prefix, actor, "comment", 200),
                );
                ws.send(json!({"type": "session_join", "media_id": id})).await;
                let v = answer(&mut ws, "session_join", "collab").await;
                check(case("session_join"), ws_status(&v, "collab"), 200);
            }
            ws.send(json!({"type": "rename_media", "media_id": id, "title": format!("{prefix}Shot, ws, {actor:?}")}))
                .await;
            let v = answer(&mut ws, "rename_media", "media_updated").await;
            check(
                case("rename_media"),
                ws_status(&v, "media_updated"),
                want_status(prefix, actor, "rename", 200),
            );
            let fresh = media(prefix);
            ws.send(json!({"type": "delete_media", "media_id": fresh})).await;
            let v = answer(&mut ws, "delete_media", "media_removed").await;
            check(
                case("delete_media"),
                ws_status(&v, "media_removed"),
                want_status(prefix, actor, "delete", 200),
            );
        }
    }

    // Listings and the plugin's pages hold exactly the owner's media the owner may open:
    // everything but the embargoed.
    let (_, list) = s.get("/api/media", Some(OWNER)).await;
    let titles: BTreeSet<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap().to_string())
        .collect();
    assert!(titles.iter().all(|t| !t.starts_with("[embargo]")), "{titles:?}");
    for prefix in ["[locked] ", "[shared] "] {
        assert!(titles.iter().any(|t| t.starts_with(prefix)), "{prefix}: {titles:?}");
    }
    let mut ws = ws_for(&s, OWNER).await;
    ws.send(json!({"type": "list_media"})).await;
    let listed = answer(&mut ws, "list_media", "media_list").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), titles.len(), "{listed}");
    let inbox = page(&mut ws, "/inbox").await;
    let on_page: BTreeSet<String> = inbox["media"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(on_page, titles, "the plugin's page and the listing differ");

    // Nothing a refusal covered changed: another user commented only where the plugin
    // shares, and renamed nothing.
    let mut adm = ws_for(&s, ADMIN).await;
    for (prefix, id) in &rooms {
        let (code, m) = s.get(&format!("/api/media/{id}"), Some(ADMIN)).await;
        assert_eq!(code, 200);
        assert!(!m["title"].as_str().unwrap().contains("Other"), "{m}");
        adm.send(json!({"type": "join_room", "media_id": id, "since_seq": null}))
            .await;
        let joined = answer(&mut adm, "join_room", "room_joined").await;
        let by_other = joined["comments"].to_string().contains("by Other");
        assert_eq!(by_other, *prefix == "[shared] ", "{prefix:?}: {joined}");
    }

    println!(
        "authorization matrix with a plugin: {cases} cases, {} failures",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
