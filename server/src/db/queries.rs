//! Plain functions on `&mut Conn`: no pool, no async, easy to call inside a transaction.

use super::models::{Job, Media, MediaFacts, NewMedia, NewUserMessage, User, UserMessageRow};
use super::schema::{jobs, media, user_messages, users};
use super::values::JobStatus;
use super::Conn;
use crate::error::AppResult;
use dailies_protocol::{MediaStatus, UserInfo};
use diesel::prelude::*;

/// Creates the user on first sight; keeps name and admin flag current.
pub fn upsert_user(conn: &mut Conn, u: &UserInfo) -> AppResult<()> {
    let now = chrono::Utc::now().naive_utc();
    crate::on_backend!(conn, c_ => diesel::insert_into(users::table)
        .values(User {
            id: u.id.clone(),
            name: u.name.clone(),
            is_admin: u.is_admin,
            created_at: now,
            last_seen: now,
        })
        .on_conflict(users::id)
        .do_update()
        .set((
            users::name.eq(&u.name),
            users::is_admin.eq(u.is_admin),
            users::last_seen.eq(now),
        ))
        .execute(c_))?;
    Ok(())
}

pub fn get_user(conn: &mut Conn, id: &str) -> AppResult<Option<User>> {
    Ok(users::table.find(id).select(User::as_select()).first(conn).optional()?)
}

pub fn list_media_of(conn: &mut Conn, owner: &str) -> AppResult<Vec<Media>> {
    Ok(media::table
        .filter(media::owner_id.eq(owner))
        .order((media::created_at.desc(), media::id.desc()))
        .select(Media::as_select())
        .load(conn)?)
}

pub fn get_media(conn: &mut Conn, id: &str) -> AppResult<Option<Media>> {
    // No id holds a NUL, and PostgreSQL refuses the character in any text it is sent.
    if id.contains('\0') {
        return Ok(None);
    }
    Ok(media::table
        .find(id)
        .select(Media::as_select())
        .first(conn)
        .optional()?)
}

/// Inserts a media row without a job (tests make rows that stay `processing` with it).
pub fn insert_media(conn: &mut Conn, m: &NewMedia) -> AppResult<()> {
    diesel::insert_into(media::table).values(m.clone()).execute(conn)?;
    Ok(())
}

/// Inserts a media row and its processing job in one transaction; answers the job id.
pub fn insert_media_with_job(conn: &mut Conn, m: &NewMedia) -> AppResult<i64> {
    conn.transaction(|c| {
        diesel::insert_into(media::table).values(m.clone()).execute(c)?;
        let id = diesel::insert_into(jobs::table)
            .values((jobs::media_id.eq(m.id.as_str()), jobs::kind.eq("process")))
            .returning(jobs::id)
            .get_result::<i64>(c)?;
        Ok(id)
    })
}

/// Jobs a previous run left queued or running, oldest first.
pub fn unfinished_jobs(conn: &mut Conn) -> AppResult<Vec<Job>> {
    Ok(jobs::table
        .filter(jobs::status.eq_any([JobStatus::Queued, JobStatus::Running]))
        .order(jobs::id.asc())
        .select(Job::as_select())
        .load(conn)?)
}

/// A job taken to run by one process.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub job_id: i64,
    pub media_id: dailies_protocol::MediaId,
    /// Which attempt this is (1 for the first run).
    pub attempt: i32,
}

/// Takes the oldest job that is queued, or running under a lease that ran out (the process
/// running it stopped), for `owner` until `lease` from now: it is marked running and the
/// attempt counted. On PostgreSQL the candidate row is locked with SKIP LOCKED, so processes
/// claiming at once take different jobs; on SQLite the transaction holds the write lock.
pub fn claim_job(conn: &mut Conn, owner: &str, lease: std::time::Duration) -> AppResult<Option<Claimed>> {
    let now = chrono::Utc::now().naive_utc();
    let until = now + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(30));
    conn.immediate_transaction(|c| {
        let candidates = jobs::table
            .filter(
                jobs::status.eq(JobStatus::Queued).or(jobs::status
                    .eq(JobStatus::Running)
                    .and(jobs::lease_until.is_null().or(jobs::lease_until.lt(now)))),
            )
            .order(jobs::id.asc())
            .select((jobs::id, jobs::media_id))
            .limit(1);
        let found: Option<(i64, String)> = match c {
            Conn::Pg(pg) => candidates.for_update().skip_locked().first(pg).optional()?,
            Conn::Sqlite(lite) => candidates.first(lite).optional()?,
        };
        let Some((job_id, media_id)) = found else {
            return Ok(None);
        };
        let attempt = diesel::update(jobs::table.find(job_id))
            .set((
                jobs::status.eq(JobStatus::Running),
                jobs::attempts.eq(jobs::attempts + 1),
                jobs::lease_owner.eq(owner),
                jobs::lease_until.eq(until),
                jobs::updated_at.eq(now),
            ))
            .returning(jobs::attempts)
            .get_result(c)?;
        Ok(Some(Claimed {
            job_id,
            media_id: dailies_protocol::MediaId(media_id),
            attempt,
        }))
    })
}

/// Extends `owner`'s lease on a running job; false when it is no longer theirs (it ran out
/// and another process took the job, or the job is gone with its media).
pub fn renew_lease(conn: &mut Conn, job_id: i64, owner: &str, lease: std::time::Duration) -> AppResult<bool> {
    let until = chrono::Utc::now().naive_utc()
        + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(30));
    let n = diesel::update(
        jobs::table
            .find(job_id)
            .filter(jobs::status.eq(JobStatus::Running))
            .filter(jobs::lease_owner.eq(owner)),
    )
    .set(jobs::lease_until.eq(until))
    .execute(conn)?;
    Ok(n == 1)
}

/// Puts a running job of `owner` back in the queue for any process to take (a retry, or
/// its process stopping); other owners' jobs are left alone.
pub fn release_job(conn: &mut Conn, job_id: i64, owner: &str) -> AppResult<bool> {
    let n = diesel::update(
        jobs::table
            .find(job_id)
            .filter(jobs::status.eq(JobStatus::Running))
            .filter(jobs::lease_owner.eq(owner)),
    )
    .set((
        jobs::status.eq(JobStatus::Queued),
        jobs::lease_owner.eq(None::<String>),
        jobs::lease_until.eq(None::<chrono::NaiveDateTime>),
        jobs::updated_at.eq(chrono::Utc::now().naive_utc()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Queues again every job left running by an earlier run of the process named by the lease
/// prefix `node` (the process restarted: nobody else runs them). Answers how many.
pub fn release_node_jobs(conn: &mut Conn, node: &str) -> AppResult<usize> {
    Ok(diesel::update(
        jobs::table.filter(jobs::status.eq(JobStatus::Running)).filter(
            jobs::lease_owner
                .like(format!("{}/%", node.replace('%', "\\%").replace('_', "\\_")))
                .escape('\\'),
        ),
    )
    .set((
        jobs::status.eq(JobStatus::Queued),
        jobs::lease_owner.eq(None::<String>),
        jobs::lease_until.eq(None::<chrono::NaiveDateTime>),
    ))
    .execute(conn)?)
}

pub fn job_attempts(conn: &mut Conn, job_id: i64) -> AppResult<i32> {
    Ok(jobs::table.find(job_id).select(jobs::attempts).first(conn)?)
}

/// Marks a job running and counts the attempt; answers the attempt number.
pub fn start_job(conn: &mut Conn, job_id: i64) -> AppResult<i32> {
    let now = chrono::Utc::now().naive_utc();
    Ok(diesel::update(jobs::table.find(job_id))
        .set((
            jobs::status.eq(JobStatus::Running),
            jobs::attempts.eq(jobs::attempts + 1),
            jobs::updated_at.eq(now),
        ))
        .returning(jobs::attempts)
        .get_result(conn)?)
}

pub fn finish_job(conn: &mut Conn, job_id: i64, status: JobStatus, error: Option<&str>) -> AppResult<()> {
    let now = chrono::Utc::now().naive_utc();
    diesel::update(jobs::table.find(job_id))
        .set((jobs::status.eq(status), jobs::error.eq(error), jobs::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

pub fn set_media_facts(conn: &mut Conn, id: &str, facts: &MediaFacts) -> AppResult<()> {
    diesel::update(media::table.find(id)).set(facts).execute(conn)?;
    Ok(())
}

pub fn set_media_progress(conn: &mut Conn, id: &str, progress: Option<f64>) -> AppResult<()> {
    diesel::update(media::table.find(id))
        .set(media::progress.eq(progress))
        .execute(conn)?;
    Ok(())
}

/// Final state of processing: `ready` with the files to play, or `failed` with a reason.
pub fn set_media_outcome(
    conn: &mut Conn,
    id: &str,
    status: MediaStatus,
    error: Option<&str>,
    files: Option<(&str, Option<&str>, Option<&str>)>,
) -> AppResult<()> {
    let now = chrono::Utc::now().naive_utc();
    conn.transaction(|c| {
        diesel::update(media::table.find(id))
            .set((
                media::status.eq(status.as_str()),
                media::error.eq(error),
                media::progress.eq(None::<f64>),
                media::updated_at.eq(now),
            ))
            .execute(c)?;
        if let Some((playback, thumb, sheet)) = files {
            diesel::update(media::table.find(id))
                .set((
                    media::playback_file.eq(playback),
                    media::thumb_file.eq(thumb),
                    media::sheet_json.eq(sheet),
                ))
                .execute(c)?;
        }
        Ok(())
    })
}

/// The media's audio tracks (JSON of the protocol's list), or None for one track or none.
pub fn set_media_audio_tracks(conn: &mut Conn, id: &str, json: Option<&str>) -> AppResult<()> {
    diesel::update(media::table.find(id))
        .set(media::audio_tracks_json.eq(json))
        .execute(conn)?;
    Ok(())
}

/// The media's scrub proxy (a file of its directory), or None.
pub fn set_media_scrub_file(conn: &mut Conn, id: &str, file: Option<&str>) -> AppResult<()> {
    diesel::update(media::table.find(id))
        .set(media::scrub_file.eq(file))
        .execute(conn)?;
    Ok(())
}

/// The media's 10-bit HDR proxy (a file of its directory), or None.
pub fn set_media_hdr_file(conn: &mut Conn, id: &str, file: Option<&str>) -> AppResult<()> {
    diesel::update(media::table.find(id))
        .set(media::hdr_file.eq(file))
        .execute(conn)?;
    Ok(())
}

/// Forgets a media's playback file (a direct original withdrawn after its decode check).
pub fn clear_playback(conn: &mut Conn, id: &str) -> AppResult<()> {
    diesel::update(media::table.find(id))
        .set(media::playback_file.eq(None::<String>))
        .execute(conn)?;
    Ok(())
}

pub fn rename_media(conn: &mut Conn, id: &str, title: &str) -> AppResult<()> {
    let now = chrono::Utc::now().naive_utc();
    diesel::update(media::table.find(id))
        .set((media::title.eq(title), media::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Deletes the media row; comments, jobs and room events go with it (ON DELETE CASCADE).
pub fn delete_media(conn: &mut Conn, id: &str) -> AppResult<()> {
    diesel::delete(media::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn insert_user_message(conn: &mut Conn, m: &NewUserMessage) -> AppResult<UserMessageRow> {
    Ok(crate::on_backend!(conn, c_ => diesel::insert_into(user_messages::table)
        .values(m.clone())
        .returning(UserMessageRow::as_returning())
        .get_result(c_))?)
}

/// The user's notifications, newest first (at most `limit`), and the unseen count.
pub fn list_user_messages(conn: &mut Conn, user: &str, limit: i64) -> AppResult<(Vec<UserMessageRow>, i64)> {
    let items = user_messages::table
        .filter(user_messages::user_id.eq(user))
        .order(user_messages::id.desc())
        .limit(limit)
        .select(UserMessageRow::as_select())
        .load(conn)?;
    let unseen = count_unseen(conn, user)?;
    Ok((items, unseen))
}

pub fn count_unseen(conn: &mut Conn, user: &str) -> AppResult<i64> {
    Ok(user_messages::table
        .filter(user_messages::user_id.eq(user).and(user_messages::seen.eq(false)))
        .count()
        .get_result(conn)?)
}

/// Marks the user's own messages seen (ids of others are ignored); answers those changed.
pub fn mark_seen(conn: &mut Conn, user: &str, ids: &[i64]) -> AppResult<Vec<i64>> {
    Ok(
        diesel::update(user_messages::table.filter(user_messages::user_id.eq(user).and(user_messages::id.eq_any(ids))))
            .set(user_messages::seen.eq(true))
            .returning(user_messages::id)
            .get_results(conn)?,
    )
}

/// Poster and scrub sheet, once made (they arrive after the media is already playable).
pub fn set_media_pictures(conn: &mut Conn, id: &str, thumb: Option<&str>, sheet: Option<&str>) -> AppResult<()> {
    diesel::update(media::table.find(id))
        .set((media::thumb_file.eq(thumb), media::sheet_json.eq(sheet)))
        .execute(conn)?;
    Ok(())
}
