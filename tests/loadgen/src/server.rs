//! A dailies-server process for one benchmark: temporary data dir, free port, its RSS.

use anyhow::{Context, Result};
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
    /// Where the server's stderr goes when it is not the bench's own.
    log: Option<std::path::PathBuf>,
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

/// The environment every bench server gets: benches open many sockets as one user, which
/// a server with a per-user socket limit (default 20) would refuse; older servers ignore it.
const ENV: &[(&str, &str)] = &[("DAILIES_MAX_SOCKETS_PER_USER", "0")];

impl Server {
    pub async fn start(bin: &std::path::Path, args: &[&str]) -> Result<Server> {
        Server::start_with(bin, args, false).await
    }

    /// `log_to_file`: the server's stderr goes to `server.log` beside its data dir (read it
    /// with `log_text`) instead of the bench's stderr.
    pub async fn start_with(bin: &std::path::Path, args: &[&str], log_to_file: bool) -> Result<Server> {
        let dir = tempfile::Builder::new()
            .prefix("dailies-bench")
            .tempdir_in(std::env::temp_dir())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        // The data dir is a fresh empty directory, as before; the log lives beside it.
        std::fs::create_dir(dir.path().join("data"))?;
        let log = log_to_file.then(|| dir.path().join("server.log"));
        let stderr = match &log {
            Some(path) => Stdio::from(std::fs::File::create(path)?),
            None => Stdio::inherit(),
        };
        let child = Command::new(bin)
            .envs(ENV.iter().copied())
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--log",
                "warn",
                "--client-timeout",
                "600",
                "--data-dir",
            ])
            .arg(dir.path().join("data"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .context("starting the server")?;
        let mut s = Server {
            child,
            port,
            _dir: dir,
            log,
        };
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

    /// Whether the server has a child process (an ffmpeg, ffprobe or mediainfo of a job).
    pub fn children_running(&self) -> bool {
        let tasks = format!("/proc/{}/task", self.child.id());
        std::fs::read_dir(tasks)
            .into_iter()
            .flatten()
            .flatten()
            .any(|t| std::fs::read_to_string(t.path().join("children")).is_ok_and(|c| !c.trim().is_empty()))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time the server has used, user + system, in seconds.
    pub fn cpu_secs(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // The fields after the command name, which is in parentheses and may hold spaces:
        // utime and stime are the 14th and 15th fields of the whole line.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let f: Vec<u64> = rest.split_whitespace().map(|v| v.parse().unwrap_or(0)).collect();
        let ticks = f.get(11).unwrap_or(&0) + f.get(12).unwrap_or(&0);
        // SAFETY: sysconf has no preconditions.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        ticks as f64 / hz
    }

    /// The server's stderr so far, when started with `log_to_file`.
    pub fn log_text(&self) -> String {
        self.log
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    }

    /// Whether the server process has exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
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
