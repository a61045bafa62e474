//! Test harness: a real dailies-server on 127.0.0.1:0 with a temporary data directory,
//! and small helpers for HTTP and websocket clients.
#![allow(dead_code)]

use awc::ws;
use dailies_server::config::Config;
use dailies_server::RunningServer;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;

pub struct TestServer {
    pub server: Option<RunningServer>,
    pub dir: tempfile::TempDir,
    pub base: String,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, tweak).await
    }

    pub async fn start_in(dir: tempfile::TempDir, tweak: impl FnOnce(&mut Config)) -> TestServer {
        let mut cfg = Config::with_data_dir(dir.path());
        cfg.admin_users = vec!["admin".into()];
        tweak(&mut cfg);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let server = dailies_server::start(cfg, listener).await.unwrap();
        let base = format!("http://{}", server.addr);
        TestServer {
            server: Some(server),
            dir,
            base,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn ws_url(&self) -> String {
        format!("{}/api/ws", self.base.replacen("http", "ws", 1))
    }

    /// A GET as `user` (None: no identity headers); returns status and JSON body.
    pub async fn get(&self, path: &str, user: Option<&str>) -> (u16, Value) {
        let mut req = client().get(self.url(path));
        if let Some(u) = user {
            req = req
                .insert_header(("X-Remote-User-Id", u))
                .insert_header(("X-Remote-User-Name", format!("{u} name")));
        }
        let mut resp = req.send().await.unwrap();
        let body = resp.body().limit(64 << 20).await.unwrap();
        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (resp.status().as_u16(), json)
    }

    pub async fn ws(&self, user: Option<&str>) -> Ws {
        Ws::connect(&self.ws_url(), user).await.unwrap()
    }

    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop().await.unwrap();
        }
    }
}

pub fn client() -> awc::Client {
    awc::Client::builder().timeout(Duration::from_secs(30)).finish()
}

pub struct Ws {
    pub framed: actix_codec::Framed<awc::BoxedSocket, ws::Codec>,
}

impl Ws {
    pub async fn connect(url: &str, user: Option<&str>) -> Result<Ws, String> {
        let mut req = client().ws(url).max_frame_size(16 << 20);
        if let Some(u) = user {
            req = req
                .header("X-Remote-User-Id", u)
                .header("X-Remote-User-Name", format!("{u} name"));
        }
        match req.connect().await {
            Ok((_, framed)) => Ok(Ws { framed }),
            Err(e) => Err(e.to_string()),
        }
    }

    pub async fn send_text(&mut self, s: &str) {
        self.framed.send(ws::Message::Text(s.to_string().into())).await.unwrap();
    }

    pub async fn send(&mut self, v: Value) {
        self.send_text(&v.to_string()).await;
    }

    /// Next JSON message, answering pings; panics after `secs` of silence.
    pub async fn recv_within(&mut self, secs: u64) -> Value {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(secs), self.framed.next())
                .await
                .expect("timed out waiting for a websocket message")
                .expect("websocket ended")
                .expect("websocket error");
            match frame {
                ws::Frame::Text(b) => return serde_json::from_slice(&b).unwrap(),
                ws::Frame::Ping(b) => {
                    let _ = self.framed.send(ws::Message::Pong(b)).await;
                }
                ws::Frame::Close(r) => panic!("websocket closed: {r:?}"),
                _ => {}
            }
        }
    }

    pub async fn recv(&mut self) -> Value {
        self.recv_within(10).await
    }

    /// Next message of the given type, skipping others.
    pub async fn recv_type(&mut self, ty: &str) -> Value {
        loop {
            let v = self.recv().await;
            if v["type"] == ty {
                return v;
            }
        }
    }

    /// Waits for the server to close the socket without answering pings; returns the close
    /// code, or None when the connection ended without a close frame.
    pub async fn closed_within(&mut self, secs: u64) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.framed.next()).await {
                Err(_) => panic!("connection still open after {secs}s"),
                Ok(None) | Ok(Some(Err(_))) => return None,
                Ok(Some(Ok(ws::Frame::Close(r)))) => return r.map(|r| u16::from(r.code)),
                Ok(Some(Ok(_))) => {}
            }
        }
    }
}
