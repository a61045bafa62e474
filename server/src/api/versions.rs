//! Version stacks (docs/versions.md): a media's versions, their order, splitting one out,
//! and the notes of all versions. Adding a version is `POST /api/upload?version_of=<id>`
//! (or tus metadata `version_of`); removing one is `DELETE /api/media/{id}`.

use crate::error::AppResult;
use crate::identity::Identity;
use crate::state::AppState;
use crate::versions;
use actix_web::{web, HttpResponse};
use dailies_protocol::{MediaId, StackOrder};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/media/{id}/stack", web::get().to(stack))
        .route("/media/{id}/stack", web::put().to(reorder))
        .route("/media/{id}/stack/comments", web::get().to(comments))
        .route("/media/{id}/split", web::post().to(split));
}

async fn stack(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(versions::stack(&state, &who.0, &MediaId(id.into_inner())).await?))
}

async fn reorder(
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
    body: web::Json<StackOrder>,
) -> AppResult<HttpResponse> {
    let order = body.into_inner().order;
    Ok(HttpResponse::Ok().json(versions::reorder(&state, &who.0, &MediaId(id.into_inner()), order).await?))
}

async fn comments(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(versions::all_comments(&state, &who.0, &MediaId(id.into_inner())).await?))
}

async fn split(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(versions::split(&state, &who.0, &MediaId(id.into_inner())).await?))
}
