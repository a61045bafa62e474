//! Subtitle tracks of media: uploads converted to WebVTT, tracks renamed, re-timed and
//! removed, and their WebVTT served with the offset applied (docs/interchange.md).

pub mod convert;
pub mod vtt;

use crate::db::models::{Media, NewSubtitleTrack, SubtitleTrackRow};
use crate::db::subtitles::{self as sq, TrackChange};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use dailies_protocol::{SubtitleSource, SubtitleTrack, SubtitleTrackEdit};

pub const MAX_TRACK_TITLE_LEN: usize = 200;
/// A day either way: far more than any sync error, small enough to keep times sane.
pub const MAX_OFFSET_MS: i64 = 86_400_000;

/// A track on the wire; guests get their own address of the WebVTT.
pub fn to_wire(row: &SubtitleTrackRow, guest: bool) -> SubtitleTrack {
    let base = if guest { "/api/guest/media" } else { "/api/media" };
    SubtitleTrack {
        id: row.id,
        media_id: row.media_id.as_str().into(),
        title: row.title.clone(),
        language: row.language.clone(),
        offset_ms: row.offset_ms,
        is_default: row.is_default,
        source: SubtitleSource::parse(&row.source).unwrap_or(SubtitleSource::Upload),
        vtt_url: format!("{base}/{}/subtitles/{}/vtt", row.media_id, row.id),
        created_at: row.created_at.and_utc().to_rfc3339(),
    }
}

/// A title without control characters, 1..=200 characters.
pub fn clean_title(t: &str) -> AppResult<String> {
    let t: String = t.chars().filter(|c| !c.is_control()).collect();
    let t = t.trim();
    if t.is_empty() {
        return Err(AppError::BadRequest("a subtitle track's title cannot be empty".into()));
    }
    if t.chars().count() > MAX_TRACK_TITLE_LEN {
        return Err(AppError::BadRequest(format!(
            "a subtitle track's title is at most {MAX_TRACK_TITLE_LEN} characters"
        )));
    }
    Ok(t.to_string())
}

/// A language tag ("en", "pt-BR", "fra"), or None for an empty one.
pub fn clean_language(l: &str) -> AppResult<Option<String>> {
    let l = l.trim();
    if l.is_empty() {
        return Ok(None);
    }
    let ok = l.len() <= 35
        && l.split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !ok {
        return Err(AppError::BadRequest(format!(
            "the language is a tag such as \"en\" or \"pt-BR\", not {l:?}"
        )));
    }
    Ok(Some(l.to_string()))
}

pub fn check_offset(ms: i64) -> AppResult<i64> {
    if ms.abs() > MAX_OFFSET_MS {
        return Err(AppError::BadRequest(format!(
            "the offset is at most {MAX_OFFSET_MS} ms either way"
        )));
    }
    Ok(ms)
}

/// What an upload says of its track besides the file.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: Option<String>,
    pub title: Option<String>,
    pub language: Option<String>,
    pub offset_ms: i64,
    pub is_default: bool,
}

/// The stored file of a new track: a name of its own in the media's directory.
fn new_file_name() -> String {
    format!("sub-{}.vtt", uuid::Uuid::new_v4().simple())
}

/// Converts an uploaded file and stores it as a track of `media`. Nothing is kept when the
/// file is refused.
pub async fn add(state: &AppState, media: &Media, bytes: Vec<u8>, up: Upload) -> AppResult<SubtitleTrack> {
    let title = match up.title.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => clean_title(t)?,
        None => clean_title(&default_title(up.file_name.as_deref()))?,
    };
    let language = clean_language(up.language.as_deref().unwrap_or(""))?;
    let offset_ms = check_offset(up.offset_ms)?;
    let work = state
        .config
        .upload_tmp_dir()
        .join(format!("subtitles-{}", uuid::Uuid::new_v4().simple()));
    let file_name = new_file_name();
    let name = up.file_name.clone();
    let vtt = actix_web::web::block(move || {
        std::fs::create_dir_all(&work).map_err(AppError::internal)?;
        let result = convert::to_webvtt(&bytes, name.as_deref(), &work).map(|(_, vtt)| vtt);
        let _ = std::fs::remove_dir_all(&work);
        result
    })
    .await
    .map_err(AppError::internal)??;
    state
        .store
        .put_bytes(media.id.as_str(), &file_name, vtt.into_bytes())
        .await?;
    let row = NewSubtitleTrack {
        media_id: media.id.as_str().to_string(),
        title,
        language,
        offset_ms,
        is_default: up.is_default,
        source: SubtitleSource::Upload.as_str().into(),
        file_name: file_name.clone(),
        created_at: chrono::Utc::now().naive_utc(),
    };
    let stored = state.db.run(move |c| sq::insert(c, &row)).await;
    let row = match stored {
        Ok(r) => r,
        Err(e) => {
            remove_file(state, media.id.as_str(), &file_name).await;
            return Err(e);
        }
    };
    tracing::info!(media_id = %media.id, track = row.id, "subtitle track added");
    state.notifier.media_changed(&state.db, media.id.as_str()).await;
    Ok(to_wire(&row, false))
}

/// A title from the uploaded name: its stem, or "Subtitles".
fn default_title(name: Option<&str>) -> String {
    let base = name.map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n)).unwrap_or("");
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    if stem.trim().is_empty() {
        "Subtitles".into()
    } else {
        stem.chars().take(MAX_TRACK_TITLE_LEN).collect()
    }
}

pub async fn list(state: &AppState, media: &Media, guest: bool) -> AppResult<Vec<SubtitleTrack>> {
    let mid = media.id.as_str().to_string();
    let rows = state.db.run(move |c| sq::list(c, &mid)).await?;
    Ok(rows.iter().map(|r| to_wire(r, guest)).collect())
}

fn no_track() -> AppError {
    AppError::NotFound("this media has no such subtitle track".into())
}

pub async fn edit(state: &AppState, media: &Media, id: i64, e: SubtitleTrackEdit) -> AppResult<SubtitleTrack> {
    let change = TrackChange {
        title: e.title.as_deref().map(clean_title).transpose()?,
        language: e.language.as_deref().map(clean_language).transpose()?,
        offset_ms: e.offset_ms.map(check_offset).transpose()?,
        is_default: e.default,
    };
    let mid = media.id.as_str().to_string();
    let row = state
        .db
        .run(move |c| sq::update(c, &mid, id, &change))
        .await?
        .ok_or_else(no_track)?;
    state.notifier.media_changed(&state.db, media.id.as_str()).await;
    Ok(to_wire(&row, false))
}

pub async fn delete(state: &AppState, media: &Media, id: i64) -> AppResult<()> {
    let mid = media.id.as_str().to_string();
    let row = state
        .db
        .run(move |c| sq::delete(c, &mid, id))
        .await?
        .ok_or_else(no_track)?;
    remove_file(state, media.id.as_str(), &row.file_name).await;
    tracing::info!(media_id = %media.id, track = id, "subtitle track deleted");
    state.notifier.media_changed(&state.db, media.id.as_str()).await;
    Ok(())
}

async fn remove_file(state: &AppState, media_id: &str, file: &str) {
    if let Err(e) = state.store.delete(media_id, file).await {
        tracing::warn!(media_id, file, "a subtitle file was not removed: {e}");
    }
}

/// The track's WebVTT with its offset applied to every cue.
pub async fn vtt_text(state: &AppState, media: &Media, id: i64) -> AppResult<String> {
    let mid = media.id.as_str().to_string();
    let row = state
        .db
        .run(move |c| sq::get(c, &mid, id))
        .await?
        .ok_or_else(no_track)?;
    let text = match state.store.read(media.id.as_str(), &row.file_name).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e @ crate::store::StoreError::Unavailable(_)) => return Err(e.into()),
        Err(e) => {
            tracing::warn!(media_id = %media.id, track = id, "subtitle file unreadable: {e}");
            return Err(no_track());
        }
    };
    Ok(vtt::shifted(&text, row.offset_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_languages_and_offsets_are_checked() {
        assert_eq!(default_title(Some("dir/Episode 1.en.srt")), "Episode 1.en");
        assert_eq!(default_title(None), "Subtitles");
        assert!(clean_title("  ").is_err());
        assert_eq!(clean_language("pt-BR").unwrap().as_deref(), Some("pt-BR"));
        assert_eq!(clean_language("").unwrap(), None);
        assert!(clean_language("en; rm").is_err());
        assert!(check_offset(MAX_OFFSET_MS + 1).is_err());
        assert_eq!(check_offset(-1500).unwrap(), -1500);
    }
}
