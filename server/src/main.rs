//! The dailies-server binary: parse the configuration, start logging, run until a signal.

use anyhow::{Context, Result};
use clap::Parser;
use dailies_server::config::{Cli, Config};

fn main() -> Result<()> {
    let config = Config::from_cli(Cli::parse())?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&config.log).context("invalid --log filter")?)
        .with_writer(std::io::stderr)
        .init();
    actix_web::rt::System::new().block_on(run(config))
}

async fn run(config: Config) -> Result<()> {
    let listener =
        std::net::TcpListener::bind(&config.listen).with_context(|| format!("cannot listen on {}", config.listen))?;
    if config.demo {
        tracing::warn!("demo mode: every visitor is the admin user \"demo\"; do not expose this server");
    }
    let mut server = dailies_server::start(config, listener).await?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT received"),
        _ = term.recv() => tracing::info!("SIGTERM received"),
        r = server.wait() => return r,
    }
    server.stop().await
}
