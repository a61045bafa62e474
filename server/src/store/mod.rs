//! Where media files live once they are media: the data directory's `media/` (the default)
//! or an S3-compatible bucket. Keys are the paths relative to `media/`: `<media id>/<name>`.
//!
//! With a local directory the rest of the server keeps working on plain paths, as before
//! this layer existed; the S3 backend is what most of these methods are for.

pub mod migrate;
mod url;

use crate::error::AppError;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path as Key;
use object_store::signer::{SignedUrlOptions, Signer};
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;

pub use url::{parse_s3_url, S3Location};

/// Size of one part of a multipart upload: S3 wants at least 5 MiB per part but the last,
/// and a few parts in flight keep the link busy in bounded memory.
pub const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts uploaded at once; memory per upload is about `PART_SIZE × (PARTS_IN_FLIGHT + 1)`.
const PARTS_IN_FLIGHT: usize = 2;
/// A presigned URL handed to ffmpeg must outlive the longest transcode.
pub const PROCESSING_URL_TTL: Duration = Duration::from_secs(24 * 3600);

/// The server's media store, cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Arc<Backend>,
}

enum Backend {
    Local(PathBuf),
    S3(S3Store),
}

struct S3Store {
    client: AmazonS3,
    /// The key prefix below the bucket, empty or ending in `/`.
    prefix: String,
    /// For messages: `s3://bucket/prefix`.
    name: String,
}

/// What went wrong talking to the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such object")]
    NotFound,
    #[error("the media store is unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<object_store::Error> for StoreError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => StoreError::NotFound,
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("no such file".into()),
            StoreError::Unavailable(why) => {
                tracing::warn!("media store: {why}");
                AppError::Unavailable("the media store is unavailable: try again later".into())
            }
            StoreError::Io(e) => AppError::internal(e),
        }
    }
}

/// An object being written part by part over a long time (a tus upload): what it takes to
/// go on after a restart, kept by the caller beside its other state.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PartialObject {
    pub media_id: String,
    pub name: String,
    /// The store's multipart upload id.
    pub upload_id: String,
    /// The ids of the parts stored so far, in order; each but the last is `PART_SIZE` long.
    pub parts: Vec<String>,
}

impl PartialObject {
    /// The bytes already in the store.
    pub fn stored(&self) -> u64 {
        self.parts.len() as u64 * PART_SIZE as u64
    }
}

/// An object's size and version tag.
#[derive(Debug, Clone)]
pub struct ObjectInfo {
    pub size: u64,
    pub etag: Option<String>,
    pub last_modified: chrono::DateTime<chrono::Utc>,
}

impl Store {
    /// A store on a local directory (`media/` of the data directory, usually).
    pub fn local(root: impl Into<PathBuf>) -> Store {
        Store {
            backend: Arc::new(Backend::Local(root.into())),
        }
    }

    /// The store `storage_url` names; the data directory's `media/` when it is unset.
    pub fn from_config(config: &crate::config::Config) -> anyhow::Result<Store> {
        match config.storage_url.as_deref() {
            None => Ok(Store::local(config.media_dir())),
            Some(url) => Store::open(
                url,
                config.storage_access_key_id.as_deref(),
                config.storage_secret_access_key.as_deref(),
            ),
        }
    }

    /// Opens `file://DIR` or `s3://BUCKET[/PREFIX]?endpoint=…&region=…&path_style=true`.
    /// Credentials: the given ones, else `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
    pub fn open(url: &str, key_id: Option<&str>, secret: Option<&str>) -> anyhow::Result<Store> {
        if let Some(dir) = url.strip_prefix("file://") {
            anyhow::ensure!(!dir.is_empty(), "storage_url file:// needs a directory");
            return Ok(Store::local(dir));
        }
        let loc = parse_s3_url(url)?;
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let key_id = key_id
            .map(str::to_string)
            .or_else(|| env("AWS_ACCESS_KEY_ID"))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "storage_url is s3:// but no access key: set AWS_ACCESS_KEY_ID or storage_access_key_id"
                )
            })?;
        let secret = secret
            .map(str::to_string)
            .or_else(|| env("AWS_SECRET_ACCESS_KEY"))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "storage_url is s3:// but no secret key: set AWS_SECRET_ACCESS_KEY or storage_secret_access_key"
                )
            })?;
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&loc.bucket)
            .with_region(&loc.region)
            .with_access_key_id(key_id)
            .with_secret_access_key(secret)
            .with_virtual_hosted_style_request(!loc.path_style)
            // A store that is down fails an upload within seconds, not after the default
            // three minutes of retries: the uploader gets a clear 503 and can try again.
            .with_retry(object_store::RetryConfig {
                backoff: Default::default(),
                max_retries: 3,
                retry_timeout: Duration::from_secs(10),
            });
        if let Some(endpoint) = &loc.endpoint {
            b = b
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let client = b.build()?;
        let name = format!("s3://{}/{}", loc.bucket, loc.prefix);
        Ok(Store {
            backend: Arc::new(Backend::S3(S3Store {
                client,
                prefix: loc.prefix,
                name,
            })),
        })
    }

    /// The local directory, when the store is one: callers then work on plain paths.
    pub fn local_root(&self) -> Option<&Path> {
        match &*self.backend {
            Backend::Local(root) => Some(root),
            Backend::S3(_) => None,
        }
    }

    pub fn is_local(&self) -> bool {
        self.local_root().is_some()
    }

    /// For messages.
    pub fn describe(&self) -> String {
        match &*self.backend {
            Backend::Local(root) => format!("file://{}", root.display()),
            Backend::S3(s) => s.name.clone(),
        }
    }

    fn key(s: &S3Store, media_id: &str, name: &str) -> Key {
        Key::from(format!("{}{media_id}/{name}", s.prefix))
    }

    fn local_path(root: &Path, media_id: &str, name: &str) -> PathBuf {
        root.join(media_id).join(name)
    }

    /// Puts the local file `from` into the store as `<media_id>/<name>` and removes `from`.
    /// Locally a rename; on S3 a multipart upload streamed from the file in constant memory,
    /// aborted on failure so no partial object is left.
    pub async fn put_file(&self, media_id: &str, name: &str, from: &Path) -> Result<u64, StoreError> {
        let size = self.copy_file(media_id, name, from).await?;
        if !self.is_local() {
            let _ = tokio::fs::remove_file(from).await;
        }
        Ok(size)
    }

    /// Like `put_file` but leaves `from` where it is (except locally, where it is moved).
    pub async fn copy_file(&self, media_id: &str, name: &str, from: &Path) -> Result<u64, StoreError> {
        match &*self.backend {
            Backend::Local(root) => {
                let dest = Self::local_path(root, media_id, name);
                if let Some(dir) = dest.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                tokio::fs::rename(from, &dest).await?;
                Ok(tokio::fs::metadata(&dest).await?.len())
            }
            Backend::S3(s) => upload(&s.client, &Self::key(s, media_id, name), from).await,
        }
    }

    /// Stores small bytes (a subtitle file) as `<media_id>/<name>`.
    pub async fn put_bytes(&self, media_id: &str, name: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        match &*self.backend {
            Backend::Local(root) => {
                let dest = Self::local_path(root, media_id, name);
                if let Some(dir) = dest.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                let tmp = dest.with_file_name(format!("tmp.{name}"));
                tokio::fs::write(&tmp, bytes).await?;
                tokio::fs::rename(&tmp, &dest).await?;
                Ok(())
            }
            Backend::S3(s) => {
                s.client.put(&Self::key(s, media_id, name), bytes.into()).await?;
                Ok(())
            }
        }
    }

    /// The whole of a (small) object.
    pub async fn read(&self, media_id: &str, name: &str) -> Result<Vec<u8>, StoreError> {
        match &*self.backend {
            Backend::Local(root) => match tokio::fs::read(Self::local_path(root, media_id, name)).await {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound),
                other => Ok(other?),
            },
            Backend::S3(s) => {
                let got = s.client.get(&Self::key(s, media_id, name)).await?;
                Ok(got.bytes().await?.to_vec())
            }
        }
    }

    /// An object's size and version, `NotFound` when there is none (or it is a directory).
    pub async fn head(&self, media_id: &str, name: &str) -> Result<ObjectInfo, StoreError> {
        match &*self.backend {
            Backend::Local(root) => {
                let m = match tokio::fs::metadata(Self::local_path(root, media_id, name)).await {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(StoreError::NotFound),
                    other => other?,
                };
                if !m.is_file() {
                    return Err(StoreError::NotFound);
                }
                Ok(ObjectInfo {
                    size: m.len(),
                    etag: None,
                    last_modified: m.modified().map(Into::into).unwrap_or_else(|_| chrono::Utc::now()),
                })
            }
            Backend::S3(s) => {
                let m = s.client.head(&Self::key(s, media_id, name)).await?;
                Ok(ObjectInfo {
                    size: m.size,
                    etag: m.e_tag,
                    last_modified: m.last_modified,
                })
            }
        }
    }

    pub async fn exists(&self, media_id: &str, name: &str) -> bool {
        self.head(media_id, name).await.is_ok()
    }

    /// `range` of an object as a stream of chunks.
    pub async fn get_range(
        &self,
        media_id: &str,
        name: &str,
        range: Range<u64>,
    ) -> Result<BoxStream<'static, Result<Bytes, StoreError>>, StoreError> {
        match &*self.backend {
            Backend::Local(root) => {
                let mut f = tokio::fs::File::open(Self::local_path(root, media_id, name)).await?;
                use tokio::io::AsyncSeekExt;
                f.seek(std::io::SeekFrom::Start(range.start)).await?;
                let reader = tokio_util_like::take(f, range.end - range.start);
                Ok(reader.boxed())
            }
            Backend::S3(s) => {
                if range.is_empty() {
                    return Ok(futures_util::stream::empty().boxed());
                }
                let opts = GetOptions {
                    range: Some(GetRange::Bounded(range)),
                    ..Default::default()
                };
                let got = s.client.get_opts(&Self::key(s, media_id, name), opts).await?;
                Ok(got.into_stream().map_err(StoreError::from).boxed())
            }
        }
    }

    /// A URL that reads the object without credentials for `ttl` (S3 only).
    pub async fn presigned_get(&self, media_id: &str, name: &str, ttl: Duration) -> Result<String, StoreError> {
        self.presigned_get_as(media_id, name, ttl, None).await
    }

    /// Like `presigned_get`, and the bucket answers with this `Content-Disposition` (the
    /// signed `response-content-disposition` override), so a browser following the URL
    /// saves the file under the name we give it rather than the object's key.
    pub async fn presigned_get_as(
        &self,
        media_id: &str,
        name: &str,
        ttl: Duration,
        disposition: Option<&str>,
    ) -> Result<String, StoreError> {
        match &*self.backend {
            Backend::Local(_) => Err(StoreError::Unavailable("a local store has no presigned URLs".into())),
            Backend::S3(s) => {
                let mut opts = SignedUrlOptions::new();
                if let Some(d) = disposition {
                    opts = opts.with_query([("response-content-disposition", d)]);
                }
                let url = s
                    .client
                    .signed_url_opts(
                        object_store::signer::Method::GET,
                        &Self::key(s, media_id, name),
                        ttl,
                        &opts,
                    )
                    .await?;
                Ok(url.to_string())
            }
        }
    }

    /// What ffmpeg and ffprobe read the object from: its path, or a presigned URL they read
    /// ranges of over HTTP.
    pub async fn input(&self, media_id: &str, name: &str) -> Result<PathBuf, StoreError> {
        match &*self.backend {
            Backend::Local(root) => Ok(Self::local_path(root, media_id, name)),
            Backend::S3(_) => Ok(PathBuf::from(
                self.presigned_get(media_id, name, PROCESSING_URL_TTL).await?,
            )),
        }
    }

    /// Copies an object to a local file (for inputs ffmpeg cannot read over HTTP).
    pub async fn download(&self, media_id: &str, name: &str, to: &Path) -> Result<(), StoreError> {
        let size = self.head(media_id, name).await?.size;
        let mut chunks = self.get_range(media_id, name, 0..size).await?;
        let mut out = tokio::fs::File::create(to).await?;
        use tokio::io::AsyncWriteExt;
        while let Some(chunk) = chunks.next().await {
            out.write_all(&chunk?).await?;
        }
        out.flush().await?;
        Ok(())
    }

    /// Removes one object; one already gone is no error.
    pub async fn delete(&self, media_id: &str, name: &str) -> Result<(), StoreError> {
        match &*self.backend {
            Backend::Local(root) => match tokio::fs::remove_file(Self::local_path(root, media_id, name)).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            },
            Backend::S3(s) => match s.client.delete(&Self::key(s, media_id, name)).await {
                Err(object_store::Error::NotFound { .. }) | Ok(()) => Ok(()),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// Removes every object of a media.
    pub async fn delete_media(&self, media_id: &str) -> Result<(), StoreError> {
        match &*self.backend {
            Backend::Local(root) => match tokio::fs::remove_dir_all(root.join(media_id)).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            },
            Backend::S3(s) => {
                let prefix = Key::from(format!("{}{media_id}", s.prefix));
                let keys = s.client.list(Some(&prefix)).map_ok(|m| m.location).boxed();
                let mut gone = s.client.delete_stream(keys);
                while let Some(r) = gone.next().await {
                    match r {
                        Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(())
            }
        }
    }

    /// The names of a media's objects with their sizes.
    pub async fn list_media(&self, media_id: &str) -> Result<Vec<(String, u64)>, StoreError> {
        match &*self.backend {
            Backend::Local(root) => {
                let mut out = Vec::new();
                let mut rd = match tokio::fs::read_dir(root.join(media_id)).await {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
                    other => other?,
                };
                while let Some(e) = rd.next_entry().await? {
                    let m = e.metadata().await?;
                    if m.is_file() {
                        out.push((e.file_name().to_string_lossy().into_owned(), m.len()));
                    }
                }
                Ok(out)
            }
            Backend::S3(s) => {
                let prefix = Key::from(format!("{}{media_id}", s.prefix));
                let metas: Vec<_> = s.client.list(Some(&prefix)).try_collect().await?;
                let strip = format!("{}{media_id}/", s.prefix);
                Ok(metas
                    .into_iter()
                    .filter_map(|m| {
                        let k = m.location.to_string();
                        k.strip_prefix(&strip).map(|n| (n.to_string(), m.size))
                    })
                    .collect())
            }
        }
    }

    /// Every key below the store's prefix with its size (for migrate-storage).
    pub async fn list_all(&self) -> Result<std::collections::HashMap<String, u64>, StoreError> {
        match &*self.backend {
            Backend::Local(_) => Err(StoreError::Unavailable("listing a local store".into())),
            Backend::S3(s) => {
                let prefix = (!s.prefix.is_empty()).then(|| Key::from(s.prefix.as_str()));
                let metas: Vec<_> = s.client.list(prefix.as_ref()).try_collect().await?;
                Ok(metas
                    .into_iter()
                    .filter_map(|m| {
                        let k = m.location.to_string();
                        k.strip_prefix(&s.prefix).map(|k| (k.to_string(), m.size))
                    })
                    .collect())
            }
        }
    }
}

/// Objects written part by part (S3 only; a local store is written by plain files).
impl Store {
    fn s3(&self) -> Result<&S3Store, StoreError> {
        match &*self.backend {
            Backend::S3(s) => Ok(s),
            Backend::Local(_) => Err(StoreError::Unavailable("a local store has no multipart uploads".into())),
        }
    }

    /// Starts the multipart upload of `<media_id>/<name>`; nothing is visible until
    /// `complete_object`.
    pub async fn begin_object(&self, media_id: &str, name: &str) -> Result<PartialObject, StoreError> {
        let s = self.s3()?;
        let upload_id = s.client.create_multipart(&Self::key(s, media_id, name)).await?;
        Ok(PartialObject {
            media_id: media_id.into(),
            name: name.into(),
            upload_id,
            parts: vec![],
        })
    }

    /// Stores `bytes` as the next part (its number is `o.parts.len()`) and records its id.
    /// Sending the same part again (after a crash before it was recorded) replaces it.
    pub async fn put_object_part(&self, o: &mut PartialObject, bytes: Bytes) -> Result<(), StoreError> {
        let s = self.s3()?;
        let key = Self::key(s, &o.media_id, &o.name);
        let part = s
            .client
            .put_part(&key, &o.upload_id, o.parts.len(), bytes.into())
            .await?;
        o.parts.push(part.content_id);
        Ok(())
    }

    /// Makes the object out of its parts.
    pub async fn complete_object(&self, o: &PartialObject) -> Result<(), StoreError> {
        let s = self.s3()?;
        let key = Self::key(s, &o.media_id, &o.name);
        let parts = o.parts.iter().map(|c| PartId { content_id: c.clone() }).collect();
        s.client.complete_multipart(&key, &o.upload_id, parts).await?;
        Ok(())
    }

    /// Drops the multipart upload and its parts; one already gone is no error.
    pub async fn abort_object(&self, o: &PartialObject) -> Result<(), StoreError> {
        let s = self.s3()?;
        let key = Self::key(s, &o.media_id, &o.name);
        match s.client.abort_multipart(&key, &o.upload_id).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Streams a local file into `key`: as a multipart upload, or in one PUT when it is smaller
/// than a part (an empty file has no part to send at all).
async fn upload(client: &AmazonS3, key: &Key, from: &Path) -> Result<u64, StoreError> {
    let mut file = tokio::fs::File::open(from).await?;
    let len = file.metadata().await?.len();
    if len < PART_SIZE as u64 {
        let mut bytes = Vec::with_capacity(len as usize);
        file.read_to_end(&mut bytes).await?;
        let total = bytes.len() as u64;
        client.put(key, bytes.into()).await?;
        return Ok(total);
    }
    let upload = client.put_multipart(key).await?;
    let mut w = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
    let mut buf = vec![0u8; 1024 * 1024];
    let mut total = 0u64;
    let result: Result<(), StoreError> = async {
        loop {
            let n = file.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            w.wait_for_capacity(PARTS_IN_FLIGHT).await?;
            w.write(&buf[..n]);
            total += n as u64;
        }
    }
    .await;
    match result {
        Ok(()) => {
            // A failure here aborts the upload inside `finish`.
            w.finish().await?;
            Ok(total)
        }
        Err(e) => {
            let _ = w.abort().await;
            Err(e)
        }
    }
}

/// A local file read as a stream of chunks, at most `len` bytes.
mod tokio_util_like {
    use super::StoreError;
    use bytes::Bytes;
    use futures_util::Stream;
    use tokio::io::AsyncReadExt;

    pub fn take(file: tokio::fs::File, len: u64) -> impl Stream<Item = Result<Bytes, StoreError>> + Send + 'static {
        futures_util::stream::unfold((file.take(len), false), |(mut f, done)| async move {
            if done {
                return None;
            }
            let mut buf = vec![0u8; 256 * 1024];
            match f.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(Bytes::from(buf)), (f, false)))
                }
                Err(e) => Some((Err(e.into()), (f, true))),
            }
        })
    }
}
