//! `TranscodeJob`: one actor per ffmpeg run. It owns the child process; a reader thread
//! parses `-progress` output and passes it over a crossbeam channel to the actor.

use super::command::ProgressParser;
use super::Cancel;
use actix::prelude::*;
use crossbeam_channel::{Receiver, TryRecvError};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
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

enum Event {
    Progress(f64),
    Exit(Result<std::process::ExitStatus, String>),
}

pub struct TranscodeJob {
    run: FfmpegRun,
    cancel: Cancel,
    on_progress: Box<dyn Fn(f64) + Send>,
    done: Option<oneshot::Sender<Result<(), String>>>,
    rx: Option<Receiver<Event>>,
    pid: Option<i32>,
    last_progress: Option<Instant>,
}

impl TranscodeJob {
    fn finish(&mut self, result: Result<(), String>, ctx: &mut Context<Self>) {
        if let Some(tx) = self.done.take() {
            let _ = tx.send(result);
        }
        ctx.stop();
    }

    fn spawn_child(&mut self, wake: Recipient<Wake>) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.run.log_path)
            .map_err(|e| format!("cannot open the job log {}: {e}", self.run.log_path.display()))?;
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
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("{} is not installed on the server", self.run.program),
            _ => format!("cannot start {}: {e}", self.run.program),
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
                let status = child.wait().map_err(|e| e.to_string());
                let _ = tx.send(Event::Exit(status));
                // The exit is seen at once, not at the next poll: each ffmpeg run of a
                // pipeline starts as soon as the one before it ends.
                wake.do_send(Wake);
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;
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
                        _ if self.cancel.is_cancelled() => Err("cancelled".to_string()),
                        Ok(s) if s.success() => Ok(()),
                        Ok(s) => Err(failure_reason(&self.run.log_path, s)),
                        Err(e) => Err(format!("lost track of ffmpeg: {e}")),
                    };
                    self.finish(result, ctx);
                    return;
                }
                Err(TryRecvError::Empty) => return,
                Err(TryRecvError::Disconnected) => {
                    self.finish(Err("ffmpeg's reader thread ended unexpectedly".into()), ctx);
                    return;
                }
            }
        }
    }
}

/// The last meaningful lines of ffmpeg's log, for a reason a person can act on.
fn failure_reason(log: &std::path::Path, status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(sig) = status.signal() {
        return format!("ffmpeg was killed by signal {sig}");
    }
    let text = std::fs::read_to_string(log).unwrap_or_default();
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
    if detail.is_empty() {
        format!("ffmpeg failed with exit code {}", status.code().unwrap_or(-1))
    } else {
        format!("ffmpeg could not convert the file: {detail}")
    }
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
) -> Result<(), String> {
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
        .unwrap_or_else(|_| Err("the transcode job stopped unexpectedly".into()))
}
