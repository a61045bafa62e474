//! Space and quotas over HTTP: `GET /api/quota` for the caller's own limits and usage;
//! for admins, every unfinished upload (`/api/admin/uploads`, with cancel) and each
//! user's quota overrides (`/api/admin/users/{user}/quota`). Others get 403.

use super::tus::{end_upload, TusLocks};
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::space::{Overrides, UploadKind};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use dailies_protocol::UserId;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/quota", web::get().to(own_quota))
        .route("/admin/uploads", web::get().to(uploads))
        .route("/admin/uploads/{upload}", web::delete().to(cancel))
        .route("/admin/users/{user}/quota", web::get().to(user_quota))
        .route("/admin/users/{user}/quota", web::put().to(set_quota));
}

fn admin(who: &Identity) -> AppResult<()> {
    if who.0.is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators may do this".into()))
    }
}

async fn own_quota(state: web::Data<AppState>, who: Identity) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.space.view(&who.0.id).await?))
}

async fn uploads(state: web::Data<AppState>, who: Identity) -> AppResult<HttpResponse> {
    admin(&who)?;
    Ok(HttpResponse::Ok().json(json!({ "uploads": state.space.uploads() })))
}

async fn cancel(
    state: web::Data<AppState>,
    locks: web::Data<TusLocks>,
    who: Identity,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    admin(&who)?;
    let id = id.into_inner();
    match state.space.kind_of(&id) {
        // Removed like its owner's termination: a PATCH in progress stops and gets 404.
        Some(UploadKind::Tus) => end_upload(&state, &locks, &id).await?,
        // The request writing it stops, answers 410 and removes its partial file.
        Some(UploadKind::Post) => {
            state.space.cancel(&id);
        }
        None => return Err(AppError::NotFound("no such unfinished upload".into())),
    }
    tracing::info!(upload = %id, by = %who.0.id, "upload cancelled by an administrator");
    Ok(HttpResponse::NoContent().finish())
}

fn user_of(path: web::Path<String>) -> AppResult<UserId> {
    let id = path.into_inner();
    if id.is_empty() || id.len() > 256 || id.chars().any(char::is_control) {
        return Err(AppError::BadRequest("not a user id".into()));
    }
    Ok(UserId(id))
}

async fn user_quota(state: web::Data<AppState>, who: Identity, user: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&who)?;
    let user = user_of(user)?;
    Ok(HttpResponse::Ok().json(state.space.view(&user).await?))
}

async fn set_quota(
    state: web::Data<AppState>,
    who: Identity,
    user: web::Path<String>,
    body: web::Json<Overrides>,
) -> AppResult<HttpResponse> {
    admin(&who)?;
    let user = user_of(user)?;
    let o = body.into_inner();
    state.space.set_overrides(&user, o).await?;
    tracing::info!(user = %user, by = %who.0.id, overrides = ?o, "quota overrides set");
    Ok(HttpResponse::Ok().json(state.space.view(&user).await?))
}
