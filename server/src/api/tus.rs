//! Resumable uploads with the tus 1.0 protocol (core, creation, termination, expiration)
//! under `/api/tus/`, so tus clients resume a broken upload where it stopped.

use super::upload::{after_body_dropped, content_length, precheck, pump, too_large, BodyError};
use crate::db::values::MediaSource;
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::intake::{self, Intake, OnFailure};
use crate::space::{NewUpload, Space, UploadKind};
use crate::state::AppState;
use crate::storage::{FileSink, Meter, Writers};
use crate::store::{PartialObject, PART_SIZE};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use base64::Engine;
use dailies_protocol::UserId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

pub const TUS_VERSION: &str = "1.0.0";

/// The uploads with a PATCH in progress, for the whole server: built once in `server.rs`
/// and shared by every worker, so a second PATCH of the same upload is refused (409)
/// whichever worker takes it. (When each worker had its own, two PATCHes at one offset on
/// two workers both appended.)
///
/// Why a map in memory rather than a lock file (`flock`) per upload: the holder must also
/// learn of a termination, to stop writing and answer at once, which a file lock cannot
/// carry; a map costs no file descriptor or syscall per PATCH and leaves nothing behind
/// after a crash; and one server process owns a data directory. Several nodes sharing the
/// uploads will need neither: `flock` is unreliable on network filesystems, and there the
/// offset check and the append become a compare-and-set against the stored offset.
#[derive(Clone, Default)]
pub struct TusLocks(Arc<Mutex<HashMap<String, Arc<Slot>>>>);

/// One held upload: how a termination reaches the PATCH writing it.
#[derive(Default)]
struct Slot {
    terminated: AtomicBool,
    wake: tokio::sync::Notify,
}

struct LockGuard {
    locks: TusLocks,
    id: String,
    slot: Arc<Slot>,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Ok(mut m) = (self.locks).0.lock() {
            m.remove(&self.id);
        }
    }
}

impl LockGuard {
    fn is_terminated(&self) -> bool {
        self.slot.terminated.load(Ordering::SeqCst)
    }

    /// Finishes when the upload is terminated.
    async fn terminated(&self) {
        loop {
            // Registered before the check, so a termination in between is not missed.
            let woken = self.slot.wake.notified();
            if self.is_terminated() {
                return;
            }
            woken.await;
        }
    }
}

impl TusLocks {
    fn try_lock(&self, id: &str) -> Option<LockGuard> {
        let mut m = self.0.lock().ok()?;
        if m.contains_key(id) {
            return None;
        }
        let slot = Arc::new(Slot::default());
        m.insert(id.to_string(), slot.clone());
        Some(LockGuard {
            locks: self.clone(),
            id: id.to_string(),
            slot,
        })
    }

    /// Tells the PATCH holding `id`, if any, that the upload is terminated; answers whether
    /// there was one (it then removes the partial file itself).
    fn terminate_holder(&self, id: &str) -> bool {
        let Ok(m) = self.0.lock() else { return false };
        match m.get(id) {
            Some(slot) => {
                slot.terminated.store(true, Ordering::SeqCst);
                slot.wake.notify_waiters();
                true
            }
            None => false,
        }
    }
}

/// What we know of an upload besides its bytes; stored as `<id>.json` beside `<id>.part`.
/// Once complete, `<id>.part` has become media and `<id>.json` stays until it expires, so a
/// client that lost the last answer learns the offset and the media instead of starting over.
#[derive(Debug, Serialize, Deserialize)]
struct TusInfo {
    owner: String,
    filename: String,
    length: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media_id: Option<String>,
    /// Metadata `version_of`: the media whose stack the upload joins once complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version_of: Option<String>,
    /// With an object store: the multipart upload the bytes go to, under the media id and
    /// name chosen at creation (so completing it is all it takes, no copy). `<id>.part`
    /// then holds only the bytes of the part being filled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    object: Option<PartialObject>,
}

impl TusInfo {
    /// The bytes before `<id>.part`: the parts already in the store.
    fn stored(&self) -> u64 {
        self.object.as_ref().map_or(0, PartialObject::stored)
    }
}

/// Writes the record whole or not at all: it is what a restart resumes from.
fn save_info(path: &Path, info: &TusInfo) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec(info).map_err(std::io::Error::other)?)?;
    std::fs::rename(&tmp, path)
}

/// The upload's accounting seen through the part being filled: its progress includes the
/// parts already stored.
struct PartsMeter {
    inner: Arc<dyn Meter>,
    stored: u64,
}

impl Meter for PartsMeter {
    fn set_written(&self, written: u64) {
        self.inner.set_written(self.stored + written)
    }
    fn charge(&self, n: u64) -> Result<(), AppError> {
        self.inner.charge(n)
    }
    fn landed(&self, n: u64) {
        self.inner.landed(n)
    }
}

/// At most `left` bytes of a body, splitting the chunk that crosses the limit; the rest of
/// it waits in `carry` for the next round.
struct Upto<'a, S> {
    inner: &'a mut S,
    carry: &'a mut Option<web::Bytes>,
    left: u64,
}

impl<S, E> futures_util::Stream for Upto<'_, S>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
{
    type Item = Result<web::Bytes, E>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let mut chunk = match self.carry.take() {
            Some(c) => c,
            None => match std::pin::Pin::new(&mut *self.inner).poll_next(cx) {
                Poll::Ready(Some(Ok(c))) => c,
                other => return other,
            },
        };
        if chunk.len() as u64 > self.left {
            *self.carry = Some(chunk.split_off(self.left as usize));
        }
        self.left -= chunk.len() as u64;
        Poll::Ready(Some(Ok(chunk)))
    }
}

/// Mounts the routes; they need `web::Data<TusLocks>` and `web::Data<Writers>` from the
/// server, one of each for all workers.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/tus", web::method(actix_web::http::Method::OPTIONS).to(options))
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

/// A metadata value as text (`None` when absent or not UTF-8).
fn metadata_value(req: &HttpRequest, key: &str) -> Option<String> {
    let raw = req.headers().get("upload-metadata")?.to_str().ok()?;
    parse_upload_metadata(raw)?
        .into_iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| String::from_utf8(v).ok())
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
    let admitted = async {
        let length = header_u64(&req, "upload-length").ok_or_else(|| {
            AppError::BadRequest("Upload-Length is required (deferred length is not supported)".into())
        })?;
        if length > state.config.max_upload_size {
            return Err(too_large(state.config.max_upload_size));
        }
        precheck(&state, Some(length))?;
        crate::access::may_upload(&state, &who.0).await?;
        let version_of = metadata_value(&req, "version_of");
        crate::api::upload::version_target(&state, &who.0, version_of.clone()).await?;
        let filename = metadata_filename(&req).unwrap_or_else(|| "upload".into());
        let id = uuid::Uuid::new_v4().simple().to_string();
        // The whole length is reserved now, and stays so until the upload ends.
        let new = NewUpload {
            id: id.clone(),
            kind: UploadKind::Tus,
            filename: filename.clone(),
            length: Some(length),
            written: 0,
        };
        state.space.admit(&who.0, new).await?;
        Ok((id, filename, length, version_of))
    };
    let (id, filename, length, version_of) = match admitted.await {
        Ok(a) => a,
        Err(e) => return tus_err(e),
    };
    // With an object store the upload is the original's multipart upload from the start,
    // under the media id it will have: completing it puts the object where the media row
    // expects it, with no copy (S3 copies nothing above 5 GiB in one request).
    let object = if state.store.is_local() {
        None
    } else {
        let media_id = crate::storage::new_media_id();
        let name = crate::storage::original_file_name(&filename);
        match state.store.begin_object(media_id.as_str(), &name).await {
            Ok(o) => Some(o),
            Err(e) => {
                state.space.release(&id);
                return tus_err(e.into());
            }
        }
    };
    let result = (|| {
        std::fs::create_dir_all(tus_dir(&state)).map_err(AppError::internal)?;
        let (part, info) = paths(&state, &id)?;
        let meta = TusInfo {
            owner: who.0.id.0.clone(),
            filename,
            length,
            media_id: None,
            version_of,
            object: object.clone(),
        };
        save_info(&info, &meta).map_err(AppError::internal)?;
        std::fs::File::create(&part).map_err(AppError::internal)?;
        Ok(part)
    })();
    match result {
        Ok(part) => tus(StatusCode::CREATED)
            .insert_header(("Location", format!("/api/tus/{id}")))
            .insert_header(("Upload-Expires", expires_header(&state, &part)))
            .finish(),
        Err(e) => {
            if let Ok((part, info)) = paths(&state, &id) {
                remove_upload(&part, &info);
            }
            abort_object(&state, object.as_ref()).await;
            state.space.release(&id);
            tus_err(e)
        }
    }
}

/// Drops an upload's multipart upload, if it has one: nothing of it stays in the bucket.
async fn abort_object(state: &AppState, object: Option<&PartialObject>) {
    let Some(o) = object else { return };
    if let Err(e) = state.store.abort_object(o).await {
        tracing::warn!(media_id = %o.media_id, upload_id = %o.upload_id, "cannot abort a multipart upload: {e}");
    }
}

async fn head(req: HttpRequest, state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> HttpResponse {
    if let Err(r) = check_version(&req) {
        return *r;
    }
    let result = (|| {
        let (part, info_path) = paths(&state, &id)?;
        let info = load_info(&info_path, &who)?;
        let offset = match std::fs::metadata(&part) {
            Ok(m) => info.stored() + m.len(),
            // Complete: the bytes are media now (or becoming it, while the last PATCH
            // registers them), and the record alone answers until it expires.
            Err(_) => info.length,
        };
        let expires_from = if info.media_id.is_some() { info_path } else { part };
        Ok((info, offset, expires_from))
    })();
    match result {
        Ok((info, offset, expires_from)) => {
            let mut b = tus(StatusCode::OK);
            b.insert_header(("Upload-Offset", offset.to_string()))
                .insert_header(("Upload-Length", info.length.to_string()))
                .insert_header(("Upload-Expires", expires_header(&state, &expires_from)));
            if let Some(m) = info.media_id {
                b.insert_header(("Dailies-Media-Id", m));
            }
            b.finish()
        }
        Err(e) => tus_err(e),
    }
}

async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    locks: web::Data<TusLocks>,
    writers: web::Data<Writers>,
    who: Identity,
    id: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    if let Err(r) = check_version(&req) {
        return *r;
    }
    // `patch_inner` owns the body: it is gone, read or not, once it returns.
    let answer = patch_inner(&req, &state, &locks, &writers, &who, &id, payload).await;
    after_body_dropped().await;
    match answer {
        Ok((offset, media)) => {
            let mut b = tus(StatusCode::NO_CONTENT);
            b.insert_header(("Upload-Offset", offset.to_string()));
            if let Some(m) = media {
                b.insert_header(("Dailies-Media-Id", m));
            }
            b.finish()
        }
        Err(e) => tus_body_err(e),
    }
}

fn tus_body_err(e: BodyError) -> HttpResponse {
    match e {
        BodyError::App(e) => tus_err(e),
        other => {
            let mut r = actix_web::ResponseError::error_response(&other);
            r.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("tus-resumable"),
                actix_web::http::header::HeaderValue::from_static(TUS_VERSION),
            );
            r
        }
    }
}

async fn patch_inner(
    req: &HttpRequest,
    state: &AppState,
    locks: &TusLocks,
    writers: &Writers,
    who: &Identity,
    id: &str,
    mut payload: web::Payload,
) -> Result<(u64, Option<String>), BodyError> {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct != "application/offset+octet-stream" {
        return Err(AppError::BadRequest("Content-Type must be application/offset+octet-stream".into()).into());
    }
    let (part, info_path) = paths(state, id)?;
    let offset =
        header_u64(req, "upload-offset").ok_or_else(|| AppError::BadRequest("Upload-Offset is required".into()))?;
    // Everything from here to the answer holds the upload's lock: the offset check, the
    // append and the completion are one step against the stored offset.
    let lock = locks
        .try_lock(id)
        .ok_or_else(|| AppError::Conflict("another request is writing this upload".into()))?;
    let mut info = load_info(&info_path, who)?;
    if let Some(media) = &info.media_id {
        // Complete: say so again to a client that lost the answer; accept no more bytes.
        if offset != info.length {
            return Err(AppError::Conflict(format!(
                "Upload-Offset {offset} does not match the upload's offset {}",
                info.length
            ))
            .into());
        }
        if content_length(req) != Some(0) {
            return Err(AppError::BadRequest("the upload is complete: the body goes past Upload-Length".into()).into());
        }
        return Ok((info.length, Some(media.clone())));
    }
    let current = info.stored()
        + std::fs::metadata(&part)
            .map_err(|_| AppError::NotFound("no such upload".into()))?
            .len();
    if offset != current {
        return Err(AppError::Conflict(format!(
            "Upload-Offset {offset} does not match the upload's offset {current}"
        ))
        .into());
    }
    if let Some(len) = content_length(req) {
        if current + len > info.length {
            return Err(AppError::BadRequest("the body goes past Upload-Length".into()).into());
        }
    }
    // The reservation made at creation covers the bytes up to Upload-Length, with or
    // without a Content-Length; an upload not accounted (it cannot be: creation and start
    // both account every upload) is admitted again rather than written unchecked.
    let ticket = match state.space.ticket(id) {
        Some(t) => t,
        None => {
            let new = NewUpload {
                id: id.to_string(),
                kind: UploadKind::Tus,
                filename: info.filename.clone(),
                length: Some(info.length),
                written: current,
            };
            state.space.admit(&who.0, new).await?
        }
    };
    let (pumped, written) = if info.object.is_some() {
        pump_parts(
            state,
            writers,
            &lock,
            &part,
            &info_path,
            &mut info,
            Arc::new(ticket),
            &mut payload,
        )
        .await
    } else {
        let mut sink = FileSink::append_existing(writers, &part, info.length)?.metered(Arc::new(ticket));
        let pumped = pump(
            &mut payload,
            &mut sink,
            state.config.upload_body_timeout,
            lock.terminated(),
        )
        .await;
        // Keep what arrived, even when the connection broke or stalled: that is what makes
        // resuming work.
        (pumped, sink.finish().await)
    };
    if lock.is_terminated() {
        // The termination removed the record; the bytes go too, and no media is made.
        remove_upload(&part, &info_path);
        abort_object(state, info.object.as_ref()).await;
        state.space.release(id);
        return Err(AppError::NotFound("the upload was terminated".into()).into());
    }
    match pumped {
        Err(BodyError::App(AppError::PayloadTooLarge(_))) => {
            return Err(AppError::BadRequest("the body goes past Upload-Length".into()).into())
        }
        Err(e) => return Err(e),
        Ok(()) => {}
    }
    let total = written?;
    if total < info.length {
        return Ok((total, None));
    }
    let version_of = crate::api::upload::version_target(state, &who.0, info.version_of.clone()).await?;
    if let Some(object) = &mut info.object {
        // A store that fails here keeps the upload: a PATCH of no bytes at the final
        // offset tries the completion again.
        complete_object(state, &part, object, info.length).await?;
    }
    let intake = Intake {
        owner: who.0.id.clone(),
        uploaded_name: info.filename.clone(),
        tmp: part.clone(),
        size: total,
        source: MediaSource::Tus,
        on_failure: OnFailure::Delete,
        version_of,
    };
    let registered = match &info.object {
        None => intake::register(state, intake).await,
        Some(o) => {
            let (media_id, name) = (dailies_protocol::MediaId(o.media_id.clone()), o.name.clone());
            intake::register_stored(state, intake, media_id, name).await
        }
    };
    // Media now (counted as what the user keeps), or gone: no longer an upload.
    state.space.release(id);
    let media_id = match registered {
        Ok(m) => m.0,
        Err(e) => {
            remove_upload(&part, &info_path);
            return Err(e.into());
        }
    };
    let done = TusInfo {
        media_id: Some(media_id.clone()),
        object: None,
        ..info
    };
    // Without the record the upload still worked; only a lost answer cannot be recovered.
    if let Err(e) = save_info(&info_path, &done) {
        tracing::warn!(upload = id, error = %e, "could not record the completed upload");
    }
    // A termination that came during the registration forgets the record (the media stays:
    // its owner sees and can delete it). Checked after writing, as the termination sets
    // the flag before removing the record, so one of the two removes it.
    if lock.is_terminated() {
        let _ = std::fs::remove_file(&info_path);
    }
    Ok((total, Some(media_id)))
}

/// With an object store: appends the body to the part being filled (`part`) and stores
/// each part as it fills, so no more than one part is on local disk, and in memory only
/// while it is sent. Answers like `pump` and the upload's offset.
#[allow(clippy::too_many_arguments)]
async fn pump_parts(
    state: &AppState,
    writers: &Writers,
    lock: &LockGuard,
    part: &Path,
    info_path: &Path,
    info: &mut TusInfo,
    ticket: Arc<dyn Meter>,
    payload: &mut web::Payload,
) -> (Result<(), BodyError>, Result<u64, AppError>) {
    let mut carry = None;
    loop {
        let stored = info.stored();
        let filled = match std::fs::metadata(part) {
            Ok(m) => m.len(),
            Err(_) => return (Ok(()), Err(AppError::NotFound("no such upload".into()))),
        };
        if filled >= PART_SIZE as u64 {
            // A full part (this PATCH filled it, or an earlier one could not store it).
            if lock.is_terminated() {
                return (Err(BodyError::Stopped), Ok(stored + filled));
            }
            if let Err(e) = store_part(state, lock, part, info_path, info).await {
                return (Err(e.into()), Ok(stored + filled));
            }
            continue;
        }
        let meter = Arc::new(PartsMeter {
            inner: ticket.clone(),
            stored,
        });
        let mut sink = match FileSink::append_existing(writers, part, info.length - stored) {
            Ok(s) => s.metered(meter),
            Err(e) => return (Ok(()), Err(e)),
        };
        let mut body = Upto {
            inner: payload,
            carry: &mut carry,
            left: PART_SIZE as u64 - filled,
        };
        let pumped = pump(
            &mut body,
            &mut sink,
            state.config.upload_body_timeout,
            lock.terminated(),
        )
        .await;
        let more = body.left == 0;
        // Keep what arrived, even when the connection broke or stalled: that is what
        // makes resuming work.
        let written = sink.finish().await.map(|n| stored + n);
        if !more || pumped.is_err() || written.is_err() || lock.is_terminated() {
            return (pumped, written);
        }
    }
}

/// Puts the full part waiting in `part` into the store and starts the next one.
async fn store_part(
    state: &AppState,
    lock: &LockGuard,
    part: &Path,
    info_path: &Path,
    info: &mut TusInfo,
) -> Result<(), AppError> {
    let Some(object) = info.object.as_mut() else {
        return Ok(());
    };
    let bytes = tokio::fs::read(part).await.map_err(AppError::internal)?;
    state.store.put_object_part(object, bytes.into()).await?;
    // Emptied before the part is recorded: a crash in between sets the offset back by one
    // part and the client sends those bytes again (the part is put again under the same
    // number); the other order would count them twice.
    let emptied = std::fs::OpenOptions::new()
        .write(true)
        .open(part)
        .and_then(|f| f.set_len(0));
    if let Err(e) = emptied {
        object.parts.pop();
        return Err(AppError::internal(e));
    }
    save_info(info_path, info).map_err(AppError::internal)?;
    // A termination removes the record after telling us: one of the two removes it.
    if lock.is_terminated() {
        let _ = std::fs::remove_file(info_path);
    }
    Ok(())
}

/// Puts the last part (what `part` holds) and makes the object; `part` goes once the bytes
/// are the store's.
async fn complete_object(
    state: &AppState,
    part: &Path,
    object: &mut PartialObject,
    length: u64,
) -> Result<(), AppError> {
    let tail = tokio::fs::read(part).await.map_err(AppError::internal)?;
    if object.parts.is_empty() {
        // Smaller than a part: one PUT, as for any small file (and a multipart upload of
        // no bytes is one some stores refuse).
        state.store.put_bytes(&object.media_id, &object.name, tail).await?;
        abort_object(state, Some(object)).await;
        let _ = tokio::fs::remove_file(part).await;
        return Ok(());
    }
    // Not recorded: a retry puts it again under the same number.
    if !tail.is_empty() {
        state.store.put_object_part(object, tail.into()).await?;
    }
    if let Err(e) = state.store.complete_object(object).await {
        // The answer may be what was lost: an object of the right size is the upload.
        match state.store.head(&object.media_id, &object.name).await {
            Ok(i) if i.size == length => {}
            _ => return Err(e.into()),
        }
    }
    let _ = tokio::fs::remove_file(part).await;
    Ok(())
}

fn remove_upload(part: &std::path::Path, info: &std::path::Path) {
    let _ = std::fs::remove_file(part);
    let _ = std::fs::remove_file(info);
}

async fn terminate(
    req: HttpRequest,
    state: web::Data<AppState>,
    locks: web::Data<TusLocks>,
    who: Identity,
    id: web::Path<String>,
) -> HttpResponse {
    if let Err(r) = check_version(&req) {
        return *r;
    }
    let result = match paths(&state, &id).and_then(|(_, info_path)| load_info(&info_path, &who)) {
        Ok(_) => end_upload(&state, &locks, &id).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => tus(StatusCode::NO_CONTENT).finish(),
        Err(e) => tus_err(e),
    }
}

/// Removes an upload, whoever it belongs to (its owner's termination, an admin's
/// cancellation), and ends its reservation.
pub async fn end_upload(state: &AppState, locks: &TusLocks, id: &str) -> AppResult<()> {
    let (part, info_path) = paths(state, id)?;
    let object = read_info(&info_path).and_then(|i| i.object);
    // Either nobody writes and we remove the upload, or a PATCH is writing: it stops
    // and removes the partial file, and the record goes now (after the PATCH is told),
    // so the upload is gone from this answer on. A PATCH that ends between the two
    // checks just means another round.
    for _ in 0..3 {
        if let Some(lock) = locks.try_lock(id) {
            remove_upload(&part, &info_path);
            state.space.release(id);
            // The record is gone: nothing resumes the upload while the abort runs.
            drop(lock);
            abort_object(state, object.as_ref()).await;
            return Ok(());
        }
        if locks.terminate_holder(id) {
            let _ = std::fs::remove_file(&info_path);
            state.space.release(id);
            return Ok(());
        }
    }
    Err(AppError::Conflict("the upload is busy: try again".into()))
}

/// Accounts the unfinished uploads a previous run left (at start, before serving): they
/// keep the reservation they were admitted with.
pub fn recover(dir: &std::path::Path, space: &Space) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut found = 0;
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        let Some(id) = p.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
            continue;
        };
        let Some(info) = read_info(&p) else {
            continue;
        };
        let Ok(meta) = std::fs::metadata(p.with_extension("part")) else {
            continue;
        };
        if info.media_id.is_some() {
            continue;
        }
        let time = |t: std::io::Result<SystemTime>| -> chrono::DateTime<chrono::Utc> {
            t.map(Into::into).unwrap_or_else(|_| chrono::Utc::now())
        };
        let started = time(std::fs::metadata(&p).and_then(|m| m.modified()));
        let updated = time(meta.modified());
        let written = info.stored() + meta.len();
        let new = NewUpload {
            id,
            kind: UploadKind::Tus,
            filename: info.filename,
            length: Some(info.length),
            written,
        };
        space.recover(UserId(info.owner), new, started, updated);
        found += 1;
    }
    found
}

/// A record, whoever it belongs to.
fn read_info(path: &Path) -> Option<TusInfo> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// An upload the expiry removed, and the multipart upload it leaves to abort.
pub struct Expired {
    pub id: String,
    pub object: Option<PartialObject>,
}

impl Expired {
    /// Aborts its multipart upload, if any.
    pub async fn abort(&self, state: &AppState) {
        abort_object(state, self.object.as_ref()).await
    }
}

/// Removes tus uploads untouched for longer than `expiry`, and the records of completed
/// ones that old; answers the uploads removed.
pub fn sweep_expired(dir: &std::path::Path, expiry: Duration) -> Vec<Expired> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let now = SystemTime::now();
    let mut removed = vec![];
    for e in entries.flatten() {
        let p = e.path();
        let ext = p.extension().and_then(|x| x.to_str());
        // A record beside its partial file goes with it, by the partial file's age.
        let record_alone = ext == Some("json") && !p.with_extension("part").exists();
        if ext != Some("part") && !record_alone {
            continue;
        }
        let age = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok());
        if age.is_some_and(|a| a > expiry) {
            let object = read_info(&p.with_extension("json")).and_then(|i| i.object);
            remove_upload(&p.with_extension("part"), &p.with_extension("json"));
            if let Some(id) = p.file_stem().and_then(|s| s.to_str()) {
                removed.push(Expired {
                    id: id.to_string(),
                    object,
                });
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[actix_rt::test]
    async fn upto_splits_the_chunk_crossing_the_limit_and_keeps_the_rest() {
        let chunks = ["abcde", "fghij", "klm"].map(|c| Ok::<_, std::convert::Infallible>(web::Bytes::from(c)));
        let mut body = futures_util::stream::iter(chunks);
        let mut carry = None;
        let mut rounds = vec![];
        for left in [7, 2, 100] {
            let got: Vec<_> = Upto {
                inner: &mut body,
                carry: &mut carry,
                left,
            }
            .map(|c| c.unwrap())
            .collect()
            .await;
            rounds.push(got);
        }
        assert_eq!(rounds[0], ["abcde", "fg"]);
        assert_eq!(rounds[1], ["hi"]);
        assert_eq!(rounds[2], ["j", "klm"]);
        assert!(carry.is_none());
    }

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
