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
