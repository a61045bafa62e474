//! One `Config` value for the whole server, built once at start-up:
//! built-in defaults < TOML file < `DAILIES_*` environment < command-line flags.

pub mod notify;

use anyhow::{Context, Result};
use clap::Parser;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the packaged configuration lives; read when present and no `--config` is given.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/dailies/server.toml";

/// The encoder of browser proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoder {
    /// libx264 on the CPU.
    Software,
    /// VA-API (Intel, AMD) through `transcode.vaapi_device`.
    Vaapi,
    /// NVIDIA NVENC.
    Nvenc,
    /// Intel Quick Sync.
    Qsv,
}

impl Encoder {
    pub fn parse(s: &str) -> Option<Encoder> {
        Some(match s {
            "software" | "libx264" => Encoder::Software,
            "vaapi" => Encoder::Vaapi,
            "nvenc" => Encoder::Nvenc,
            "qsv" => Encoder::Qsv,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Encoder::Software => "software",
            Encoder::Vaapi => "vaapi",
            Encoder::Nvenc => "nvenc",
            Encoder::Qsv => "qsv",
        }
    }
}

/// How browser proxies are made (`[transcode]` in the file, `--transcode-*` flags).
#[derive(Debug, Clone, PartialEq)]
pub struct Transcode {
    /// Proxies are never taller than this; smaller sources keep their size.
    pub max_height: u32,
    /// Constant quality (x264 CRF; the quality parameter of hardware encoders).
    pub crf: u32,
    /// Peak video bitrate, kbit/s.
    pub max_bitrate_kbps: u32,
    /// x264 preset.
    pub preset: String,
    /// Seconds between keyframes: a seek or a step back decodes at most this much.
    pub keyframe_interval: f64,
    pub audio_bitrate_kbps: u32,
    pub encoder: Encoder,
    pub vaapi_device: PathBuf,
    /// An executable told each video's probe as JSON on stdin; it answers how to make its
    /// playback file (see the sysadmin guide).
    pub hook: Option<PathBuf>,
    /// Frame rate of an image sequence whose frames do not say theirs.
    pub sequence_fps: dailies_protocol::Rational,
    /// A browser-ready original whose keyframes are further apart than this (seconds) gets
    /// a scrub proxy with `keyframe_interval` beside it, made once it plays; 0: never.
    pub scrub_proxy_above: f64,
    /// An HDR source also gets a 10-bit VP9 (profile 2) proxy in its own transfer, which the
    /// client plays on an HDR display.
    pub hdr_proxy: bool,
}

impl Default for Transcode {
    fn default() -> Self {
        Transcode {
            max_height: 1080,
            crf: 20,
            max_bitrate_kbps: 8000,
            preset: "veryfast".into(),
            keyframe_interval: 0.5,
            audio_bitrate_kbps: 192,
            encoder: Encoder::Software,
            vaapi_device: PathBuf::from("/dev/dri/renderD128"),
            hook: None,
            sequence_fps: dailies_protocol::Rational { num: 24, den: 1 },
            scrub_proxy_above: 0.75,
            hdr_proxy: false,
        }
    }
}

/// The `[transcode]` table of the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscodeFile {
    pub max_height: Option<u32>,
    pub crf: Option<u32>,
    pub max_bitrate_kbps: Option<u32>,
    pub preset: Option<String>,
    pub keyframe_interval: Option<f64>,
    pub audio_bitrate_kbps: Option<u32>,
    pub encoder: Option<String>,
    pub vaapi_device: Option<PathBuf>,
    pub hook: Option<PathBuf>,
    pub sequence_fps: Option<String>,
    pub scrub_proxy_above: Option<f64>,
    pub hdr_proxy: Option<bool>,
}

/// Settings the server runs with. Every field has a default; see `dailies-server --help`.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub demo: bool,
    pub user_id_header: String,
    pub user_name_header: String,
    pub admin_users: Vec<String>,
    pub admin_header: Option<String>,
    pub ws_max_frame: usize,
    pub heartbeat_interval: Duration,
    pub client_timeout: Duration,
    pub max_upload_size: u64,
    pub transcode_workers: usize,
    /// This process's name in the jobs it leases (unique per server node or worker; a
    /// restarted process takes back the jobs its earlier run left under the same name).
    pub node_name: String,
    /// How long a running job's lease lasts without renewal: a job whose process was killed
    /// is taken by another after at most this long.
    pub job_lease: Duration,
    pub web_root: Option<PathBuf>,
    pub log: String,
    pub upload_expiry: Duration,
    pub upload_body_timeout: Duration,
    pub watch_settle: Duration,
    pub organizer_cmd: Option<String>,
    pub organizer_url: Option<String>,
    pub organizer_timeout: Duration,
    pub disk_reserve: u64,
    /// `sqlite://PATH` or `postgres://…`; `None`: the SQLite file in the data directory.
    pub database_url: Option<String>,
    /// Apply pending PostgreSQL migrations even when no `pg_dump` backup could be made.
    pub migrate_yes: bool,
    /// `file://DIR` or `s3://BUCKET[/PREFIX]?endpoint=URL&region=NAME&path_style=true`;
    /// `None`: the data directory's `media/`.
    pub storage_url: Option<String>,
    /// Object store credentials when `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` are not set.
    pub storage_access_key_id: Option<String>,
    pub storage_secret_access_key: Option<String>,
    /// `/files/…` answers an object-store file with a redirect to a presigned URL (valid
    /// this long) instead of streaming it through the server.
    pub storage_redirect: bool,
    pub storage_presign_ttl: Duration,
    pub quota_stored_bytes: u64,
    pub quota_upload_bytes: u64,
    pub quota_uploads: u64,
    pub comment_bytes_per_day: u64,
    pub default_link_access: dailies_protocol::LinkAccess,
    pub max_sockets_per_user: usize,
    pub presence_list_max: usize,
    pub presence_interval: Duration,
    pub transcode: Transcode,
    pub notify: notify::Notify,
    /// Without it no mail is sent (and none is queued).
    pub smtp: Option<notify::Smtp>,
    pub webhooks: Vec<notify::Webhook>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8095".into(),
            data_dir: PathBuf::from("/var/lib/dailies"),
            demo: false,
            user_id_header: "X-Remote-User-Id".into(),
            user_name_header: "X-Remote-User-Name".into(),
            admin_users: Vec::new(),
            admin_header: None,
            ws_max_frame: 256 * 1024,
            heartbeat_interval: Duration::from_secs(5),
            client_timeout: Duration::from_secs(30),
            max_upload_size: 64 * 1024 * 1024 * 1024,
            transcode_workers: 1,
            node_name: default_node_name(),
            job_lease: Duration::from_secs(30),
            web_root: None,
            log: "info".into(),
            upload_expiry: Duration::from_secs(24 * 3600),
            // As nginx's client_body_timeout: long enough for a congested link, short
            // enough that a vanished client does not keep its upload open.
            upload_body_timeout: Duration::from_secs(60),
            watch_settle: Duration::from_secs(5),
            organizer_cmd: None,
            organizer_url: None,
            organizer_timeout: Duration::from_secs(2),
            // Room for the database to commit and the logs to be written when uploads
            // have taken everything else.
            disk_reserve: 256 * 1024 * 1024,
            database_url: None,
            migrate_yes: false,
            storage_url: None,
            storage_access_key_id: None,
            storage_secret_access_key: None,
            storage_redirect: false,
            storage_presign_ttl: Duration::from_secs(300),
            quota_stored_bytes: 0,
            quota_upload_bytes: 0,
            quota_uploads: 20,
            // Thousands of ordinary notes a day; a script filling the database is stopped
            // within the first minute.
            comment_bytes_per_day: 64 * 1024 * 1024,
            // Anyone signed in who has a media's link may open and comment (Clapshot's
            // behaviour); strict sites set "off".
            default_link_access: dailies_protocol::LinkAccess::Comment,
            // A person with a few tabs and devices; a script opening thousands is stopped.
            max_sockets_per_user: 20,
            // Enough to see everyone in an ordinary review; a screening shows a count.
            presence_list_max: 100,
            // Joins and leaves within this time reach each member as one message.
            presence_interval: Duration::from_millis(250),
            transcode: Transcode::default(),
            notify: notify::Notify::default(),
            smtp: None,
            webhooks: Vec::new(),
        }
    }
}

/// Command line; every option can also come from `DAILIES_<NAME>` in the environment.
#[derive(Debug, Default, Parser)]
#[command(
    name = "dailies-server",
    version,
    about = "Dailies: self-hosted collaborative video review server"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// TOML configuration file [default: /etc/dailies/server.toml when it exists]
    #[arg(long, env = "DAILIES_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on. Keep it on loopback behind the reverse proxy:
    /// the server trusts the identity headers it receives [default: 127.0.0.1:8095]
    #[arg(long, env = "DAILIES_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<String>,
    /// Data directory: database, media, incoming folder [default: /var/lib/dailies]
    #[arg(long, env = "DAILIES_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Single-user demo mode: no identity headers needed, everyone is the admin "demo" user
    #[arg(long, env = "DAILIES_DEMO", num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub demo: Option<bool>,
    /// Request header carrying the authenticated user id [default: X-Remote-User-Id]
    #[arg(long, env = "DAILIES_USER_ID_HEADER", value_name = "NAME")]
    pub user_id_header: Option<String>,
    /// Request header carrying the user's display name [default: X-Remote-User-Name]
    #[arg(long, env = "DAILIES_USER_NAME_HEADER", value_name = "NAME")]
    pub user_name_header: Option<String>,
    /// User ids that are administrators (repeat, or comma-separate)
    #[arg(
        long = "admin-user",
        env = "DAILIES_ADMIN_USERS",
        value_delimiter = ',',
        value_name = "ID"
    )]
    pub admin_users: Option<Vec<String>>,
    /// Request header that marks the user as admin when its value is "true" or "1"
    #[arg(long, env = "DAILIES_ADMIN_HEADER", value_name = "NAME")]
    pub admin_header: Option<String>,
    /// Largest websocket message accepted, in bytes [default: 262144]
    #[arg(long, env = "DAILIES_WS_MAX_FRAME", value_name = "BYTES")]
    pub ws_max_frame: Option<usize>,
    /// Seconds between websocket pings [default: 5]
    #[arg(long, env = "DAILIES_HEARTBEAT_INTERVAL", value_name = "SECS")]
    pub heartbeat_interval: Option<f64>,
    /// Seconds of silence after which a websocket client is dropped [default: 30]
    #[arg(long, env = "DAILIES_CLIENT_TIMEOUT", value_name = "SECS")]
    pub client_timeout: Option<f64>,
    /// Largest upload accepted, in bytes [default: 68719476736 (64 GiB)]
    #[arg(long, env = "DAILIES_MAX_UPLOAD_SIZE", value_name = "BYTES")]
    pub max_upload_size: Option<u64>,
    /// How many ffmpeg jobs run at once; 0: this node runs none, workers do [default: 1]
    #[arg(long, env = "DAILIES_TRANSCODE_WORKERS", value_name = "N")]
    pub transcode_workers: Option<usize>,
    /// This process's name in job leases, unique per node or worker [default: the host name]
    #[arg(long, env = "DAILIES_NODE_NAME", value_name = "NAME")]
    pub node_name: Option<String>,
    /// Seconds a running job's lease lasts without renewal [default: 30]
    #[arg(long, env = "DAILIES_JOB_LEASE", value_name = "SECS")]
    pub job_lease: Option<f64>,
    /// Directory of the built web client to serve at / [default: none]
    #[arg(long, env = "DAILIES_WEB_ROOT", value_name = "DIR")]
    pub web_root: Option<PathBuf>,
    /// Log filter, e.g. "info" or "dailies_server=debug" [default: info]
    #[arg(long, env = "DAILIES_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    /// Seconds after which an unfinished resumable (tus) upload is deleted [default: 86400]
    #[arg(long, env = "DAILIES_UPLOAD_EXPIRY", value_name = "SECS")]
    pub upload_expiry: Option<f64>,
    /// Seconds an upload body may go without a byte before it is given up (408); a
    /// resumable upload keeps what arrived [default: 60]
    #[arg(long, env = "DAILIES_UPLOAD_BODY_TIMEOUT", value_name = "SECS")]
    pub upload_body_timeout: Option<f64>,
    /// Seconds a file in the watch folder must stay unchanged before it is ingested [default: 5]
    #[arg(long, env = "DAILIES_WATCH_SETTLE", value_name = "SECS")]
    pub watch_settle: Option<f64>,
    /// Organizer plugin to start and supervise: a program and its arguments, split on
    /// whitespace [default: none]
    #[arg(long, env = "DAILIES_ORGANIZER_CMD", value_name = "COMMAND")]
    pub organizer_cmd: Option<String>,
    /// Organizer plugin already running, at unix:/path.sock or http://127.0.0.1:PORT
    /// [default: none]
    #[arg(long, env = "DAILIES_ORGANIZER_URL", value_name = "URL")]
    pub organizer_url: Option<String>,
    /// Seconds the server waits for any organizer plugin call before using its built-in
    /// behaviour [default: 2]
    #[arg(long, env = "DAILIES_ORGANIZER_TIMEOUT", value_name = "SECS")]
    pub organizer_timeout: Option<f64>,
    /// Bytes the data filesystem always keeps free: uploads stop before they would touch
    /// them, so the database can still commit [default: 268435456 (256 MiB)]
    #[arg(long, env = "DAILIES_DISK_RESERVE", value_name = "BYTES")]
    pub disk_reserve: Option<u64>,
    /// Database: sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/NAME
    /// [default: sqlite://DATA_DIR/dailies.sqlite]
    #[arg(long, env = "DAILIES_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Apply pending PostgreSQL migrations even when pg_dump could not back the database up
    /// first (you have a backup of your own) [default: false]
    #[arg(long = "yes", env = "DAILIES_MIGRATE_YES", num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub migrate_yes: Option<bool>,
    /// Where media files are kept: file://DIR or
    /// s3://BUCKET[/PREFIX]?endpoint=URL&region=NAME&path_style=true [default: file://DATA_DIR/media]
    #[arg(long, env = "DAILIES_STORAGE_URL", value_name = "URL")]
    pub storage_url: Option<String>,
    /// Object store access key, when AWS_ACCESS_KEY_ID is not set
    #[arg(long, env = "DAILIES_STORAGE_ACCESS_KEY_ID", value_name = "KEY")]
    pub storage_access_key_id: Option<String>,
    /// Object store secret key, when AWS_SECRET_ACCESS_KEY is not set
    #[arg(long, env = "DAILIES_STORAGE_SECRET_ACCESS_KEY", value_name = "SECRET")]
    pub storage_secret_access_key: Option<String>,
    /// Answer /files/… for objects in the store with a redirect to a short-lived presigned URL
    /// instead of streaming them [default: false]
    #[arg(long, env = "DAILIES_STORAGE_REDIRECT", num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub storage_redirect: Option<bool>,
    /// Seconds a presigned object-store URL stays valid [default: 300]
    #[arg(long, env = "DAILIES_STORAGE_PRESIGN_TTL", value_name = "SECS")]
    pub storage_presign_ttl: Option<f64>,
    /// Bytes of originals one user may keep; 0 for no limit [default: 0]
    #[arg(long, env = "DAILIES_QUOTA_STORED_BYTES", value_name = "BYTES")]
    pub quota_stored_bytes: Option<u64>,
    /// Declared bytes of one user's unfinished uploads together; 0 for no limit [default: 0]
    #[arg(long, env = "DAILIES_QUOTA_UPLOAD_BYTES", value_name = "BYTES")]
    pub quota_upload_bytes: Option<u64>,
    /// Unfinished uploads one user may have at once; 0 for no limit [default: 20]
    #[arg(long, env = "DAILIES_QUOTA_UPLOADS", value_name = "N")]
    pub quota_uploads: Option<u64>,
    /// Bytes of comment text and drawings one user may send in a day; 0 for no limit
    /// [default: 67108864 (64 MiB)]
    #[arg(long, env = "DAILIES_COMMENT_BYTES_PER_DAY", value_name = "BYTES")]
    pub comment_bytes_per_day: Option<u64>,
    /// Who else, signed in, may open new media from its link: off, view or comment
    /// [default: comment]
    #[arg(long, env = "DAILIES_DEFAULT_LINK_ACCESS", value_name = "off|view|comment")]
    pub default_link_access: Option<String>,
    /// Websockets one user (or one guest) may hold open at once; 0 for no limit [default: 20]
    #[arg(long, env = "DAILIES_MAX_SOCKETS_PER_USER", value_name = "N")]
    pub max_sockets_per_user: Option<usize>,
    /// Members a room lists by name; a larger room lists this many and counts the rest
    /// [default: 100]
    #[arg(long, env = "DAILIES_PRESENCE_LIST_MAX", value_name = "N")]
    pub presence_list_max: Option<usize>,
    /// Seconds over which joins and leaves are gathered into one presence message for each
    /// member [default: 0.25]
    #[arg(long, env = "DAILIES_PRESENCE_INTERVAL", value_name = "SECS")]
    pub presence_interval: Option<f64>,
    /// Largest proxy height in pixels [default: 1080]
    #[arg(long, env = "DAILIES_TRANSCODE_MAX_HEIGHT", value_name = "PIXELS")]
    pub transcode_max_height: Option<u32>,
    /// Proxy quality: x264 CRF, or the hardware encoder's quality parameter [default: 20]
    #[arg(long, env = "DAILIES_TRANSCODE_CRF", value_name = "N")]
    pub transcode_crf: Option<u32>,
    /// Proxy peak video bitrate in kbit/s [default: 8000]
    #[arg(long, env = "DAILIES_TRANSCODE_MAX_BITRATE_KBPS", value_name = "KBPS")]
    pub transcode_max_bitrate_kbps: Option<u32>,
    /// x264 preset of proxies [default: veryfast]
    #[arg(long, env = "DAILIES_TRANSCODE_PRESET", value_name = "NAME")]
    pub transcode_preset: Option<String>,
    /// Seconds between proxy keyframes [default: 0.5]
    #[arg(long, env = "DAILIES_TRANSCODE_KEYFRAME_INTERVAL", value_name = "SECS")]
    pub transcode_keyframe_interval: Option<f64>,
    /// Proxy audio bitrate in kbit/s [default: 192]
    #[arg(long, env = "DAILIES_TRANSCODE_AUDIO_BITRATE_KBPS", value_name = "KBPS")]
    pub transcode_audio_bitrate_kbps: Option<u32>,
    /// Proxy encoder: software, vaapi, nvenc or qsv (falls back to software when it fails)
    /// [default: software]
    #[arg(long, env = "DAILIES_TRANSCODE_ENCODER", value_name = "NAME")]
    pub transcode_encoder: Option<String>,
    /// The VA-API render device [default: /dev/dri/renderD128]
    #[arg(long, env = "DAILIES_TRANSCODE_VAAPI_DEVICE", value_name = "PATH")]
    pub transcode_vaapi_device: Option<PathBuf>,
    /// Executable that decides how each video's playback file is made
    #[arg(long, env = "DAILIES_TRANSCODE_HOOK", value_name = "PATH")]
    pub transcode_hook: Option<PathBuf>,
    /// Frame rate of image sequences whose frames do not carry one: "24", "23.976" or
    /// "24000/1001" [default: 24]
    #[arg(long, env = "DAILIES_TRANSCODE_SEQUENCE_FPS", value_name = "RATE")]
    pub transcode_sequence_fps: Option<String>,
    /// A browser-ready original with keyframes further apart than this gets a scrub proxy;
    /// 0: never [default: 0.75]
    #[arg(long, env = "DAILIES_TRANSCODE_SCRUB_PROXY_ABOVE", value_name = "SECS")]
    pub transcode_scrub_proxy_above: Option<f64>,
    /// Also make a 10-bit HDR proxy (VP9 profile 2) of HDR sources [default: false]
    #[arg(long, env = "DAILIES_TRANSCODE_HDR_PROXY", num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub transcode_hdr_proxy: Option<bool>,
}

/// What the binary does besides serving.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Copy an SQLite database into a new, empty PostgreSQL database and check the copy
    /// (counts of every table and a sample of rows); then set database_url to the new one
    MigrateDb {
        /// The installation's database [default: sqlite://DATA_DIR/dailies.sqlite]
        #[arg(long, value_name = "URL")]
        from: Option<String>,
        /// The PostgreSQL database to fill: postgres://USER:PASSWORD@HOST:PORT/NAME
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Run processing jobs only, no HTTP: take jobs from the database (shared with the server
    /// nodes, PostgreSQL for several machines), read and write the media store; stops on SIGTERM
    Worker,
    /// Copy the media of the data directory into an S3 bucket (objects already there with the
    /// same size are skipped, so it can run again); then set storage_url to the bucket
    MigrateStorage {
        /// The bucket: s3://BUCKET[/PREFIX]?endpoint=URL&region=NAME&path_style=true
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

/// The TOML file: the same names as the long options, with underscores.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub demo: Option<bool>,
    pub user_id_header: Option<String>,
    pub user_name_header: Option<String>,
    pub admin_users: Option<Vec<String>>,
    pub admin_header: Option<String>,
    pub ws_max_frame: Option<usize>,
    pub heartbeat_interval: Option<f64>,
    pub client_timeout: Option<f64>,
    pub max_upload_size: Option<u64>,
    pub transcode_workers: Option<usize>,
    pub node_name: Option<String>,
    pub job_lease: Option<f64>,
    pub web_root: Option<PathBuf>,
    pub log: Option<String>,
    pub upload_expiry: Option<f64>,
    pub upload_body_timeout: Option<f64>,
    pub watch_settle: Option<f64>,
    pub organizer_cmd: Option<String>,
    pub organizer_url: Option<String>,
    pub organizer_timeout: Option<f64>,
    pub disk_reserve: Option<u64>,
    pub database_url: Option<String>,
    pub storage_url: Option<String>,
    pub storage_access_key_id: Option<String>,
    pub storage_secret_access_key: Option<String>,
    pub storage_redirect: Option<bool>,
    pub storage_presign_ttl: Option<f64>,
    pub quota_stored_bytes: Option<u64>,
    pub quota_upload_bytes: Option<u64>,
    pub quota_uploads: Option<u64>,
    pub comment_bytes_per_day: Option<u64>,
    pub default_link_access: Option<String>,
    pub max_sockets_per_user: Option<usize>,
    pub presence_list_max: Option<usize>,
    pub presence_interval: Option<f64>,
    pub transcode: Option<TranscodeFile>,
    pub notify: Option<notify::NotifyFile>,
    pub smtp: Option<notify::SmtpFile>,
    pub webhook: Option<Vec<notify::WebhookFile>>,
}

impl Transcode {
    /// Takes what `t` sets.
    fn apply(&mut self, t: TranscodeFile) -> Result<()> {
        if let Some(v) = t.max_height {
            self.max_height = v;
        }
        if let Some(v) = t.crf {
            self.crf = v;
        }
        if let Some(v) = t.max_bitrate_kbps {
            self.max_bitrate_kbps = v;
        }
        if let Some(v) = t.preset {
            self.preset = v;
        }
        if let Some(v) = t.keyframe_interval {
            self.keyframe_interval = v;
        }
        if let Some(v) = t.audio_bitrate_kbps {
            self.audio_bitrate_kbps = v;
        }
        if let Some(v) = t.encoder {
            self.encoder = Encoder::parse(v.trim())
                .ok_or_else(|| anyhow::anyhow!("transcode.encoder must be software, vaapi, nvenc or qsv, not {v:?}"))?;
        }
        if let Some(v) = t.vaapi_device {
            self.vaapi_device = v;
        }
        if let Some(v) = t.hook {
            self.hook = Some(v);
        }
        if let Some(v) = t.sequence_fps {
            self.sequence_fps = crate::ingest::sequence::parse_fps(&v).ok_or_else(|| {
                anyhow::anyhow!(
                    "transcode.sequence_fps must be a frame rate such as 24, 23.976 or 24000/1001, not {v:?}"
                )
            })?;
        }
        if let Some(v) = t.scrub_proxy_above {
            self.scrub_proxy_above = v;
        }
        if let Some(v) = t.hdr_proxy {
            self.hdr_proxy = v;
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        anyhow::ensure!(
            (16..=4320).contains(&self.max_height),
            "transcode.max_height must be between 16 and 4320"
        );
        anyhow::ensure!(self.crf <= 51, "transcode.crf must be at most 51");
        anyhow::ensure!(
            self.max_bitrate_kbps >= 100,
            "transcode.max_bitrate_kbps must be at least 100"
        );
        anyhow::ensure!(
            (32..=1024).contains(&self.audio_bitrate_kbps),
            "transcode.audio_bitrate_kbps must be between 32 and 1024"
        );
        anyhow::ensure!(
            self.keyframe_interval.is_finite() && (0.04..=10.0).contains(&self.keyframe_interval),
            "transcode.keyframe_interval must be between 0.04 and 10 seconds"
        );
        anyhow::ensure!(
            self.scrub_proxy_above.is_finite() && (0.0..=60.0).contains(&self.scrub_proxy_above),
            "transcode.scrub_proxy_above must be between 0 (never) and 60 seconds"
        );
        const PRESETS: &[&str] = &[
            "ultrafast",
            "superfast",
            "veryfast",
            "faster",
            "fast",
            "medium",
            "slow",
            "slower",
            "veryslow",
        ];
        anyhow::ensure!(
            PRESETS.contains(&self.preset.as_str()),
            "transcode.preset must be one of {}",
            PRESETS.join(", ")
        );
        Ok(())
    }
}

impl FileConfig {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))
    }
}

/// Applies `$src.$field` over `$dst.$field` for every named field that is set.
macro_rules! overlay {
    ($dst:ident, $src:ident; $($field:ident),*; secs: $($sfield:ident),*) => {
        $( if let Some(v) = $src.$field { $dst.$field = v; } )*
        $( if let Some(v) = $src.$sfield { $dst.$sfield = secs(v)?; } )*
        if let Some(v) = $src.admin_header { $dst.admin_header = Some(v); }
        if let Some(v) = $src.web_root { $dst.web_root = Some(v); }
        if let Some(v) = $src.organizer_cmd { $dst.organizer_cmd = Some(v); }
        if let Some(v) = $src.organizer_url { $dst.organizer_url = Some(v); }
        if let Some(v) = $src.database_url { $dst.database_url = Some(v); }
        if let Some(v) = $src.storage_url { $dst.storage_url = Some(v); }
        if let Some(v) = $src.storage_access_key_id { $dst.storage_access_key_id = Some(v); }
        if let Some(v) = $src.storage_secret_access_key { $dst.storage_secret_access_key = Some(v); }
        if let Some(v) = $src.default_link_access {
            $dst.default_link_access = dailies_protocol::LinkAccess::parse(v.trim()).ok_or_else(|| {
                anyhow::anyhow!("default_link_access must be off, view or comment, not {v:?}")
            })?;
        }
    };
}

/// The host's name (a node or worker names itself by it unless `node_name` says otherwise).
fn default_node_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().replace('/', "-"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "dailies".to_owned())
}

fn secs(v: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(v).map_err(|_| anyhow::anyhow!("invalid number of seconds: {v}"))
}

impl Config {
    /// Resolves the configuration from the parsed command line (which already folded in the
    /// environment) and the TOML file it names, or the default file when present.
    pub fn from_cli(cli: Cli) -> Result<Self> {
        let file = match &cli.config {
            Some(p) => FileConfig::load(p)?,
            None if Path::new(DEFAULT_CONFIG_PATH).exists() => FileConfig::load(Path::new(DEFAULT_CONFIG_PATH))?,
            None => FileConfig::default(),
        };
        Self::resolve(file, cli)
    }

    pub fn resolve(file: FileConfig, cli: Cli) -> Result<Self> {
        let mut c = Config::default();
        overlay!(c, file; listen, data_dir, demo, storage_redirect, user_id_header, user_name_header, admin_users,
                 ws_max_frame, max_upload_size, transcode_workers, node_name, log, disk_reserve,
                 quota_stored_bytes, quota_upload_bytes, quota_uploads, comment_bytes_per_day,
                 max_sockets_per_user, presence_list_max;
                 secs: heartbeat_interval, client_timeout, upload_expiry, upload_body_timeout, watch_settle,
                       organizer_timeout, presence_interval, storage_presign_ttl, job_lease);
        overlay!(c, cli; listen, data_dir, demo, storage_redirect, user_id_header, user_name_header, admin_users,
                 ws_max_frame, max_upload_size, transcode_workers, node_name, log, disk_reserve,
                 quota_stored_bytes, quota_upload_bytes, quota_uploads, comment_bytes_per_day,
                 max_sockets_per_user, presence_list_max;
                 secs: heartbeat_interval, client_timeout, upload_expiry, upload_body_timeout, watch_settle,
                       organizer_timeout, presence_interval, storage_presign_ttl, job_lease);
        if let Some(v) = cli.migrate_yes {
            c.migrate_yes = v;
        }
        if let Some(t) = file.transcode {
            c.transcode.apply(t)?;
        }
        c.transcode.apply(TranscodeFile {
            max_height: cli.transcode_max_height,
            crf: cli.transcode_crf,
            max_bitrate_kbps: cli.transcode_max_bitrate_kbps,
            preset: cli.transcode_preset,
            keyframe_interval: cli.transcode_keyframe_interval,
            audio_bitrate_kbps: cli.transcode_audio_bitrate_kbps,
            encoder: cli.transcode_encoder,
            vaapi_device: cli.transcode_vaapi_device,
            hook: cli.transcode_hook,
            sequence_fps: cli.transcode_sequence_fps,
            scrub_proxy_above: cli.transcode_scrub_proxy_above,
            hdr_proxy: cli.transcode_hdr_proxy,
        })?;
        if let Some(n) = file.notify {
            c.notify.apply(n)?;
        }
        if let Some(m) = file.smtp {
            c.smtp = Some(m.resolve()?);
        }
        for w in file.webhook.unwrap_or_default() {
            c.webhooks.push(w.resolve(crate::notify::EventKind::NAMES)?);
        }
        c.admin_users.retain(|u| !u.trim().is_empty());
        c.validate()?;
        Ok(c)
    }

    fn validate(&self) -> Result<()> {
        anyhow::ensure!(
            !self.node_name.is_empty() && !self.node_name.contains('/'),
            "node_name must be a non-empty name without '/'"
        );
        anyhow::ensure!(
            self.job_lease >= Duration::from_secs(3),
            "job_lease must be at least 3 seconds (it is renewed every third of it)"
        );
        anyhow::ensure!(self.ws_max_frame >= 1024, "ws_max_frame must be at least 1024 bytes");
        anyhow::ensure!(
            self.client_timeout > self.heartbeat_interval,
            "client_timeout must be longer than heartbeat_interval"
        );
        anyhow::ensure!(
            !(self.organizer_cmd.is_some() && self.organizer_url.is_some()),
            "organizer_cmd and organizer_url exclude each other: start the plugin, or connect to one"
        );
        anyhow::ensure!(
            !self.organizer_timeout.is_zero(),
            "organizer_timeout must be longer than zero"
        );
        anyhow::ensure!(self.presence_list_max >= 1, "presence_list_max must be at least 1");
        self.transcode.validate()?;
        self.notify.validate()?;
        anyhow::ensure!(
            self.presence_interval <= Duration::from_secs(10),
            "presence_interval must be at most 10 seconds"
        );
        anyhow::ensure!(
            !self.upload_body_timeout.is_zero(),
            "upload_body_timeout must be longer than zero"
        );
        if let Some(url) = &self.database_url {
            anyhow::ensure!(
                ["sqlite://", "postgres://", "postgresql://"]
                    .iter()
                    .any(|p| url.starts_with(p)),
                "database_url must start with sqlite:// or postgres://"
            );
        }
        if let Some(url) = &self.storage_url {
            anyhow::ensure!(
                url.starts_with("file://") || url.starts_with("s3://"),
                "storage_url must start with file:// or s3://"
            );
        }
        if let Some(url) = &self.organizer_url {
            organizer_sdk::Address::parse(url).map_err(|e| anyhow::anyhow!("organizer_url: {e}"))?;
        }
        if let Some(cmd) = &self.organizer_cmd {
            anyhow::ensure!(!cmd.trim().is_empty(), "organizer_cmd is empty");
        }
        for h in [&self.user_id_header, &self.user_name_header] {
            anyhow::ensure!(
                actix_web::http::header::HeaderName::try_from(h.as_str()).is_ok(),
                "invalid header name {h:?}"
            );
        }
        Ok(())
    }

    /// A configuration for tests and tools: defaults with the given data directory.
    pub fn with_data_dir(dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: dir.into(),
            ..Config::default()
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("dailies.sqlite")
    }
    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }
    pub fn incoming_dir(&self) -> PathBuf {
        self.data_dir.join("incoming")
    }
    pub fn upload_tmp_dir(&self) -> PathBuf {
        self.data_dir.join("upload-tmp")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        let mut v = vec!["dailies-server"];
        v.extend_from_slice(args);
        Cli::try_parse_from(v).unwrap()
    }

    #[test]
    fn defaults_listen_on_loopback() {
        let c = Config::resolve(FileConfig::default(), Cli::default()).unwrap();
        assert_eq!(c.listen, "127.0.0.1:8095");
        assert!(!c.demo);
    }

    #[test]
    fn file_overrides_defaults_and_cli_overrides_file() {
        let file: FileConfig =
            toml::from_str("listen = \"127.0.0.1:9000\"\ndemo = true\nadmin_users = [\"ann\"]\nclient_timeout = 60\n")
                .unwrap();
        let c = Config::resolve(file, parse(&["--listen", "127.0.0.1:9100"])).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9100");
        assert!(c.demo);
        assert_eq!(c.admin_users, vec!["ann".to_string()]);
        assert_eq!(c.client_timeout, Duration::from_secs(60));
        assert_eq!(c.upload_body_timeout, Duration::from_secs(60), "the default");
        let file: FileConfig = toml::from_str("upload_body_timeout = 2.5").unwrap();
        let c = Config::resolve(file, Cli::default()).unwrap();
        assert_eq!(c.upload_body_timeout, Duration::from_millis(2500));
    }

    #[test]
    fn demo_flag_without_value() {
        let c = Config::resolve(FileConfig::default(), parse(&["--demo"])).unwrap();
        assert!(c.demo);
        let c = Config::resolve(FileConfig::default(), parse(&["--demo", "false"])).unwrap();
        assert!(!c.demo);
    }

    #[test]
    fn unknown_file_key_is_an_error() {
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
    }

    #[test]
    fn organizer_options() {
        let c = Config::resolve(FileConfig::default(), Cli::default()).unwrap();
        assert_eq!(
            (c.organizer_cmd.as_deref(), c.organizer_timeout),
            (None, Duration::from_secs(2))
        );
        let file: FileConfig = toml::from_str("organizer_cmd = \"/usr/bin/p --x\"\norganizer_timeout = 0.5\n").unwrap();
        let c = Config::resolve(file, parse(&["--organizer-timeout", "3"])).unwrap();
        assert_eq!(c.organizer_cmd.as_deref(), Some("/usr/bin/p --x"));
        assert_eq!(c.organizer_timeout, Duration::from_secs(3));
        let both = parse(&["--organizer-cmd", "p", "--organizer-url", "unix:/x.sock"]);
        assert!(Config::resolve(FileConfig::default(), both).is_err());
        assert!(Config::resolve(FileConfig::default(), parse(&["--organizer-url", "ftp://x"])).is_err());
        assert!(Config::resolve(FileConfig::default(), parse(&["--organizer-timeout", "0"])).is_err());
    }

    #[test]
    fn the_transcode_table_and_its_flags() {
        let c = Config::resolve(FileConfig::default(), Cli::default()).unwrap();
        assert_eq!(c.transcode, Transcode::default());
        let file: FileConfig = toml::from_str(
            "[transcode]\nmax_height = 720\ncrf = 23\nkeyframe_interval = 0.5\nencoder = \"vaapi\"\nhook = \"/usr/local/bin/decide\"\n",
        )
        .unwrap();
        let c = Config::resolve(file, parse(&["--transcode-crf", "18"])).unwrap();
        assert_eq!((c.transcode.max_height, c.transcode.crf), (720, 18));
        assert_eq!(c.transcode.keyframe_interval, 0.5);
        assert_eq!(c.transcode.encoder, Encoder::Vaapi);
        assert_eq!(c.transcode.hook.as_deref(), Some(Path::new("/usr/local/bin/decide")));
        assert_eq!(c.transcode.sequence_fps, dailies_protocol::Rational { num: 24, den: 1 });
        let file: FileConfig = toml::from_str("[transcode]\nsequence_fps = \"23.976\"\n").unwrap();
        let c = Config::resolve(file, Cli::default()).unwrap();
        assert_eq!(
            c.transcode.sequence_fps,
            dailies_protocol::Rational { num: 24000, den: 1001 }
        );
        let c = Config::resolve(FileConfig::default(), parse(&["--transcode-sequence-fps", "25/1"])).unwrap();
        assert_eq!(c.transcode.sequence_fps, dailies_protocol::Rational { num: 25, den: 1 });
        assert_eq!((c.transcode.scrub_proxy_above, c.transcode.hdr_proxy), (0.75, false));
        let file: FileConfig = toml::from_str("[transcode]\nscrub_proxy_above = 4\nhdr_proxy = true\n").unwrap();
        let c = Config::resolve(file, Cli::default()).unwrap();
        assert_eq!((c.transcode.scrub_proxy_above, c.transcode.hdr_proxy), (4.0, true));
        let c = Config::resolve(
            FileConfig::default(),
            parse(&["--transcode-scrub-proxy-above", "0", "--transcode-hdr-proxy"]),
        )
        .unwrap();
        assert_eq!((c.transcode.scrub_proxy_above, c.transcode.hdr_proxy), (0.0, true));
        for bad in [
            "[transcode]\nsequence_fps = \"fast\"\n",
            "[transcode]\nsequence_fps = \"0\"\n",
            "[transcode]\nencoder = \"gpu\"\n",
            "[transcode]\npreset = \"quick\"\n",
            "[transcode]\nkeyframe_interval = 0\n",
            "[transcode]\ncrf = 60\n",
            "[transcode]\nscrub_proxy_above = -1\n",
        ] {
            let file: FileConfig = toml::from_str(bad).unwrap();
            assert!(Config::resolve(file, Cli::default()).is_err(), "{bad}");
        }
        assert!(
            toml::from_str::<FileConfig>("[transcode]\nbitrate = 1\n").is_err(),
            "unknown keys"
        );
    }

    #[test]
    fn the_notification_tables() {
        let c = Config::resolve(FileConfig::default(), Cli::default()).unwrap();
        assert_eq!(c.notify, notify::Notify::default());
        assert!(c.smtp.is_none() && c.webhooks.is_empty());
        let file: FileConfig = toml::from_str(
            r#"
[notify]
public_url = "https://dailies.example.com/"
email_header = "X-Remote-User-Email"
first_retry = 0.2
give_up_after = 60
timeout = 3
concurrency = 2
hourly_digest = 1.5
daily_digest = 7

[smtp]
host = "127.0.0.1"
port = 2525
security = "none"
from = "Dailies <dailies@example.com>"

[[webhook]]
url = "https://chat.example.com/hooks/1"
format = "slack"
events = ["comment_added", "reply"]

[[webhook]]
url = "http://127.0.0.1:9000/in"
secret = "s3cret"
"#,
        )
        .unwrap();
        let c = Config::resolve(file, Cli::default()).unwrap();
        assert_eq!(c.notify.public_url.as_deref(), Some("https://dailies.example.com"));
        assert_eq!(c.notify.email_header.as_deref(), Some("X-Remote-User-Email"));
        assert_eq!(c.notify.first_retry, Duration::from_millis(200));
        assert_eq!(c.notify.give_up_after, Duration::from_secs(60));
        assert_eq!((c.notify.timeout, c.notify.concurrency), (Duration::from_secs(3), 2));
        assert_eq!(c.notify.hourly_digest, Duration::from_millis(1500));
        assert_eq!(c.notify.daily_digest, Duration::from_secs(7));
        let smtp = c.smtp.unwrap();
        assert_eq!((smtp.port, smtp.security), (2525, notify::SmtpSecurity::None));
        assert_eq!(c.webhooks.len(), 2);
        assert_eq!(c.webhooks[0].format, notify::WebhookFormat::Slack);
        assert_eq!(c.webhooks[0].events, vec!["comment_added", "reply"]);
        assert_eq!(
            (c.webhooks[1].secret.as_str(), c.webhooks[1].format),
            ("s3cret", notify::WebhookFormat::Json)
        );
        let smtp: FileConfig = toml::from_str("[smtp]\nhost = \"mx\"\nfrom = \"a@b.c\"\n").unwrap();
        let c = Config::resolve(smtp, Cli::default()).unwrap();
        let smtp = c.smtp.unwrap();
        assert_eq!((smtp.port, smtp.security), (587, notify::SmtpSecurity::StartTls));
        for bad in [
            "[[webhook]]\nurl = \"ftp://x\"\n",
            "[[webhook]]\nurl = \"http://x\"\nevents = [\"comment_typed\"]\n",
            "[[webhook]]\nurl = \"http://x\"\nformat = \"xml\"\n",
            "[smtp]\nhost = \"mx\"\nfrom = \"not an address\"\n",
            "[smtp]\nhost = \"mx\"\nfrom = \"a@b.c\"\nsecurity = \"ssl\"\n",
            "[smtp]\nhost = \"mx\"\nfrom = \"a@b.c\"\nuser = \"u\"\n",
            "[notify]\nconcurrency = 0\n",
            "[notify]\nfirst_retry = 0\n",
            "[notify]\npublic_url = \"dailies.example.com\"\n",
        ] {
            let file: FileConfig = toml::from_str(bad).unwrap();
            assert!(Config::resolve(file, Cli::default()).is_err(), "{bad}");
        }
        assert!(
            toml::from_str::<FileConfig>("[notify]\nretry = 1\n").is_err(),
            "unknown keys"
        );
        assert!(toml::from_str::<FileConfig>("[[webhook]]\nurl = \"http://x\"\nsign = 1\n").is_err());
    }

    #[test]
    fn nonsense_is_refused() {
        // 0 is a node that leaves processing to workers; a lease renewed every third of it
        // must be long enough to renew, and a name goes into `<name>/<run>` lease owners.
        assert!(Config::resolve(FileConfig::default(), parse(&["--transcode-workers", "0"])).is_ok());
        assert!(Config::resolve(FileConfig::default(), parse(&["--job-lease", "1"])).is_err());
        assert!(Config::resolve(FileConfig::default(), parse(&["--node-name", "a/b"])).is_err());
        assert!(Config::resolve(FileConfig::default(), parse(&["--node-name", ""])).is_err());
        assert!(Config::resolve(FileConfig::default(), parse(&["--upload-body-timeout", "0"])).is_err());
        assert!(Config::resolve(FileConfig::default(), parse(&["--user-id-header", "bad header"])).is_err());
    }
}
