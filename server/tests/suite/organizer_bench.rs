//! Organizer benchmark (ignored by default; run in release):
//!
//!   cargo test --release -p dailies-server --test suite organizer_bench -- --ignored --nocapture
//!
//! Prints the round trip of an Authorize call through the server's proxy (p50/p99), and
//! the latency a plugin adds to opening a page of 1,000 media, against the same page with
//! no plugin (the built-in flat library): with basic_folders, which widens the built-in
//! rule for folders shared with the user, and with reference_plugin, which has rules of
//! its own; both authorize, so every one of the 1,000 media on a page is checked with the
//! plugin (one AuthorizeBatch call of 1,000 requests since protocol 1.1).

use crate::common::{TestServer, Ws};
use crate::organizer_support::*;
use serde_json::json;
use std::time::{Duration, Instant};

const MEDIA: usize = 1000;

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(label: &str, mut v: Vec<Duration>) -> Duration {
    v.sort();
    let (p50, p99) = (pct(&v, 0.50), pct(&v, 0.99));
    println!(
        "{label:<48} n={:<5} p50 {:>9.3} ms   p99 {:>9.3} ms",
        v.len(),
        ms(p50),
        ms(p99)
    );
    p50
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One page round trip on the websocket.
async fn timed_page(ws: &mut Ws, path: &str) -> Duration {
    let t = Instant::now();
    let p = page(ws, path).await;
    let d = t.elapsed();
    assert_eq!(
        p["media"].as_array().map(Vec::len),
        Some(MEDIA),
        "every page lists all media: {p}"
    );
    d
}

async fn timed_get(s: &TestServer) -> Duration {
    let t = Instant::now();
    assert_eq!(s.get("/api/media/m00000", Some("ann")).await.0, 200);
    t.elapsed()
}

/// `MEDIA` rows owned by ann, in one transaction.
fn seed(s: &TestServer) -> Vec<String> {
    use dailies_server::db::schema::media;
    use diesel::prelude::*;
    add_user(s, "ann", false);
    let ids: Vec<String> = (0..MEDIA).map(|i| format!("m{i:05}")).collect();
    let rows = ids.clone();
    state(s)
        .db
        .run_blocking(move |c| {
            c.transaction(|c| {
                for id in &rows {
                    diesel::insert_into(media::table)
                        .values((
                            media::id.eq(id),
                            media::owner_id.eq("ann"),
                            media::title.eq(format!("Shot {id}")),
                            media::orig_filename.eq("original.mp4"),
                            media::status.eq("ready"),
                        ))
                        .execute(c)?;
                }
                Ok(())
            })
        })
        .unwrap();
    ids
}

#[actix_rt::test]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
async fn organizer_bench() {
    println!();
    // Three servers over the same data: with basic_folders, with reference_plugin (access
    // rules of its own) and without a plugin.
    let cmd = plugin_cmd("basic_folders", &[]);
    let plugged = TestServer::start_with(|c| c.organizer_cmd = Some(cmd)).await;
    let cmd = plugin_cmd("reference_plugin", &[]);
    let rules = TestServer::start_with(|c| c.organizer_cmd = Some(cmd)).await;
    let plain = TestServer::start().await;
    wait_up(&plugged).await;
    wait_up(&rules).await;
    let ids = seed(&plugged);
    seed(&rules);
    seed(&plain);

    // Authorize through the proxy, as access checks make it.
    let org = state(&rules).organizer;
    let ann = dailies_protocol::UserInfo {
        id: dailies_protocol::UserId("ann".into()),
        name: "Ann".into(),
        is_admin: false,
    };
    let row = add_media(&rules, "probe", "ann", "Probe");
    for _ in 0..200 {
        org.authorize(&ann, &row, "view", true).await.unwrap();
    }
    let mut auth = Vec::with_capacity(5000);
    for _ in 0..5000 {
        let t = Instant::now();
        let v = org.authorize(&ann, &row, "view", true).await;
        auth.push(t.elapsed());
        assert!(v.is_some_and(|v| v.allow));
    }
    report("Authorize round trip through the proxy", auth);
    state(&rules)
        .db
        .run_blocking(|c| dailies_server::db::queries::delete_media(c, "probe"))
        .unwrap();

    // All 1,000 media in one basic_folders folder, against the built-in flat library.
    let mut wp = plugged.ws(Some("ann")).await;
    let r = command(&mut wp, "create_folder", json!({"name": "All shots"})).await;
    let folder = format!("/f/{}", r["result"]["id"].as_str().unwrap());
    let r = command(&mut wp, "move_media", json!({"media": ids, "folder": folder[3..]})).await;
    assert_eq!(r["result"]["moved"], MEDIA, "{r}");
    let mut wb = plain.ws(Some("ann")).await;
    let mut wr = rules.ws(Some("ann")).await;
    // Interleaved, so load from elsewhere on the machine hits all alike.
    let (mut rest_with, mut rest_without) = (vec![], vec![]);
    for i in 0..520 {
        let (c, d) = (timed_get(&rules).await, timed_get(&plain).await);
        if i >= 20 {
            rest_with.push(c);
            rest_without.push(d);
        }
    }
    let (mut with, mut without, mut checked) = (vec![], vec![], vec![]);
    for i in 0..210 {
        let a = timed_page(&mut wp, &folder).await;
        let b = timed_page(&mut wb, "/").await;
        let c = timed_page(&mut wr, "/inbox").await;
        if i >= 10 {
            with.push(a);
            without.push(b);
            checked.push(c);
        }
    }
    let p_with = report("folder page of 1,000 media, basic_folders", with);
    let p_checked = report("page of 1,000 media, reference_plugin (one AuthorizeBatch)", checked);
    let p_without = report("page of 1,000 media, no plugin (built-in)", without);
    let r_with = report("GET /api/media/{id} (one Authorize), reference_plugin", rest_with);
    let r_without = report("GET /api/media/{id}, no plugin", rest_without);
    println!(
        "added by the plugin (p50): basic_folders page {:+.3} ms, reference_plugin page {:+.3} ms, \
         GET /api/media/{{id}} {:+.3} ms",
        ms(p_with) - ms(p_without),
        ms(p_checked) - ms(p_without),
        ms(r_with) - ms(r_without)
    );
}
