//! `dailies-server migrate-db`: copies an installation's SQLite database into an empty
//! PostgreSQL database, table by table in batches, then checks it by counts and a sample of
//! rows. Rows travel as JSON (SQLite's `json_object`, PostgreSQL's
//! `json_populate_recordset`), so the copy follows the schema without a type per table.

use super::{Conn, Db, Location, MigrateOptions};
use anyhow::{Context, Result};
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use serde_json::Value;

/// Every table, parents before children.
pub const TABLES: &[&str] = &[
    "users",
    "media",
    "comments",
    "jobs",
    "user_messages",
    "room_events",
    "organizer_kv",
    "user_quotas",
    "media_shares",
    "status_history",
    "playlists",
    "playlist_items",
    "playlist_shares",
    "guest_links",
    "guest_sessions",
    "webhook_endpoints",
    "webhook_deliveries",
    "notify_settings",
    "notify_prefs",
    "mail_outbox",
    "mail_digest_items",
    "unsubscribe_tokens",
    "subtitle_tracks",
    "user_preferences",
];

const BATCH: i64 = 500;
const SAMPLE: usize = 25;

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    #[diesel(column_name = type_)]
    type_: String,
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = BigInt)]
    rid: i64,
    #[diesel(sql_type = Text)]
    j: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// What one table's copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub table: &'static str,
    pub rows: i64,
    pub sampled: usize,
}

fn columns(c: &mut Conn, table: &str) -> Result<Vec<Column>> {
    let cols: Vec<Column> = diesel::sql_query(format!(
        "SELECT name, type AS type_ FROM pragma_table_info('{table}') ORDER BY cid"
    ))
    .load(c)?;
    anyhow::ensure!(!cols.is_empty(), "table {table} has no columns");
    Ok(cols)
}

/// SQLite's `json_object(…)` of a row; a BLOB goes as PostgreSQL's hex `bytea` text.
fn json_expr(cols: &[Column]) -> String {
    let parts: Vec<String> = cols
        .iter()
        .map(|c| {
            if c.type_.eq_ignore_ascii_case("BLOB") {
                format!("'{0}', '\\x' || lower(hex(\"{0}\"))", c.name)
            } else {
                format!("'{0}', \"{0}\"", c.name)
            }
        })
        .collect();
    format!("json_object({})", parts.join(", "))
}

fn count(c: &mut Conn, table: &str) -> Result<i64> {
    let n: Count = diesel::sql_query(format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}")).get_result(c)?;
    Ok(n.n)
}

/// Copies `from` (SQLite) into `to` (PostgreSQL, empty or new). Both are migrated to this
/// release's schema first (the SQLite file with its usual backup).
pub fn migrate(from: &Location, to: &Location, opts: &MigrateOptions) -> Result<Vec<Copied>> {
    anyhow::ensure!(
        matches!(from, Location::Sqlite(_)) && matches!(to, Location::Postgres(_)),
        "migrate-db copies from sqlite://… to postgres://…"
    );
    let src = Db::open_at(from, opts).with_context(|| format!("opening {}", from.display()))?;
    let dst = Db::open_at(to, opts).with_context(|| format!("opening {}", to.display()))?;
    let mut s = src.pool.get().context("connecting to the SQLite database")?;
    let mut d = dst.pool.get().context("connecting to PostgreSQL")?;
    for t in TABLES {
        anyhow::ensure!(
            count(&mut d, t)? == 0,
            "{} is not empty (table {t} has rows): migrate-db only fills a new database",
            to.display()
        );
    }
    let mut out = Vec::new();
    for &table in TABLES {
        let cols = columns(&mut s, table)?;
        let select = format!(
            "SELECT rowid AS rid, {} AS j FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
            json_expr(&cols)
        );
        let insert = format!("INSERT INTO {table} SELECT * FROM json_populate_recordset(NULL::{table}, $1::json)");
        let mut last = i64::MIN;
        let mut rows = 0i64;
        loop {
            let batch: Vec<JsonRow> = diesel::sql_query(&select)
                .bind::<BigInt, _>(last)
                .bind::<BigInt, _>(BATCH)
                .load(&mut s)?;
            let Some(tail) = batch.last() else { break };
            last = tail.rid;
            let array = format!("[{}]", batch.iter().map(|r| r.j.as_str()).collect::<Vec<_>>().join(","));
            diesel::sql_query(&insert)
                .bind::<Text, _>(&array)
                .execute(&mut d)
                .with_context(|| format!("copying rows of {table}"))?;
            rows += batch.len() as i64;
        }
        if cols
            .iter()
            .any(|c| c.name == "id" && c.type_.to_ascii_uppercase().contains("INT"))
        {
            d.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
            ))
            .with_context(|| format!("moving {table}'s id sequence past the copied rows"))?;
        }
        let sampled = check(&mut s, &mut d, table, &cols, rows)?;
        tracing::info!(table, rows, sampled, "copied");
        out.push(Copied { table, rows, sampled });
    }
    Ok(out)
}

/// Counts must match, and a sample of rows (spread over the table) must read back the same.
fn check(s: &mut Conn, d: &mut Conn, table: &str, cols: &[Column], rows: i64) -> Result<usize> {
    let there = count(d, table)?;
    anyhow::ensure!(
        there == rows,
        "{table}: {rows} rows copied but PostgreSQL holds {there}"
    );
    if rows == 0 {
        return Ok(0);
    }
    let step = (rows / SAMPLE as i64).max(1);
    let sample: Vec<JsonRow> = diesel::sql_query(format!(
        "SELECT rid, j FROM (SELECT rowid AS rid, {} AS j, ROW_NUMBER() OVER (ORDER BY rowid) - 1 AS k FROM {table}) WHERE k % ? = 0 LIMIT ?",
        json_expr(cols)
    ))
    .bind::<BigInt, _>(step)
    .bind::<BigInt, _>(SAMPLE as i64)
    .load(s)?;
    let key: Vec<&str> = primary_key(table);
    for r in &sample {
        let want: Value = serde_json::from_str(&r.j)?;
        let cond: Vec<String> = key
            .iter()
            .enumerate()
            .map(|(i, k)| format!("CAST(\"{k}\" AS TEXT) = ${}", i + 1))
            .collect();
        let mut q = diesel::sql_query(format!(
            "SELECT 0::BIGINT AS rid, CAST(row_to_json(t) AS TEXT) AS j FROM {table} t WHERE {}",
            cond.join(" AND ")
        ))
        .into_boxed::<diesel::pg::Pg>();
        for k in &key {
            q = q.bind::<Text, _>(scalar_text(&want[*k]));
        }
        let Conn::Pg(pg) = d else {
            anyhow::bail!("the destination is not PostgreSQL")
        };
        let got: Vec<JsonRow> = q.load(pg)?;
        let got = got
            .first()
            .with_context(|| format!("{table}: row {} missing after the copy", r.j))?;
        let got: Value = serde_json::from_str(&got.j)?;
        for c in cols {
            anyhow::ensure!(
                same(&want[&c.name], &got[&c.name]),
                "{table}.{}: {} in SQLite but {} in PostgreSQL",
                c.name,
                want[&c.name],
                got[&c.name]
            );
        }
    }
    Ok(sample.len())
}

fn primary_key(table: &str) -> Vec<&'static str> {
    match table {
        "room_events" => vec!["media_id", "seq"],
        "organizer_kv" => vec!["plugin", "key"],
        "user_quotas" | "notify_settings" | "user_preferences" => vec!["user_id"],
        "media_shares" => vec!["media_id", "user_id"],
        "playlist_items" => vec!["playlist_id", "position"],
        "playlist_shares" => vec!["playlist_id", "user_id"],
        "notify_prefs" => vec!["user_id", "kind"],
        "unsubscribe_tokens" => vec!["token_hash"],
        _ => vec!["id"],
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The same value as each database spells it: booleans 0/1 against true/false, timestamps
/// with a space or a `T` and trailing zeros, hex in either case.
fn same(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (a, b) {
        (Value::Number(n), Value::Bool(v)) => n.as_i64() == Some(*v as i64),
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => same_time(x, y) || x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

fn norm_time(s: &str) -> String {
    s.replace('T', " ")
}

/// Timestamps one microsecond apart at most (SQLite keeps what chrono gave, nanoseconds;
/// PostgreSQL keeps microseconds).
fn same_time(a: &str, b: &str) -> bool {
    let parse = |s: &str| chrono::NaiveDateTime::parse_from_str(&norm_time(s), "%Y-%m-%d %H:%M:%S%.f");
    match (parse(a), parse(b)) {
        (Ok(x), Ok(y)) => (x - y).num_microseconds().is_some_and(|d| d.abs() <= 1),
        _ => false,
    }
}
