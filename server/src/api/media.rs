//! `GET /api/media` and `GET /api/media/{id}`: the caller's media and one item's metadata.
//! Someone else's media answers 404, the same as missing media, so ids cannot be probed.

use crate::db::queries;
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use dailies_protocol::MediaInfo;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/media", web::get().to(list))
        .route("/media/{id}", web::get().to(get));
}

async fn list(state: web::Data<AppState>, who: Identity) -> AppResult<HttpResponse> {
    let uid = who.0.id.0.clone();
    let rows = state.db.run(move |c| queries::list_media_of(c, &uid)).await?;
    let items: Vec<MediaInfo> = rows.iter().map(|m| m.to_info()).collect();
    Ok(HttpResponse::Ok().json(items))
}

async fn get(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let row = state.db.run(move |c| queries::get_media(c, &id)).await?;
    match row {
        Some(m) if m.owner_id == who.0.id.0 || who.0.is_admin => Ok(HttpResponse::Ok().json(m.to_info())),
        _ => Err(AppError::NotFound("no such media".into())),
    }
}
