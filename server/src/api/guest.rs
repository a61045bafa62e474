//! `/api/guest/…`: what a guest of a review link reaches, authenticated by the
//! `dailies_guest` cookie alone (identity headers are never read here), and only the
//! link's media (docs/sharing.md).

use crate::db::sharing::GuestGrant;
use crate::error::{AppError, AppResult};
use crate::session::{transport, UserSession};
use crate::sharing::{self, GuestGate};
use crate::state::AppState;
use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse};
use dailies_protocol::{GuestSessionRequest, MediaId, UserInfo};
use std::future::Future;
use std::pin::Pin;

pub const COOKIE: &str = "dailies_guest";
const COOKIE_PATH: &str = "/api/guest";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/guest/session", web::post().to(open))
        .route("/guest/session", web::delete().to(close))
        .route("/guest/media", web::get().to(media))
        .route("/guest/ws", web::get().to(ws))
        .route("/guest/comments/{comment}/drawing", web::get().to(drawing))
        .route("/guest/files/{media_id}/{name}", web::get().to(file))
        .route("/guest/files/{media_id}/{name}", web::head().to(file))
        .route("/guest/media/{id}/download/original", web::get().to(download_original))
        .route("/guest/media/{id}/download/proxy", web::get().to(download_proxy))
        .route("/guest/media/{id}/report", web::get().to(report))
        .route("/guest/media/{id}/comments/{comment}/still.png", web::get().to(still));
}

/// The review report: it carries every frame commented on, so a link gives it only with
/// downloads, as for the files.
async fn report(state: web::Data<AppState>, guest: Guest, id: web::Path<String>) -> AppResult<HttpResponse> {
    use crate::access::{self, Action};
    let media = access::media_for(&state, &guest.0, &MediaId(id.into_inner()), Action::View).await?;
    if !guest.1.link.can_download {
        return Err(AppError::Forbidden("this review link does not allow downloads".into()));
    }
    crate::api::interchange::send_report(&state, media).await
}

/// A comment's still: the frame and the drawing the guest already sees in the review.
async fn still(state: web::Data<AppState>, guest: Guest, path: web::Path<(String, String)>) -> AppResult<HttpResponse> {
    use crate::access::{self, Action};
    let (id, comment) = path.into_inner();
    let media = access::media_for(&state, &guest.0, &MediaId(id), Action::View).await?;
    crate::api::interchange::send_still(&state, media, &comment).await
}

async fn download_original(
    req: HttpRequest,
    state: web::Data<AppState>,
    guest: Guest,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    use crate::api::interchange::{guest_download, Which};
    guest_download(&req, &state, &guest, &id, Which::Original).await
}

async fn download_proxy(
    req: HttpRequest,
    state: web::Data<AppState>,
    guest: Guest,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    use crate::api::interchange::{guest_download, Which};
    guest_download(&req, &state, &guest, &id, Which::Proxy).await
}

/// The guest a request's cookie names, while its link lives.
pub struct Guest(pub UserInfo, pub GuestGrant);

impl FromRequest for Guest {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("application state missing")))?;
            let secret = req
                .cookie(COOKIE)
                .map(|c| c.value().to_string())
                .ok_or_else(|| AppError::Unauthorized("open the review link first".into()))?;
            let (user, grant) = sharing::guest_by_secret(state, &secret).await?;
            Ok(Guest(user, grant))
        })
    }
}

/// Whether the browser reached us over TLS (directly, or through the proxy).
fn over_tls(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

fn cookie(req: &HttpRequest, value: String, age: CookieAge) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path(COOKIE_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(over_tls(req))
        .max_age(age)
        .finish()
}

async fn open(
    req: HttpRequest,
    state: web::Data<AppState>,
    gate: web::Data<GuestGate>,
    body: web::Json<GuestSessionRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let (secret, _, media) = sharing::open_guest_session(&state, &gate, &b.token, &b.name, b.password).await?;
    Ok(HttpResponse::Ok()
        .cookie(cookie(&req, secret, CookieAge::days(30)))
        .json(media))
}

async fn close(req: HttpRequest, state: web::Data<AppState>, guest: Option<Guest>) -> AppResult<HttpResponse> {
    if let Some(Guest(user, _)) = guest {
        sharing::end_guest_session(&state, &user).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(cookie(&req, String::new(), CookieAge::ZERO))
        .finish())
}

async fn media(state: web::Data<AppState>, guest: Guest) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(sharing::guest_media(&state, &guest.0).await?))
}

async fn ws(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    guest: Guest,
) -> actix_web::Result<HttpResponse> {
    let st = state.get_ref().clone();
    transport::serve(&req, body, state.config.ws_max_frame, move |out| {
        UserSession::new(guest.0, st, out)
    })
}

/// A large drawing of a comment on the link's media (`drawing_url` maps here for guests).
async fn drawing(
    req: HttpRequest,
    state: web::Data<AppState>,
    guest: Guest,
    comment_id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    // The comment may be on any version of the link's stack; access is checked on its media.
    let id = comment_id.into_inner();
    let on = state.db.run(move |c| crate::db::comments::get(c, id)).await?;
    let mid = on
        .map(|c| c.media_id)
        .ok_or_else(|| AppError::NotFound("no such comment".into()))?;
    crate::api::media::drawing_of(&req, &state, &guest.0, &mid, id).await
}

async fn file(
    req: HttpRequest,
    state: web::Data<AppState>,
    guest: Guest,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (media_id, name) = path.into_inner();
    let unknown = || AppError::NotFound("no such file".into());
    if media_id.is_empty() {
        return Err(unknown());
    }
    let mid = MediaId(media_id);
    let media = crate::access::media_for(&state, &guest.0, &mid, crate::access::Action::View).await?;
    if !sharing::guest_may_fetch(&guest.1, &media, &name) {
        return Err(AppError::Forbidden(
            "this review link does not allow downloading the original".into(),
        ));
    }
    crate::api::files::send(&req, &state, &mid, &name).await
}
