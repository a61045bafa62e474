//! `soak`: mixed traffic against one server for a set time (uploads and deletes, room joins,
//! comments, collaborative sessions with live strokes, reconnects, library and file reads).
//! Prints errors, server RSS every 10 s and latency percentiles; RSS must stay flat.

use crate::server::{client, percentile, Server};
use anyhow::{Context, Result};
use awc::ws;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct SoakArgs {
    /// How long to run, seconds
    #[arg(long, default_value_t = 600)]
    secs: u64,
    /// Reviewers: each joins a room, comments, runs sessions and reconnects
    #[arg(long, default_value_t = 12)]
    reviewers: usize,
}

/// What every worker records: latencies in ms per operation, errors per kind.
#[derive(Default)]
struct Tally {
    latency: BTreeMap<&'static str, Vec<f64>>,
    errors: BTreeMap<String, u64>,
    requests: u64,
}

type Shared = Rc<RefCell<Tally>>;

fn ok(t: &Shared, op: &'static str, since: Instant) {
    let mut t = t.borrow_mut();
    t.requests += 1;
    t.latency
        .entry(op)
        .or_default()
        .push(since.elapsed().as_secs_f64() * 1000.0);
}

fn err(t: &Shared, op: &str, e: impl std::fmt::Display) {
    let mut t = t.borrow_mut();
    t.requests += 1;
    let mut key = format!("{op}: {e}");
    key.truncate(key.char_indices().nth(100).map_or(key.len(), |(i, _)| i));
    *t.errors.entry(key).or_default() += 1;
}

fn make_clip(dir: &std::path::Path) -> Result<Vec<u8>> {
    let out = dir.join("soak.mp4");
    let st = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25",
        ])
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine",
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ])
        .args(["-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart"])
        .arg(&out)
        .status()
        .context("ffmpeg")?;
    anyhow::ensure!(st.success(), "ffmpeg failed");
    Ok(std::fs::read(out)?)
}

async fn upload(s: &Server, user: &str, body: &[u8]) -> Result<String> {
    let mut r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", user))
        .insert_header(("X-File-Name", "soak.mp4"))
        .send_body(body.to_vec())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let v: Value = serde_json::from_slice(&r.body().await?)?;
    anyhow::ensure!(r.status().as_u16() == 201, "upload: {} {v}", r.status());
    Ok(v["id"].as_str().context("no id")?.to_string())
}

async fn request(s: &Server, method: &str, path: &str, user: &str, range: bool) -> Result<()> {
    let mut req = client()
        .request(awc::http::Method::from_bytes(method.as_bytes())?, s.url(path))
        .insert_header(("X-Remote-User-Id", user));
    if range {
        req = req.insert_header(("Range", "bytes=0-65535"));
    }
    let mut r = req.send().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let _ = r.body().limit(64 << 20).await?;
    anyhow::ensure!(r.status().is_success(), "{method} {path}: {}", r.status());
    Ok(())
}

/// Uploads a clip every few seconds, reads the library and the file, deletes older uploads
/// (so the disk stays bounded and deletes are exercised).
async fn uploader(s: Rc<Server>, clip: Rc<Vec<u8>>, t: Shared, until: Instant) {
    let mut mine: Vec<String> = vec![];
    while Instant::now() < until {
        let at = Instant::now();
        match upload(&s, "uploader", &clip).await {
            Ok(id) => {
                ok(&t, "upload 0.3 MB", at);
                mine.push(id);
            }
            Err(e) => err(&t, "upload", e),
        }
        for _ in 0..5 {
            let at = Instant::now();
            match request(&s, "GET", "/api/media", "uploader", false).await {
                Ok(()) => ok(&t, "GET /api/media", at),
                Err(e) => err(&t, "GET /api/media", e),
            }
            if let Some(id) = mine.last() {
                let at = Instant::now();
                match request(&s, "GET", &format!("/files/{id}/original.mp4"), "uploader", true).await {
                    Ok(()) => ok(&t, "GET /files range", at),
                    Err(e) => err(&t, "GET /files", e),
                }
            }
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
        while mine.len() > 3 {
            let id = mine.remove(0);
            let at = Instant::now();
            match request(&s, "DELETE", &format!("/api/media/{id}"), "uploader", false).await {
                Ok(()) => ok(&t, "DELETE /api/media", at),
                Err(e) => err(&t, "DELETE", e),
            }
        }
    }
}

type Framed = actix_codec::Framed<awc::BoxedSocket, ws::Codec>;

async fn next_json(ws: &mut Framed) -> Result<Value> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(15), ws.next())
            .await
            .context("no message for 15 s")?
            .context("socket ended")?
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        match frame {
            ws::Frame::Text(b) => return Ok(serde_json::from_slice(&b)?),
            ws::Frame::Ping(b) => ws
                .send(ws::Message::Pong(b))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            ws::Frame::Close(r) => anyhow::bail!("closed: {r:?}"),
            _ => {}
        }
    }
}

async fn send(ws: &mut Framed, v: Value) -> Result<()> {
    ws.send(ws::Message::Text(v.to_string().into()))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Waits for a message matching `want`, failing on an error reply.
async fn until(ws: &mut Framed, want: impl Fn(&Value) -> bool) -> Result<Value> {
    loop {
        let v = next_json(ws).await?;
        if v["type"] == "error" {
            anyhow::bail!("error reply: {}", v["code"]);
        }
        if want(&v) {
            return Ok(v);
        }
    }
}

/// One visit: connect, join (catching up from the last seq), comment, run a session, leave.
async fn visit(s: &Server, user: &str, media: &str, seq: &mut Option<i64>, n: &mut u64, t: &Shared) -> Result<()> {
    let at = Instant::now();
    let (_, mut ws) = client()
        .ws(s.url("/api/ws"))
        .header("X-Remote-User-Id", user)
        .connect()
        .await
        .map_err(|e| anyhow::anyhow!("connect: {e}"))?;
    until(&mut ws, |v| v["type"] == "welcome").await?;
    send(
        &mut ws,
        json!({"type": "join_room", "media_id": media, "since_seq": *seq}),
    )
    .await?;
    let joined = until(&mut ws, |v| v["type"] == "room_joined").await?;
    ok(t, "connect + join_room", at);
    *seq = joined["seq"].as_i64();
    let stay = Instant::now() + Duration::from_secs(15 + (*n % 20));
    while Instant::now() < stay {
        *n += 1;
        let tag = format!("{user}-{n}");
        let at = Instant::now();
        send(
            &mut ws,
            json!({"type": "add_comment", "media_id": media, "text": format!("soak {tag}"),
            "frame": *n % 90, "end_frame": null, "parent_id": null, "drawing": null, "client_ref": tag}),
        )
        .await?;
        let e = until(&mut ws, |v| {
            v["type"] == "room_event" && v["event"]["client_ref"] == tag.as_str()
        })
        .await?;
        ok(t, "comment ack", at);
        *seq = e["seq"].as_i64();
        if n.is_multiple_of(5) {
            let at = Instant::now();
            send(&mut ws, json!({"type": "session_join", "media_id": media})).await?;
            send(
                &mut ws,
                json!({"type": "session_control", "media_id": media, "control": {"action": "seek", "frame": *n % 90}}),
            )
            .await?;
            for _ in 0..5 {
                send(&mut ws, json!({"type": "live_stroke", "media_id": media, "shape": {"tool": "pen",
                    "points": [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.3}], "color": "#ff8800", "width": 0.01, "text": null}}))
                    .await?;
            }
            send(&mut ws, json!({"type": "session_leave", "media_id": media})).await?;
            send(&mut ws, json!({"type": "ping", "client_time": 1.0})).await?;
            until(&mut ws, |v| v["type"] == "pong").await?;
            ok(t, "session round", at);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Half the visits end politely, half drop the connection (as a closed laptop would).
    if n.is_multiple_of(2) {
        let _ = ws.send(ws::Message::Close(None)).await;
    }
    Ok(())
}

async fn reviewer(s: Rc<Server>, user: String, media: String, t: Shared, end: Instant) {
    let (mut seq, mut n) = (None, 0u64);
    while Instant::now() < end {
        if let Err(e) = visit(&s, &user, &media, &mut seq, &mut n, &t).await {
            err(&t, "reviewer", e);
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

pub async fn soak(bin: &std::path::Path, args: SoakArgs) -> Result<()> {
    let s = Rc::new(Server::start(bin, &["--admin-user", "reviewer-0"]).await?);
    let dir = tempfile::tempdir()?;
    let clip = Rc::new(make_clip(dir.path())?);
    let t: Shared = Rc::default();
    // Every reviewer reviews their own media; reviewer-0, an admin, also visits others'.
    let mut rooms = vec![];
    for i in 0..args.reviewers {
        rooms.push(upload(&s, &format!("reviewer-{i}"), &clip).await?);
    }
    let start = Instant::now();
    let end = start + Duration::from_secs(args.secs);
    let mut tasks = vec![actix_rt::spawn(uploader(s.clone(), clip.clone(), t.clone(), end))];
    for (i, media) in rooms.iter().enumerate() {
        tasks.push(actix_rt::spawn(reviewer(
            s.clone(),
            format!("reviewer-{i}"),
            media.clone(),
            t.clone(),
            end,
        )));
    }
    // The admin wanders between everyone's rooms.
    for media in rooms.iter().take(3) {
        tasks.push(actix_rt::spawn(reviewer(
            s.clone(),
            "reviewer-0".into(),
            media.clone(),
            t.clone(),
            end,
        )));
    }
    println!(
        "soak: {} s, {} reviewers + 3 admin visitors + 1 uploader",
        args.secs, args.reviewers
    );
    println!(
        "{:>6}  {:>10}  {:>10}  {:>8}",
        "t (s)", "RSS (MiB)", "requests", "errors"
    );
    let mut rss_series = vec![];
    while Instant::now() < end {
        tokio::time::sleep(Duration::from_secs(10).min(end.saturating_duration_since(Instant::now()))).await;
        let rss = s.rss().0 as f64 / 1024.0;
        let tb = t.borrow();
        let errors: u64 = tb.errors.values().sum();
        println!(
            "{:>6.0}  {rss:>10.1}  {:>10}  {errors:>8}",
            start.elapsed().as_secs_f64(),
            tb.requests
        );
        rss_series.push(rss);
    }
    for task in tasks {
        let _ = task.await;
    }
    let t = t.borrow();
    println!("\nlatency (ms)            count      p50      p95      p99      max");
    for (op, v) in &t.latency {
        let mut v = v.clone();
        v.sort_by(f64::total_cmp);
        println!(
            "{op:<22} {:>6} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            v.len(),
            percentile(&v, 50.0),
            percentile(&v, 95.0),
            percentile(&v, 99.0),
            v.last().copied().unwrap_or(f64::NAN)
        );
    }
    let errors: u64 = t.errors.values().sum();
    println!("\nrequests {}, errors {errors}", t.requests);
    for (e, n) in &t.errors {
        println!("  {n:>6}  {e}");
    }
    // Flat memory: the last minute's RSS against the second minute's (after warm-up).
    if rss_series.len() >= 12 {
        let warm = rss_series[6..12].iter().sum::<f64>() / 6.0;
        let last = rss_series[rss_series.len() - 6..].iter().sum::<f64>() / 6.0;
        println!(
            "RSS first sample {:.1} MiB, after warm-up (60-120 s) {warm:.1} MiB, last minute {last:.1} MiB, growth {:+.1}%",
            rss_series[0],
            (last / warm - 1.0) * 100.0
        );
    }
    anyhow::ensure!(errors == 0, "{errors} errors during the soak");
    Ok(())
}
