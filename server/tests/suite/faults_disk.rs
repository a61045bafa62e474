//! A full disk: the data directory on a 32 MiB tmpfs (or, where tmpfs cannot be mounted, a
//! loop-mounted ext4 image). Uploads get 507 with a clear error, partial files are removed,
//! and the server stays up and serves. Needs root for `mount`; fails (never skips) without.

use crate::common::{client, TestServer};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A small filesystem mounted on a temporary directory, unmounted on drop.
struct SmallDisk {
    dir: Option<tempfile::TempDir>,
    image: Option<PathBuf>,
}

impl SmallDisk {
    fn mount() -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().to_str().unwrap().to_string();
        let tmpfs = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=32m", "tmpfs", &p])
            .output()
            .expect("running mount");
        if tmpfs.status.success() {
            println!("data dir on a 32 MiB tmpfs");
            return SmallDisk {
                dir: Some(dir),
                image: None,
            };
        }
        let image = std::env::temp_dir().join(format!("dailies-disk-{}.img", std::process::id()));
        let made = Command::new("truncate")
            .args(["-s", "32M"])
            .arg(&image)
            .status()
            .unwrap()
            .success()
            && Command::new("mkfs.ext4")
                .args(["-q", "-F"])
                .arg(&image)
                .status()
                .is_ok_and(|s| s.success());
        let looped = made
            && Command::new("mount")
                .args(["-o", "loop"])
                .arg(&image)
                .arg(&p)
                .status()
                .is_ok_and(|s| s.success());
        assert!(
            looped,
            "cannot mount a small filesystem for the full-disk test (tmpfs: {}; loop ext4 failed too). \
             Run the tests as root or in a container allowed to mount.",
            String::from_utf8_lossy(&tmpfs.stderr).trim()
        );
        println!("data dir on a 32 MiB loop-mounted ext4 image (tmpfs refused)");
        SmallDisk {
            dir: Some(dir),
            image: Some(image),
        }
    }

    fn path(&self) -> &Path {
        self.dir.as_ref().unwrap().path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = Command::new("umount").arg("-l").arg(d.path()).status();
        }
        if let Some(i) = &self.image {
            let _ = std::fs::remove_file(i);
        }
    }
}

fn partial_files(data: &Path) -> Vec<String> {
    let mut out = vec![];
    for d in [data.join("upload-tmp"), data.join("upload-tmp/tus")] {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.ends_with(".part") {
                out.push(n);
            }
        }
    }
    out
}

#[actix_rt::test]
async fn a_full_disk_answers_507_removes_partials_and_keeps_serving() {
    let disk = SmallDisk::mount();
    let data = disk.path().join("data");
    let s = TestServer::start_with(|c| c.data_dir = data.clone()).await;
    let s = &s;

    // A declared size the disk cannot hold: refused before a byte is read.
    let mut r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-File-Name", "big.mov"))
        .send_body(vec![1u8; 40 << 20])
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 507);
    let e: Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
    assert_eq!(e["error"], "insufficient_storage");
    assert!(e["message"].as_str().unwrap().contains("disk space"), "{e}");

    // No declared size (chunked): it streams until the disk is full, then 507.
    let chunks =
        futures_util::stream::iter(0..64).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![2u8; 1 << 20])));
    let mut r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-File-Name", "stream.mov"))
        .send_stream(chunks)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 507, "{:?}", r.body().await);
    let e: Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
    assert_eq!(e["error"], "insufficient_storage", "{e}");
    assert!(
        partial_files(&data).is_empty(),
        "partial upload left: {:?}",
        partial_files(&data)
    );

    // tus: creation with a length the disk cannot hold is refused.
    let r = client()
        .post(s.url("/api/tus/"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .insert_header(("Upload-Length", (40u64 << 20).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 507);

    // Multipart, no declared part size: same.
    let boundary = "B0UNDARY";
    let head = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.mov\"\r\n\r\n");
    let parts = futures_util::stream::iter(
        std::iter::once(bytes::Bytes::from(head))
            .chain((0..64).map(|_| bytes::Bytes::from(vec![3u8; 1 << 20])))
            .chain(std::iter::once(bytes::Bytes::from(format!("\r\n--{boundary}--\r\n"))))
            .map(Ok::<_, std::io::Error>),
    );
    let r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Content-Type", format!("multipart/form-data; boundary={boundary}")))
        .send_stream(parts)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 507);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        partial_files(&data).is_empty(),
        "partial upload left: {:?}",
        partial_files(&data)
    );

    // Still up: health, the library, the websocket.
    assert_eq!(s.get("/api/health", None).await.0, 200);
    let (code, list) = s.get("/api/media", Some("alice")).await;
    assert_eq!((code, list), (200, json!([])), "no media from refused uploads");
    let mut ws = s.ws(Some("alice")).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "ping", "client_time": 1})).await;
    ws.recv_type("pong").await;
    let free = disk_free(&data);
    assert!(free > 16 << 20, "space was not given back: {free} bytes free");
}

fn all_files(p: &Path) -> Vec<(String, u64)> {
    let mut out = vec![];
    let mut stack = vec![p.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path().strip_prefix(p).unwrap().display().to_string(), m.len()));
            }
        }
    }
    out
}

/// What the database files take on a tmpfs (whole pages).
fn database_bytes(data: &Path) -> u64 {
    ["dailies.sqlite", "dailies.sqlite-wal", "dailies.sqlite-shm"]
        .iter()
        .filter_map(|n| std::fs::metadata(data.join(n)).ok())
        .map(|m| m.len().div_ceil(4096) * 4096)
        .sum()
}

fn disk_free(p: &Path) -> u64 {
    dailies_server::storage::available_space(p).unwrap()
}

use futures_util::StreamExt;

/// Space accounting on a small disk (issue 13.4): a tus upload's length is reserved at
/// creation, a body without a declared length stops before it would eat another upload's
/// reservation or the reserve, parallel uploads are admitted only as far as the disk holds
/// them (and every admitted one completes), and the database can still commit afterwards.
#[actix_rt::test]
async fn reservations_keep_their_promise_and_the_reserve_stays_free() {
    const MIB: u64 = 1 << 20;
    let disk = SmallDisk::mount();
    let data = disk.path().join("data");
    let s = TestServer::start_with(|c| {
        c.data_dir = data.clone();
        c.disk_reserve = 4 * MIB;
        c.quota_uploads = 0;
        // What stays on this disk is the point: originals stay here, not in a bucket.
        c.storage_url = None;
    })
    .await;
    let s = &s;
    let free0 = disk_free(&data);
    let reserved = free0 - 4 * MIB - 6 * MIB;
    // The reserve is there for the database: what it writes meanwhile (the WAL grows with
    // every media row and job) may go into it; uploads may not.
    let db0 = database_bytes(&data);

    // A resumable upload reserves its whole length at creation; one more that does not fit
    // beside it is refused although the disk is still empty.
    let mut r = client()
        .post(s.url("/api/tus/"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .insert_header(("Upload-Length", reserved.to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{:?}", r.body().await);
    let loc = r.headers().get("location").unwrap().to_str().unwrap().to_string();
    let r = client()
        .post(s.url("/api/tus/"))
        .insert_header(("X-Remote-User-Id", "bob"))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .insert_header(("Upload-Length", (8 * MIB).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 507);

    // A body without a length streams until it would reach the reservation: 507, and the
    // reservation is still whole.
    let chunks =
        futures_util::stream::iter(0..16).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![2u8; MIB as usize])));
    let mut r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "bob"))
        .insert_header(("X-File-Name", "stream.mov"))
        .send_stream(chunks)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 507, "{:?}", r.body().await);
    // Only the resumable upload's (empty) file is left.
    wait_no_partials(&data, 1).await;

    // The reserved upload arrives whole, even sent without a Content-Length.
    let body = futures_util::stream::iter(
        (0..reserved)
            .step_by(MIB as usize)
            .map(move |at| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![5u8; (reserved - at).min(MIB) as usize]))),
    );
    let mut r = client()
        .patch(s.url(&loc))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Tus-Resumable", "1.0.0"))
        .insert_header(("Upload-Offset", "0"))
        .insert_header(("Content-Type", "application/offset+octet-stream"))
        .send_stream(body)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204, "{:?}", r.body().await);
    assert!(r.headers().get("dailies-media-id").is_some());
    let low = disk_free(&data);
    let db = database_bytes(&data).saturating_sub(db0);
    assert!(
        low + db >= 4 * MIB,
        "an upload went into the reserve: {low} bytes free, {db} written by the database"
    );

    // Twenty uploads at once with about 6 MiB usable: those admitted all complete, the
    // others are refused at once; nobody gets a half-written failure.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let url = s.url("/api/upload");
        tasks.push(actix_rt::spawn(async move {
            let mut r = client()
                .post(url)
                .insert_header(("X-Remote-User-Id", format!("user{i}")))
                .insert_header(("X-File-Name", format!("p{i}.mov")))
                .send_body(vec![9u8; (MIB / 2) as usize])
                .await
                .unwrap();
            let _ = r.body().await;
            r.status().as_u16()
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    let ok = codes.iter().filter(|c| **c == 201).count();
    let refused = codes.iter().filter(|c| **c == 507).count();
    println!("20 parallel uploads of 512 KiB: {ok} accepted, {refused} refused");
    assert_eq!(ok + refused, 20, "only 201 or 507: {codes:?}");
    assert!(ok >= 1 && refused >= 1, "{codes:?}");
    let low = disk_free(&data);
    let db = database_bytes(&data).saturating_sub(db0);
    assert!(
        low + db >= 4 * MIB,
        "an upload went into the reserve: {low} bytes free, {db} written by the database; {:?}",
        all_files(&data)
    );

    // The database still commits: an admin's write goes through.
    let r = client()
        .put(s.url("/api/admin/users/alice/quota"))
        .insert_header(("X-Remote-User-Id", "admin"))
        .send_json(&json!({"uploads": 3}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

async fn wait_no_partials(data: &Path, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while partial_files(data).len() != n {
        assert!(
            std::time::Instant::now() < deadline,
            "partial files: {:?}",
            partial_files(data)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
