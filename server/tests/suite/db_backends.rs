//! PostgreSQL beside SQLite (issue 20): both migration sets give the same schema, and
//! `dailies-server migrate-db` moves an installation's SQLite database into PostgreSQL with
//! every row, after which the server runs on it. These need a PostgreSQL server: they run in
//! the suite's PostgreSQL pass (`scripts/test.sh`, `DAILIES_TEST_DATABASE_URL`).

use crate::comment_ids::joined;
use crate::common::{backends, TestServer};
use crate::organizer_support::answer;
use dailies_server::db::{transfer, Db, Location, MigrateOptions};
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use serde_json::json;

fn postgres_or_say() -> Option<String> {
    let url = backends::postgres();
    if url.is_none() {
        println!("needs DAILIES_TEST_DATABASE_URL (the suite's PostgreSQL pass runs it)");
    }
    url
}

#[derive(QueryableByName, Debug)]
struct SqliteCol {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    ty: String,
    #[diesel(sql_type = BigInt)]
    nn: i64,
    #[diesel(sql_type = BigInt)]
    pk: i64,
}

#[derive(QueryableByName, Debug)]
struct PgCol {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    ty: String,
    #[diesel(sql_type = Text)]
    nullable: String,
}

#[derive(QueryableByName, Debug)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The PostgreSQL types an SQLite declaration may become.
fn pg_types_for(sqlite: &str, pk: bool) -> &'static [&'static str] {
    match sqlite.to_ascii_uppercase().as_str() {
        "TEXT" => &["text"],
        "INTEGER" if pk => &["bigint"],
        "INTEGER" => &["integer", "bigint"],
        "BIGINT" => &["bigint"],
        "DOUBLE" => &["double precision"],
        "BOOLEAN" => &["boolean"],
        "TIMESTAMP" => &["timestamp without time zone"],
        "BLOB" => &["bytea"],
        _ => &[],
    }
}

#[test]
fn both_migration_sets_give_the_same_schema() {
    let Some(server) = postgres_or_say() else { return };
    let dir = tempfile::tempdir().unwrap();
    let lite = Db::open(&dir.path().join("s.sqlite")).unwrap();
    let pg_url = backends::fresh_database(&server);
    let pg = Db::open_at(&Location::Postgres(pg_url), &MigrateOptions::default()).unwrap();

    let mut lite_tables: Vec<String> = lite
        .run_blocking(|c| {
            Ok(diesel::sql_query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name <> '__diesel_schema_migrations' ORDER BY name",
            )
            .load::<Name>(c)?)
        })
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    let mut pg_tables: Vec<String> = pg
        .run_blocking(|c| {
            Ok(diesel::sql_query(
                "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations' \
                 ORDER BY table_name",
            )
            .load::<Name>(c)?)
        })
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    lite_tables.sort();
    pg_tables.sort();
    assert_eq!(lite_tables, pg_tables, "the same tables");
    let mut listed: Vec<String> = transfer::TABLES.iter().map(|t| t.to_string()).collect();
    listed.sort();
    assert_eq!(listed, lite_tables, "migrate-db copies every table");

    for table in &lite_tables {
        let t = table.clone();
        let lc: Vec<SqliteCol> = lite
            .run_blocking(move |c| {
                Ok(diesel::sql_query(format!(
                    "SELECT name, type AS ty, \"notnull\" AS nn, pk FROM pragma_table_info('{t}') ORDER BY cid"
                ))
                .load(c)?)
            })
            .unwrap();
        let t = table.clone();
        let pc: Vec<PgCol> = pg
            .run_blocking(move |c| {
                Ok(diesel::sql_query(
                    "SELECT CAST(column_name AS TEXT) AS name, CAST(data_type AS TEXT) AS ty, \
                     CAST(is_nullable AS TEXT) AS nullable FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                )
                .bind::<Text, _>(t)
                .load(c)?)
            })
            .unwrap();
        let ln: Vec<&str> = lc.iter().map(|c| c.name.as_str()).collect();
        let pn: Vec<&str> = pc.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(ln, pn, "{table}: the same columns in the same order");
        for (l, p) in lc.iter().zip(&pc) {
            let allowed = pg_types_for(&l.ty, l.pk > 0 && l.name == "id");
            assert!(
                allowed.contains(&p.ty.as_str()),
                "{table}.{}: {} in SQLite, {} in PostgreSQL",
                l.name,
                l.ty,
                p.ty
            );
            assert_eq!(
                l.nn != 0 || l.pk > 0,
                p.nullable == "NO",
                "{table}.{}: NOT NULL differs",
                l.name
            );
        }
    }
}

#[actix_rt::test]
async fn migrate_db_moves_an_installation_to_postgres_with_every_row() {
    let Some(server) = postgres_or_say() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_path_buf();
    let mut s = TestServer::start_in(dir, |c| c.database_url = None).await;
    let media = s.commentable_media("alice").await;
    let mut ws = joined(&s, "alice", &media).await;
    for i in 0..3 {
        ws.send(
            json!({"type": "add_comment", "media_id": media, "text": format!("note {i}"), "frame": i,
                       "end_frame": null, "parent_id": null, "drawing": null, "client_ref": format!("r{i}")}),
        )
        .await;
        answer(&mut ws, "add_comment", "room_event").await;
    }
    drop(ws);
    let (_, before) = s
        .get(&format!("/api/media/{media}/stack/comments"), Some("alice"))
        .await;
    let dir = s.dir.path().to_path_buf();
    s.stop().await;

    let target = backends::fresh_database(&server);
    let migrate_db = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_dailies-server"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .arg("--data-dir")
            .arg(&data)
            .arg("migrate-db")
            .arg("--to")
            .arg(&target)
            .output()
            .unwrap()
    };
    let out = migrate_db();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let line = |t: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(t))
            .unwrap_or_else(|| panic!("no line for {t}: {text}"))
            .to_string()
    };
    assert!(line("comments").contains(" 3 rows"), "{text}");
    assert!(line("media").contains(" 1 rows"), "{text}");
    assert!(text.contains("copied "), "{text}");

    // A second run refuses: the target is no longer empty.
    let again = migrate_db();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    // The server on PostgreSQL shows the same notes and takes new ones (ids go on past the
    // copied ones).
    let keep = tempfile::tempdir().unwrap();
    let s = TestServer::start_in(keep, |c| {
        c.data_dir = dir.clone();
        c.database_url = Some(target.clone());
    })
    .await;
    let (code, after) = s
        .get(&format!("/api/media/{media}/stack/comments"), Some("alice"))
        .await;
    assert_eq!(code, 200);
    assert_eq!(after, before, "the same comments");
    let mut ws = joined(&s, "alice", &media).await;
    ws.send(
        json!({"type": "add_comment", "media_id": media, "text": "after", "frame": 9,
                   "end_frame": null, "parent_id": null, "drawing": null, "client_ref": "r9"}),
    )
    .await;
    let ev = answer(&mut ws, "add_comment", "room_event").await;
    let max_before = before
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["id"].as_i64()).max().unwrap_or(0))
        .unwrap_or(0);
    assert!(ev["event"]["comment"]["id"].as_i64().unwrap() > max_before, "{ev}");
}
