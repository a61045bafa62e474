//! The authorization matrix: every HTTP route and every websocket message, tried as the
//! owner, users the media is shared with (viewer, commenter), signed-in users under each
//! link access, an admin, guests of review links (valid, view-only, expired, revoked, wrong
//! password, another media's link) and someone without identity. The route table and the
//! message rules live here, in one place; a route found in the server's source or a message
//! type in `ClientMsg::TYPES` without a rule fails the test.

use crate::common::{client, TestServer, Ws};
use awc::http::Method;
use dailies_protocol::ClientMsg;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

const OWNER: &str = "alice";
const OTHER: &str = "bob";
const ADMIN: &str = "admin";
const VIEWER: &str = "vic";
const COMMENTER: &str = "cam";
const LINK_VIEW: &str = "lou";
const LINK_COMMENT: &str = "lea";
const GUEST_PASSWORD: &str = "open sesame";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Actor {
    Owner,
    /// Shared with by name as viewer.
    Viewer,
    /// Shared with by name as commenter.
    Commenter,
    /// Signed in; the media's link access is off.
    Other,
    /// Signed in; tries a media whose link access is `view`.
    LinkView,
    /// Signed in; tries a media whose link access is `comment`.
    LinkComment,
    Admin,
    /// A guest of a link that may comment (not download).
    Guest,
    /// A guest of a view-only link.
    GuestView,
    GuestExpired,
    GuestRevoked,
    /// Gave a wrong password: holds no guest session.
    GuestWrongPassword,
    /// A guest of another media's link.
    GuestOther,
    Nobody,
}

const ACTORS: [Actor; 14] = [
    Actor::Owner,
    Actor::Viewer,
    Actor::Commenter,
    Actor::Other,
    Actor::LinkView,
    Actor::LinkComment,
    Actor::Admin,
    Actor::Guest,
    Actor::GuestView,
    Actor::GuestExpired,
    Actor::GuestRevoked,
    Actor::GuestWrongPassword,
    Actor::GuestOther,
    Actor::Nobody,
];

/// What the built-in rule gives an actor on the media it tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    None,
    View,
    Comment,
    Manage,
}

impl Actor {
    /// The identity header it sends, if any.
    fn user(self) -> Option<&'static str> {
        match self {
            Actor::Owner => Some(OWNER),
            Actor::Viewer => Some(VIEWER),
            Actor::Commenter => Some(COMMENTER),
            Actor::Other => Some(OTHER),
            Actor::LinkView => Some(LINK_VIEW),
            Actor::LinkComment => Some(LINK_COMMENT),
            Actor::Admin => Some(ADMIN),
            _ => None,
        }
    }

    /// Holds a live guest session (a cookie that opens something).
    fn guest_session(self) -> bool {
        matches!(self, Actor::Guest | Actor::GuestView | Actor::GuestOther)
    }

    fn level(self) -> Level {
        match self {
            Actor::Owner | Actor::Admin => Level::Manage,
            Actor::Commenter | Actor::LinkComment | Actor::Guest => Level::Comment,
            Actor::Viewer | Actor::LinkView | Actor::GuestView => Level::View,
            _ => Level::None,
        }
    }
}

/// Who a route is for; the expected status of each actor follows from it.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// Anyone, with or without identity.
    Open(u16),
    /// Anyone signed in through the proxy.
    SignedIn(u16),
    /// Admins; other users 403.
    Admin(u16),
    /// The uploader of a resumable upload alone (admins too get 404 on the tus routes).
    Uploader(u16),
    /// Signed-in users with at least this level on the media; 403 for those who may view,
    /// 404 for those who may not.
    Media(Level, u16),
    /// A live guest session on this media; a guest of another media 404.
    GuestMedia(u16),
    /// A live guest session (any media).
    GuestAny(u16),
    /// Opening a guest session with the actor's token and password.
    GuestOpen,
    /// Ending a guest session: always answered, it clears the cookie.
    GuestClose,
}

/// Every HTTP route: method, path (`{media}` the media the actor tries, `{upload}` a tus
/// upload the owner started, `{file}` a file of the media, `{user}` the owner's id,
/// `{link}` a guest link of the media, `{comment}` a comment with a drawing on the media,
/// `{sub}` a subtitle track of the media)
/// and who it is for.
const ROUTES: &[(&str, &str, Rule)] = &[
    ("GET", "/api/health", Rule::Open(200)),
    ("GET", "/api/media", Rule::SignedIn(200)),
    ("GET", "/api/media/{media}", Rule::Media(Level::View, 200)),
    ("PATCH", "/api/media/{media}", Rule::Media(Level::Manage, 200)),
    ("DELETE", "/api/media/{media}", Rule::Media(Level::Manage, 204)),
    (
        "GET",
        "/api/media/{media}/comments/{comment}/drawing",
        Rule::Media(Level::View, 200),
    ),
    ("GET", "/api/media/{media}/export", Rule::Media(Level::View, 200)),
    ("GET", "/api/media/{media}/report", Rule::Media(Level::View, 200)),
    (
        "GET",
        "/api/media/{media}/comments/{comment}/still.png",
        Rule::Media(Level::View, 200),
    ),
    (
        "GET",
        "/api/media/{media}/download/original",
        Rule::Media(Level::View, 200),
    ),
    (
        "GET",
        "/api/media/{media}/download/proxy",
        Rule::Media(Level::View, 200),
    ),
    (
        "POST",
        "/api/media/{media}/import/edl",
        Rule::Media(Level::Comment, 200),
    ),
    ("GET", "/api/media/{media}/subtitles", Rule::Media(Level::View, 200)),
    ("POST", "/api/media/{media}/subtitles", Rule::Media(Level::Manage, 201)),
    (
        "PATCH",
        "/api/media/{media}/subtitles/{sub}",
        Rule::Media(Level::Manage, 200),
    ),
    (
        "DELETE",
        "/api/media/{media}/subtitles/{sub}",
        Rule::Media(Level::Manage, 204),
    ),
    (
        "GET",
        "/api/media/{media}/subtitles/{sub}/vtt",
        Rule::Media(Level::View, 200),
    ),
    ("GET", "/api/media/{media}/sharing", Rule::Media(Level::Manage, 200)),
    ("PUT", "/api/media/{media}/sharing", Rule::Media(Level::Manage, 200)),
    ("GET", "/api/media/{media}/status", Rule::Media(Level::View, 200)),
    ("PUT", "/api/media/{media}/status", Rule::Media(Level::Comment, 200)),
    ("GET", "/api/media/{media}/guest-links", Rule::Media(Level::Manage, 200)),
    (
        "POST",
        "/api/media/{media}/guest-links",
        Rule::Media(Level::Manage, 201),
    ),
    (
        "DELETE",
        "/api/media/{media}/guest-links/{link}",
        Rule::Media(Level::Manage, 204),
    ),
    ("GET", "/api/media/{media}/stack", Rule::Media(Level::View, 200)),
    ("PUT", "/api/media/{media}/stack", Rule::Media(Level::Manage, 200)),
    (
        "GET",
        "/api/media/{media}/stack/comments",
        Rule::Media(Level::View, 200),
    ),
    // A media without other versions: checked for access first, then refused as such.
    ("POST", "/api/media/{media}/split", Rule::Media(Level::Manage, 400)),
    ("GET", "/api/playlists", Rule::SignedIn(200)),
    ("POST", "/api/playlists", Rule::SignedIn(201)),
    // `{playlist}` is shared like `{media}`: the same levels for the same actors.
    ("GET", "/api/playlists/{playlist}", Rule::Media(Level::View, 200)),
    ("PUT", "/api/playlists/{playlist}", Rule::Media(Level::Manage, 200)),
    ("DELETE", "/api/playlists/{playlist}", Rule::Media(Level::Manage, 204)),
    (
        "GET",
        "/api/playlists/{playlist}/sharing",
        Rule::Media(Level::Manage, 200),
    ),
    (
        "PUT",
        "/api/playlists/{playlist}/sharing",
        Rule::Media(Level::Manage, 200),
    ),
    (
        "GET",
        "/api/playlists/{playlist}/guest-links",
        Rule::Media(Level::Manage, 200),
    ),
    (
        "POST",
        "/api/playlists/{playlist}/guest-links",
        Rule::Media(Level::Manage, 201),
    ),
    (
        "DELETE",
        "/api/playlists/{playlist}/guest-links/{link}",
        Rule::Media(Level::Manage, 204),
    ),
    ("GET", "/api/users", Rule::SignedIn(200)),
    ("POST", "/api/upload", Rule::SignedIn(201)),
    ("OPTIONS", "/api/tus", Rule::Open(204)),
    ("OPTIONS", "/api/tus/", Rule::Open(204)),
    ("POST", "/api/tus", Rule::SignedIn(201)),
    ("POST", "/api/tus/", Rule::SignedIn(201)),
    ("HEAD", "/api/tus/{upload}", Rule::Uploader(200)),
    ("PATCH", "/api/tus/{upload}", Rule::Uploader(204)),
    ("DELETE", "/api/tus/{upload}", Rule::Uploader(204)),
    ("GET", "/files/{media}/{file}", Rule::Media(Level::View, 200)),
    ("HEAD", "/files/{media}/{file}", Rule::Media(Level::View, 200)),
    ("GET", "/api/ws", Rule::SignedIn(101)),
    ("GET", "/api/quota", Rule::SignedIn(200)),
    ("GET", "/api/admin/uploads", Rule::Admin(200)),
    ("DELETE", "/api/admin/uploads/{upload}", Rule::Admin(204)),
    ("GET", "/api/admin/users/{user}/quota", Rule::Admin(200)),
    ("PUT", "/api/admin/users/{user}/quota", Rule::Admin(200)),
    ("GET", "/api/admin/webhooks", Rule::Admin(200)),
    ("POST", "/api/admin/webhooks", Rule::Admin(201)),
    ("GET", "/api/admin/webhooks/deliveries", Rule::Admin(200)),
    ("DELETE", "/api/admin/webhooks/{webhook}", Rule::Admin(204)),
    ("GET", "/api/notify/settings", Rule::SignedIn(200)),
    ("PUT", "/api/notify/settings", Rule::SignedIn(200)),
    ("GET", "/api/me/preferences", Rule::SignedIn(200)),
    ("PUT", "/api/me/preferences", Rule::SignedIn(200)),
    // The token is the credential: mails' links work without signing in.
    ("GET", "/api/notify/unsubscribe/{token}", Rule::Open(200)),
    ("POST", "/api/notify/unsubscribe/{token}", Rule::Open(200)),
    ("POST", "/api/guest/session", Rule::GuestOpen),
    ("DELETE", "/api/guest/session", Rule::GuestClose),
    ("GET", "/api/guest/media", Rule::GuestAny(200)),
    ("GET", "/api/guest/ws", Rule::GuestAny(101)),
    ("GET", "/api/guest/comments/{comment}/drawing", Rule::GuestMedia(200)),
    ("GET", "/api/guest/files/{media}/{file}", Rule::GuestMedia(200)),
    ("HEAD", "/api/guest/files/{media}/{file}", Rule::GuestMedia(200)),
    // The matrix's links do not allow downloads.
    (
        "GET",
        "/api/guest/media/{media}/download/original",
        Rule::GuestMedia(403),
    ),
    ("GET", "/api/guest/media/{media}/download/proxy", Rule::GuestMedia(403)),
    // The report goes with downloads; a still is what the guest sees in the review.
    ("GET", "/api/guest/media/{media}/report", Rule::GuestMedia(403)),
    (
        "GET",
        "/api/guest/media/{media}/comments/{comment}/still.png",
        Rule::GuestMedia(200),
    ),
    ("GET", "/api/guest/media/{media}/subtitles", Rule::GuestMedia(200)),
    (
        "GET",
        "/api/guest/media/{media}/subtitles/{sub}/vtt",
        Rule::GuestMedia(200),
    ),
];

/// The status `actor` must get from a route with `rule`.
fn expected(rule: Rule, actor: Actor) -> u16 {
    let signed_in = actor.user().is_some();
    match rule {
        Rule::Open(c) => c,
        // A guest cookie counts for nothing on these routes.
        _ if !signed_in
            && !matches!(
                rule,
                Rule::GuestMedia(_) | Rule::GuestAny(_) | Rule::GuestOpen | Rule::GuestClose
            ) =>
        {
            401
        }
        Rule::SignedIn(c) => c,
        Rule::Admin(c) if actor == Actor::Admin => c,
        Rule::Admin(_) => 403,
        Rule::Uploader(c) if actor == Actor::Owner => c,
        Rule::Uploader(_) => 404,
        Rule::Media(need, c) => match actor.level() {
            l if l >= need => c,
            Level::None => 404,
            _ => 403,
        },
        // Identity headers count for nothing on guest routes.
        Rule::GuestMedia(_) | Rule::GuestAny(_) if !actor.guest_session() => 401,
        Rule::GuestMedia(_) if actor == Actor::GuestOther => 404,
        Rule::GuestMedia(c) | Rule::GuestAny(c) => c,
        Rule::GuestOpen => match actor {
            Actor::GuestExpired | Actor::GuestRevoked => 404,
            Actor::GuestWrongPassword => 401,
            // Anyone with the link and its password opens a guest session.
            _ => 200,
        },
        Rule::GuestClose => 204,
    }
}

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
    /// Try to join the room and the session, and take the lead.
    Lead,
}

/// The rule of each websocket message: what it needs set up, and what an actor gets, from
/// the actor's level on the media it tries (the target comment is the owner's: only its
/// author or an admin may change it).
/// A message's rule: its set-up, and what each actor must get.
type MessageRule = (Prep, fn(Actor) -> Expect);

fn rule(ty: &str) -> Option<MessageRule> {
    use Expect::*;
    fn at_least(a: Actor, l: Level, ok: Option<&'static str>) -> Expect {
        if a.level() >= l {
            Allow(ok)
        } else {
            Deny
        }
    }
    let r: MessageRule = match ty {
        "ping" => (Prep::Nothing, |_| Allow(Some("pong"))),
        "list_media" => (Prep::Nothing, |_| Allow(Some("media_list"))),
        "rename_media" => (Prep::Nothing, |a| at_least(a, Level::Manage, Some("media_updated"))),
        "delete_media" => (Prep::Nothing, |a| at_least(a, Level::Manage, Some("media_removed"))),
        "join_room" => (Prep::Nothing, |a| at_least(a, Level::View, Some("room_joined"))),
        "leave_room" => (Prep::Room, |_| Allow(None)),
        "load_comments" => (Prep::Room, |a| at_least(a, Level::View, Some("comments_page"))),
        // Answered only while catching up; otherwise accepted and nothing follows.
        "room_events_ack" => (Prep::Room, |a| at_least(a, Level::View, None)),
        "add_comment" => (Prep::Room, |a| at_least(a, Level::Comment, Some("room_event"))),
        "edit_comment" | "delete_comment" => (Prep::Room, |a| {
            if matches!(a, Actor::Owner | Actor::Admin) {
                Allow(Some("room_event"))
            } else {
                Deny
            }
        }),
        "resolve_comment" => (Prep::Room, |a| at_least(a, Level::Comment, Some("room_event"))),
        "session_join" => (Prep::Room, |a| at_least(a, Level::Comment, Some("collab"))),
        // Leaving needs only the room: a viewer who never joined leaves nothing.
        "session_leave" => (Prep::Session, |a| at_least(a, Level::View, Some("collab"))),
        "session_control" => (Prep::Session, |a| at_least(a, Level::Comment, Some("collab"))),
        "live_stroke" | "live_clear" => (Prep::Session, |a| at_least(a, Level::Comment, None)),
        "request_lead" | "laser" => (Prep::Session, |a| at_least(a, Level::Comment, None)),
        // The leader answers requests (here its own, which changes nothing).
        "grant_lead" | "decline_lead" => (Prep::Lead, |a| at_least(a, Level::Comment, None)),
        "list_messages" => (Prep::Nothing, |_| Allow(Some("user_messages"))),
        "mark_messages_seen" => (Prep::Nothing, |_| Allow(Some("messages_seen"))),
        // Without a plugin the page is the caller's own flat library (checked after the
        // matrix); guests have no library pages.
        "organizer_page" => (Prep::Nothing, |a| {
            if a.user().is_some() {
                Allow(Some("organizer_page_view"))
            } else {
                Deny
            }
        }),
        "organizer_command" => (Prep::Nothing, |_| Deny),
        _ => return None,
    };
    Some(r)
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
    /// The actor's own session id in the room, once joined.
    session_id: u64,
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
        "load_comments" => json!({"type": "load_comments", "media_id": m, "before": t.comment + 1}),
        "room_events_ack" => json!({"type": "room_events_ack", "media_id": m, "seq": 1}),
        "add_comment" => json!({"type": "add_comment", "media_id": m, "text": format!("comment by {by}"),
            "frame": 1, "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
        "edit_comment" => json!({"type": "edit_comment", "comment_id": t.comment,
            "text": format!("edited by {by}"), "drawing": null}),
        "delete_comment" => json!({"type": "delete_comment", "comment_id": t.fresh_comment}),
        "resolve_comment" => json!({"type": "resolve_comment", "comment_id": t.comment, "resolved": true}),
        "session_join" => json!({"type": "session_join", "media_id": m}),
        "session_leave" => json!({"type": "session_leave", "media_id": m}),
        "session_control" => json!({"type": "session_control", "media_id": m,
            "control": {"action": "seek", "frame": 3}}),
        "live_stroke" => json!({"type": "live_stroke", "media_id": m, "shape": {"tool": "pen",
            "points": [{"x": 0.1, "y": 0.2}], "color": "#00ff00", "width": 0.01, "text": null}}),
        "live_clear" => json!({"type": "live_clear", "media_id": m}),
        "request_lead" => json!({"type": "request_lead", "media_id": m}),
        "grant_lead" => json!({"type": "grant_lead", "media_id": m, "session_id": t.session_id}),
        "decline_lead" => json!({"type": "decline_lead", "media_id": m, "session_id": t.session_id}),
        "laser" => json!({"type": "laser", "media_id": m, "x": 0.5, "y": 0.25}),
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
        // A call rustfmt breaks over lines (`.route(\n    "/long/path",`) counts too.
        let text = text
            .split(".route(")
            .map(str::trim_start)
            .collect::<Vec<_>>()
            .join(".route(");
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

/// A request as the owner with a JSON body; answers status and JSON.
async fn as_owner(s: &TestServer, method: &str, path: &str, body: Value) -> (u16, Value) {
    let mut r = client()
        .request(Method::from_bytes(method.as_bytes()).unwrap(), s.url(path))
        .insert_header(("X-Remote-User-Id", OWNER))
        .send_json(&body)
        .await
        .unwrap();
    let b = r.body().await.unwrap();
    (r.status().as_u16(), serde_json::from_slice(&b).unwrap_or(Value::Null))
}

/// The sharing each kind of target media has.
fn sharing_for(link: &str) -> Value {
    json!({"link_access": link, "users": [
        {"user_id": VIEWER, "role": "viewer"}, {"user_id": COMMENTER, "role": "commenter"}]})
}

/// A new media of the owner's with the sharing of `link`.
async fn new_shared_media(s: &TestServer, body: &[u8], link: &str) -> String {
    let id = new_media(s, body).await;
    let (code, v) = as_owner(s, "PUT", &format!("/api/media/{id}/sharing"), sharing_for(link)).await;
    assert_eq!(code, 200, "{v}");
    id
}

/// A new playlist of the owner's holding `media`, shared as `new_shared_media` shares.
async fn new_playlist(s: &TestServer, media: &str, link: &str) -> String {
    let (code, v) = as_owner(
        s,
        "POST",
        "/api/playlists",
        json!({"title": "dailies", "items": [media]}),
    )
    .await;
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let (code, v) = as_owner(s, "PUT", &format!("/api/playlists/{id}/sharing"), sharing_for(link)).await;
    assert_eq!(code, 200, "{v}");
    id
}

/// A guest link of `media`; answers (id, token).
async fn new_link(s: &TestServer, media: &str, can_comment: bool) -> (i64, String) {
    let (code, v) = as_owner(
        s,
        "POST",
        &format!("/api/media/{media}/guest-links"),
        json!({"label": "matrix", "password": GUEST_PASSWORD, "can_comment": can_comment, "can_download": false}),
    )
    .await;
    assert_eq!(code, 201, "{v}");
    (v["id"].as_i64().unwrap(), v["token"].as_str().unwrap().to_string())
}

/// Opens a guest session; answers status and the cookie's value.
async fn guest_open(s: &TestServer, token: &str, password: &str) -> (u16, Option<String>) {
    let r = client()
        .post(s.url("/api/guest/session"))
        .send_json(&json!({"token": token, "name": "Gus", "password": password}))
        .await
        .unwrap();
    let cookie = r.cookies().ok().and_then(|cs| {
        cs.iter()
            .find(|c| c.name() == "dailies_guest")
            .map(|c| c.value().to_string())
    });
    (r.status().as_u16(), cookie)
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

/// A comment of the owner's with a drawing on `media`.
async fn new_drawing(s: &TestServer, media: &str) -> i64 {
    let mut ws = ws_for(s, OWNER).await;
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    ws.recv_type("room_joined").await;
    let drawing = json!({"shapes": [{"tool": "rect", "points": [{"x": 0.1, "y": 0.1}, {"x": 0.4, "y": 0.4}],
        "color": "#ff0000", "width": 0.01, "text": null}]});
    ws.send(
        json!({"type": "add_comment", "media_id": media, "text": "see here", "frame": 0,
        "end_frame": null, "parent_id": null, "drawing": drawing, "client_ref": null}),
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

/// What the matrix set up: the media each actor tries, and the guests' tokens and cookies.
struct World {
    clip: Vec<u8>,
    /// Link access off, shared with the viewer and the commenter.
    media: String,
    media_link_view: String,
    media_link_comment: String,
    /// Playlists holding `media`, shared as the three media are.
    playlist: String,
    playlist_link_view: String,
    playlist_link_comment: String,
    /// The password and token each guest actor opens a session with.
    tokens: HashMap<Actor, (String, String)>,
    cookies: HashMap<Actor, String>,
}

impl World {
    fn media_of(&self, actor: Actor) -> &str {
        match actor {
            Actor::LinkView => &self.media_link_view,
            Actor::LinkComment => &self.media_link_comment,
            _ => &self.media,
        }
    }

    fn playlist_of(&self, actor: Actor) -> &str {
        match actor {
            Actor::LinkView => &self.playlist_link_view,
            Actor::LinkComment => &self.playlist_link_comment,
            _ => &self.playlist,
        }
    }

    fn link_of(&self, actor: Actor) -> &'static str {
        match actor {
            Actor::LinkView => "view",
            Actor::LinkComment => "comment",
            _ => "off",
        }
    }
}

/// The status of a websocket upgrade: 101 when it opened.
async fn ws_status(s: &TestServer, path: &str, actor: Actor, w: &World) -> u16 {
    let url = format!("{}{path}", s.base.replacen("http", "ws", 1));
    let mut ws = client().ws(url);
    if let Some(u) = actor.user() {
        ws = ws.header("X-Remote-User-Id", u);
    }
    if let Some(c) = w.cookies.get(&actor) {
        ws = ws.header("Cookie", format!("dailies_guest={c}"));
    }
    match ws.connect().await {
        Ok((r, _)) => r.status().as_u16(),
        Err(awc::error::WsClientError::InvalidResponseStatus(st)) => st.as_u16(),
        Err(e) => panic!("websocket connect: {e}"),
    }
}

/// A websocket of an actor that can open one (signed in, or a live guest session).
async fn ws_of(s: &TestServer, actor: Actor, w: &World) -> Option<Ws> {
    if let Some(u) = actor.user() {
        return Some(ws_for(s, u).await);
    }
    let c = w.cookies.get(&actor)?;
    let url = format!("{}/api/guest/ws", s.base.replacen("http", "ws", 1));
    let (_, framed) = client()
        .ws(url)
        .header("Cookie", format!("dailies_guest={c}"))
        .connect()
        .await
        .ok()?;
    let mut ws = Ws { framed };
    ws.recv_type("welcome").await;
    Some(ws)
}

async fn http_case(s: &TestServer, method: &str, template: &str, actor: Actor, w: &World) -> u16 {
    let mut path = template.replace("{file}", "original.mp4");
    if template.ends_with("/export") {
        path.push_str("?format=edl");
    }
    let media = w.media_of(actor).to_string();
    if method == "DELETE" && template == "/api/playlists/{playlist}" {
        path = path.replace("{playlist}", &new_playlist(s, &media, w.link_of(actor)).await);
    } else {
        path = path.replace("{playlist}", w.playlist_of(actor));
    }
    if method == "DELETE" && template == "/api/media/{media}" {
        path = path.replace("{media}", &new_shared_media(s, &w.clip, w.link_of(actor)).await);
    } else {
        path = path.replace("{media}", &media);
    }
    if template.starts_with("/api/playlists/{playlist}/guest-links/") {
        let (code, v) = as_owner(
            s,
            "POST",
            &format!("/api/playlists/{}/guest-links", w.playlist_of(actor)),
            json!({"can_comment": false, "can_download": false}),
        )
        .await;
        assert_eq!(code, 201, "{v}");
        path = path.replace("{link}", &v["id"].to_string());
    }
    if path.contains("{link}") {
        path = path.replace("{link}", &new_link(s, &media, false).await.0.to_string());
    }
    if path.contains("{upload}") {
        path = path.replace("{upload}", &new_tus(s).await);
    }
    if path.contains("{sub}") {
        let (code, v) =
            crate::subtitles::add(s, OWNER, &media, "filename=m.srt", crate::subtitles::SRT.as_bytes()).await;
        assert_eq!(code, 201, "{v}");
        path = path.replace("{sub}", &v["id"].to_string());
    }
    if path.contains("{comment}") {
        path = path.replace("{comment}", &new_drawing(s, &media).await.to_string());
    }
    path = path.replace("{user}", OWNER);
    if path.contains("{webhook}") {
        let (code, v) = as_admin(
            s,
            "POST",
            "/api/admin/webhooks",
            json!({"url": "http://127.0.0.1:9/hook", "events": ["new_version"]}),
        )
        .await;
        assert_eq!(code, 201, "{v}");
        path = path.replace("{webhook}", &v["id"].to_string());
    }
    if path.contains("{token}") {
        let token = s
            .state()
            .db
            .run_blocking(|c| {
                dailies_server::notify::unsubscribe_token(c, OWNER, dailies_server::notify::EventKind::Reply)
            })
            .unwrap();
        path = path.replace("{token}", &token);
    }
    let mut cookie = w.cookies.get(&actor).cloned();
    if template == "/api/guest/session" && method == "DELETE" && actor.guest_session() {
        // Ending a session must not end the one the rest of the matrix uses.
        let (pw, token) = &w.tokens[&actor];
        cookie = guest_open(s, token, pw).await.1;
    }
    if template == "/api/guest/ws" || template == "/api/ws" {
        let mut w2 = World {
            clip: vec![],
            media: String::new(),
            media_link_view: String::new(),
            media_link_comment: String::new(),
            playlist: String::new(),
            playlist_link_view: String::new(),
            playlist_link_comment: String::new(),
            tokens: HashMap::new(),
            cookies: HashMap::new(),
        };
        if let Some(c) = cookie {
            w2.cookies.insert(actor, c);
        }
        return ws_status(s, template, actor, &w2).await;
    }
    if method == "POST" && template == "/api/media/{media}/subtitles" {
        path.push_str("?filename=up.srt");
    }
    let url = s.url(&path);
    let mut req = client().request(Method::from_bytes(method.as_bytes()).unwrap(), url);
    if let Some(u) = actor.user() {
        req = req.insert_header(("X-Remote-User-Id", u));
    }
    if let Some(c) = &cookie {
        req = req.insert_header(("Cookie", format!("dailies_guest={c}")));
    }
    if path.starts_with("/api/tus") {
        req = req.insert_header(("Tus-Resumable", "1.0.0"));
    }
    let resp = match (method, template) {
        ("PATCH", "/api/media/{media}") => req.send_json(&json!({"title": format!("title by {actor:?}")})).await,
        ("PUT", "/api/media/{media}/sharing") => req.send_json(&sharing_for(w.link_of(actor))).await,
        ("PUT", "/api/media/{media}/stack") => req.send_json(&json!({"order": [media]})).await,
        ("POST", "/api/playlists") => {
            req.send_json(&json!({"title": format!("dailies of {actor:?}"), "items": []}))
                .await
        }
        ("PUT", "/api/playlists/{playlist}") => {
            req.send_json(&json!({"title": format!("retitled by {actor:?}"), "items": [media]}))
                .await
        }
        ("PUT", "/api/playlists/{playlist}/sharing") => req.send_json(&sharing_for(w.link_of(actor))).await,
        ("PUT", "/api/media/{media}/status") => req.send_json(&json!({"status": "in_progress"})).await,
        ("POST", "/api/playlists/{playlist}/guest-links") => {
            req.send_json(&json!({"can_comment": false, "can_download": false}))
                .await
        }
        ("POST", "/api/media/{media}/guest-links") => {
            req.send_json(&json!({"can_comment": true, "can_download": false}))
                .await
        }
        ("POST", "/api/guest/session") => {
            let (pw, token) = w
                .tokens
                .get(&actor)
                .cloned()
                .unwrap_or_else(|| w.tokens[&Actor::Guest].clone());
            req.send_json(&json!({"token": token, "name": format!("{actor:?}"), "password": pw}))
                .await
        }
        ("PUT", "/api/me/preferences") => {
            req.send_json(&json!({"time_display": "frames", "first_frame": 1001}))
                .await
        }
        ("PUT", "/api/notify/settings") => {
            req.send_json(&json!({"prefs": [{"kind": "reply", "mode": "daily"}]}))
                .await
        }
        ("POST", "/api/admin/webhooks") => {
            req.send_json(&json!({"url": "http://127.0.0.1:9/hook", "events": ["new_version"]}))
                .await
        }
        ("PUT", _) => {
            req.send_json(&json!({"uploads": 1_000_000, "stored_bytes": null}))
                .await
        }
        ("POST", "/api/media/{media}/subtitles") => req.send_body(crate::subtitles::SRT).await,
        ("PATCH", "/api/media/{media}/subtitles/{sub}") => {
            req.send_json(&json!({"title": format!("by {actor:?}")})).await
        }
        ("POST", "/api/media/{media}/import/edl") => {
            req.send_body("001  AX V C 00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00\n* LOC: 00:00:00:01 RED hi\n")
                .await
        }
        ("POST", "/api/upload") => {
            req.insert_header(("X-File-Name", "up.mp4"))
                .send_body(w.clip.clone())
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

async fn as_admin(s: &TestServer, method: &str, path: &str, body: Value) -> (u16, Value) {
    let mut resp = client()
        .request(Method::from_bytes(method.as_bytes()).unwrap(), s.url(path))
        .insert_header(("X-Remote-User-Id", ADMIN))
        .send_json(&body)
        .await
        .unwrap();
    let b = resp.body().await.unwrap();
    (
        resp.status().as_u16(),
        serde_json::from_slice(&b).unwrap_or(Value::Null),
    )
}

/// Sets up the media, shares and guests the matrix tries.
async fn world(s: &TestServer) -> World {
    let clip = clip();
    let media = new_shared_media(s, &clip, "off").await;
    assert_eq!(s.wait_done(OWNER, &media, 60).await["status"], "ready");
    let media_link_view = new_shared_media(s, &clip, "view").await;
    let media_link_comment = new_shared_media(s, &clip, "comment").await;
    let other_media = new_shared_media(s, &clip, "off").await;
    for m in [&media_link_view, &media_link_comment, &other_media] {
        s.wait_done(OWNER, m, 60).await;
    }
    let playlist = new_playlist(s, &media, "off").await;
    let playlist_link_view = new_playlist(s, &media_link_view, "view").await;
    let playlist_link_comment = new_playlist(s, &media_link_comment, "comment").await;
    let mut tokens = HashMap::new();
    let pw = GUEST_PASSWORD.to_string();
    tokens.insert(Actor::Guest, (pw.clone(), new_link(s, &media, true).await.1));
    tokens.insert(Actor::GuestView, (pw.clone(), new_link(s, &media, false).await.1));
    tokens.insert(Actor::GuestOther, (pw.clone(), new_link(s, &other_media, true).await.1));
    tokens.insert(
        Actor::GuestWrongPassword,
        ("not the password".into(), tokens[&Actor::Guest].1.clone()),
    );
    let mut cookies = HashMap::new();
    for a in [Actor::Guest, Actor::GuestView, Actor::GuestOther] {
        let (pw, token) = &tokens[&a];
        let (code, c) = guest_open(s, token, pw).await;
        assert_eq!(code, 200);
        cookies.insert(a, c.expect("a guest cookie"));
    }
    // Expired: a session opened while the link lived, then the expiry passed.
    let (expiring, token) = new_link(s, &media, true).await;
    let (_, c) = guest_open(s, &token, GUEST_PASSWORD).await;
    cookies.insert(Actor::GuestExpired, c.unwrap());
    tokens.insert(Actor::GuestExpired, (pw.clone(), token));
    s.state()
        .db
        .run_blocking(move |c| {
            use diesel::prelude::*;
            let sql = dailies_server::db::placeholders(
                c,
                "UPDATE guest_links SET expires_at = '2000-01-01 00:00:00' WHERE id = ?",
            );
            diesel::sql_query(sql)
                .bind::<diesel::sql_types::BigInt, _>(expiring)
                .execute(c)?;
            Ok(())
        })
        .unwrap();
    // Revoked: a session opened, then the link deleted.
    let (revoked, token) = new_link(s, &media, true).await;
    let (_, c) = guest_open(s, &token, GUEST_PASSWORD).await;
    cookies.insert(Actor::GuestRevoked, c.unwrap());
    tokens.insert(Actor::GuestRevoked, (pw.clone(), token));
    let (code, _) = as_owner(
        s,
        "DELETE",
        &format!("/api/media/{media}/guest-links/{revoked}"),
        json!({}),
    )
    .await;
    assert_eq!(code, 204);
    World {
        clip,
        media,
        media_link_view,
        media_link_comment,
        playlist,
        playlist_link_view,
        playlist_link_comment,
        tokens,
        cookies,
    }
}

#[actix_rt::test]
async fn authorization_matrix() {
    // Each actor's tus cases leave the owner an unfinished upload: no limit on their count.
    let s = TestServer::start_with(|c| c.quota_uploads = 0).await;
    let w = world(&s).await;
    let media = w.media.clone();
    // A comment of the owner's on each media an actor tries.
    let mut comments = HashMap::new();
    for m in [&w.media, &w.media_link_view, &w.media_link_comment] {
        comments.insert(m.clone(), new_comment(&s, m, "the owner's words").await);
    }
    let mut cases = 0;
    let mut failures = vec![];

    // HTTP: every route as every actor.
    for (method, template, rule) in ROUTES {
        for actor in ACTORS {
            let got = http_case(&s, method, template, actor, &w).await;
            let want = expected(*rule, actor);
            cases += 1;
            if got != want {
                failures.push(format!("{method} {template} as {actor:?}: {got}, expected {want}"));
            }
        }
    }
    // Listings: nobody sees what was not shared with them; the shared see it under ?shared=1.
    for (user, sees) in [(OTHER, false), (VIEWER, true), (COMMENTER, true), (LINK_VIEW, false)] {
        let (_, own) = s.get("/api/media", Some(user)).await;
        assert!(
            !own.to_string().contains(&media),
            "{user}'s own list shows the owner's media"
        );
        let (code, shared) = s.get("/api/media?shared=1", Some(user)).await;
        assert_eq!(code, 200);
        assert_eq!(
            shared.to_string().contains(&media),
            sees,
            "{user}'s shared list: {shared}"
        );
        if !sees {
            assert!(
                !shared.to_string().contains(&w.media_link_view),
                "a media open by link is not shared by name: {shared}"
            );
        }
    }

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
    let owner_message = msgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "comment")
        .and_then(|m| m["id"].as_i64())
        .expect("the owner has a message");
    drop(own);

    // Websocket: every message type as every actor.
    let mut marker = 1000.0;
    for ty in ClientMsg::TYPES {
        let (prep, expect_of) = rule(ty).unwrap_or_else(|| panic!("no rule for {ty}"));
        for actor in ACTORS {
            cases += 1;
            if actor.user().is_none() && !actor.guest_session() {
                // Without identity or a live guest session there is no socket to send on.
                for path in ["/api/ws", "/api/guest/ws"] {
                    let status = ws_status(&s, path, actor, &w).await;
                    if status != 401 {
                        failures.push(format!("{ty} as {actor:?}: {path} upgrade answered {status}"));
                    }
                }
                continue;
            }
            let expect = expect_of(actor);
            let target = w.media_of(actor).to_string();
            let mut targets = Targets {
                media: target.clone(),
                comment: comments[&target],
                fresh_media: if *ty == "delete_media" {
                    new_shared_media(&s, &w.clip, w.link_of(actor)).await
                } else {
                    String::new()
                },
                fresh_comment: if *ty == "delete_comment" {
                    new_comment(&s, &target, "to be deleted").await
                } else {
                    0
                },
                owner_message,
                session_id: 0,
            };
            let mut ws = ws_of(&s, actor, &w).await.expect("a socket");
            if prep != Prep::Nothing {
                marker += 1.0;
                let joined = exchange(
                    &mut ws,
                    json!({"type": "join_room", "media_id": target, "since_seq": null}),
                    marker,
                )
                .await;
                if let Some(j) = joined.iter().find(|v| v["type"] == "room_joined") {
                    targets.session_id = j["session_id"].as_u64().unwrap();
                }
            }
            if matches!(prep, Prep::Session | Prep::Lead) {
                marker += 1.0;
                exchange(&mut ws, json!({"type": "session_join", "media_id": target}), marker).await;
            }
            if prep == Prep::Lead {
                marker += 1.0;
                let lead = json!({"type": "session_control", "media_id": target, "control": {"action": "take_lead"}});
                exchange(&mut ws, lead, marker).await;
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
    let title = m["title"].as_str().unwrap();
    for a in ["Other", "Viewer", "Commenter", "Guest"] {
        assert!(!title.contains(a), "renamed by {a}: {m}");
    }
    let mut own = ws_for(&s, OWNER).await;
    own.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    let joined = own.recv_type("room_joined").await;
    let comments = joined["comments"].to_string();
    for a in ["Other", "Viewer", "GuestView", "GuestOther", "LinkView"] {
        assert!(
            !comments.contains(&format!("by {a}\"")),
            "a comment or edit of {a} landed: {comments}"
        );
    }
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
    use crate::organizer_support::{add_media, add_user, answer, page, plugin_cmd, wait_up};
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
        s.put_media_file(&id, "original.mp4", b"frames");
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
