//! `storm`: many distinct users join rooms within a few seconds (issue 15). Counts what the
//! server pushes during the storm, its memory per session after it, the members it drops,
//! then a comment's fan-out to every member and a late joiner's wait for `room_joined`.
//!
//! One driver process holds every socket, so the driver is kept cheap: the websockets are
//! spoken by hand over plain tokio sockets on the one current-thread runtime, one light
//! task per socket, all reading into one shared buffer; a frame is looked at only in its
//! first bytes (its type), and counted, never parsed as JSON.

use crate::server::{client, percentile, Server};
use anyhow::{Context, Result};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

#[derive(clap::Args)]
pub struct StormArgs {
    /// Members, each a distinct user (`m0`, `m1`, …) with one socket
    #[arg(long)]
    members: usize,
    /// Members per room; 0 (or the member count) puts everyone in one room
    #[arg(long, default_value_t = 0)]
    room_size: usize,
    /// The joins are spread evenly over this many seconds
    #[arg(long, default_value_t = 10.0)]
    within_secs: f64,
    /// Comments sent after the storm, to time their fan-out
    #[arg(long, default_value_t = 20)]
    comments: usize,
    /// Milliseconds between two comments
    #[arg(long, default_value_t = 250)]
    comment_every_ms: u64,
    /// The storm has settled when nothing arrived for this many seconds
    #[arg(long, default_value_t = 2.0)]
    settle_secs: f64,
    /// Give up waiting for the storm to settle after this many seconds from its start
    #[arg(long, default_value_t = 180.0)]
    time_limit_secs: f64,
}

/// The first bytes of a text frame kept to tell what it is. A comment's `room_event` carries
/// the marker in its text well within this.
const CAPTURE: usize = 4096;
/// The comments' text and `client_ref` start with this, then the comment's number.
const MARKER: &[u8] = b"stormc";

/// What became of one member.
#[derive(Default)]
struct Member {
    room: usize,
    /// ms since the epoch: join_room sent, room_joined received.
    join_sent: Option<f64>,
    joined: Option<f64>,
    /// Why the member is gone, if it is.
    gone: Option<&'static str>,
    /// The socket, to send comments and pongs on.
    sock: Option<Rc<TcpStream>>,
}

#[derive(Default)]
struct Shared {
    members: Vec<Member>,
    /// Text frames and their payload bytes, all members together.
    msgs: Cell<u64>,
    bytes: Cell<u64>,
    /// ms since the epoch of the last frame anyone received.
    last_frame: Cell<f64>,
    /// ms since the epoch each comment was sent at.
    comment_sent: RefCell<Vec<Option<f64>>>,
    /// (comment, receiving member, ms since the epoch).
    arrivals: RefCell<Vec<(usize, usize, f64)>>,
    errors: RefCell<Vec<String>>,
    /// Tasks that ended (socket gone or never opened).
    ended: Cell<usize>,
}

thread_local! {
    /// The one read buffer every socket task reads into (they never hold it across an await).
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; 256 * 1024]);
}

/// An incremental reader of server-to-client websocket frames.
#[derive(Default)]
struct Frames {
    head: Vec<u8>,
    /// Payload bytes of the current frame still to come, once its header is complete.
    remaining: Option<u64>,
    opcode: u8,
    len: u64,
    cap: Vec<u8>,
}

/// A complete frame: its opcode, payload length and first `CAPTURE` payload bytes.
struct Frame<'a> {
    opcode: u8,
    len: u64,
    start: &'a [u8],
}

impl Frames {
    fn feed(&mut self, mut data: &[u8], mut on_frame: impl FnMut(Frame)) {
        while !data.is_empty() {
            match self.remaining {
                None => {
                    // The header: 2 bytes, then 2 or 8 of length, then 4 of mask if masked.
                    self.head.push(data[0]);
                    data = &data[1..];
                    if self.head.len() < 2 {
                        continue;
                    }
                    let short = self.head[1] & 0x7f;
                    let masked = self.head[1] & 0x80 != 0;
                    let ext = match short {
                        126 => 2,
                        127 => 8,
                        _ => 0,
                    };
                    let need = 2 + ext + if masked { 4 } else { 0 };
                    if self.head.len() < need {
                        continue;
                    }
                    self.opcode = self.head[0] & 0x0f;
                    self.len = match ext {
                        0 => short as u64,
                        2 => u16::from_be_bytes([self.head[2], self.head[3]]) as u64,
                        _ => u64::from_be_bytes(self.head[2..10].try_into().unwrap()),
                    };
                    self.head.clear();
                    self.cap.clear();
                    self.remaining = Some(self.len);
                }
                Some(left) => {
                    let n = (left as usize).min(data.len());
                    let keep = n.min(CAPTURE.saturating_sub(self.cap.len()));
                    self.cap.extend_from_slice(&data[..keep]);
                    data = &data[n..];
                    self.remaining = Some(left - n as u64);
                }
            }
            if self.remaining == Some(0) {
                self.remaining = None;
                on_frame(Frame {
                    opcode: self.opcode,
                    len: self.len,
                    start: &self.cap,
                });
            }
        }
    }
}

/// A client-to-server frame (masked, as the protocol requires of clients).
fn client_frame(opcode: u8, payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
    let mut f = Vec::with_capacity(payload.len() + 14);
    f.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => f.push(0x80 | n as u8),
        n if n <= u16::MAX as usize => {
            f.push(0x80 | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(0x80 | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(&mask);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

async fn write_all(sock: &TcpStream, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        sock.writable().await?;
        match sock.try_write(buf) {
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn send_text(sock: &TcpStream, v: &Value, n: usize) -> io::Result<()> {
    let mask = (n as u32).wrapping_mul(2_654_435_761).to_be_bytes();
    write_all(sock, &client_frame(1, v.to_string().as_bytes(), mask)).await
}

/// Connects and upgrades; returns the socket and any frame bytes that came with the answer.
async fn open(port: u16, user: &str) -> Result<(TcpStream, Vec<u8>)> {
    let sock = TcpStream::connect(("127.0.0.1", port)).await?;
    sock.set_nodelay(true)?;
    let req = format!(
        "GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Remote-User-Id: {user}\r\n\r\n"
    );
    write_all(&sock, req.as_bytes()).await?;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        sock.readable().await?;
        match sock.try_read(&mut buf) {
            Ok(0) => anyhow::bail!("closed during the upgrade"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e.into()),
        }
        if let Some(end) = find(&got, b"\r\n\r\n") {
            let status = String::from_utf8_lossy(&got[..got.iter().position(|&b| b == b'\r').unwrap_or(0)]).to_string();
            anyhow::ensure!(status.contains(" 101 "), "upgrade refused: {status}");
            return Ok((sock, got.split_off(end + 4)));
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The comment number after the marker in a frame's first bytes.
fn comment_number(start: &[u8]) -> Option<usize> {
    let at = find(start, MARKER)? + MARKER.len();
    let digits: Vec<u8> = start[at..].iter().copied().take_while(u8::is_ascii_digit).collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

fn ms(epoch: Instant) -> f64 {
    epoch.elapsed().as_secs_f64() * 1000.0
}

/// One member: connect at its time, join its room, then read everything until the socket
/// ends, counting text frames and noting room_joined and the comments' room events.
async fn member(i: usize, port: u16, media: String, at: Instant, epoch: Instant, sh: Rc<RefCell<Shared>>) {
    tokio::time::sleep_until(at.into()).await;
    let user = format!("m{i}");
    let gone = match run_member(i, port, &user, &media, epoch, &sh).await {
        Ok(why) => why,
        Err(e) => {
            let s = sh.borrow();
            let mut errs = s.errors.borrow_mut();
            if errs.len() < 5 {
                errs.push(format!("{user}: {e:#}"));
            }
            if s.members[i].join_sent.is_none() {
                "connect failed"
            } else {
                "socket error"
            }
        }
    };
    let mut s = sh.borrow_mut();
    s.members[i].gone.get_or_insert(gone);
    s.members[i].sock = None;
    s.ended.set(s.ended.get() + 1);
}

async fn run_member(
    i: usize,
    port: u16,
    user: &str,
    media: &str,
    epoch: Instant,
    sh: &Rc<RefCell<Shared>>,
) -> Result<&'static str> {
    let (sock, early) = open(port, user).await?;
    let sock = Rc::new(sock);
    sh.borrow_mut().members[i].sock = Some(sock.clone());
    sh.borrow_mut().members[i].join_sent = Some(ms(epoch));
    send_text(
        &sock,
        &json!({"type": "join_room", "media_id": media, "since_seq": null}),
        i,
    )
    .await?;
    let mut frames = Frames::default();
    let pongs: RefCell<Vec<Vec<u8>>> = RefCell::default();
    let closed = Cell::new(false);
    let mut on_frame = |f: Frame| {
        let s = sh.borrow();
        match f.opcode {
            0 | 1 => {
                if f.opcode == 1 {
                    s.msgs.set(s.msgs.get() + 1);
                }
                s.bytes.set(s.bytes.get() + f.len);
                let now = ms(epoch);
                s.last_frame.set(now);
                if f.start.starts_with(br#"{"type":"room_joined""#) {
                    drop(s);
                    sh.borrow_mut().members[i].joined.get_or_insert(now);
                } else if f.start.starts_with(br#"{"type":"room_event""#)
                    && find(f.start, b"\"comment_added\"").is_some()
                {
                    if let Some(k) = comment_number(f.start) {
                        s.arrivals.borrow_mut().push((k, i, now));
                    }
                } else if f.start.starts_with(br#"{"type":"error""#) {
                    let mut errs = s.errors.borrow_mut();
                    if errs.len() < 5 {
                        errs.push(format!("{user}: {}", String::from_utf8_lossy(f.start)));
                    }
                }
            }
            8 => closed.set(true),
            9 => pongs.borrow_mut().push(client_frame(10, f.start, [7, 7, 7, 7])),
            _ => {}
        }
    };
    frames.feed(&early, &mut on_frame);
    loop {
        if closed.get() {
            return Ok("closed by the server");
        }
        if let Err(e) = sock.readable().await {
            return Err(e.into());
        }
        let got = SCRATCH.with(|b| {
            let mut b = b.borrow_mut();
            match sock.try_read(&mut b[..]) {
                Ok(0) => Ok(false),
                Ok(n) => {
                    frames.feed(&b[..n], &mut on_frame);
                    Ok(true)
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(true),
                Err(e) => Err(e),
            }
        });
        match got {
            Ok(true) => {}
            Ok(false) => {
                return Ok(if closed.get() {
                    "closed by the server"
                } else {
                    "ended by the server"
                })
            }
            Err(e) => return Err(e.into()),
        }
        let queued: Vec<Vec<u8>> = pongs.borrow_mut().drain(..).collect();
        for p in queued {
            write_all(&sock, &p).await?;
        }
    }
}

async fn upload(s: &Server, n: usize) -> Result<String> {
    let mut r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "bench"))
        .insert_header(("X-File-Name", format!("storm{n}.bin")))
        .send_body(vec![1u8; 64])
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let v: Value = serde_json::from_slice(&r.body().await.map_err(|e| anyhow::anyhow!("{e}"))?)?;
    let id = v["id"].as_str().context("no id")?.to_string();
    // Anyone signed in may open and comment (docs/sharing.md).
    let mut r = client()
        .put(s.url(&format!("/api/media/{id}/sharing")))
        .insert_header(("X-Remote-User-Id", "bench"))
        .send_json(&json!({"link_access": "comment", "users": []}))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let body = r.body().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(
        r.status().is_success(),
        "sharing of {id}: {} {}",
        r.status(),
        String::from_utf8_lossy(&body)
    );
    Ok(id)
}

/// (user + system) CPU seconds of this process.
fn own_cpu_secs() -> f64 {
    // SAFETY: getrusage fills a zeroed struct on the stack.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn fd_limit() -> u64 {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain getrlimit on a stack value.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) };
    r.rlim_cur
}

pub async fn storm(bin: &std::path::Path, a: StormArgs) -> Result<()> {
    let n = a.members;
    anyhow::ensure!(n > 0, "--members must be at least 1");
    anyhow::ensure!(
        fd_limit() as usize > n + 100,
        "the open-files limit ({}) is too low for {n} sockets",
        fd_limit()
    );
    let size = if a.room_size == 0 || a.room_size >= n {
        n
    } else {
        a.room_size
    };
    let rooms = n.div_ceil(size);
    let mut s = Server::start_with(bin, &[], true).await?;
    let mut medias = vec![];
    for r in 0..rooms {
        medias.push(upload(&s, r).await?);
    }
    // Let the failed transcodes finish and the server go idle before the baseline.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss_idle, _) = s.rss();

    let sh = Rc::new(RefCell::new(Shared::default()));
    // Member i is in room i % rooms: every room fills throughout the window.
    sh.borrow_mut().members = (0..n)
        .map(|i| Member {
            room: i % rooms,
            ..Default::default()
        })
        .collect();
    sh.borrow().comment_sent.borrow_mut().resize(a.comments, None);
    let epoch = Instant::now();
    let (cpu_srv0, cpu_own0) = (s.cpu_secs(), own_cpu_secs());
    let step = Duration::from_secs_f64(a.within_secs / n as f64);
    for i in 0..n {
        let at = epoch + step * i as u32;
        actix_rt::spawn(member(i, s.port, medias[i % rooms].clone(), at, epoch, sh.clone()));
    }

    // The storm: until everyone joined or is gone, then until quiet for settle_secs.
    let limit = Duration::from_secs_f64(a.time_limit_secs);
    let mut hit_limit = false;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = ms(epoch);
        let settled = {
            let st = sh.borrow();
            let all_in = st.members.iter().all(|m| m.joined.is_some() || m.gone.is_some());
            all_in && now - st.last_frame.get() >= a.settle_secs * 1000.0
        };
        if settled && epoch.elapsed().as_secs_f64() >= a.within_secs {
            break;
        }
        if epoch.elapsed() > limit {
            hit_limit = true;
            break;
        }
        if let Some(st) = s.exited() {
            anyhow::bail!("the server exited during the storm: {st}");
        }
    }
    let storm_secs = epoch.elapsed().as_secs_f64();
    let (cpu_srv, cpu_own) = (s.cpu_secs() - cpu_srv0, own_cpu_secs() - cpu_own0);
    let (rss_after, hwm) = s.rss();
    let (msgs, bytes, joined, alive, by_reason, join_lat) = {
        let st = sh.borrow();
        let joined = st.members.iter().filter(|m| m.joined.is_some()).count();
        let alive = st
            .members
            .iter()
            .filter(|m| m.joined.is_some() && m.gone.is_none())
            .count();
        let mut by_reason: Vec<(&str, usize)> = vec![];
        for m in &st.members {
            let why = match (m.gone, m.joined) {
                (Some(w), _) => w,
                (None, None) => "join not answered",
                (None, Some(_)) => continue,
            };
            match by_reason.iter_mut().find(|(w, _)| *w == why) {
                Some((_, c)) => *c += 1,
                None => by_reason.push((why, 1)),
            }
        }
        let mut jl: Vec<f64> = st
            .members
            .iter()
            .filter_map(|m| Some(m.joined? - m.join_sent?))
            .collect();
        jl.sort_by(f64::total_cmp);
        (st.msgs.get(), st.bytes.get(), joined, alive, by_reason, jl)
    };
    let dropped = n - alive;
    let kib_per = rss_after.saturating_sub(rss_idle) as f64 / alive.max(1) as f64;

    // Fan-out: comment k goes to room k % rooms, from that room's first live member.
    let alive_in = |st: &Shared, room: usize| {
        st.members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.room == room && m.joined.is_some() && m.gone.is_none())
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    };
    let mut expected = 0usize;
    let mut sent = 0usize;
    let arrivals0 = sh.borrow().arrivals.borrow().len();
    let (cpu_srv1, cpu_own1, fan_t0) = (s.cpu_secs(), own_cpu_secs(), Instant::now());
    for k in 0..a.comments {
        let room = k % rooms;
        let (sock, receivers) = {
            let st = sh.borrow();
            let rs = alive_in(&st, room);
            let sock = rs.first().and_then(|&i| st.members[i].sock.clone());
            (sock, rs.len())
        };
        if let Some(sock) = sock {
            let tag = format!("{}{k}", String::from_utf8_lossy(MARKER));
            let msg = json!({"type": "add_comment", "media_id": medias[room], "text": format!("{tag} fan-out"),
                             "frame": 0, "end_frame": null, "parent_id": null, "drawing": null, "client_ref": tag});
            sh.borrow().comment_sent.borrow_mut()[k] = Some(ms(epoch));
            if send_text(&sock, &msg, k).await.is_ok() {
                expected += receivers;
                sent += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(a.comment_every_ms)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while sh.borrow().arrivals.borrow().len() - arrivals0 < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (fan_srv, fan_own, fan_secs) = (
        s.cpu_secs() - cpu_srv1,
        own_cpu_secs() - cpu_own1,
        fan_t0.elapsed().as_secs_f64(),
    );
    // Per comment, first receipt to last: how long one fan-out takes to reach everyone.
    let mut spread: Vec<f64> = {
        let st = sh.borrow();
        let mut first_last = vec![(f64::INFINITY, f64::NEG_INFINITY); a.comments];
        for &(k, _, t) in st.arrivals.borrow().iter() {
            if let Some(fl) = first_last.get_mut(k) {
                *fl = (fl.0.min(t), fl.1.max(t));
            }
        }
        first_last
            .iter()
            .filter(|fl| fl.0 <= fl.1)
            .map(|fl| fl.1 - fl.0)
            .collect()
    };
    spread.sort_by(f64::total_cmp);
    let mut fan: Vec<f64> = {
        let st = sh.borrow();
        let sent_at = st.comment_sent.borrow();
        let fan = st
            .arrivals
            .borrow()
            .iter()
            .filter_map(|&(k, _, t)| Some(t - sent_at.get(k).copied().flatten()?))
            .collect();
        fan
    };
    fan.sort_by(f64::total_cmp);

    // A late joiner: a new user joins room 0.
    let late = async {
        let (sock, _) = open(s.port, "late").await?;
        let mut frames = Frames::default();
        let t0 = Instant::now();
        send_text(
            &sock,
            &json!({"type": "join_room", "media_id": medias[0], "since_seq": null}),
            0,
        )
        .await?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            sock.readable().await?;
            let n = match sock.try_read(&mut buf) {
                Ok(0) => anyhow::bail!("the late joiner's socket ended"),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e.into()),
            };
            let mut done = false;
            frames.feed(&buf[..n], |f| {
                done |= f.opcode == 1 && f.start.starts_with(br#"{"type":"room_joined""#)
            });
            if done {
                return Ok::<f64, anyhow::Error>(t0.elapsed().as_secs_f64() * 1000.0);
            }
        }
    };
    let late_ms = match tokio::time::timeout(Duration::from_secs(60), late).await {
        Ok(Ok(t)) => format!("{t:.1}"),
        Ok(Err(e)) => format!("failed ({e:#})"),
        Err(_) => "no answer in 60 s".into(),
    };

    let log = s.log_text();
    let slow = log.matches("too slow").count();
    let other_log = log.lines().find(|l| !l.contains("too slow")).unwrap_or("");
    let other_log: String = other_log.chars().take(240).collect();
    let reasons = by_reason
        .iter()
        .map(|(w, c)| format!("{c} {w}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "storm: {n} members, {rooms} room(s) of {size}, joins within {:.0} s: joined {joined}, dropped {dropped}{}; \
         pushed {msgs} msgs, {:.3} GB in {storm_secs:.1} s{}; RSS idle {rss_idle} KiB -> {rss_after} KiB (peak {hwm}), \
         {kib_per:.1} KiB/session; join p50 {:.1} p99 {:.1} ms; fan-out {sent} comments x {} receivers: p50 {:.1} p99 {:.1} \
         max {:.1} ms, missing {}; late join {late_ms} ms",
        a.within_secs,
        if reasons.is_empty() { String::new() } else { format!(" ({reasons})") },
        bytes as f64 / 1e9,
        if hit_limit { " (time limit hit, not settled)" } else { "" },
        percentile(&join_lat, 50.0),
        percentile(&join_lat, 99.0),
        expected.checked_div(sent).unwrap_or(0),
        percentile(&fan, 50.0),
        percentile(&fan, 99.0),
        fan.last().copied().unwrap_or(f64::NAN),
        expected.saturating_sub(fan.len()),
    );
    println!(
        "storm driver: one current-thread runtime, one task per socket over raw tokio TCP (hand-written websocket, \
         frames counted by header, first {CAPTURE} bytes looked at), fd limit {}; during the storm the driver used \
         {cpu_own:.1} s CPU, the server (pid {}) {cpu_srv:.1} s CPU over {storm_secs:.1} s; during the fan-out \
         the driver {fan_own:.2} s ({:.1} ms per comment), the server {fan_srv:.2} s, over {fan_secs:.1} s; \
         first to last receipt of a comment p50 {:.1} max {:.1} ms; server log: {slow} 'too slow' drops, {} lines",
        fd_limit(),
        s.pid(),
        fan_own * 1000.0 / sent.max(1) as f64,
        percentile(&spread, 50.0),
        spread.last().copied().unwrap_or(f64::NAN),
        log.lines().count()
    );
    if !other_log.is_empty() {
        println!("storm: server log, first line not about slow clients: {other_log}");
    }
    let errs = sh.borrow().errors.borrow().clone();
    for e in errs {
        println!("storm: first errors: {e}");
    }
    Ok(())
}
