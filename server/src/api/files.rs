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
use futures_util::TryStreamExt;
use std::ops::Range;

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
    send_as(req, state, mid, name, None).await
}

/// Like `send`; `disposition` is the `Content-Disposition` the caller sets on the answer
/// (a download under its own name). A redirect to the bucket carries it in the presigned
/// URL, since a header on the redirect itself does not name the file the browser saves.
pub async fn send_as(
    req: &HttpRequest,
    state: &AppState,
    mid: &MediaId,
    name: &str,
    disposition: Option<&str>,
) -> AppResult<HttpResponse> {
    if !mid.is_well_formed() || !servable(name) {
        return Err(AppError::NotFound("no such file".into()));
    }
    let download = req.query_string().split('&').any(|kv| kv == "download=1");
    if !state.store.is_local() {
        let disposition = disposition.or(download.then_some("attachment"));
        return from_store(req, state, mid, name, download, disposition).await;
    }
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

/// `bytes=A-B`, `bytes=A-` or `bytes=-N` of an object of `size` bytes: `Ok(None)` for the
/// whole object (no header, or one we do not honour, such as several ranges), `Err` when
/// the range lies outside it (416).
fn byte_range(header: Option<&str>, size: u64) -> Result<Option<Range<u64>>, ()> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let num = |s: &str| s.trim().parse::<u64>().map_err(|_| ());
    let range = match (a.trim().is_empty(), b.trim().is_empty()) {
        (true, true) => return Ok(None),
        (true, false) => {
            let n = num(b)?;
            if n == 0 || size == 0 {
                return Err(());
            }
            size.saturating_sub(n)..size
        }
        (false, true) => num(a)?..size,
        (false, false) => {
            let (a, b) = (num(a)?, num(b)?);
            if b < a {
                return Err(());
            }
            a..(b + 1).min(size)
        }
    };
    if range.start >= size {
        return Err(());
    }
    Ok(Some(range))
}

/// A file in object storage: a redirect to a short-lived presigned URL when
/// `storage_redirect` is set, else the bytes streamed through, with Range.
async fn from_store(
    req: &HttpRequest,
    state: &AppState,
    mid: &MediaId,
    name: &str,
    download: bool,
    disposition: Option<&str>,
) -> AppResult<HttpResponse> {
    use actix_web::http::header::{self, HeaderValue};
    let info = state.store.head(mid.as_str(), name).await?;
    if state.config.storage_redirect {
        let url = state
            .store
            .presigned_get_as(mid.as_str(), name, state.config.storage_presign_ttl, disposition)
            .await?;
        return Ok(HttpResponse::TemporaryRedirect()
            .insert_header((header::LOCATION, url))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish());
    }
    let etag = info.etag.clone();
    if let (Some(tag), Some(asked)) = (&etag, req.headers().get(header::IF_NONE_MATCH)) {
        if asked.to_str().is_ok_and(|a| a.split(',').any(|t| t.trim() == tag)) {
            return Ok(HttpResponse::NotModified()
                .insert_header((header::ETAG, tag.as_str()))
                .finish());
        }
    }
    let asked = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok());
    let range = match byte_range(asked, info.size) {
        Ok(r) => r,
        Err(()) => {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{}", info.size)))
                .finish())
        }
    };
    let mut resp = match &range {
        Some(r) => {
            let mut b = HttpResponse::PartialContent();
            b.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{}", r.start, r.end - 1, info.size),
            ));
            b
        }
        None => HttpResponse::Ok(),
    };
    let mime = actix_files::file_extension_to_mime(name.rsplit('.').next().unwrap_or(""));
    resp.insert_header((header::CONTENT_TYPE, mime.to_string()))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .insert_header((
            header::LAST_MODIFIED,
            header::HttpDate::from(std::time::SystemTime::from(info.last_modified)),
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            if download { "attachment" } else { "inline" },
        ));
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        resp.insert_header((header::ETAG, tag));
    }
    let range = range.unwrap_or(0..info.size);
    let len = range.end - range.start;
    if req.method() == actix_web::http::Method::HEAD {
        resp.no_chunking(len);
        return Ok(resp.finish());
    }
    let body = state.store.get_range(mid.as_str(), name, range).await?;
    resp.no_chunking(len);
    Ok(resp.streaming(body.map_err(|e| std::io::Error::other(e.to_string()))))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges_inside_and_outside() {
        use super::byte_range as r;
        assert_eq!(r(None, 10), Ok(None));
        assert_eq!(r(Some("bytes=0-3"), 10), Ok(Some(0..4)));
        assert_eq!(r(Some("bytes=4-"), 10), Ok(Some(4..10)));
        assert_eq!(r(Some("bytes=-3"), 10), Ok(Some(7..10)));
        assert_eq!(r(Some("bytes=5-100"), 10), Ok(Some(5..10)));
        assert_eq!(r(Some("bytes=-30"), 10), Ok(Some(0..10)));
        assert_eq!(r(Some("bytes=0-1,4-5"), 10), Ok(None));
        assert_eq!(r(Some("bytes=10-"), 10), Err(()));
        assert_eq!(r(Some("bytes=5-2"), 10), Err(()));
        assert_eq!(r(Some("bytes=x-2"), 10), Err(()));
    }

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
