//! Export figures: the notes of one media (`--comments`, a reply on every tenth) fetched
//! in each format of `GET /api/media/{id}/export` over loopback, p50 of `--rounds`; and the
//! PDF review report of a media whose notes carry drawings.

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

/// Report figures: a 60 s 720p clip with `--comments` notes, each with a drawing (an
/// arrow, an ellipse, a pen stroke and a text), its PDF report fetched `--rounds` times
/// (p50); then the exports of `--export-comments` notes in each format.
pub async fn report(bin: &Path, comments: usize, rounds: usize, export_comments: usize) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let clip = dir.path().join("clip.mp4");
    let clip_s = clip.to_string_lossy().into_owned();
    crate::media::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1280x720:rate=25",
        "-t",
        "60",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-g",
        "50",
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
        &clip_s,
    ])?;
    let s = Server::start(bin, &[]).await?;
    let (id, _) = crate::media::upload_file(&s, &clip, "report bench.mp4").await?;
    crate::media::wait_ready(&s, &id, true).await?;
    let frames = s.get(&format!("/api/media/{id}"), "bench").await?["frame_count"]
        .as_i64()
        .unwrap_or(1500);
    let (mut sink, mut stream) = connect(&s, "bench").await?;
    join(&mut sink, &mut stream, &id).await?;
    let mut pace = tokio::time::interval(std::time::Duration::from_millis(11));
    for i in 0..comments {
        pace.tick().await;
        let k = i as f64 / comments.max(1) as f64;
        let pen: Vec<_> = (0..20)
            .map(|j| json!({"x": 0.2 + j as f64 * 0.02, "y": 0.7 + (j as f64 * 0.7).sin() * 0.05}))
            .collect();
        let drawing = json!({"shapes": [
            {"tool": "arrow", "points": [{"x": 0.1, "y": 0.1 + k * 0.5}, {"x": 0.6, "y": 0.4}], "color": "#ff3b30", "width": 0.006, "text": null},
            {"tool": "ellipse", "points": [{"x": 0.55, "y": 0.3}, {"x": 0.8, "y": 0.6}], "color": "#ffcc00", "width": 0.006, "text": null},
            {"tool": "pen", "points": pen, "color": "#34c759", "width": 0.006, "text": null},
            {"tool": "text", "points": [{"x": 0.1, "y": 0.85}], "color": "#ffffff", "width": 0.006, "text": format!("note {i}")}
        ]});
        send(
            &mut sink,
            json!({"type": "add_comment", "media_id": id, "text": format!("note {i}: the matte edge crawls here, see the drawing"),
                "frame": (i as i64 * 7) % frames, "end_frame": null, "parent_id": null, "drawing": drawing, "client_ref": null}),
        )
        .await?;
        loop {
            let v = next_text(&mut stream).await?;
            anyhow::ensure!(v["type"] != "error", "adding comment {i}: {v}");
            if v["type"] == "room_event" {
                break;
            }
        }
    }
    println!("{comments} comments with drawings on a 1280x720 clip of {frames} frames");
    let mut ms = vec![];
    let mut bytes = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let mut r = client()
            .get(s.url(&format!("/api/media/{id}/report")))
            .insert_header(("X-Remote-User-Id", "bench"))
            .timeout(std::time::Duration::from_secs(600))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let body = r.body().limit(1 << 30).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(r.status() == 200, "report: {}", r.status());
        bytes = body.len();
    }
    ms.sort_by(f64::total_cmp);
    println!("report   p50 ms   min ms   max ms   bytes");
    println!(
        "pdf      {:>7.0} {:>8.0} {:>8.0} {bytes:>8}",
        percentile(&ms, 50.0),
        ms[0],
        ms[ms.len() - 1]
    );
    drop(s);
    exports(bin, export_comments, rounds).await
}
