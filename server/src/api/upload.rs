//! `POST /api/upload`: a raw body named by `X-File-Name`, or multipart field `file`. The
//! body streams to `upload-tmp/` in constant memory; only a complete file becomes media.

use crate::db::values::MediaSource;
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::intake::{self, Intake, OnFailure};
use crate::space::{NewUpload, UploadKind};
use crate::state::AppState;
use crate::storage::{FileSink, Writers};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use futures_util::StreamExt;
use serde_json::json;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/upload", web::post().to(upload));
}

/// Removes a partial file unless the upload completed.
pub struct TmpGuard(pub Option<PathBuf>);

impl TmpGuard {
    pub fn keep(mut self) -> PathBuf {
        self.0.take().unwrap_or_default()
    }
}

impl Drop for TmpGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Decodes `%XX` escapes (the header carries UTF-8 names percent-encoded, or raw). A `%`
/// without two hex digits after it stays as it is ("100% final.mov"); escapes that do not
/// spell UTF-8 make the name unreadable, which is an error rather than a guess.
pub fn percent_decode(s: &str) -> Result<String, std::string::FromUtf8Error> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out)
}

/// The upload's name from `X-File-Name`, or what is wrong with it.
fn file_name_header(req: &HttpRequest) -> AppResult<String> {
    let raw = req
        .headers()
        .get("x-file-name")
        .ok_or_else(|| AppError::BadRequest("raw upload without an X-File-Name header".into()))?;
    let text = std::str::from_utf8(raw.as_bytes())
        .map_err(|_| AppError::BadRequest("X-File-Name is not UTF-8 (send UTF-8, raw or percent-encoded)".into()))?;
    let name = percent_decode(text)
        .map_err(|_| AppError::BadRequest("X-File-Name holds percent-encoded bytes that are not UTF-8".into()))?;
    if name.trim().is_empty() {
        return Err(AppError::BadRequest("X-File-Name is empty".into()));
    }
    Ok(name)
}

/// The value of `key` in a query string, percent-decoded.
pub fn query_value(query: &str, key: &str) -> AppResult<Option<String>> {
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k == key {
            let v = percent_decode(&v.replace('+', " "))
                .map_err(|_| AppError::BadRequest(format!("{key} is not valid UTF-8")))?;
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// Checks, before any byte is stored, that `user` may put a new version on `target`
/// (manage it: its owner or an admin). Unknown and invisible look the same (404).
pub async fn version_target(
    state: &AppState,
    user: &dailies_protocol::UserInfo,
    target: Option<String>,
) -> AppResult<Option<intake::VersionOf>> {
    let Some(t) = target.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let media = crate::access::media_for(
        state,
        user,
        &dailies_protocol::MediaId(t),
        crate::access::Action::Manage,
    )
    .await
    .map_err(|e| match e {
        AppError::Forbidden(_) => AppError::Forbidden("only the media's owner or an admin adds versions to it".into()),
        e => e,
    })?;
    Ok(Some(intake::VersionOf {
        target: media.id,
        by: user.clone(),
    }))
}

pub fn content_length(req: &HttpRequest) -> Option<u64> {
    req.headers().get("content-length")?.to_str().ok()?.parse().ok()
}

/// Refuses before reading a byte when the declared size is over the server's limit.
pub fn precheck(state: &AppState, declared: Option<u64>) -> AppResult<()> {
    match declared {
        Some(len) if len > state.config.max_upload_size => Err(too_large(state.config.max_upload_size)),
        _ => Ok(()),
    }
}

pub fn too_large(limit: u64) -> AppError {
    AppError::PayloadTooLarge(format!("the file is larger than the limit of {limit} bytes"))
}

fn tmp_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.part"))
}

/// Why a request body did not reach the disk whole.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// No bytes for `upload_body_timeout`: the client is gone or stuck, and holding its
    /// upload open would hold its partial file (and a tus upload's lock) forever.
    #[error("the upload stalled: no data for {} s", .0.as_secs_f64())]
    Stalled(Duration),
    /// The caller's stop signal fired (a tus termination).
    #[error("the upload was terminated")]
    Stopped,
    /// An administrator cancelled the upload.
    #[error("the upload was cancelled by an administrator")]
    Cancelled,
    #[error(transparent)]
    App(#[from] AppError),
}

impl ResponseError for BodyError {
    fn status_code(&self) -> StatusCode {
        match self {
            BodyError::Stalled(_) => StatusCode::REQUEST_TIMEOUT,
            BodyError::Stopped => StatusCode::NOT_FOUND,
            BodyError::Cancelled => StatusCode::GONE,
            BodyError::App(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let code = match self {
            BodyError::App(e) => return e.error_response(),
            BodyError::Stalled(_) => "request_timeout",
            BodyError::Stopped => "not_found",
            BodyError::Cancelled => "gone",
        };
        HttpResponse::build(self.status_code()).json(json!({"error": code, "message": self.to_string()}))
    }
}

/// Awaits `fut`, or fails once `stall` passed without it finishing.
async fn within<T>(stall: Duration, fut: impl Future<Output = T>) -> Result<T, BodyError> {
    tokio::time::timeout(stall, fut)
        .await
        .map_err(|_| BodyError::Stalled(stall))
}

/// Streams chunks into `sink` until the body ends; an interrupted stream, a gap of more
/// than `stall` between chunks, or `stop` finishing is an error. No thread waits for the
/// client: only the writes go to the server's writer threads.
pub async fn pump<S, E>(
    stream: &mut S,
    sink: &mut FileSink,
    stall: Duration,
    stop: impl Future<Output = ()>,
) -> Result<(), BodyError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut stop = std::pin::pin!(stop);
    // One timer re-armed per chunk, rather than a new one per chunk: bodies arrive in many
    // small chunks.
    let mut timer = std::pin::pin!(tokio::time::sleep(stall));
    loop {
        timer.as_mut().reset(tokio::time::Instant::now() + stall);
        let chunk = tokio::select! {
            biased;
            _ = &mut stop => return Err(BodyError::Stopped),
            chunk = stream.next() => chunk,
            _ = &mut timer => return Err(BodyError::Stalled(stall)),
        };
        match chunk {
            None => return Ok(()),
            Some(Ok(c)) => sink.write(&c).await?,
            Some(Err(e)) => return Err(AppError::BadRequest(format!("upload interrupted: {e}")).into()),
        }
    }
}

/// Lets actix read on after a handler dropped a request body it had not read to the end.
///
/// While a handler holds a body without reading it (waiting for a write), actix's HTTP/1
/// dispatcher stops reading the connection once its buffer is full and waits to be woken
/// by the body's reader. Dropping the body does not wake it: if the handler answers in the
/// same turn it dropped the body, the dispatcher sends the answer and then waits for ever
/// with the rest of the body unread, and a client that sends its whole body before reading
/// the answer (awc, many others) never gets it. One more turn after the drop lets the
/// dispatcher see the body gone; it then discards the rest and the client reads the answer.
/// Call it after the body is dropped and before answering (it costs one task wake-up).
pub async fn after_body_dropped() {
    tokio::task::yield_now().await;
}

/// For a plain upload, the stop signal is an admin's cancellation.
fn cancelled(e: BodyError) -> BodyError {
    match e {
        BodyError::Stopped => BodyError::Cancelled,
        e => e,
    }
}

async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    writers: web::Data<Writers>,
    who: Identity,
    payload: web::Payload,
) -> Result<HttpResponse, BodyError> {
    // `receive` owns the body: it is gone, read or not, when `receive` returns.
    let answer = receive(req, state, writers, who, payload).await;
    after_body_dropped().await;
    answer
}

async fn receive(
    req: HttpRequest,
    state: web::Data<AppState>,
    writers: web::Data<Writers>,
    who: Identity,
    mut payload: web::Payload,
) -> Result<HttpResponse, BodyError> {
    let declared = content_length(&req);
    precheck(&state, declared)?;
    crate::access::may_upload(&state, &who.0).await?;
    let version_of = version_target(&state, &who.0, query_value(req.query_string(), "version_of")?).await?;
    let limit = state.config.max_upload_size;
    let stall = state.config.upload_body_timeout;
    let is_multipart = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let raw_name = if is_multipart {
        None
    } else {
        Some(file_name_header(&req)?)
    };
    // A multipart body's length bounds its file's: reserve that much.
    let upload = NewUpload {
        id: uuid::Uuid::new_v4().simple().to_string(),
        kind: UploadKind::Post,
        filename: raw_name.clone().unwrap_or_else(|| "(multipart)".into()),
        length: declared,
        written: 0,
    };
    let ticket = Arc::new(state.space.admit(&who.0, upload).await?);
    let guard = TmpGuard(Some(tmp_path(&state.config.upload_tmp_dir(), ticket.id())));
    let path = guard.0.clone().unwrap_or_default();

    let (name, size) = if is_multipart {
        let mut mp = actix_multipart::Multipart::new(req.headers(), payload);
        let mut found = None;
        while let Some(field) = within(stall, mp.next()).await? {
            let mut field = field.map_err(|e| AppError::BadRequest(format!("bad multipart body: {e}")))?;
            let (fname, filename) = match field.content_disposition() {
                Some(cd) => (cd.get_name().map(str::to_owned), cd.get_filename().map(str::to_owned)),
                None => (None, None),
            };
            if fname.as_deref() != Some("file") || found.is_some() {
                // Drain fields we do not use.
                while let Some(c) = within(stall, field.next()).await? {
                    c.map_err(|e| AppError::BadRequest(format!("bad multipart body: {e}")))?;
                }
                continue;
            }
            let mut sink = FileSink::append(&writers, &path, limit)?.metered(ticket.clone());
            if let Some(f) = &filename {
                ticket.set_filename(f);
            }
            let res = pump(&mut field, &mut sink, stall, ticket.cancelled())
                .await
                .map_err(cancelled);
            if let Err(e) = res {
                // As for a raw body: let go of it while the last write runs.
                drop(field);
                drop(mp);
                let _ = sink.finish().await;
                return Err(e);
            }
            let size = sink.finish().await;
            res?;
            found = Some((filename.unwrap_or_else(|| "upload".into()), size?));
        }
        found.ok_or_else(|| AppError::BadRequest("multipart upload without a \"file\" field".into()))?
    } else {
        let name = raw_name.unwrap_or_default();
        let mut sink = FileSink::append(&writers, &path, limit)?.metered(ticket.clone());
        let res = pump(&mut payload, &mut sink, stall, ticket.cancelled())
            .await
            .map_err(cancelled);
        // Let go of the body while the last write runs: actix can discard the rest of it
        // meanwhile (see `after_body_dropped`, which `upload` calls before answering).
        drop(payload);
        let size = sink.finish().await;
        res?;
        (name, size?)
    };
    let tmp = guard.keep();
    let intake = Intake {
        owner: who.0.id.clone(),
        uploaded_name: name,
        tmp,
        size,
        source: MediaSource::Upload,
        on_failure: OnFailure::Delete,
        version_of,
    };
    let id = intake::register(&state, intake).await?;
    // The bytes count as the user's media now, no longer as an upload.
    drop(ticket);
    Ok(HttpResponse::Created().json(json!({ "id": id })))
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_decoding() {
        let d = |s: &str| super::percent_decode(s).unwrap();
        assert_eq!(d("a%20b.mov"), "a b.mov");
        assert_eq!(d("%C3%A9t%C3%A9"), "été");
        assert_eq!(d("100%"), "100%");
        assert_eq!(d("%zz"), "%zz");
        assert_eq!(d("é%"), "é%");
        assert_eq!(d("%é1"), "%é1");
        assert_eq!(d("été.mov"), "été.mov");
        // Escapes that are not UTF-8 used to turn into U+FFFD silently.
        for bad in ["clip%FF.mov", "%C3.mov", "%ED%A0%80"] {
            assert!(super::percent_decode(bad).is_err(), "{bad}");
        }
    }
}
