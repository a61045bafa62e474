//! Turning a finished file into media: move it into `media/<id>/`, write the media row and
//! its job in one transaction, queue the job. One rule for uploads, tus and the watch folder.
//!
//! Intake owns the file until the row is committed: on any failure it either puts the file
//! back where it came from (`Restore`) or deletes it (`Delete`), and leaves no `media/<id>/`.

pub mod watch;

use crate::db::models::NewMedia;
use crate::db::queries;
use crate::db::values::MediaSource;
use crate::error::{AppError, AppResult};
use crate::ingest::queue::Enqueue;
use crate::notice::Notice;
use crate::state::AppState;
use crate::storage;
use dailies_protocol::{MediaId, MediaStatus, UserId};
use std::path::{Path, PathBuf};

/// What becomes of the file when it cannot be made media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnFailure {
    /// A partial upload nobody can resume: remove it.
    Delete,
    /// A file the user still has (the watch folder): put it back at this path.
    Restore(PathBuf),
}

/// A complete file waiting to become media.
pub struct Intake {
    pub owner: UserId,
    /// The name the user gave the file: a title, never a path.
    pub uploaded_name: String,
    pub tmp: PathBuf,
    pub size: u64,
    pub source: MediaSource,
    pub on_failure: OnFailure,
    /// Put it on top of this media's version stack (checked by the caller: `by` may manage
    /// the target).
    pub version_of: Option<VersionOf>,
}

/// A new version's target and who adds it.
#[derive(Debug, Clone)]
pub struct VersionOf {
    pub target: MediaId,
    pub by: dailies_protocol::UserInfo,
}

/// Applies `rule` to the file now at `at`. Answers where the file ended up, for the log.
fn give_back(at: &Path, rule: &OnFailure) -> String {
    match rule {
        OnFailure::Delete => match std::fs::remove_file(at) {
            Ok(()) => "deleted".into(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "already gone".into(),
            Err(e) => format!("could not be deleted from {}: {e}", at.display()),
        },
        OnFailure::Restore(to) => match std::fs::rename(at, to) {
            Ok(()) => format!("put back at {}", to.display()),
            Err(e) => format!(
                "still at {} (cannot put it back at {}: {e})",
                at.display(),
                to.display()
            ),
        },
    }
}

/// Undoes a registration that failed after the file was moved in: the file goes back by
/// `rule`, the media directory goes away.
fn undo(dir: &Path, stored: Option<&Path>, tmp: &Path, rule: &OnFailure) {
    let outcome = match stored {
        Some(s) if s.exists() => give_back(s, rule),
        _ => give_back(tmp, rule),
    };
    if let Err(e) = std::fs::remove_dir_all(dir) {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(dir = %dir.display(), "cannot remove the media directory of a failed intake: {e}");
        }
    }
    tracing::info!("intake failed; the file was {outcome}");
}

/// Copies a finished file into the object store as the media's original (a multipart upload
/// streamed from disk); the local file stays until the media row is committed, so a failed
/// registration can still give it back. A store that fails leaves no object behind (the
/// upload is aborted) and answers 503.
async fn into_store(state: &AppState, tmp: &Path, id: &MediaId, uploaded_name: &str) -> AppResult<String> {
    let name = storage::original_file_name(uploaded_name);
    if tmp.is_dir() {
        // A folder of frames (watch folder): each file becomes `<name>/<file>`.
        let mut files = Vec::new();
        let mut entries = tokio::fs::read_dir(tmp).await.map_err(AppError::internal)?;
        while let Some(e) = entries.next_entry().await.map_err(AppError::internal)? {
            if e.file_type().await.map_err(AppError::internal)?.is_file() {
                files.push(e.path());
            }
        }
        files.sort();
        for f in files {
            let key = format!("{name}/{}", f.file_name().unwrap_or_default().to_string_lossy());
            if let Err(e) = state.store.copy_file(id.as_str(), &key, &f).await {
                let _ = state.store.delete_media(id.as_str()).await;
                return Err(e.into());
            }
        }
        return Ok(name);
    }
    match state.store.copy_file(id.as_str(), &name, tmp).await {
        Ok(_) => Ok(name),
        Err(e) => {
            // Nothing of it may stay visible: a partial object is aborted by the upload itself,
            // a complete one whose answer was lost is removed here.
            let _ = state.store.delete(id.as_str(), &name).await;
            Err(e.into())
        }
    }
}

pub async fn register(state: &AppState, intake: Intake) -> AppResult<MediaId> {
    register_as(state, intake, storage::new_media_id(), None).await
}

/// Registers an original already in the object store as `<id>/<stored>` (a tus upload
/// sent there part by part, under the id it was given when it started): only the row is
/// written. A refused row removes the object, so a refused file is never half-visible;
/// `intake.tmp` (what was left locally) goes by the rule.
pub async fn register_stored(state: &AppState, intake: Intake, id: MediaId, stored: String) -> AppResult<MediaId> {
    register_as(state, intake, id, Some(stored)).await
}

async fn register_as(state: &AppState, intake: Intake, id: MediaId, placed: Option<String>) -> AppResult<MediaId> {
    let placed_already = placed.is_some();
    let dir = state.config.media_dir().join(id.as_str());
    let (tmp, name, mid, media_dir) = (
        intake.tmp.clone(),
        intake.uploaded_name.clone(),
        id.clone(),
        state.config.media_dir(),
    );
    let moved = if let Some(stored) = placed {
        Ok(stored)
    } else if state.store.is_local() {
        actix_web::web::block(move || storage::move_into_media(&tmp, &media_dir, &mid, &name))
            .await
            .map_err(AppError::internal)
            .and_then(|r| {
                r.map_err(|e| AppError::internal(anyhow::Error::new(e).context("moving the file into place")))
            })
            .map(|(_, stored)| stored)
    } else {
        into_store(state, &tmp, &mid, &name).await
    };
    let stored = match moved {
        Ok(stored) => stored,
        Err(e) => {
            let (d, t, rule) = (dir.clone(), intake.tmp.clone(), intake.on_failure.clone());
            let _ = actix_web::web::block(move || undo(&d, None, &t, &rule)).await;
            return Err(e);
        }
    };
    let row = NewMedia {
        id: id.clone(),
        owner_id: intake.owner.clone(),
        title: storage::title_from_name(&intake.uploaded_name),
        orig_filename: stored.clone(),
        status: MediaStatus::Processing,
        file_size: intake.size as i64,
        source: intake.source,
        link_access: state.config.default_link_access,
        upload_name: Some(storage::title_from_name(&intake.uploaded_name)),
    };
    let (new_id, version_of, outbox) = (id.clone(), intake.version_of.clone(), state.notifier.outbox().clone());
    let stored_row = state
        .db
        .run(move |c| {
            c.immediate_transaction(|c| {
                let job = queries::insert_media_with_job(c, &row)?;
                let Some(v) = version_of else {
                    return Ok((job, Default::default()));
                };
                // One transaction: the new media is never seen outside its stack.
                let now = chrono::Utc::now().naive_utc();
                let number = crate::db::versions::add_version(c, new_id.as_str(), v.target.as_str(), &v.by, now)?;
                let root = queries::get_media(c, v.target.as_str())?
                    .map(|t| t.stack_key().to_string())
                    .unwrap_or_default();
                let stack_owner = queries::get_media(c, &root)?.map(|m| m.owner_id);
                let watchers: Vec<dailies_protocol::UserId> = crate::db::sharing::shares(c, &root)?
                    .into_iter()
                    .map(|e| e.user_id)
                    .collect();
                let m = crate::notify::MediaRef {
                    id: new_id.clone(),
                    title: row.title.clone(),
                };
                let owner = stack_owner.unwrap_or_else(|| v.by.id.clone());
                let event = crate::notify::Event::new_version(m, &owner, &v.by, number, &watchers);
                let recorded = outbox.record(c, &[event])?;
                Ok((job, recorded))
            })
        })
        .await;
    let job_id = match stored_row {
        Ok((j, recorded)) => {
            state.notifier.announce(recorded);
            if !state.store.is_local() && !placed_already {
                // The bucket holds the original now.
                let removed = if intake.tmp.is_dir() {
                    tokio::fs::remove_dir_all(&intake.tmp).await
                } else {
                    tokio::fs::remove_file(&intake.tmp).await
                };
                if let Err(e) = removed {
                    tracing::warn!(media_id = %id, "cannot remove the uploaded file after storing it: {e}");
                }
            }
            j
        }
        Err(e) => {
            if !state.store.is_local() {
                // The copy in the bucket goes; the local file is given back by the rule.
                if let Err(gone) = state.store.delete_media(id.as_str()).await {
                    tracing::warn!(media_id = %id, "the objects of a failed intake are left over: {gone}");
                }
                let (d, t, rule) = (dir.clone(), intake.tmp.clone(), intake.on_failure.clone());
                let _ = actix_web::web::block(move || undo(&d, None, &t, &rule)).await;
                return Err(e);
            }
            let (d, t, rule) = (dir.clone(), intake.tmp.clone(), intake.on_failure.clone());
            let at = dir.join(&stored);
            let _ = actix_web::web::block(move || undo(&d, Some(&at), &t, &rule)).await;
            return Err(e);
        }
    };
    tracing::info!(media_id = %id, owner = %intake.owner, size = intake.size, source = %intake.source, "media added");
    let mid = id.clone();
    match state.db.run(move |c| queries::get_media(c, &mid)).await {
        Ok(Some(media)) => {
            if media.stack_id.is_some() {
                // Everyone who sees the stack gets its new shape (the hub tells only the
                // owner of a media that is not stacked).
                crate::versions::announce(state, media.stack_key()).await;
            }
            state.notifier.emit(Notice::MediaAdded { media })
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(media_id = %id, "cannot announce new media: {e}"),
    }
    state.ingest.do_send(Enqueue {
        job_id,
        media_id: id.clone(),
    });
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_intake_restores_or_deletes_and_leaves_no_directory() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("media/abc");
        std::fs::create_dir_all(&dir).unwrap();
        let stored = dir.join("original.mov");
        std::fs::write(&stored, b"clip").unwrap();
        let back = root.path().join("incoming/alice/clip.mov");
        std::fs::create_dir_all(back.parent().unwrap()).unwrap();
        let tmp = root.path().join("incoming/alice/.taking-clip.mov");
        undo(&dir, Some(&stored), &tmp, &OnFailure::Restore(back.clone()));
        assert_eq!(std::fs::read(&back).unwrap(), b"clip");
        assert!(!dir.exists());

        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&stored, b"part").unwrap();
        undo(&dir, Some(&stored), &tmp, &OnFailure::Delete);
        assert!(!stored.exists() && !dir.exists());
    }

    #[test]
    fn a_file_never_moved_in_is_given_back_from_where_it_waits() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("media/abc");
        std::fs::create_dir_all(&dir).unwrap();
        let tmp = root.path().join("upload.part");
        std::fs::write(&tmp, b"x").unwrap();
        undo(&dir, None, &tmp, &OnFailure::Delete);
        assert!(!tmp.exists() && !dir.exists());
    }
}
