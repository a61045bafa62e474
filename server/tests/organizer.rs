//! The organizer plugin end to end: real plugin processes (organizer-sdk's examples) over
//! real Unix sockets, started and supervised by an in-process server.

mod common;
mod organizer_support;

use common::TestServer;
use dailies_server::organizer::{self, LinkState};
use organizer_support::*;
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
async fn basic_folders_end_to_end() {
    let s = with_plugin(plugin_cmd("basic_folders", &[]), Duration::from_secs(2)).await;
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
    assert!(home["actions"].as_array().unwrap().iter().any(|a| a["command"] == "create_folder"));

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
    assert_eq!((r["type"].as_str(), r["code"].as_str()), (Some("error"), Some("not_found")), "bob's media: {r}");

    let home = page(&mut ann, "/").await;
    assert_eq!(names(&home["folders"], "name"), ["Day 1"]);
    assert_eq!(names(&home["media"], "id"), ["m2"]);
    let inside = page(&mut ann, &format!("/f/{selects}")).await;
    assert_eq!(inside["title"], "Selects");
    assert_eq!(names(&inside["breadcrumbs"], "label"), ["My media", "Day 1", "Selects"]);
    assert_eq!(names(&inside["media"], "id"), ["m1"]);

    // Opening a folder makes it the current one: a new upload lands there.
    let m4 = add_media(&s, "m4", "ann", "Shot 4");
    state(&s).organizer.notify(organizer::media_added(&m4));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let inside = page(&mut ann, &format!("/f/{selects}")).await;
        if names(&inside["media"], "id").contains(&"m4".to_string()) {
            break;
        }
        assert!(Instant::now() < deadline, "the upload never landed in the current folder");
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
    assert_eq!(got, ["m1", "m4"]);

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
    let r = command(&mut admin, "create_folder", json!({"name": "From admin", "owner": "ann"})).await;
    assert_eq!(r["type"], "organizer_command_result", "{r}");
    let home = page(&mut ann, "/").await;
    assert_eq!(names(&home["folders"], "name"), ["Day one", "From admin"]);
}

#[actix_rt::test]
async fn folders_survive_plugin_and_server_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().to_path_buf();
    let cmd = plugin_cmd("basic_folders", &[]);
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
