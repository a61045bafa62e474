//! Resumable uploads with the tus 1.0 protocol (core, creation, termination, expiration)
//! under `/api/tus/`, so tus clients resume a broken upload where it stopped.

use super::upload::{content_length, precheck, too_large};
use crate::db::values::MediaSource;
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::intake::{self, Intake, OnFailure};
use crate::state::AppState;
use crate::storage::FileSink;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use base64::Engine;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

pub const TUS_VERSION: &str = "1.0.0";

/// Uploads with a PATCH in progress: a second concurrent PATCH is refused.
#[derive(Clone, Default)]
pub struct TusLocks(Arc<Mutex<HashSet<String>>>);

struct LockGuard(TusLocks, String);
impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Ok(mut s) = (self.0).0.lock() {
            s.remove(&self.1);
        }
    }
}

impl TusLocks {
    fn try_lock(&self, id: &str) -> Option<LockGuard> {
        let mut s = self.0.lock().ok()?;
        s.insert(id.to_string())
            .then(|| LockGuard(self.clone(), id.to_string()))
    }
}

/// What we know of an upload besides its bytes; stored as `<id>.json` beside `<id>.part`.
#[derive(Debug, Serialize, Deserialize)]
struct TusInfo {
    owner: String,
    filename: String,
    length: u64,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::Data::new(TusLocks::default()))
        .route("/tus", web::method(actix_web::http::Method::OPTIONS).to(options))
        .route("/tus/", web::method(actix_web::http::Method::OPTIONS).to(options))
        .route("/tus", web::post().to(create))
        .route("/tus/", web::post().to(create))
        .route("/tus/{id}", web::head().to(head))
        .route("/tus/{id}", web::patch().to(patch))
        .route("/tus/{id}", web::delete().to(terminate));
}

pub fn tus_dir(state: &AppState) -> PathBuf {
    state.config.upload_tmp_dir().join("tus")
}

fn paths(state: &AppState, id: &str) -> AppResult<(PathBuf, PathBuf)> {
    // Ids are ours (uuid simple): anything else is not an upload, and never a path.
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound("no such upload".into()));
    }
    let d = tus_dir(state);
    Ok((d.join(format!("{id}.part")), d.join(format!("{id}.json"))))
}

fn tus(status: StatusCode) -> HttpResponseBuilder {
    let mut b = HttpResponse::build(status);
    b.insert_header(("Tus-Resumable", TUS_VERSION))
        .insert_header(("Cache-Control", "no-store"));
    b
}

/// tus errors keep the JSON body but must carry `Tus-Resumable` too.
fn tus_err(e: AppError) -> HttpResponse {
    let mut r = actix_web::ResponseError::error_response(&e);
    r.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("tus-resumable"),
        actix_web::http::header::HeaderValue::from_static(TUS_VERSION),
    );
    r
}

fn check_version(req: &HttpRequest) -> Result<(), Box<HttpResponse>> {
    match req.headers().get("tus-resumable").and_then(|v| v.to_str().ok()) {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(Box::new(
            tus(StatusCode::PRECONDITION_FAILED)
                .insert_header(("Tus-Version", TUS_VERSION))
                .json(serde_json::json!({"error": "bad_request", "message": "Tus-Resumable: 1.0.0 is required"})),
        )),
    }
}

fn header_u64(req: &HttpRequest, name: &str) -> Option<u64> {
    req.headers().get(name)?.to_str().ok()?.trim().parse().ok()
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs (a key alone means an empty
/// value). Answers the pairs in order; `None` when the header is malformed. Pure, for fuzzing.
pub fn parse_upload_metadata(raw: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut it = pair.splitn(2, ' ');
        let key = it.next()?;
        let value = match it.next().map(str::trim) {
            None | Some("") => Vec::new(),
            Some(v) => base64::engine::general_purpose::STANDARD.decode(v).ok()?,
        };
        out.push((key.to_string(), value));
    }
    Some(out)
}

/// The uploaded file's name from `Upload-Metadata` (`filename`, or `name` as some clients send).
pub fn metadata_filename_of(raw: &str) -> Option<String> {
    parse_upload_metadata(raw)?
        .into_iter()
        .find(|(k, _)| k == "filename" || k == "name")
        .map(|(_, v)| String::from_utf8_lossy(&v).into_owned())
}

fn metadata_filename(req: &HttpRequest) -> Option<String> {
    metadata_filename_of(req.headers().get("upload-metadata")?.to_str().ok()?)
}

fn expires_header(state: &AppState, path: &std::path::Path) -> String {
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now());
    httpdate(modified + state.config.upload_expiry)
}

fn httpdate(t: SystemTime) -> String {
    let dt: chrono::DateTime<chrono::Utc> = t.into();
    dt.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

async fn options(state: web::Data<AppState>) -> HttpResponse {
    tus(StatusCode::NO_CONTENT)
        .insert_header(("Tus-Version", TUS_VERSION))
        .insert_header(("Tus-Extension", "creation,termination,expiration"))
        .insert_header(("Tus-Max-Size", state.config.max_upload_size.to_string()))
        .finish()
}

fn load_info(info_path: &std::path::Path, who: &Identity) -> AppResult<TusInfo> {
    let text = std::fs::read_to_string(info_path).map_err(|_| AppError::NotFound("no such upload".into()))?;
    let info: TusInfo = serde_json::from_str(&text).map_err(AppError::internal)?;
    if info.owner != who.0.id.0 {
        return Err(AppError::NotFound("no such upload".into()));
    }
    Ok(info)
}

async fn create(req: HttpRequest, state: web::Data<AppState>, who: Identity) -> HttpResponse {
    if let Err(r) = check_version(&req) {
        return *r;
    }
    let result = (|| {
        let length = header_u64(&req, "upload-length").ok_or_else(|| {
            AppError::BadRequest("Upload-Length is required (deferred length is not supported)".into())
        })?;
        if length > state.config.max_upload_size {
            return Err(too_large(state.config.max_upload_size));
        }
        precheck(&state, Some(length))?;
        let filename = metadata_filename(&req).unwrap_or_else(|| "upload".into());
        let id = uuid::Uuid::new_v4().simple().to_string();
        std::fs::create_dir_all(tus_dir(&state)).map_err(AppError::internal)?;
        let (part, info) = paths(&state, &id)?;
        let meta = TusInfo {
            owner: who.0.id.0.clone(),
            filename,
            length,
        };
        std::fs::write(&info, serde_json::to_vec(&meta).map_err(AppError::internal)?).map_err(AppError::internal)?;
        std::fs::File::create(&part).map_err(AppError::internal)?;
        Ok((id, part))
    })();
    match result {
        Ok((id, part)) => tus(StatusCode::CREATED)
            .insert_header(("Location", format!("/api/tus/{id}")))
            .insert_header(("Upload-Expires", expires_header(&state, &part)))
            .finish(),
        Err(e) => tus_err(e),
    }
}

async fn head(req: HttpRequest, state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> HttpResponse {
    if let Err(r) = check_version(&req) {
        return *r;
    }
    let result = (|| {
        let (part, info_path) = paths(&state, &id)?;
        let info = load_info(&info_path, &who)?;
        let offset = std::fs::metadata(&part)
            .map_err(|_| AppError::NotFound("no such upload".into()))?
            .len();
        Ok((info, offset, part))
    })();
    match result {
        Ok((info, offset, part)) => tus(StatusCode::OK)
            .insert_header(("Upload-Offset", offset.to_string()))
            .insert_header(("Upload-Length", info.length.to_string()))
            .insert_header(("Upload-Expires", expires_header(&state, &part)))
            .finish(),
        Err(e) => tus_err(e),
    }
}

async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    locks: web::Data<TusLocks>,
    who: Identity,
    id: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    if let Err(r) = check_version(&req) {
        return *r;
    }
    match patch_inner(&req, &state, &locks, &who, &id, payload).await {
        Ok((offset, media)) => {
            let mut b = tus(StatusCode::NO_CONTENT);
            b.insert_header(("Upload-Offset", offset.to_string()));
            if let Some(m) = media {
                b.insert_header(("Dailies-Media-Id", m));
            }
            b.finish()
        }
        Err(e) => tus_err(e),
    }
}

async fn patch_inner(
    req: &HttpRequest,
    state: &AppState,
    locks: &TusLocks,
    who: &Identity,
    id: &str,
    mut payload: web::Payload,
) -> AppResult<(u64, Option<String>)> {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct != "application/offset+octet-stream" {
        return Err(AppError::BadRequest(
            "Content-Type must be application/offset+octet-stream".into(),
        ));
    }
    let (part, info_path) = paths(state, id)?;
    let info = load_info(&info_path, who)?;
    let _lock = locks
        .try_lock(id)
        .ok_or_else(|| AppError::Conflict("another request is writing this upload".into()))?;
    let current = std::fs::metadata(&part)
        .map_err(|_| AppError::NotFound("no such upload".into()))?
        .len();
    let offset =
        header_u64(req, "upload-offset").ok_or_else(|| AppError::BadRequest("Upload-Offset is required".into()))?;
    if offset != current {
        return Err(AppError::Conflict(format!(
            "Upload-Offset {offset} does not match the upload's offset {current}"
        )));
    }
    if let Some(len) = content_length(req) {
        if current + len > info.length {
            return Err(AppError::BadRequest("the body goes past Upload-Length".into()));
        }
        crate::storage::check_space(&state.config.upload_tmp_dir(), len)?;
    }
    let mut sink = FileSink::append(&part, info.length)?;
    let mut stream_err = None;
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(c) => {
                if let Err(e) = sink.write(&c).await {
                    stream_err = Some(match e {
                        AppError::PayloadTooLarge(_) => AppError::BadRequest("the body goes past Upload-Length".into()),
                        other => other,
                    });
                    break;
                }
            }
            Err(e) => {
                stream_err = Some(AppError::BadRequest(format!("upload interrupted: {e}")));
                break;
            }
        }
    }
    // Keep what arrived, even when the connection broke: that is what makes resuming work.
    let written = sink.finish().await;
    if let Some(e) = stream_err {
        return Err(e);
    }
    let total = written?;
    if total < info.length {
        return Ok((total, None));
    }
    let _ = std::fs::remove_file(&info_path);
    let intake = Intake {
        owner: who.0.id.clone(),
        uploaded_name: info.filename,
        tmp: part.clone(),
        size: total,
        source: MediaSource::Tus,
        on_failure: OnFailure::Delete,
    };
    let media_id = intake::register(state, intake).await?;
    Ok((total, Some(media_id.0)))
}

async fn terminate(req: HttpRequest, state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> HttpResponse {
    if let Err(r) = check_version(&req) {
        return *r;
    }
    let result = (|| {
        let (part, info_path) = paths(&state, &id)?;
        load_info(&info_path, &who)?;
        let _ = std::fs::remove_file(&part);
        let _ = std::fs::remove_file(&info_path);
        Ok(())
    })();
    match result {
        Ok(()) => tus(StatusCode::NO_CONTENT).finish(),
        Err(e) => tus_err(e),
    }
}

/// Removes tus uploads untouched for longer than `expiry`; answers how many.
pub fn sweep_expired(dir: &std::path::Path, expiry: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let now = SystemTime::now();
    let mut removed = 0;
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("part") {
            continue;
        }
        let age = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok());
        if age.is_some_and(|a| a > expiry) {
            let _ = std::fs::remove_file(&p);
            let _ = std::fs::remove_file(p.with_extension("json"));
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_metadata() {
        // "clip.mov" and "video/quicktime"
        let raw = "filename Y2xpcC5tb3Y=, filetype dmlkZW8vcXVpY2t0aW1l,is_confidential";
        let pairs = parse_upload_metadata(raw).unwrap();
        assert_eq!(pairs.len(), 3);
        assert_eq!(pairs[0], ("filename".into(), b"clip.mov".to_vec()));
        assert_eq!(pairs[2], ("is_confidential".into(), vec![]));
        assert_eq!(metadata_filename_of(raw).as_deref(), Some("clip.mov"));
        assert_eq!(
            metadata_filename_of("name Li4vLi4vZXRjL3Bhc3N3ZA==").as_deref(),
            Some("../../etc/passwd")
        );
        assert_eq!(parse_upload_metadata(""), Some(vec![]));
        assert_eq!(parse_upload_metadata("filename !!!"), None);
        assert_eq!(metadata_filename_of("filename"), Some(String::new()));
        assert_eq!(metadata_filename_of(" , ,"), None);
    }
}
