//! Ingest benchmarks: upload throughput and memory, processing overhead against bare
//! ffmpeg, and how fast a browser-ready file becomes playable.

use crate::server::{client, Server};
use anyhow::{Context, Result};
use dailies_server::ingest::{command, probe};
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub(crate) fn ffmpeg(args: &[&str]) -> Result<()> {
    let st = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .status()?;
    anyhow::ensure!(st.success(), "ffmpeg failed: {args:?}");
    Ok(())
}

pub(crate) async fn upload_file(s: &Server, path: &Path, name: &str) -> Result<(String, Instant)> {
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

pub(crate) async fn wait_ready(s: &Server, id: &str, with_pictures: bool) -> Result<Instant> {
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

/// Runs one ffmpeg command to the end, its output thrown away.
fn bare(args: &[String]) -> Result<()> {
    let st = Command::new("ffmpeg")
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(st.success(), "bare ffmpeg failed: {args:?}");
    Ok(())
}

/// A 1080p25 HEVC 10-bit clip tagged PQ / BT.2020, as a HDR camera or grade delivers it.
fn make_pq_clip(out: &Path, secs: u32) -> Result<()> {
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
        &secs.to_string(),
        "-vf",
        "format=yuv420p10le",
        "-c:v",
        "libx265",
        "-preset",
        "ultrafast",
        "-x265-params",
        "log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc",
        "-color_primaries",
        "bt2020",
        "-color_trc",
        "smpte2084",
        "-colorspace",
        "bt2020nc",
        "-tag:v",
        "hvc1",
        "-c:a",
        "aac",
        out.to_str().context("path")?,
    ])
}

/// Upload-complete to ready-with-pictures on the server against bare ffmpeg doing the same
/// work, twice over: the three commands one after the other (proxy, poster, sheet), and
/// everything the server runs (probe, decode check beside the proxy, poster beside the
/// sheet) with the server's own concurrency.
pub async fn processing(bin: &Path, hdr: bool, rounds: usize) -> Result<()> {
    let work = tempfile::tempdir()?;
    let src = if hdr {
        let src = work.path().join("src.mp4");
        println!("processing: making a 10 s 1080p PQ HEVC clip (tone mapped proxy)…");
        make_pq_clip(&src, 10)?;
        src
    } else {
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
        src
    };
    let name = src.file_name().and_then(|n| n.to_str()).unwrap_or("src").to_string();
    let s = Server::start(bin, &[]).await?;

    // The same ffmpeg runs, by hand, with the arguments the server builds.
    let p = probe::run_probe(&src).map_err(|e| anyhow::anyhow!("{e}"))?;
    let out = work.path();
    let plan = command::sheet_plan(&p, 100);
    let proxy = command::proxy_args(&src, &out.join("proxy.mp4"), &p, &command::ProxySettings::default());
    let poster = command::poster_args(&src, &out.join("thumb.webp"), &p);
    let sheet = command::sheet_args(&src, &out.join("sheet.webp"), &p, &plan);
    // Rounds alternate the server and the bare commands, so drifting load on the machine
    // hits both alike; the median ratio is the figure.
    let rounds = rounds.max(1);
    let (mut seq_ratios, mut par_ratios) = (vec![], vec![]);
    for round in 1..=rounds {
        let (id, t0) = upload_file(&s, &src, &name).await?;
        let t1 = wait_ready(&s, &id, true).await?;
        let server_secs = (t1 - t0).as_secs_f64();
        // The job may go on (audio tracks, renditions): let it end before the bare runs.
        wait_job_done(&s, &id).await?;

        let b0 = Instant::now();
        for args in [&proxy, &poster, &sheet] {
            bare(args)?;
        }
        let seq_secs = b0.elapsed().as_secs_f64();

        let (src2, proxy2, poster2, sheet2) = (src.clone(), proxy.clone(), poster.clone(), sheet.clone());
        let par_secs = tokio::task::spawn_blocking(move || -> Result<f64> {
            let b0 = Instant::now();
            let p = probe::probe_facts(&src2).map_err(|e| anyhow::anyhow!("{e}"))?;
            std::thread::scope(|sc| -> Result<()> {
                let check = sc.spawn(|| probe::decode_check(&src2, &p).map_err(|e| anyhow::anyhow!("{e}")));
                bare(&proxy2)?;
                check.join().map_err(|_| anyhow::anyhow!("check panicked"))??;
                let poster = sc.spawn(|| bare(&poster2));
                bare(&sheet2)?;
                poster.join().map_err(|_| anyhow::anyhow!("poster panicked"))?
            })?;
            Ok(b0.elapsed().as_secs_f64())
        })
        .await??;
        let (seq, par) = (server_secs / seq_secs, server_secs / par_secs);
        println!(
            "processing: round {round}: server upload-complete -> ready with poster and sheet {server_secs:.2} s; \
             bare ffmpeg, the three commands in a row {seq_secs:.2} s (ratio {seq:.3}), \
             probe + check beside proxy + poster beside sheet {par_secs:.2} s (ratio {par:.3})"
        );
        seq_ratios.push(seq);
        par_ratios.push(par);
    }
    for (what, r) in [
        ("against the three commands in a row", &mut seq_ratios),
        ("against the same work with the server's concurrency", &mut par_ratios),
    ] {
        r.sort_by(f64::total_cmp);
        println!(
            "processing: overhead ratio {what}, median of {rounds}: {:.3} (min {:.3}, max {:.3})",
            r[rounds / 2],
            r[0],
            r[rounds - 1]
        );
    }
    Ok(())
}

/// Waits until the server runs no tool any more (the media's job has ended), so the bare
/// runs have the machine to themselves.
async fn wait_job_done(s: &Server, _id: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(600);
    while s.children_running() {
        anyhow::ensure!(Instant::now() < deadline, "the server's ffmpeg still runs");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Tone mapping's cost: the HDR proxy command as the server builds it, against the same
/// encode of the same source with the tone mapping left out (the probe told it is SDR),
/// alternating; seconds of work per second of 1080p footage.
pub fn tonemap(secs: u32, rounds: usize) -> Result<()> {
    let work = tempfile::tempdir()?;
    let src = work.path().join("pq.mp4");
    println!("tonemap: making a {secs} s 1080p25 PQ HEVC 10-bit clip…");
    make_pq_clip(&src, secs)?;
    let p = probe::probe_facts(&src).map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(p.hdr().is_some(), "the clip is not seen as HDR");
    let mut sdr = p.clone();
    sdr.color_transfer = None;
    sdr.dolby_vision = None;
    let settings = command::ProxySettings::default();
    let with = command::proxy_args(&src, &work.path().join("mapped.mp4"), &p, &settings);
    let without = command::proxy_args(&src, &work.path().join("plain.mp4"), &sdr, &settings);
    let vf = |a: &[String]| {
        a.iter()
            .position(|x| x == "-vf")
            .map(|i| a[i + 1].clone())
            .unwrap_or_default()
    };
    println!("tonemap: with: -vf {}", vf(&with));
    println!("tonemap: without: -vf {}", vf(&without));
    let (mut w, mut wo) = (vec![], vec![]);
    for round in 1..=rounds.max(1) {
        let t = Instant::now();
        bare(&with)?;
        let a = t.elapsed().as_secs_f64();
        let t = Instant::now();
        bare(&without)?;
        let b = t.elapsed().as_secs_f64();
        println!(
            "tonemap: round {round}: with tone mapping {a:.2} s, without {b:.2} s ({:.3} s more per second of footage)",
            (a - b) / f64::from(secs)
        );
        w.push(a);
        wo.push(b);
    }
    w.sort_by(f64::total_cmp);
    wo.sort_by(f64::total_cmp);
    let (a, b) = (w[w.len() / 2], wo[wo.len() / 2]);
    let f = f64::from(secs);
    println!(
        "tonemap: median, per second of 1080p25 PQ: with {:.3} s, without {:.3} s: tone mapping costs {:.3} s \
         ({:+.0} %), {:.2}x realtime with it, {:.2}x without",
        a / f,
        b / f,
        (a - b) / f,
        (a / b - 1.0) * 100.0,
        f / a,
        f / b
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
