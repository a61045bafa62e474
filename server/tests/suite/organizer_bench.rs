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

/// The Python SDK against the Rust one (ignored by default; run in release):
///
///   cargo test --release -p dailies-server --test suite organizer_bench_python -- --ignored --nocapture
///
/// Two servers over the same 1,000 media, one supervising the Rust basic_folders and one
/// its Python twin (organizer-sdk/python/examples/basic_folders.py): the `Authorize` round
/// trip through the server's proxy, and a folder page holding all 1,000 media (one
/// `AuthorizeBatch` of 1,000 questions, answered from each plugin's cached tree).
#[actix_rt::test]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
async fn organizer_bench_python() {
    println!();
    let mut servers = vec![];
    for flavor in [Flavor::Rust, Flavor::Python] {
        let cmd = basic_folders_cmd(flavor);
        let s = TestServer::start_with(|c| c.organizer_cmd = Some(cmd)).await;
        wait_up(&s).await;
        let ids = seed(&s);
        let mut ws = s.ws(Some("ann")).await;
        let r = command(&mut ws, "create_folder", json!({"name": "All shots"})).await;
        let id = r["result"]["id"].as_str().unwrap().to_string();
        let r = command(&mut ws, "move_media", json!({"media": ids, "folder": id})).await;
        assert_eq!(r["result"]["moved"], MEDIA, "{r}");
        servers.push((flavor, s, ws, format!("/f/{id}")));
    }
    let ann = dailies_protocol::UserInfo {
        id: dailies_protocol::UserId("ann".into()),
        name: "Ann".into(),
        is_admin: false,
    };
    // Someone the built-in rule refuses: the plugin looks the media up in the owner's tree.
    let bob = dailies_protocol::UserInfo {
        id: dailies_protocol::UserId("bob".into()),
        name: "Bob".into(),
        is_admin: false,
    };
    let rows: Vec<_> = servers
        .iter()
        .map(|(_, s, _, _)| add_media(s, "probe", "ann", "Probe"))
        .collect();
    let mut auth: Vec<Vec<Duration>> = vec![vec![], vec![]];
    for i in 0..3200 {
        for (k, (_, s, _, _)) in servers.iter().enumerate() {
            let org = state(s).organizer;
            let (who, builtin) = if i % 2 == 0 { (&ann, true) } else { (&bob, false) };
            let t = Instant::now();
            let v = org.authorize(who, &rows[k], "view", builtin).await;
            let d = t.elapsed();
            assert_eq!(v.map(|v| v.allow), Some(builtin));
            if i >= 200 {
                auth[k].push(d);
            }
        }
    }
    let mut pages: Vec<Vec<Duration>> = vec![vec![], vec![]];
    for i in 0..110 {
        for (k, (_, _, ws, folder)) in servers.iter_mut().enumerate() {
            let d = timed_page(ws, folder).await;
            if i >= 10 {
                pages[k].push(d);
            }
        }
    }
    let mut p50 = vec![];
    for (k, (flavor, _, _, _)) in servers.iter().enumerate() {
        let a = report(
            &format!("Authorize round trip, {flavor:?} basic_folders"),
            auth[k].clone(),
        );
        let p = report(
            &format!("folder page of 1,000 media, {flavor:?} basic_folders"),
            pages[k].clone(),
        );
        p50.push((a, p));
    }
    println!(
        "Python against Rust (p50): Authorize {:+.3} ms, folder page {:+.3} ms",
        ms(p50[1].0) - ms(p50[0].0),
        ms(p50[1].1) - ms(p50[0].1)
    );
}
