//! `TranscodeJob`: one actor per ffmpeg run. It owns the child process; a reader thread
//! parses `-progress` output and passes it over a crossbeam channel to the actor.

use super::command::ProgressParser;
use super::Cancel;
use actix::prelude::*;
use crossbeam_channel::{Receiver, TryRecvError};
use std::io::{self, BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How often the actor looks at the cancel flag (the reader thread wakes it for events).
const POLL: Duration = Duration::from_millis(100);
/// Progress is passed on at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// What to run.
pub struct FfmpegRun {
    pub program: String,
    pub args: Vec<String>,
    /// ffmpeg's stderr is appended here (kept per media).
    pub log_path: PathBuf,
    /// Total duration of the output, for the progress fraction.
    pub duration: Option<f64>,
}

/// Why an ffmpeg run did not produce its output. The Display text is shown to the uploader.
#[derive(Debug, thiserror::Error)]
pub enum FfmpegError {
    #[error("{program} is not installed on the server")]
    NotInstalled { program: String },
    #[error("cannot start {program}: {source}")]
    Start {
        program: String,
        #[source]
        source: io::Error,
    },
    #[error("ffmpeg was killed by signal {signal}")]
    Killed { signal: i32 },
    /// ffmpeg exited with an error: `detail` is the end of its log.
    #[error("ffmpeg could not convert the file: {detail}")]
    Failed { detail: String },
    /// ffmpeg exited with an error and wrote nothing to say why.
    #[error("ffmpeg failed with exit code {code}")]
    Exited { code: i32 },
    #[error("cancelled")]
    Cancelled,
    #[error("cannot open the job log {}: {source}", .path.display())]
    Log {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The run itself broke down (a thread could not start, the child could not be waited
    /// for, the job actor went away), whatever the file.
    #[error("{0}")]
    Lost(String),
}

impl FfmpegError {
    /// Whether the server, not the file, is the likely cause, so another attempt may succeed:
    /// ffmpeg missing or unstartable, killed (a crash, the OOM killer), or the run lost. An
    /// error exit is the file's (ffmpeg said why), and a cancelled job is not retried.
    pub fn is_transient(&self) -> bool {
        match self {
            FfmpegError::NotInstalled { .. }
            | FfmpegError::Start { .. }
            | FfmpegError::Killed { .. }
            | FfmpegError::Log { .. }
            | FfmpegError::Lost(_) => true,
            FfmpegError::Failed { .. } | FfmpegError::Exited { .. } | FfmpegError::Cancelled => false,
        }
    }
}

enum Event {
    Progress(f64),
    Exit(io::Result<std::process::ExitStatus>),
}

pub struct TranscodeJob {
    run: FfmpegRun,
    cancel: Cancel,
    on_progress: Box<dyn Fn(f64) + Send>,
    done: Option<oneshot::Sender<Result<(), FfmpegError>>>,
    rx: Option<Receiver<Event>>,
    pid: Option<i32>,
    last_progress: Option<Instant>,
}

impl TranscodeJob {
    fn finish(&mut self, result: Result<(), FfmpegError>, ctx: &mut Context<Self>) {
        if let Some(tx) = self.done.take() {
            let _ = tx.send(result);
        }
        ctx.stop();
    }

    fn spawn_child(&mut self, wake: Recipient<Wake>) -> Result<(), FfmpegError> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.run.log_path)
            .map_err(|source| FfmpegError::Log {
                path: self.run.log_path.clone(),
                source,
            })?;
        let mut cmd = Command::new(&self.run.program);
        cmd.args(&self.run.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        // SAFETY: only async-signal-safe calls between fork and exec. Niceness keeps the web
        // server responsive; PDEATHSIG makes ffmpeg die with us (a killed server must not
        // leave a transcode writing into files the restarted server rewrites). This runs on
        // the long-lived arbiter thread, whose exit is the process's.
        unsafe {
            cmd.pre_exec(|| {
                libc::setpriority(libc::PRIO_PROCESS, 0, 10);
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let program = self.run.program.clone();
        let mut child = cmd.spawn().map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => FfmpegError::NotInstalled { program },
            _ => FfmpegError::Start { program, source },
        })?;
        self.pid = Some(child.id() as i32);
        let stdout = child.stdout.take();
        let (tx, rx) = crossbeam_channel::bounded::<Event>(64);
        self.rx = Some(rx);
        let duration = self.run.duration;
        std::thread::Builder::new()
            .name("ffmpeg-progress".into())
            .spawn(move || {
                let mut parser = ProgressParser::new(duration);
                if let Some(out) = stdout {
                    for line in BufReader::new(out).lines() {
                        let Ok(line) = line else { break };
                        if let Some(p) = parser.feed(&line) {
                            // Dropping a progress update when the actor lags is fine.
                            if tx.try_send(Event::Progress(p)).is_ok() {
                                wake.do_send(Wake);
                            }
                        }
                    }
                }
                let _ = tx.send(Event::Exit(child.wait()));
                // The exit is seen at once, not at the next poll: each ffmpeg run of a
                // pipeline starts as soon as the one before it ends.
                wake.do_send(Wake);
            })
            .map_err(|e| FfmpegError::Lost(format!("cannot start a thread: {e}")))?;
        Ok(())
    }

    fn poll(&mut self, ctx: &mut Context<Self>) {
        if self.cancel.is_cancelled() {
            if let Some(pid) = self.pid.take() {
                // SAFETY: plain syscall on our own child's pid (not yet reaped: the reader
                // thread reaps it only after it exits).
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        let Some(rx) = self.rx.clone() else { return };
        loop {
            match rx.try_recv() {
                Ok(Event::Progress(p)) => {
                    let due = self
                        .last_progress
                        .map(|t| t.elapsed() >= PROGRESS_EVERY)
                        .unwrap_or(true);
                    if due {
                        self.last_progress = Some(Instant::now());
                        (self.on_progress)(p);
                    }
                }
                Ok(Event::Exit(status)) => {
                    let result = match status {
                        _ if self.cancel.is_cancelled() => Err(FfmpegError::Cancelled),
                        Ok(s) if s.success() => Ok(()),
                        Ok(s) => Err(failure(&self.run.log_path, s)),
                        Err(e) => Err(FfmpegError::Lost(format!("lost track of ffmpeg: {e}"))),
                    };
                    self.finish(result, ctx);
                    return;
                }
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    let lost = FfmpegError::Lost("ffmpeg's reader thread ended unexpectedly".into());
                    self.finish(Err(lost), ctx);
                    return;
                }
            }
        }
    }
}

/// Why ffmpeg failed, with the last meaningful lines of its log, for a reason a person can act on.
fn failure(log: &Path, status: std::process::ExitStatus) -> FfmpegError {
    use std::os::unix::process::ExitStatusExt;
    if let Some(signal) = status.signal() {
        return FfmpegError::Killed { signal };
    }
    let text = std::fs::read_to_string(log).unwrap_or_default();
    // ffmpeg names its input in errors: a presigned URL must not become the reason shown.
    match log_detail(&super::probe::formats::redact_urls(&text)) {
        Some(detail) => FfmpegError::Failed { detail },
        None => FfmpegError::Exited {
            code: status.code().unwrap_or(-1),
        },
    }
}

/// The last two non-empty lines of a log, joined, at most 300 characters.
fn log_detail(text: &str) -> Option<String> {
    let last: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .rev()
        .take(2)
        .collect();
    let detail: String = last
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(" / ")
        .chars()
        .take(300)
        .collect();
    (!detail.is_empty()).then_some(detail)
}

impl Actor for TranscodeJob {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if let Err(e) = self.spawn_child(ctx.address().recipient()) {
            self.finish(Err(e), ctx);
            return;
        }
        ctx.run_interval(POLL, |act, ctx| act.poll(ctx));
    }
}

/// From the reader thread: something is in the channel.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Wake;

impl Handler<Wake> for TranscodeJob {
    type Result = ();

    fn handle(&mut self, _: Wake, ctx: &mut Context<Self>) {
        self.poll(ctx);
    }
}

/// Runs one ffmpeg command as a `TranscodeJob` and waits for it. `on_progress` gets
/// fractions 0..=1, throttled.
pub async fn run_ffmpeg(
    run: FfmpegRun,
    cancel: Cancel,
    on_progress: impl Fn(f64) + Send + 'static,
) -> Result<(), FfmpegError> {
    let (tx, rx) = oneshot::channel();
    let job = TranscodeJob {
        run,
        cancel,
        on_progress: Box::new(on_progress),
        done: Some(tx),
        rx: None,
        pid: None,
        last_progress: None,
    };
    // Started on the system arbiter: a long-lived thread (see PDEATHSIG above).
    let arbiter = actix::System::current().arbiter().clone();
    TranscodeJob::start_in_arbiter(&arbiter, move |_| job);
    rx.await
        .unwrap_or_else(|_| Err(FfmpegError::Lost("the transcode job stopped unexpectedly".into())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn a_missing_or_crashing_ffmpeg_is_retried_and_a_bad_file_is_not() {
        let missing = FfmpegError::NotInstalled {
            program: "ffmpeg".into(),
        };
        assert!(missing.is_transient());
        assert_eq!(missing.to_string(), "ffmpeg is not installed on the server");
        let killed = FfmpegError::Killed { signal: 11 };
        assert!(killed.is_transient());
        assert_eq!(killed.to_string(), "ffmpeg was killed by signal 11");
        let start = FfmpegError::Start {
            program: "ffmpeg".into(),
            source: io::Error::from(io::ErrorKind::WouldBlock),
        };
        assert!(start.is_transient());
        assert!(FfmpegError::Lost("the transcode job stopped unexpectedly".into()).is_transient());

        let failed = FfmpegError::Failed {
            detail: "Invalid data found when processing input".into(),
        };
        assert!(!failed.is_transient());
        assert_eq!(
            failed.to_string(),
            "ffmpeg could not convert the file: Invalid data found when processing input"
        );
        assert!(!FfmpegError::Exited { code: 1 }.is_transient());
        assert!(!FfmpegError::Cancelled.is_transient());
        assert_eq!(FfmpegError::Cancelled.to_string(), "cancelled");
    }

    #[test]
    fn an_exit_is_read_from_its_status_and_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("ffmpeg.log");
        std::fs::write(&log, "frame=1\n\n[mp4 @ 0x1] something odd\nConversion failed!\n\n").unwrap();
        // A raw wait status: exit code in the second byte, a signal in the low bits.
        let exit_1 = std::process::ExitStatus::from_raw(1 << 8);
        assert_eq!(
            failure(&log, exit_1).to_string(),
            "ffmpeg could not convert the file: [mp4 @ 0x1] something odd / Conversion failed!"
        );
        let killed = std::process::ExitStatus::from_raw(9);
        assert!(matches!(failure(&log, killed), FfmpegError::Killed { signal: 9 }));
        let empty = dir.path().join("empty.log");
        assert_eq!(failure(&empty, exit_1).to_string(), "ffmpeg failed with exit code 1");
        assert_eq!(log_detail(&"x".repeat(1000)).map(|d| d.len()), Some(300));
    }
}
