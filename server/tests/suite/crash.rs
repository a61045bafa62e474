//! Crash recovery with the real binary: SIGKILL during a transcode, then restart. The job
//! resumes and finishes, ffmpeg died with the server, and the database is intact.

use crate::common::client;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn start(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dailies-server"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir)
        .env_remove("DAILIES_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn get(port: u16, path: &str) -> Option<Value> {
    let mut r = client()
        .get(format!("http://127.0.0.1:{port}{path}"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .send()
        .await
        .ok()?;
    serde_json::from_slice(&r.body().await.ok()?).ok()
}

async fn wait_up(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while get(port, "/api/health").await.is_none() {
        assert!(Instant::now() < deadline, "server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn ffmpeg_running_for(id: &str) -> bool {
    let out = Command::new("pgrep")
        .args(["-f", &format!("media/{id}/")])
        .output()
        .unwrap();
    !String::from_utf8_lossy(&out.stdout).trim().is_empty()
}

#[actix_rt::test]
async fn sigkill_during_a_transcode_resumes_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.avi");
    // MPEG-4 Part 2 is quick to make and needs a proxy: long enough to kill mid-way.
    crate::common::ffmpeg_make(
        &src,
        &["testsrc2=size=1280x720:rate=30"],
        &["-t", "12", "-c:v", "mpeg4", "-q:v", "5"],
    );
    let data = dir.path().join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = start(&data, port);
    wait_up(port).await;
    let mut r = client()
        .post(format!("http://127.0.0.1:{port}/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-File-Name", "long.avi"))
        .send_body(std::fs::read(&src).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let id = serde_json::from_slice::<Value>(&r.body().await.unwrap()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Wait until the proxy transcode is under way, then kill the server outright.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let m = get(port, &format!("/api/media/{id}")).await.unwrap();
        assert_eq!(m["status"], "processing", "finished before it could be killed: {m}");
        if ffmpeg_running_for(&id) && m["progress"].as_f64().unwrap_or(0.0) > 0.0 {
            break;
        }
        assert!(Instant::now() < deadline, "transcode never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while ffmpeg_running_for(&id) {
        assert!(Instant::now() < deadline, "ffmpeg outlived the killed server");
        std::thread::sleep(Duration::from_millis(50));
    }

    let out = Command::new("sqlite3")
        .arg(data.join("dailies.sqlite"))
        .arg("PRAGMA integrity_check;")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");

    let mut child = start(&data, port);
    wait_up(port).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let m = loop {
        let m = get(port, &format!("/api/media/{id}")).await.unwrap();
        if m["status"] == "failed" || (m["status"] == "ready" && !m["sheet"].is_null()) {
            break m;
        }
        assert!(Instant::now() < deadline, "not finished after restart: {m}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(m["status"], "ready", "{m}");
    let proxy = data.join("media").join(&id).join("proxy.mp4");
    let p = crate::common::ffprobe_streams(&proxy);
    assert_eq!(p["streams"][0]["codec_name"], "h264");
    assert_eq!(p["streams"][0]["nb_frames"], "360", "the whole clip, not a torn half");
    let job = || {
        let out = Command::new("sqlite3")
            .arg(data.join("dailies.sqlite"))
            .arg(format!("SELECT status, attempts FROM jobs WHERE media_id = '{id}';"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while job() != "done|2" {
        assert!(Instant::now() < deadline, "job not done: {}", job());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
