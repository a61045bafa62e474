//! Media in an S3-compatible bucket (run against the real Garage of scripts/services.sh):
//! uploads land as objects, processing writes its outputs there, /files streams ranges or
//! redirects to presigned URLs, deletion removes the objects, a store that is down fails an
//! upload clearly. Every test needs DAILIES_TEST_STORAGE_URL and returns early without it.

use crate::common::{backends, client, make_h264, TestServer};
use std::time::{Duration, Instant};

fn bucket() -> Option<String> {
    let b = backends::s3();
    if b.is_none() {
        eprintln!("storage_s3: skipped, needs DAILIES_TEST_STORAGE_URL (eval \"$(scripts/services.sh up)\")");
    }
    b
}

async fn objects(s: &TestServer, id: &str) -> Vec<(String, u64)> {
    let mut v = s.state().store.list_media(id).await.unwrap();
    v.sort();
    v
}

async fn wait_for_objects(s: &TestServer, id: &str, names: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let have = objects(s, id).await;
        if names.iter().all(|n| have.iter().any(|(k, _)| k == n)) {
            return;
        }
        assert!(Instant::now() < deadline, "objects of {id}: {have:?}, want {names:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_rt::test]
async fn uploads_and_outputs_are_objects_and_files_serve_ranges() {
    let Some(_) = bucket() else { return };
    let s = TestServer::start().await;
    assert!(!s.state().store.is_local());
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    make_h264(&clip, 2);
    let body = std::fs::read(&clip).unwrap();
    let (code, v) = s.upload("alice", "clip.mkv", body.clone()).await;
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let m = s.wait_done("alice", &id, 120).await;
    assert_eq!(m["status"], "ready", "{m}");
    wait_for_objects(&s, &id, &["original.mkv", "thumb.webp", "sheet.webp"]).await;
    let have = objects(&s, &id).await;
    assert!(have.contains(&("original.mkv".into(), body.len() as u64)), "{have:?}");
    // Nothing stays in the local scratch directory once the job is over.
    let scratch = s.dir.path().join("media").join(&id);
    let deadline = Instant::now() + Duration::from_secs(30);
    while scratch.exists() {
        assert!(
            Instant::now() < deadline,
            "scratch directory left: {}",
            scratch.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(std::fs::read_dir(s.dir.path().join("upload-tmp"))
        .unwrap()
        .flatten()
        .all(|e| e.path().is_dir()));

    let path = format!("/files/{id}/original.mkv");
    let (code, h, got) = s.fetch(&path, Some("alice"), &[("Range", "bytes=10-19")]).await;
    assert_eq!(code, 206);
    assert_eq!(got, body[10..20]);
    assert_eq!(
        h.get("content-range").unwrap().to_str().unwrap(),
        format!("bytes 10-19/{}", body.len())
    );
    let (code, _, got) = s.fetch(&path, Some("alice"), &[]).await;
    assert_eq!((code, got.len()), (200, body.len()));
    let (code, _, _) = s.fetch(&path, Some("alice"), &[("Range", "bytes=999999999-")]).await;
    assert_eq!(code, 416);
    // The access check runs on every request.
    let (code, _, _) = s.fetch(&path, Some("mallory"), &[]).await;
    assert_eq!(code, 404);

    // Deleting the media deletes its objects.
    let r = client()
        .delete(s.url(&format!("/api/media/{id}")))
        .insert_header(("X-Remote-User-Id", "alice"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(objects(&s, &id).await, vec![]);
}

#[actix_rt::test]
async fn redirect_mode_answers_a_presigned_url_that_reads_the_bytes() {
    let Some(_) = bucket() else { return };
    let s = TestServer::start_with(|c| c.storage_redirect = true).await;
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let (code, v) = s.upload("alice", "notes.bin", body.clone()).await;
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let no_follow = awc::Client::builder().disable_redirects().finish();
    let resp = no_follow
        .get(s.url(&format!("/files/{id}/original.bin")))
        .insert_header(("X-Remote-User-Id", "alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 307);
    let to = resp.headers().get("location").unwrap().to_str().unwrap().to_string();
    assert!(to.contains("X-Amz-Signature"), "{to}");
    let mut got = client().get(&to).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.body().limit(1 << 20).await.unwrap().to_vec(), body);
    let resp = no_follow
        .get(s.url(&format!("/files/{id}/original.bin")))
        .insert_header(("X-Remote-User-Id", "mallory"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404, "no redirect without access");
}

#[actix_rt::test]
async fn a_store_that_is_down_fails_the_upload_clearly_and_leaves_nothing() {
    let Some(_) = bucket() else { return };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let s = TestServer::start_with(|c| {
        c.storage_url = Some(format!(
            "s3://dailies/down?endpoint=http://127.0.0.1:{port}&region=garage&path_style=true"
        ));
    })
    .await;
    let (code, v) = s.upload("alice", "clip.bin", vec![1u8; 100_000]).await;
    assert_eq!(code, 503, "{v}");
    assert_eq!(v["error"], "unavailable", "{v}");
    let (code, list) = s.get("/api/media", Some("alice")).await;
    assert_eq!(code, 200);
    assert_eq!(list.as_array().map(|a| a.len()), Some(0), "{list}");
    let left = s.partial_uploads();
    assert!(left.is_empty(), "{left:?}");
}

#[actix_rt::test]
async fn migrate_storage_copies_a_local_media_dir_and_skips_what_is_there() {
    let Some(url) = bucket() else { return };
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir_all(media.join("abc123def456")).unwrap();
    std::fs::write(media.join("abc123def456/original.mov"), vec![3u8; 70_000]).unwrap();
    std::fs::write(media.join("abc123def456/thumb.webp"), b"webp").unwrap();
    let to = backends::fresh_storage_url(&url);
    let store = dailies_server::store::Store::open(&to, None, None).unwrap();
    let first = dailies_server::store::migrate::copy_media(&media, &store)
        .await
        .unwrap();
    assert_eq!((first.copied, first.skipped), (2, 0));
    let mut got = store.list_media("abc123def456").await.unwrap();
    got.sort();
    assert_eq!(got, vec![("original.mov".into(), 70_000), ("thumb.webp".into(), 4)]);
    let again = dailies_server::store::migrate::copy_media(&media, &store)
        .await
        .unwrap();
    assert_eq!((again.copied, again.skipped), (0, 2));
}

#[actix_rt::test]
async fn processing_reads_the_original_over_http_without_a_local_copy() {
    let Some(_) = bucket() else { return };
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    // Matroska needs a proxy: every step (probe, decode check, proxy, poster, sheet) reads it.
    let clip = dir.path().join("clip.mkv");
    crate::common::make_h264(&clip, 3);
    let (code, v) = s.upload("alice", "clip.mkv", std::fs::read(&clip).unwrap()).await;
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let m = s.wait_processed("alice", &id, 120).await;
    assert_eq!(m["status"], "ready", "{m}");
    assert_eq!(m["frame_count"], 75, "{m}");
    wait_for_objects(&s, &id, &["proxy.mp4", "thumb.webp", "sheet.webp", "ffmpeg.log"]).await;
    let log = std::fs::read_to_string(s.media_file(&id, "ffmpeg.log").await.unwrap()).unwrap();
    assert!(
        log.contains("the original is read from the object store over HTTP, not copied here"),
        "{log}"
    );
    assert!(!log.contains("X-Amz-"), "a presigned URL in the log: {log}");

    // A cut file fails for what it is, and its reason and log name no URL.
    let full = std::fs::read(&clip).unwrap();
    let (code, v) = s.upload("alice", "cut.mkv", full[..full.len() / 3].to_vec()).await;
    assert_eq!(code, 201, "{v}");
    let cut = v["id"].as_str().unwrap().to_string();
    let m = s.wait_done("alice", &cut, 60).await;
    assert_eq!(m["status"], "failed", "{m}");
    let reason = m["error"].as_str().unwrap();
    assert!(!reason.contains("X-Amz-") && !reason.contains("http"), "{reason}");
    wait_for_objects(&s, &cut, &["ffmpeg.log"]).await;
    let log = std::fs::read_to_string(s.media_file(&cut, "ffmpeg.log").await.unwrap()).unwrap();
    assert!(!log.contains("X-Amz-"), "a presigned URL in the log: {log}");
}

/// Follows a download route's 307 to the bucket and answers the bucket's status,
/// `Content-Disposition` and body.
async fn follow_download(s: &TestServer, path: &str, headers: &[(&str, String)]) -> (u16, String, Vec<u8>) {
    let no_follow = awc::Client::builder().disable_redirects().finish();
    let mut req = no_follow.get(s.url(path));
    for (k, v) in headers {
        req = req.insert_header((*k, v.as_str()));
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 307, "{path}");
    let to = resp.headers().get("location").unwrap().to_str().unwrap().to_string();
    assert!(to.contains("X-Amz-Signature"), "{to}");
    let mut got = client().get(&to).send().await.unwrap();
    let cd = got
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = got.body().limit(64 << 20).await.unwrap().to_vec();
    (got.status().as_u16(), cd, body)
}

#[actix_rt::test]
async fn redirected_downloads_keep_the_original_file_name() {
    let Some(_) = bucket() else { return };
    let s = TestServer::start_with(|c| c.storage_redirect = true).await;
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    make_h264(&clip, 1);
    let original = std::fs::read(&clip).unwrap();
    let (code, v) = s.upload("alice", "Szene 1 – Übergang.mp4", original.clone()).await;
    assert_eq!(code, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let m = s.wait_done("alice", &id, 120).await;
    assert_eq!(m["status"], "ready", "{m}");
    let alice = [("X-Remote-User-Id", "alice".to_string())];

    let (code, cd, body) = follow_download(&s, &format!("/api/media/{id}/download/original"), &alice).await;
    assert_eq!(code, 200);
    assert_eq!(body, original);
    assert!(cd.starts_with("attachment"), "{cd}");
    assert!(cd.contains("filename=\"Szene 1 _ _bergang.mp4\""), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''Szene%201%20%E2%80%93%20%C3%9Cbergang.mp4"),
        "{cd}"
    );
    let (code, cd, _) = follow_download(&s, &format!("/api/media/{id}/download/proxy"), &alice).await;
    assert_eq!(code, 200);
    assert!(
        cd.starts_with("attachment") && cd.contains("%C3%9Cbergang_proxy."),
        "{cd}"
    );
    // /files?download=1 is an attachment too; plain /files stays as the bucket serves it.
    let playback = m["playback_url"].as_str().unwrap().to_string();
    let sep = if playback.contains('?') { '&' } else { '?' };
    let (_, cd, _) = follow_download(&s, &format!("{playback}{sep}download=1"), &alice).await;
    assert_eq!(cd, "attachment");
    let (_, cd, _) = follow_download(&s, &playback, &alice).await;
    assert_eq!(cd, "");

    // A guest with a link that allows downloads gets the same name.
    let mut r = client()
        .post(s.url(&format!("/api/media/{id}/guest-links")))
        .insert_header(("X-Remote-User-Id", "alice"))
        .send_json(&serde_json::json!({"label": "dl", "password": null, "can_comment": false, "can_download": true}))
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let link: serde_json::Value = r.json().await.unwrap();
    let r = client()
        .post(s.url("/api/guest/session"))
        .send_json(&serde_json::json!({"token": link["token"], "name": "Gus", "password": null}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r
        .cookies()
        .unwrap()
        .iter()
        .find(|c| c.name() == "dailies_guest")
        .unwrap()
        .value()
        .to_string();
    let guest = [("Cookie", format!("dailies_guest={cookie}"))];
    let (code, cd, body) = follow_download(&s, &format!("/api/guest/media/{id}/download/original"), &guest).await;
    assert_eq!(code, 200);
    assert_eq!(body, original);
    assert!(cd.contains("%C3%9Cbergang.mp4"), "{cd}");
}

const PART: usize = dailies_server::store::PART_SIZE;

/// Creates a tus upload of `len` bytes named `name` as `user`; answers its path.
async fn tus_create(s: &TestServer, user: &str, name: &str, len: u64) -> String {
    use base64::Engine;
    let meta = format!("filename {}", base64::engine::general_purpose::STANDARD.encode(name));
    let r = client()
        .post(s.url("/api/tus/"))
        .insert_header(("X-Remote-User-Id", user))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .insert_header(("Upload-Length", len.to_string()))
        .insert_header(("Upload-Metadata", meta))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.headers().get("location").unwrap().to_str().unwrap().to_string()
}

/// A PATCH of `bytes` at `offset`: status, `Upload-Offset`, `Dailies-Media-Id`.
async fn tus_patch(s: &TestServer, path: &str, offset: u64, bytes: &[u8]) -> (u16, Option<u64>, Option<String>) {
    let r = client()
        .patch(s.url(path))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .insert_header(("Content-Type", "application/offset+octet-stream"))
        .insert_header(("Upload-Offset", offset.to_string()))
        .send_body(bytes.to_vec())
        .await
        .unwrap();
    let header = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    (
        r.status().as_u16(),
        header("upload-offset").and_then(|v| v.parse().ok()),
        header("dailies-media-id"),
    )
}

async fn tus_offset(s: &TestServer, path: &str) -> (u16, Option<u64>) {
    let r = client()
        .head(s.url(path))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .send()
        .await
        .unwrap();
    let off = r
        .headers()
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (r.status().as_u16(), off)
}

/// The upload's record and the bytes of its part being filled, from `upload-tmp/tus/`.
fn tus_state(s: &TestServer, path: &str) -> (serde_json::Value, Option<u64>) {
    let id = path.rsplit('/').next().unwrap();
    let dir = s.dir.path().join("upload-tmp/tus");
    let record = std::fs::read(dir.join(format!("{id}.json")))
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap_or(serde_json::Value::Null);
    let tail = std::fs::metadata(dir.join(format!("{id}.part"))).ok().map(|m| m.len());
    (record, tail)
}

fn multipart_of(record: &serde_json::Value) -> dailies_server::store::PartialObject {
    serde_json::from_value(record["object"].clone()).unwrap_or_else(|e| panic!("{e}: {record}"))
}

/// Whether the store still takes parts for this multipart upload (an aborted or completed
/// one takes none).
async fn multipart_open(s: &TestServer, o: &dailies_server::store::PartialObject) -> bool {
    let mut probe = o.clone();
    s.state()
        .store
        .put_object_part(&mut probe, bytes::Bytes::from_static(b"probe"))
        .await
        .is_ok()
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 253) as u8 ^ (i >> 16) as u8).collect()
}

#[actix_rt::test]
async fn tus_chunks_become_parts_and_survive_a_restart() {
    let Some(_) = bucket() else { return };
    let mut s = TestServer::start().await;
    let body = pattern(2 * PART + 12_345);
    let path = tus_create(&s, "alice", "Take 3.mov", body.len() as u64).await;
    let (record, tail) = tus_state(&s, &path);
    let o = multipart_of(&record);
    assert_eq!((o.name.as_str(), o.parts.len(), tail), ("original.mov", 0, Some(0)));

    // One PATCH of a part and a bit: the part goes to the store, the bit stays on disk.
    let first = PART + 3_000;
    assert_eq!(
        tus_patch(&s, &path, 0, &body[..first]).await,
        (204, Some(first as u64), None)
    );
    let (record, tail) = tus_state(&s, &path);
    assert_eq!((multipart_of(&record).parts.len(), tail), (1, Some(3_000)));
    assert!(
        objects(&s, &o.media_id).await.is_empty(),
        "nothing visible before completion"
    );

    // A restart keeps the upload resumable where it stopped.
    s.stop().await;
    let s = TestServer::start_in(s.dir, |_| {}).await;
    assert_eq!(tus_offset(&s, &path).await, (200, Some(first as u64)));
    let admin = s.get("/api/admin/uploads", Some("admin")).await;
    assert!(admin.1.to_string().contains(&format!("{first}")), "{admin:?}");

    // The rest in two PATCHes, the first of them crossing a part boundary.
    let second = 2 * PART + 100;
    assert_eq!(
        tus_patch(&s, &path, first as u64, &body[first..second]).await,
        (204, Some(second as u64), None)
    );
    assert_eq!(multipart_of(&tus_state(&s, &path).0).parts.len(), 2);
    let (code, off, media) = tus_patch(&s, &path, second as u64, &body[second..]).await;
    assert_eq!((code, off), (204, Some(body.len() as u64)));
    let media = media.unwrap();
    assert_eq!(media, o.media_id, "the media id chosen at creation");
    assert_eq!(tus_state(&s, &path).1, None, "no local copy once complete");
    let (code, m) = s.get(&format!("/api/media/{media}"), Some("alice")).await;
    assert_eq!(code, 200, "{m}");
    let stored = objects(&s, &media).await;
    assert!(
        stored.contains(&("original.mov".into(), body.len() as u64)),
        "{stored:?}"
    );
    let (code, _, got) = s
        .fetch(&format!("/files/{media}/original.mov"), Some("alice"), &[])
        .await;
    assert_eq!(code, 200);
    assert!(got == body, "the object is the bytes sent, in order");
    // A client that lost the last answer learns the media again.
    assert_eq!(
        tus_patch(&s, &path, body.len() as u64, &[]).await,
        (204, Some(body.len() as u64), Some(media))
    );
}

#[actix_rt::test]
async fn a_part_stored_but_not_recorded_before_a_crash_is_sent_again() {
    let Some(_) = bucket() else { return };
    let mut s = TestServer::start().await;
    let body = pattern(PART + 5_000);
    let path = tus_create(&s, "alice", "crash.mov", body.len() as u64).await;
    assert_eq!(tus_patch(&s, &path, 0, &body[..PART + 100]).await.0, 204);
    s.stop().await;
    // What a crash after the part was stored and emptied, before it was recorded, leaves.
    let id = path.rsplit('/').next().unwrap();
    let dir = s.dir.path().join("upload-tmp/tus");
    let (mut record, _) = tus_state(&s, &path);
    record["object"]["parts"] = serde_json::json!([]);
    std::fs::write(dir.join(format!("{id}.json")), record.to_string()).unwrap();
    std::fs::write(dir.join(format!("{id}.part")), b"").unwrap();
    let s = TestServer::start_in(s.dir, |_| {}).await;
    // The offset falls back a part; the client sends it again and the object is whole.
    assert_eq!(tus_offset(&s, &path).await, (200, Some(0)));
    let (code, off, media) = tus_patch(&s, &path, 0, &body).await;
    assert_eq!((code, off), (204, Some(body.len() as u64)));
    let media = media.unwrap();
    let (code, _, got) = s
        .fetch(&format!("/files/{media}/original.mov"), Some("alice"), &[])
        .await;
    assert_eq!(code, 200);
    assert!(got == body, "the part put again replaces the first one");
}

#[actix_rt::test]
async fn an_upload_of_whole_parts_and_an_empty_one_complete() {
    let Some(_) = bucket() else { return };
    let s = TestServer::start().await;
    let body = pattern(PART);
    let path = tus_create(&s, "alice", "exact.bin", body.len() as u64).await;
    let (code, off, media) = tus_patch(&s, &path, 0, &body).await;
    assert_eq!((code, off), (204, Some(PART as u64)));
    let media = media.unwrap();
    assert_eq!(objects(&s, &media).await, vec![("original.bin".into(), PART as u64)]);

    let path = tus_create(&s, "alice", "empty.bin", 0).await;
    let (code, off, media) = tus_patch(&s, &path, 0, &[]).await;
    assert_eq!((code, off), (204, Some(0)));
    assert_eq!(objects(&s, &media.unwrap()).await, vec![("original.bin".into(), 0)]);
}

#[actix_rt::test]
async fn terminated_expired_and_refused_tus_uploads_leave_nothing_in_the_bucket() {
    let Some(_) = bucket() else { return };
    let s = TestServer::start_with(|c| c.upload_expiry = Duration::from_secs(2)).await;
    let body = pattern(PART + 1_000);

    // Terminated with a part stored.
    let path = tus_create(&s, "alice", "gone.mov", body.len() as u64).await;
    assert_eq!(tus_patch(&s, &path, 0, &body[..PART + 10]).await.0, 204);
    let o = multipart_of(&tus_state(&s, &path).0);
    assert_eq!(o.parts.len(), 1);
    let r = client()
        .delete(s.url(&path))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(!multipart_open(&s, &o).await, "the multipart upload is aborted");
    assert!(objects(&s, &o.media_id).await.is_empty());
    assert_eq!(tus_state(&s, &path), (serde_json::Value::Null, None));

    // Refused by the database at completion.
    s.refuse_inserts("media");
    let path = tus_create(&s, "alice", "refused.mov", body.len() as u64).await;
    let o = multipart_of(&tus_state(&s, &path).0);
    let (code, _, media) = tus_patch(&s, &path, 0, &body).await;
    assert!(code >= 500 && media.is_none(), "{code}");
    assert!(!multipart_open(&s, &o).await);
    assert!(objects(&s, &o.media_id).await.is_empty(), "no object of a refused file");
    assert_eq!(s.get("/api/media", Some("alice")).await.1, serde_json::json!([]));
    assert_eq!(tus_state(&s, &path), (serde_json::Value::Null, None));
    s.allow_inserts("media");

    // Expired with a part stored and a few bytes waiting.
    let path = tus_create(&s, "alice", "late.mov", body.len() as u64).await;
    assert_eq!(tus_patch(&s, &path, 0, &body[..PART + 10]).await.0, 204);
    let o = multipart_of(&tus_state(&s, &path).0);
    let deadline = Instant::now() + Duration::from_secs(30);
    while tus_state(&s, &path).1.is_some() {
        assert!(Instant::now() < deadline, "the expired upload is still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while multipart_open(&s, &o).await {
        assert!(Instant::now() < deadline, "the expired upload is not aborted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(objects(&s, &o.media_id).await.is_empty());
}
