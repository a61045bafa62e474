//! What happens to one media file: probe it, make what a browser needs (a proxy only when
//! the original will not play), a poster and a scrub sheet, then mark it ready or failed.

use super::command::{self, ProxySettings};
use super::job::{run_ffmpeg, FfmpegRun};
use super::policy;
use super::probe::{self, Probe};
use super::sequence::{self, Sequence};
use super::Cancel;
use crate::config::Config;
use crate::db::models::MediaFacts;
use crate::db::values::{JobStatus, MediaSource};
use crate::db::{queries, Db};
use crate::notice::{Notice, Notifier};
use crate::notify::{Event, MediaRef};
use dailies_protocol::{AudioTrack, MediaId, MediaKind, MediaStatus, SpriteSheet, UserId};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Everything a job needs, owned, so it can run as a plain future.
pub struct JobContext {
    pub db: Db,
    pub notifier: Notifier,
    pub config: Arc<Config>,
    /// Where the original is read from and the outputs go.
    pub store: crate::store::Store,
    pub job_id: i64,
    pub media_id: MediaId,
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
    notifier: Notifier,
    owner: UserId,
    media_id: MediaId,
    last_db: Mutex<Option<Instant>>,
    /// Once the media is ready, progress is still shown live but no longer stored.
    ready: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn report_live(&self, fraction: f64, stage: &str) {
        self.notifier.emit(Notice::MediaProgress {
            media_id: self.media_id.clone(),
            owner: self.owner.clone(),
            progress: fraction.clamp(0.0, 1.0),
            stage: stage.to_string(),
        });
    }

    fn report(&self, fraction: f64, stage: &str) {
        let fraction = fraction.clamp(0.0, 1.0);
        self.report_live(fraction, stage);
        if self.ready.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
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

/// Processing ended: the owner is told (webhooks and mail; in the bell only for a
/// watch-folder file, whose owner did not see the upload finish).
async fn notify_owner(db: &Db, notifier: &Notifier, media_id: &str, ready: bool, reason: Option<String>) {
    let id = media_id.to_string();
    let outbox = notifier.outbox().clone();
    let res = db
        .run(move |c| {
            let Some(m) = queries::get_media(c, &id)? else {
                return Ok(None);
            };
            let media = MediaRef {
                id: MediaId(id),
                title: m.title.clone(),
            };
            let watch = m.source == MediaSource::Watch;
            let event = Event::media_done(media, &m.owner_id, ready, reason.as_deref(), watch);
            Ok(Some(outbox.record(c, &[event])?))
        })
        .await;
    match res {
        Ok(Some(recorded)) => notifier.announce(recorded),
        Ok(None) => {}
        Err(e) => tracing::warn!(media_id, "recording the outcome's notifications: {e}"),
    }
}

/// Ends a job as failed: the media shows the reason, the original stays.
pub async fn mark_failed(db: &Db, notifier: &Notifier, job_id: i64, media_id: &str, reason: &str) {
    tracing::warn!(media_id, "processing failed: {reason}");
    let (id, r) = (media_id.to_string(), reason.to_string());
    let res = db
        .run(move |c| {
            queries::set_media_outcome(c, &id, MediaStatus::Failed, Some(&r), None)?;
            queries::finish_job(c, job_id, JobStatus::Failed, Some(&r))
        })
        .await;
    if let Err(e) = res {
        tracing::error!(media_id, "cannot record the failure: {e}");
    }
    notifier.media_changed(db, media_id).await;
    notify_owner(db, notifier, media_id, false, Some(reason.to_string())).await;
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
        field_order: p.field_order.clone(),
        hdr_json: p.hdr_source().and_then(|h| serde_json::to_string(&h).ok()),
        start_frame: None,
        sequence_json: None,
        start_timecode: p.start_timecode.clone(),
    }
}

/// Runs the whole processing of one media file.
pub async fn run(jc: JobContext) -> Result<(), JobError> {
    let (store, db, id) = (jc.store.clone(), jc.db.clone(), jc.media_id.clone());
    let dir = jc.config.media_dir().join(id.as_str());
    let outcome = process(jc).await;
    if !store.is_local() {
        close_scratch(&store, &db, &id, &dir).await;
    }
    outcome
}

/// With object storage, `media/<id>/` is only the job's scratch directory: its log goes to
/// the store (unless the media was deleted meanwhile) and the directory goes away.
async fn close_scratch(store: &crate::store::Store, db: &Db, id: &MediaId, dir: &std::path::Path) {
    let mid = id.clone();
    let alive = matches!(db.run(move |c| queries::get_media(c, &mid)).await, Ok(Some(_)));
    if alive {
        store_log(store, id, dir).await;
    }
    let _ = tokio::fs::remove_dir_all(dir).await;
}

/// Puts the scratch directory's job log into the store, presigned URLs blanked out (ffmpeg
/// read the original through one and may name it in its errors).
async fn store_log(store: &crate::store::Store, id: &MediaId, dir: &std::path::Path) {
    let Ok(log) = tokio::fs::read(dir.join(LOG)).await else {
        return;
    };
    let text = probe::formats::redact_urls(&String::from_utf8_lossy(&log)).into_owned();
    if let Err(e) = store.put_bytes(id.as_str(), LOG, text.into_bytes()).await {
        tracing::warn!(media_id = %id, "the job log did not reach the media store: {e}");
    }
}

/// What the tools read the original from.
struct Original {
    /// Its path, a copy in the scratch directory, or a presigned URL of the store.
    input: PathBuf,
    /// Size and head of an original read over HTTP, measured through the store (the probe
    /// measures a file itself).
    known: Option<probe::Known>,
}

/// What ffmpeg reads the original from: its path, or with object storage a presigned URL it
/// reads ranges of over HTTP, so a job does not copy the whole original first. An image
/// sequence (a folder of frames stored object by object, or a zip) is fetched into the
/// scratch directory instead: it is unpacked into numbered frames there anyway.
async fn original_input(
    store: &crate::store::Store,
    media: &crate::db::models::Media,
    dir: &std::path::Path,
) -> Result<Original, JobError> {
    if store.is_local() {
        return Ok(Original {
            input: dir.join(&media.orig_filename),
            known: None,
        });
    }
    tokio::fs::create_dir_all(dir).await.map_err(retry)?;
    let (id, name) = (media.id.as_str(), media.orig_filename.as_str());
    let at = dir.join(name);
    // A folder of frames was stored as one object per frame below the original's name.
    let below = format!("{name}/");
    let frames: Vec<String> = store
        .list_media(id)
        .await
        .map_err(retry)?
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n.starts_with(&below))
        .collect();
    if !frames.is_empty() {
        tokio::fs::create_dir_all(&at).await.map_err(retry)?;
        for f in frames {
            store.download(id, &f, &dir.join(&f)).await.map_err(retry)?;
        }
        return Ok(Original { input: at, known: None });
    }
    let size = store.head(id, name).await.map_err(retry)?.size;
    let head = read_head(store, id, name, size).await.map_err(retry)?;
    if head.starts_with(b"PK\x03\x04") {
        store.download(id, name, &at).await.map_err(retry)?;
        return Ok(Original { input: at, known: None });
    }
    Ok(Original {
        input: store.input(id, name).await.map_err(retry)?,
        known: Some(probe::Known { size, head }),
    })
}

/// The first bytes of an object (up to 512), as the probe reads them from a file.
async fn read_head(
    store: &crate::store::Store,
    id: &str,
    name: &str,
    size: u64,
) -> Result<Vec<u8>, crate::store::StoreError> {
    use futures_util::TryStreamExt;
    let chunks: Vec<bytes::Bytes> = store.get_range(id, name, 0..size.min(512)).await?.try_collect().await?;
    Ok(chunks.concat())
}

async fn process(jc: JobContext) -> Result<(), JobError> {
    let JobContext {
        db,
        notifier,
        config,
        store,
        job_id,
        media_id,
        cancel,
    } = jc;
    let id = media_id.clone();
    let Some(media) = db.run(move |c| queries::get_media(c, &id)).await.map_err(retry)? else {
        // Deleted while queued.
        return Ok(());
    };
    let dir = config.media_dir().join(media.id.as_str());
    let Original { input: original, known } = original_input(&store, &media, &dir).await?;
    if known.is_some() {
        note(
            &dir,
            "the original is read from the object store over HTTP, not copied here",
        );
    }
    let progress = Arc::new(Progress {
        db: db.clone(),
        notifier: notifier.clone(),
        owner: media.owner_id.clone(),
        media_id: media.id.clone(),
        last_db: Mutex::new(None),
        ready: std::sync::atomic::AtomicBool::new(false),
    });
    progress.report(0.0, "probe");
    let began = std::time::Instant::now();

    // An image sequence (a folder or a zip of numbered frames) is first laid out as dense
    // numbered frames; from then on every step reads it like a video, through its pattern.
    let (orig, d, fps) = (original.clone(), dir.clone(), config.transcode.sequence_fps);
    let sequence = actix_web::web::block(move || {
        sequence::is_sequence_source(&orig)
            .then(|| sequence::unpack(&orig, &d, fps))
            .transpose()
    })
    .await
    .map_err(retry)?
    .map_err(|e| job_error(e.is_transient(), e))?;
    let _frames = sequence.as_ref().map(|s| RemovedAtEnd(s.dir.clone()));
    let original = sequence.as_ref().map_or(original, |s| s.pattern());
    if let Some(s) = &sequence {
        if s.ignored > 0 {
            note(
                &dir,
                &format!(
                    "image sequence: {} files that are not frames of it were left out",
                    s.ignored
                ),
            );
        }
        if let Some(text) = s.missing_text() {
            note(&dir, &format!("image sequence: {text}"));
        }
    }

    let orig = original.clone();
    let input = sequence.as_ref().map(|s| s.input.clone());
    let probed = actix_web::web::block(move || match (input, known) {
        (Some(input), _) => probe::probe_sequence(&orig, &input),
        (None, Some(known)) => probe::probe_known(&orig, known),
        (None, None) => probe::probe_facts(&orig),
    })
    .await
    .map_err(retry)?;
    let p = probed.map_err(|e| job_error(e.is_transient(), e))?;
    let probed_in = began.elapsed();
    let mut f = facts(&p);
    if let Some(s) = &sequence {
        f.start_frame = Some(s.first as i64);
        // A frame's own header timecode (DPX, EXR) when ffprobe found none.
        if f.start_timecode.is_none() {
            f.start_timecode = s
                .timecode
                .as_deref()
                .and_then(|t| probe::checked_timecode(t, s.input.fps));
        }
        f.sequence_json = serde_json::to_string(&s.info()).ok();
    }
    let id = media.id.clone();
    db.run(move |c| queries::set_media_facts(c, &id, &f))
        .await
        .map_err(retry)?;
    notifier.media_changed(&db, &media.id).await;

    let steps = Steps {
        dir: dir.clone(),
        store: store.clone(),
        media_id: media.id.as_str().to_string(),
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
        store: store.clone(),
        media_id: media.id.as_str().to_string(),
        cancel: proxy_cancel,
        progress: progress.clone(),
    };
    let mut settings = ProxySettings::from_config(&config.transcode);
    // After a restart, a file that is already playable keeps its playback file.
    let playback_kept = match media.playback_file.as_deref() {
        Some(f) => store.exists(media.id.as_str(), f).await,
        None => false,
    };
    let resumed = media.status == MediaStatus::Ready && playback_kept;
    let decision = match (&config.transcode.hook, p.kind) {
        (Some(hook), MediaKind::Video) if !resumed => {
            let (hook, probe) = (hook.clone(), p.clone());
            let (title, file) = (media.title.clone(), media.orig_filename.clone());
            let asked = actix_web::web::block(move || policy::ask_hook(&hook, &probe, &title, &file))
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
            match asked {
                Ok(d) => d,
                Err(why) => {
                    note(
                        &dir,
                        &format!("the transcode hook's answer is not used ({why}): the built-in rule decides"),
                    );
                    policy::Decision::Default
                }
            }
        }
        _ => policy::Decision::Default,
    };
    if let policy::Decision::Proxy(Some(args)) = &decision {
        settings.output_args = Some(args.clone());
    }
    // A browser-ready original is playable as soon as it is probed: reviewers start at once,
    // and the decode check, running beside playback, withdraws it if it fails.
    let direct = !resumed
        && p.kind == MediaKind::Video
        && match decision {
            policy::Decision::AsIs => true,
            policy::Decision::Proxy(_) => false,
            policy::Decision::Default => probe::browser_playable(&p, MAX_DIRECT_BITRATE),
        };
    if p.kind == MediaKind::Video && !direct && settings.output_args.is_none() {
        let (enc, dev) = (settings.encoder, settings.vaapi_device.clone());
        let present = actix_web::web::block(move || policy::encoder_present(enc, &dev))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        if let Err(why) = present {
            note(
                &dir,
                &format!(
                    "encoder {} is not available ({why}): encoding in software",
                    enc.as_str()
                ),
            );
            settings = settings.in_software();
        }
    }
    let mut playable_in = None;
    if direct {
        let (id, pb) = (media.id.clone(), media.orig_filename.clone());
        db.run(move |c| queries::set_media_outcome(c, &id, MediaStatus::Ready, None, Some((&pb, None, None))))
            .await
            .map_err(retry)?;
        progress.ready.store(true, std::sync::atomic::Ordering::SeqCst);
        playable_in = Some(began.elapsed());
        notifier.media_changed(&db, &media.id).await;
    }
    let playable = async {
        let steps = &proxy_steps;
        Ok::<_, JobError>(if resumed {
            media.playback_file.clone().unwrap_or_default()
        } else {
            match p.kind {
                MediaKind::Video if direct => media.orig_filename.clone(),
                MediaKind::Video => {
                    let out = dir.join(tmp_name(PLAYBACK_PROXY));
                    let args = command::proxy_args(&original, &out, &p, &settings);
                    let made = steps.ffmpeg(args, PLAYBACK_PROXY, p.duration, "proxy", 0.0, 0.85).await;
                    match made {
                        Err(JobError::Failed(why))
                            if settings.encoder != crate::config::Encoder::Software
                                && settings.output_args.is_none()
                                && !steps.cancel.is_cancelled() =>
                        {
                            note(
                                &dir,
                                &format!(
                                    "encoder {} failed ({why}): encoding in software",
                                    settings.encoder.as_str()
                                ),
                            );
                            let sw = settings.in_software();
                            let args = command::proxy_args(&original, &out, &p, &sw);
                            steps
                                .ffmpeg(args, PLAYBACK_PROXY, p.duration, "proxy", 0.0, 0.85)
                                .await?;
                        }
                        other => other?,
                    }
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
    if let Err(e) = checked {
        if !direct {
            return Err(e);
        }
        // Withdrawn: it no longer plays, and says why it was taken back.
        let id = media.id.clone();
        db.run(move |c| queries::clear_playback(c, &id)).await.map_err(retry)?;
        return Err(match e {
            JobError::Failed(why) => JobError::Failed(format!("it played at first, but is withdrawn: {why}")),
            retry => retry,
        });
    }
    let playback = playable?;
    if cancel.is_cancelled() {
        return Err(JobError::Failed("cancelled".into()));
    }
    // A container whose header announces more than it holds (an MXF or MOV cut short with its
    // header whole) can pass a seek near its end; the proxy's length tells.
    if playback == PLAYBACK_PROXY && !resumed {
        if let Some(announced) = p.duration.filter(|d| *d > 1.0) {
            let proxy = dir.join(PLAYBACK_PROXY);
            let made = actix_web::web::block(move || probe::container_duration(&proxy))
                .await
                .ok()
                .flatten();
            if let Some(made) = made.filter(|m| *m < announced * 0.9 - 0.2) {
                let _ = std::fs::remove_file(dir.join(PLAYBACK_PROXY));
                let _ = store.delete(media.id.as_str(), PLAYBACK_PROXY).await;
                return Err(JobError::Failed(format!(
                    "the end of the video is missing: the file holds {made:.1} s of the {announced:.1} s its header \
                     announces, perhaps the upload or copy was cut short"
                )));
            }
        }
    }
    // Playable now: reviewers can start while posters and the scrub sheet are made.
    let playable_in = match playable_in {
        Some(t) => t,
        None => {
            let (id, pb) = (media.id.clone(), playback.clone());
            db.run(move |c| queries::set_media_outcome(c, &id, MediaStatus::Ready, None, Some((&pb, None, None))))
                .await
                .map_err(retry)?;
            progress.ready.store(true, std::sync::atomic::Ordering::SeqCst);
            notifier.media_changed(&db, &media.id).await;
            began.elapsed()
        }
    };

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
        notifier.media_changed(&db, &media.id).await;
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
            notifier.media_changed(&db, &media.id).await;
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
    // The frames of an image sequence have served every picture: free their disk now.
    drop(_frames);
    extra_audio_tracks(&steps, &db, &notifier, &media.id, &original, &p, &settings).await;
    embedded_subtitles(&steps, &db, &notifier, &media.id, &original, &p).await;
    let direct_playback = playback == media.orig_filename;
    extra_renditions(
        &steps,
        &db,
        &notifier,
        &config,
        &media.id,
        &original,
        &p,
        direct_playback,
    )
    .await;
    tracing::info!(
        media_id = %media.id,
        probe_ms = probed_in.as_millis() as u64,
        playable_ms = playable_in.as_millis() as u64,
        done_ms = began.elapsed().as_millis() as u64,
        "processed"
    );
    // The log is in the store before the job shows as done (the scratch directory goes after).
    if !store.is_local() {
        store_log(&store, &media.id, &dir).await;
    }
    db.run(move |c| queries::finish_job(c, job_id, JobStatus::Done, pictures_error.as_deref()))
        .await
        .map_err(retry)?;
    progress.report_live(1.0, "done");
    let gaps = sequence.as_ref().and_then(Sequence::missing_text);
    notify_owner(&db, &notifier, &media.id, true, gaps).await;
    Ok(())
}

/// The unpacked frames of an image sequence: copies or links of the original, needed only
/// while the job runs, so removed when it ends however it ends.
struct RemovedAtEnd(std::path::PathBuf);

impl Drop for RemovedAtEnd {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(dir = %self.0.display(), "cannot remove unpacked frames: {e}");
            }
        }
    }
}

/// A line of the server's own in the media's ffmpeg log (and the server log): what was
/// decided about encoding and why, where a sysadmin reading one file finds it.
fn note(dir: &std::path::Path, text: &str) {
    tracing::warn!(dir = %dir.display(), "{text}");
    use std::io::Write;
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(LOG))
    {
        let _ = writeln!(f, "dailies: {text}");
    }
}

/// Each audio stream after the first as `audio-<n>.m4a` (n = 2, 3… in stream order), then
/// the media's list of tracks. A track that cannot be made is logged and left out of the
/// list: the media stays ready, with its other tracks.
async fn extra_audio_tracks(
    steps: &Steps,
    db: &Db,
    notifier: &Notifier,
    media_id: &MediaId,
    original: &std::path::Path,
    p: &Probe,
    settings: &ProxySettings,
) {
    if p.audio_streams.len() < 2 {
        return;
    }
    let mut tracks = Vec::new();
    for (n, stream) in (1u32..).zip(&p.audio_streams) {
        let url = if n == 1 {
            None
        } else {
            let name = format!("audio-{n}.m4a");
            let args = command::audio_track_args(original, &steps.dir.join(tmp_name(&name)), p, stream, settings);
            if let Err(JobError::Failed(e) | JobError::Retry(e)) =
                steps.ffmpeg(args, &name, p.duration, "audio tracks", 1.0, 1.0).await
            {
                tracing::warn!(%media_id, track = n, "an audio track failed (the media stays ready without it): {e}");
                continue;
            }
            Some(crate::db::models::file_url(media_id, &name))
        };
        tracks.push(AudioTrack {
            index: n,
            title: stream.title.clone(),
            language: stream.language.clone(),
            channels: stream.channels,
            url,
        });
    }
    let json = if tracks.len() >= 2 {
        serde_json::to_string(&tracks).ok()
    } else {
        None
    };
    let id = media_id.clone();
    match db
        .run(move |c| queries::set_media_audio_tracks(c, &id, json.as_deref()))
        .await
    {
        Ok(()) => notifier.media_changed(db, media_id).await,
        Err(e) => tracing::warn!(%media_id, "cannot record the audio tracks: {e}"),
    }
}

/// Each text subtitle stream of the source as a WebVTT track (`sub-s<index>.vtt`, source
/// `embedded`, title and language from its tags). Bitmap subtitles cannot become text and
/// are noted in the log; a stream that fails is left out. The media stays ready either way.
async fn embedded_subtitles(
    steps: &Steps,
    db: &Db,
    notifier: &Notifier,
    media_id: &MediaId,
    original: &std::path::Path,
    p: &Probe,
) {
    if p.subtitle_streams.is_empty() {
        return;
    }
    let mut rows = Vec::new();
    for (n, s) in (1u32..).zip(&p.subtitle_streams) {
        let codec = s.codec.as_deref().unwrap_or("unknown");
        if !s.is_text() {
            note(
                &steps.dir,
                &format!(
                    "subtitle stream {} ({codec}) is a bitmap format and is not extracted",
                    s.index
                ),
            );
            continue;
        }
        let name = format!("sub-s{}.vtt", s.index);
        let args = command::subtitle_track_args(original, &steps.dir.join(tmp_name(&name)), p, s.index);
        if let Err(JobError::Failed(e) | JobError::Retry(e)) =
            steps.ffmpeg(args, &name, p.duration, "subtitles", 1.0, 1.0).await
        {
            tracing::warn!(%media_id, stream = s.index, "a subtitle stream failed (the media stays ready without it): {e}");
            continue;
        }
        let title = s.title.clone().unwrap_or_else(|| match &s.language {
            Some(l) => format!("Subtitles {n} ({l})"),
            None => format!("Subtitles {n}"),
        });
        rows.push(crate::db::models::NewSubtitleTrack {
            media_id: media_id.as_str().to_string(),
            title: title.chars().take(crate::subtitles::MAX_TRACK_TITLE_LEN).collect(),
            language: s.language.clone(),
            offset_ms: 0,
            is_default: s.is_default,
            source: dailies_protocol::SubtitleSource::Embedded.as_str().into(),
            file_name: name,
            created_at: chrono::Utc::now().naive_utc(),
        });
    }
    let id = media_id.as_str().to_string();
    match db
        .run(move |c| crate::db::subtitles::replace_embedded(c, &id, &rows))
        .await
    {
        Ok((old, stored)) => {
            for f in old.iter().filter(|f| !stored.iter().any(|r| &r.file_name == *f)) {
                let _ = steps.store.delete(media_id.as_str(), f).await;
            }
            tracing::info!(%media_id, tracks = stored.len(), "subtitle streams extracted");
            notifier.media_changed(db, media_id).await;
        }
        Err(e) => tracing::warn!(%media_id, "cannot record the subtitle tracks: {e}"),
    }
}

/// Playback files beside the main one, made once the media plays (so they never delay it):
/// a scrub proxy when the original itself is played and its keyframes are further apart
/// than `scrub_proxy_above`, and the 10-bit HDR proxy of an HDR source when configured.
/// A failure is logged and leaves the media as it was.
#[allow(clippy::too_many_arguments)]
async fn extra_renditions(
    steps: &Steps,
    db: &Db,
    notifier: &Notifier,
    config: &Config,
    media_id: &MediaId,
    original: &std::path::Path,
    p: &Probe,
    direct_playback: bool,
) {
    use super::renditions::{self, HDR_PROXY, SCRUB_PROXY};
    let t = &config.transcode;
    // An image sequence's frames are gone by now, and its proxy is already scrub-friendly.
    if p.kind != MediaKind::Video || p.sequence.is_some() {
        return;
    }
    // No hook options here: they are for the playback proxy.
    let settings = ProxySettings::from_config(t);
    if direct_playback && t.scrub_proxy_above > 0.0 {
        let (orig, probe) = (original.to_path_buf(), p.clone());
        let began = Instant::now();
        let gap = actix_web::web::block(move || renditions::measure_keyframe_gap(&orig, &probe))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        match gap {
            Err(e) => tracing::warn!(%media_id, "cannot measure the keyframe interval: {e}"),
            Ok(gap) => {
                tracing::info!(%media_id, gap_s = ?gap, ms = began.elapsed().as_millis() as u64, "keyframe interval of the original");
                if renditions::wants_scrub_proxy(gap, t.scrub_proxy_above, settings.keyframe_secs) {
                    note(
                        &steps.dir,
                        &format!(
                            "the original's keyframes are up to {:.2} s apart (more than {} s): making a scrub proxy",
                            gap.unwrap_or_default(),
                            t.scrub_proxy_above
                        ),
                    );
                    let out = steps.dir.join(tmp_name(SCRUB_PROXY));
                    let made = encoded_with_fallback(
                        steps,
                        &settings,
                        |s| command::proxy_args(original, &out, p, s),
                        SCRUB_PROXY,
                        p.duration,
                        "scrub proxy",
                    )
                    .await;
                    record_rendition(db, notifier, media_id, SCRUB_PROXY, made, queries::set_media_scrub_file).await;
                }
            }
        }
    }
    if t.hdr_proxy {
        let out = steps.dir.join(tmp_name(HDR_PROXY));
        if let Some(args) = renditions::hdr_proxy_args(original, &out, p, &settings) {
            let made = steps.ffmpeg(args, HDR_PROXY, p.duration, "hdr proxy", 1.0, 1.0).await;
            record_rendition(db, notifier, media_id, HDR_PROXY, made, queries::set_media_hdr_file).await;
        }
    }
}

/// One encode on the configured encoder, again in software when that is missing or fails.
async fn encoded_with_fallback(
    steps: &Steps,
    settings: &ProxySettings,
    args: impl Fn(&ProxySettings) -> Vec<String>,
    name: &str,
    duration: Option<f64>,
    stage: &'static str,
) -> Result<(), JobError> {
    let mut s = settings.clone();
    if s.encoder != crate::config::Encoder::Software {
        let (enc, dev) = (s.encoder, s.vaapi_device.clone());
        let present = actix_web::web::block(move || policy::encoder_present(enc, &dev))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        if let Err(why) = present {
            note(
                &steps.dir,
                &format!(
                    "encoder {} is not available ({why}): encoding in software",
                    enc.as_str()
                ),
            );
            s = s.in_software();
        }
    }
    match steps.ffmpeg(args(&s), name, duration, stage, 1.0, 1.0).await {
        Err(JobError::Failed(why)) if s.encoder != crate::config::Encoder::Software && !steps.cancel.is_cancelled() => {
            note(
                &steps.dir,
                &format!("encoder {} failed ({why}): encoding in software", s.encoder.as_str()),
            );
            steps
                .ffmpeg(args(&s.in_software()), name, duration, stage, 1.0, 1.0)
                .await
        }
        other => other,
    }
}

/// Stores a made rendition and tells who watches the media; logs one that failed.
async fn record_rendition(
    db: &Db,
    notifier: &Notifier,
    media_id: &MediaId,
    name: &'static str,
    made: Result<(), JobError>,
    set: fn(&mut crate::db::Conn, &str, Option<&str>) -> crate::error::AppResult<()>,
) {
    if let Err(JobError::Failed(e) | JobError::Retry(e)) = made {
        tracing::warn!(%media_id, "{name} failed (the media stays ready without it): {e}");
        return;
    }
    let id = media_id.clone();
    match db.run(move |c| set(c, &id, Some(name))).await {
        Ok(()) => notifier.media_changed(db, media_id).await,
        Err(e) => tracing::warn!(%media_id, "cannot record {name}: {e}"),
    }
}

fn tmp_name(final_name: &str) -> String {
    format!("tmp.{final_name}")
}

struct Steps {
    /// Where outputs are made: the media's directory, or a scratch directory whose
    /// outputs are copied into the object store as each is done.
    dir: PathBuf,
    store: crate::store::Store,
    media_id: String,
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
                if !self.store.is_local() {
                    // The local copy stays for later steps that read it; the scratch
                    // directory goes at the end of the job.
                    self.store
                        .copy_file(&self.media_id, name, &self.dir.join(name))
                        .await
                        .map_err(retry)?;
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::models::NewMedia;

    /// A processing job over a real SQLite file with a test notifier: answers what it said.
    async fn process(body: Option<&[u8]>) -> (Result<(), JobError>, Vec<Arc<Notice>>, Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let config = Arc::new(Config::with_data_dir(dir.path()));
        let db = Db::open(&dir.path().join("t.sqlite")).unwrap();
        let media_dir = config.media_dir().join("m");
        std::fs::create_dir_all(&media_dir).unwrap();
        let original = media_dir.join("original.mp4");
        match body {
            Some(b) => std::fs::write(&original, b).unwrap(),
            None => {
                let st = std::process::Command::new("ffmpeg")
                    .args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
                    .args(["testsrc2=size=160x120:rate=25", "-t", "1", "-c:v", "libx264"])
                    .args(["-preset", "ultrafast", "-pix_fmt", "yuv420p"])
                    .arg(&original)
                    .status()
                    .expect("ffmpeg is installed");
                assert!(st.success());
            }
        }
        let job_id = db
            .run(|c| {
                let u = dailies_protocol::UserInfo {
                    id: UserId("ann".into()),
                    name: "Ann".into(),
                    is_admin: false,
                };
                queries::upsert_user(c, &u)?;
                queries::insert_media_with_job(
                    c,
                    &NewMedia {
                        id: "m".into(),
                        owner_id: "ann".into(),
                        title: "Cut".into(),
                        orig_filename: "original.mp4".into(),
                        status: MediaStatus::Processing,
                        file_size: 1,
                        source: MediaSource::Watch,
                        link_access: dailies_protocol::LinkAccess::Off,
                        upload_name: None,
                    },
                )
            })
            .await
            .unwrap();
        let notifier = Notifier::default();
        let mut rx = notifier.channel();
        let jc = JobContext {
            db: db.clone(),
            notifier: notifier.clone(),
            store: crate::store::Store::local(config.media_dir()),
            config,
            job_id,
            media_id: "m".into(),
            cancel: Cancel::default(),
        };
        let r = run(jc).await;
        if let Err(JobError::Failed(why)) = &r {
            mark_failed(&db, &notifier, job_id, "m", why).await;
        }
        let mut said = Vec::new();
        while let Ok(n) = rx.try_recv() {
            said.push(n);
        }
        (r, said, db, dir)
    }

    #[actix_rt::test]
    async fn a_job_announces_progress_facts_and_readiness() {
        let (r, said, _, _dir) = process(None).await;
        r.unwrap();
        assert!(said.iter().any(|n| matches!(&**n, Notice::MediaProgress { .. })));
        let changes: Vec<_> = said
            .iter()
            .filter_map(|n| match &**n {
                Notice::MediaChanged { media, .. } => Some(media.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(changes.first().map(|m| m.frame_count), Some(Some(25)), "facts first");
        assert!(changes.iter().any(|m| m.status == MediaStatus::Ready));
        // A watch-folder file's owner hears it is ready in their inbox.
        assert!(said.iter().any(|n| matches!(&**n,
            Notice::MessageStored { message, .. } if message.kind == "media_ready")));
    }

    #[actix_rt::test]
    async fn a_bad_file_fails_with_a_reason_everyone_hears() {
        let (r, said, db, _dir) = process(Some(b"not a movie at all")).await;
        assert!(matches!(r, Err(JobError::Failed(_))), "{r:?}");
        let failed = said.iter().find_map(|n| match &**n {
            Notice::MediaChanged { media, .. } if media.status == MediaStatus::Failed => Some(media.clone()),
            _ => None,
        });
        assert!(failed.and_then(|m| m.error).is_some_and(|e| !e.is_empty()));
        let job = db.run(|c| Ok(queries::unfinished_jobs(c)?.len())).await.unwrap();
        assert_eq!(job, 0, "the job is finished as failed");
    }
}
