//! Webhook deliveries: the body (ours, or Slack's incoming-webhook `text`), its signature
//! (HMAC-SHA256 of the raw body with the endpoint's secret) and one HTTP POST with a
//! deadline, over TLS for https.

use super::event::Event;
use super::store::EndpointRow;
use crate::config::notify::WebhookFormat;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::Full;
use serde_json::json;
use sha2::Sha256;
use std::sync::{Arc, OnceLock};
use tokio::net::TcpStream;

/// The body an endpoint gets for an event, exactly as it is signed and sent.
pub fn body(e: &EndpointRow, delivery: &str, ev: &Event, public_url: Option<&str>) -> String {
    match WebhookFormat::parse(&e.format).unwrap_or(WebhookFormat::Json) {
        WebhookFormat::Json => json!({
            "event": ev.kind.as_str(),
            "delivery": delivery,
            "at": ev.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": ev.data(public_url),
        })
        .to_string(),
        WebhookFormat::Slack => {
            let text = match ev.link(public_url).filter(|l| l.starts_with("http")) {
                // Slack's link syntax; `<`, `>` and `&` in the text are escaped as it asks.
                Some(l) => format!("{} <{}|open>", slack_escape(&ev.text), l),
                None => slack_escape(&ev.text),
            };
            json!({ "text": text }).to_string()
        }
    }
}

fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// `sha256=<hex>` of the HMAC-SHA256 of `body` keyed with `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    let d = mac.finalize().into_bytes();
    let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Where a URL points.
#[derive(Debug, PartialEq)]
struct Target {
    tls: bool,
    host: String,
    port: u16,
    /// `host[:port]` as the Host header.
    authority: String,
    path: String,
}

fn target(url: &str) -> Result<Target, String> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err("not an http(s) url".into());
    };
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    let path = if path.is_empty() {
        "/".to_string()
    } else if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    let path = path.split('#').next().unwrap_or("/").to_string();
    let (host, port) = if let Some(h) = authority.strip_prefix('[') {
        let (h, after) = h.split_once(']').ok_or("bad IPv6 address")?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    let port = match port {
        Some(p) => p.parse().map_err(|_| format!("bad port {p:?}"))?,
        None if tls => 443,
        None => 80,
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    Ok(Target {
        tls,
        host,
        port,
        authority: authority.to_string(),
        path,
    })
}

fn tls_config() -> Result<Arc<tokio_rustls::rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<tokio_rustls::rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            use tokio_rustls::rustls;
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let cfg = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(Arc::new(cfg))
        })
        .clone()
}

/// The answer of one attempt: the HTTP status, or why there was none.
pub type Attempt = Result<u16, String>;

/// POSTs `body` to `url` with the delivery headers. The caller bounds the time.
pub async fn post(url: &str, delivery: &str, event: &str, secret: &str, body: String) -> Attempt {
    let t = target(url)?;
    let tcp = TcpStream::connect((t.host.as_str(), t.port))
        .await
        .map_err(|e| format!("connecting to {}: {e}", t.authority))?;
    let _ = tcp.set_nodelay(true);
    let sig = signature(secret, body.as_bytes());
    let req = hyper::Request::post(t.path.as_str())
        .header(hyper::header::HOST, t.authority.as_str())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(
            hyper::header::USER_AGENT,
            concat!("Dailies/", env!("CARGO_PKG_VERSION")),
        )
        .header("Dailies-Delivery", delivery)
        .header("Dailies-Event", event)
        .header("Dailies-Signature", sig)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    if t.tls {
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(t.host.clone())
            .map_err(|e| format!("{}: {e}", t.host))?;
        let tls = tokio_rustls::TlsConnector::from(tls_config()?)
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS with {}: {e}", t.authority))?;
        send(hyper_util::rt::TokioIo::new(tls), req).await
    } else {
        send(hyper_util::rt::TokioIo::new(tcp), req).await
    }
}

async fn send<T>(io: T, req: hyper::Request<Full<Bytes>>) -> Attempt
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut tx, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    // The connection is driven beside the request; it ends when both are dropped.
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    let res = tx.send_request(req).await.map_err(|e| format!("sending: {e}"));
    driver.abort();
    Ok(res?.status().as_u16())
}

/// Whether a failed answer is worth another try: a receiver that refuses the request (4xx
/// other than timeouts, conflicts and rate limits) will refuse it again.
pub fn retryable(status: u16) -> bool {
    !(400..500).contains(&status) || matches!(status, 408 | 409 | 425 | 429)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_rfc_4231_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn urls_are_split_into_where_and_what() {
        let t = target("https://hooks.example.com/services/T/B?x=1#frag").unwrap();
        assert_eq!(
            t,
            Target {
                tls: true,
                host: "hooks.example.com".into(),
                port: 443,
                authority: "hooks.example.com".into(),
                path: "/services/T/B?x=1".into()
            }
        );
        let t = target("http://127.0.0.1:8080").unwrap();
        assert_eq!((t.port, t.path.as_str(), t.tls), (8080, "/", false));
        let t = target("http://[::1]:9/in").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 9));
        assert!(target("ftp://x/").is_err());
        assert!(target("http://x:port/").is_err());
    }

    #[test]
    fn only_refusals_are_final() {
        assert!(retryable(500) && retryable(503) && retryable(429) && retryable(408));
        assert!(!retryable(400) && !retryable(404) && !retryable(410));
    }
}
