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

fn disk_free(p: &Path) -> u64 {
    dailies_server::storage::available_space(p).unwrap()
}

use futures_util::StreamExt;
