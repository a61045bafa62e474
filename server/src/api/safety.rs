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

/// True when the request plainly comes from a page of another origin.
pub fn cross_origin(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) else {
        // Non-browser clients (curl, tus clients, tests) send no Origin.
        return false;
    };
    if origin == "null" {
        return true;
    }
    // Behind a proxy the Host header is the public one (nginx passes it through).
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get("host"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin
        .split_once("://")
        .map(|(_, h)| h)
        .unwrap_or(origin)
        .trim_end_matches('/');
    !origin_host.eq_ignore_ascii_case(host)
}

fn guarded(req: &ServiceRequest) -> bool {
    let path = req.path();
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let upgrade = path == "/api/ws";
    (changes && (path.starts_with("/api/") || path.starts_with("/files/"))) || upgrade
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
