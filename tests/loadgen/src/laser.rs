//! The laser pointer's fan-out: one presenter points at a steady rate, every participant of
//! the live session receives each point; latency from send to receipt, per (point,
//! receiver). `--kind stroke` sends live strokes the same way instead, for a server without
//! the laser (the nearest path before it).

use crate::rooms::{connect, join, media, send, Stream};
use crate::server::{client, percentile, Server};
use anyhow::Result;
use awc::ws;
use futures_util::StreamExt;
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Laser,
    Stroke,
}

#[derive(Default)]
struct Seen {
    latencies: Vec<f64>,
    received: u64,
}

/// Each point carries its send time (ms since `epoch`): the laser in `x` as a tiny
/// fraction, a stroke in its text.
fn reader(mut stream: Stream, epoch: Instant, kind: Kind, seen: Rc<RefCell<Seen>>) {
    actix_rt::spawn(async move {
        let (prefix, key, end) = match kind {
            Kind::Laser => (r#"{"type":"laser""#, r#""x":"#, ','),
            Kind::Stroke => (r#"{"type":"live_stroke""#, r#""text":""#, '"'),
        };
        while let Some(Ok(frame)) = stream.next().await {
            let ws::Frame::Text(b) = frame else { continue };
            let now = epoch.elapsed().as_secs_f64() * 1000.0;
            let text = String::from_utf8_lossy(&b);
            if !text.starts_with(prefix) {
                continue;
            }
            let Some(v) = text.find(key).map(|at| &text[at + key.len()..]) else {
                continue;
            };
            let Some(raw) = v.find(end).map(|e| &v[..e]) else {
                continue;
            };
            let Ok(n) = raw.parse::<f64>() else { continue };
            let sent = match kind {
                Kind::Laser => n * 1e5,
                Kind::Stroke => n,
            };
            let mut s = seen.borrow_mut();
            s.received += 1;
            s.latencies.push(now - sent);
        }
    });
}

pub async fn laser(bin: &std::path::Path, participants: usize, rate: f64, secs: f64, kind: Kind) -> Result<()> {
    let s = Server::start(bin, &[]).await?;
    let m = media(&s, 0).await?;
    // Everyone signed in may comment (and so take part): one user per participant, as in a
    // real screening.
    let r = client()
        .put(s.url(&format!("/api/media/{m}/sharing")))
        .insert_header(("X-Remote-User-Id", "bench"))
        .send_json(&json!({"link_access": "comment", "users": []}))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(r.status().is_success(), "sharing: {}", r.status());
    let epoch = Instant::now();
    let seen = Rc::new(RefCell::new(Seen::default()));
    let (mut presenter, mut pstream) = connect(&s, "bench").await?;
    join(&mut presenter, &mut pstream, &m).await?;
    send(&mut presenter, json!({"type": "session_join", "media_id": m})).await?;
    // The presenter's own socket is read (and dropped) so its queue never fills.
    actix_rt::spawn(async move { while pstream.next().await.is_some() {} });
    let mut keep = Vec::new();
    for i in 0..participants {
        let (mut sink, mut stream) = connect(&s, &format!("p{i}")).await?;
        join(&mut sink, &mut stream, &m).await?;
        send(&mut sink, json!({"type": "session_join", "media_id": m})).await?;
        reader(stream, epoch, kind, seen.clone());
        keep.push(sink);
    }
    // Let the joins settle before measuring.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let total = (rate * secs) as u64;
    let every = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now();
    for i in 0..total {
        if let Some(d) = (start + every * i as u32).checked_duration_since(Instant::now()) {
            tokio::time::sleep(d).await;
        }
        let t = epoch.elapsed().as_secs_f64() * 1000.0;
        let msg = match kind {
            Kind::Laser => json!({"type": "laser", "media_id": m, "x": t / 1e5, "y": 0.5}),
            Kind::Stroke => json!({"type": "live_stroke", "media_id": m, "shape": {"tool": "text",
                "points": [{"x": 0.5, "y": 0.5}], "color": "#ff0000", "width": 0.01, "text": format!("{t:.3}")}}),
        };
        send(&mut presenter, msg).await?;
    }
    let expected = total * participants as u64;
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.borrow().received < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seen = seen.borrow();
    let mut l = seen.latencies.clone();
    l.sort_by(|a, b| a.total_cmp(b));
    let what = match kind {
        Kind::Laser => "laser",
        Kind::Stroke => "live strokes",
    };
    println!(
        "{what}: 1 presenter, {participants} participants, {rate}/s for {secs} s: {} deliveries of {expected}",
        seen.received
    );
    println!(
        "{what}: latency send -> receipt (ms) p50 {:.2}  p99 {:.2}  max {:.2}",
        percentile(&l, 50.0),
        percentile(&l, 99.0),
        l.last().copied().unwrap_or(f64::NAN)
    );
    drop(keep);
    Ok(())
}
