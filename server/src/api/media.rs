//! `/api/media`: the caller's media, one item's metadata, rename and delete.
//! Someone else's media answers 404, the same as missing media, so ids cannot be probed.

use crate::access::{self, Action};
use crate::db::queries;
use crate::error::AppResult;
use crate::identity::Identity;
use crate::media_ops;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use dailies_protocol::{MediaId, MediaInfo};
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/media", web::get().to(list))
        .route("/media/{id}", web::get().to(get))
        .route("/media/{id}", web::patch().to(rename))
        .route("/media/{id}", web::delete().to(delete));
}

async fn list(state: web::Data<AppState>, who: Identity) -> AppResult<HttpResponse> {
    let uid = who.0.id.0.clone();
    let rows = state.db.run(move |c| queries::list_media_of(c, &uid)).await?;
    let rows = access::visible(&state, &who.0, rows).await;
    let items: Vec<MediaInfo> = rows.iter().map(|m| m.to_info()).collect();
    Ok(HttpResponse::Ok().json(items))
}

async fn get(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    let m = access::media_for(&state, &who.0, &MediaId(id.into_inner()), Action::View).await?;
    Ok(HttpResponse::Ok().json(m.to_info()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rename {
    title: String,
}

async fn rename(
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
    body: web::Json<Rename>,
) -> AppResult<HttpResponse> {
    let m = media_ops::rename(&state, &who.0, &MediaId(id.into_inner()), &body.title).await?;
    Ok(HttpResponse::Ok().json(m.to_info()))
}

async fn delete(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    media_ops::delete(&state, &who.0, &MediaId(id.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}
