//! Helpers for the organizer tests: the plugin binaries (built once from organizer-sdk's
//! examples), users and media rows, and websocket round trips.
#![allow(dead_code)]

use super::common::{TestServer, Ws};
use dailies_server::db::models::Media;
use dailies_server::db::schema::media;
use dailies_server::organizer::{LinkState, OrganizerStatus};
use diesel::prelude::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The built example plugin `name` (debug or release, as this test binary).
pub fn plugin_bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        // target/<profile>/deps/<this test> → target/<profile>
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = std::process::Command::new(cargo);
        cmd.args(["build", "--quiet", "-p", "organizer-sdk", "--examples"])
            .env("CARGO_TARGET_DIR", profile_dir.parent().unwrap())
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if release {
            cmd.arg("--release");
        }
        let st = cmd.status().expect("running cargo to build the example plugins");
        assert!(st.success(), "building the example plugins failed");
        profile_dir.join("examples")
    });
    let p = dir.join(name);
    assert!(p.exists(), "{} missing", p.display());
    p
}

/// `--organizer-cmd` for an example plugin, with environment switches before it.
pub fn plugin_cmd(name: &str, env: &[&str]) -> String {
    let bin = plugin_bin(name);
    if env.is_empty() {
        bin.display().to_string()
    } else {
        format!("/usr/bin/env {} {}", env.join(" "), bin.display())
    }
}

pub fn state(s: &TestServer) -> dailies_server::state::AppState {
    s.server.as_ref().unwrap().state.clone()
}

pub fn add_user(s: &TestServer, id: &str, admin: bool) {
    let u = dailies_protocol::UserInfo {
        id: dailies_protocol::UserId(id.into()),
        name: format!("{id} name"),
        is_admin: admin,
    };
    state(s)
        .db
        .run_blocking(|c| dailies_server::db::queries::upsert_user(c, &u))
        .unwrap();
}

/// A media row as ingest would leave it (no files).
pub fn add_media(s: &TestServer, id: &str, owner: &str, title: &str) -> Media {
    state(s)
        .db
        .run_blocking(|c| {
            diesel::insert_into(media::table)
                .values((
                    media::id.eq(id),
                    media::owner_id.eq(owner),
                    media::title.eq(title),
                    media::orig_filename.eq("original.mp4"),
                    media::status.eq("ready"),
                ))
                .execute(c)?;
            Ok(media::table.find(id).select(Media::as_select()).first(c)?)
        })
        .unwrap()
}

/// Polls the organizer's status until `pred` holds.
pub async fn wait_status(s: &TestServer, secs: u64, pred: impl Fn(&OrganizerStatus) -> bool) -> OrganizerStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let st = state(s).organizer.status().await;
        if pred(&st) {
            return st;
        }
        assert!(
            Instant::now() < deadline,
            "organizer status never matched; last: {st:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn wait_up(s: &TestServer) -> OrganizerStatus {
    wait_status(s, 30, |st| st.state == LinkState::Up).await
}

/// The next message answering `request` (its result type, or an error about it), within
/// 20 s in all (pings do not extend the wait); other messages are skipped.
pub async fn answer(ws: &mut Ws, request: &str, result: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let v = tokio::time::timeout(left, ws.recv_within(20))
            .await
            .unwrap_or_else(|_| panic!("no answer to {request} within 20 s"));
        if v["type"] == result || (v["type"] == "error" && v["request"] == request) {
            return v;
        }
    }
}

pub async fn page(ws: &mut Ws, path: &str) -> Value {
    ws.send(json!({"type": "organizer_page", "path": path})).await;
    answer(ws, "organizer_page", "organizer_page_view").await
}

/// Sends a command; answers the result message or the error.
pub async fn command(ws: &mut Ws, name: &str, args: Value) -> Value {
    ws.send(json!({"type": "organizer_command", "name": name, "args": args}))
        .await;
    answer(ws, "organizer_command", "organizer_command_result").await
}

pub fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x[field].as_str().unwrap().to_string())
        .collect()
}

/// Which basic_folders serves a test: the Rust example or its Python twin (same cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Rust,
    Python,
}

/// The checkout's Python SDK sources (organizer-sdk/python/src).
pub fn py_sdk_src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../organizer-sdk/python/src")
}

/// `--organizer-cmd` for a Python plugin on the checkout's SDK (`path` from the repository
/// root), with environment switches. Needs python3 with grpcio (scripts/install-deps.sh
/// --test).
pub fn py_plugin_cmd(path: &str, env: &[&str]) -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    assert!(script.exists(), "{} missing", script.display());
    format!(
        "/usr/bin/env PYTHONPATH={} PYTHONDONTWRITEBYTECODE=1 {} python3 {}",
        py_sdk_src().display(),
        env.join(" "),
        script.display()
    )
}

/// basic_folders of either flavour.
pub fn basic_folders_cmd(flavor: Flavor) -> String {
    match flavor {
        Flavor::Rust => plugin_cmd("basic_folders", &[]),
        Flavor::Python => py_plugin_cmd("organizer-sdk/python/examples/basic_folders.py", &[]),
    }
}
