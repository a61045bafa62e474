//! `/api/media/{id}/subtitles…` and their guest counterparts: a media's subtitle tracks
//! listed, uploaded (converted to WebVTT), edited, deleted, and served with their offset.

use crate::access::{self, Action};
use crate::api::guest::Guest;
use crate::db::models::Media;
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::state::AppState;
use crate::subtitles::{self, convert::MAX_SUBTITLE_BYTES, Upload};
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use dailies_protocol::{MediaId, SubtitleTrackEdit, UserInfo};
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/media/{id}/subtitles", web::get().to(list))
        .route("/media/{id}/subtitles", web::post().to(upload))
        .route("/media/{id}/subtitles/{sub}", web::patch().to(edit))
        .route("/media/{id}/subtitles/{sub}", web::delete().to(delete))
        .route("/media/{id}/subtitles/{sub}/vtt", web::get().to(vtt))
        .route("/guest/media/{id}/subtitles", web::get().to(guest_list))
        .route("/guest/media/{id}/subtitles/{sub}/vtt", web::get().to(guest_vtt));
}

async fn media(state: &AppState, user: &UserInfo, id: String, action: Action) -> AppResult<Media> {
    access::media_for(state, user, &MediaId(id), action).await
}

async fn list(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    let m = media(&state, &who.0, id.into_inner(), Action::View).await?;
    Ok(HttpResponse::Ok().json(subtitles::list(&state, &m, false).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadQuery {
    filename: Option<String>,
    title: Option<String>,
    language: Option<String>,
    offset_ms: Option<i64>,
    default: Option<String>,
}

fn flag(v: Option<&str>) -> AppResult<bool> {
    match v.map(str::trim) {
        None | Some("") | Some("0") | Some("false") => Ok(false),
        Some("1") | Some("true") => Ok(true),
        Some(o) => Err(AppError::BadRequest(format!("default is 1 or 0, not {o:?}"))),
    }
}

/// The body is the subtitle file itself; the track's details are in the query.
async fn upload(
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
    q: web::Query<UploadQuery>,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    use futures_util::StreamExt;
    // Adding a track changes the media as renaming does: for those who manage it.
    let m = media(&state, &who.0, id.into_inner(), Action::Rename).await?;
    let q = q.into_inner();
    let is_default = flag(q.default.as_deref())?;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("reading the subtitle file: {e}")))?;
        if body.len() + chunk.len() > MAX_SUBTITLE_BYTES {
            return Err(AppError::PayloadTooLarge(format!(
                "a subtitle file is at most {MAX_SUBTITLE_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    if body.is_empty() {
        return Err(AppError::BadRequest("the subtitle file is empty".into()));
    }
    let up = Upload {
        file_name: q.filename,
        title: q.title,
        language: q.language,
        offset_ms: q.offset_ms.unwrap_or(0),
        is_default,
    };
    let track = subtitles::add(&state, &m, body, up).await?;
    Ok(HttpResponse::Created().json(track))
}

async fn edit(
    state: web::Data<AppState>,
    who: Identity,
    path: web::Path<(String, i64)>,
    body: web::Json<SubtitleTrackEdit>,
) -> AppResult<HttpResponse> {
    let (id, sub) = path.into_inner();
    let m = media(&state, &who.0, id, Action::Rename).await?;
    Ok(HttpResponse::Ok().json(subtitles::edit(&state, &m, sub, body.into_inner()).await?))
}

async fn delete(state: web::Data<AppState>, who: Identity, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let (id, sub) = path.into_inner();
    let m = media(&state, &who.0, id, Action::Rename).await?;
    subtitles::delete(&state, &m, sub).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn vtt_response(text: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/vtt; charset=utf-8")
        // The offset can change at any time: always asked again.
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(text)
}

async fn vtt(state: web::Data<AppState>, who: Identity, path: web::Path<(String, i64)>) -> AppResult<HttpResponse> {
    let (id, sub) = path.into_inner();
    let m = media(&state, &who.0, id, Action::View).await?;
    Ok(vtt_response(subtitles::vtt_text(&state, &m, sub).await?))
}

/// What the guest's link opens is checked with its grant, as on every guest route.
async fn guest_list(state: web::Data<AppState>, guest: Guest, id: web::Path<String>) -> AppResult<HttpResponse> {
    let m = media(&state, &guest.0, id.into_inner(), Action::View).await?;
    Ok(HttpResponse::Ok().json(subtitles::list(&state, &m, true).await?))
}

async fn guest_vtt(
    state: web::Data<AppState>,
    guest: Guest,
    path: web::Path<(String, i64)>,
) -> AppResult<HttpResponse> {
    let (id, sub) = path.into_inner();
    let m = media(&state, &guest.0, id, Action::View).await?;
    Ok(vtt_response(subtitles::vtt_text(&state, &m, sub).await?))
}
