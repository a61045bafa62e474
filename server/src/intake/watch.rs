//! The watch folder: a file dropped into `incoming/<user-id>/` becomes that user's media
//! once its size and modification time have stayed the same for `watch_settle`. A folder of
//! numbered frames (an image sequence) becomes one clip once its files have stopped
//! changing the same way.

use super::{Intake, OnFailure};
use crate::db::queries;
use crate::db::values::MediaSource;
use crate::state::AppState;
use dailies_protocol::{UserId, UserInfo};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// Prefix of a file being taken; hidden, so scans skip it. A crash leaves it behind, and
/// start-up puts it back under its own name.
const TAKING: &str = ".dailies-taking-";

/// Restores files a crash left half-taken.
pub fn recover(incoming: &std::path::Path) {
    let Ok(users) = std::fs::read_dir(incoming) else { return };
    for u in users.flatten() {
        let Ok(files) = std::fs::read_dir(u.path()) else {
            continue;
        };
        for f in files.flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if let Some(rest) = name.strip_prefix(TAKING) {
                // `<32 hex>-<original name>`
                if let Some(orig) = rest.get(33..).filter(|o| !o.is_empty()) {
                    let _ = std::fs::rename(f.path(), f.path().with_file_name(orig));
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    size: u64,
    mtime: Option<SystemTime>,
    /// Files in it, for a folder (1 for a file).
    count: u64,
    since: Instant,
}

/// A folder's total size, newest modification time and file count, when it holds at least
/// one numbered frame; None for any other folder (left alone).
fn folder_state(dir: &std::path::Path) -> Option<(u64, Option<SystemTime>, u64)> {
    let (mut size, mut mtime, mut count, mut frames) = (0u64, None, 0u64, 0u64);
    for f in std::fs::read_dir(dir).ok()?.flatten() {
        let Ok(meta) = f.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let name = f.file_name().to_string_lossy().into_owned();
        // A copy in progress: wait for it.
        if name.ends_with(".part") || name.ends_with(".tmp") {
            return None;
        }
        size += meta.len();
        count += 1;
        mtime = mtime.max(meta.modified().ok());
        if crate::ingest::sequence::frame_name(&name).is_some() {
            frames += 1;
        }
    }
    (frames > 0).then_some((size, mtime, count))
}

/// Remembers what each scan saw, so only files that stopped changing are taken.
#[derive(Default)]
pub struct Watcher {
    seen: HashMap<PathBuf, Seen>,
}

/// A user id that can be a directory name and an identity (what the proxy would send).
fn valid_user_dir(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && !name.chars().any(|c| c.is_control() || c == '/' || c == '\\')
}

impl Watcher {
    /// One scan: answers the files that are ready, as (user, path).
    pub fn scan(&mut self, incoming: &std::path::Path, settle: Duration) -> Vec<(String, PathBuf)> {
        let mut ready = Vec::new();
        let mut present = std::collections::HashSet::new();
        let Ok(users) = std::fs::read_dir(incoming) else {
            return ready;
        };
        for u in users.flatten() {
            let uname = u.file_name().to_string_lossy().into_owned();
            if !valid_user_dir(&uname) || !u.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                continue;
            }
            let Ok(files) = std::fs::read_dir(u.path()) else {
                continue;
            };
            for f in files.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                // Hidden names are what copy tools write to before renaming into place.
                if name.starts_with('.') || name.ends_with(".part") || name.ends_with(".tmp") {
                    continue;
                }
                let Ok(meta) = f.metadata() else { continue };
                let path = f.path();
                let (size, mtime, count) = if meta.is_file() {
                    (meta.len(), meta.modified().ok(), 1)
                } else if meta.is_dir() {
                    match folder_state(&path) {
                        Some(state) => state,
                        None => continue,
                    }
                } else {
                    continue;
                };
                present.insert(path.clone());
                let now = Instant::now();
                let cur = Seen {
                    size,
                    mtime,
                    count,
                    since: now,
                };
                match self.seen.get(&path) {
                    Some(s) if s.size == cur.size && s.mtime == cur.mtime && s.count == cur.count => {
                        if now.duration_since(s.since) >= settle {
                            ready.push((uname.clone(), path.clone()));
                        }
                    }
                    _ => {
                        self.seen.insert(path, cur);
                    }
                }
            }
        }
        self.seen.retain(|p, _| present.contains(p));
        for (_, p) in &ready {
            self.seen.remove(p);
        }
        ready
    }
}

/// Ingests one settled file for `user`: moves it into the upload area first, so a second
/// scan cannot take it twice.
async fn take(state: &AppState, user: String, path: PathBuf) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!("{TAKING}{}-{name}", uuid::Uuid::new_v4().simple()));
    let size = match folder_state(&path) {
        Some((total, _, _)) if path.is_dir() => total,
        _ => std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
    };
    if let Err(e) = std::fs::rename(&path, &tmp) {
        tracing::warn!(path = %path.display(), "watch folder: cannot take the file: {e}");
        return;
    }
    let uid = user.clone();
    let known = state.db.run(move |c| queries::get_user(c, &uid)).await.ok().flatten();
    if known.is_none() {
        let info = UserInfo {
            id: UserId(user.clone()),
            name: user.clone(),
            is_admin: false,
        };
        if let Err(e) = state.db.run(move |c| queries::upsert_user(c, &info)).await {
            tracing::error!("watch folder: cannot create user {user}: {e}");
            let _ = std::fs::rename(&tmp, &path);
            return;
        }
    }
    // On failure intake puts the file back under its own name, so nothing is lost and the
    // next scans try it again.
    let intake = Intake {
        owner: UserId(user.clone()),
        uploaded_name: name,
        tmp,
        size,
        source: MediaSource::Watch,
        on_failure: OnFailure::Restore(path),
        version_of: None,
    };
    if let Err(e) = super::register(state, intake).await {
        tracing::error!(user, "watch folder: cannot add the file: {e}");
    }
}

/// Scans the incoming folder until the server stops.
pub async fn run(state: AppState) {
    let settle = state.config.watch_settle;
    let every = (settle / 2).clamp(Duration::from_millis(200), Duration::from_secs(2));
    let mut watcher = Watcher::default();
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let dir = state.config.incoming_dir();
        let ready = actix_web::web::block(move || {
            let r = watcher.scan(&dir, settle);
            (watcher, r)
        })
        .await;
        let Ok((w, ready)) = ready else { return };
        watcher = w;
        for (user, path) in ready {
            take(&state, user, path).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_only_settled_visible_files() {
        let dir = tempfile::tempdir().unwrap();
        let u = dir.path().join("alice");
        std::fs::create_dir_all(&u).unwrap();
        std::fs::write(u.join("clip.mov"), b"abc").unwrap();
        std::fs::write(u.join(".clip2.mov.XYZ"), b"abc").unwrap();
        std::fs::create_dir_all(dir.path().join(".hidden")).unwrap();
        std::fs::write(dir.path().join(".hidden/x.mov"), b"abc").unwrap();
        let mut w = Watcher::default();
        let settle = Duration::from_millis(100);
        assert!(w.scan(dir.path(), settle).is_empty(), "first sight is not enough");
        std::thread::sleep(Duration::from_millis(120));
        let r = w.scan(dir.path(), settle);
        assert_eq!(r, vec![("alice".to_string(), u.join("clip.mov"))]);
    }

    #[test]
    fn half_taken_files_are_restored() {
        let dir = tempfile::tempdir().unwrap();
        let u = dir.path().join("carol");
        std::fs::create_dir_all(&u).unwrap();
        std::fs::write(u.join(format!("{TAKING}{}-shot 1.mov", "a".repeat(32))), b"x").unwrap();
        recover(dir.path());
        assert!(u.join("shot 1.mov").exists());
    }

    #[test]
    fn a_growing_file_waits() {
        let dir = tempfile::tempdir().unwrap();
        let u = dir.path().join("bob");
        std::fs::create_dir_all(&u).unwrap();
        let f = u.join("big.mov");
        let mut w = Watcher::default();
        let settle = Duration::from_millis(150);
        for i in 0..5 {
            std::fs::write(&f, vec![0u8; 10 * (i + 1)]).unwrap();
            assert!(w.scan(dir.path(), settle).is_empty(), "still growing at step {i}");
            std::thread::sleep(Duration::from_millis(60));
        }
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(w.scan(dir.path(), settle).len(), 1);
    }

    #[test]
    fn a_folder_of_frames_is_taken_when_it_stops_changing() {
        let dir = tempfile::tempdir().unwrap();
        let u = dir.path().join("dana");
        let shot = u.join("shot_010");
        std::fs::create_dir_all(&shot).unwrap();
        std::fs::create_dir_all(u.join("docs")).unwrap();
        std::fs::write(u.join("docs/readme.txt"), b"not frames").unwrap();
        std::fs::write(shot.join("shot_010.1001.exr"), b"f1").unwrap();
        let mut w = Watcher::default();
        // A zero settle time: taken at the second sight of the same state.
        assert!(w.scan(dir.path(), Duration::ZERO).is_empty());
        std::fs::write(shot.join("shot_010.1002.exr"), b"f2").unwrap();
        assert!(w.scan(dir.path(), Duration::ZERO).is_empty(), "a frame arrived");
        std::fs::write(shot.join("shot_010.1003.exr.part"), b"f").unwrap();
        assert!(w.scan(dir.path(), Duration::ZERO).is_empty(), "a copy in progress");
        std::fs::rename(shot.join("shot_010.1003.exr.part"), shot.join("shot_010.1003.exr")).unwrap();
        assert!(w.scan(dir.path(), Duration::ZERO).is_empty());
        assert_eq!(
            w.scan(dir.path(), Duration::ZERO),
            vec![("dana".to_string(), shot.clone())]
        );
        assert_eq!(folder_state(&shot).map(|s| (s.0, s.2)), Some((5, 3)));
        assert_eq!(
            folder_state(&u.join("docs")),
            None,
            "a folder without frames is left alone"
        );
    }
}
