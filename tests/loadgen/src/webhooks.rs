//! Comment ack latency with webhook endpoints configured, one of which hangs, against a
//! server with none: a slow receiver must not slow the room. Also how long the healthy
//! endpoints take to receive every delivery.

use crate::rooms::{connect, join, media, next_text, send};
use crate::server::{percentile, Server};
use anyhow::Result;
use serde_json::json;
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A receiver on loopback counting requests; `hang`: reads them and never answers.
async fn receiver(hang: bool) -> Result<(String, Rc<Cell<u64>>)> {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", l.local_addr()?);
    let count = Rc::new(Cell::new(0u64));
    let c = count.clone();
    actix_rt::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            let c = c.clone();
            actix_rt::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 16384];
                loop {
                    let Ok(n) = sock.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..p]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if buf.len() >= p + 4 + len {
                        break;
                    }
                }
                c.set(c.get() + 1);
                if hang {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    return;
                }
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    Ok((url, count))
}

/// Comments a second: under the per-socket limit (100 a second on average).
const RATE: f64 = 50.0;

/// Ack latencies (ms, sorted) of `n` comments sent one after another by one member, at
/// most `RATE` a second.
async fn acks(s: &Server, n: usize) -> Result<Vec<f64>> {
    let m = media(s, 0).await?;
    let (mut sink, mut stream) = connect(s, "bench").await?;
    join(&mut sink, &mut stream, &m).await?;
    let mut lat = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        // Pacing, not synchronisation: the schedule keeps the socket under its rate limit.
        let due = start + Duration::from_secs_f64(i as f64 / RATE);
        tokio::time::sleep_until(due.into()).await;
        let t0 = Instant::now();
        let r = format!("c{i}");
        send(
            &mut sink,
            json!({"type": "add_comment", "media_id": m, "text": format!("note {i}"), "frame": 0,
                   "end_frame": null, "parent_id": null, "drawing": null, "client_ref": r}),
        )
        .await?;
        loop {
            let v = next_text(&mut stream).await?;
            if v["type"] == "error" {
                anyhow::bail!("server error: {v}");
            }
            if v["type"] == "room_event" && v["event"]["client_ref"] == r.as_str() {
                break;
            }
        }
        lat.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    Ok(lat)
}

pub async fn webhooks(bin: &std::path::Path, comments: usize, timeout: f64) -> Result<()> {
    println!("comment ack latency, {comments} comments one after another by one member, {RATE} a second");
    println!("{:<34} {:>8} {:>8} {:>8}", "", "p50 ms", "p99 ms", "max ms");
    let none = Server::start(bin, &[]).await?;
    let base = acks(&none, comments).await?;
    drop(none);
    let row = |name: &str, l: &[f64]| {
        println!(
            "{name:<34} {:>8.2} {:>8.2} {:>8.2}",
            percentile(l, 50.0),
            percentile(l, 99.0),
            l.last().copied().unwrap_or(f64::NAN)
        )
    };
    row("no webhooks", &base);

    for hang in [false, true] {
        let (a, ca) = receiver(false).await?;
        let (b, cb) = receiver(false).await?;
        let (h, ch) = receiver(hang).await?;
        let cfg = tempfile::NamedTempFile::new()?;
        std::fs::write(
            cfg.path(),
            format!(
                "[notify]\ntimeout = {timeout}\n\n[[webhook]]\nurl = \"{a}\"\nsecret = \"a\"\n\n\
                 [[webhook]]\nurl = \"{b}\"\nsecret = \"b\"\n\n[[webhook]]\nurl = \"{h}\"\nsecret = \"h\"\n"
            ),
        )?;
        let path = cfg.path().to_string_lossy().to_string();
        let hooked = Server::start(bin, &["--config", &path]).await?;
        let t0 = Instant::now();
        let with = acks(&hooked, comments).await?;
        row(
            if hang {
                "3 webhooks, one of them hanging"
            } else {
                "3 webhooks, all answering"
            },
            &with,
        );
        // Every comment (and the media's failure) is one delivery per endpoint.
        let want = comments as u64 + 1;
        let deadline = Instant::now() + Duration::from_secs(120);
        while (ca.get() < want || cb.get() < want) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!(
            "  answering endpoints got {} and {} of {want} deliveries within {:.2} s of the first comment; \
             the third was sent {}{}",
            ca.get(),
            cb.get(),
            t0.elapsed().as_secs_f64(),
            ch.get(),
            if hang {
                format!(" (each held for its {timeout} s timeout)")
            } else {
                String::new()
            }
        );
        drop(hooked);
    }
    Ok(())
}
