//! Foundation: identity, errors, the websocket session life cycle, migrations, shutdown.

use crate::common::{TestServer, Ws};
use serde_json::json;
use std::time::Duration;

#[actix_rt::test]
async fn health_needs_no_identity() {
    let s = TestServer::start().await;
    let (code, body) = s.get("/api/health", None).await;
    assert_eq!(code, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[actix_rt::test]
async fn no_identity_is_401_with_json_error() {
    let s = TestServer::start().await;
    let (code, body) = s.get("/api/media", None).await;
    assert_eq!(code, 401);
    assert_eq!(body["error"], "unauthorized");
    assert!(body["message"].as_str().unwrap().contains("X-Remote-User-Id"));
    assert!(
        Ws::connect(&s.ws_url(), None).await.is_err(),
        "ws without identity must fail"
    );
    let (code, body) = s.get("/api/ws", None).await;
    assert_eq!(code, 401);
    assert_eq!(body["error"], "unauthorized");
}

#[actix_rt::test]
async fn identity_creates_user_and_lists_media() {
    let s = TestServer::start().await;
    let (code, body) = s.get("/api/media", Some("alice")).await;
    assert_eq!(code, 200);
    assert_eq!(body, json!([]));
    let st = s.server.as_ref().unwrap().state.clone();
    let u = st
        .db
        .run(|c| dailies_server::db::queries::get_user(c, "alice"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.name, "alice name");
    assert!(!u.is_admin);
}

#[actix_rt::test]
async fn unknown_and_foreign_media_are_404() {
    let s = TestServer::start().await;
    let st = s.server.as_ref().unwrap().state.clone();
    s.get("/api/media", Some("alice")).await;
    st.db
        .run(|c| {
            dailies_server::db::queries::insert_media(
                c,
                &dailies_server::db::models::NewMedia {
                    id: "m1".into(),
                    owner_id: "alice".into(),
                    title: "Shot 1".into(),
                    orig_filename: "shot1.mov".into(),
                    status: dailies_protocol::MediaStatus::Processing,
                    file_size: 10,
                    source: dailies_server::db::values::MediaSource::Upload,
                    link_access: dailies_protocol::LinkAccess::Off,
                    upload_name: None,
                },
            )
        })
        .await
        .unwrap();
    let (code, body) = s.get("/api/media/m1", Some("alice")).await;
    assert_eq!(code, 200);
    assert_eq!(body["title"], "Shot 1");
    assert_eq!(body["status"], "processing");
    let (code, body) = s.get("/api/media/m1", Some("bob")).await;
    assert_eq!(code, 404);
    assert_eq!(body["error"], "not_found");
    assert_eq!(s.get("/api/media/nope", Some("alice")).await.0, 404);
    assert_eq!(
        s.get("/api/media/m1", Some("admin")).await.0,
        200,
        "admins see everyone's media"
    );
    let (_, list) = s.get("/api/media", Some("bob")).await;
    assert_eq!(list, json!([]));
    assert_eq!(s.get("/api/nothing-here", Some("bob")).await.1["error"], "not_found");
}

#[actix_rt::test]
async fn welcome_on_connect() {
    let s = TestServer::start().await;
    let mut ws = s.ws(Some("alice")).await;
    let w = ws.recv().await;
    assert_eq!(w["type"], "welcome");
    assert_eq!(w["protocol_version"], dailies_protocol::PROTOCOL_VERSION);
    assert_eq!(w["server_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        w["user"],
        json!({"id": "alice", "name": "alice name", "is_admin": false})
    );
}

#[actix_rt::test]
async fn demo_mode_needs_no_headers() {
    let s = TestServer::start_with(|c| c.demo = true).await;
    assert_eq!(s.get("/api/media", None).await.0, 200);
    let mut ws = s.ws(None).await;
    let w = ws.recv().await;
    assert_eq!(w["user"]["id"], "demo");
    assert_eq!(w["user"]["is_admin"], true);
}

#[actix_rt::test]
async fn malformed_messages_get_errors_and_session_stays_up() {
    let s = TestServer::start().await;
    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;

    ws.send_text("{not json").await;
    let e = ws.recv().await;
    assert_eq!(e["type"], "error");
    assert_eq!(e["code"], "bad_message");

    ws.send(json!({"type": "launch_missiles"})).await;
    let e = ws.recv().await;
    assert_eq!(e["code"], "bad_message");
    assert_eq!(e["request"], "launch_missiles");
    assert!(e["message"].as_str().unwrap().contains("launch_missiles"), "{e}");

    ws.send(json!({"type": "ping"})).await;
    let e = ws.recv().await;
    assert_eq!(e["code"], "bad_message");
    assert!(e["message"].as_str().unwrap().contains("client_time"), "{e}");

    ws.framed
        .send(awc::ws::Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    assert_eq!(ws.recv().await["code"], "bad_message");

    ws.send(json!({"type": "ping", "client_time": 42.5})).await;
    let p = ws.recv().await;
    assert_eq!(p["type"], "pong");
    assert_eq!(p["client_time"], 42.5);
    let now = chrono::Utc::now().timestamp_millis() as f64;
    assert!((p["server_time"].as_f64().unwrap() - now).abs() < 5000.0);

    ws.send(json!({"type": "list_media"})).await;
    assert_eq!(ws.recv().await, json!({"type": "media_list", "items": []}));
}

use futures_util::SinkExt;

#[actix_rt::test]
async fn oversize_frame_is_refused() {
    let s = TestServer::start_with(|c| c.ws_max_frame = 4096).await;
    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;
    let big = format!(r#"{{"type":"ping","client_time":1,"pad":"{}"}}"#, "x".repeat(10_000));
    ws.send_text(&big).await;
    let e = ws.recv().await;
    assert_eq!(e["type"], "error");
    assert_eq!(e["code"], "too_large");
    assert_eq!(ws.closed_within(5).await, Some(1009));
    // The server is unaffected.
    let mut ws2 = s.ws(Some("alice")).await;
    assert_eq!(ws2.recv().await["type"], "welcome");
}

#[actix_rt::test]
async fn silent_client_is_dropped_by_heartbeat() {
    let s = TestServer::start_with(|c| {
        c.heartbeat_interval = Duration::from_millis(100);
        c.client_timeout = Duration::from_millis(500);
    })
    .await;
    let stats = || async {
        s.server
            .as_ref()
            .unwrap()
            .state
            .hub
            .send(dailies_server::room::hub::GetStats)
            .await
            .unwrap()
    };
    // A client that answers pings stays.
    let mut live = s.ws(Some("bob")).await;
    // A client that never answers goes.
    let mut silent = s.ws(Some("alice")).await;
    let started = std::time::Instant::now();
    let live_task = async {
        let until = tokio::time::Instant::now() + Duration::from_millis(1500);
        while tokio::time::Instant::now() < until {
            let _ = tokio::time::timeout(Duration::from_millis(50), live.recv_within(1)).await;
        }
    };
    let (code, _) = tokio::join!(silent.closed_within(5), live_task);
    assert_eq!(code, Some(1001), "closed as going away");
    assert!(started.elapsed() >= Duration::from_millis(450));
    let st = stats().await;
    assert_eq!(st.sessions, 1, "only the live client remains: {st:?}");
    live.send(json!({"type": "ping", "client_time": 1})).await;
    assert_eq!(live.recv_type("pong").await["type"], "pong");
}

#[actix_rt::test]
async fn shutdown_closes_sessions_and_checkpoints() {
    let mut s = TestServer::start().await;
    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;
    let stop = s.stop();
    let (code, _) = tokio::join!(ws.closed_within(5), stop);
    assert_eq!(code, Some(1001));
    let wal = s.dir.path().join("dailies.sqlite-wal");
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(wal_len, 0, "WAL folded back into the database at shutdown");
}

#[actix_rt::test]
async fn migrating_an_older_database_keeps_rows_and_leaves_a_backup() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    use diesel_migrations::MigrationHarness;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dailies.sqlite");
    {
        // A database as the first released schema left it.
        let mut c = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        c.run_next_migration(dailies_server::db::MIGRATIONS).unwrap();
        c.batch_execute(
            "INSERT INTO users (id, name) VALUES ('alice', 'Alice');
             INSERT INTO media (id, owner_id, title, orig_filename, status) VALUES ('old1', 'alice', 'Old', 'old.mov', 'ready');",
        )
        .unwrap();
        assert!(!c.pending_migrations(dailies_server::db::MIGRATIONS).unwrap().is_empty());
    }
    // An SQLite file of an older release: this test is about SQLite whatever the suite's
    // backend (PostgreSQL's backup before migrating is db_backends::).
    let s = TestServer::start_in(dir, |c| c.database_url = None).await;
    let (code, body) = s.get("/api/media/old1", Some("alice")).await;
    assert_eq!(code, 200);
    assert_eq!(body["title"], "Old");
    let backups: Vec<_> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("dailies.sqlite.backup-"))
        .collect();
    assert_eq!(backups.len(), 1, "one backup before migrating");
    // The backup is the old schema with the old rows.
    let mut b = diesel::SqliteConnection::establish(backups[0].path().to_str().unwrap()).unwrap();
    assert!(!b.pending_migrations(dailies_server::db::MIGRATIONS).unwrap().is_empty());
    assert!(b.batch_execute("SELECT id FROM media WHERE id = 'old1'").is_ok());
    // Starting again with nothing pending writes no second backup.
    let mut s = s;
    s.stop().await;
    let s2 = TestServer::start_in(s.dir, |_| {}).await;
    let n = std::fs::read_dir(s2.dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".backup-"))
        .count();
    assert_eq!(n, 1);
}
