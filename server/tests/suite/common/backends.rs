//! Which database and object store the suite runs against. With nothing set, every test
//! server keeps SQLite and files in its temporary data directory. `scripts/test.sh` runs the
//! suite a second time with `DAILIES_TEST_DATABASE_URL` (a PostgreSQL server; each test
//! server gets a database of its own on it) and `DAILIES_TEST_STORAGE_URL` (an S3 bucket;
//! each test server gets a prefix of its own in it).

use dailies_server::config::Config;

/// The PostgreSQL server the suite runs against, if any.
pub fn postgres() -> Option<String> {
    std::env::var("DAILIES_TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

/// The bucket the suite runs against, if any.
pub fn s3() -> Option<String> {
    std::env::var("DAILIES_TEST_STORAGE_URL").ok().filter(|v| !v.is_empty())
}

/// A name no other test server uses.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// `s3://BUCKET[/PREFIX]?QUERY` with a fresh prefix below the given one.
pub fn fresh_storage_url(base: &str) -> String {
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let path = path.trim_end_matches('/');
    let url = format!("{path}/{}", unique_name("t"));
    if query.is_empty() {
        url
    } else {
        format!("{url}?{query}")
    }
}

/// Points a test server's configuration at the suite's backends. A server started again
/// on the same data directory (a restart) finds the database and prefix it had: this process
/// remembers them per data directory (not in the directory, whose contents tests check).
pub fn apply(cfg: &mut Config) {
    if let Some(url) = postgres() {
        cfg.database_url = Some(kept(&cfg.data_dir, "database", || fresh_database(&url)));
    }
    if let Some(url) = s3() {
        cfg.storage_url = Some(kept(&cfg.data_dir, "storage", || fresh_storage_url(&url)));
    }
}

fn kept(dir: &std::path::Path, what: &'static str, make: impl FnOnce() -> String) -> String {
    use std::collections::HashMap;
    use std::path::PathBuf;
    use std::sync::{Mutex, OnceLock};
    static KEPT: OnceLock<Mutex<HashMap<(PathBuf, &'static str), String>>> = OnceLock::new();
    let mut kept = KEPT.get_or_init(Default::default).lock().unwrap();
    kept.entry((dir.to_path_buf(), what)).or_insert_with(make).clone()
}

/// Creates an empty database on the server of `url` and returns its URL.
pub fn fresh_database(url: &str) -> String {
    dailies_server::db::testing::create_database(url, &unique_name("t"))
        .unwrap_or_else(|e| panic!("creating a test database on {url}: {e}"))
}
