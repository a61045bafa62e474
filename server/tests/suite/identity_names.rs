//! Non-ASCII names from the proxy and in uploads: user ids and display names raw or
//! percent-encoded, `X-File-Name` raw or percent-encoded, and what is refused, with a reason.

use crate::common::{client, TestServer, Ws};
use awc::http::header::HeaderValue;
use serde_json::Value;

/// A GET of the library with these headers, as they are given (raw bytes allowed).
async fn media_as(s: &TestServer, headers: &[(&str, &[u8])]) -> (u16, Value) {
    let mut req = client().get(s.url("/api/media"));
    for (k, v) in headers {
        req = req.append_header((*k, HeaderValue::from_bytes(v).unwrap()));
    }
    let mut r = req.send().await.unwrap();
    let body = serde_json::from_slice(&r.body().await.unwrap()).unwrap_or(Value::Null);
    (r.status().as_u16(), body)
}

async fn upload_named(s: &TestServer, user: &[u8], name: &[u8]) -> (u16, Value) {
    let mut r = client()
        .post(s.url("/api/upload"))
        .insert_header(("X-Remote-User-Id", HeaderValue::from_bytes(user).unwrap()))
        .insert_header(("X-File-Name", HeaderValue::from_bytes(name).unwrap()))
        .send_body("junk")
        .await
        .unwrap();
    let body = serde_json::from_slice(&r.body().await.unwrap()).unwrap_or(Value::Null);
    (r.status().as_u16(), body)
}

/// The `welcome` of a websocket opened with these identity headers.
async fn welcome_as(s: &TestServer, id: &[u8], name: &[u8]) -> Value {
    let (_, framed) = client()
        .ws(s.ws_url())
        .header("X-Remote-User-Id", HeaderValue::from_bytes(id).unwrap())
        .header("X-Remote-User-Name", HeaderValue::from_bytes(name).unwrap())
        .connect()
        .await
        .unwrap();
    let mut ws = Ws { framed };
    ws.recv_type("welcome").await
}

#[actix_rt::test]
async fn non_ascii_user_ids_and_names_raw_or_percent_encoded() {
    let s = TestServer::start().await;
    // Raw UTF-8, as nginx and oauth2-proxy pass it.
    let (code, e) = media_as(&s, &[("X-Remote-User-Id", "jürgen".as_bytes())]).await;
    assert_eq!(code, 200, "{e}");
    let (code, v) = upload_named(&s, "jürgen".as_bytes(), b"take.mov").await;
    assert_eq!(code, 201, "{v}");
    // Percent-encoded, as some proxies pass it: the same user, who sees the same media.
    let (code, list) = media_as(&s, &[("X-Remote-User-Id", b"j%C3%BCrgen")]).await;
    assert_eq!(code, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["id"], v["id"]);
    assert_eq!(
        media_as(&s, &[("X-Remote-User-Id", b"alice")]).await.1,
        serde_json::json!([])
    );

    // Multi-byte names appear as they are in the welcome, raw or encoded.
    let w = welcome_as(&s, "zoë".as_bytes(), "Zoë Ångström 山田".as_bytes()).await;
    assert_eq!(w["user"]["id"], "zoë", "{w}");
    assert_eq!(w["user"]["name"], "Zoë Ångström 山田", "{w}");
    let w = welcome_as(&s, b"zo%C3%AB", b"Zo%C3%AB%20%C3%85ngstr%C3%B6m%20%E5%B1%B1%E7%94%B0").await;
    assert_eq!(w["user"]["id"], "zoë", "{w}");
    assert_eq!(w["user"]["name"], "Zoë Ångström 山田", "{w}");

    // What stays refused, with the header named and the reason given.
    for (k, v, why) in [
        ("X-Remote-User-Id", &b"100%"[..], "%25"),
        ("X-Remote-User-Id", b"j%C3rgen", "not UTF-8"),
        ("X-Remote-User-Id", b"j\xc3rgen", "not valid UTF-8"),
        ("X-Remote-User-Id", b"a%0Ab", "invalid user id"),
        ("X-Remote-User-Id", b"%20alice", "invalid user id"),
        ("X-Remote-User-Name", b"Zo%EB", "not UTF-8"),
    ] {
        let mut headers = vec![(k, v)];
        if k != "X-Remote-User-Id" {
            headers.push(("X-Remote-User-Id", b"zoe"));
        }
        let (code, e) = media_as(&s, &headers).await;
        assert_eq!(code, 400, "{k}: {v:?}: {e}");
        let msg = e["message"].as_str().unwrap();
        assert!(msg.contains(k) && msg.contains(why), "{k}: {v:?}: {e}");
    }
    let long = "ü".repeat(65);
    assert_eq!(media_as(&s, &[("X-Remote-User-Id", long.as_bytes())]).await.0, 400);
}

#[actix_rt::test]
async fn upload_names_raw_or_percent_encoded_and_what_is_wrong_with_them() {
    let s = TestServer::start().await;
    for (name, title) in [
        ("été 山田.mov".as_bytes(), "été 山田.mov"),
        (b"%C3%A9t%C3%A9%20%E5%B1%B1%E7%94%B0.mov", "été 山田.mov"),
        (b"100% final.mov", "100% final.mov"),
    ] {
        let (code, v) = upload_named(&s, b"alice", name).await;
        assert_eq!(code, 201, "{title}: {v}");
        let (_, m) = s
            .get(&format!("/api/media/{}", v["id"].as_str().unwrap()), Some("alice"))
            .await;
        assert_eq!(m["title"], title, "{m}");
    }
    // Not UTF-8, raw or once decoded: refused with the reason, never turned into U+FFFD.
    for (name, why) in [
        (&b"clip\xff.mov"[..], "X-File-Name is not UTF-8"),
        (b"clip%FF.mov", "not UTF-8"),
        (b"%C3.mov", "not UTF-8"),
        (b"%20", "X-File-Name is empty"),
    ] {
        let (code, e) = upload_named(&s, b"alice", name).await;
        assert_eq!(code, 400, "{name:?}: {e}");
        assert!(e["message"].as_str().unwrap().contains(why), "{name:?}: {e}");
    }
    let (_, list) = s.get("/api/media", Some("alice")).await;
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
}
