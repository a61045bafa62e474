//! Web safety: security headers, and cross-site websocket upgrades and uploads refused.

use crate::common::{client, TestServer, Ws};

#[actix_rt::test]
async fn security_headers_on_every_response() {
    let s = TestServer::start().await;
    for path in ["/api/health", "/api/media", "/api/nope"] {
        let r = client()
            .get(s.url(path))
            .insert_header(("X-Remote-User-Id", "alice"))
            .send()
            .await
            .unwrap();
        let h = r.headers();
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
    }
}

#[actix_rt::test]
async fn cross_site_websocket_and_uploads_are_refused() {
    let s = TestServer::start().await;
    let host = s.base.trim_start_matches("http://").to_string();
    // Websocket from another site's page: refused before any session exists.
    let r = client()
        .get(s.ws_url().replace("ws://", "http://"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Origin", "https://evil.example"))
        .insert_header(("Connection", "Upgrade"))
        .insert_header(("Upgrade", "websocket"))
        .insert_header(("Sec-WebSocket-Version", "13"))
        .insert_header(("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // Same origin is fine; so is a client without Origin (tools).
    let ok = client()
        .ws(s.ws_url())
        .header("X-Remote-User-Id", "alice")
        .origin(format!("http://{host}"))
        .connect()
        .await;
    assert!(ok.is_ok());
    assert!(Ws::connect(&s.ws_url(), Some("alice")).await.is_ok());

    // A form on another site posting a file: refused, nothing stored.
    for headers in [
        vec![("Origin", "https://evil.example")],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![("Origin", "null")],
    ] {
        let mut req = client()
            .post(s.url("/api/upload"))
            .insert_header(("X-Remote-User-Id", "alice"))
            .insert_header(("X-File-Name", "x.mov"));
        for (k, v) in headers {
            req = req.insert_header((k, v));
        }
        assert_eq!(req.send_body("junk").await.unwrap().status().as_u16(), 403);
    }
    let r = client()
        .delete(s.url("/api/media/whatever"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("Origin", "https://evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(s.get("/api/media", Some("alice")).await.1, serde_json::json!([]));
    // The same upload from the same origin works.
    let r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-File-Name", "x.mov"))
        .insert_header(("Origin", format!("http://{host}")))
        .send_body("junk")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
}

/// Spellings of one `/api/…` path that a router may or may not take for the canonical
/// one. The same-origin check must hold for every one of them, whichever the router takes.
fn spellings(path: &str) -> Vec<String> {
    let rest = path.strip_prefix("/api/").unwrap();
    let enc = |s: &str| {
        s.bytes()
            .map(|b| if b == b'/' { "/".into() } else { format!("%{b:02x}") })
            .collect::<String>()
    };
    vec![
        path.to_string(),
        format!("/%61pi/{rest}"),
        format!("/api/%{:02X}{}", rest.as_bytes()[0], &rest[1..]),
        format!("/{}/{}", enc("api"), enc(rest)),
        format!("/{path}"),
        format!("/api//{rest}"),
        format!("{path}/"),
        format!("{path}//"),
        format!("/API/{rest}"),
        format!("/Api/{rest}"),
        format!("/api/./{rest}"),
        format!("/api/x/../{rest}"),
        format!("/api%2F{rest}"),
        format!("{path}?x=1"),
        format!("{path};x"),
    ]
}

/// Status of a websocket handshake on `path` from a page of `origin` (None: a tool).
async fn handshake(s: &TestServer, path: &str, origin: Option<&str>) -> u16 {
    let url = format!("{}{}", s.base.replacen("http", "ws", 1), path);
    let mut req = client().ws(url).header("X-Remote-User-Id", "alice");
    if let Some(o) = origin {
        req = req.origin(o);
    }
    match req.connect().await {
        Ok(_) => 101,
        Err(awc::error::WsClientError::InvalidResponseStatus(st)) => st.as_u16(),
        Err(e) => panic!("{path}: {e}"),
    }
}

#[actix_rt::test]
async fn cross_site_requests_are_refused_however_the_path_is_spelled() {
    let s = TestServer::start().await;
    let own = s.base.clone();
    let evil = "https://evil.example";

    // What the router really takes for the websocket: percent-encoded letters are decoded
    // before matching; case, doubled or trailing slashes and dot segments are not.
    let mut routed = vec![];
    for path in spellings("/api/ws") {
        if handshake(&s, &path, None).await == 101 {
            routed.push(path.clone());
        }
    }
    assert_eq!(
        routed,
        ["/api/ws", "/%61pi/ws", "/api/%77s", "/%61%70%69/%77%73", "/api/ws?x=1"],
        "the router's view of the websocket path changed: review the spellings tested"
    );
    for path in spellings("/api/ws") {
        assert_eq!(handshake(&s, &path, Some(evil)).await, 403, "websocket {path}");
        // An origin that is not one (sandboxed frame) or is malformed: refused too.
        for odd in ["null", "evil.example", &s.base.replacen("http://", "", 1), "ftp://x"] {
            assert_eq!(
                handshake(&s, &path, Some(odd)).await,
                403,
                "websocket {path} from {odd}"
            );
        }
    }
    // The same handshake from our own page, on every spelling that routes, works.
    for path in &routed {
        assert_eq!(handshake(&s, path, Some(&own)).await, 101, "{path}");
    }

    // A form on another site posting a file to each spelling of the upload route; tus
    // creation the same. Nothing may be stored.
    let form = "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.mov\"\r\n\r\njunk\r\n--B--\r\n";
    for path in spellings("/api/upload").into_iter().chain(spellings("/api/tus")) {
        for (k, v) in [("Origin", evil), ("Sec-Fetch-Site", "cross-site"), ("Origin", "null")] {
            let r = client()
                .post(s.url(&path))
                .insert_header(("X-Remote-User-Id", "alice"))
                .insert_header(("Content-Type", "multipart/form-data; boundary=B"))
                .insert_header(("Upload-Length", "4"))
                .insert_header(("Tus-Resumable", "1.0.0"))
                .insert_header((k, v))
                .send_body(form)
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 403, "POST {path} with {k}: {v}");
        }
    }
    assert_eq!(s.get("/api/media", Some("alice")).await.1, serde_json::json!([]));

    // Alice's media, renamed or deleted from another site through any spelling: refused.
    let r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", "alice"))
        .insert_header(("X-File-Name", "mine.mov"))
        .insert_header(("Origin", own.as_str()))
        .send_body("junk")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let (_, list) = s.get("/api/media", Some("alice")).await;
    let id = list[0]["id"].as_str().unwrap().to_string();
    for path in spellings(&format!("/api/media/{id}")) {
        for method in [
            awc::http::Method::DELETE,
            awc::http::Method::PATCH,
            awc::http::Method::PUT,
        ] {
            let r = client()
                .request(method.clone(), s.url(&path))
                .insert_header(("X-Remote-User-Id", "alice"))
                .insert_header(("Origin", evil))
                .send_json(&serde_json::json!({"title": "pwned"}))
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 403, "{method} {path}");
        }
    }
    let (code, m) = s.get(&format!("/api/media/{id}"), Some("alice")).await;
    assert_eq!(code, 200);
    assert_eq!(m["title"], "mine.mov");
}
