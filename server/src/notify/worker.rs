//! The delivery worker: its own thread and runtime, so a slow or dead receiver never holds
//! up a request. It takes due deliveries and mails from the outbox tables (leasing them,
//! so a crash mid-attempt retries them), sends a bounded number at once, each with a
//! deadline, and records the outcome: delivered, another try after an exponential backoff,
//! or given up once the first attempt is `give_up_after` old.

use super::mail::{self, Item, Mailer};
use super::store::{self, Outcome};
use super::{webhook, EventKind, Outbox};
use crate::config::Config;
use crate::db::Db;
use crate::error::AppResult;
use chrono::NaiveDateTime;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The longest wait between retries: past it, backoff stops growing.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Unsubscribe links work this long.
pub const TOKEN_AGE_DAYS: i64 = 90;
/// Finished deliveries and mails stay in the log this long.
const KEEP_DAYS: i64 = 30;

/// The running worker; `stop` ends it (attempts in flight are abandoned: their lease
/// runs out and they are tried again, by this process or the next).
pub struct Worker {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    pub fn start(db: Db, config: Arc<Config>, outbox: Outbox) -> anyhow::Result<Worker> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let thread = std::thread::Builder::new().name("notify".into()).spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!("notification worker cannot start: {e}");
                    return;
                }
            };
            rt.block_on(async move {
                tokio::select! {
                    _ = run(db, config, outbox) => {}
                    _ = rx => {}
                }
            });
        })?;
        Ok(Worker {
            stop: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// When to try again after `attempts` failed tries of something made at `created`, or
/// `None` to give up.
pub fn next_try(
    created: NaiveDateTime,
    attempts: i32,
    now: NaiveDateTime,
    first: Duration,
    give_up: Duration,
) -> Option<NaiveDateTime> {
    let factor = 2u32.saturating_pow(attempts.clamp(0, 30) as u32);
    let delay = first.saturating_mul(factor).min(MAX_BACKOFF);
    let at = now + chrono::Duration::from_std(delay).ok()?;
    let age = at - created;
    (age.to_std().unwrap_or_default() <= give_up).then_some(at)
}

fn chrono_dur(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

struct Shared {
    db: Db,
    config: Arc<Config>,
    outbox: Outbox,
    mailer: Option<Mailer>,
    slots: Arc<Semaphore>,
    /// Attempts in flight per endpoint: one endpoint that hangs takes at most half the
    /// slots, so the others keep being served.
    busy: Mutex<HashMap<i64, usize>>,
}

async fn run(db: Db, config: Arc<Config>, outbox: Outbox) {
    let n = &config.notify;
    let mailer = match &config.smtp {
        Some(s) => match Mailer::new(s, n.timeout) {
            Ok(m) => Some(m),
            Err(e) => {
                tracing::error!("smtp: {e}; no mail will be sent");
                None
            }
        },
        None => None,
    };
    let sh = Arc::new(Shared {
        slots: Arc::new(Semaphore::new(n.concurrency)),
        db,
        config: config.clone(),
        outbox,
        mailer,
        busy: Mutex::new(HashMap::new()),
    });
    let mut last_prune = std::time::Instant::now() - Duration::from_secs(3600);
    loop {
        let (started, waiting) = match pass(&sh).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!("notification worker: {e}");
                (0, true)
            }
        };
        if last_prune.elapsed() > Duration::from_secs(3600) {
            last_prune = std::time::Instant::now();
            let _ = sh
                .db
                .run(|c| {
                    store::prune(
                        c,
                        chrono::Duration::days(TOKEN_AGE_DAYS),
                        chrono::Duration::days(KEEP_DAYS),
                    )
                })
                .await;
        }
        // Sleep until the next thing falls due, something new is recorded, or an attempt
        // ends (which may free an endpoint that was at its limit). While due work waits for
        // a slot, what is due is no guide (it is due now): an ending attempt wakes us, a
        // second at most.
        let wait = if started > 0 {
            Duration::ZERO
        } else if waiting {
            Duration::from_secs(1)
        } else {
            next_wait(&sh).await.unwrap_or(Duration::from_secs(60))
        };
        let _ = tokio::time::timeout(wait, sh.outbox.woken()).await;
    }
}

async fn next_wait(sh: &Shared) -> AppResult<Duration> {
    let (h, d) = (
        chrono_dur(sh.config.notify.hourly_digest),
        chrono_dur(sh.config.notify.daily_digest),
    );
    let mail = sh.mailer.is_some();
    let next = sh
        .db
        .run(move |c| {
            let a = store::next_due(c)?;
            let b = if mail { store::next_digest(c, h, d)? } else { None };
            Ok(match (a, b) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            })
        })
        .await?;
    let now = chrono::Utc::now().naive_utc();
    Ok(match next {
        Some(t) => {
            (t - now)
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(Duration::from_secs(60))
                + Duration::from_millis(5)
        }
        None => Duration::from_secs(60),
    })
}

/// One look at the outbox: starts what is due. Answers how many attempts it started, and
/// whether due work may be waiting for a free slot (overall, or of its endpoint).
async fn pass(sh: &Arc<Shared>) -> AppResult<(usize, bool)> {
    let n = &sh.config.notify;
    let now = chrono::Utc::now().naive_utc();
    let lease = now + chrono_dur(n.timeout * 2 + Duration::from_secs(1));
    if sh.mailer.is_some() {
        let (h, d) = (chrono_dur(n.hourly_digest), chrono_dur(n.daily_digest));
        sh.db.run(move |c| store::ripen_digests(c, now, h, d)).await?;
    }
    let per_endpoint = (n.concurrency / 2).max(1);
    let busy: Vec<i64> = {
        let b = sh.busy.lock().unwrap_or_else(|p| p.into_inner());
        b.iter().filter(|(_, n)| **n >= per_endpoint).map(|(e, _)| *e).collect()
    };
    let free = sh.slots.available_permits() as i64;
    let mut blocked = !busy.is_empty();
    let mut started = 0;
    if free > 0 {
        let due = sh
            .db
            .run(move |c| {
                let due = store::due_deliveries(c, now, &busy, free * 4)?;
                Ok(due)
            })
            .await?;
        let mut take = Vec::new();
        {
            let mut b = sh.busy.lock().unwrap_or_else(|p| p.into_inner());
            for (d, e) in due {
                let in_flight = b.entry(e.id).or_insert(0);
                if *in_flight >= per_endpoint || take.len() as i64 >= free {
                    blocked = true;
                    continue;
                }
                *in_flight += 1;
                take.push((d, e));
            }
        }
        let ids: Vec<String> = take.iter().map(|(d, _)| d.id.clone()).collect();
        if !ids.is_empty() {
            sh.db.run(move |c| store::lease_deliveries(c, &ids, lease)).await?;
        }
        for (d, e) in take {
            let sh = sh.clone();
            let Ok(permit) = sh.slots.clone().try_acquire_owned() else {
                release(&sh, e.id);
                blocked = true;
                continue;
            };
            started += 1;
            tokio::spawn(async move {
                deliver(&sh, d, e).await;
                drop(permit);
                sh.outbox.wake();
            });
        }
    } else {
        blocked = true;
    }
    if sh.mailer.is_some() {
        let free = sh.slots.available_permits() as i64;
        if free > 0 {
            let mails = sh
                .db
                .run(move |c| {
                    let m = store::due_mails(c, now, free)?;
                    let ids: Vec<i64> = m.iter().map(|m| m.id).collect();
                    store::lease_mails(c, &ids, lease)?;
                    Ok(m)
                })
                .await?;
            for m in mails {
                let sh = sh.clone();
                let Ok(permit) = sh.slots.clone().try_acquire_owned() else {
                    blocked = true;
                    continue;
                };
                started += 1;
                tokio::spawn(async move {
                    send_mail(&sh, m).await;
                    drop(permit);
                    sh.outbox.wake();
                });
            }
        }
    }
    Ok((started, blocked))
}

fn release(sh: &Shared, endpoint: i64) {
    let mut b = sh.busy.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(n) = b.get_mut(&endpoint) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            b.remove(&endpoint);
        }
    }
}

async fn deliver(sh: &Arc<Shared>, d: store::DeliveryRow, e: store::EndpointRow) {
    let n = &sh.config.notify;
    let attempt = tokio::time::timeout(
        n.timeout,
        webhook::post(&e.url, &d.id, &d.event, &e.secret, d.body.clone()),
    )
    .await
    .unwrap_or_else(|_| Err(format!("no answer within {:?}", n.timeout)));
    release(sh, e.id);
    let now = chrono::Utc::now().naive_utc();
    let (status, error, outcome) = match attempt {
        Ok(s) if (200..300).contains(&s) => (Some(s as i32), None, Outcome::Delivered),
        Ok(s) => {
            let err = format!("answered {s}");
            let retry =
                webhook::retryable(s).then(|| next_try(d.created_at, d.attempts, now, n.first_retry, n.give_up_after));
            (
                Some(s as i32),
                Some(err),
                retry.flatten().map_or(Outcome::GiveUp, |at| Outcome::Retry { at }),
            )
        }
        Err(err) => {
            let retry = next_try(d.created_at, d.attempts, now, n.first_retry, n.give_up_after);
            (
                None,
                Some(err),
                retry.map_or(Outcome::GiveUp, |at| Outcome::Retry { at }),
            )
        }
    };
    match &outcome {
        Outcome::Delivered => tracing::debug!(delivery = %d.id, url = %e.url, "webhook delivered"),
        Outcome::Retry { at } => {
            tracing::info!(delivery = %d.id, url = %e.url, error = ?error, retry_at = %at, "webhook delivery failed")
        }
        Outcome::GiveUp => tracing::warn!(delivery = %d.id, url = %e.url, error = ?error, "webhook delivery given up"),
    }
    let id = d.id.clone();
    if let Err(err) = sh
        .db
        .run(move |c| store::delivery_attempted(c, &id, status, error.as_deref(), outcome))
        .await
    {
        tracing::warn!(delivery = %d.id, "recording a delivery: {err}");
    }
}

async fn send_mail(sh: &Arc<Shared>, m: store::MailRow) {
    let Some(mailer) = &sh.mailer else { return };
    let n = &sh.config.notify;
    let items: Vec<Item> = serde_json::from_str(&m.items).unwrap_or_default();
    let mut kinds: Vec<String> = Vec::new();
    for i in &items {
        if !kinds.contains(&i.kind) {
            kinds.push(i.kind.clone());
        }
    }
    let (user, base) = (m.user_id.clone(), sh.outbox.public_url().unwrap_or("").to_string());
    // Tokens are made per mail and only their hashes kept: the database alone unsubscribes
    // nobody.
    let prepared = sh
        .db
        .run(move |c| {
            let Some((addr, _)) = store::email_of(c, &user)? else {
                return Ok(None);
            };
            let mut links = Vec::new();
            for k in &kinds {
                let Some(kind) = EventKind::parse(k) else { continue };
                let token = super::unsubscribe_token(c, &user, kind)?;
                links.push((k.clone(), format!("{base}/api/notify/unsubscribe/{token}")));
            }
            Ok(Some((addr, links)))
        })
        .await;
    let now = chrono::Utc::now().naive_utc();
    let (error, outcome) = match prepared {
        Ok(None) => (Some("the user has no address any more".to_string()), Outcome::GiveUp),
        Err(e) => (Some(e.to_string()), retry_or_give_up(&m, now, n)),
        Ok(Some((addr, links))) => {
            let composed = mail::compose(&items, &m.period, &links);
            let sent = tokio::time::timeout(n.timeout * 2, mailer.send(&addr, &composed))
                .await
                .unwrap_or_else(|_| Err("the SMTP server did not answer in time".into()));
            match sent {
                Ok(()) => (None, Outcome::Delivered),
                Err(e) if mail::retryable(&e) => (Some(e), retry_or_give_up(&m, now, n)),
                Err(e) => (Some(e), Outcome::GiveUp),
            }
        }
    };
    if let Some(e) = &error {
        tracing::info!(mail = m.id, user = %m.user_id, "mail not sent: {e}");
    }
    let id = m.id;
    let _ = sh
        .db
        .run(move |c| store::mail_attempted(c, id, error.as_deref(), outcome))
        .await;
}

fn retry_or_give_up(m: &store::MailRow, now: NaiveDateTime, n: &crate::config::notify::Notify) -> Outcome {
    next_try(m.created_at, m.attempts, now, n.first_retry, n.give_up_after)
        .map_or(Outcome::GiveUp, |at| Outcome::Retry { at })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_gives_up_after_a_day() {
        let t0 = chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let (first, day) = (Duration::from_secs(5), Duration::from_secs(86400));
        assert_eq!(next_try(t0, 0, t0, first, day), Some(t0 + chrono::Duration::seconds(5)));
        assert_eq!(
            next_try(t0, 1, t0, first, day),
            Some(t0 + chrono::Duration::seconds(10))
        );
        assert_eq!(
            next_try(t0, 3, t0, first, day),
            Some(t0 + chrono::Duration::seconds(40))
        );
        // Capped at an hour between tries.
        assert_eq!(next_try(t0, 20, t0, first, day), Some(t0 + chrono::Duration::hours(1)));
        let late = t0 + chrono::Duration::hours(23) + chrono::Duration::minutes(30);
        assert_eq!(next_try(t0, 20, late, first, day), None, "past a day: given up");
    }
}
