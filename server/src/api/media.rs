//! `/api/media`: the caller's media (or what others shared with them), one item's
//! metadata, rename and delete, and a comment's drawing when it is too large to travel
//! with the comment.
//! Someone else's media answers 404, the same as missing media, so ids cannot be probed.

use crate::access::{self, Action};
use crate::db::queries;
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::media_ops;
use crate::sharing;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use dailies_protocol::{MediaId, MediaInfo};
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/media", web::get().to(list))
        .route("/media/{id}", web::get().to(get))
        .route("/media/{id}", web::patch().to(rename))
        .route("/media/{id}", web::delete().to(delete))
        .route("/media/{id}/comments/{comment}/drawing", web::get().to(drawing));
}

async fn drawing(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    who: Identity,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let (id, comment_id) = path.into_inner();
    drawing_of(&req, &state, &who.0, &MediaId(id), comment_id).await
}

/// A comment's drawing as JSON, for whoever may view its media (users and guests alike).
/// Revalidated by an ETag from the comment's last edit; a comment without one is 404.
pub(super) async fn drawing_of(
    req: &actix_web::HttpRequest,
    state: &AppState,
    user: &dailies_protocol::UserInfo,
    media_id: &MediaId,
    comment_id: i64,
) -> AppResult<HttpResponse> {
    access::media_for(state, user, media_id, Action::View).await?;
    let comment = state
        .db
        .run(move |c| crate::db::comments::get(c, comment_id))
        .await?
        .filter(|c| c.media_id == *media_id && !c.deleted)
        .ok_or_else(|| AppError::NotFound("no such comment".into()))?;
    let drawing = comment
        .drawing
        .ok_or_else(|| AppError::NotFound("this comment has no drawing".into()))?;
    let tag = format!(
        "\"{}-{}\"",
        comment.id.0,
        comment.edited_at.as_deref().unwrap_or(&comment.created_at)
    );
    let fresh = req
        .headers()
        .get(actix_web::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut r = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    r.insert_header((actix_web::http::header::ETAG, tag))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-cache"));
    Ok(if fresh { r.finish() } else { r.json(drawing) })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// `1`: what others shared with the caller by name, instead of the caller's own.
    #[serde(default)]
    shared: Option<String>,
    /// Only media in this review status.
    #[serde(default)]
    status: Option<String>,
}

async fn list(state: web::Data<AppState>, who: Identity, q: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let shared = match q.shared.as_deref() {
        None | Some("0") | Some("false") => false,
        Some("1") | Some("true") => true,
        Some(other) => return Err(AppError::BadRequest(format!("shared is 1 or 0, not {other:?}"))),
    };
    let status = q.status.as_deref().map(sharing::parse_status).transpose()?;
    let uid = who.0.id.0.clone();
    let rows = state
        .db
        .run(move |c| {
            if shared {
                crate::db::sharing::shared_with(c, &uid)
            } else {
                queries::list_media_of(c, &uid)
            }
        })
        .await?;
    let rows = rows
        .into_iter()
        .filter(|m| status.is_none_or(|s| m.review_status == s))
        .collect();
    let rows = access::visible(&state, &who.0, rows).await;
    // One card per version stack: its newest version.
    let items: Vec<MediaInfo> = state.db.run(move |c| crate::db::versions::library(c, rows)).await?;
    Ok(HttpResponse::Ok().json(items))
}

async fn get(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    let m = access::media_for(&state, &who.0, &MediaId(id.into_inner()), Action::View).await?;
    let info = state.db.run(move |c| crate::db::versions::info(c, &m)).await?;
    Ok(HttpResponse::Ok().json(info))
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
