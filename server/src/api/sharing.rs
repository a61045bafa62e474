//! Team review routes (docs/sharing.md): a media's sharing, its review status and its
//! guest links, and the users a share can name.

use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::sharing;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use dailies_protocol::{MediaId, NewGuestLink, ReviewStatus, Sharing};
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/media/{id}/sharing", web::get().to(get_sharing))
        .route("/media/{id}/sharing", web::put().to(put_sharing))
        .route("/media/{id}/status", web::get().to(get_status))
        .route("/media/{id}/status", web::put().to(put_status))
        .route("/media/{id}/guest-links", web::get().to(list_links))
        .route("/media/{id}/guest-links", web::post().to(create_link))
        .route("/media/{id}/guest-links/{link}", web::delete().to(delete_link))
        .route("/users", web::get().to(users));
}

async fn get_sharing(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    let s = sharing::get_sharing(&state, &who.0, &MediaId(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(s))
}

async fn put_sharing(
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
    body: web::Json<Sharing>,
) -> AppResult<HttpResponse> {
    let s = sharing::put_sharing(&state, &who.0, &MediaId(id.into_inner()), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(s))
}

async fn get_status(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    let s = sharing::status(&state, &who.0, &MediaId(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(s))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetStatus {
    status: ReviewStatus,
}

async fn put_status(
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
    body: web::Json<SetStatus>,
) -> AppResult<HttpResponse> {
    let s = sharing::set_status(&state, &who.0, &MediaId(id.into_inner()), body.status).await?;
    Ok(HttpResponse::Ok().json(s))
}

async fn list_links(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    let l = sharing::list_links(&state, &who.0, &MediaId(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(l))
}

async fn create_link(
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
    body: web::Json<NewGuestLink>,
) -> AppResult<HttpResponse> {
    let l = sharing::create_link(&state, &who.0, &MediaId(id.into_inner()), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(l))
}

async fn delete_link(
    state: web::Data<AppState>,
    who: Identity,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, link) = path.into_inner();
    let link: i64 = link
        .parse()
        .map_err(|_| AppError::NotFound("no such guest link".into()))?;
    sharing::delete_link(&state, &who.0, &MediaId(id), link).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn users(state: web::Data<AppState>, _who: Identity) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(sharing::known_users(&state).await?))
}
