//! `/api/playlists`: dailies playlists (docs/versions.md), their items and their sharing.

use crate::error::AppResult;
use crate::identity::Identity;
use crate::playlists;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use dailies_protocol::{NewGuestLink, PlaylistEdit, PlaylistId, PlaylistSharing};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/playlists", web::get().to(list))
        .route("/playlists", web::post().to(create))
        .route("/playlists/{playlist}", web::get().to(get))
        .route("/playlists/{playlist}", web::put().to(update))
        .route("/playlists/{playlist}", web::delete().to(delete))
        .route("/playlists/{playlist}/sharing", web::get().to(get_sharing))
        .route("/playlists/{playlist}/sharing", web::put().to(put_sharing))
        .route("/playlists/{playlist}/guest-links", web::get().to(list_links))
        .route("/playlists/{playlist}/guest-links", web::post().to(create_link))
        .route("/playlists/{playlist}/guest-links/{link}", web::delete().to(revoke));
}

async fn list(state: web::Data<AppState>, who: Identity) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(playlists::list(&state, &who.0).await?))
}

async fn create(state: web::Data<AppState>, who: Identity, body: web::Json<PlaylistEdit>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Created().json(playlists::create(&state, &who.0, body.into_inner()).await?))
}

async fn get(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(playlists::get(&state, &who.0, &PlaylistId(id.into_inner())).await?))
}

async fn update(
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
    body: web::Json<PlaylistEdit>,
) -> AppResult<HttpResponse> {
    let id = PlaylistId(id.into_inner());
    Ok(HttpResponse::Ok().json(playlists::update(&state, &who.0, &id, body.into_inner()).await?))
}

async fn delete(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    playlists::delete(&state, &who.0, &PlaylistId(id.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn get_sharing(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(playlists::get_sharing(&state, &who.0, &PlaylistId(id.into_inner())).await?))
}

async fn put_sharing(
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
    body: web::Json<PlaylistSharing>,
) -> AppResult<HttpResponse> {
    let id = PlaylistId(id.into_inner());
    Ok(HttpResponse::Ok().json(playlists::put_sharing(&state, &who.0, &id, body.into_inner()).await?))
}

async fn list_links(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(playlists::list_links(&state, &who.0, &PlaylistId(id.into_inner())).await?))
}

async fn create_link(
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
    body: web::Json<NewGuestLink>,
) -> AppResult<HttpResponse> {
    let id = PlaylistId(id.into_inner());
    Ok(HttpResponse::Created().json(playlists::create_link(&state, &who.0, &id, body.into_inner()).await?))
}

async fn revoke(state: web::Data<AppState>, who: Identity, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let (id, link) = path.into_inner();
    playlists::delete_link(&state, &who.0, &PlaylistId(id), link).await?;
    Ok(HttpResponse::NoContent().finish())
}
