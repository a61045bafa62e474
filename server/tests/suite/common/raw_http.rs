//! Requests written by hand on a fresh TCP connection, for tests that must hold a body open
//! mid-stream (races, stalls) or need one connection per request (one worker each).

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request whose head is sent and whose body is written piece by piece.
pub struct RawRequest {
    pub tcp: TcpStream,
}

/// The status and lower-cased headers of an answer.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

impl RawRequest {
    /// Connects and sends the request line and `headers` (each `Name: value`), then the
    /// blank line; `Connection: close` is added so every request is a connection of its own.
    pub async fn start(addr: SocketAddr, method: &str, path: &str, headers: &[String]) -> RawRequest {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
        for h in headers {
            head.push_str(h);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        tcp.write_all(head.as_bytes()).await.unwrap();
        RawRequest { tcp }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.tcp.write_all(bytes).await.unwrap();
        self.tcp.flush().await.unwrap();
    }

    /// Reads the answer's head; panics when none arrives within `within`.
    pub async fn response(&mut self, within: Duration) -> RawResponse {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let n = tokio::time::timeout(within, self.tcp.read(&mut chunk))
                .await
                .expect("no answer in time")
                .expect("reading the answer");
            assert!(
                n > 0,
                "connection closed without an answer: {:?}",
                String::from_utf8_lossy(&buf)
            );
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {head:?}"));
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        RawResponse { status, headers }
    }
}

/// The usual headers of a tus PATCH as `user` at `offset` with a body of `len` bytes.
pub fn tus_patch_headers(user: &str, offset: u64, len: u64) -> Vec<String> {
    vec![
        format!("X-Remote-User-Id: {user}"),
        "Tus-Resumable: 1.0.0".into(),
        "Content-Type: application/offset+octet-stream".into(),
        format!("Upload-Offset: {offset}"),
        format!("Content-Length: {len}"),
    ]
}

/// Threads of this process right now (tests run the server in-process).
pub fn threads_now() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap()
}
