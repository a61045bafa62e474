//! A dailies-server process for one benchmark: temporary data dir, free port, its RSS.

use anyhow::{Context, Result};
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

pub fn raise_fd_limit() {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain getrlimit/setrlimit on a stack value.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 {
            r.rlim_cur = r.rlim_max.min(200_000);
            libc::setrlimit(libc::RLIMIT_NOFILE, &r);
        }
    }
}

impl Server {
    pub async fn start(bin: &std::path::Path, args: &[&str]) -> Result<Server> {
        let dir = tempfile::Builder::new()
            .prefix("dailies-bench")
            .tempdir_in(std::env::temp_dir())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(bin)
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--log",
                "warn",
                "--client-timeout",
                "600",
                "--data-dir",
            ])
            .arg(dir.path())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the server")?;
        let mut s = Server { child, port, _dir: dir };
        // Ready when it answers, not after a fixed time; a server that exits (say, the
        // port was taken meanwhile) fails at once instead of at the deadline.
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Err(e) = s.get("/api/health", "bench").await {
            if let Some(st) = s.child.try_wait()? {
                anyhow::bail!("the server exited ({st}) before it answered on port {port}");
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the server did not answer on port {port} within 20 s: {e}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(s)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub async fn get(&self, path: &str, user: &str) -> Result<Value> {
        let mut r = client()
            .get(self.url(path))
            .insert_header(("X-Remote-User-Id", user))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let b = r.body().limit(64 << 20).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(serde_json::from_slice(&b)?)
    }

    /// (VmRSS, VmHWM) in KiB.
    pub fn rss(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Resets the peak RSS counter (Linux: write 5 to clear_refs).
    pub fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> awc::Client {
    awc::Client::builder().timeout(Duration::from_secs(600)).finish()
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}
