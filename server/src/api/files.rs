//! `/files/{media_id}/{name}`: media files with HTTP Range, ETag and Last-Modified,
//! authorized on every request, and never a path outside the media's own directory.

use crate::access;
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::state::AppState;
use actix_files::NamedFile;
use actix_web::http::header::{ContentDisposition, DispositionType};
use actix_web::{web, HttpRequest, HttpResponse};
use dailies_protocol::MediaId;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/files/{media_id}/{name}", web::get().to(serve))
        .route("/files/{media_id}/{name}", web::head().to(serve));
}

/// A file name we serve: one plain component, no hidden files, no temporary outputs.
fn servable(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && !name.starts_with("tmp.")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

async fn serve(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Identity,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (media_id, name) = path.into_inner();
    let mid = MediaId(media_id.clone());
    if !mid.is_well_formed() || !servable(&name) {
        return Err(AppError::NotFound("no such file".into()));
    }
    access::media_for(&state, &who.0, &mid, access::Action::View).await?;
    send(&req, &state, &mid, &name).await
}

/// Sends a file of a media already authorized, `?download=1` as an attachment.
pub async fn send(req: &HttpRequest, state: &AppState, mid: &MediaId, name: &str) -> AppResult<HttpResponse> {
    if !mid.is_well_formed() || !servable(name) {
        return Err(AppError::NotFound("no such file".into()));
    }
    let download = req.query_string().split('&').any(|kv| kv == "download=1");
    let file_path = state.config.media_dir().join(mid.as_str()).join(name);
    let file = NamedFile::open_async(&file_path)
        .await
        .map_err(|_| AppError::NotFound("no such file".into()))?;
    // An image sequence's original is a folder of frames, not one file to send.
    if !file.metadata().is_file() {
        return Err(AppError::NotFound("no such file".into()));
    }
    let file = file
        .use_etag(true)
        .use_last_modified(true)
        .set_content_disposition(ContentDisposition {
            disposition: if download {
                DispositionType::Attachment
            } else {
                DispositionType::Inline
            },
            parameters: vec![],
        });
    let mut resp = file.into_response(req);
    // Media is private: shared caches must not keep it.
    resp.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_names() {
        for ok in ["proxy.mp4", "original.mov", "thumb.webp", "ffmpeg.log", "audio-2.m4a"] {
            assert!(super::servable(ok), "{ok}");
        }
        for bad in ["", "..", ".hidden", "a/b", "..%2f", "tmp.proxy.mp4", "a b", "é.mp4"] {
            assert!(!super::servable(bad), "{bad}");
        }
    }
}
