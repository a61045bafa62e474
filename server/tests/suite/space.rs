//! Per-user quotas and admins' view of unfinished uploads (issue 13.4): limits from the
//! config, admins' overrides, cancellation of any upload, the daily comment volume, and
//! all of it across a restart. The disk side (reservations, the reserve) is in faults_disk.

use crate::comment_ids::joined;
use crate::common::raw_http::RawRequest;
use crate::common::{client, TestServer, Ws};
use crate::organizer_support::{add_media, add_user, answer};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn send(
    s: &TestServer,
    method: &str,
    path: &str,
    user: &str,
    headers: &[(&str, String)],
    body: Option<Value>,
) -> (u16, Value, Option<String>) {
    let mut req = client()
        .request(awc::http::Method::from_bytes(method.as_bytes()).unwrap(), s.url(path))
        .insert_header(("X-Remote-User-Id", user));
    for (k, v) in headers {
        req = req.insert_header((*k, v.as_str()));
    }
    let mut r = match body {
        Some(b) => req.send_json(&b).await.unwrap(),
        None => req.send().await.unwrap(),
    };
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = r.body().await.unwrap();
    (
        r.status().as_u16(),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        location,
    )
}

/// Creates a tus upload of `len` bytes as `user`; answers the status and the id.
async fn tus_create(s: &TestServer, user: &str, len: u64) -> (u16, Value, String) {
    let (code, body, loc) = send(
        s,
        "POST",
        "/api/tus/",
        user,
        &[("Tus-Resumable", "1.0.0".into()), ("Upload-Length", len.to_string())],
        None,
    )
    .await;
    let id = loc
        .map(|l| l.rsplit('/').next().unwrap().to_string())
        .unwrap_or_default();
    (code, body, id)
}

async fn uploads(s: &TestServer) -> Vec<Value> {
    let (code, body) = s.get("/api/admin/uploads", Some("admin")).await;
    assert_eq!(code, 200, "{body}");
    body["uploads"].as_array().unwrap().clone()
}

#[actix_rt::test]
async fn quotas_refuse_with_a_reason_and_admin_overrides_lift_them() {
    let s = TestServer::start_with(|c| {
        c.quota_uploads = 2;
        c.quota_stored_bytes = 1000;
    })
    .await;
    // The number of unfinished uploads.
    assert_eq!(tus_create(&s, "alice", 10).await.0, 201);
    assert_eq!(tus_create(&s, "alice", 10).await.0, 201);
    let (code, e, _) = tus_create(&s, "alice", 10).await;
    assert_eq!((code, e["error"].as_str()), (413, Some("quota_exceeded")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("limit is 2"), "{e}");
    // Another user has their own count.
    assert_eq!(tus_create(&s, "bob", 10).await.0, 201);
    let (code, q) = s.get("/api/quota", Some("alice")).await;
    assert_eq!(code, 200);
    assert_eq!(q["usage"]["uploads"], 2, "{q}");
    assert_eq!(q["usage"]["upload_bytes"], 20, "{q}");
    assert_eq!(q["limits"]["uploads"], 2, "{q}");

    // An admin raises alice's limit: it applies at once.
    let (code, q, _) = send(
        &s,
        "PUT",
        "/api/admin/users/alice/quota",
        "admin",
        &[],
        Some(json!({"uploads": 5, "stored_bytes": null})),
    )
    .await;
    assert_eq!(code, 200, "{q}");
    assert_eq!(
        (q["limits"]["uploads"].as_u64(), q["overrides"]["uploads"].as_u64()),
        (Some(5), Some(5))
    );
    assert_eq!(tus_create(&s, "alice", 10).await.0, 201);

    // Bytes kept: a declared size over the limit is refused before a byte is read, an
    // undeclared one when it gets there, and nothing is left behind.
    let (code, e) = s.upload("carol", "big.mov", vec![7u8; 2000]).await;
    assert_eq!((code, e["error"].as_str()), (413, Some("quota_exceeded")), "{e}");
    let chunks =
        futures_util::stream::iter((0..4).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![8u8; 600 << 10]))));
    let mut r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "carol"))
        .insert_header(("X-File-Name", "stream.mov"))
        .send_stream(chunks)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413, "{:?}", r.body().await);
    let (code, _) = s.upload("carol", "small.mov", vec![7u8; 900]).await;
    assert_eq!(code, 201);
    let (_, q) = s.get("/api/quota", Some("carol")).await;
    assert_eq!(q["usage"]["stored_bytes"], 900, "{q}");
    assert_eq!(s.upload("carol", "more.mov", vec![7u8; 200]).await.0, 413);

    // Bad overrides are refused with a reason.
    for bad in [json!({"uploads": -1}), json!({"files": 3}), json!({"uploads": "many"})] {
        let (code, e, _) = send(
            &s,
            "PUT",
            "/api/admin/users/alice/quota",
            "admin",
            &[],
            Some(bad.clone()),
        )
        .await;
        assert_eq!((code, e["error"].as_str()), (400, Some("bad_request")), "{bad}: {e}");
    }
    // Overrides survive a restart; unsetting them all returns to the defaults.
    let mut s = s;
    s.stop().await;
    let s = TestServer::start_in(s.dir, |c| {
        c.quota_uploads = 2;
        c.quota_stored_bytes = 1000;
    })
    .await;
    let (_, q) = s.get("/api/admin/users/alice/quota", Some("admin")).await;
    assert_eq!(q["limits"]["uploads"], 5, "{q}");
    // The unfinished tus uploads were accounted again at start.
    assert_eq!(q["usage"]["uploads"], 3, "{q}");
    let (code, q, _) = send(&s, "PUT", "/api/admin/users/alice/quota", "admin", &[], Some(json!({}))).await;
    assert_eq!((code, q["limits"]["uploads"].as_u64()), (200, Some(2)), "{q}");
    assert_eq!(q["overrides"]["uploads"], Value::Null);
}

#[actix_rt::test]
async fn admins_see_and_cancel_any_unfinished_upload() {
    let s = TestServer::start().await;
    let addr = s.server.as_ref().unwrap().addr;
    let tmp = s.dir.path().join("upload-tmp");
    // bob: a resumable upload half sent, and a plain upload still streaming.
    let (code, _, tus_id) = tus_create(&s, "bob", 2000).await;
    assert_eq!(code, 201);
    let (code, _, _) = send(
        &s,
        "PATCH",
        &format!("/api/tus/{tus_id}"),
        "bob",
        &[
            ("Tus-Resumable", "1.0.0".into()),
            ("Content-Type", "application/offset+octet-stream".into()),
            ("Upload-Offset", "0".into()),
        ],
        None,
    )
    .await;
    assert_eq!(code, 204);
    let headers = [
        "X-Remote-User-Id: bob".to_string(),
        "X-File-Name: slow cut.mov".to_string(),
        format!("Content-Length: {}", 4 << 20),
    ];
    let mut raw = RawRequest::start(addr, "POST", "/api/upload", &headers).await;
    raw.send(&vec![1u8; 1 << 20]).await;

    // The admin's list shows both, with owner, name, length and bytes written; the raw
    // upload's bytes are counted as batches reach the disk.
    let deadline = Instant::now() + Duration::from_secs(20);
    let list = loop {
        let list = uploads(&s).await;
        let raw_written = list
            .iter()
            .find(|u| u["kind"] == "post")
            .map(|u| u["written"].as_u64().unwrap());
        if list.len() == 2 && raw_written.is_some_and(|w| w >= 1 << 20) {
            break list;
        }
        assert!(Instant::now() < deadline, "uploads not listed: {list:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let tus = list.iter().find(|u| u["kind"] == "tus").unwrap();
    assert_eq!(
        (
            tus["id"].as_str(),
            tus["owner_id"].as_str(),
            tus["length"].as_u64(),
            tus["written"].as_u64()
        ),
        (Some(tus_id.as_str()), Some("bob"), Some(2000), Some(0))
    );
    let post = list.iter().find(|u| u["kind"] == "post").unwrap().clone();
    assert_eq!(
        (post["owner_id"].as_str(), post["filename"].as_str()),
        (Some("bob"), Some("slow cut.mov"))
    );
    assert_eq!(post["length"].as_u64(), Some(4 << 20));
    // bob's own quota view counts them.
    let (_, q) = s.get("/api/quota", Some("bob")).await;
    assert_eq!(q["usage"]["uploads"], 2, "{q}");

    // Not for others.
    let (code, _) = s.get("/api/admin/uploads", Some("bob")).await;
    assert_eq!(code, 403);
    let (code, _, _) = send(&s, "DELETE", &format!("/api/admin/uploads/{tus_id}"), "bob", &[], None).await;
    assert_eq!(code, 403);

    // Cancel the streaming one: its request ends with 410 and leaves no partial file.
    let post_id = post["id"].as_str().unwrap();
    let (code, _, _) = send(
        &s,
        "DELETE",
        &format!("/api/admin/uploads/{post_id}"),
        "admin",
        &[],
        None,
    )
    .await;
    assert_eq!(code, 204);
    assert_eq!(raw.response(Duration::from_secs(10)).await.status, 410);
    // Cancel the resumable one: bob's client learns it is gone.
    let (code, _, _) = send(
        &s,
        "DELETE",
        &format!("/api/admin/uploads/{tus_id}"),
        "admin",
        &[],
        None,
    )
    .await;
    assert_eq!(code, 204);
    let (code, _, _) = send(
        &s,
        "HEAD",
        &format!("/api/tus/{tus_id}"),
        "bob",
        &[("Tus-Resumable", "1.0.0".into())],
        None,
    )
    .await;
    assert_eq!(code, 404);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let parts = std::fs::read_dir(&tmp)
            .into_iter()
            .flatten()
            .flatten()
            .chain(std::fs::read_dir(tmp.join("tus")).into_iter().flatten().flatten())
            .filter(|e| e.path().extension().is_some_and(|x| x == "part"))
            .count();
        if parts == 0 && uploads(&s).await.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{parts} partial files left, list {:?}",
            uploads(&s).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (code, e, _) = send(
        &s,
        "DELETE",
        &format!("/api/admin/uploads/{tus_id}"),
        "admin",
        &[],
        None,
    )
    .await;
    assert_eq!((code, e["error"].as_str()), (404, Some("not_found")));
    let (_, q) = s.get("/api/quota", Some("bob")).await;
    assert_eq!(q["usage"]["uploads"], 0, "{q}");
}

async fn comment(ws: &mut Ws, media: &str, text: &str) -> Value {
    ws.send(
        json!({"type": "add_comment", "media_id": media, "text": text, "frame": 1,
                   "end_frame": null, "parent_id": null, "drawing": null, "client_ref": null}),
    )
    .await;
    answer(ws, "add_comment", "room_event").await
}

#[actix_rt::test]
async fn the_daily_comment_volume_is_limited_per_user_and_survives_a_restart() {
    let tweak = |c: &mut dailies_server::config::Config| c.comment_bytes_per_day = 2000;
    let s = TestServer::start_with(tweak).await;
    add_user(&s, "ann", false);
    add_user(&s, "ben", false);
    add_media(&s, "m1", "ann", "Shot");
    add_media(&s, "m2", "ben", "Other shot");
    let mut ann = joined(&s, "ann", "m1").await;
    let text = "x".repeat(900);
    for _ in 0..2 {
        assert_eq!(comment(&mut ann, "m1", &text).await["type"], "room_event");
    }
    let e = comment(&mut ann, "m1", &text).await;
    assert_eq!(
        (e["type"].as_str(), e["code"].as_str()),
        (Some("error"), Some("quota_exceeded")),
        "{e}"
    );
    assert!(e["message"].as_str().unwrap().contains("last day"), "{e}");
    // Small notes still fit.
    assert_eq!(comment(&mut ann, "m1", &"y".repeat(150)).await["type"], "room_event");
    // Someone else is not held up.
    let mut ben = joined(&s, "ben", "m2").await;
    assert_eq!(comment(&mut ben, "m2", &text).await["type"], "room_event");
    let (_, q) = s.get("/api/quota", Some("ann")).await;
    assert_eq!(q["usage"]["comment_bytes_today"], 1950, "{q}");
    drop(ann);
    drop(ben);

    // After a restart the day's comments still count (read back from the database).
    let mut s = s;
    s.stop().await;
    let s = TestServer::start_in(s.dir, tweak).await;
    let mut ann = joined(&s, "ann", "m1").await;
    let e = comment(&mut ann, "m1", &"z".repeat(100)).await;
    assert_eq!(e["code"], "quota_exceeded", "{e}");
    // An admin's override lifts it at once.
    let (code, q, _) = send(
        &s,
        "PUT",
        "/api/admin/users/ann/quota",
        "admin",
        &[],
        Some(json!({"comment_bytes_per_day": 100000})),
    )
    .await;
    assert_eq!(code, 200, "{q}");
    assert_eq!(comment(&mut ann, "m1", &"z".repeat(100)).await["type"], "room_event");
}
