//! Ingest benchmarks: upload throughput and memory, processing overhead against bare
//! ffmpeg, and how fast a browser-ready file becomes playable.

use crate::server::{client, Server};
use anyhow::{Context, Result};
use dailies_server::ingest::{command, probe};
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn ffmpeg(args: &[&str]) -> Result<()> {
    let st = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .status()?;
    anyhow::ensure!(st.success(), "ffmpeg failed: {args:?}");
    Ok(())
}

async fn upload_file(s: &Server, path: &Path, name: &str) -> Result<(String, Instant)> {
    let body = std::fs::read(path)?;
    let mut r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "bench"))
        .insert_header(("X-File-Name", name))
        .send_body(body)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let done = Instant::now();
    let v: serde_json::Value = serde_json::from_slice(&r.body().await.map_err(|e| anyhow::anyhow!("{e}"))?)?;
    let id = v["id"].as_str().context("no id")?.to_string();
    Ok((id, done))
}

pub async fn upload(bin: &Path, mib: u64) -> Result<()> {
    let s = Server::start(bin, &[]).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.reset_peak();
    let (rss0, _) = s.rss();
    let port = s.port;
    let total = mib * 1024 * 1024;
    let (elapsed, status) = tokio::task::spawn_blocking(move || -> Result<(Duration, String)> {
        let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port))?;
        let started = Instant::now();
        write!(
            tcp,
            "POST /api/upload HTTP/1.1\r\nHost: bench\r\nX-Remote-User-Id: bench\r\nX-File-Name: big.bin\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n"
        )?;
        let chunk = vec![0x5au8; 1 << 20];
        let mut sent = 0u64;
        while sent < total {
            let n = chunk.len().min((total - sent) as usize);
            tcp.write_all(&chunk[..n])?;
            sent += n as u64;
        }
        let mut resp = String::new();
        tcp.read_to_string(&mut resp)?;
        Ok((started.elapsed(), resp.lines().next().unwrap_or("").to_string()))
    })
    .await??;
    let (_, hwm) = s.rss();
    anyhow::ensure!(status.contains("201"), "upload failed: {status}");
    let mbps = total as f64 / 1e6 / elapsed.as_secs_f64();
    println!("upload: {mib} MiB in {:.2} s = {mbps:.0} MB/s", elapsed.as_secs_f64());
    println!(
        "upload: server RSS before {} KiB, peak during {} KiB, growth {:.1} MiB",
        rss0,
        hwm,
        (hwm.saturating_sub(rss0)) as f64 / 1024.0
    );
    Ok(())
}

async fn wait_ready(s: &Server, id: &str, with_pictures: bool) -> Result<Instant> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let m = s.get(&format!("/api/media/{id}"), "bench").await?;
        let ok = m["status"] == "ready" && (!with_pictures || !m["sheet"].is_null());
        if ok {
            return Ok(Instant::now());
        }
        anyhow::ensure!(m["status"] != "failed", "processing failed: {m}");
        anyhow::ensure!(Instant::now() < deadline, "not ready in time");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub async fn processing(bin: &Path) -> Result<()> {
    let work = tempfile::tempdir()?;
    let src = work.path().join("src.avi");
    println!("processing: making a 10 s 1080p MPEG-4 clip (needs a proxy)…");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1920x1080:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine",
        "-t",
        "10",
        "-c:v",
        "mpeg4",
        "-q:v",
        "4",
        "-c:a",
        "pcm_s16le",
        src.to_str().unwrap(),
    ])?;
    let s = Server::start(bin, &[]).await?;

    // The same ffmpeg runs, by hand, with the arguments the server builds.
    let p = probe::run_probe(&src).map_err(|e| anyhow::anyhow!("{e}"))?;
    let out = work.path();
    let plan = command::sheet_plan(&p, 100);
    let runs = [
        command::proxy_args(&src, &out.join("proxy.mp4"), &p, &command::ProxySettings::default()),
        command::poster_args(&src, &out.join("thumb.webp"), &p),
        command::sheet_args(&src, &out.join("sheet.webp"), &p, &plan),
    ];
    // Rounds alternate the server and the bare commands, so drifting load on the machine
    // hits both alike; the median ratio is the figure.
    const ROUNDS: usize = 5;
    let mut ratios = vec![];
    for round in 1..=ROUNDS {
        let (id, t0) = upload_file(&s, &src, "src.avi").await?;
        let t1 = wait_ready(&s, &id, true).await?;
        let server_secs = (t1 - t0).as_secs_f64();
        let b0 = Instant::now();
        for args in &runs {
            let st = Command::new("ffmpeg")
                .args(args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()?;
            anyhow::ensure!(st.success(), "bare ffmpeg failed");
        }
        let bare_secs = b0.elapsed().as_secs_f64();
        let ratio = server_secs / bare_secs;
        println!(
            "processing: round {round}: server upload-complete -> ready with poster and sheet {server_secs:.2} s, \
             bare ffmpeg (same three commands) {bare_secs:.2} s, ratio {ratio:.3}"
        );
        ratios.push(ratio);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "processing: overhead ratio, median of {ROUNDS}: {:.3} (min {:.3}, max {:.3})",
        ratios[ROUNDS / 2],
        ratios[0],
        ratios[ROUNDS - 1]
    );
    Ok(())
}

pub async fn ready_fast(bin: &Path, mb: u64) -> Result<()> {
    let work = tempfile::tempdir()?;
    let src = work.path().join("ready.mp4");
    let secs = (mb * 8 / 15).max(1);
    println!("ready-fast: making a ~{mb} MB browser-ready H.264/AAC MP4 ({secs} s at 15 Mbit/s)…");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1280x720:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine",
        "-t",
        &secs.to_string(),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-b:v",
        "15M",
        "-maxrate",
        "15M",
        "-bufsize",
        "15M",
        "-c:a",
        "aac",
        "-movflags",
        "+faststart",
        src.to_str().unwrap(),
    ])?;
    let size = std::fs::metadata(&src)?.len();
    let s = Server::start(bin, &[]).await?;
    let mut times = vec![];
    for i in 0..3 {
        let (id, t0) = upload_file(&s, &src, &format!("ready{i}.mp4")).await?;
        let t1 = wait_ready(&s, &id, false).await?;
        times.push((t1 - t0).as_secs_f64() * 1000.0);
        wait_ready(&s, &id, true).await?;
    }
    println!(
        "ready-fast: {:.1} MB file, upload-complete -> ready (playable): {} ms",
        size as f64 / 1e6,
        times.iter().map(|t| format!("{t:.0}")).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}

/// Upload-complete to playable for a 1080p clip: H.264/AAC (browser-ready, played as is) or
/// HEVC (needs a proxy); the median of `rounds`.
pub async fn playable(bin: &Path, hevc: bool, secs: u32, rounds: usize) -> Result<()> {
    let work = tempfile::tempdir()?;
    let src = work.path().join(if hevc { "clip.mov" } else { "clip.mp4" });
    let t = secs.to_string();
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1920x1080:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine",
        "-t",
        &t,
    ];
    if hevc {
        args.extend([
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error",
            "-tag:v",
            "hvc1",
        ]);
    } else {
        args.extend([
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-b:v", "8M",
        ]);
    }
    args.extend(["-c:a", "aac", "-movflags", "+faststart"]);
    let out = src.to_str().unwrap().to_string();
    args.push(&out);
    ffmpeg(&args)?;
    let s = Server::start(bin, &[]).await?;
    let mut times = vec![];
    for i in 0..rounds {
        let name = format!("clip{i}.{}", if hevc { "mov" } else { "mp4" });
        let (id, t0) = upload_file(&s, &src, &name).await?;
        let t1 = wait_ready(&s, &id, false).await?;
        times.push((t1 - t0).as_secs_f64() * 1000.0);
        wait_ready(&s, &id, true).await?;
    }
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    println!(
        "playable: {secs} s 1080p {}, upload-complete -> playable ms: {} (median {:.0})",
        if hevc { "HEVC (proxy)" } else { "H.264/AAC (as is)" },
        times.iter().map(|t| format!("{t:.0}")).collect::<Vec<_>>().join(", "),
        sorted[sorted.len() / 2]
    );
    Ok(())
}
