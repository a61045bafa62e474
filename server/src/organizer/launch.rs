//! Bringing a plugin up: start the child process (or find the running plugin), wait for
//! its socket, and shake hands, checking the protocol version.

use crate::config::Config;
use anyhow::Context as _;
use organizer_sdk::pb::{self, organizer_client::OrganizerClient};
use organizer_sdk::{transport, Address, PROTOCOL_MAJOR, PROTOCOL_MINOR};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tonic::transport::Channel;

/// How long a started plugin has to open its socket.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(15);

/// Which plugin to talk to.
#[derive(Debug, Clone)]
pub enum Target {
    /// Start `program args…` with `DAILIES_ORGANIZER_LISTEN=unix:<socket>`.
    Command { argv: Vec<String>, socket: PathBuf },
    /// Connect to a plugin someone else runs.
    Url(Address),
}

impl Target {
    pub fn from_config(c: &Config) -> anyhow::Result<Option<Target>> {
        if let Some(cmd) = &c.organizer_cmd {
            let argv: Vec<String> = cmd.split_whitespace().map(str::to_owned).collect();
            anyhow::ensure!(!argv.is_empty(), "organizer_cmd is empty");
            let socket = c.data_dir.join("organizer").join("plugin.sock");
            return Ok(Some(Target::Command { argv, socket }));
        }
        if let Some(url) = &c.organizer_url {
            let a = Address::parse(url).map_err(|e| anyhow::anyhow!("organizer_url: {e}"))?;
            return Ok(Some(Target::Url(a)));
        }
        Ok(None)
    }

    pub fn describe(&self) -> String {
        match self {
            Target::Command { argv, .. } => argv.join(" "),
            Target::Url(a) => a.to_string(),
        }
    }
}

/// Creates `dir` readable by the server's user only: the sockets inside inherit that.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("making {} private", dir.display()))
}

/// What a successful launch hands the actor.
pub struct Launched {
    pub client: OrganizerClient<Channel>,
    pub hello: pb::HandshakeResponse,
    pub child: Option<tokio::process::Child>,
}

#[derive(Debug)]
pub enum LaunchError {
    /// Worth trying again later.
    Failed(String),
    /// The plugin cannot work with this server: do not retry.
    Refused(String),
}

/// The plugin's major version must be ours; its minor may differ either way.
pub fn check_version(hello: &pb::HandshakeResponse) -> Result<(), String> {
    if hello.protocol_major != PROTOCOL_MAJOR {
        return Err(format!(
            "organizer plugin {} {} speaks organizer protocol {}.{}, this server speaks {PROTOCOL_MAJOR}.{PROTOCOL_MINOR}: \
             it is refused; install a plugin built for protocol {PROTOCOL_MAJOR}.x",
            hello.plugin_name, hello.plugin_version, hello.protocol_major, hello.protocol_minor
        ));
    }
    if hello.plugin_name.trim().is_empty() {
        return Err("organizer plugin answered the handshake without a name: it is refused".into());
    }
    Ok(())
}

fn spawn_child(argv: &[String], socket: &Path) -> Result<tokio::process::Child, LaunchError> {
    let _ = std::fs::remove_file(socket);
    let mut cmd = tokio::process::Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env(organizer_sdk::LISTEN_ENV, Address::unix(socket).to_string())
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    // If the server dies without cleaning up, the plugin goes with it.
    // SAFETY: prctl is async-signal-safe and touches nothing of the parent.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    cmd.spawn()
        .map_err(|e| LaunchError::Failed(format!("cannot start {:?}: {e}", argv[0])))
}

async fn connect_started(child: &mut tokio::process::Child, socket: &Path) -> Result<Channel, LaunchError> {
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let addr = Address::unix(socket);
    loop {
        if let Ok(Some(st)) = child.try_wait() {
            return Err(LaunchError::Failed(format!("plugin exited during start-up ({st})")));
        }
        if socket.exists() {
            if let Ok(ch) = transport::connect(&addr).await {
                return Ok(ch);
            }
        }
        if Instant::now() > deadline {
            return Err(LaunchError::Failed(format!(
                "plugin did not open {} within {}s",
                socket.display(),
                STARTUP_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Starts or reaches the plugin and shakes hands.
pub async fn launch(target: Target, hello: pb::HandshakeRequest, timeout: Duration) -> Result<Launched, LaunchError> {
    let (channel, mut child) = match &target {
        Target::Command { argv, socket } => {
            let mut child = spawn_child(argv, socket)?;
            let ch = connect_started(&mut child, socket).await?;
            (ch, Some(child))
        }
        Target::Url(addr) => {
            let ch = tokio::time::timeout(timeout, transport::connect(addr))
                .await
                .map_err(|_| LaunchError::Failed(format!("connecting to {addr} timed out")))?
                .map_err(|e| LaunchError::Failed(format!("cannot connect to {addr}: {e}")))?;
            (ch, None)
        }
    };
    let mut client = OrganizerClient::new(channel);
    // Start-up (a JIT, an interpreter) may make the first answer slow: allow a little more.
    let answer = tokio::time::timeout(timeout.max(Duration::from_secs(5)), client.handshake(hello)).await;
    let result = match answer {
        Err(_) => Err(LaunchError::Failed(
            "the plugin did not answer the handshake in time".into(),
        )),
        Ok(Err(s)) if s.code() == tonic::Code::FailedPrecondition => Err(LaunchError::Refused(format!(
            "the plugin refused this server: {}",
            s.message()
        ))),
        Ok(Err(s)) => Err(LaunchError::Failed(format!("handshake failed: {}", s.message()))),
        Ok(Ok(r)) => {
            let r = r.into_inner();
            check_version(&r).map(|()| r).map_err(LaunchError::Refused)
        }
    };
    match result {
        Ok(hello) => Ok(Launched { client, hello, child }),
        Err(e) => {
            if let Some(c) = child.as_mut() {
                let _ = c.start_kill();
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(major: u32) -> pb::HandshakeResponse {
        pb::HandshakeResponse {
            plugin_name: "p".into(),
            plugin_version: "1.2.3".into(),
            protocol_major: major,
            protocol_minor: 4,
            capabilities: vec![],
        }
    }

    #[test]
    fn another_major_version_is_refused_with_both_versions_named() {
        assert!(check_version(&hello(PROTOCOL_MAJOR)).is_ok());
        let e = check_version(&hello(PROTOCOL_MAJOR + 1)).unwrap_err();
        assert!(
            e.contains("p 1.2.3") && e.contains("2.4") && e.contains("refused"),
            "{e}"
        );
    }

    #[test]
    fn command_is_split_on_whitespace() {
        let mut c = Config::with_data_dir("/d");
        c.organizer_cmd = Some(" /usr/bin/plugin  --flag x ".into());
        match Target::from_config(&c).unwrap() {
            Some(Target::Command { argv, socket }) => {
                assert_eq!(argv, ["/usr/bin/plugin", "--flag", "x"]);
                assert_eq!(socket, PathBuf::from("/d/organizer/plugin.sock"));
            }
            other => panic!("{other:?}"),
        }
    }
}
