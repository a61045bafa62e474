//! SQLite through diesel: the connection pool, per-connection pragmas, embedded migrations
//! (with a backup first), and `Db::run`, which keeps every query off the async workers.

pub mod comments;
pub mod models;
pub mod playlists;
pub mod prefs;
pub mod queries;
pub mod quotas;
pub mod schema;
pub mod sharing;
pub mod subtitles;
pub mod users;
pub mod values;
pub mod versions;

use crate::error::{AppError, AppResult};
use anyhow::{Context, Result};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

pub type Conn = SqliteConnection;
type SqlitePool = Pool<ConnectionManager<SqliteConnection>>;

/// Applied to every connection the pool hands out. `batch_execute` runs all statements;
/// a single `sql_query` would silently run only the first.
#[derive(Debug)]
struct Pragmas;

/// `wal_autocheckpoint` is only a backstop (about 40 MiB of WAL): checkpoints are the
/// checkpointer thread's (see `Checkpointer`), so no commit waits for one.
const CONNECTION_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
     PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 10000;";

/// How often the checkpointer folds the WAL back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(CONNECTION_PRAGMAS)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Shared handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: SqlitePool,
    _checkpointer: Arc<Checkpointer>,
}

/// A thread that checkpoints the WAL every `CHECKPOINT_EVERY`. With SQLite's automatic
/// checkpoints the commit that crosses the threshold copies the WAL into the database and
/// fsyncs it before it returns: a stall of tens of milliseconds for one comment in a few
/// hundred. Passive checkpoints here run beside readers and writers. The thread ends when
/// the last `Db` clone is dropped (its channel closes).
struct Checkpointer {
    _stop: crossbeam_channel::Sender<()>,
}

impl Checkpointer {
    fn start(pool: SqlitePool) -> Result<Checkpointer> {
        let (tx, rx) = crossbeam_channel::bounded::<()>(0);
        std::thread::Builder::new()
            .name("db-checkpoint".into())
            .spawn(move || {
                while let Err(crossbeam_channel::RecvTimeoutError::Timeout) = rx.recv_timeout(CHECKPOINT_EVERY) {
                    let done = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
                        c.batch_execute("PRAGMA wal_checkpoint(PASSIVE);")
                            .map_err(|e| e.to_string())
                    });
                    if let Err(e) = done {
                        tracing::debug!("WAL checkpoint: {e}");
                    }
                }
            })
            .context("starting the checkpoint thread")?;
        Ok(Checkpointer { _stop: tx })
    }
}

impl Db {
    /// Opens (creating if needed) the database, switches it to WAL, backs it up if
    /// migrations are pending on an existing database, and migrates it.
    pub fn open(path: &Path) -> Result<Db> {
        let existed = path.exists() && std::fs::metadata(path).map(|m| m.len() > 0).unwrap_or(false);
        let url = path.to_str().context("database path is not valid UTF-8")?;
        let pool = Pool::builder()
            .max_size(8)
            .connection_timeout(Duration::from_secs(30))
            .connection_customizer(Box::new(Pragmas))
            .build(ConnectionManager::<SqliteConnection>::new(url))
            .with_context(|| format!("opening database {}", path.display()))?;
        let mut conn = pool.get().context("getting a database connection")?;
        // WAL is a property of the file: set once, it stays.
        conn.batch_execute("PRAGMA journal_mode = WAL;")
            .context("enabling WAL")?;
        let pending = conn
            .pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("listing migrations: {e}"))?;
        if existed && !pending.is_empty() {
            let backup = backup_path(path);
            // VACUUM INTO writes a consistent copy even with a WAL beside the file.
            let target = backup
                .to_str()
                .context("backup path is not valid UTF-8")?
                .replace('\'', "''");
            conn.batch_execute(&format!("VACUUM INTO '{target}';"))
                .with_context(|| format!("writing database backup {}", backup.display()))?;
            tracing::info!(backup = %backup.display(), pending = pending.len(), "database backed up before migrating");
        }
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
        drop(conn);
        let checkpointer = Checkpointer::start(pool.clone())?;
        Ok(Db {
            pool,
            _checkpointer: Arc::new(checkpointer),
        })
    }

    /// Runs blocking database work on the blocking thread pool.
    pub async fn run<F, R>(&self, f: F) -> AppResult<R>
    where
        F: FnOnce(&mut Conn) -> AppResult<R> + Send + 'static,
        R: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool
                .get()
                .map_err(|e| AppError::Unavailable(format!("database busy: {e}")))?;
            f(&mut conn)
        })
        .await
        .map_err(AppError::internal)?
    }

    /// Blocking access, for start-up, shutdown and threads that are not async workers.
    pub fn run_blocking<F, R>(&self, f: F) -> AppResult<R>
    where
        F: FnOnce(&mut Conn) -> AppResult<R>,
    {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| AppError::Unavailable(format!("database busy: {e}")))?;
        f(&mut conn)
    }

    /// Folds the WAL back into the main file; called on clean shutdown.
    pub fn checkpoint(&self) {
        if let Err(e) = self.run_blocking(|c| {
            c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")
                .map_err(AppError::from)
        }) {
            tracing::warn!("WAL checkpoint at shutdown failed: {e}");
        }
    }
}

/// For test harnesses: fresh databases on a database server.
pub mod testing {
    /// Creates the database `name` on the server of `url` and returns its URL.
    pub fn create_database(url: &str, name: &str) -> anyhow::Result<String> {
        anyhow::bail!("no PostgreSQL support yet: cannot create {name} on {url}")
    }
}

fn backup_path(db: &Path) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let name = db.file_name().and_then(|n| n.to_str()).unwrap_or("dailies.sqlite");
    db.with_file_name(format!("{name}.backup-{stamp}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::sql_types::{BigInt, Text};
    use diesel::{QueryableByName, RunQueryDsl};

    #[derive(QueryableByName)]
    struct Num {
        #[diesel(sql_type = BigInt)]
        v: i64,
    }
    #[derive(QueryableByName)]
    struct Str {
        #[diesel(sql_type = Text)]
        v: String,
    }

    #[derive(QueryableByName)]
    struct AutoCheckpoint {
        #[diesel(sql_type = BigInt)]
        wal_autocheckpoint: i64,
    }

    #[test]
    fn pragmas_are_set_on_every_connection() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.sqlite")).unwrap();
        // Hold several connections at once so more than one is checked.
        let mut conns: Vec<_> = (0..3).map(|_| db.pool.get().unwrap()).collect();
        for c in conns.iter_mut() {
            let q = |c: &mut Conn, col: &str, pragma: &str| -> i64 {
                diesel::sql_query(format!("SELECT {col} AS v FROM pragma_{pragma}"))
                    .get_result::<Num>(c)
                    .unwrap()
                    .v
            };
            assert_eq!(q(c, "timeout", "busy_timeout"), 10000);
            assert_eq!(q(c, "foreign_keys", "foreign_keys"), 1);
            assert_eq!(q(c, "synchronous", "synchronous"), 1, "NORMAL");
            // Not a table-valued pragma: asked directly.
            let auto = diesel::sql_query("PRAGMA wal_autocheckpoint")
                .get_result::<AutoCheckpoint>(c)
                .unwrap();
            assert_eq!(auto.wal_autocheckpoint, 10000);
            let jm = diesel::sql_query("SELECT journal_mode AS v FROM pragma_journal_mode")
                .get_result::<Str>(c)
                .unwrap();
            assert_eq!(jm.v, "wal");
        }
    }
}
