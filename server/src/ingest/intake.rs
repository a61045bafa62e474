//! Turning a finished file into media: move it into `media/<id>/`, write the media row and
//! its job in one transaction, queue the job. Shared by uploads, tus and the watch folder.

use super::queue::Enqueue;
use crate::db::models::NewMedia;
use crate::db::queries;
use crate::error::{AppError, AppResult};
use crate::room::hub::SendToUser;
use crate::state::AppState;
use crate::storage;
use dailies_protocol::{MediaId, ServerMsg, UserId};
use std::path::PathBuf;

/// A complete file waiting to become media.
pub struct Intake {
    pub owner: UserId,
    /// The name the user gave the file: a title, never a path.
    pub uploaded_name: String,
    pub tmp: PathBuf,
    pub size: u64,
    /// `upload`, `tus` or `watch`.
    pub source: &'static str,
}

pub async fn register(state: &AppState, intake: Intake) -> AppResult<MediaId> {
    let id = storage::new_media_id();
    let media_dir = state.config.media_dir();
    let (tmp, name, mid) = (intake.tmp.clone(), intake.uploaded_name.clone(), id.clone());
    let (dir, stored) = actix_web::web::block(move || storage::move_into_media(&tmp, &media_dir, &mid, &name))
        .await
        .map_err(AppError::internal)?
        .map_err(|e| AppError::internal(anyhow::Error::new(e).context("moving the upload into place")))?;
    let row = NewMedia {
        id: id.clone(),
        owner_id: intake.owner.0.clone(),
        title: storage::title_from_name(&intake.uploaded_name),
        orig_filename: stored,
        status: "processing".into(),
        file_size: intake.size as i64,
        source: intake.source.into(),
    };
    let r = row.clone();
    let job_id = match state.db.run(move |c| queries::insert_media_with_job(c, &r)).await {
        Ok(j) => j,
        Err(e) => {
            // Without a row the files are invisible: remove them rather than leak them.
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    tracing::info!(media_id = %id, owner = %intake.owner, size = intake.size, source = intake.source, "media added");
    let mid = id.clone();
    if let Ok(Some(m)) = state.db.run(move |c| queries::get_media(c, &mid)).await {
        state.organizer.notify(crate::organizer::media_added(&m));
        state.hub.do_send(SendToUser {
            user: intake.owner.clone(),
            msg: ServerMsg::MediaUpdated { media: m.to_info() },
        });
    }
    state.ingest.do_send(Enqueue {
        job_id,
        media_id: id.clone(),
    });
    Ok(MediaId(id))
}
