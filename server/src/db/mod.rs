//! SQLite through diesel: the connection pool, per-connection pragmas, embedded migrations
//! (with a backup first), and `Db::run`, which keeps every query off the async workers.

pub mod comments;
mod conn;
pub mod models;
pub mod playlists;
pub mod prefs;
pub mod queries;
pub mod quotas;
pub mod schema;
pub mod sharing;
pub mod subtitles;
pub mod transfer;
pub mod users;
pub mod values;
pub mod versions;

use crate::error::{AppError, AppResult};
use anyhow::{Context, Result};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// SQLite's migrations and PostgreSQL's, kept in step: each change adds a directory of the
/// same name to both (`db::tests` and the suite's `db_backends` compare the schemas).
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations-pg");

pub use conn::{Conn, Kind, MultiBackend};
type DbPool = Pool<Manager>;

/// Where the database is: `database_url` resolved against the data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// `sqlite://PATH` (a relative path is taken from the data directory), `postgres://…`
    /// or `postgresql://…`; `None` is the data directory's `dailies.sqlite`.
    pub fn parse(url: Option<&str>, data_dir: &Path) -> Result<Location> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Location::Sqlite(data_dir.join("dailies.sqlite")));
        };
        if let Some(path) = url.strip_prefix("sqlite://") {
            anyhow::ensure!(!path.is_empty(), "database_url sqlite:// names no file");
            return Ok(Location::Sqlite(data_dir.join(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location::Postgres(url.to_string()));
        }
        anyhow::bail!("database_url must start with sqlite:// or postgres://")
    }

    pub fn from_config(c: &crate::config::Config) -> Result<Location> {
        Location::parse(c.database_url.as_deref(), &c.data_dir)
    }

    /// For messages: a PostgreSQL URL without its password.
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(p) => format!("sqlite://{}", p.display()),
            Location::Postgres(u) => redact(u),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((auth, host)) => match auth.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// A connection string with libpq's connect timeout set (10 s unless the URL says).
pub(crate) fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout=10")
}

/// Makes the pool's connections, to the one database `Location` names. (diesel's own
/// manager would try each backend in turn and report the last one's error.)
#[derive(Debug, Clone)]
pub struct Manager {
    location: Location,
}

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Conn, Self::Error> {
        match &self.location {
            Location::Sqlite(p) => SqliteConnection::establish(&p.to_string_lossy()).map(Conn::Sqlite),
            Location::Postgres(u) => PgConnection::establish(&with_connect_timeout(u)).map(Conn::Pg),
        }
        .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Applied to every connection the pool hands out. `batch_execute` runs all statements;
/// a single `sql_query` would silently run only the first.
#[derive(Debug)]
struct Settings;

/// `wal_autocheckpoint` is only a backstop (about 40 MiB of WAL): checkpoints are the
/// checkpointer thread's (see `Checkpointer`), so no commit waits for one.
const CONNECTION_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
     PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 10000;";

/// PostgreSQL's counterpart: no statement runs longer than 30 s, no lock is waited for
/// longer than SQLite's busy timeout, times are UTC.
const PG_SETTINGS: &str = "SET statement_timeout = '30s'; SET lock_timeout = '10s'; \
     SET idle_in_transaction_session_timeout = '60s'; SET TIME ZONE 'UTC';";

/// How often the checkpointer folds the WAL back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

impl CustomizeConnection<Conn, diesel::r2d2::Error> for Settings {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        let sql = match conn.kind() {
            Kind::Sqlite => CONNECTION_PRAGMAS,
            Kind::Postgres => PG_SETTINGS,
        };
        conn.batch_execute(sql).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Shared handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    kind: Kind,
    _checkpointer: Option<Arc<Checkpointer>>,
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
    fn start(pool: DbPool) -> Result<Checkpointer> {
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

/// What may happen before pending migrations run on an existing PostgreSQL database.
#[derive(Debug, Clone, Default)]
pub struct MigrateOptions {
    /// Migrate without a backup (`--yes`): the operator has one of their own.
    pub yes: bool,
    /// Where `pg_dump` writes its backup; `None`: no directory to write one to.
    pub backup_dir: Option<PathBuf>,
}

impl Db {
    /// Opens (creating if needed) the SQLite database at `path`, switches it to WAL, backs
    /// it up if migrations are pending on an existing database, and migrates it.
    pub fn open(path: &Path) -> Result<Db> {
        Db::open_at(&Location::Sqlite(path.to_path_buf()), &MigrateOptions::default())
    }

    /// Opens the database the configuration names (see `open_at`).
    pub fn open_config(c: &crate::config::Config) -> Result<Db> {
        let opts = MigrateOptions {
            yes: c.migrate_yes,
            backup_dir: Some(c.data_dir.join("backups")),
        };
        Db::open_at(&Location::from_config(c)?, &opts)
    }

    /// Opens the database at `location` and brings its schema up to date. SQLite: WAL, and
    /// a `VACUUM INTO` copy beside the file before migrating an existing database.
    /// PostgreSQL: before migrating a database that already holds a schema, a `pg_dump`
    /// into `backup_dir`; without `pg_dump` (or when it fails) it refuses unless `yes`.
    pub fn open_at(location: &Location, opts: &MigrateOptions) -> Result<Db> {
        let (kind, max, existed) = match location {
            Location::Sqlite(path) => (
                Kind::Sqlite,
                8,
                path.exists() && std::fs::metadata(path).map(|m| m.len() > 0).unwrap_or(false),
            ),
            Location::Postgres(_) => (Kind::Postgres, 16, false),
        };
        // PostgreSQL's connections are opened as they are needed and closed after a minute
        // unused: a quiet node does not hold sixteen of the database server's slots.
        let (min_idle, idle_timeout) = match kind {
            Kind::Sqlite => (None, Some(Duration::from_secs(600))),
            Kind::Postgres => (Some(0), Some(Duration::from_secs(60))),
        };
        // A request waits this long for a connection before it answers 503: SQLite's single
        // writer may hold others a while; a PostgreSQL that is down should be said so soon.
        let wait = match kind {
            Kind::Sqlite => Duration::from_secs(30),
            Kind::Postgres => Duration::from_secs(5),
        };
        let pool = Pool::builder()
            .max_size(max)
            .min_idle(min_idle)
            .idle_timeout(idle_timeout)
            .connection_timeout(wait)
            .connection_customizer(Box::new(Settings))
            .build(Manager {
                location: location.clone(),
            })
            .with_context(|| format!("opening database {}", location.display()))?;
        let mut conn = pool.get().context("getting a database connection")?;
        if kind == Kind::Sqlite {
            // WAL is a property of the file: set once, it stays.
            conn.batch_execute("PRAGMA journal_mode = WAL;")
                .context("enabling WAL")?;
        }
        let migrations = || match kind {
            Kind::Sqlite => MIGRATIONS,
            Kind::Postgres => PG_MIGRATIONS,
        };
        let pending = conn
            .pending_migrations(migrations())
            .map_err(|e| anyhow::anyhow!("listing migrations: {e}"))?;
        if !pending.is_empty() {
            match location {
                Location::Sqlite(path) if existed => {
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
                Location::Postgres(url) if pg_has_schema(&mut conn)? => {
                    pg_backup(url, pending.len(), opts)?;
                }
                _ => {}
            }
        }
        let done = conn
            .run_pending_migrations(migrations())
            .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
        if !done.is_empty() {
            tracing::info!(applied = done.len(), database = %location.display(), "database migrated");
        }
        drop(conn);
        let checkpointer = match kind {
            Kind::Sqlite => Some(Arc::new(Checkpointer::start(pool.clone())?)),
            Kind::Postgres => None,
        };
        Ok(Db {
            pool,
            kind,
            _checkpointer: checkpointer,
        })
    }

    pub fn kind(&self) -> Kind {
        self.kind
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
                .map_err(|e| AppError::Unavailable(format!("database unavailable or busy: {e}")))?;
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
        if self.kind != Kind::Sqlite {
            return;
        }
        if let Err(e) = self.run_blocking(|c| {
            c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")
                .map_err(AppError::from)
        }) {
            tracing::warn!("WAL checkpoint at shutdown failed: {e}");
        }
    }
}

/// Whether the database already holds Dailies' tables (a first start migrates without a
/// backup: there is nothing to lose).
fn pg_has_schema(conn: &mut Conn) -> Result<bool> {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::RunQueryDsl::get_result(
        diesel::sql_query(
            "SELECT COUNT(*)::BIGINT AS n FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'media'",
        ),
        conn,
    )
    .context("looking for an existing schema")?;
    Ok(n.n > 0)
}

/// `pg_dump --format=custom` of the database into `opts.backup_dir` before migrating.
fn pg_backup(url: &str, pending: usize, opts: &MigrateOptions) -> Result<()> {
    let refuse = |why: String| -> Result<()> {
        if opts.yes {
            tracing::warn!("migrating PostgreSQL without a backup (--yes): {why}");
            return Ok(());
        }
        anyhow::bail!(
            "{pending} database migration(s) pending and no backup could be made ({why}); \
             install pg_dump (package postgresql-client) or make a backup yourself and start \
             once with --yes (DAILIES_MIGRATE_YES=true)"
        )
    };
    let Some(dir) = &opts.backup_dir else {
        return refuse("no backup directory".into());
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        return refuse(format!("cannot create {}: {e}", dir.display()));
    }
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let file = dir.join(format!("dailies-{stamp}.pgdump"));
    let out = std::process::Command::new("pg_dump")
        .arg("--format=custom")
        .arg("--file")
        .arg(&file)
        .arg("--dbname")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .output();
    match out {
        Ok(o) if o.status.success() => {
            tracing::info!(backup = %file.display(), pending, "database backed up with pg_dump before migrating");
            Ok(())
        }
        Ok(o) => {
            let _ = std::fs::remove_file(&file);
            refuse(format!("pg_dump failed: {}", String::from_utf8_lossy(&o.stderr).trim()))
        }
        Err(e) => refuse(format!("pg_dump: {e}")),
    }
}

/// Raw SQL written with `?` placeholders, in the connection's own spelling (`$1`, `$2`…
/// on PostgreSQL). The text must hold no `?` other than placeholders.
pub fn placeholders(conn: &Conn, sql: &str) -> String {
    match conn.kind() {
        Kind::Sqlite => sql.to_string(),
        Kind::Postgres => {
            let mut out = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(ch);
                }
            }
            out
        }
    }
}

/// For test harnesses: fresh databases on a database server.
pub mod testing {
    /// Creates the database `name` on the server of `url` and returns its URL.
    pub fn create_database(url: &str, name: &str) -> anyhow::Result<String> {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        anyhow::ensure!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "database name {name:?}"
        );
        let mut c = diesel::PgConnection::establish(url)?;
        c.batch_execute(&format!("CREATE DATABASE {name}"))?;
        Ok(with_database(url, name))
    }

    /// `url` with its database name replaced by `name`.
    pub fn with_database(url: &str, name: &str) -> String {
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (url, None),
        };
        let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
        let host_end = base[scheme_end..]
            .find('/')
            .map(|i| i + scheme_end)
            .unwrap_or(base.len());
        let mut out = format!("{}/{name}", &base[..host_end]);
        if let Some(q) = query {
            out.push('?');
            out.push_str(q);
        }
        out
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
