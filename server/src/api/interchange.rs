//! `/api/media/{id}/export`, `/download/…`, `/import/edl`, `/report` and a comment's
//! `still.png`: a media's notes out to the edit and on paper, its files out with their own
//! names, and an EDL's locators in as a preview the client then adds as comments
//! (docs/interchange.md).

use crate::access::{self, Action};
use crate::db::models::Media;
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::interchange::edl::{self, EdlPreview};
use crate::interchange::export::{Format, Review};
use crate::interchange::Clock;
use crate::state::AppState;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue, HeaderValue,
};
use actix_web::{web, HttpRequest, HttpResponse};
use dailies_protocol::{MediaId, UserInfo};
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/media/{id}/export", web::get().to(export))
        .route("/media/{id}/download/original", web::get().to(download_original))
        .route("/media/{id}/download/proxy", web::get().to(download_proxy))
        .route("/media/{id}/import/edl", web::post().to(import_edl))
        .route("/media/{id}/report", web::get().to(report))
        .route("/media/{id}/comments/{comment}/still.png", web::get().to(still));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    format: String,
}

/// What a download serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Original,
    Proxy,
}

async fn export(
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
    q: web::Query<ExportQuery>,
) -> AppResult<HttpResponse> {
    let format = Format::parse(&q.format).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        AppError::BadRequest(format!("format is one of {}, not {:?}", names.join(", "), q.format))
    })?;
    let media = access::media_for(&state, &who.0, &MediaId(id.into_inner()), Action::View).await?;
    let mid = media.id.as_str().to_string();
    let comments = state.db.run(move |c| crate::db::comments::list(c, &mid)).await?;
    let body = actix_web::web::block(move || {
        let name = download_name(&media, Which::Original);
        let review = Review {
            title: &media.title,
            file_name: &name,
            clock: Clock::of(&media),
            frames: media.frame_count.unwrap_or(1).max(1),
            review_status: media.review_status.as_str(),
            first_frame: media.start_frame.unwrap_or(0),
            comments: &comments,
        };
        let text = format.write(&review);
        (text, stem(&media.title))
    })
    .await
    .map_err(AppError::internal)?;
    let (text, base) = body;
    let (ext, ctype) = format.file();
    let mut resp = HttpResponse::Ok()
        .content_type(ctype)
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(text);
    resp.headers_mut()
        .insert(header::CONTENT_DISPOSITION, attachment(&format!("{base}.{ext}")));
    Ok(resp)
}

/// A title without its file extension, for the names of exports.
fn stem(title: &str) -> String {
    match title.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()) => s.into(),
        _ => title.into(),
    }
}

/// The name a download is saved under: the uploaded file name for the original (the title
/// with the stored extension for media from before names were kept), `<stem>_proxy.<ext>`
/// for the playback file.
pub fn download_name(m: &Media, which: Which) -> String {
    let ext = |f: &str| f.rsplit_once('.').map(|(_, e)| e.to_string()).unwrap_or_default();
    match which {
        Which::Original => m.upload_name.clone().unwrap_or_else(|| {
            let e = ext(&m.orig_filename);
            let s = stem(&m.title);
            if e.is_empty() {
                s
            } else {
                format!("{s}.{e}")
            }
        }),
        Which::Proxy => {
            let file = m.playback_file.as_deref().unwrap_or("proxy.mp4");
            let base = m.upload_name.as_deref().unwrap_or(&m.title);
            format!("{}_proxy.{}", stem(base), ext(file))
        }
    }
}

/// `Content-Disposition: attachment` with an ASCII `filename` for old clients and the
/// exact name as UTF-8 in `filename*` (RFC 6266, RFC 5987).
pub fn attachment(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut parameters = vec![DispositionParam::Filename(ascii.clone())];
    if ascii != name {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: name.as_bytes().to_vec(),
        }));
    }
    let cd = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters,
    };
    HeaderValue::from_str(&cd.to_string()).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Sends a media's original or playback file as an attachment under its own name, with
/// Range, for a caller already allowed to.
pub async fn send_download(
    req: &HttpRequest,
    state: &AppState,
    media: &Media,
    which: Which,
) -> AppResult<HttpResponse> {
    let missing = || AppError::NotFound("this media has no such file to download".into());
    let file = match which {
        Which::Original => media.orig_filename.clone(),
        Which::Proxy => media.playback_file.clone().ok_or_else(missing)?,
    };
    let disposition = attachment(&download_name(media, which));
    let mut resp = crate::api::files::send_as(req, state, &media.id, &file, disposition.to_str().ok())
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => missing(),
            e => e,
        })?;
    resp.headers_mut().insert(header::CONTENT_DISPOSITION, disposition);
    Ok(resp)
}

async fn download(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: &UserInfo,
    id: String,
    which: Which,
) -> AppResult<HttpResponse> {
    let media = access::media_for(&state, user, &MediaId(id), Action::View).await?;
    send_download(&req, &state, &media, which).await
}

async fn download_original(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    download(req, state, &who.0, id.into_inner(), Which::Original).await
}

async fn download_proxy(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    download(req, state, &who.0, id.into_inner(), Which::Proxy).await
}

/// Reads an EDL (the request body, as text) against the media and answers the notes it
/// would add, and the lines it cannot place. Nothing is stored: the client shows the
/// preview and adds the notes the user keeps as ordinary comments.
async fn import_edl(
    state: web::Data<AppState>,
    who: Identity,
    id: web::Path<String>,
    mut payload: web::Payload,
) -> AppResult<HttpResponse> {
    use futures_util::StreamExt;
    let media = access::media_for(&state, &who.0, &MediaId(id.into_inner()), Action::Comment).await?;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("reading the EDL: {e}")))?;
        if body.len() + chunk.len() > edl::MAX_EDL_BYTES {
            return Err(AppError::PayloadTooLarge(format!(
                "an EDL is at most {} bytes",
                edl::MAX_EDL_BYTES
            )));
        }
        body.extend_from_slice(&chunk);
    }
    let text = std::str::from_utf8(&body)
        .map(str::to_owned)
        // Older EDLs are often Latin-1: every byte is a character there.
        .unwrap_or_else(|_| body.iter().map(|b| *b as char).collect());
    let clock = Clock::of(&media);
    let last = media.frame_count.unwrap_or(1).max(1) - 1;
    let preview: EdlPreview = edl::parse(&text, &clock, last).map_err(AppError::BadRequest)?;
    Ok(HttpResponse::Ok().json(preview))
}

/// A guest's download: media the link opens, and only when the link allows downloads.
pub async fn guest_download(
    req: &HttpRequest,
    state: &AppState,
    guest: &crate::api::guest::Guest,
    id: &str,
    which: Which,
) -> AppResult<HttpResponse> {
    // What the link opens (a version of its stack, an item of its playlist) is checked
    // with the guest's grant, as for every guest route.
    let media = access::media_for(state, &guest.0, &MediaId(id.to_string()), Action::View).await?;
    if !guest.1.link.can_download {
        return Err(AppError::Forbidden("this review link does not allow downloads".into()));
    }
    send_download(req, state, &media, which).await
}

async fn report(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    let media = access::media_for(&state, &who.0, &MediaId(id.into_inner()), Action::View).await?;
    send_report(&state, media).await
}

async fn still(
    state: web::Data<AppState>,
    who: Identity,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (id, comment) = path.into_inner();
    let media = access::media_for(&state, &who.0, &MediaId(id), Action::View).await?;
    send_still(&state, media, &comment).await
}

/// The review report of a media the caller may view, as a PDF attachment named after it.
pub async fn send_report(state: &AppState, media: Media) -> AppResult<HttpResponse> {
    use crate::interchange::report::{self, Report};
    use crate::interchange::still;
    let (mid, key) = (media.id.as_str().to_string(), media.stack_key().to_string());
    let (comments, versions) = state
        .db
        .run(move |c| {
            let comments = crate::db::comments::list(c, &mid)?;
            let versions = crate::db::versions::members(c, &key)?;
            Ok((comments, versions))
        })
        .await?;
    let source = still_source(state, &media, still::REPORT_STILL_WIDTH).await?;
    let (id, title) = (media.id.clone(), media.title.clone());
    let started = std::time::Instant::now();
    let (pdf, notes) = web::block(move || {
        let versions: Vec<_> = versions.iter().map(crate::db::versions::to_version).collect();
        let marked = crate::interchange::export::markers(&comments);
        let with_still: Vec<&dailies_protocol::Comment> = marked
            .iter()
            .map(|m| m.comment)
            .filter(|c| !c.deleted)
            .take(still::MAX_REPORT_STILLS)
            .collect();
        let left_out = marked.iter().filter(|m| !m.comment.deleted).count() - with_still.len();
        let stills = match source {
            Some(src) => still::report_stills(&src, &with_still, 2),
            None => Default::default(),
        };
        let generated_at = chrono::Utc::now().to_rfc3339();
        let r = Report {
            title: &media.title,
            review_status: media.review_status.as_str(),
            versions: &versions,
            version: media.version,
            clock: Clock::of(&media),
            start_timecode: media.start_timecode.as_deref(),
            generated_at: &generated_at,
            comments: &comments,
            stills: &stills,
            stills_left_out: if stills.is_empty() { 0 } else { left_out },
        };
        (report::pdf(&r), marked.len())
    })
    .await
    .map_err(AppError::internal)?;
    tracing::info!(
        media = id.as_str(),
        notes,
        bytes = pdf.len(),
        ms = started.elapsed().as_millis() as u64,
        "report built"
    );
    let mut resp = HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(pdf);
    resp.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        attachment(&format!("{}_report.pdf", stem(&title))),
    );
    Ok(resp)
}

/// The still of one of a media's comments, its drawing burned in, as PNG; 404 for a
/// comment of another media and for media without a picture.
pub async fn send_still(state: &AppState, media: Media, comment: &str) -> AppResult<HttpResponse> {
    use crate::interchange::still;
    let none = || AppError::NotFound("no such comment".into());
    let cid: i64 = comment.parse().map_err(|_| none())?;
    let c = state
        .db
        .run(move |c| crate::db::comments::get(c, cid))
        .await?
        .filter(|c| c.media_id == media.id && !c.deleted)
        .ok_or_else(none)?;
    let source = still_source(state, &media, still::MAX_STILL_WIDTH)
        .await?
        .ok_or_else(|| AppError::NotFound("this media has no picture to make a still of".into()))?;
    let png = web::block(move || {
        let frame = still::annotated(&source, &c)?;
        crate::interchange::render::png(frame)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(|e| {
        tracing::warn!(comment = cid, "still failed: {e}");
        AppError::internal(anyhow::anyhow!(e))
    })?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            attachment(&format!("{}_{cid}.png", stem(&media.title))),
        ))
        .body(png))
}

/// Where stills are grabbed from: the playback file, read by ffmpeg from its path or, with
/// object storage, through a presigned URL.
async fn still_source(
    state: &AppState,
    media: &Media,
    width: u32,
) -> AppResult<Option<crate::interchange::still::Source>> {
    let Some(mut src) = crate::interchange::still::Source::of(media, &state.config.media_dir(), width) else {
        return Ok(None);
    };
    if let (false, Some(file)) = (state.store.is_local(), media.playback_file.as_deref()) {
        src.file = state.store.input(media.id.as_str(), file).await?;
    }
    Ok(Some(src))
}
