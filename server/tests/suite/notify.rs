//! Notifications out, against real receivers on loopback: webhook endpoints that check
//! signatures, fail and hang; a server restart between attempts; a real SMTP server
//! (aiosmtpd) receiving mail at once and in digests; unsubscribe links; the bell.

use crate::common::{client, TestServer, Ws};
use dailies_server::config::notify::{Smtp, SmtpSecurity, Webhook, WebhookFormat};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A request an endpoint received.
#[derive(Debug, Clone)]
struct Got {
    headers: HashMap<String, String>,
    body: Vec<u8>,
    at: Instant,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    fn header(&self, h: &str) -> &str {
        self.headers
            .get(&h.to_ascii_lowercase())
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// A webhook endpoint on loopback: answers the statuses of `script` in turn (then 200),
/// or never answers when `hang`.
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Got>>>,
    script: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    async fn start(script: Vec<u16>, hang: bool) -> Receiver {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", l.local_addr().unwrap());
        let r = Receiver {
            url,
            got: Arc::default(),
            script: Arc::new(Mutex::new(script)),
        };
        let me = r.clone();
        actix_rt::spawn(async move {
            while let Ok((sock, _)) = l.accept().await {
                let me = me.clone();
                actix_rt::spawn(async move { me.serve(sock, hang).await });
            }
        });
        r
    }

    async fn serve(&self, mut sock: tokio::net::TcpStream, hang: bool) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            let Ok(n) = sock.read(&mut chunk).await else { return };
            if n == 0 {
                return;
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let headers: HashMap<String, String> = head
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        while buf.len() < head_end + len {
            let Ok(n) = sock.read(&mut chunk).await else { return };
            if n == 0 {
                return;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = buf[head_end..head_end + len].to_vec();
        self.got.lock().unwrap().push(Got {
            headers,
            body,
            at: Instant::now(),
        });
        if hang {
            // Holds the connection open and says nothing, for longer than any test runs.
            tokio::time::sleep(Duration::from_secs(600)).await;
            return;
        }
        let status = {
            let mut s = self.script.lock().unwrap();
            if s.is_empty() {
                200
            } else {
                s.remove(0)
            }
        };
        let resp = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        let _ = sock.write_all(resp.as_bytes()).await;
        let _ = sock.shutdown().await;
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize, secs: u64) -> Vec<Got> {
        wait_until(secs, || (self.got().len() >= n).then(|| self.got())).await
    }
}

/// Polls `f` until it answers something, failing after `secs`.
async fn wait_until<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "condition not met within {secs} s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn hook(url: &str, secret: &str, events: &[&str], format: WebhookFormat) -> Webhook {
    Webhook {
        url: url.into(),
        secret: secret.into(),
        events: events.iter().map(|e| e.to_string()).collect(),
        format,
    }
}

fn signed(secret: &str, body: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(body);
    let hex: String = m.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

async fn joined(s: &TestServer, user: &str, media: &str) -> Ws {
    let mut ws = s.ws(Some(user)).await;
    ws.recv_type("welcome").await;
    ws.send(json!({"type": "join_room", "media_id": media, "since_seq": null}))
        .await;
    ws.recv_type("room_joined").await;
    ws
}

/// Adds a comment and waits for its ack: answers the comment and how long the ack took.
async fn comment(ws: &mut Ws, media: &str, text: &str, parent: Option<i64>) -> (Value, Duration) {
    let t0 = Instant::now();
    ws.send(
        json!({"type": "add_comment", "media_id": media, "text": text, "frame": 0, "end_frame": null,
                   "parent_id": parent, "drawing": null, "client_ref": null}),
    )
    .await;
    loop {
        let v = ws.recv().await;
        assert_ne!(v["type"], "error", "{v}");
        if v["type"] == "room_event" && v["event"]["kind"] == "comment_added" && v["event"]["comment"]["text"] == text {
            return (v["event"]["comment"].clone(), t0.elapsed());
        }
    }
}

async fn call(s: &TestServer, method: &str, path: &str, user: &str, body: Option<Value>) -> (u16, Value) {
    let req = client()
        .request(awc::http::Method::from_bytes(method.as_bytes()).unwrap(), s.url(path))
        .insert_header(("X-Remote-User-Id", user));
    let mut resp = match body {
        Some(b) => req.send_json(&b).await.unwrap(),
        None => req.send().await.unwrap(),
    };
    let b = resp.body().limit(8 << 20).await.unwrap();
    (
        resp.status().as_u16(),
        serde_json::from_slice(&b).unwrap_or(Value::Null),
    )
}

async fn delivery_log(s: &TestServer) -> Vec<Value> {
    let (code, v) = call(s, "GET", "/api/admin/webhooks/deliveries", "admin", None).await;
    assert_eq!(code, 200, "{v}");
    v["deliveries"].as_array().unwrap().clone()
}

#[actix_rt::test]
async fn a_failing_endpoint_gets_the_same_signed_delivery_until_it_answers_200() {
    let rx = Receiver::start(vec![500, 500], false).await;
    let slack = Receiver::start(vec![], false).await;
    let url = rx.url.clone();
    let mut s = TestServer::start_with(|c| {
        c.webhooks = vec![hook(&url, "s3cret", &["comment_added"], WebhookFormat::Json)];
        c.notify.first_retry = Duration::from_millis(100);
        c.notify.public_url = Some("https://dailies.test".into());
    })
    .await;
    // An endpoint added through the API, in Slack's format.
    let (code, added) = call(
        &s,
        "POST",
        "/api/admin/webhooks",
        "admin",
        Some(json!({"url": slack.url, "secret": "other secret", "events": ["comment_added"], "format": "slack"})),
    )
    .await;
    assert_eq!(code, 201, "{added}");
    assert_eq!(added["has_secret"], true);
    let (code, list) = call(&s, "GET", "/api/admin/webhooks", "admin", None).await;
    assert_eq!(code, 200);
    assert_eq!(list["webhooks"].as_array().unwrap().len(), 2, "{list}");
    assert!(
        !list.to_string().contains("s3cret") && !list.to_string().contains("other secret"),
        "{list}"
    );
    assert_eq!(call(&s, "GET", "/api/admin/webhooks", "bob", None).await.0, 403);

    let media = s.commentable_media("alice").await;
    let mut bob = joined(&s, "bob", &media).await;
    let (c, _) = comment(&mut bob, &media, "the sky flickers", None).await;

    let got = rx.wait_for(3, 20).await;
    assert_eq!(got.len(), 3, "two 500s, then the 200: three attempts");
    let id = got[0].header("Dailies-Delivery").to_string();
    for g in &got {
        assert_eq!(g.header("Dailies-Delivery"), id, "the same delivery each time");
        assert_eq!(
            g.header("Dailies-Signature"),
            signed("s3cret", &g.body),
            "signed raw body"
        );
        assert_eq!(g.header("Content-Type"), "application/json");
        assert_eq!(g.body, got[0].body, "the same bytes each time");
    }
    let v = got[0].json();
    assert_eq!(
        (v["event"].as_str(), v["delivery"].as_str()),
        (Some("comment_added"), Some(id.as_str()))
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(v["at"].as_str().unwrap()).is_ok(),
        "{v}"
    );
    assert_eq!(v["data"]["comment"]["id"], c["id"]);
    assert_eq!(v["data"]["media"]["id"], media.as_str());
    assert_eq!(v["data"]["by"]["id"], "bob");
    assert_eq!(
        v["data"]["link"],
        format!("https://dailies.test/#/media/{media}?frame=0&comment={}", c["id"])
    );

    let sl = slack.wait_for(1, 10).await;
    let text = sl[0].json()["text"].as_str().unwrap().to_string();
    assert!(
        text.starts_with("bob name commented on cut.bin: the sky flickers <https://dailies.test/#/media/"),
        "{text}"
    );
    assert_eq!(sl[0].header("Dailies-Signature"), signed("other secret", &sl[0].body));

    // The log shows the delivery done, after three attempts.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = delivery_log(&s).await;
        if let Some(d) = log.iter().find(|d| d["id"] == id.as_str()) {
            if d["state"] == "delivered" {
                assert_eq!(
                    (d["attempts"].as_i64(), d["last_status"].as_i64()),
                    (Some(3), Some(200)),
                    "{d}"
                );
                break;
            }
        }
        assert!(Instant::now() < deadline, "never logged as delivered: {log:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A configured endpoint is changed in the file, not through the API; an added one goes.
    let cfg_id = list["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["source"] == "config")
        .unwrap()["id"]
        .clone();
    assert_eq!(
        call(&s, "DELETE", &format!("/api/admin/webhooks/{cfg_id}"), "admin", None)
            .await
            .0,
        400
    );
    assert_eq!(
        call(
            &s,
            "DELETE",
            &format!("/api/admin/webhooks/{}", added["id"]),
            "admin",
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        call(
            &s,
            "DELETE",
            &format!("/api/admin/webhooks/{}", added["id"]),
            "admin",
            None
        )
        .await
        .0,
        404
    );
    s.stop().await;
}

#[actix_rt::test]
async fn a_restart_between_attempts_loses_no_delivery() {
    let rx = Receiver::start(vec![500], false).await;
    let url = rx.url.clone();
    let tweak = move |c: &mut dailies_server::config::Config| {
        c.webhooks = vec![hook(&url, "k", &["comment_added"], WebhookFormat::Json)];
        // Long enough that the retry falls after the restart.
        c.notify.first_retry = Duration::from_millis(1500);
        // An attempt cut off by the stop is leased for twice this (plus a second).
        c.notify.timeout = Duration::from_secs(1);
    };
    let mut s = TestServer::start_with(tweak.clone()).await;
    let media = s.commentable_media("alice").await;
    let mut bob = joined(&s, "bob", &media).await;
    comment(&mut bob, &media, "before the restart", None).await;
    let first = wait_until(20, || {
        rx.got().into_iter().find(|g| g.json()["event"] == "comment_added")
    })
    .await;
    let id = first.header("Dailies-Delivery").to_string();
    drop(bob);
    s.stop().await;
    let stopped = Instant::now();
    let dir = std::mem::replace(&mut s.dir, tempfile::tempdir().unwrap());
    let s = TestServer::start_in(dir, tweak).await;
    let again = wait_until(20, || {
        let g = rx.got();
        (g.iter().filter(|g| g.header("Dailies-Delivery") == id).count() >= 2).then_some(g)
    })
    .await;
    let same: Vec<_> = again.iter().filter(|g| g.header("Dailies-Delivery") == id).collect();
    assert!(
        same[1].at > stopped,
        "the second attempt came from the restarted server"
    );
    assert_eq!(
        same[1].body, first.body,
        "the stored body, sent again after the restart"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = delivery_log(&s).await;
        if log.iter().any(|d| d["id"] == id.as_str() && d["state"] == "delivered") {
            break;
        }
        assert!(Instant::now() < deadline, "not delivered after the restart: {log:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_rt::test]
async fn a_receiver_that_hangs_does_not_delay_comments_or_the_other_endpoints() {
    let hang = Receiver::start(vec![], true).await;
    let ok = Receiver::start(vec![], false).await;
    let (hu, ou) = (hang.url.clone(), ok.url.clone());
    let mut s = TestServer::start_with(|c| {
        c.webhooks = vec![
            hook(&hu, "h", &["comment_added"], WebhookFormat::Json),
            hook(&ou, "o", &["comment_added"], WebhookFormat::Json),
        ];
        c.notify.timeout = Duration::from_secs(60);
        c.notify.concurrency = 4;
    })
    .await;
    let media = s.commentable_media("alice").await;
    let mut bob = joined(&s, "bob", &media).await;
    let mut slowest = Duration::ZERO;
    for i in 0..30 {
        let (_, took) = comment(&mut bob, &media, &format!("note {i}"), None).await;
        slowest = slowest.max(took);
    }
    // An ack on this machine takes a few milliseconds; waiting on the hung receiver
    // would take its 60 s timeout.
    assert!(slowest < Duration::from_secs(2), "slowest ack {slowest:?}");
    let got = ok.wait_for(30, 30).await;
    assert_eq!(got.len(), 30, "the healthy endpoint got every delivery");
    assert!(!hang.got().is_empty(), "the hung endpoint was tried");
    assert!(hang.got().len() <= 2, "at most half the slots wait on one endpoint");
    s.stop().await;
}

/// A real SMTP server (aiosmtpd) writing what it receives into a Maildir.
struct SmtpSink {
    port: u16,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

impl SmtpSink {
    async fn start() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(dir.path().join("mail"))
            .spawn()
            .expect("python3 with aiosmtpd (scripts/install-deps.sh --test)");
        wait_until(20, || std::net::TcpStream::connect(("127.0.0.1", port)).ok()).await;
        SmtpSink { port, dir, child }
    }

    /// The messages received so far, decoded enough to search (quoted-printable undone).
    fn messages(&self) -> Vec<String> {
        let Ok(rd) = std::fs::read_dir(self.dir.path().join("mail/new")) else {
            return vec![];
        };
        let mut v: Vec<(std::time::SystemTime, String)> = rd
            .flatten()
            .map(|e| {
                let t = e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH);
                (t, unqp(&std::fs::read_to_string(e.path()).unwrap_or_default()))
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, m)| m).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unqp(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

#[actix_rt::test]
async fn mail_goes_out_at_once_or_in_digests_and_unsubscribes_by_link() {
    let smtp = SmtpSink::start().await;
    let port = smtp.port;
    let mut s = TestServer::start_with(|c| {
        c.smtp = Some(Smtp {
            host: "127.0.0.1".into(),
            port,
            security: SmtpSecurity::None,
            user: None,
            password: None,
            from: "Dailies <dailies@example.com>".into(),
        });
        c.notify.public_url = Some("http://dailies.test".into());
        c.notify.hourly_digest = Duration::from_secs(3);
    })
    .await;
    let (code, v) = call(
        &s,
        "PUT",
        "/api/notify/settings",
        "alice",
        Some(
            json!({"email": "alice@example.com", "prefs": [{"kind": "reply", "mode": "now"},
            {"kind": "comment_added", "mode": "hourly"}, {"kind": "status_changed", "mode": "never"}]}),
        ),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(
        (v["email"].as_str(), v["mail_enabled"].as_bool()),
        (Some("alice@example.com"), Some(true))
    );
    let mode =
        |v: &Value, k: &str| v["prefs"].as_array().unwrap().iter().find(|p| p["kind"] == k).unwrap()["mode"].clone();
    assert_eq!(mode(&v, "reply"), "now");
    assert_eq!(mode(&v, "shared"), "now", "the default");
    assert_eq!(
        call(
            &s,
            "PUT",
            "/api/notify/settings",
            "alice",
            Some(json!({"email": "not an address"}))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        call(
            &s,
            "PUT",
            "/api/notify/settings",
            "alice",
            Some(json!({"prefs": [{"kind": "comment_edited", "mode": "now"}]}))
        )
        .await
        .0,
        400,
        "webhook-only kinds have no mail"
    );

    let media = s.commentable_media("alice").await;
    let mut alice = joined(&s, "alice", &media).await;
    let (own, _) = comment(&mut alice, &media, "my own note", None).await;
    let mut bob = joined(&s, "bob", &media).await;
    let (reply, _) = comment(&mut bob, &media, "a reply for alice", own["id"].as_i64()).await;
    for i in 1..=3 {
        comment(&mut bob, &media, &format!("digest note {i}"), None).await;
    }
    // A status change she chose never to get mail about.
    let (code, _) = call(
        &s,
        "PUT",
        &format!("/api/media/{media}/status"),
        "bob",
        Some(json!({"status": "approved"})),
    )
    .await;
    assert_eq!(code, 200);

    let mails = wait_until(30, || {
        let m = smtp.messages();
        m.iter().any(|m| m.contains("(hourly digest)")).then_some(m)
    })
    .await;
    // The garbage upload's failure was told at once too (the default for it).
    assert!(
        mails
            .iter()
            .any(|m| m.contains("Subject: [Dailies] cut.bin could not be processed")),
        "{mails:?}"
    );
    let at_once = mails
        .iter()
        .find(|m| m.contains("replied on"))
        .expect("the reply's mail");
    assert!(at_once.contains("To: alice@example.com"), "{at_once}");
    assert!(
        at_once.contains("Subject: [Dailies] bob name replied on cut.bin: a reply for alice"),
        "{at_once}"
    );
    assert!(
        at_once.contains("multipart/alternative") && at_once.contains("text/html"),
        "{at_once}"
    );
    let link = format!("http://dailies.test/#/media/{media}?frame=0&comment={}", reply["id"]);
    assert!(at_once.contains(&link), "a link to the frame: {at_once}");
    assert!(
        at_once.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{at_once}"
    );
    let digest = mails
        .iter()
        .find(|m| m.contains("(hourly digest)"))
        .expect("the digest");
    assert!(
        digest.contains("Subject: [Dailies] 3 updates (hourly digest)"),
        "{digest}"
    );
    for i in 1..=3 {
        assert!(
            digest.contains(&format!("commented on cut.bin: digest note {i}")),
            "{digest}"
        );
    }
    assert_eq!(
        mails.len(),
        3,
        "two at once, one digest, none for the status: {mails:?}"
    );

    // The reply's unsubscribe link works without signing in; its page only asks.
    let start = at_once.find("http://dailies.test/api/notify/unsubscribe/").unwrap();
    let url: String = at_once[start..]
        .chars()
        .take_while(|c| c.is_ascii_graphic() && *c != '<' && *c != '>' && *c != '"')
        .collect();
    let path = url.trim_start_matches("http://dailies.test");
    let (code, _, page) = s.fetch(path, None, &[]).await;
    assert_eq!(code, 200);
    assert!(String::from_utf8_lossy(&page).contains("Replies to you"));
    let (_, v) = call(&s, "GET", "/api/notify/settings", "alice", None).await;
    assert_eq!(mode(&v, "reply"), "now", "a GET changes nothing");
    let mut r = client().post(s.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.body().await);
    let (_, v) = call(&s, "GET", "/api/notify/settings", "alice", None).await;
    assert_eq!(mode(&v, "reply"), "never");
    assert_eq!(s.fetch("/api/notify/unsubscribe/not-a-token", None, &[]).await.0, 404);
    s.stop().await;
}

#[actix_rt::test]
async fn the_bell_shows_the_same_events_and_the_proxy_may_give_the_address() {
    let mut s = TestServer::start_with(|c| c.notify.email_header = Some("X-Remote-User-Email".into())).await;
    let media = s.commentable_media("alice").await;
    let mut bob = joined(&s, "bob", &media).await;
    bob.send(json!({"type": "session_join", "media_id": media})).await;
    bob.recv_type("collab").await;
    let (code, _) = call(
        &s,
        "PUT",
        &format!("/api/media/{media}/status"),
        "bob",
        Some(json!({"status": "changes_requested"})),
    )
    .await;
    assert_eq!(code, 200);
    let mut alice = s.ws(Some("alice")).await;
    alice.recv_type("welcome").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        alice.send(json!({"type": "list_messages"})).await;
        let list = alice.recv_type("user_messages").await;
        let kinds: Vec<String> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["kind"].as_str().unwrap().to_string())
            .collect();
        if kinds.contains(&"status_changed".to_string()) && kinds.contains(&"live_session_started".to_string()) {
            let text = list.to_string();
            assert!(text.contains("bob set cut.bin to changes requested"), "{text}");
            assert!(text.contains("bob name started a live session on cut.bin"), "{text}");
            break;
        }
        assert!(Instant::now() < deadline, "the bell lacks events: {kinds:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut r = client()
        .get(s.url("/api/notify/settings"))
        .insert_header(("X-Remote-User-Id", "carol"))
        .insert_header(("X-Remote-User-Email", "carol@example.com"))
        .send()
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&r.body().await.unwrap()).unwrap();
    assert_eq!(
        (v["email"].as_str(), v["email_from_proxy"].as_bool()),
        (Some("carol@example.com"), Some(true))
    );
    assert_eq!(v["mail_enabled"], false, "no SMTP configured");
    let (code, _) = call(
        &s,
        "PUT",
        "/api/notify/settings",
        "carol",
        Some(json!({"email": "other@example.com"})),
    )
    .await;
    assert_eq!(code, 400, "the proxy's address is not the user's to change");
    s.stop().await;
}
