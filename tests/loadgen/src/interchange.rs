//! Export figures: the notes of one media (`--comments`, a reply on every tenth) fetched
//! in each format of `GET /api/media/{id}/export` over loopback, p50 of `--rounds`.

use crate::rooms::{connect, join, media, next_text, send};
use crate::server::{client, percentile, Server};
use anyhow::Result;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

pub async fn exports(bin: &Path, comments: usize, rounds: usize) -> Result<()> {
    let s = Server::start(bin, &[]).await?;
    let id = media(&s, 0).await?;
    // The garbage upload fails at once; its room takes comments at any frame.
    let (mut sink, mut stream) = connect(&s, "bench").await?;
    join(&mut sink, &mut stream, &id).await?;
    let began = Instant::now();
    let mut last_root = None;
    // Under the session's 100 messages a second (`session::RATE_PER_SEC`).
    let mut pace = tokio::time::interval(std::time::Duration::from_millis(11));
    for i in 0..comments {
        pace.tick().await;
        let parent = if i % 10 == 9 { last_root } else { None };
        send(
            &mut sink,
            json!({"type": "add_comment", "media_id": id, "text": format!("note {i}: the sky flickers, \"fix\""),
                "frame": i * 3, "end_frame": null, "parent_id": parent, "drawing": null, "client_ref": null}),
        )
        .await?;
        loop {
            let v = next_text(&mut stream).await?;
            if v["type"] == "error" {
                anyhow::bail!("adding comment {i}: {v}");
            }
            if v["type"] == "room_event" {
                if parent.is_none() {
                    last_root = v["event"]["comment"]["id"].as_i64();
                }
                break;
            }
        }
    }
    println!("{comments} comments added in {:.1} s", began.elapsed().as_secs_f64());
    println!("format   p50 ms   min ms   max ms   bytes");
    for format in ["csv", "edl", "fcpxml", "xml", "avid"] {
        let mut ms = vec![];
        let mut bytes = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            let mut r = client()
                .get(s.url(&format!("/api/media/{id}/export?format={format}")))
                .insert_header(("X-Remote-User-Id", "bench"))
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let body = r.body().limit(256 << 20).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            anyhow::ensure!(r.status() == 200, "{format}: {}", r.status());
            bytes = body.len();
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "{format:<8} {:>7.1} {:>8.1} {:>8.1} {bytes:>8}",
            percentile(&ms, 50.0),
            ms[0],
            ms[ms.len() - 1]
        );
    }
    drop(s);
    Ok(())
}
