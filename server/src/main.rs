//! The dailies-server binary: parse the configuration, start logging, run until a signal.

use anyhow::{Context, Result};
use clap::Parser;
use dailies_server::config::{Cli, Command, Config};

fn main() -> Result<()> {
    limit_malloc_arenas();
    let mut cli = Cli::parse();
    let command = cli.command.take();
    let config = Config::from_cli(cli)?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&config.log).context("invalid --log filter")?)
        .with_writer(std::io::stderr)
        .init();
    match command {
        Some(Command::MigrateDb { from, to }) => migrate_db(&config, from.as_deref(), &to),
        Some(Command::MigrateStorage { to }) => dailies_server::store::migrate::run(&config, &to),
        Some(Command::Worker) => actix_web::rt::System::new().block_on(dailies_server::run_worker(config)),
        None => actix_web::rt::System::new().block_on(run(config)),
    }
}

/// `dailies-server migrate-db`: prints each table's count as it is copied and checked.
fn migrate_db(config: &Config, from: Option<&str>, to: &str) -> Result<()> {
    use dailies_server::db::{transfer, Location, MigrateOptions};
    let from = Location::parse(from, &config.data_dir)?;
    let to = Location::parse(Some(to), &config.data_dir)?;
    let opts = MigrateOptions {
        yes: config.migrate_yes,
        backup_dir: Some(config.data_dir.join("backups")),
    };
    let copied = transfer::migrate(&from, &to, &opts)?;
    let total: i64 = copied.iter().map(|c| c.rows).sum();
    for c in &copied {
        println!(
            "{:<20} {:>9} rows  {:>3} sampled rows read back the same",
            c.table, c.rows, c.sampled
        );
    }
    println!(
        "copied {total} rows of {} tables from {} to {}; set database_url to the new database",
        copied.len(),
        from.display(),
        to.display()
    );
    Ok(())
}

async fn run(config: Config) -> Result<()> {
    let listener =
        std::net::TcpListener::bind(&config.listen).with_context(|| format!("cannot listen on {}", config.listen))?;
    if config.demo {
        tracing::warn!("demo mode: every visitor is the admin user \"demo\"; do not expose this server");
    }
    // The handlers are installed before the server answers its first request, so a SIGTERM
    // sent as soon as /api/health answers already stops the server gracefully.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut server = dailies_server::start(config, listener).await?;
    tokio::select! {
        _ = int.recv() => tracing::info!("SIGINT received"),
        _ = term.recv() => tracing::info!("SIGTERM received"),
        r = server.wait() => return r,
    }
    server.stop().await
}

/// glibc gives threads up to 8 malloc arenas per core, and memory freed in one arena is
/// not reused by another: with ~36 threads (actix workers, the database pool, blocking
/// pools) RSS crept up by half over a 30-minute soak while the live heap stayed near
/// 6 MiB. Two arenas keep it level with the same latencies (docs/benchmarks.md, Soak).
/// `MALLOC_ARENA_MAX` in the environment still wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; called before any thread starts.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
