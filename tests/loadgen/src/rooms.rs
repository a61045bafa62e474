//! Realtime benchmarks: comment latency to every client of a busy room, many rooms with
//! comments and live strokes, and memory per idle session. Checks nothing is lost or reordered.

use crate::server::{client, percentile, Server};
use anyhow::{Context, Result};
use awc::ws;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

pub(crate) type Sink = futures_util::stream::SplitSink<actix_codec::Framed<awc::BoxedSocket, ws::Codec>, ws::Message>;
pub(crate) type Stream = futures_util::stream::SplitStream<actix_codec::Framed<awc::BoxedSocket, ws::Codec>>;

pub(crate) async fn connect(s: &Server, user: &str) -> Result<(Sink, Stream)> {
    let url = format!("ws://127.0.0.1:{}/api/ws", s.port);
    let (_, framed) = client()
        .ws(url)
        .max_frame_size(16 << 20)
        .header("X-Remote-User-Id", user)
        .connect()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (sink, mut stream) = framed.split();
    next_text(&mut stream).await?; // welcome
    Ok((sink, stream))
}

pub(crate) async fn next_text(stream: &mut Stream) -> Result<Value> {
    loop {
        match stream
            .next()
            .await
            .context("socket ended")?
            .map_err(|e| anyhow::anyhow!("{e}"))?
        {
            ws::Frame::Text(b) => return Ok(serde_json::from_slice(&b)?),
            ws::Frame::Close(r) => anyhow::bail!("closed: {r:?}"),
            _ => {}
        }
    }
}

pub(crate) async fn send(sink: &mut Sink, v: Value) -> Result<()> {
    sink.send(ws::Message::Text(v.to_string().into()))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

pub(crate) async fn join(sink: &mut Sink, stream: &mut Stream, media: &str) -> Result<()> {
    send(sink, json!({"type": "join_room", "media_id": media, "since_seq": null})).await?;
    loop {
        if next_text(stream).await?["type"] == "room_joined" {
            return Ok(());
        }
    }
}

/// A media id to review: a small garbage upload fails fast and still has a room.
pub(crate) async fn media(s: &Server, n: usize) -> Result<String> {
    let mut r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "bench"))
        .insert_header(("X-File-Name", format!("room{n}.bin")))
        .send_body(vec![1u8; 64])
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let v: Value = serde_json::from_slice(&r.body().await.map_err(|e| anyhow::anyhow!("{e}"))?)?;
    Ok(v["id"].as_str().context("no id")?.to_string())
}

#[derive(Default)]
struct Stats {
    /// Per (event, receiver): ms from send to receipt.
    latencies: Vec<f64>,
    received: u64,
    out_of_order: u64,
}

/// Reads one client's socket: latency from the timestamp the sender put in the payload,
/// and a check that room sequence numbers arrive one by one.
fn spawn_reader(mut stream: Stream, epoch: Instant, stats: Rc<RefCell<Stats>>, comments: Rc<RefCell<Stats>>) {
    actix_rt::spawn(async move {
        let mut last_seq: i64 = -1;
        while let Some(Ok(frame)) = stream.next().await {
            let ws::Frame::Text(b) = frame else { continue };
            let now = epoch.elapsed().as_secs_f64() * 1000.0;
            // A full JSON parse of every delivery would make this one-thread client the
            // bottleneck; the fields needed are found by their (stable) keys instead.
            let text = String::from_utf8_lossy(&b);
            if text.starts_with(r#"{"type":"room_event""#) {
                let seq = field(&text, r#""seq":"#, ',')
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0);
                let mut c = comments.borrow_mut();
                if last_seq >= 0 && seq != last_seq + 1 {
                    c.out_of_order += 1;
                }
                last_seq = seq;
                c.received += 1;
                if let Some(t) = field(&text, r#""client_ref":""#, '"').and_then(|t| t.parse::<f64>().ok()) {
                    c.latencies.push(now - t);
                }
            } else if text.starts_with(r#"{"type":"live_stroke""#) {
                let mut st = stats.borrow_mut();
                st.received += 1;
                if let Some(t) = field(&text, r#""text":""#, '"').and_then(|t| t.parse::<f64>().ok()) {
                    st.latencies.push(now - t);
                }
            } else if text.starts_with(r#"{"type":"error""#) {
                eprintln!("server error: {text}");
            }
        }
    });
}

/// The text after `key` up to `end`.
fn field<'a>(text: &'a str, key: &str, end: char) -> Option<&'a str> {
    let at = text.find(key)? + key.len();
    let rest = &text[at..];
    Some(&rest[..rest.find(end)?])
}

fn report(what: &str, st: &Stats, expected: u64, secs: f64, sent: u64) {
    let mut l = st.latencies.clone();
    l.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{what}: {sent} sent in {secs:.1} s ({:.0}/s), {} deliveries of {expected} expected, lost {}, out of order {}",
        sent as f64 / secs,
        st.received,
        expected.saturating_sub(st.received),
        st.out_of_order
    );
    println!(
        "{what}: latency send -> receipt (ms) p50 {:.2}  p99 {:.2}  max {:.2}",
        percentile(&l, 50.0),
        percentile(&l, 99.0),
        l.last().copied().unwrap_or(f64::NAN)
    );
}

fn comment(media: &str, epoch: Instant, i: u64) -> Value {
    let t = epoch.elapsed().as_secs_f64() * 1000.0;
    json!({"type": "add_comment", "media_id": media, "text": format!("bench comment {i}"), "frame": i % 1000,
           "end_frame": null, "parent_id": null, "drawing": null, "client_ref": format!("{t:.3}")})
}

async fn settle(stats: &Rc<RefCell<Stats>>, expected: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while stats.borrow().received < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn one_room(bin: &std::path::Path, clients: usize, senders: usize, rate: f64, secs: f64) -> Result<()> {
    let s = Server::start(bin, &[]).await?;
    let m = media(&s, 0).await?;
    let epoch = Instant::now();
    let strokes = Rc::new(RefCell::new(Stats::default()));
    let comments = Rc::new(RefCell::new(Stats::default()));
    let mut sinks = vec![];
    for _ in 0..clients {
        let (mut sink, mut stream) = connect(&s, "bench").await?;
        join(&mut sink, &mut stream, &m).await?;
        spawn_reader(stream, epoch, strokes.clone(), comments.clone());
        sinks.push(sink);
    }
    println!("room: {clients} clients joined one room; {senders} of them send {rate} comments/s for {secs} s");
    let total = (rate * secs) as u64;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let start = Instant::now();
    for i in 0..total {
        let target = start + interval * i as u32;
        if let Some(d) = target.checked_duration_since(Instant::now()) {
            tokio::time::sleep(d).await;
        }
        let k = (i as usize) % senders;
        send(&mut sinks[k], comment(&m, epoch, i)).await?;
    }
    let sent_secs = start.elapsed().as_secs_f64();
    let expected = total * clients as u64;
    settle(&comments, expected).await;
    report("room comments", &comments.borrow(), expected, sent_secs, total);
    Ok(())
}

pub async fn many_rooms(bin: &std::path::Path, rooms: usize, clients: usize, secs: f64) -> Result<()> {
    let s = Server::start(bin, &["--transcode-workers", "2"]).await?;
    let epoch = Instant::now();
    let strokes = Rc::new(RefCell::new(Stats::default()));
    let comments = Rc::new(RefCell::new(Stats::default()));
    let mut senders = vec![];
    let mut medias = vec![];
    for r in 0..rooms {
        let m = media(&s, r).await?;
        for c in 0..clients {
            let (mut sink, mut stream) = connect(&s, "bench").await?;
            join(&mut sink, &mut stream, &m).await?;
            send(&mut sink, json!({"type": "session_join", "media_id": m})).await?;
            spawn_reader(stream, epoch, strokes.clone(), comments.clone());
            if c < 2 {
                senders.push(sink);
            }
        }
        medias.push(m);
    }
    let (comment_rate, stroke_rate) = (2.0, 20.0);
    println!(
        "rooms: {rooms} rooms x {clients} clients; per room {comment_rate} comments/s and {stroke_rate} live strokes/s for {secs} s"
    );
    let ticks = (secs * stroke_rate) as u64;
    let every = Duration::from_secs_f64(1.0 / stroke_rate);
    let start = Instant::now();
    let (mut n_comments, mut n_strokes) = (0u64, 0u64);
    for t in 0..ticks {
        let target = start + every * t as u32;
        if let Some(d) = target.checked_duration_since(Instant::now()) {
            tokio::time::sleep(d).await;
        }
        for (r, m) in medias.iter().enumerate() {
            let ts = epoch.elapsed().as_secs_f64() * 1000.0;
            let shape = json!({"tool": "text", "points": [{"x": 0.5, "y": 0.5}], "color": "#ff8800", "width": 0.01, "text": format!("{ts:.3}")});
            send(
                &mut senders[2 * r + 1],
                json!({"type": "live_stroke", "media_id": m, "shape": shape}),
            )
            .await?;
            n_strokes += 1;
            if t % (stroke_rate / comment_rate) as u64 == 0 {
                send(&mut senders[2 * r], comment(m, epoch, t)).await?;
                n_comments += 1;
            }
        }
    }
    let sent_secs = start.elapsed().as_secs_f64();
    let exp_comments = n_comments * clients as u64;
    let exp_strokes = n_strokes * (clients as u64 - 1);
    settle(&comments, exp_comments).await;
    settle(&strokes, exp_strokes).await;
    report(
        "rooms comments",
        &comments.borrow(),
        exp_comments,
        sent_secs,
        n_comments,
    );
    report("rooms strokes", &strokes.borrow(), exp_strokes, sent_secs, n_strokes);
    Ok(())
}

pub async fn idle(bin: &std::path::Path, sessions: usize) -> Result<()> {
    let s = Server::start(bin, &["--heartbeat-interval", "30"]).await?;
    let mut keep = vec![connect(&s, "bench").await?];
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (before, _) = s.rss();
    for _ in 0..sessions {
        keep.push(connect(&s, "bench").await?);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (after, _) = s.rss();
    let per = (after.saturating_sub(before)) as f64 * 1024.0 / sessions as f64;
    println!(
        "idle: {sessions} sessions: server RSS {before} KiB -> {after} KiB, {:.1} KiB per session",
        per / 1024.0
    );
    drop(keep);
    Ok(())
}
