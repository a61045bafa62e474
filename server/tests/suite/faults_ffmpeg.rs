//! ffmpeg missing or crashing, with the real binary and a PATH made for the test: the job
//! ends `failed` with a reason people can read, and the server goes on serving.

use crate::common::{client, free_port};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn start(data: &Path, port: u16, path_env: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dailies-server"))
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data)
        .env_remove("DAILIES_CONFIG")
        .env("PATH", path_env)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn get(port: u16, path: &str) -> Option<(u16, Value)> {
    let mut r = client()
        .get(format!("http://127.0.0.1:{port}{path}"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .send()
        .await
        .ok()?;
    let v = serde_json::from_slice(&r.body().await.ok()?).unwrap_or(Value::Null);
    Some((r.status().as_u16(), v))
}

/// A directory of tools: links to the real ones named in `real`, plus scripts.
fn toolbox(dir: &Path, real: &[&str], scripts: &[(&str, &str)]) -> String {
    std::fs::create_dir_all(dir).unwrap();
    for tool in real {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        let target = String::from_utf8_lossy(&found.stdout).trim().to_string();
        assert!(!target.is_empty(), "{tool} must be installed");
        std::os::unix::fs::symlink(target, dir.join(tool)).unwrap();
    }
    for (name, body) in scripts {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir.display().to_string()
}

/// Uploads a clip that needs a proxy and waits for its end state.
async fn upload_and_wait(port: u16, src: &Path) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    while get(port, "/api/health").await.is_none() {
        assert!(Instant::now() < deadline, "server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut r = client()
        .post(format!("http://127.0.0.1:{port}/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-File-Name", "needs-proxy.avi"))
        .send_body(std::fs::read(src).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let id = serde_json::from_slice::<Value>(&r.body().await.unwrap()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, m) = get(port, &format!("/api/media/{id}")).await.unwrap();
        if m["status"] != "processing" {
            return m;
        }
        assert!(Instant::now() < deadline, "still processing: {m}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn run_with_tools(path_env: &str, src: &Path, data: &Path) -> Value {
    let port = free_port();
    let mut child = start(data, port, path_env);
    let m = upload_and_wait(port, src).await;
    // Still serving after the failure.
    assert_eq!(get(port, "/api/health").await.unwrap().0, 200);
    assert_eq!(get(port, "/api/media").await.unwrap().0, 200);
    child.kill().unwrap();
    child.wait().unwrap();
    m
}

fn make_avi(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("src.avi");
    crate::common::ffmpeg_make(&src, &["testsrc2=size=320x240:rate=25"], &["-t", "1", "-c:v", "mpeg4"]);
    src
}

#[actix_rt::test]
async fn ffmpeg_missing_fails_the_job_with_a_readable_reason() {
    let dir = tempfile::tempdir().unwrap();
    let src = make_avi(dir.path());
    let tools = toolbox(&dir.path().join("bin"), &["ffprobe", "mediainfo"], &[]);
    let m = run_with_tools(&tools, &src, &dir.path().join("data")).await;
    assert_eq!(m["status"], "failed", "{m}");
    let reason = m["error"].as_str().unwrap();
    assert!(reason.contains("ffmpeg is not installed"), "{reason}");
    assert!(
        reason.contains("3 times"),
        "a missing tool is the server's problem: {reason}"
    );
}

/// Treated like ffmpeg missing: it used to fail at once, as if the file were to blame, while a
/// missing ffmpeg was retried.
#[actix_rt::test]
async fn ffprobe_missing_fails_the_job_after_retries_like_ffmpeg_missing() {
    let dir = tempfile::tempdir().unwrap();
    let src = make_avi(dir.path());
    let tools = toolbox(&dir.path().join("bin"), &["ffmpeg", "mediainfo"], &[]);
    let m = run_with_tools(&tools, &src, &dir.path().join("data")).await;
    assert_eq!(m["status"], "failed", "{m}");
    let reason = m["error"].as_str().unwrap();
    assert!(reason.contains("ffprobe is not installed"), "{reason}");
    assert!(reason.contains("3 times"), "retried before giving up: {reason}");
}

#[actix_rt::test]
async fn ffprobe_crashing_is_retried_and_does_not_blame_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = make_avi(dir.path());
    let tools = toolbox(
        &dir.path().join("bin"),
        &["ffmpeg", "mediainfo"],
        &[("ffprobe", "kill -SEGV $$")],
    );
    let m = run_with_tools(&tools, &src, &dir.path().join("data")).await;
    assert_eq!(m["status"], "failed", "{m}");
    let reason = m["error"].as_str().unwrap();
    // It used to say "this is not a video, audio or image file" for a crash of the tool.
    assert!(reason.contains("ffprobe crashed (signal 11)"), "{reason}");
    assert!(reason.contains("3 times"), "retried before giving up: {reason}");
}

/// A fake ffmpeg that lets the probe's decode check through to the real one and runs
/// `then` for everything else (the transcode and the pictures).
fn fake_ffmpeg(then: &str) -> String {
    let real = Command::new("sh").args(["-c", "command -v ffmpeg"]).output().unwrap();
    let real = String::from_utf8_lossy(&real.stdout).trim().to_string();
    format!("case \"$*\" in *framemd5*) exec {real} \"$@\";; esac\n{then}")
}

#[actix_rt::test]
async fn ffmpeg_exiting_with_an_error_fails_the_job_with_a_readable_reason() {
    let dir = tempfile::tempdir().unwrap();
    let src = make_avi(dir.path());
    let script = fake_ffmpeg("echo 'fake ffmpeg: Conversion failed!' >&2\nexit 1");
    let tools = toolbox(
        &dir.path().join("bin"),
        &["ffprobe", "mediainfo"],
        &[("ffmpeg", &script)],
    );
    let m = run_with_tools(&tools, &src, &dir.path().join("data")).await;
    assert_eq!(m["status"], "failed", "{m}");
    let reason = m["error"].as_str().unwrap();
    assert!(reason.contains("ffmpeg"), "{reason}");
    assert!(reason.len() < 2000, "a reason, not a log dump: {} bytes", reason.len());
}

#[actix_rt::test]
async fn ffmpeg_killing_itself_mid_transcode_fails_the_job_after_retries() {
    let dir = tempfile::tempdir().unwrap();
    let src = make_avi(dir.path());
    let script = fake_ffmpeg("kill -SEGV $$");
    let tools = toolbox(
        &dir.path().join("bin"),
        &["ffprobe", "mediainfo"],
        &[("ffmpeg", &script)],
    );
    let data = dir.path().join("data");
    let m = run_with_tools(&tools, &src, &data).await;
    assert_eq!(m["status"], "failed", "{m}");
    let reason = m["error"].as_str().unwrap();
    assert!(reason.contains("signal"), "{reason}");
    assert!(reason.contains("3 times"), "retried before giving up: {reason}");
    // No half-written output is left for the failed media.
    let id = m["id"].as_str().unwrap();
    let left: Vec<String> = std::fs::read_dir(data.join("media").join(id))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("tmp.") || n == "proxy.mp4")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[actix_rt::test]
async fn ffmpeg_crashing_on_the_decode_check_does_not_blame_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = make_avi(dir.path());
    let tools = toolbox(
        &dir.path().join("bin"),
        &["ffprobe", "mediainfo"],
        &[("ffmpeg", "kill -SEGV $$")],
    );
    let m = run_with_tools(&tools, &src, &dir.path().join("data")).await;
    assert_eq!(m["status"], "failed", "{m}");
    let reason = m["error"].as_str().unwrap();
    // It used to say "the file seems truncated or damaged" for a crash of the tool.
    assert!(reason.contains("ffmpeg crashed (signal 11)"), "{reason}");
    assert!(!reason.contains("damaged"), "{reason}");
}
