//! The Python SDK end to end, and protocol 1.2: stubs in step with the proto, the package
//! installed with pip, Python plugins that crash, hang or answer garbage, the authorization
//! matrix of the 1.2 actions with a narrowing plugin, the inbox writes seen live in rooms,
//! the 1.2 events, and tracker_notes importing a CSV export. (basic_folders in Python runs
//! the same cases as in Rust: organizer.rs.)

use crate::common::{client, TestServer, Ws};
use crate::organizer_support::*;
use dailies_server::organizer::LinkState;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn python_stubs_match_the_proto() {
    let out = std::process::Command::new("python3")
        .arg(repo().join("organizer-sdk/python/gen_stubs.py"))
        .arg("--check")
        .output()
        .expect("python3 with grpcio-tools (scripts/install-deps.sh --test)");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_python_sdk_installs_with_pip() {
    // A real `pip install` of the checkout, offline (grpcio, protobuf and setuptools come
    // from the system), into a directory of its own, then imported from there alone.
    let target = tempfile::tempdir().unwrap();
    let copy = tempfile::tempdir().unwrap();
    // From a copy: building leaves build/ and *.egg-info beside the sources.
    let st = std::process::Command::new("cp")
        .arg("-r")
        .arg(repo().join("organizer-sdk/python"))
        .arg(copy.path())
        .status()
        .unwrap();
    assert!(st.success());
    let out = std::process::Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
        ])
        .args(["--root-user-action=ignore", "--target"])
        .arg(target.path())
        .arg(copy.path().join("python"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import dailies_organizer as d, inspect, sys; print(d.__version__, d.PROTOCOL_MAJOR, d.PROTOCOL_MINOR, \
             inspect.getfile(d).startswith(sys.argv[1]), hasattr(d.pb, 'AddCommentRequest'))",
        ])
        .arg(target.path())
        .env("PYTHONPATH", target.path())
        .current_dir(target.path())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("0.2.0 1 {} True True", organizer_sdk::PROTOCOL_MINOR),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn with_py(path: &str, env: &[&str], timeout: Duration) -> TestServer {
    let cmd = py_plugin_cmd(path, env);
    TestServer::start_with(move |c| {
        c.organizer_cmd = Some(cmd);
        c.organizer_timeout = timeout;
        c.default_link_access = dailies_protocol::LinkAccess::Off;
    })
    .await
}

/// The server's built-in behaviour while the plugin is no help: the owner opens and lists
/// her media, nobody else does.
async fn builtin_rules_answer(s: &TestServer) {
    let t0 = Instant::now();
    assert_eq!(s.get("/api/media/m1", Some("ann")).await.0, 200);
    assert_eq!(s.get("/api/media/m1", Some("bob")).await.0, 404);
    let mut ann = s.ws(Some("ann")).await;
    let p = page(&mut ann, "/").await;
    assert!(p["plugin"].is_null(), "the built-in page: {p}");
    assert_eq!(names(&p["media"], "id"), ["m1"]);
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
}

#[actix_rt::test]
async fn a_python_plugin_that_crashes_hangs_or_answers_garbage_leaves_the_builtin_rules() {
    for mode in ["crash", "hang", "garbage"] {
        let env = format!("MISBEHAVE={mode}");
        let s = with_py(
            "tests/python-organizer/misbehaving.py",
            &[&env],
            Duration::from_millis(400),
        )
        .await;
        let up = wait_up(&s).await;
        assert_eq!(up.plugin.as_deref(), Some(format!("misbehaving-{mode}").as_str()));
        add_user(&s, "ann", false);
        add_user(&s, "bob", false);
        add_media(&s, "m1", "ann", "Shot");
        builtin_rules_answer(&s).await;
        match mode {
            // It died in the call: the server brings up a new process.
            "crash" => {
                wait_status(&s, 20, |x| x.restarts >= 1).await;
            }
            // Timeouts in a row: counted as hung, restarted.
            "hang" => {
                for _ in 0..3 {
                    let _ = s.get("/api/media/m1", Some("ann")).await;
                }
                wait_status(&s, 20, |x| x.restarts >= 1).await;
            }
            // Answers that decode to nothing: refused, and the plugin stays up.
            _ => assert_eq!(state(&s).organizer.status().await.state, LinkState::Up),
        }
        builtin_rules_answer(&s).await;
    }
}

/// A request as `user` (with their usual name); answers the status and JSON body.
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

async fn joined(s: &TestServer, user: &str, media: &str) -> Ws {
    let mut ws = s.ws(Some(user)).await;
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    let r = answer(&mut ws, "join_room", "room_joined").await;
    assert_eq!(r["type"], "room_joined", "{user} joins {media}: {r}");
    ws
}

/// Adds a comment over the socket; answers the room's event or the error.
async fn comment(ws: &mut Ws, media: &str, text: &str) -> Value {
    ws.send(
        json!({"type": "add_comment", "media_id": media, "text": text, "frame": 1,
                   "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
    )
    .await;
    loop {
        let v = answer(ws, "add_comment", "room_event").await;
        if v["type"] == "error" || v["event"]["comment"]["text"] == text {
            return v;
        }
    }
}

/// The next room event of `kind` (or an error answering `request`).
async fn room_event(ws: &mut Ws, request: &str, kind: &str) -> Value {
    loop {
        let v = answer(ws, request, "room_event").await;
        if v["type"] == "error" || v["event"]["kind"] == kind {
            return v;
        }
    }
}

fn err_code(v: &Value) -> (&str, &str) {
    (v["type"].as_str().unwrap_or(""), v["code"].as_str().unwrap_or(""))
}

#[actix_rt::test]
async fn the_new_actions_follow_a_narrowing_plugin_and_the_builtin_rule() {
    let s = with_py("tests/python-organizer/narrowing.py", &[], Duration::from_secs(5)).await;
    let st = wait_up(&s).await;
    assert_eq!(st.capabilities, ["authorize", "events", "commands"]);
    for (u, admin) in [
        ("ann", false),
        ("bob", false),
        ("carol", false),
        ("admin", true),
        ("no-uploads", false),
    ] {
        add_user(&s, u, admin);
    }
    add_media(&s, "m1", "ann", "[frozen] Shot");
    add_media(&s, "m2", "ann", "Shot");
    let bob_comments = json!({"link_access": "off", "users": [{"user_id": "bob", "role": "commenter"}]});

    // share: the plugin freezes m1's sharing for its owner; an admin may still.
    let (code, v) = call(&s, "ann", "PUT", "/api/media/m1/sharing", Some(bob_comments.clone())).await;
    assert_eq!(code, 403, "{v}");
    assert!(v["message"].as_str().unwrap().contains("frozen"), "{v}");
    assert_eq!(
        call(&s, "admin", "PUT", "/api/media/m1/sharing", Some(bob_comments.clone()))
            .await
            .0,
        200
    );
    assert_eq!(
        call(&s, "ann", "PUT", "/api/media/m2/sharing", Some(bob_comments))
            .await
            .0,
        200
    );
    // Reading sharing is the built-in rule's: the owner still may.
    assert_eq!(call(&s, "ann", "GET", "/api/media/m1/sharing", None).await.0, 200);
    // carol, who may not even view, gets 404 whatever the action.
    let none = json!({"link_access": "off", "users": []});
    assert_eq!(
        call(&s, "carol", "PUT", "/api/media/m2/sharing", Some(none)).await.0,
        404
    );

    // set_status: a commenter may on m2, nobody but an admin on m1.
    let approved = json!({"status": "approved"});
    for (user, media, want) in [
        ("bob", "m2", 200),
        ("ann", "m2", 200),
        ("bob", "m1", 403),
        ("ann", "m1", 403),
        ("admin", "m1", 200),
        ("carol", "m2", 404),
    ] {
        let (code, v) = call(
            &s,
            user,
            "PUT",
            &format!("/api/media/{media}/status"),
            Some(approved.clone()),
        )
        .await;
        assert_eq!(code, want, "set_status {user} {media}: {v}");
    }

    // create_guest_link: the owner on m2, not on m1; a commenter on neither (built in).
    let link = json!({"label": "client", "can_comment": true, "can_download": false});
    for (user, media, want) in [
        ("ann", "m2", 201),
        ("ann", "m1", 403),
        ("admin", "m1", 201),
        ("bob", "m2", 403),
    ] {
        let (code, v) = call(
            &s,
            user,
            "POST",
            &format!("/api/media/{media}/guest-links"),
            Some(link.clone()),
        )
        .await;
        assert_eq!(code, want, "create_guest_link {user} {media}: {v}");
    }

    // upload: refused to one user, with the plugin's reason, on both upload routes.
    let (code, v) = s.upload("no-uploads", "a.mov", b"bytes".to_vec()).await;
    assert_eq!(code, 403, "{v}");
    assert!(v["message"].as_str().unwrap().contains("closed"), "{v}");
    let mut r = client()
        .post(s.url("/api/tus/"))
        .insert_header(("X-Remote-User-Id", "no-uploads"))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .insert_header(("Upload-Length", "5"))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body = r.body().await.unwrap();
    assert!(
        status == 403,
        "tus create for no-uploads: {status} {}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(s.upload("ann", "a.mov", b"bytes".to_vec()).await.0, 201);

    // join_session: bob may comment on both, but join m1's live session not.
    let mut bob1 = joined(&s, "bob", "m1").await;
    bob1.send(json!({"type": "session_join", "media_id": "m1"})).await;
    let r = answer(&mut bob1, "session_join", "collab").await;
    assert_eq!(err_code(&r), ("error", "forbidden"), "{r}");
    assert!(r["message"].as_str().unwrap().contains("frozen"), "{r}");
    let mut bob2 = joined(&s, "bob", "m2").await;
    bob2.send(json!({"type": "session_join", "media_id": "m2"})).await;
    let r = answer(&mut bob2, "session_join", "collab").await;
    assert_eq!(r["state"]["active"], true, "{r}");

    // edit_comment / delete_comment: bob's own comments, on m2 yes, on m1 not; an admin
    // may on m1 (built in: author or admin).
    let c1 = comment(&mut bob1, "m1", "on frozen").await;
    assert_eq!(c1["type"], "room_event", "commenting is not frozen: {c1}");
    let c1 = c1["event"]["comment"]["id"].as_i64().unwrap();
    bob1.send(json!({"type": "edit_comment", "comment_id": c1, "text": "x", "drawing": null}))
        .await;
    let r = room_event(&mut bob1, "edit_comment", "comment_edited").await;
    assert_eq!(err_code(&r), ("error", "forbidden"), "{r}");
    bob1.send(json!({"type": "delete_comment", "comment_id": c1})).await;
    let r = room_event(&mut bob1, "delete_comment", "comment_deleted").await;
    assert_eq!(err_code(&r), ("error", "forbidden"), "{r}");
    let c2 = comment(&mut bob2, "m2", "on plain").await["event"]["comment"]["id"]
        .as_i64()
        .unwrap();
    bob2.send(json!({"type": "edit_comment", "comment_id": c2, "text": "edited", "drawing": null}))
        .await;
    let r = room_event(&mut bob2, "edit_comment", "comment_edited").await;
    assert_eq!(r["event"]["comment"]["text"], "edited", "{r}");
    let mut admin1 = joined(&s, "admin", "m1").await;
    admin1
        .send(json!({"type": "edit_comment", "comment_id": c1, "text": "by admin", "drawing": null}))
        .await;
    let r = room_event(&mut admin1, "edit_comment", "comment_edited").await;
    assert_eq!(r["event"]["comment"]["text"], "by admin", "{r}");
    // ann (owner, not the author) may not edit bob's comment: the built-in rule.
    let mut ann2 = joined(&s, "ann", "m2").await;
    ann2.send(json!({"type": "edit_comment", "comment_id": c2, "text": "mine now", "drawing": null}))
        .await;
    let r = room_event(&mut ann2, "edit_comment", "comment_edited").await;
    assert_eq!(err_code(&r), ("error", "forbidden"), "{r}");
}

/// A value the narrowing plugin wrote to its store, once it is there.
async fn stored(s: &TestServer, key: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(text) = s.plugin_value(key).await.filter(|t| !t.is_empty()) {
            return serde_json::from_str(&text).unwrap();
        }
        assert!(Instant::now() < deadline, "the plugin never stored {key}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_rt::test]
async fn inbox_writes_take_the_users_paths_and_rooms_see_them_live() {
    let s = with_py("tests/python-organizer/narrowing.py", &[], Duration::from_secs(5)).await;
    wait_up(&s).await;
    for u in ["ann", "bob", "carol"] {
        add_user(&s, u, false);
    }
    add_media(&s, "m2", "ann", "Shot");
    let share = json!({"link_access": "off", "users": [{"user_id": "bob", "role": "commenter"}]});
    assert_eq!(
        call(&s, "ann", "PUT", "/api/media/m2/sharing", Some(share)).await.0,
        200
    );
    let ev = stored(&s, "event/shares_changed").await;
    assert_eq!(ev["sharing"]["users"][0]["user_id"], "bob", "{ev}");
    assert_eq!(ev["by"]["id"], "ann", "{ev}");

    let mut ann = joined(&s, "ann", "m2").await;
    let mut cmd = s.ws(Some("ann")).await;

    // As the plugin itself: shown under its name, marked.
    let r = command(
        &mut cmd,
        "add_comment",
        json!({"media": "m2", "text": "from the tracker", "frame": 4}),
    )
    .await;
    assert_eq!(r["type"], "organizer_command_result", "{r}");
    assert_eq!(r["result"]["via_plugin"], "narrowing", "{r}");
    let e = room_event(&mut ann, "-", "comment_added").await;
    let c = &e["event"]["comment"];
    assert_eq!(
        (
            c["user_id"].as_str(),
            c["user_name"].as_str(),
            c["via_plugin"].as_str(),
            c["frame"].as_i64()
        ),
        (
            Some("organizer:narrowing"),
            Some("narrowing"),
            Some("narrowing"),
            Some(4)
        ),
        "{e}"
    );
    let own = c["id"].as_i64().unwrap();

    // As a user it speaks for: that user's rights, marked too.
    let r = command(
        &mut cmd,
        "add_comment",
        json!({"media": "m2", "text": "bob's note", "as_user": "bob"}),
    )
    .await;
    assert_eq!(r["result"]["user_id"], "bob", "{r}");
    let e = room_event(&mut ann, "-", "comment_added").await;
    assert_eq!(e["event"]["comment"]["via_plugin"], "narrowing", "{e}");
    assert_eq!(e["event"]["comment"]["user_name"], "bob name", "{e}");
    let r = command(
        &mut cmd,
        "add_comment",
        json!({"media": "m2", "text": "no", "as_user": "carol"}),
    )
    .await;
    assert_eq!(err_code(&r), ("error", "not_found"), "carol may not even view: {r}");
    let r = command(
        &mut cmd,
        "add_comment",
        json!({"media": "m2", "text": "no", "as_user": "nobody"}),
    )
    .await;
    assert_eq!(err_code(&r), ("error", "not_found"), "{r}");
    let r = command(&mut cmd, "add_comment", json!({"media": "m2", "text": "   "})).await;
    assert_eq!(err_code(&r), ("error", "bad_message"), "the room's own checks: {r}");

    // Edit and delete its own comment; another's only as its author.
    let r = command(&mut cmd, "edit_comment", json!({"id": own, "text": "fixed"})).await;
    assert_eq!(r["result"]["text"], "fixed", "{r}");
    let e = room_event(&mut ann, "-", "comment_edited").await;
    assert_eq!(e["event"]["comment"]["text"], "fixed", "{e}");
    let bobs = comment(&mut joined(&s, "bob", "m2").await, "m2", "typed by bob").await["event"]["comment"]["id"]
        .as_i64()
        .unwrap();
    let r = command(&mut cmd, "edit_comment", json!({"id": bobs, "text": "hijack"})).await;
    assert_eq!(err_code(&r), ("error", "forbidden"), "{r}");
    let r = command(&mut cmd, "delete_comment", json!({"id": own})).await;
    assert_eq!(r["type"], "organizer_command_result", "{r}");
    room_event(&mut ann, "-", "comment_deleted").await;

    // Title and status, as the owner and as the plugin; the room and the plugin hear.
    let r = command(
        &mut cmd,
        "set_title",
        json!({"media": "m2", "title": "Shot 010 v2", "as_user": "ann"}),
    )
    .await;
    assert_eq!(r["result"]["title"], "Shot 010 v2", "{r}");
    let u = answer(&mut ann, "-", "media_updated").await;
    assert_eq!(u["media"]["title"], "Shot 010 v2", "{u}");
    let r = command(
        &mut cmd,
        "set_title",
        json!({"media": "m2", "title": "x", "as_user": "bob"}),
    )
    .await;
    assert_eq!(err_code(&r), ("error", "forbidden"), "a commenter may not rename: {r}");
    let r = command(
        &mut cmd,
        "set_status",
        json!({"media": "m2", "status": "changes_requested"}),
    )
    .await;
    assert_eq!(r["result"]["status"], "changes_requested", "{r}");
    let ev = stored(&s, "event/status_changed").await;
    assert_eq!(ev["change"]["status"], "changes_requested", "{ev}");
    let r = command(&mut cmd, "set_status", json!({"media": "m2", "status": "done"})).await;
    assert_eq!(err_code(&r), ("error", "bad_message"), "{r}");
    let r = command(&mut cmd, "read", json!({"media": "m2"})).await;
    assert_eq!(r["result"]["sharing"]["users"][0]["role"], "commenter", "{r}");
    assert_eq!(
        r["result"]["status"]["history"][0]["user_id"], "organizer:narrowing",
        "{r}"
    );

    // Open a media (one she may view) or a page on ann's clients.
    let r = command(&mut cmd, "open", json!({"user": "ann", "media": "m2", "frame": 12})).await;
    assert_eq!(r["result"]["sessions"], 2, "both of ann's sockets: {r}");
    let o = answer(&mut ann, "-", "organizer_open").await;
    assert_eq!(
        (o["media_id"].as_str(), o["frame"].as_i64()),
        (Some("m2"), Some(12)),
        "{o}"
    );
    let r = command(&mut cmd, "open", json!({"user": "carol", "media": "m2"})).await;
    assert_eq!(err_code(&r), ("error", "not_found"), "{r}");
    let r = command(&mut cmd, "open", json!({"user": "ann", "path": "/f/3"})).await;
    assert_eq!(r["result"]["sessions"], 2, "{r}");
    let o = answer(&mut ann, "-", "organizer_open").await;
    assert_eq!(o["path"], "/f/3", "{o}");

    // A new version uploaded into m2's stack reaches the plugin as version_added.
    let mut resp = client()
        .post(s.url("/api/upload?version_of=m2"))
        .insert_header(("X-Remote-User-Id", "ann"))
        .insert_header(("X-Remote-User-Name", "ann name"))
        .insert_header(("X-File-Name", "v2.mov"))
        .send_body(&b"any bytes: processing may fail"[..])
        .await
        .unwrap();
    let up: Value = resp.json().await.unwrap();
    assert_eq!(resp.status().as_u16(), 201, "{up}");
    let ev = stored(&s, "event/version_added").await;
    assert_eq!(
        (ev["version_of"].as_str(), ev["media"]["id"].as_str()),
        (Some("m2"), up["id"].as_str()),
        "{ev}"
    );

    // A guest's comment reaches the plugin as guest_comment_added.
    let (code, link) = call(
        &s,
        "ann",
        "POST",
        "/api/media/m2/guest-links",
        Some(json!({"can_comment": true, "can_download": false})),
    )
    .await;
    assert_eq!(code, 201, "{link}");
    let r = client()
        .post(s.url("/api/guest/session"))
        .send_json(&json!({"token": link["token"], "name": "Cleo"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
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
    let mut guest = Ws { framed };
    guest
        .send(json!({"type": "join_room", "media_id": "m2", "since_seq": null}))
        .await;
    assert_eq!(
        answer(&mut guest, "join_room", "room_joined").await["type"],
        "room_joined"
    );
    assert_eq!(comment(&mut guest, "m2", "love it").await["type"], "room_event");
    let ev = stored(&s, "event/guest_comment_added").await;
    assert_eq!(
        (
            ev["comment"]["text"].as_str(),
            ev["comment"]["user_name"].as_str(),
            ev["comment"]["guest"].as_bool()
        ),
        (Some("love it"), Some("Cleo"), Some(true)),
        "{ev}"
    );
}

#[actix_rt::test]
async fn tracker_notes_imports_a_csv_export_as_comments_once() {
    let s = with_py(
        "organizer-sdk/python/examples/tracker_notes.py",
        &[],
        Duration::from_secs(5),
    )
    .await;
    wait_up(&s).await;
    for u in ["ann", "bob", "carol"] {
        add_user(&s, u, false);
    }
    add_media(&s, "m1", "ann", "SH010");
    add_media(&s, "m2", "ann", "SH020");
    let share = json!({"link_access": "off", "users": [{"user_id": "bob", "role": "commenter"}]});
    assert_eq!(
        call(&s, "ann", "PUT", "/api/media/m1/sharing", Some(share)).await.0,
        200
    );
    let mut room = joined(&s, "ann", "m1").await;
    let mut ann = s.ws(Some("ann")).await;
    let p = page(&mut ann, "/").await;
    assert!(
        p["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["command"] == "import_notes"),
        "{p}"
    );

    let csv = "shot,frame,author,note\n\
               SH010,12,bob,\"Tighter cut, please\"\n\
               sh010,24,carol,Carol cannot comment here\n\
               SH020,3,zed,From someone unknown\n\
               SH030,1,bob,No such shot\n\
               SH010,soon,bob,Bad frame\n\
               SH010,5,bob,\n";
    let r = command(&mut ann, "import_notes", json!({"csv": csv})).await;
    assert_eq!(r["type"], "organizer_command_result", "{r}");
    let imported = r["result"]["imported"].as_array().unwrap();
    let who: Vec<(&str, &str)> = imported
        .iter()
        .map(|i| (i["media_id"].as_str().unwrap(), i["as"].as_str().unwrap()))
        .collect();
    assert_eq!(
        who,
        [
            ("m1", "bob"),
            ("m1", "organizer:tracker_notes"),
            ("m2", "organizer:tracker_notes")
        ],
        "{r}"
    );
    let skipped: Vec<i64> = r["result"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["line"].as_i64().unwrap())
        .collect();
    assert_eq!(skipped, [5, 6, 7], "every bad row is named: {r}");
    assert!(
        r["result"]["skipped"][0]["why"].as_str().unwrap().contains("SH030"),
        "{r}"
    );

    // The room sees them at once, as who wrote them, marked as imported.
    let mut seen = vec![];
    while seen.len() < 2 {
        let e = room_event(&mut room, "-", "comment_added").await;
        let c = &e["event"]["comment"];
        assert_eq!(c["via_plugin"], "tracker_notes", "{e}");
        seen.push((
            c["user_id"].as_str().unwrap().to_string(),
            c["text"].as_str().unwrap().to_string(),
        ));
    }
    assert_eq!(seen[0], ("bob".to_string(), "Tighter cut, please".to_string()));
    assert_eq!(
        seen[1],
        (
            "organizer:tracker_notes".to_string(),
            "carol: Carol cannot comment here".to_string()
        )
    );

    // Imported again: nothing doubles.
    let r = command(&mut ann, "import_notes", json!({"csv": csv})).await;
    assert_eq!(r["result"]["imported"], json!([]), "{r}");
    assert_eq!(r["result"]["already_imported"], 3, "{r}");
    let r = command(&mut ann, "import_notes", json!({"csv": "just,some\ntext,here\n"})).await;
    assert_eq!(err_code(&r), ("error", "bad_message"), "{r}");
}

/// The plugin of docs/plugin-guide.md, in each language: the same answers.
async fn guide_plugin(flavor: Flavor) {
    let cmd = match flavor {
        Flavor::Rust => plugin_cmd("embargo", &[]),
        Flavor::Python => py_plugin_cmd("organizer-sdk/python/examples/embargo.py", &[]),
    };
    let s = TestServer::start_with(move |c| c.organizer_cmd = Some(cmd)).await;
    assert_eq!(wait_up(&s).await.plugin.as_deref(), Some("embargo"));
    add_user(&s, "ann", false);
    add_user(&s, "admin", true);
    add_media(&s, "m1", "ann", "Trailer");
    let mut ann = s.ws(Some("ann")).await;
    let p = page(&mut ann, "/").await;
    assert_eq!(names(&p["media"], "id"), ["m1"], "{p}");
    assert_eq!(p["actions"][0]["command"], "embargo", "{p}");
    let r = command(&mut ann, "embargo", json!({"media": "m1"})).await;
    assert_eq!(r["result"]["title"], "[embargo] Trailer", "{r}");
    assert_eq!(r["refresh"], true);
    let (code, body) = s.get("/api/media/m1", Some("ann")).await;
    assert_eq!(code, 404, "embargoed for its owner too: {body}");
    assert_eq!(s.get("/api/media/m1", Some("admin")).await.0, 200);
    assert!(page(&mut ann, "/").await["media"].as_array().unwrap().is_empty());
    let r = command(&mut ann, "embargo", json!({})).await;
    assert_eq!(err_code(&r), ("error", "bad_message"), "{r}");
}

#[actix_rt::test]
async fn the_guide_plugin_in_rust() {
    guide_plugin(Flavor::Rust).await;
}

#[actix_rt::test]
async fn the_guide_plugin_in_python() {
    guide_plugin(Flavor::Python).await;
}
