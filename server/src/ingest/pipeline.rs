//! What happens to one media file: probe it, make what a browser needs (a proxy only when
//! the original will not play), a poster and a scrub sheet, then mark it ready or failed.

use super::command::{self, ProxySettings};
use super::job::{run_ffmpeg, FfmpegRun};
use super::probe::{self, Probe};
use super::Cancel;
use crate::config::Config;
use crate::db::models::{MediaFacts, NewUserMessage};
use crate::db::{queries, Db};
use crate::room::hub::{Hub, SendToUser};
use actix::Addr;
use dailies_protocol::{MediaId, MediaKind, ServerMsg, SpriteSheet, UserId};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Everything a job needs, owned, so it can run as a plain future.
pub struct JobContext {
    pub db: Db,
    pub hub: Addr<Hub>,
    pub config: Arc<Config>,
    pub job_id: i32,
    pub media_id: String,
    pub cancel: Cancel,
}

#[derive(Debug)]
pub enum JobError {
    /// The file itself is the problem: retrying will not help.
    Failed(String),
    /// Something around it failed (a crash, the database): worth another attempt.
    Retry(String),
}

/// Originals above this bitrate get a proxy even when browsers could play them.
pub const MAX_DIRECT_BITRATE: i64 = 20_000_000;
const PLAYBACK_PROXY: &str = "proxy.mp4";
const PLAYBACK_AUDIO: &str = "audio.m4a";
const PLAYBACK_IMAGE: &str = "image.webp";
const THUMB: &str = "thumb.webp";
const SHEET: &str = "sheet.webp";
const LOG: &str = "ffmpeg.log";
const SHEET_TILES: u32 = 100;

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::Retry(e.to_string())
}

/// A missing or crashing tool is worth another attempt, a bad file is not: the tools' errors say which.
fn job_error(transient: bool, e: impl std::fmt::Display) -> JobError {
    if transient {
        JobError::Retry(e.to_string())
    } else {
        JobError::Failed(e.to_string())
    }
}

/// Pushes progress to the owner live and into the database now and then.
struct Progress {
    db: Db,
    hub: Addr<Hub>,
    owner: UserId,
    media_id: String,
    last_db: Mutex<Option<Instant>>,
    /// Once the media is ready, progress is still shown live but no longer stored.
    ready: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn report_live(&self, fraction: f64, stage: &str) {
        self.hub.do_send(SendToUser {
            user: self.owner.clone(),
            msg: ServerMsg::MediaProgress {
                media_id: MediaId(self.media_id.clone()),
                progress: fraction.clamp(0.0, 1.0),
                stage: stage.to_string(),
            },
        });
    }

    fn report(&self, fraction: f64, stage: &str) {
        let fraction = fraction.clamp(0.0, 1.0);
        if self.ready.load(std::sync::atomic::Ordering::SeqCst) {
            self.report_live(fraction, stage);
            return;
        }
        self.hub.do_send(SendToUser {
            user: self.owner.clone(),
            msg: ServerMsg::MediaProgress {
                media_id: MediaId(self.media_id.clone()),
                progress: fraction,
                stage: stage.to_string(),
            },
        });
        let due = {
            let mut last = self.last_db.lock().unwrap_or_else(|p| p.into_inner());
            let due = last.map(|t| t.elapsed() >= Duration::from_secs(1)).unwrap_or(true);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        if due {
            let db = self.db.clone();
            let id = self.media_id.clone();
            actix::spawn(async move {
                let _ = db
                    .run(move |c| queries::set_media_progress(c, &id, Some(fraction)))
                    .await;
            });
        }
    }
}

async fn push_media(db: &Db, hub: &Addr<Hub>, media_id: &str) {
    let id = media_id.to_string();
    if let Ok(Some(m)) = db.run(move |c| queries::get_media(c, &id)).await {
        hub.do_send(SendToUser {
            user: UserId(m.owner_id.clone()),
            msg: ServerMsg::MediaUpdated { media: m.to_info() },
        });
    }
}

async fn notify_owner(db: &Db, hub: &Addr<Hub>, media_id: &str, kind: &str, text: String) {
    let id = media_id.to_string();
    let kind = kind.to_string();
    let res = db
        .run(move |c| {
            let Some(m) = queries::get_media(c, &id)? else {
                return Ok(None);
            };
            if m.source != "watch" {
                return Ok(None);
            }
            let row = queries::insert_user_message(
                c,
                &NewUserMessage {
                    user_id: m.owner_id.clone(),
                    kind,
                    media_id: Some(id),
                    comment_id: None,
                    text,
                },
            )?;
            Ok(Some((m.owner_id, row)))
        })
        .await;
    if let Ok(Some((owner, row))) = res {
        hub.do_send(SendToUser {
            user: UserId(owner),
            msg: ServerMsg::UserMessageAdded { message: row.to_wire() },
        });
    }
}

/// Ends a job as failed: the media shows the reason, the original stays.
pub async fn mark_failed(db: &Db, hub: &Addr<Hub>, job_id: i32, media_id: &str, reason: &str) {
    tracing::warn!(media_id, "processing failed: {reason}");
    let (id, r) = (media_id.to_string(), reason.to_string());
    let res = db
        .run(move |c| {
            queries::set_media_outcome(c, &id, "failed", Some(&r), None)?;
            queries::finish_job(c, job_id, "failed", Some(&r))
        })
        .await;
    if let Err(e) = res {
        tracing::error!(media_id, "cannot record the failure: {e}");
    }
    push_media(db, hub, media_id).await;
    let title = title_of(db, media_id).await;
    notify_owner(
        db,
        hub,
        media_id,
        "media_failed",
        format!("{title} could not be processed: {reason}"),
    )
    .await;
}

async fn title_of(db: &Db, media_id: &str) -> String {
    let id = media_id.to_string();
    db.run(move |c| queries::get_media(c, &id))
        .await
        .ok()
        .flatten()
        .map(|m| m.title)
        .unwrap_or_default()
}

fn facts(p: &Probe) -> MediaFacts {
    MediaFacts {
        kind: Some(p.kind.as_str().to_string()),
        duration: p.duration,
        fps_num: p.fps.map(|r| r.num),
        fps_den: p.fps.map(|r| r.den),
        frame_count: p.frame_count,
        width: p.width,
        height: p.height,
        video_codec: p.video_codec.clone(),
        audio_codec: p.audio_codec.clone(),
        pix_fmt: p.pix_fmt.clone(),
        bitrate: p.bitrate,
        audio_channels: p.audio_channels,
    }
}

/// Runs the whole processing of one media file.
pub async fn run(jc: JobContext) -> Result<(), JobError> {
    let JobContext {
        db,
        hub,
        config,
        job_id,
        media_id,
        cancel,
    } = jc;
    db.run(move |c| queries::start_job(c, job_id)).await.map_err(retry)?;
    let id = media_id.clone();
    let Some(media) = db.run(move |c| queries::get_media(c, &id)).await.map_err(retry)? else {
        // Deleted while queued.
        return Ok(());
    };
    let dir = config.media_dir().join(&media.id);
    let original = dir.join(&media.orig_filename);
    let progress = Arc::new(Progress {
        db: db.clone(),
        hub: hub.clone(),
        owner: UserId(media.owner_id.clone()),
        media_id: media.id.clone(),
        last_db: Mutex::new(None),
        ready: std::sync::atomic::AtomicBool::new(false),
    });
    progress.report(0.0, "probe");
    let began = std::time::Instant::now();

    let orig = original.clone();
    let probed = actix_web::web::block(move || probe::probe_facts(&orig))
        .await
        .map_err(retry)?;
    let p = probed.map_err(|e| job_error(e.is_transient(), e))?;
    let probed_in = began.elapsed();
    let f = facts(&p);
    let id = media.id.clone();
    db.run(move |c| queries::set_media_facts(c, &id, &f))
        .await
        .map_err(retry)?;
    push_media(&db, &hub, &media.id).await;

    let steps = Steps {
        dir: dir.clone(),
        cancel: cancel.clone(),
        progress: progress.clone(),
    };
    // The decode check runs beside the proxy: a damaged file stops the proxy and fails
    // with the check's reason; a sound one has lost no time to the check.
    let proxy_cancel = cancel.child();
    let check = {
        let (orig, probe, stop) = (original.clone(), p.clone(), proxy_cancel.clone());
        async move {
            let r = actix_web::web::block(move || probe::decode_check(&orig, &probe))
                .await
                .map_err(retry)
                .and_then(|r| r.map_err(|e| job_error(e.is_transient(), e)));
            if r.is_err() {
                stop.cancel();
            }
            r
        }
    };
    let proxy_steps = Steps {
        dir: dir.clone(),
        cancel: proxy_cancel,
        progress: progress.clone(),
    };
    let settings = ProxySettings::default();
    // After a restart, a file that is already playable keeps its playback file.
    let resumed = media.status == "ready" && media.playback_file.as_deref().is_some_and(|f| dir.join(f).exists());
    let playable = async {
        let steps = &proxy_steps;
        Ok::<_, JobError>(if resumed {
            media.playback_file.clone().unwrap_or_default()
        } else {
            match p.kind {
                MediaKind::Video if probe::browser_playable(&p, MAX_DIRECT_BITRATE) => media.orig_filename.clone(),
                MediaKind::Video => {
                    let args = command::proxy_args(&original, &dir.join(tmp_name(PLAYBACK_PROXY)), &p, &settings);
                    steps
                        .ffmpeg(args, PLAYBACK_PROXY, p.duration, "proxy", 0.0, 0.85)
                        .await?;
                    PLAYBACK_PROXY.to_string()
                }
                MediaKind::Audio => {
                    let args = command::audio_proxy_args(&original, &dir.join(tmp_name(PLAYBACK_AUDIO)), &p, &settings);
                    steps
                        .ffmpeg(args, PLAYBACK_AUDIO, p.duration, "audio", 0.0, 0.85)
                        .await?;
                    PLAYBACK_AUDIO.to_string()
                }
                MediaKind::Image => {
                    let args = command::image_args(&original, &dir.join(tmp_name(PLAYBACK_IMAGE)), 4096);
                    steps.ffmpeg(args, PLAYBACK_IMAGE, None, "image", 0.0, 0.85).await?;
                    PLAYBACK_IMAGE.to_string()
                }
            }
        })
    };
    let (checked, playable) = futures_util::future::join(check, playable).await;
    checked?;
    let playback = playable?;
    if cancel.is_cancelled() {
        return Err(JobError::Failed("cancelled".into()));
    }
    // Playable now: reviewers can start while posters and the scrub sheet are made.
    let (id, pb) = (media.id.clone(), playback.clone());
    db.run(move |c| queries::set_media_outcome(c, &id, "ready", None, Some((&pb, None, None))))
        .await
        .map_err(retry)?;
    progress.ready.store(true, std::sync::atomic::Ordering::SeqCst);
    let playable_in = began.elapsed();
    push_media(&db, &hub, &media.id).await;

    // Pictures are a nicety: a failure here is logged, the media stays ready.
    let start = if playback == PLAYBACK_PROXY || playback == PLAYBACK_AUDIO {
        0.85
    } else {
        0.0
    };
    // The poster and the scrub sheet are made side by side: the poster is one seek and one
    // frame, the sheet a decode of the whole file, so the poster shows up at once and the
    // two together take about as long as the sheet alone.
    let poster = async {
        let thumb_args = match p.kind {
            MediaKind::Audio => command::waveform_args(&original, &dir.join(tmp_name(THUMB)), 1280, 240),
            _ => command::poster_args(&original, &dir.join(tmp_name(THUMB)), &p),
        };
        steps
            .ffmpeg(thumb_args, THUMB, None, "thumbnails", start, start)
            .await?;
        let id = media.id.clone();
        db.run(move |c| queries::set_media_pictures(c, &id, Some(THUMB), None))
            .await
            .map_err(retry)?;
        push_media(&db, &hub, &media.id).await;
        Ok::<(), JobError>(())
    };
    let sheet = async {
        if p.kind != MediaKind::Video {
            return Ok(None);
        }
        let plan = command::sheet_plan(&p, SHEET_TILES);
        let args = command::sheet_args(&original, &dir.join(tmp_name(SHEET)), &p, &plan);
        steps.ffmpeg(args, SHEET, p.duration, "thumbnails", start, 1.0).await?;
        let sheet = SpriteSheet {
            url: crate::db::models::file_url(&media.id, SHEET),
            columns: plan.columns,
            rows: plan.rows,
            tile_width: plan.tile_width,
            tile_height: plan.tile_height,
            times: plan.times.clone(),
        };
        Ok::<_, JobError>(Some(serde_json::to_string(&sheet).map_err(retry)?))
    };
    let pictures = async {
        let (poster, sheet) = futures_util::future::join(poster, sheet).await;
        poster?;
        if let Some(json) = sheet? {
            let id = media.id.clone();
            db.run(move |c| queries::set_media_pictures(c, &id, Some(THUMB), Some(&json)))
                .await
                .map_err(retry)?;
            push_media(&db, &hub, &media.id).await;
        }
        Ok::<(), JobError>(())
    };
    let pictures_error = match pictures.await {
        Ok(()) => None,
        Err(JobError::Failed(e) | JobError::Retry(e)) => {
            tracing::warn!(media_id = %media.id, "thumbnails failed (the media stays playable): {e}");
            Some(e)
        }
    };
    tracing::info!(
        media_id = %media.id,
        probe_ms = probed_in.as_millis() as u64,
        playable_ms = playable_in.as_millis() as u64,
        done_ms = began.elapsed().as_millis() as u64,
        "processed"
    );
    db.run(move |c| queries::finish_job(c, job_id, "done", pictures_error.as_deref()))
        .await
        .map_err(retry)?;
    progress.report_live(1.0, "done");
    notify_owner(
        &db,
        &hub,
        &media.id,
        "media_ready",
        format!("{} is ready for review", media.title),
    )
    .await;
    Ok(())
}

fn tmp_name(final_name: &str) -> String {
    format!("tmp.{final_name}")
}

struct Steps {
    dir: PathBuf,
    cancel: Cancel,
    progress: Arc<Progress>,
}

impl Steps {
    /// Runs one ffmpeg command writing `tmp.<name>`, then renames it into place, so a
    /// half-written output is never served. Progress maps into `from..to`.
    async fn ffmpeg(
        &self,
        args: Vec<String>,
        name: &str,
        duration: Option<f64>,
        stage: &'static str,
        from: f64,
        to: f64,
    ) -> Result<(), JobError> {
        if self.cancel.is_cancelled() {
            return Err(JobError::Failed("cancelled".into()));
        }
        let tmp = self.dir.join(tmp_name(name));
        let _ = std::fs::remove_file(&tmp);
        let progress = self.progress.clone();
        progress.report(from, stage);
        let run = FfmpegRun {
            program: "ffmpeg".into(),
            args,
            log_path: self.dir.join(LOG),
            duration,
        };
        let result = run_ffmpeg(run, self.cancel.clone(), move |f| {
            progress.report(from + (to - from) * f, stage)
        })
        .await;
        match result {
            Ok(()) => {
                std::fs::rename(&tmp, self.dir.join(name)).map_err(retry)?;
                self.progress.report(to, stage);
                Ok(())
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(job_error(e.is_transient(), e))
            }
        }
    }
}

/// The data directory path of a media file's directory.
pub fn media_dir(config: &Config, id: &str) -> PathBuf {
    config.media_dir().join(id)
}
