//! `dailies-bench`: starts a real dailies-server (release build) on loopback and prints
//! figures: upload throughput and memory, processing overhead, room latency, idle sessions.

mod interchange;
mod laser;
mod media;
mod playlist;
mod rooms;
mod server;
mod soak;
mod storm;
mod webhooks;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Dailies benchmarks: each prints its figures")]
struct Cli {
    /// The server binary to measure
    #[arg(long, global = true, default_value = "target/release/dailies-server")]
    server: std::path::PathBuf,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Upload a large generated body over loopback: MB/s and server RSS growth
    Upload {
        #[arg(long, default_value_t = 2048)]
        mib: u64,
    },
    /// Upload-complete to ready for a file that needs a proxy, against bare ffmpeg
    Processing {
        /// A 1080p PQ HEVC source (tone mapped proxy and pictures) instead of MPEG-4
        #[arg(long)]
        hdr: bool,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// Tone mapping's cost per second of 1080p HDR: the proxy with it against without it
    Tonemap {
        #[arg(long, default_value_t = 10)]
        secs: u32,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Upload-complete to ready for a browser-ready H.264 file of about 100 MB
    ReadyFast {
        #[arg(long, default_value_t = 100)]
        mb: u64,
    },
    /// Upload-complete to playable for a 1080p clip, as is (H.264) or through a proxy (HEVC)
    Playable {
        #[arg(long)]
        hevc: bool,
        #[arg(long, default_value_t = 10)]
        secs: u32,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// Comment latency with many clients in one room
    Room {
        #[arg(long, default_value_t = 200)]
        clients: usize,
        #[arg(long, default_value_t = 10)]
        senders: usize,
        /// Comments per second, all senders together
        #[arg(long, default_value_t = 100.0)]
        rate: f64,
        #[arg(long, default_value_t = 10.0)]
        secs: f64,
    },
    /// Many rooms with comments and live drawing strokes
    Rooms {
        #[arg(long, default_value_t = 50)]
        rooms: usize,
        #[arg(long, default_value_t = 20)]
        clients: usize,
        #[arg(long, default_value_t = 10.0)]
        secs: f64,
    },
    /// Mixed traffic for a set time: errors, RSS every 10 s, latency percentiles
    Soak(soak::SoakArgs),
    /// Laser pointer fan-out: one presenter, every participant of the live session
    Laser {
        #[arg(long, default_value_t = 200)]
        participants: usize,
        /// Points per second from the presenter
        #[arg(long, default_value_t = 30.0)]
        rate: f64,
        #[arg(long, default_value_t = 10.0)]
        secs: f64,
        /// `stroke`: live strokes the same way (for servers without the laser)
        #[arg(long, value_enum, default_value_t = laser::Kind::Laser)]
        kind: laser::Kind,
    },
    /// Many distinct users join rooms within seconds: what is pushed, memory per session,
    /// drops, then comment fan-out and a late join
    Storm(storm::StormArgs),
    /// Comment ack latency with 3 webhook endpoints (one hangs) against none
    Webhooks {
        #[arg(long, default_value_t = 2000)]
        comments: usize,
        /// The server's per-attempt timeout (`[notify] timeout`), seconds
        #[arg(long, default_value_t = 10.0)]
        timeout: f64,
    },
    /// A live session over a playlist: leader's "next" to every follower in the next item
    Playlist {
        #[arg(long, default_value_t = 20)]
        followers: usize,
        #[arg(long, default_value_t = 20)]
        moves: usize,
    },
    /// Export of one media's comments in each format (CSV, EDL, FCPXML, FCP 7 XML, Avid):
    /// p50 of N rounds
    Exports {
        #[arg(long, default_value_t = 2000)]
        comments: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// The PDF review report of a media whose notes all carry drawings (p50 of N rounds),
    /// then the exports of `--export-comments` notes in each format
    Report {
        #[arg(long, default_value_t = 200)]
        comments: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        #[arg(long, default_value_t = 2000)]
        export_comments: usize,
    },
    /// Server memory per idle websocket session
    Idle {
        #[arg(long, default_value_t = 5000)]
        sessions: usize,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    server::raise_fd_limit();
    let bin = cli
        .server
        .canonicalize()
        .map_err(|e| anyhow::anyhow!("{}: {e} (cargo build --release first)", cli.server.display()))?;
    actix_rt::System::new().block_on(async move {
        match cli.cmd {
            Cmd::Upload { mib } => media::upload(&bin, mib).await,
            Cmd::Processing { hdr, rounds } => media::processing(&bin, hdr, rounds).await,
            Cmd::Tonemap { secs, rounds } => media::tonemap(secs, rounds),
            Cmd::ReadyFast { mb } => media::ready_fast(&bin, mb).await,
            Cmd::Playable { hevc, secs, rounds } => media::playable(&bin, hevc, secs, rounds).await,
            Cmd::Room {
                clients,
                senders,
                rate,
                secs,
            } => rooms::one_room(&bin, clients, senders, rate, secs).await,
            Cmd::Rooms { rooms, clients, secs } => rooms::many_rooms(&bin, rooms, clients, secs).await,
            Cmd::Playlist { followers, moves } => playlist::playlist(&bin, followers, moves).await,
            Cmd::Idle { sessions } => rooms::idle(&bin, sessions).await,
            Cmd::Exports { comments, rounds } => interchange::exports(&bin, comments, rounds).await,
            Cmd::Report {
                comments,
                rounds,
                export_comments,
            } => interchange::report(&bin, comments, rounds, export_comments).await,
            Cmd::Laser {
                participants,
                rate,
                secs,
                kind,
            } => laser::laser(&bin, participants, rate, secs, kind).await,
            Cmd::Soak(args) => soak::soak(&bin, args).await,
            Cmd::Storm(args) => storm::storm(&bin, args).await,
            Cmd::Webhooks { comments, timeout } => webhooks::webhooks(&bin, comments, timeout).await,
        }
    })
}
