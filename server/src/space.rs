//! Space accounting: what every unfinished upload has written and has been promised, the
//! disk reserve no upload may touch, per-user quotas (config defaults, admin overrides) and
//! the daily comment volume of each user.
//!
//! An upload is admitted with a reservation of its declared length (`Content-Length`, tus
//! `Upload-Length`): admission needs the free space to cover the reserve, every other
//! upload's outstanding reservation and this one. Bytes are counted as they are written
//! (one batch at a time, before the batch reaches the disk); a batch beyond an upload's
//! reservation (a body without a declared length) must fit beside every reservation, and no
//! batch may eat into the reserve, whatever else filled the disk meanwhile. So the database
//! and the logs always keep `disk_reserve` bytes to work with, and a promise made to one
//! upload is not spent by another. A reservation ends with its upload: completion, failure,
//! cancellation, termination, expiry.

use crate::config::Config;
use crate::db::quotas::{self, QuotaRow};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use dailies_protocol::{UserId, UserInfo};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Limits of one user; 0 means no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub stored_bytes: u64,
    pub upload_bytes: u64,
    pub uploads: u64,
    pub comment_bytes_per_day: u64,
}

/// An admin's overrides for one user; `None` keeps the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    #[serde(default)]
    pub stored_bytes: Option<u64>,
    #[serde(default)]
    pub upload_bytes: Option<u64>,
    #[serde(default)]
    pub uploads: Option<u64>,
    #[serde(default)]
    pub comment_bytes_per_day: Option<u64>,
}

impl Limits {
    pub fn from_config(c: &Config) -> Limits {
        Limits {
            stored_bytes: c.quota_stored_bytes,
            upload_bytes: c.quota_upload_bytes,
            uploads: c.quota_uploads,
            comment_bytes_per_day: c.comment_bytes_per_day,
        }
    }

    fn with(self, o: &Overrides) -> Limits {
        Limits {
            stored_bytes: o.stored_bytes.unwrap_or(self.stored_bytes),
            upload_bytes: o.upload_bytes.unwrap_or(self.upload_bytes),
            uploads: o.uploads.unwrap_or(self.uploads),
            comment_bytes_per_day: o.comment_bytes_per_day.unwrap_or(self.comment_bytes_per_day),
        }
    }
}

fn over(limit: u64, value: u64) -> bool {
    limit != 0 && value > limit
}

impl Overrides {
    fn to_row(self, user: &UserId) -> QuotaRow {
        let i = |v: Option<u64>| v.map(|v| v.min(i64::MAX as u64) as i64);
        QuotaRow {
            user_id: user.0.clone(),
            stored_bytes: i(self.stored_bytes),
            upload_bytes: i(self.upload_bytes),
            uploads: i(self.uploads),
            comment_bytes_per_day: i(self.comment_bytes_per_day),
        }
    }

    fn from_row(r: &QuotaRow) -> Overrides {
        let u = |v: Option<i64>| v.map(|v| v.max(0) as u64);
        Overrides {
            stored_bytes: u(r.stored_bytes),
            upload_bytes: u(r.upload_bytes),
            uploads: u(r.uploads),
            comment_bytes_per_day: u(r.comment_bytes_per_day),
        }
    }
}

/// How an upload arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadKind {
    /// A resumable upload: it stays (and keeps its reservation) between requests.
    Tus,
    /// `POST /api/upload`: it lives as long as its request.
    Post,
}

/// How an upload is told to stop (an admin cancelled it).
#[derive(Default)]
struct Cancel {
    cancelled: AtomicBool,
    wake: tokio::sync::Notify,
}

struct Entry {
    kind: UploadKind,
    owner: UserId,
    filename: String,
    length: Option<u64>,
    written: u64,
    started_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    cancel: Arc<Cancel>,
}

impl Entry {
    /// Bytes promised and not yet written.
    fn outstanding(&self) -> u64 {
        self.length.map_or(0, |l| l.saturating_sub(self.written))
    }

    /// What the upload counts against its owner's quota: the larger of promise and bytes.
    fn claimed(&self) -> u64 {
        self.length.unwrap_or(0).max(self.written)
    }
}

/// An unfinished upload as admins see it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UploadView {
    pub id: String,
    pub kind: UploadKind,
    pub owner_id: UserId,
    pub filename: String,
    pub length: Option<u64>,
    pub written: u64,
    pub started_at: String,
    pub updated_at: String,
}

/// A user's limits, overrides and what they use.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QuotaView {
    pub user_id: UserId,
    pub limits: Limits,
    pub overrides: Overrides,
    pub usage: Usage,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Usage {
    pub stored_bytes: u64,
    pub upload_bytes: u64,
    pub uploads: u64,
    pub comment_bytes_today: u64,
}

/// The comment bytes of one user per minute over the last day.
struct Volume {
    minutes: VecDeque<(u64, u64)>,
    total: u64,
}

const DAY: Duration = Duration::from_secs(24 * 3600);

impl Volume {
    fn expire(&mut self, now_min: u64) {
        while let Some(&(m, b)) = self.minutes.front() {
            if now_min.saturating_sub(m) < DAY.as_secs() / 60 {
                break;
            }
            self.total -= b;
            self.minutes.pop_front();
        }
    }

    fn add(&mut self, now_min: u64, bytes: u64) {
        self.total += bytes;
        match self.minutes.back_mut() {
            Some((m, b)) if *m == now_min => *b += bytes,
            _ => self.minutes.push_back((now_min, bytes)),
        }
    }
}

#[derive(Default)]
struct Inner {
    uploads: HashMap<String, Entry>,
    overrides: HashMap<UserId, Overrides>,
    volumes: HashMap<UserId, Volume>,
    /// Bytes ever charged to uploads, and of those ever known to have reached their file:
    /// a charged batch still on its way is in neither the disk's free space nor any
    /// reservation, so decisions subtract it (see `Space::free_for_decision`).
    charged: u64,
    landed: u64,
}

impl Inner {
    fn outstanding_total(&self) -> u64 {
        self.uploads.values().map(Entry::outstanding).sum()
    }

    fn of(&self, owner: &UserId) -> (u64, u64) {
        self.uploads
            .values()
            .filter(|e| &e.owner == owner)
            .fold((0, 0), |(n, b), e| (n + 1, b + e.claimed()))
    }
}

type FreeFn = dyn Fn(&Path) -> std::io::Result<u64> + Send + Sync;

/// The server's accounting; cheap to clone, one for all workers.
#[derive(Clone)]
pub struct Space {
    inner: Arc<Mutex<Inner>>,
    dir: PathBuf,
    reserve: u64,
    defaults: Limits,
    db: Db,
    free: Arc<FreeFn>,
    started: Instant,
}

/// What admission needs to know of a new upload.
pub struct NewUpload {
    pub id: String,
    pub kind: UploadKind,
    pub filename: String,
    pub length: Option<u64>,
    /// Bytes already on disk (a tus upload found after a restart).
    pub written: u64,
}

fn quota(limit: u64, what: &str) -> AppError {
    AppError::QuotaExceeded(format!("{what} would exceed your limit of {}", human(limit)))
}

/// Bytes as people read them.
pub fn human(b: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} bytes")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

impl Space {
    /// Loads the admins' overrides; the disk is the one holding `config.upload_tmp_dir()`.
    pub async fn open(config: &Config, db: Db) -> AppResult<Space> {
        let rows = db.run(quotas::all).await?;
        let space = Space::with_free(config, db, Arc::new(crate::storage::available_space));
        {
            let mut inner = space.lock();
            for r in rows {
                inner
                    .overrides
                    .insert(UserId(r.user_id.clone()), Overrides::from_row(&r));
            }
        }
        Ok(space)
    }

    fn with_free(config: &Config, db: Db, free: Arc<FreeFn>) -> Space {
        Space {
            inner: Arc::default(),
            dir: config.upload_tmp_dir(),
            reserve: config.disk_reserve,
            defaults: Limits::from_config(config),
            db,
            free,
            started: Instant::now(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain numbers behind: keep counting.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The free space to decide on, and then the lock: the bytes landed before the
    /// disk is asked are read first, so a batch landing meanwhile is counted twice (a
    /// safe underestimate), never not at all.
    fn free_for_decision(&self) -> (u64, std::sync::MutexGuard<'_, Inner>) {
        let landed_before = self.lock().landed;
        let free = self.free_now();
        let inner = self.lock();
        let on_the_way = inner.charged.saturating_sub(landed_before);
        (free.saturating_sub(on_the_way), inner)
    }

    fn free_now(&self) -> u64 {
        // A filesystem that cannot say how full it is gets no accounting by free space;
        // ENOSPC still ends the write (see `storage`).
        (self.free)(&self.dir).unwrap_or(u64::MAX)
    }

    pub fn limits_of(&self, user: &UserId) -> Limits {
        let o = self.lock().overrides.get(user).copied().unwrap_or_default();
        self.defaults.with(&o)
    }

    /// Admits an upload or says why not: the owner's quotas first, then the disk.
    pub async fn admit(&self, owner: &UserInfo, new: NewUpload) -> AppResult<UploadTicket> {
        let limits = self.limits_of(&owner.id);
        let stored = if limits.stored_bytes != 0 {
            let id = owner.id.clone();
            self.db.run(move |c| quotas::stored_bytes(c, &id)).await?
        } else {
            0
        };
        let declared = new.length.unwrap_or(0);
        if over(limits.stored_bytes, stored.saturating_add(declared)) {
            return Err(quota(limits.stored_bytes, "this file with what you keep"));
        }
        let (free, mut inner) = self.free_for_decision();
        let (count, claimed) = inner.of(&owner.id);
        if over(limits.uploads, count + 1) {
            return Err(AppError::QuotaExceeded(format!(
                "you have {count} unfinished uploads, the limit is {}: finish or cancel one first",
                limits.uploads
            )));
        }
        if over(limits.upload_bytes, claimed.saturating_add(declared)) {
            return Err(quota(limits.upload_bytes, "your unfinished uploads"));
        }
        let outstanding = declared.saturating_sub(new.written);
        if free
            < self
                .reserve
                .saturating_add(inner.outstanding_total())
                .saturating_add(outstanding)
        {
            return Err(crate::storage::disk_full());
        }
        let now = Utc::now();
        let cancel = Arc::new(Cancel::default());
        inner.uploads.insert(
            new.id.clone(),
            Entry {
                kind: new.kind,
                owner: owner.id.clone(),
                filename: new.filename,
                length: new.length,
                written: new.written,
                started_at: now,
                updated_at: now,
                cancel: cancel.clone(),
            },
        );
        Ok(UploadTicket {
            space: self.clone(),
            id: new.id,
            owner: owner.id.clone(),
            cancel,
            release_on_drop: new.kind == UploadKind::Post,
            stored_limit: limits.stored_bytes,
            stored,
        })
    }

    /// Registers a tus upload found on disk at start, without checks: it was admitted
    /// before the restart and keeps its reservation.
    pub fn recover(&self, owner: UserId, new: NewUpload, started_at: DateTime<Utc>, updated_at: DateTime<Utc>) {
        self.lock().uploads.insert(
            new.id,
            Entry {
                kind: new.kind,
                owner,
                filename: new.filename,
                length: new.length,
                written: new.written,
                started_at,
                updated_at,
                cancel: Arc::default(),
            },
        );
    }

    /// The ticket of a tus upload admitted earlier, for its next PATCH; `None` when the
    /// upload is not (or no longer) accounted.
    pub fn ticket(&self, id: &str) -> Option<UploadTicket> {
        let inner = self.lock();
        let e = inner.uploads.get(id)?;
        Some(UploadTicket {
            space: self.clone(),
            id: id.to_string(),
            owner: e.owner.clone(),
            cancel: e.cancel.clone(),
            release_on_drop: false,
            stored_limit: 0,
            stored: 0,
        })
    }

    /// Ends an upload's accounting (completed, failed, terminated or expired).
    pub fn release(&self, id: &str) {
        self.lock().uploads.remove(id);
    }

    /// Every unfinished upload, oldest first.
    pub fn uploads(&self) -> Vec<UploadView> {
        let inner = self.lock();
        let mut v: Vec<UploadView> = inner
            .uploads
            .iter()
            .map(|(id, e)| UploadView {
                id: id.clone(),
                kind: e.kind,
                owner_id: e.owner.clone(),
                filename: e.filename.clone(),
                length: e.length,
                written: e.written,
                started_at: e.started_at.to_rfc3339(),
                updated_at: e.updated_at.to_rfc3339(),
            })
            .collect();
        v.sort_by(|a, b| a.started_at.cmp(&b.started_at).then(a.id.cmp(&b.id)));
        v
    }

    pub fn kind_of(&self, id: &str) -> Option<UploadKind> {
        self.lock().uploads.get(id).map(|e| e.kind)
    }

    /// Tells the request writing a `post` upload to stop; answers whether there was one.
    pub fn cancel(&self, id: &str) -> bool {
        let inner = self.lock();
        match inner.uploads.get(id) {
            Some(e) => {
                e.cancel.cancelled.store(true, Ordering::SeqCst);
                e.cancel.wake.notify_waiters();
                true
            }
            None => false,
        }
    }

    /// Counts `bytes` of comment text and drawings against the user's daily volume, or
    /// refuses them.
    pub async fn spend_comment(&self, user: &UserId, bytes: u64) -> AppResult<()> {
        let limit = self.limits_of(user).comment_bytes_per_day;
        if limit == 0 {
            return Ok(());
        }
        let known = self.lock().volumes.contains_key(user);
        if !known {
            // What the user wrote in the day before this start, once per user.
            let since = (Utc::now() - chrono::Duration::from_std(DAY).unwrap_or_default()).naive_utc();
            let id = user.clone();
            let before = self.db.run(move |c| quotas::comment_bytes_since(c, &id, since)).await?;
            let now_min = self.minute();
            self.lock().volumes.entry(user.clone()).or_insert_with(|| {
                let mut v = Volume {
                    minutes: VecDeque::new(),
                    total: 0,
                };
                // Counted as written at the start: it ages out a day after it.
                v.add(now_min, before);
                v
            });
        }
        let now_min = self.minute();
        let mut inner = self.lock();
        let v = inner.volumes.get_mut(user).expect("inserted above");
        v.expire(now_min);
        if over(limit, v.total.saturating_add(bytes)) {
            return Err(AppError::QuotaExceeded(format!(
                "your comments of the last day would exceed your limit of {} of text and drawings",
                human(limit)
            )));
        }
        v.add(now_min, bytes);
        Ok(())
    }

    fn minute(&self) -> u64 {
        self.started.elapsed().as_secs() / 60 + DAY.as_secs() / 60
    }

    /// A user's limits, overrides and usage.
    pub async fn view(&self, user: &UserId) -> AppResult<QuotaView> {
        let id = user.clone();
        let stored = self.db.run(move |c| quotas::stored_bytes(c, &id)).await?;
        let now_min = self.minute();
        let mut inner = self.lock();
        let overrides = inner.overrides.get(user).copied().unwrap_or_default();
        let (uploads, upload_bytes) = inner.of(user);
        let comment_bytes_today = match inner.volumes.get_mut(user) {
            Some(v) => {
                v.expire(now_min);
                v.total
            }
            None => 0,
        };
        Ok(QuotaView {
            user_id: user.clone(),
            limits: self.defaults.with(&overrides),
            overrides,
            usage: Usage {
                stored_bytes: stored,
                upload_bytes,
                uploads,
                comment_bytes_today,
            },
        })
    }

    /// Stores an admin's overrides for a user; they apply from the next request on.
    pub async fn set_overrides(&self, user: &UserId, o: Overrides) -> AppResult<()> {
        let row = o.to_row(user);
        self.db.run(move |c| quotas::put(c, &row)).await?;
        let mut inner = self.lock();
        if o == Overrides::default() {
            inner.overrides.remove(user);
        } else {
            inner.overrides.insert(user.clone(), o);
        }
        Ok(())
    }
}

/// One admitted upload: counts its bytes as they are written, and, for a `post` upload,
/// ends its accounting when dropped (a tus upload's ends with `Space::release`).
pub struct UploadTicket {
    space: Space,
    id: String,
    owner: UserId,
    cancel: Arc<Cancel>,
    release_on_drop: bool,
    stored_limit: u64,
    stored: u64,
}

impl UploadTicket {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Names the upload once its name is known (a multipart body's file field).
    pub fn set_filename(&self, name: &str) {
        if let Some(e) = self.space.lock().uploads.get_mut(&self.id) {
            e.filename = name.to_string();
        }
    }

    /// Finishes when an admin cancels the upload.
    pub async fn cancelled(&self) {
        loop {
            let woken = self.cancel.wake.notified();
            if self.cancel.cancelled.load(Ordering::SeqCst) {
                return;
            }
            woken.await;
        }
    }
}

impl crate::storage::Meter for UploadTicket {
    /// Sets the bytes on disk (a tus PATCH starts from the file's length).
    fn set_written(&self, written: u64) {
        if let Some(e) = self.space.lock().uploads.get_mut(&self.id) {
            e.written = written;
        }
    }

    /// Counts `n` more bytes about to be written, or refuses them: no batch eats into the
    /// reserve, and bytes beyond the reservation must also leave every other reservation
    /// whole and fit the owner's quotas.
    fn charge(&self, n: u64) -> Result<(), AppError> {
        let (free, mut inner) = self.space.free_for_decision();
        let others = inner.outstanding_total();
        let limits = self
            .space
            .defaults
            .with(&inner.overrides.get(&self.owner).copied().unwrap_or_default());
        let (_, claimed) = inner.of(&self.owner);
        if !inner.uploads.contains_key(&self.id) {
            // Released meanwhile (terminated or cancelled): the writer stops on its own.
            // Counted as charged all the same, since its landing will be.
            inner.charged += n;
            return Ok(());
        }
        let Some(e) = inner.uploads.get_mut(&self.id) else {
            return Ok(());
        };
        let reserved = e.outstanding().min(n);
        let beyond = n - reserved;
        let others = others - e.outstanding();
        let needed = self
            .space
            .reserve
            .saturating_add(n)
            .saturating_add(if beyond > 0 { others } else { 0 });
        if free < needed {
            return Err(crate::storage::disk_full());
        }
        if beyond > 0 {
            if over(limits.upload_bytes, claimed.saturating_add(beyond)) {
                return Err(quota(limits.upload_bytes, "your unfinished uploads"));
            }
            let total = e.written.saturating_add(n);
            if over(self.stored_limit, self.stored.saturating_add(total)) {
                return Err(quota(self.stored_limit, "this file with what you keep"));
            }
        }
        e.written += n;
        e.updated_at = Utc::now();
        inner.charged += n;
        Ok(())
    }

    fn landed(&self, n: u64) {
        self.space.lock().landed += n;
    }
}

impl Drop for UploadTicket {
    fn drop(&mut self) {
        if self.release_on_drop {
            self.space.release(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Meter;
    use std::sync::atomic::AtomicU64;

    const MIB: u64 = 1 << 20;

    /// A space on a pretend disk whose free bytes the test sets.
    async fn space(free: Arc<AtomicU64>, tweak: impl FnOnce(&mut Config)) -> (Space, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Config::with_data_dir(dir.path());
        c.disk_reserve = 4 * MIB;
        tweak(&mut c);
        let db = Db::open(&c.db_path()).unwrap();
        let f = free.clone();
        let s = Space::with_free(&c, db, Arc::new(move |_| Ok(f.load(Ordering::SeqCst))));
        (s, dir)
    }

    fn user(id: &str) -> UserInfo {
        UserInfo {
            id: UserId(id.into()),
            name: id.into(),
            is_admin: false,
        }
    }

    fn post(id: &str, length: Option<u64>) -> NewUpload {
        NewUpload {
            id: id.into(),
            kind: UploadKind::Post,
            filename: "f.mov".into(),
            length,
            written: 0,
        }
    }

    #[actix_rt::test]
    async fn reservations_share_the_free_space_and_end_with_their_upload() {
        let free = Arc::new(AtomicU64::new(20 * MIB));
        let (s, _d) = space(free.clone(), |_| {}).await;
        let a = s.admit(&user("a"), post("1", Some(10 * MIB))).await.unwrap();
        // 20 free, 4 kept, 10 promised: 6 left.
        let e = s.admit(&user("b"), post("2", Some(7 * MIB))).await.err().unwrap();
        assert!(matches!(e, AppError::InsufficientStorage(_)), "{e}");
        let b = s.admit(&user("b"), post("3", Some(6 * MIB))).await.unwrap();
        // Writing within a reservation needs only the reserve to stay whole.
        a.charge(MIB).unwrap();
        free.fetch_sub(MIB, Ordering::SeqCst);
        a.landed(MIB);
        drop(a);
        drop(b);
        assert!(s.uploads().is_empty());
        s.admit(&user("b"), post("4", Some(15 * MIB))).await.unwrap();
    }

    #[actix_rt::test]
    async fn bytes_beyond_a_reservation_stop_before_others_promises_and_the_reserve() {
        let free = Arc::new(AtomicU64::new(20 * MIB));
        let (s, _d) = space(free.clone(), |_| {}).await;
        let _promised = s.admit(&user("a"), post("1", Some(10 * MIB))).await.unwrap();
        let chunked = s.admit(&user("b"), post("2", None)).await.unwrap();
        for _ in 0..6 {
            chunked.charge(MIB).unwrap();
            free.fetch_sub(MIB, Ordering::SeqCst);
            chunked.landed(MIB);
        }
        // 14 free now: 4 kept and 10 promised to the other upload.
        let e = chunked.charge(MIB).err().unwrap();
        assert!(matches!(e, AppError::InsufficientStorage(_)), "{e}");
        // Something else filled the disk: even a reserved write stops at the reserve.
        free.store(4 * MIB + MIB / 2, Ordering::SeqCst);
        assert!(_promised.charge(MIB).is_err());
        assert!(_promised.charge(MIB / 4).is_ok());
    }

    #[actix_rt::test]
    async fn bytes_charged_and_not_yet_on_disk_count_as_used() {
        let free = Arc::new(AtomicU64::new(20 * MIB));
        let (s, _d) = space(free.clone(), |_| {}).await;
        let a = s.admit(&user("a"), post("1", Some(10 * MIB))).await.unwrap();
        // A batch of the reserved upload is charged but still on its way: the disk does
        // not show it yet, and the reservation no longer does. 20 free, 4 kept, 10 in all
        // for the first upload: 6 left, not 8.
        a.charge(2 * MIB).unwrap();
        let e = s.admit(&user("b"), post("2", Some(7 * MIB))).await.err().unwrap();
        assert!(matches!(e, AppError::InsufficientStorage(_)), "{e}");
        // Once it lands the disk shows it, and the answer is the same.
        free.fetch_sub(2 * MIB, Ordering::SeqCst);
        a.landed(2 * MIB);
        assert!(s.admit(&user("b"), post("3", Some(7 * MIB))).await.is_err());
        assert!(s.admit(&user("b"), post("4", Some(6 * MIB))).await.is_ok());
    }

    #[actix_rt::test]
    async fn quotas_count_uploads_bytes_and_take_overrides() {
        let free = Arc::new(AtomicU64::new(u64::MAX / 2));
        let (s, _d) = space(free, |c| {
            c.quota_uploads = 2;
            c.quota_upload_bytes = 10 * MIB;
        })
        .await;
        let u = user("a");
        let _one = s.admit(&u, post("1", Some(4 * MIB))).await.unwrap();
        let e = s.admit(&u, post("2", Some(7 * MIB))).await.err().unwrap();
        assert!(matches!(e, AppError::QuotaExceeded(_)), "{e}");
        let two = s.admit(&u, post("3", None)).await.unwrap();
        let e = s.admit(&u, post("4", Some(1))).await.err().unwrap();
        assert!(e.to_string().contains("2 unfinished uploads"), "{e}");
        // Bytes beyond the declared length count too.
        for _ in 0..6 {
            two.charge(MIB).unwrap();
        }
        assert!(matches!(two.charge(MIB), Err(AppError::QuotaExceeded(_))));
        // Another user is not affected; an override lifts the limit.
        s.admit(&user("b"), post("5", Some(MIB))).await.unwrap();
        s.set_overrides(
            &u.id,
            Overrides {
                uploads: Some(0),
                upload_bytes: Some(100 * MIB),
                ..Overrides::default()
            },
        )
        .await
        .unwrap();
        let _six = s.admit(&u, post("6", Some(MIB))).await.unwrap();
        two.charge(MIB).unwrap();
        let v = s.view(&u.id).await.unwrap();
        assert_eq!(v.limits.uploads, 0);
        assert_eq!(v.usage.uploads, 3);
        assert_eq!(v.overrides.stored_bytes, None);
    }

    #[actix_rt::test]
    async fn comment_volume_is_limited_per_user_per_day() {
        let free = Arc::new(AtomicU64::new(u64::MAX / 2));
        let (s, _d) = space(free, |c| c.comment_bytes_per_day = 1000).await;
        let a = UserId("a".into());
        s.spend_comment(&a, 600).await.unwrap();
        s.spend_comment(&a, 400).await.unwrap();
        let e = s.spend_comment(&a, 1).await.err().unwrap();
        assert!(e.to_string().contains("1000 bytes"), "{e}");
        s.spend_comment(&UserId("b".into()), 900).await.unwrap();
        assert_eq!(s.view(&a).await.unwrap().usage.comment_bytes_today, 1000);
        // A day later the bytes have aged out.
        let mut inner = s.lock();
        let v = inner.volumes.get_mut(&a).unwrap();
        let later = s.minute() + 24 * 60;
        v.expire(later);
        assert_eq!(v.total, 0);
    }
}
