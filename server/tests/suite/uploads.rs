//! Request bodies on their way to disk: many slow uploads at once cost no thread each, a
//! body that stalls is given up, and a failed registration leaves nothing behind.

use crate::common::raw_http::{threads_now, tus_patch_headers, RawRequest};
use crate::common::{client, TestServer};
use std::time::{Duration, Instant};

const SLOW_UPLOADS: usize = 300;

fn part_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "part"))
        .count()
}

async fn wait_for_parts(dir: &std::path::Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while part_files(dir) != n {
        assert!(Instant::now() < deadline, "{} of {n} partial files", part_files(dir));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Also the benchmark of threads held (`--nocapture` prints the figure).
#[actix_rt::test]
async fn slow_uploads_hold_no_thread_each() {
    // One user with 300 uploads at once: no limit on unfinished uploads here.
    let s = TestServer::start_with(|c| c.quota_uploads = 0).await;
    let addr = s.server.as_ref().unwrap().addr;
    let tmp = s.dir.path().join("upload-tmp");
    let before = threads_now();
    let mut uploads = Vec::new();
    for i in 0..SLOW_UPLOADS {
        let headers = [
            "X-Remote-User-Id: slow".to_string(),
            format!("X-File-Name: slow{i}.bin"),
            format!("Content-Length: {}", 1 << 20),
        ];
        let mut r = RawRequest::start(addr, "POST", "/api/upload", &headers).await;
        r.send(&[1u8; 1024]).await;
        uploads.push(r);
    }
    // Every body is being written: the server has opened a partial file for each.
    wait_for_parts(&tmp, SLOW_UPLOADS).await;
    let during = threads_now();
    println!(
        "threads: {before} before, {during} with {SLOW_UPLOADS} slow uploads in progress (+{})",
        during.saturating_sub(before)
    );
    assert!(
        during < before + 60,
        "{SLOW_UPLOADS} slow uploads should not hold a thread each: {before} -> {during} threads"
    );
    // Clients that give up leave no partial file.
    drop(uploads);
    wait_for_parts(&tmp, 0).await;
}

#[actix_rt::test]
async fn a_stalled_body_times_out_and_frees_the_upload() {
    let s = TestServer::start_with(|c| c.upload_body_timeout = Duration::from_millis(500)).await;
    let addr = s.server.as_ref().unwrap().addr;
    let tmp = s.dir.path().join("upload-tmp");

    // Raw body: 408, and the partial file is removed.
    let headers = [
        "X-Remote-User-Id: alice".to_string(),
        "X-File-Name: stalled.bin".to_string(),
        "Content-Length: 100000".to_string(),
    ];
    let mut raw = RawRequest::start(addr, "POST", "/api/upload", &headers).await;
    raw.send(&[1u8; 1000]).await;
    assert_eq!(raw.response(Duration::from_secs(10)).await.status, 408);
    wait_for_parts(&tmp, 0).await;

    // Multipart, stalled inside the file field.
    let head = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\r\n";
    let headers = [
        "X-Remote-User-Id: alice".to_string(),
        "Content-Type: multipart/form-data; boundary=XyZ".to_string(),
        "Content-Length: 100000".to_string(),
    ];
    let mut mp = RawRequest::start(addr, "POST", "/api/upload", &headers).await;
    mp.send(head.as_bytes()).await;
    mp.send(&[2u8; 1000]).await;
    assert_eq!(mp.response(Duration::from_secs(10)).await.status, 408);
    wait_for_parts(&tmp, 0).await;

    // tus: what arrived is kept and the upload is free for the client's next PATCH.
    let r = client()
        .post(s.url("/api/tus/"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .insert_header(("Upload-Length", "3000"))
        .send()
        .await
        .unwrap();
    let path = r.headers().get("location").unwrap().to_str().unwrap().to_string();
    let mut patch = RawRequest::start(addr, "PATCH", &path, &tus_patch_headers("alice", 0, 3000)).await;
    patch.send(&[3u8; 1000]).await;
    let r = patch.response(Duration::from_secs(10)).await;
    assert_eq!(r.status, 408, "{r:?}");
    let mut resume = RawRequest::start(addr, "PATCH", &path, &tus_patch_headers("alice", 1000, 2000)).await;
    resume.send(&[3u8; 2000]).await;
    let r = resume.response(Duration::from_secs(10)).await;
    assert_eq!((r.status, r.header("upload-offset")), (204, Some("3000")), "{r:?}");
    assert!(r.header("dailies-media-id").is_some());
}

#[test]
fn a_failed_move_into_media_leaves_no_directory() {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("media");
    std::fs::create_dir(&media).unwrap();
    let missing = dir.path().join("gone.part");
    let moved = dailies_server::storage::move_into_media(&missing, &media, "abcdefghijkl", "clip.mov");
    assert!(moved.is_err());
    let left: Vec<_> = std::fs::read_dir(&media).unwrap().flatten().map(|e| e.path()).collect();
    assert!(left.is_empty(), "a failed registration left {left:?}");
}
