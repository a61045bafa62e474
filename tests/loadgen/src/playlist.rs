//! A live session over a playlist: the leader moves to the next item, and each follower
//! hears `session_moved`, joins the new item's room and has its running session (paused on
//! the first frame). Latency from the leader's `goto` to each follower's `room_joined` with
//! that state, per (move, follower).

use crate::rooms::{connect, media, next_text, send, Sink, Stream};
use crate::server::{client, percentile, Server};
use anyhow::Result;
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Seen {
    /// When the current move was sent, and its index.
    sent: Option<(Instant, i64)>,
    latencies: Vec<f64>,
    arrived: usize,
}

/// Follows every move: leave, join the new room, join its session; records the arrival.
fn follower(mut sink: Sink, mut stream: Stream, seen: Rc<RefCell<Seen>>) {
    actix_rt::spawn(async move {
        while let Ok(v) = next_text(&mut stream).await {
            match v["type"].as_str() {
                Some("session_moved") => {
                    let to = v["to"].clone();
                    let _ = send(&mut sink, json!({"type": "leave_room", "media_id": v["media_id"]})).await;
                    let _ = send(
                        &mut sink,
                        json!({"type": "join_room", "media_id": to, "since_seq": null}),
                    )
                    .await;
                }
                Some("room_joined") => {
                    let c = &v["collab"];
                    let index = c["playlist"]["index"].as_i64();
                    {
                        let mut s = seen.borrow_mut();
                        if let Some((t0, want)) = s.sent {
                            if index == Some(want) && c["active"] == true && c["frame"] == 0 {
                                s.latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
                                s.arrived += 1;
                            }
                        }
                    }
                    let _ = send(&mut sink, json!({"type": "session_join", "media_id": v["media"]["id"]})).await;
                }
                _ => {}
            }
        }
    });
}

pub async fn playlist(bin: &std::path::Path, followers: usize, moves: usize) -> Result<()> {
    let s = Server::start(bin, &[]).await?;
    let mut items = Vec::new();
    for i in 0..=moves {
        items.push(media(&s, i).await?);
    }
    let r = client()
        .post(s.url("/api/playlists"))
        .insert_header(("X-Remote-User-Id", "bench"))
        .send_json(&json!({"title": "bench dailies", "items": items}))
        .await;
    let mut r = r.map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(r.status().as_u16() == 201, "playlist: {}", r.status());
    let p: serde_json::Value = serde_json::from_slice(&r.body().await.map_err(|e| anyhow::anyhow!("{e}"))?)?;
    let pid = p["id"].as_str().unwrap_or_default().to_string();
    let r = client()
        .put(s.url(&format!("/api/playlists/{pid}/sharing")))
        .insert_header(("X-Remote-User-Id", "bench"))
        .send_json(&json!({"link_access": "comment", "users": []}))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(r.status().is_success(), "playlist sharing: {}", r.status());

    let seen = Rc::new(RefCell::new(Seen::default()));
    let (mut lead, mut lstream) = connect(&s, "bench").await?;
    let join = |m: &str| json!({"type": "join_room", "media_id": m, "since_seq": null});
    send(&mut lead, join(&items[0])).await?;
    send(&mut lead, json!({"type": "session_join", "media_id": items[0]})).await?;
    for i in 0..followers {
        let (mut sink, mut stream) = connect(&s, &format!("f{i}")).await?;
        send(&mut sink, join(&items[0])).await?;
        while next_text(&mut stream).await?["type"] != "room_joined" {}
        send(&mut sink, json!({"type": "session_join", "media_id": items[0]})).await?;
        follower(sink, stream, seen.clone());
    }
    // The leader's session holds the first item: the playlist starts there.
    let goto = |m: &str, i: usize| {
        json!({"type": "session_control", "media_id": m,
            "control": {"action": "goto", "playlist_id": pid, "index": i}})
    };
    send(&mut lead, goto(&items[0], 0)).await?;
    loop {
        let v = next_text(&mut lstream).await?;
        if v["type"] == "collab" && v["state"]["playlist"]["index"] == 0 {
            break;
        }
    }
    let mut at = 0usize;
    for n in 1..=moves {
        let before = seen.borrow().arrived;
        seen.borrow_mut().sent = Some((Instant::now(), n as i64));
        send(&mut lead, goto(&items[at], n)).await?;
        // The leader follows too.
        loop {
            let v = next_text(&mut lstream).await?;
            if v["type"] == "session_moved" {
                send(&mut lead, json!({"type": "leave_room", "media_id": items[at]})).await?;
                send(&mut lead, join(&items[n])).await?;
            }
            if v["type"] == "room_joined" {
                send(&mut lead, json!({"type": "session_join", "media_id": items[n]})).await?;
                break;
            }
        }
        at = n;
        let deadline = Instant::now() + Duration::from_secs(10);
        while seen.borrow().arrived < before + followers && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let seen = seen.borrow();
    let mut l = seen.latencies.clone();
    l.sort_by(|a, b| a.total_cmp(b));
    println!(
        "playlist session: 1 leader, {followers} followers, {moves} moves: {} arrivals of {}",
        seen.arrived,
        followers * moves
    );
    println!(
        "playlist session: leader's goto -> follower in the next item's running session (ms) p50 {:.2}  p99 {:.2}  max {:.2}",
        percentile(&l, 50.0),
        percentile(&l, 99.0),
        l.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}
