//! The built dailies-server binary: configuration precedence, --help, signals.

use crate::common::free_port;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dailies-server"));
    // Never pick up a machine's installed configuration or environment.
    for (k, _) in std::env::vars() {
        if k.starts_with("DAILIES_") {
            c.env_remove(k);
        }
    }
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

fn wait_health(port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Write;
            let _ = s.write_all(b"GET /api/health HTTP/1.0\r\n\r\n");
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            if out.starts_with("HTTP/1.0 200") || out.starts_with("HTTP/1.1 200") {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn terminate(mut child: Child) -> (i32, String) {
    send_signal(child.id(), "TERM");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            return (st.code().unwrap_or(-1), err);
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn send_signal(pid: u32, sig: &str) {
    Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
}

#[test]
fn help_documents_every_option() {
    let out = bin().arg("--help").stdout(Stdio::piped()).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for opt in [
        "--config",
        "--listen",
        "--data-dir",
        "--demo",
        "--user-id-header",
        "--user-name-header",
        "--admin-user",
        "--admin-header",
        "--ws-max-frame",
        "--heartbeat-interval",
        "--client-timeout",
        "--max-upload-size",
        "--transcode-workers",
        "--web-root",
        "--log",
        "--organizer-cmd",
        "--organizer-url",
        "--organizer-timeout",
        "--database-url",
        "--storage-url",
        "--storage-redirect",
    ] {
        assert!(text.contains(opt), "--help lacks {opt}:\n{text}");
    }
    assert!(text.contains("DAILIES_LISTEN"), "environment names are shown");
}

#[test]
fn file_then_env_then_cli() {
    let dir = tempfile::tempdir().unwrap();
    let (p_file, p_env, p_cli) = (free_port(), free_port(), free_port());
    let cfg = dir.path().join("server.toml");
    std::fs::write(
        &cfg,
        format!(
            "listen = \"127.0.0.1:{p_file}\"\ndata_dir = \"{}\"\ndemo = true\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();

    let child = bin().arg("--config").arg(&cfg).spawn().unwrap();
    assert!(wait_health(p_file), "file's listen address used");
    assert!(dir.path().join("data/dailies.sqlite").exists(), "file's data_dir used");
    let (code, _) = terminate(child);
    assert_eq!(code, 0);

    let child = bin()
        .arg("--config")
        .arg(&cfg)
        .env("DAILIES_LISTEN", format!("127.0.0.1:{p_env}"))
        .spawn()
        .unwrap();
    assert!(wait_health(p_env), "environment beats the file");
    terminate(child);

    let child = bin()
        .arg("--config")
        .arg(&cfg)
        .env("DAILIES_LISTEN", format!("127.0.0.1:{p_env}"))
        .arg("--listen")
        .arg(format!("127.0.0.1:{p_cli}"))
        .spawn()
        .unwrap();
    assert!(wait_health(p_cli), "the command line beats the environment");
    let (code, log) = terminate(child);
    assert_eq!(code, 0, "clean exit on SIGTERM: {log}");
    assert!(log.contains("SIGTERM"), "{log}");
}

#[test]
fn bad_config_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("server.toml");
    std::fs::write(&cfg, "lisen = \"127.0.0.1:1\"\n").unwrap();
    let out = bin().arg("--config").arg(&cfg).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("server.toml") && err.contains("lisen"), "{err}");
}

#[test]
fn sigint_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = bin()
        .args(["--demo", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path())
        .spawn()
        .unwrap();
    assert!(wait_health(port));
    send_signal(child.id(), "INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = Command::new("sqlite3")
        .arg(dir.path().join("dailies.sqlite"))
        .arg("PRAGMA integrity_check;")
        .output();
    if let Ok(out) = out {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    }
}
