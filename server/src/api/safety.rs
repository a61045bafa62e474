//! Browser-facing safety: security headers on every response, and a same-origin check on
//! websocket upgrades and state-changing requests, so another site cannot act as the user.

use actix_web::body::EitherBody;
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::{Error, HttpResponse};
use futures_util::future::LocalBoxFuture;
use std::future::{ready, Ready};

/// The client is served from the same origin; nothing else is loaded or framed.
pub const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; \
     connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// True when the request plainly comes from a page of another origin, or says where it
/// comes from in a way we cannot read (so cannot trust).
pub fn cross_origin(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let mut origins = headers.get_all("origin");
    let Some(origin) = origins.next() else {
        // Non-browser clients (curl, tus clients, tests) send no Origin; browsers always
        // send it on websocket upgrades and on requests other than GET and HEAD.
        return false;
    };
    if origins.next().is_some() {
        return true;
    }
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    // Behind a proxy the Host header is the public one (nginx passes it through).
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get("host"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match origin_host(origin) {
        Some(h) => host.is_empty() || !h.eq_ignore_ascii_case(host),
        // "null" (sandboxed frames, file: pages, some redirects) and anything malformed.
        None => true,
    }
}

/// The `host[:port]` of an `Origin` value, which is exactly `scheme://host[:port]`.
fn origin_host(origin: &str) -> Option<&str> {
    let (scheme, host) = origin.split_once("://")?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    let known = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    (known && !host.is_empty() && host.chars().all(plain)).then_some(host)
}

/// Whether the request asks to become a websocket (or any other protocol).
fn upgrade(req: &ServiceRequest) -> bool {
    let h = req.headers();
    h.contains_key("upgrade") || h.contains_key("sec-websocket-key")
}

/// Which requests must come from our own pages. Decided on the method and the handshake
/// headers alone, never on the path: the router decodes and matches paths in ways a
/// prefix test on the raw path does not (`/%61pi/ws` routes to `/api/ws`), and no route
/// needs another site's state-changing request.
fn guarded(req: &ServiceRequest) -> bool {
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    changes || upgrade(req)
}

pub struct Safety;

impl<S, B> Transform<S, ServiceRequest> for Safety
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = SafetyMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SafetyMiddleware { service }))
    }
}

pub struct SafetyMiddleware<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for SafetyMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        if guarded(&req) && cross_origin(&req) {
            tracing::warn!(path = req.path(), origin = ?req.headers().get("origin"), "cross-origin request refused");
            let resp = HttpResponse::Forbidden().json(serde_json::json!({
                "error": "forbidden",
                "message": "cross-origin requests are not allowed",
            }));
            return Box::pin(async move { Ok(req.into_response(resp).map_into_right_body()) });
        }
        let fut = self.service.call(req);
        Box::pin(async move {
            let mut res = fut.await?;
            let h = res.headers_mut();
            let set = |h: &mut actix_web::http::header::HeaderMap, k: &'static str, v: &'static str| {
                h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
            };
            set(h, "content-security-policy", CSP);
            set(h, "x-content-type-options", "nosniff");
            set(h, "x-frame-options", "DENY");
            set(h, "referrer-policy", "same-origin");
            set(h, "cross-origin-opener-policy", "same-origin");
            set(h, "cross-origin-resource-policy", "same-origin");
            Ok(res.map_into_left_body())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn refused(method: Method, path: &str, headers: &[(&str, &str)]) -> bool {
        let mut r = TestRequest::default()
            .method(method)
            .uri(path)
            .insert_header(("Host", "dailies.example.com"));
        for h in headers {
            r = r.insert_header(*h);
        }
        let req = r.to_srv_request();
        guarded(&req) && cross_origin(&req)
    }

    #[test]
    fn the_path_does_not_decide() {
        let evil = [("Origin", "https://evil.example")];
        let upgrade = [("Origin", "https://evil.example"), ("Upgrade", "websocket")];
        for path in ["/api/ws", "/%61pi/ws", "//api/ws", "/API/ws", "/api/ws/", "/anything"] {
            assert!(refused(Method::GET, path, &upgrade), "{path}");
            assert!(refused(Method::POST, path, &evil), "{path}");
            assert!(refused(Method::DELETE, path, &evil), "{path}");
            // Reads from another site are the browser's business (CORP, no CORS).
            assert!(!refused(Method::GET, path, &evil), "{path}");
        }
    }

    #[test]
    fn only_our_own_origin_passes() {
        let post = |o: &str| refused(Method::POST, "/api/upload", &[("Origin", o)]);
        assert!(!post("https://dailies.example.com"));
        assert!(!post("HTTPS://Dailies.Example.com"));
        assert!(!refused(Method::POST, "/api/upload", &[]));
        for o in [
            "null",
            "dailies.example.com",
            "ftp://dailies.example.com",
            "https://dailies.example.com.evil.example",
            "https://dailies.example.com/path",
            "https://user@dailies.example.com",
            "https://",
        ] {
            assert!(post(o), "{o}");
        }
        assert!(refused(
            Method::POST,
            "/api/upload",
            &[("Sec-Fetch-Site", "cross-site")]
        ));
    }
}
