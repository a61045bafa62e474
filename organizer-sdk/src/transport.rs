//! Addresses both sides use: `unix:/path/to.sock` (the default, a Unix domain socket) or
//! `http://127.0.0.1:port`; connecting a tonic channel to one, and binding a listener.

use hyper_util::rt::TokioIo;
use std::path::{Path, PathBuf};
use tonic::transport::{Channel, Endpoint, Uri};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A parsed plugin or inbox address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Unix(PathBuf),
    /// An `http://host:port` URL.
    Http(String),
}

impl Address {
    /// Accepts `unix:/abs/path`, `unix:///abs/path`, a bare absolute path, or `http://…`.
    pub fn parse(s: &str) -> Result<Address, BoxError> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("unix:") {
            let path = rest.trim_start_matches("//");
            if path.is_empty() {
                return Err(format!("no socket path in {s:?}").into());
            }
            return Ok(Address::Unix(PathBuf::from(path)));
        }
        if s.starts_with('/') {
            return Ok(Address::Unix(PathBuf::from(s)));
        }
        if s.starts_with("http://") {
            s.parse::<Uri>().map_err(|e| format!("invalid address {s:?}: {e}"))?;
            return Ok(Address::Http(s.to_string()));
        }
        Err(format!("invalid address {s:?}: use unix:/path/to.sock or http://127.0.0.1:PORT").into())
    }

    pub fn unix(path: &Path) -> Address {
        Address::Unix(path.to_path_buf())
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::Unix(p) => write!(f, "unix:{}", p.display()),
            Address::Http(u) => f.write_str(u),
        }
    }
}

fn unix_endpoint() -> Endpoint {
    // The URI is required by the HTTP/2 layer but never resolved: the connector decides.
    Endpoint::from_static("http://localhost")
}

/// Connects now; fails when nobody listens.
pub async fn connect(addr: &Address) -> Result<Channel, BoxError> {
    match addr {
        Address::Unix(path) => {
            let path = path.clone();
            let ch = unix_endpoint()
                .connect_with_connector(tower::service_fn(move |_: Uri| {
                    let path = path.clone();
                    async move { Ok::<_, std::io::Error>(TokioIo::new(tokio::net::UnixStream::connect(path).await?)) }
                }))
                .await?;
            Ok(ch)
        }
        Address::Http(url) => Ok(Endpoint::from_shared(url.clone())?.connect().await?),
    }
}

/// A channel that connects on first use (and reconnects after failures).
pub fn connect_lazy(addr: &Address) -> Result<Channel, BoxError> {
    match addr {
        Address::Unix(path) => {
            let path = path.clone();
            Ok(
                unix_endpoint().connect_with_connector_lazy(tower::service_fn(move |_: Uri| {
                    let path = path.clone();
                    async move { Ok::<_, std::io::Error>(TokioIo::new(tokio::net::UnixStream::connect(path).await?)) }
                })),
            )
        }
        Address::Http(url) => Ok(Endpoint::from_shared(url.clone())?.connect_lazy()),
    }
}

/// A bound listener, ready for `serve_with_incoming`.
pub enum Listener {
    Unix(tokio::net::UnixListener, PathBuf),
    Tcp(tokio::net::TcpListener),
}

impl Listener {
    /// Binds `addr`. A Unix socket replaces a stale file and is made private (mode 0600).
    pub async fn bind(addr: &Address) -> Result<Listener, BoxError> {
        match addr {
            Address::Unix(path) => {
                if path.exists() {
                    std::fs::remove_file(path).map_err(|e| format!("removing stale socket {}: {e}", path.display()))?;
                }
                let l = tokio::net::UnixListener::bind(path).map_err(|e| format!("binding {}: {e}", path.display()))?;
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
                Ok(Listener::Unix(l, path.clone()))
            }
            Address::Http(url) => {
                let uri: Uri = url.parse()?;
                let host = uri
                    .host()
                    .unwrap_or("127.0.0.1")
                    .trim_start_matches('[')
                    .trim_end_matches(']');
                let port = uri.port_u16().ok_or_else(|| format!("no port in {url}"))?;
                Ok(Listener::Tcp(tokio::net::TcpListener::bind((host, port)).await?))
            }
        }
    }

    /// The address clients should use (with the real port when bound to port 0).
    pub fn address(&self) -> Address {
        match self {
            Listener::Unix(_, p) => Address::Unix(p.clone()),
            Listener::Tcp(l) => match l.local_addr() {
                Ok(a) => Address::Http(format!("http://{a}")),
                Err(_) => Address::Http("http://127.0.0.1:0".into()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses() {
        assert_eq!(
            Address::parse("unix:/a/b.sock").unwrap(),
            Address::Unix("/a/b.sock".into())
        );
        assert_eq!(
            Address::parse("unix:///a/b.sock").unwrap(),
            Address::Unix("/a/b.sock".into())
        );
        assert_eq!(Address::parse("/a/b.sock").unwrap(), Address::Unix("/a/b.sock".into()));
        assert_eq!(
            Address::parse("http://127.0.0.1:7000").unwrap(),
            Address::Http("http://127.0.0.1:7000".into())
        );
        assert!(Address::parse("unix:").is_err());
        assert!(Address::parse("tcp://x").is_err());
        assert_eq!(Address::parse("unix:/x").unwrap().to_string(), "unix:/x");
    }
}
