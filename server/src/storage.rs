//! Files on disk: streaming request bodies to `upload-tmp/` in constant memory, free-space
//! checks, and the atomic move of a finished upload into `media/<id>/`.

use crate::error::AppError;
use bytes::BytesMut;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::oneshot;

/// Bytes gathered before one write: big writes keep the writer threads cheap.
const WRITE_BATCH: usize = 1024 * 1024;

/// Free bytes on the filesystem holding `path` (for unprivileged users).
pub fn available_space(path: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "path with NUL"))?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(st.f_bavail as u64 * st.f_frsize as u64)
}

pub fn disk_full() -> AppError {
    AppError::InsufficientStorage("not enough disk space on the server for this file".into())
}

fn is_disk_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(libc::ENOSPC)
}

fn write_error(e: std::io::Error) -> AppError {
    if is_disk_full(&e) {
        disk_full()
    } else {
        AppError::internal(anyhow::Error::new(e).context("writing upload"))
    }
}

/// Threads that write upload bodies, shared by every upload of the server.
pub const WRITER_THREADS: usize = 4;

type WriteJob = Box<dyn FnOnce() + Send>;

/// A few threads, started once with the server, that do the blocking file writes of every
/// upload. A thread per upload held 300 threads for 300 slow uploads, and tokio's blocking
/// pool panics when it cannot start a thread and has none left: these are started before
/// the server listens (a refusal is a start-up error), and an upload waiting for its next
/// bytes holds no thread at all. A few writes in flight keep a disk busy; more threads
/// would only queue in the kernel.
#[derive(Clone)]
pub struct Writers {
    tx: crossbeam_channel::Sender<WriteJob>,
}

impl Writers {
    pub fn start(threads: usize) -> std::io::Result<Writers> {
        let (tx, rx) = crossbeam_channel::unbounded::<WriteJob>();
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            // The threads end when the last `Writers` (the server's) is dropped.
            std::thread::Builder::new()
                .name(format!("upload-writer-{i}"))
                .spawn(move || {
                    for job in rx {
                        job();
                    }
                })?;
        }
        Ok(Writers { tx })
    }

    /// Runs `f` on a writer thread. The queue is unbounded but holds at most one job per
    /// open `FileSink` (each waits for its previous write), so memory stays bounded by the
    /// uploads in progress.
    async fn run<R: Send + 'static>(&self, f: impl FnOnce() -> R + Send + 'static) -> Result<R, AppError> {
        self.submit(f)?.await.map_err(|_| writer_gone())
    }

    fn submit<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<oneshot::Receiver<R>, AppError> {
        let (done, rx) = oneshot::channel();
        let job: WriteJob = Box::new(move || {
            let _ = done.send(f());
        });
        self.tx.send(job).map_err(|_| writer_gone())?;
        Ok(rx)
    }
}

fn writer_gone() -> AppError {
    AppError::internal(anyhow::anyhow!("the upload writer threads stopped"))
}

/// Appends a stream of chunks to a file through the server's `Writers`, so the async workers
/// never block on disk and memory stays bounded: one batch is written while the next one
/// fills.
pub struct FileSink {
    writers: Writers,
    file: Arc<std::fs::File>,
    buf: BytesMut,
    in_flight: Option<oneshot::Receiver<std::io::Result<()>>>,
    /// The size of the batch in flight, charged and not yet known to be on disk.
    in_flight_bytes: u64,
    written: u64,
    limit: u64,
    /// The upload's accounting: each batch is counted (or refused) before it is written.
    ticket: Option<Arc<dyn Meter>>,
}

impl Drop for FileSink {
    /// A sink given up with a batch in flight: the batch ends on its own, and is no longer
    /// counted as on its way.
    fn drop(&mut self) {
        let n = std::mem::take(&mut self.in_flight_bytes);
        self.landed(n);
    }
}

/// Counts an upload's bytes as they are written (the space accounting implements it, so
/// this module needs nothing above it).
pub trait Meter: Send + Sync {
    /// The bytes already in the file when writing starts.
    fn set_written(&self, written: u64);
    /// `n` more bytes are about to be written: count them, or refuse them.
    fn charge(&self, n: u64) -> Result<(), AppError>;
    /// `n` charged bytes have reached the file (or failed to): the disk's free space says
    /// so from now on.
    fn landed(&self, _n: u64) {}
}

impl FileSink {
    /// Opens `path` for appending, creating it. `limit` is the largest total size the file
    /// may reach.
    pub fn append(writers: &Writers, path: &Path, limit: u64) -> Result<FileSink, AppError> {
        Self::open(writers, path, limit, true)
    }

    /// Like `append`, for a file that must exist already: a file removed meanwhile (a tus
    /// upload terminated) is `NotFound` instead of being created anew.
    pub fn append_existing(writers: &Writers, path: &Path, limit: u64) -> Result<FileSink, AppError> {
        Self::open(writers, path, limit, false)
    }

    fn open(writers: &Writers, path: &Path, limit: u64, create: bool) -> Result<FileSink, AppError> {
        let file = std::fs::OpenOptions::new()
            .create(create)
            .append(true)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound if !create => AppError::NotFound("no such upload".into()),
                _ => AppError::internal(anyhow::Error::new(e).context(format!("opening {}", path.display()))),
            })?;
        let start = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(FileSink {
            writers: writers.clone(),
            file: Arc::new(file),
            buf: BytesMut::new(),
            in_flight: None,
            in_flight_bytes: 0,
            written: start,
            limit,
            ticket: None,
        })
    }

    /// Counts what this sink writes against `ticket`, from the file's current length.
    pub fn metered(mut self, ticket: Arc<dyn Meter>) -> FileSink {
        ticket.set_written(self.written);
        self.ticket = Some(ticket);
        self
    }

    fn charge(&self, n: usize) -> Result<(), AppError> {
        match &self.ticket {
            Some(t) if n > 0 => t.charge(n as u64),
            _ => Ok(()),
        }
    }

    fn landed(&mut self, n: u64) {
        if let Some(t) = self.ticket.as_ref().filter(|_| n > 0) {
            t.landed(n);
        }
    }

    /// Bytes in the file once everything queued is written.
    pub fn len(&self) -> u64 {
        self.written
    }

    pub fn is_empty(&self) -> bool {
        self.written == 0
    }

    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), AppError> {
        self.written += chunk.len() as u64;
        if self.written > self.limit {
            return Err(AppError::PayloadTooLarge(format!(
                "the file is larger than the limit of {} bytes",
                self.limit
            )));
        }
        self.buf.extend_from_slice(chunk);
        if self.buf.len() >= WRITE_BATCH {
            self.wait_in_flight().await?;
            self.charge(self.buf.len())?;
            let batch = self.buf.split().freeze();
            let file = self.file.clone();
            self.in_flight_bytes = batch.len() as u64;
            self.in_flight = Some(self.writers.submit(move || (&*file).write_all(&batch))?);
        }
        Ok(())
    }

    async fn wait_in_flight(&mut self) -> Result<(), AppError> {
        let done = match self.in_flight.take() {
            None => Ok(()),
            Some(rx) => rx.await.map_err(|_| writer_gone()).and_then(|r| r.map_err(write_error)),
        };
        let n = std::mem::take(&mut self.in_flight_bytes);
        self.landed(n);
        done
    }

    /// Writes what is buffered, syncs, and returns the file's total size.
    pub async fn finish(mut self) -> Result<u64, AppError> {
        self.wait_in_flight().await?;
        self.charge(self.buf.len())?;
        let rest = self.buf.split().freeze();
        let n = rest.len() as u64;
        let file = self.file.clone();
        let done = self
            .writers
            .run(move || {
                (&*file).write_all(&rest)?;
                file.sync_data()
            })
            .await;
        self.landed(n);
        done?.map_err(write_error)?;
        Ok(self.written)
    }
}

/// A fresh media id: 12 random URL-safe characters.
pub fn new_media_id() -> dailies_protocol::MediaId {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let bytes = *uuid::Uuid::new_v4().as_bytes();
    let id: String = bytes
        .iter()
        .take(12)
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    dailies_protocol::MediaId(id)
}

/// The name the original is stored under: `original` plus a short, safe extension taken
/// from the uploaded name (ffmpeg uses it as a hint; the name itself is never a path).
pub fn original_file_name(uploaded: &str) -> String {
    let ext = Path::new(uploaded)
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| !e.is_empty() && e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(|e| e.to_ascii_lowercase());
    match ext {
        Some(e) => format!("original.{e}"),
        None => "original".into(),
    }
}

/// A display title from an uploaded file name: no directories, no control characters.
pub fn title_from_name(uploaded: &str) -> String {
    let base = uploaded.rsplit(['/', '\\']).next().unwrap_or(uploaded);
    let t: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let t = t.trim().to_string();
    if t.is_empty() || t == "." || t == ".." {
        "Untitled".into()
    } else {
        t
    }
}

/// Moves a finished file into `media/<id>/`, returning the stored file name.
pub fn move_into_media(
    tmp: &Path,
    media_dir: &Path,
    id: &str,
    uploaded_name: &str,
) -> std::io::Result<(PathBuf, String)> {
    let dir = media_dir.join(id);
    std::fs::create_dir_all(&dir)?;
    let name = original_file_name(uploaded_name);
    let dest = dir.join(&name);
    if let Err(e) = std::fs::rename(tmp, &dest) {
        // Without its original the directory is a leftover no row points to.
        let _ = std::fs::remove_dir(&dir);
        return Err(e);
    }
    Ok((dir, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_never_paths() {
        assert_eq!(original_file_name("../../etc/passwd"), "original");
        assert_eq!(original_file_name("clip.MOV"), "original.mov");
        assert_eq!(original_file_name("x.$(rm -rf)"), "original");
        assert_eq!(original_file_name("a.verylongext"), "original");
        assert_eq!(title_from_name("../../etc/passwd"), "passwd");
        assert_eq!(title_from_name("C:\\clips\\shot 1.mov"), "shot 1.mov");
        assert_eq!(title_from_name("a\u{0}b\nc"), "abc");
        assert_eq!(title_from_name(".."), "Untitled");
        assert_eq!(title_from_name(""), "Untitled");
    }

    #[test]
    fn ids_are_well_formed() {
        let a = new_media_id();
        assert_eq!(a.len(), 12);
        assert!(a.is_well_formed());
        assert_ne!(a, new_media_id());
    }

    #[actix_rt::test]
    async fn sink_writes_in_batches_and_enforces_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let w = Writers::start(1).unwrap();
        let mut s = FileSink::append(&w, &p, 3 * 1024 * 1024).unwrap();
        for _ in 0..40 {
            s.write(&[7u8; 65536]).await.unwrap();
        }
        assert_eq!(s.finish().await.unwrap(), 40 * 65536);
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 40 * 65536);
        let mut s = FileSink::append(&w, &p, 3 * 1024 * 1024).unwrap();
        assert_eq!(s.len(), 40 * 65536, "appends after what is there");
        let mut err = None;
        for _ in 0..40 {
            if let Err(e) = s.write(&[7u8; 65536]).await {
                err = Some(e);
                break;
            }
        }
        assert!(matches!(err, Some(AppError::PayloadTooLarge(_))));
    }
}
