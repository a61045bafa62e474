//! The organizer plugin end to end: real plugin processes (organizer-sdk's examples) over
//! real Unix sockets, started and supervised by an in-process server.

use crate::common::TestServer;
use crate::organizer_support::*;
use dailies_server::organizer::LinkState;
use serde_json::json;
use std::time::{Duration, Instant};

async fn with_plugin(cmd: String, timeout: Duration) -> TestServer {
    TestServer::start_with(move |c| {
        c.organizer_cmd = Some(cmd);
        c.organizer_timeout = timeout;
    })
    .await
}

#[actix_rt::test]
async fn basic_folders_end_to_end_rust() {
    basic_folders_end_to_end(Flavor::Rust).await;
}

#[actix_rt::test]
async fn basic_folders_end_to_end_python() {
    basic_folders_end_to_end(Flavor::Python).await;
}

async fn basic_folders_end_to_end(flavor: Flavor) {
    let s = with_plugin(basic_folders_cmd(flavor), Duration::from_secs(2)).await;
    let st = wait_up(&s).await;
    assert_eq!(st.plugin.as_deref(), Some("basic_folders"));
    add_user(&s, "ann", false);
    add_user(&s, "bob", false);
    add_media(&s, "m1", "ann", "Shot 1");
    add_media(&s, "m2", "ann", "Shot 2");
    add_media(&s, "m3", "bob", "Bob's shot");

    let mut ann = s.ws(Some("ann")).await;
    let home = page(&mut ann, "/").await;
    assert_eq!(home["type"], "organizer_page_view", "{home}");
    assert_eq!(home["plugin"], "basic_folders");
    assert_eq!(names(&home["media"], "id"), ["m2", "m1"].map(String::from));
    assert!(home["actions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["command"] == "create_folder"));

    // Create and nest folders, move media into one.
    let r = command(&mut ann, "create_folder", json!({"name": "Day 1"})).await;
    assert_eq!(r["type"], "organizer_command_result", "{r}");
    assert_eq!(r["refresh"], true);
    let day1 = r["result"]["id"].as_str().unwrap().to_string();
    let r = command(&mut ann, "create_folder", json!({"name": "Selects", "parent": day1})).await;
    let selects = r["result"]["id"].as_str().unwrap().to_string();
    let r = command(&mut ann, "move_media", json!({"media": ["m1"], "folder": selects})).await;
    assert_eq!(r["result"]["moved"], 1, "{r}");
    let r = command(&mut ann, "move_media", json!({"media": "m3", "folder": selects})).await;
    assert_eq!(
        (r["type"].as_str(), r["code"].as_str()),
        (Some("error"), Some("not_found")),
        "bob's media: {r}"
    );

    let home = page(&mut ann, "/").await;
    assert_eq!(names(&home["folders"], "name"), ["Day 1"]);
    assert_eq!(names(&home["media"], "id"), ["m2"]);
    let inside = page(&mut ann, &format!("/f/{selects}")).await;
    assert_eq!(inside["title"], "Selects");
    assert_eq!(names(&inside["breadcrumbs"], "label"), ["My media", "Day 1", "Selects"]);
    assert_eq!(names(&inside["media"], "id"), ["m1"]);

    // Opening a folder makes it the current one: a new upload lands there.
    let (code, up) = s
        .upload("ann", "shot4.mov", b"any bytes: processing may fail".to_vec())
        .await;
    assert_eq!(code, 201, "{up}");
    let m4 = up["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let inside = page(&mut ann, &format!("/f/{selects}")).await;
        if names(&inside["media"], "id").contains(&m4) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the upload never landed in the current folder"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Rename, then delete a folder: its contents move up.
    let r = command(&mut ann, "rename_folder", json!({"folder": day1, "name": "Day one"})).await;
    assert_eq!(r["type"], "organizer_command_result", "{r}");
    let r = command(&mut ann, "delete_folder", json!({"folder": selects})).await;
    assert_eq!(r["type"], "organizer_command_result", "{r}");
    let d1 = page(&mut ann, &format!("/f/{day1}")).await;
    assert_eq!(d1["title"], "Day one");
    let mut got = names(&d1["media"], "id");
    got.sort();
    let mut want = vec!["m1".to_string(), m4.clone()];
    want.sort();
    assert_eq!(got, want);

    // Bob sees only his own tree, and may not touch Ann's or list users.
    let mut bob = s.ws(Some("bob")).await;
    let bhome = page(&mut bob, "/").await;
    assert_eq!(names(&bhome["media"], "id"), ["m3"]);
    assert!(bhome["folders"].as_array().unwrap().is_empty());
    let users = page(&mut bob, "/users").await;
    assert_eq!(users["path"], "/", "non-admins are sent home");
    let r = command(&mut bob, "create_folder", json!({"name": "x", "owner": "ann"})).await;
    assert_eq!(r["code"], "forbidden", "{r}");

    // The admin lists users and manages Ann's folders.
    let mut admin = s.ws(Some("admin")).await;
    let users = page(&mut admin, "/users").await;
    let ids = names(&users["folders"], "id");
    assert!(ids.contains(&"ann".into()) && ids.contains(&"bob".into()), "{users}");
    let ann_home = page(&mut admin, "/users/ann").await;
    assert_eq!(names(&ann_home["folders"], "name"), ["Day one"]);
    let r = command(
        &mut admin,
        "create_folder",
        json!({"name": "From admin", "owner": "ann"}),
    )
    .await;
    assert_eq!(r["type"], "organizer_command_result", "{r}");
    let home = page(&mut ann, "/").await;
    assert_eq!(names(&home["folders"], "name"), ["Day one", "From admin"]);
}

#[actix_rt::test]
async fn folders_survive_plugin_and_server_restarts_rust() {
    folders_survive_plugin_and_server_restarts(Flavor::Rust).await;
}

#[actix_rt::test]
async fn folders_survive_plugin_and_server_restarts_python() {
    folders_survive_plugin_and_server_restarts(Flavor::Python).await;
}

async fn folders_survive_plugin_and_server_restarts(flavor: Flavor) {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().to_path_buf();
    let cmd = basic_folders_cmd(flavor);
    let mut s = TestServer::start_in(dir, |c| c.organizer_cmd = Some(cmd.clone())).await;
    wait_up(&s).await;
    add_user(&s, "ann", false);
    let mut ann = s.ws(Some("ann")).await;
    let r = command(&mut ann, "create_folder", json!({"name": "Keep me"})).await;
    assert_eq!(r["type"], "organizer_command_result", "{r}");

    // The plugin dies: its successor reads the folders back from the server's store.
    let st = state(&s).organizer.status().await;
    unsafe { libc::kill(st.pid.unwrap() as i32, libc::SIGKILL) };
    wait_status(&s, 20, |x| x.state == LinkState::Up && x.restarts >= 1).await;
    assert_eq!(names(&page(&mut ann, "/").await["folders"], "name"), ["Keep me"]);
    drop(ann);

    // And the whole server restarts.
    let dir = s.dir.path().to_path_buf();
    assert_eq!(dir, keep);
    s.stop().await;
    let s2 = TestServer::start_in(tempfile::TempDir::new().unwrap(), |c| {
        c.data_dir = dir;
        c.organizer_cmd = Some(cmd);
    })
    .await;
    wait_up(&s2).await;
    let mut ann = s2.ws(Some("ann")).await;
    assert_eq!(names(&page(&mut ann, "/").await["folders"], "name"), ["Keep me"]);
}

#[actix_rt::test]
async fn plugin_killed_mid_call_fails_cleanly_and_comes_back() {
    let s = with_plugin(plugin_cmd("reference_plugin", &[]), Duration::from_secs(5)).await;
    let first = wait_up(&s).await;
    add_user(&s, "admin", true);
    add_user(&s, "ann", false);
    add_media(&s, "m1", "ann", "Shot");
    let mut ann = s.ws(Some("ann")).await;
    let mut admin = s.ws(Some("admin")).await;

    ann.send(json!({"type": "organizer_command", "name": "sleep", "args": {"ms": 4000}, "client_ref": "nap"}))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    unsafe { libc::kill(first.pid.unwrap() as i32, libc::SIGKILL) };
    let t0 = Instant::now();
    let r = answer(&mut ann, "organizer_command", "organizer_command_result").await;
    assert_eq!(r["type"], "error", "{r}");
    assert_eq!(r["client_ref"], "nap", "the error names the command: {r}");
    assert!(r["message"].as_str().unwrap().contains("unavailable"), "{r}");
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "the failure is reported at once, not at the timeout"
    );

    // Meanwhile the server answers with its built-in behaviour.
    let p = page(&mut ann, "/").await;
    if p["plugin"].is_null() {
        assert_eq!(names(&p["media"], "id"), ["m1"]);
    }
    let (code, _) = s.get("/api/media/m1", Some("ann")).await;
    assert_eq!(code, 200);

    // Admins hear about it; the plugin comes back (a new process) and so does the page.
    let note = answer(&mut admin, "-", "user_message_added").await;
    assert!(note["message"]["text"].as_str().unwrap().contains("down"), "{note}");
    let back = wait_status(&s, 20, |x| x.state == LinkState::Up && x.restarts >= 1).await;
    assert_ne!(back.pid, first.pid);
    let note = answer(&mut admin, "-", "user_message_added").await;
    assert!(note["message"]["text"].as_str().unwrap().contains("back"), "{note}");
    assert_eq!(page(&mut ann, "/").await["plugin"], "reference");
}

#[actix_rt::test]
async fn crash_loop_backs_off_exponentially() {
    // A "plugin" that dies at once: restarts must spread out, not spin.
    let s = with_plugin("/bin/false".into(), Duration::from_secs(1)).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let st = state(&s).organizer.status().await;
    assert_eq!(st.state, LinkState::Down, "{st:?}");
    assert!(st.reason.as_deref().unwrap_or("").contains("exited"), "{st:?}");
    // 250 ms, 500 ms, 1 s, 2 s…: at most 4 restarts in 2.5 s.
    assert!((1..=4).contains(&st.restarts), "{st:?}");
    add_user(&s, "ann", false);
    add_media(&s, "m1", "ann", "Shot");
    let mut ann = s.ws(Some("ann")).await;
    let p = page(&mut ann, "/").await;
    assert!(p["plugin"].is_null(), "built-in page: {p}");
    assert_eq!(names(&p["media"], "id"), ["m1"]);
}

#[actix_rt::test]
async fn a_plugin_that_hangs_times_out_and_the_builtin_rule_answers() {
    let cmd = plugin_cmd("reference_plugin", &["REFERENCE_SLOW_MS=60000"]);
    let s = with_plugin(cmd, Duration::from_millis(300)).await;
    wait_up(&s).await;
    add_user(&s, "ann", false);
    add_user(&s, "bob", false);
    add_media(&s, "m1", "ann", "[embargo] Shot");

    let t0 = Instant::now();
    let (code, _) = s.get("/api/media/m1", Some("ann")).await;
    assert_eq!(code, 200, "built-in rule: the owner may view (the plugin would deny)");
    let (code, _) = s.get("/api/media/m1", Some("bob")).await;
    assert_eq!(code, 404, "built-in rule: others may not");
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());

    let mut ann = s.ws(Some("ann")).await;
    for _ in 0..3 {
        let t0 = Instant::now();
        let p = page(&mut ann, "/").await;
        assert!(p["plugin"].is_null(), "built-in page after the timeout: {p}");
        assert_eq!(names(&p["media"], "id"), ["m1"]);
        assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    }

    // Timeouts in a row: the plugin counts as hung and is restarted.
    wait_status(&s, 20, |x| x.restarts >= 1).await;
}

#[actix_rt::test]
async fn an_incompatible_plugin_is_refused_clearly() {
    let cmd = plugin_cmd("reference_plugin", &["REFERENCE_PROTOCOL_MAJOR=2"]);
    let s = with_plugin(cmd, Duration::from_secs(2)).await;
    let st = wait_status(&s, 20, |x| x.state == LinkState::Refused).await;
    let why = st.reason.unwrap();
    // The SDK refuses the server first; either side's message names both versions.
    assert!(
        why.contains("protocol")
            && why.contains(&format!("1.{}", organizer_sdk::PROTOCOL_MINOR))
            && why.contains(&format!("2.{}", organizer_sdk::PROTOCOL_MINOR)),
        "{why}"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        state(&s).organizer.status().await.restarts,
        0,
        "no restarts for a refused plugin"
    );
    add_user(&s, "ann", false);
    let mut ann = s.ws(Some("ann")).await;
    assert!(page(&mut ann, "/").await["plugin"].is_null());
}

#[actix_rt::test]
async fn without_a_plugin_the_builtin_library_answers() {
    let s = TestServer::start().await;
    add_user(&s, "ann", false);
    add_media(&s, "m1", "ann", "Shot");
    let mut ann = s.ws(Some("ann")).await;
    let p = page(&mut ann, "/anything").await;
    assert_eq!(p["path"], "/");
    assert!(p["plugin"].is_null());
    assert_eq!(names(&p["media"], "id"), ["m1"]);
    let r = command(&mut ann, "create_folder", json!({})).await;
    assert_eq!(r["type"], "error");
    assert_eq!(state(&s).organizer.status().await.state, LinkState::Off);
}

/// The contract every reference plugin (Rust or Python) must pass: handshake, pages,
/// authorization through the proxy, commands and the inbox.
async fn contract_checks(s: &TestServer, name: &str) {
    let st = wait_up(s).await;
    assert_eq!(st.plugin.as_deref(), Some(name));
    assert_eq!(st.capabilities, ["pages", "authorize", "events", "commands"]);
    add_user(s, "ann", false);
    add_user(s, "admin", true);
    let plain = add_media(s, "m1", "ann", "Shot");
    let embargoed = add_media(s, "m2", "ann", "[embargo] Trailer");

    let mut ann = s.ws(Some("ann")).await;
    let home = page(&mut ann, "/").await;
    assert_eq!(home["plugin"], name, "{home}");
    assert_eq!(home["title"], "Home");
    assert_eq!(
        home["folders"],
        json!([{"id": "inbox", "name": "Inbox", "path": "/inbox", "item_count": 2}])
    );
    let inbox = page(&mut ann, "/inbox").await;
    assert_eq!(names(&inbox["breadcrumbs"], "label"), ["Home", "Inbox"]);
    // The plugin lists both; ann may not view the embargoed one, so the server drops it
    // (asking the Rust plugin with one AuthorizeBatch; the Python one has no batch call,
    // answers UNIMPLEMENTED, and is asked one media at a time).
    assert_eq!(names(&inbox["media"], "id"), ["m1"]);
    assert_eq!(
        inbox["actions"],
        json!([{"command": "echo", "label": "Echo", "scope": "page", "args": {"from": "inbox"}, "prompt": ["text"]}])
    );

    let org = state(s).organizer;
    let user = |id: &str, admin| dailies_protocol::UserInfo {
        id: dailies_protocol::UserId(id.into()),
        name: id.into(),
        is_admin: admin,
    };
    let v = org.authorize(&user("ann", false), &plain, "view", true).await.unwrap();
    assert!(v.allow);
    let v = org
        .authorize(&user("ann", false), &embargoed, "view", true)
        .await
        .unwrap();
    assert!(!v.allow && v.reason.contains("embargo"), "{v:?}");
    let v = org
        .authorize(&user("admin", true), &embargoed, "delete", true)
        .await
        .unwrap();
    assert!(v.allow);
    let v = org
        .authorize(&user("bob", false), &plain, "comment", false)
        .await
        .unwrap();
    assert!(!v.allow);

    let r = command(&mut ann, "echo", json!({"text": "hi", "n": [1, 2]})).await;
    assert_eq!(r["result"], json!({"text": "hi", "n": [1, 2]}), "{r}");
    assert_eq!(r["refresh"], false);
    let r = command(&mut ann, "whoami", json!(null)).await;
    assert_eq!(r["result"], json!({"id": "ann", "admin": false}), "{r}");
    let r = command(&mut ann, "kv_roundtrip", json!({"key": "k/1", "value": "v1"})).await;
    assert_eq!(r["result"], json!({"value": "v1"}), "{r}");
    // The notification and the command's answer both come, in either order: the message
    // reaches the user through the hub, the answer through the plugin's reply.
    ann.send(json!({"type": "organizer_command", "name": "message", "args": {"text": "hello from the plugin"}}))
        .await;
    let (mut m, mut r) = (None, None);
    while m.is_none() || r.is_none() {
        let v = ann.recv_within(20).await;
        match v["type"].as_str() {
            Some("user_message_added") => m = Some(v),
            Some("organizer_command_result") => r = Some(v),
            Some("error") => panic!("{v}"),
            _ => {}
        }
    }
    let (m, r) = (m.unwrap(), r.unwrap());
    assert_eq!(m["message"]["text"], "hello from the plugin", "{m}");
    assert_eq!(m["message"]["kind"], "organizer");
    assert!(r["result"]["id"].is_number(), "{r}");
    let r = command(&mut ann, "no_such_command", json!({})).await;
    assert_eq!(
        (r["type"].as_str(), r["code"].as_str()),
        (Some("error"), Some("bad_message")),
        "{r}"
    );
}

#[actix_rt::test]
async fn rust_reference_plugin_passes_the_contract_test() {
    let s = with_plugin(plugin_cmd("reference_plugin", &[]), Duration::from_secs(2)).await;
    contract_checks(&s, "reference").await;
}

#[actix_rt::test]
async fn python_plugin_passes_the_contract_test() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/python-organizer");
    let stubs = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("python3")
        .arg(root.join("gen_stubs.py"))
        .arg(stubs.path())
        .output()
        .expect("python3 is needed (scripts/install-deps.sh --test)");
    assert!(
        out.status.success(),
        "generating the Python stubs failed (grpcio-tools missing? run scripts/install-deps.sh --test):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cmd = format!(
        "python3 {} --stubs {}",
        root.join("plugin.py").display(),
        stubs.path().display()
    );
    let s = with_plugin(cmd, Duration::from_secs(2)).await;
    contract_checks(&s, "reference-py").await;
}

/// Puts a file where /files serves it from.
fn media_file(s: &TestServer, id: &str) {
    s.put_media_file(id, "original.mp4", b"not really a movie");
}

#[actix_rt::test]
async fn a_denied_action_is_refused_on_websocket_rest_and_files_alike() {
    let s = with_plugin(plugin_cmd("reference_plugin", &[]), Duration::from_secs(2)).await;
    wait_up(&s).await;
    add_user(&s, "ann", false);
    add_user(&s, "admin", true);
    add_media(&s, "m1", "ann", "Shot");
    add_media(&s, "m2", "ann", "[embargo] Trailer");
    add_media(&s, "m3", "ann", "[locked] Final");
    for id in ["m1", "m2", "m3"] {
        media_file(&s, id);
    }

    // Embargoed: even its owner may not see it, so it is "not found" everywhere.
    let (code, body) = s.get("/api/media/m2", Some("ann")).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("not_found")), "{body}");
    let (code, _, _) = s.fetch("/files/m2/original.mp4", Some("ann"), &[]).await;
    assert_eq!(code, 404);
    let mut ann = s.ws(Some("ann")).await;
    ann.send(json!({"type": "join_room", "media_id": "m2", "since_seq": null}))
        .await;
    let r = answer(&mut ann, "join_room", "room_joined").await;
    assert_eq!(
        (r["type"].as_str(), r["code"].as_str()),
        (Some("error"), Some("not_found")),
        "{r}"
    );
    // The admin may.
    assert_eq!(s.get("/api/media/m2", Some("admin")).await.0, 200);
    assert_eq!(s.fetch("/files/m2/original.mp4", Some("admin"), &[]).await.0, 200);

    // Locked: visible, but renaming and deleting are forbidden, with the plugin's reason.
    assert_eq!(s.get("/api/media/m3", Some("ann")).await.0, 200);
    assert_eq!(s.fetch("/files/m3/original.mp4", Some("ann"), &[]).await.0, 200);
    let mut resp = crate::common::client()
        .delete(s.url("/api/media/m3"))
        .insert_header(("X-Remote-User-Id", "ann"))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        (resp.status().as_u16(), body["error"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("locked"), "{body}");
    ann.send(json!({"type": "rename_media", "media_id": "m3", "title": "x"}))
        .await;
    let r = answer(&mut ann, "rename_media", "media_updated").await;
    assert_eq!(
        (r["type"].as_str(), r["code"].as_str()),
        (Some("error"), Some("forbidden")),
        "{r}"
    );
    assert!(r["message"].as_str().unwrap().contains("locked"), "{r}");
    ann.send(json!({"type": "delete_media", "media_id": "m3"})).await;
    let r = answer(&mut ann, "delete_media", "media_removed").await;
    assert_eq!(r["code"], "forbidden", "{r}");

    // Plain media follows the built-in rule.
    assert_eq!(s.get("/api/media/m1", Some("ann")).await.0, 200);
    assert_eq!(s.fetch("/files/m1/original.mp4", Some("ann"), &[]).await.0, 200);
    assert_eq!(s.get("/api/media/m1", Some("bob")).await.0, 404);
    ann.send(json!({"type": "join_room", "media_id": "m1", "since_seq": null}))
        .await;
    assert_eq!(
        answer(&mut ann, "join_room", "room_joined").await["type"],
        "room_joined"
    );
}

#[actix_rt::test]
async fn comments_reach_the_plugin_as_events() {
    let s = with_plugin(plugin_cmd("reference_plugin", &[]), Duration::from_secs(2)).await;
    wait_up(&s).await;
    add_user(&s, "ann", false);
    add_media(&s, "m1", "ann", "Shot");
    let mut ann = s.ws(Some("ann")).await;
    ann.recv_type("welcome").await;
    ann.send(json!({"type": "join_room", "media_id": "m1", "since_seq": null}))
        .await;
    ann.recv_type("room_joined").await;
    ann.send(
        json!({"type": "add_comment", "media_id": "m1", "text": "tighter cut", "frame": 12,
                    "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
    )
    .await;
    ann.recv_type("room_event").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if s.plugin_value("last_comment").await.as_deref() == Some("ann@12:tighter cut") {
            break;
        }
        assert!(Instant::now() < deadline, "the plugin never heard of the comment");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A server with basic_folders and no link access for new media, so only the owner, the
/// admins and folder shares let anyone open a media file.
async fn with_folders(dir: tempfile::TempDir, flavor: Flavor) -> TestServer {
    let cmd = basic_folders_cmd(flavor);
    TestServer::start_in(dir, |c| {
        c.organizer_cmd = Some(cmd);
        c.organizer_timeout = Duration::from_secs(5);
        c.default_link_access = dailies_protocol::LinkAccess::Off;
    })
    .await
}

/// Joins the media's room; answers `room_joined` or the error.
async fn join(ws: &mut crate::common::Ws, media: &str) -> serde_json::Value {
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    answer(ws, "join_room", "room_joined").await
}

/// Comments on a joined media; answers the room's `comment_added` event or the error.
async fn comment_on(ws: &mut crate::common::Ws, media: &str, text: &str) -> serde_json::Value {
    ws.send(
        json!({"type": "add_comment", "media_id": media, "text": text, "frame": 3,
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

/// A comment on a media the user may only watch by the server's rule: refused with the
/// server's words, not a plugin's guess at the rule.
async fn comment_refused_in_server_words(ws: &mut crate::common::Ws, media: &str) {
    let r = comment_on(ws, media, "not allowed").await;
    assert_eq!(r["code"], "forbidden", "{r}");
    assert_eq!(r["message"], "you may not comment this media", "{r}");
}

/// What `user` gets for the media over HTTP: the media's and its file's status codes.
async fn opens(s: &TestServer, user: &str, media: &str) -> (u16, u16) {
    let (api, _) = s.get(&format!("/api/media/{media}"), Some(user)).await;
    // With the name `get` sends: a request without one renames the user to their id.
    let name = format!("{user} name");
    let path = format!("/files/{media}/original.mp4");
    let (file, _, _) = s.fetch(&path, Some(user), &[("X-Remote-User-Name", &name)]).await;
    (api, file)
}

/// An upload as `user`, with their usual name (see `opens`); answers the new media's id.
async fn upload_as(s: &TestServer, user: &str) -> String {
    let mut resp = crate::common::client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", user))
        .insert_header(("X-Remote-User-Name", format!("{user} name")))
        .insert_header(("X-File-Name", "later.mov"))
        .send_body(&b"any bytes: processing may fail"[..])
        .await
        .unwrap();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(resp.status().as_u16(), 201, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// Polls until `user` may open the media over HTTP (or not), within 10 s.
async fn wait_opens(s: &TestServer, user: &str, media: &str, want: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, body) = s.get(&format!("/api/media/{media}"), Some(user)).await;
        if code == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{user} still gets {code} for {media}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn folder_named<'a>(page: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    page["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no folder {name:?} in {page}"))
}

#[actix_rt::test]
async fn basic_folders_shares_a_folder_with_what_lands_in_it_later_rust() {
    basic_folders_shares_a_folder_with_what_lands_in_it_later(Flavor::Rust).await;
}

#[actix_rt::test]
async fn basic_folders_shares_a_folder_with_what_lands_in_it_later_python() {
    basic_folders_shares_a_folder_with_what_lands_in_it_later(Flavor::Python).await;
}

async fn basic_folders_shares_a_folder_with_what_lands_in_it_later(flavor: Flavor) {
    let s = with_folders(tempfile::tempdir().unwrap(), flavor).await;
    let st = wait_up(&s).await;
    assert!(st.capabilities.iter().any(|c| c == "authorize"), "{st:?}");
    for u in ["alice", "bob", "carol"] {
        add_user(&s, u, false);
    }
    add_media(&s, "m1", "alice", "Cut 1");
    media_file(&s, "m1");
    let mut alice = s.ws(Some("alice")).await;
    let r = command(&mut alice, "create_folder", json!({"name": "Review"})).await;
    let review = r["result"]["id"].as_str().unwrap().to_string();
    let r = command(&mut alice, "create_folder", json!({"name": "Day 2", "parent": review})).await;
    let day2 = r["result"]["id"].as_str().unwrap().to_string();
    command(&mut alice, "move_media", json!({"media": "m1", "folder": review})).await;
    assert_eq!(opens(&s, "bob", "m1").await, (404, 404), "not shared yet");

    // Shared with bob to watch: he opens it, its file and its room, but may not comment.
    let r = command(
        &mut alice,
        "share_folder",
        json!({"folder": review, "users": [{"user_id": "bob", "role": "viewer"}]}),
    )
    .await;
    assert_eq!(r["type"], "organizer_command_result", "{r}");
    assert_eq!(
        r["result"]["users"],
        json!([{"user_id": "bob", "user_name": "bob name", "role": "viewer"}])
    );
    assert_eq!(opens(&s, "bob", "m1").await, (200, 200));
    let mut bob = s.ws(Some("bob")).await;
    let joined = join(&mut bob, "m1").await;
    assert_eq!(
        (joined["type"].as_str(), joined["access"].as_str()),
        (Some("room_joined"), Some("view")),
        "{joined}"
    );
    let r = comment_on(&mut bob, "m1", "from a viewer").await;
    assert_eq!(
        (r["type"].as_str(), r["code"].as_str()),
        (Some("error"), Some("forbidden")),
        "{r}"
    );
    assert!(
        r["message"].as_str().unwrap().contains("watch"),
        "the plugin's reason: {r}"
    );

    // Carol, with whom nothing is shared, finds nothing.
    assert_eq!(opens(&s, "carol", "m1").await, (404, 404));
    let mut carol = s.ws(Some("carol")).await;
    assert_eq!(join(&mut carol, "m1").await["code"], "not_found");
    let r = page(&mut carol, &format!("/shared/alice/{review}")).await;
    assert_eq!(r["path"], "/shared", "an unshared folder is not shown: {r}");
    assert!(r["media"].as_array().unwrap().is_empty() && r["folders"].as_array().unwrap().is_empty());

    // Alice's page says whom the folder is shared with, and offers to stop it.
    let inside = page(&mut alice, &format!("/f/{review}")).await;
    assert_eq!(inside["title"], "Review · shared with bob name (viewer)", "{inside}");
    assert!(
        inside["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["command"] == "unshare_folder" && a["args"]["users"] == json!(["bob"])),
        "{inside}"
    );

    // Made a commenter (as the page action's prompt sends it: ids in one text), bob's
    // comment goes through.
    let r = command(
        &mut alice,
        "share_folder",
        json!({"folder": review, "users": " bob ", "role": "commenter"}),
    )
    .await;
    assert_eq!(r["result"]["users"][0]["role"], "commenter", "{r}");
    // Rejoined, as a reload would: the server hears of folder shares only by asking.
    assert_eq!(join(&mut bob, "m1").await["access"], "comment");
    let r = comment_on(&mut bob, "m1", "from a commenter").await;
    assert_eq!(r["type"], "room_event", "{r}");
    assert_eq!(r["event"]["comment"]["user_id"], "bob");

    // A media alice uploads into the folder later (she has it open) is bob's to see too,
    // and so is one she puts in a subfolder; not carol's.
    page(&mut alice, &format!("/f/{review}")).await;
    let later = upload_as(&s, "alice").await;
    wait_opens(&s, "bob", &later, 200).await;
    assert_eq!(s.get(&format!("/api/media/{later}"), Some("carol")).await.0, 404);
    add_media(&s, "m3", "alice", "Deep cut");
    command(&mut alice, "move_media", json!({"media": "m3", "folder": day2})).await;
    assert_eq!(s.get("/api/media/m3", Some("bob")).await.0, 200);

    // Bob's home lists it under "Shared with me": browsable, read-only.
    let home = page(&mut bob, "/").await;
    let entry = folder_named(&home, "Shared with me");
    assert_eq!(
        (entry["path"].as_str(), entry["item_count"].as_u64()),
        (Some("/shared"), Some(1))
    );
    let shared = page(&mut bob, "/shared").await;
    assert_eq!(names(&shared["folders"], "name"), ["Review (alice name)"], "{shared}");
    assert!(shared["actions"].as_array().unwrap().is_empty(), "{shared}");
    let opened = page(&mut bob, shared["folders"][0]["path"].as_str().unwrap()).await;
    assert_eq!(opened["title"], "Review · shared by alice name (commenter)", "{opened}");
    assert_eq!(
        names(&opened["breadcrumbs"], "label"),
        ["My media", "Shared with me", "Review"]
    );
    let mut media = names(&opened["media"], "id");
    media.sort();
    let mut want = vec!["m1".to_string(), later.clone()];
    want.sort();
    assert_eq!(media, want, "{opened}");
    assert_eq!(names(&opened["folders"], "name"), ["Day 2"]);
    assert!(
        opened["actions"].as_array().unwrap().is_empty(),
        "no folder commands: {opened}"
    );
    let sub = page(&mut bob, opened["folders"][0]["path"].as_str().unwrap()).await;
    assert_eq!(names(&sub["media"], "id"), ["m3"]);
    assert_eq!(
        names(&sub["breadcrumbs"], "label"),
        ["My media", "Shared with me", "Review", "Day 2"]
    );
    for (name, args) in [
        (
            "rename_folder",
            json!({"owner": "alice", "folder": review, "name": "Mine"}),
        ),
        (
            "share_folder",
            json!({"owner": "alice", "folder": review, "users": "carol"}),
        ),
        ("move_media", json!({"owner": "alice", "media": "m1", "folder": null})),
    ] {
        let r = command(&mut bob, name, args).await;
        assert_eq!(r["code"], "forbidden", "{name}: {r}");
    }
    let r = command(&mut bob, "rename_folder", json!({"folder": "shared", "name": "x"})).await;
    assert_eq!(r["code"], "bad_message", "the entry is not a folder of bob's: {r}");
    assert_eq!(opens(&s, "carol", "m1").await, (404, 404), "bob could not share it on");

    // An admin manages anyone's sharing: the subfolder alone for carol, then for nobody.
    add_user(&s, "admin", true);
    let mut admin = s.ws(Some("admin")).await;
    let r = command(
        &mut admin,
        "share_folder",
        json!({"owner": "alice", "folder": day2, "users": "carol"}),
    )
    .await;
    assert_eq!(r["type"], "organizer_command_result", "{r}");
    assert_eq!(s.get("/api/media/m3", Some("carol")).await.0, 200);
    assert_eq!(
        s.get("/api/media/m1", Some("carol")).await.0,
        404,
        "not the folder above"
    );
    let r = command(&mut admin, "unshare_folder", json!({"owner": "alice", "folder": day2})).await;
    assert_eq!(r["result"]["users"], json!([]), "no users: everyone: {r}");
    assert_eq!(s.get("/api/media/m3", Some("carol")).await.0, 404);
    assert_eq!(
        s.get("/api/media/m3", Some("bob")).await.0,
        200,
        "bob's share is the folder above"
    );

    // Unshared: bob's access is gone, and so is the entry.
    let r = command(
        &mut alice,
        "unshare_folder",
        json!({"folder": review, "users": ["bob"]}),
    )
    .await;
    assert_eq!(r["result"]["users"], json!([]), "{r}");
    assert_eq!(opens(&s, "bob", "m1").await, (404, 404));
    assert_eq!(s.get("/api/media/m3", Some("bob")).await.0, 404);
    let r = comment_on(&mut bob, "m1", "too late").await;
    assert_eq!(r["code"], "not_found", "{r}");
    let home = page(&mut bob, "/").await;
    assert!(home["folders"].as_array().unwrap().is_empty(), "{home}");
    assert!(page(&mut bob, "/shared").await["folders"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(opens(&s, "alice", "m1").await, (200, 200), "the owner keeps hers");
}

#[actix_rt::test]
async fn folder_shares_are_checked_when_made_and_go_with_the_folder_rust() {
    folder_shares_are_checked_when_made_and_go_with_the_folder(Flavor::Rust).await;
}

#[actix_rt::test]
async fn folder_shares_are_checked_when_made_and_go_with_the_folder_python() {
    folder_shares_are_checked_when_made_and_go_with_the_folder(Flavor::Python).await;
}

async fn folder_shares_are_checked_when_made_and_go_with_the_folder(flavor: Flavor) {
    let s = with_folders(tempfile::tempdir().unwrap(), flavor).await;
    wait_up(&s).await;
    for u in ["alice", "bob", "carol"] {
        add_user(&s, u, false);
    }
    add_media(&s, "m1", "alice", "Cut");
    let mut alice = s.ws(Some("alice")).await;
    let r = command(&mut alice, "create_folder", json!({"name": "Outer"})).await;
    let outer = r["result"]["id"].as_str().unwrap().to_string();
    let r = command(&mut alice, "create_folder", json!({"name": "Inner", "parent": outer})).await;
    let inner = r["result"]["id"].as_str().unwrap().to_string();
    command(&mut alice, "move_media", json!({"media": "m1", "folder": inner})).await;

    // Refused with a reason: unknown users, the owner, bad roles, a folder that is not hers.
    for (args, code) in [
        (json!({"folder": inner, "users": "nobody"}), "not_found"),
        (json!({"folder": inner, "users": "alice"}), "bad_message"),
        (json!({"folder": inner, "users": "bob", "role": "owner"}), "bad_message"),
        (json!({"folder": inner, "users": ""}), "bad_message"),
        (json!({"folder": "99", "users": "bob"}), "not_found"),
        (json!({"folder": "shared", "users": "bob"}), "bad_message"),
    ] {
        let r = command(&mut alice, "share_folder", args.clone()).await;
        assert_eq!(r["code"], code, "{args}: {r}");
        assert!(!r["message"].as_str().unwrap_or("").is_empty(), "{r}");
    }
    assert_eq!(s.get("/api/media/m1", Some("bob")).await.0, 404);

    // Bob through the outer folder, carol through the inner one; bob hears of it.
    let mut bob = s.ws(Some("bob")).await;
    command(&mut alice, "share_folder", json!({"folder": outer, "users": "bob"})).await;
    let note = answer(&mut bob, "-", "user_message_added").await;
    assert!(note["message"]["text"].as_str().unwrap().contains("Outer"), "{note}");
    command(
        &mut alice,
        "share_folder",
        json!({"folder": inner, "users": ["carol"], "role": "commenter"}),
    )
    .await;
    let r = command(&mut alice, "folder_sharing", json!({"folder": inner})).await;
    assert_eq!(
        r["result"]["users"],
        json!([{"user_id": "carol", "user_name": "carol name", "role": "commenter"}])
    );
    assert_eq!(r["result"]["audience"].as_array().unwrap().len(), 2, "{r}");
    let inside = page(&mut alice, &format!("/f/{inner}")).await;
    assert_eq!(
        inside["title"], "Inner · shared with bob name (viewer), carol name (commenter)",
        "shares from above count: {inside}"
    );
    assert_eq!(s.get("/api/media/m1", Some("bob")).await.0, 200);
    assert_eq!(s.get("/api/media/m1", Some("carol")).await.0, 200);
    let mut carol = s.ws(Some("carol")).await;
    let carols = page(&mut carol, "/shared").await;
    assert_eq!(names(&carols["folders"], "name"), ["Inner (alice name)"]);

    // The server's own rule still counts beside the folders, in its own words: a media
    // anyone signed in may watch through its link is carol's to watch, not to comment.
    add_media(&s, "m2", "alice", "Linked");
    let mut resp = crate::common::client()
        .put(s.url("/api/media/m2/sharing"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-Remote-User-Name", "alice name"))
        .send_json(&json!({"link_access": "view", "users": []}))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{:?}", resp.body().await);
    assert_eq!(s.get("/api/media/m2", Some("carol")).await.0, 200);
    assert_eq!(join(&mut carol, "m2").await["access"], "view");
    comment_refused_in_server_words(&mut carol, "m2").await;

    // Shares live in the store: a new plugin process reads them back.
    let pid = state(&s).organizer.status().await.pid.unwrap();
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    wait_status(&s, 20, |x| x.state == LinkState::Up && x.restarts >= 1).await;
    assert_eq!(s.get("/api/media/m1", Some("bob")).await.0, 200);
    assert_eq!(
        names(&page(&mut bob, "/shared").await["folders"], "name"),
        ["Outer (alice name)"]
    );

    // Deleting the inner folder moves m1 up into the outer one: carol loses it, bob keeps
    // it; deleting the outer one ends bob's too, and nothing of it stays in the store.
    command(&mut alice, "delete_folder", json!({"folder": inner})).await;
    assert_eq!(s.get("/api/media/m1", Some("carol")).await.0, 404);
    assert_eq!(s.get("/api/media/m1", Some("bob")).await.0, 200);
    command(&mut alice, "delete_folder", json!({"folder": outer})).await;
    assert_eq!(s.get("/api/media/m1", Some("bob")).await.0, 404);
    for user in ["bob", "carol"] {
        assert_eq!(
            s.plugin_value(&format!("shared_with/{user}")).await.as_deref(),
            Some(r#"{"folders":[]}"#),
            "{user}'s index is cleaned"
        );
    }
    assert!(page(&mut bob, "/").await["folders"].as_array().unwrap().is_empty());
}
