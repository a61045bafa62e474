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
