//! The notification tables: webhook endpoints and deliveries, mail settings, preferences,
//! the mail outbox, digest items and unsubscribe tokens. Plain functions on a connection.

use super::event::{EventKind, MailMode};
use crate::db::schema::{
    mail_digest_items as di, mail_outbox as mo, notify_prefs as np, notify_settings as ns, unsubscribe_tokens as ut,
    webhook_deliveries as wd, webhook_endpoints as we,
};
use crate::db::Conn;
use crate::error::AppResult;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Where a delivery or mail stands.
pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = we)]
pub struct EndpointRow {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub events: String,
    pub format: String,
    pub source: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

impl EndpointRow {
    pub fn event_list(&self) -> Vec<String> {
        serde_json::from_str(&self.events).unwrap_or_default()
    }
    pub fn wants(&self, kind: EventKind) -> bool {
        let l = self.event_list();
        l.is_empty() || l.iter().any(|e| e == kind.as_str())
    }
}

pub fn active_endpoints(c: &mut Conn) -> AppResult<Vec<EndpointRow>> {
    Ok(we::table
        .filter(we::active.eq(true))
        .order(we::id.asc())
        .select(EndpointRow::as_select())
        .load(c)?)
}

pub fn endpoint(c: &mut Conn, id: i64) -> AppResult<Option<EndpointRow>> {
    Ok(we::table
        .filter(we::id.eq(id).and(we::active.eq(true)))
        .select(EndpointRow::as_select())
        .first(c)
        .optional()?)
}

pub fn insert_endpoint(
    c: &mut Conn,
    url: &str,
    secret: &str,
    events: &[String],
    format: &str,
    source: &str,
) -> AppResult<EndpointRow> {
    let events = serde_json::to_string(events).unwrap_or_else(|_| "[]".into());
    Ok(crate::on_backend!(c, c_ => diesel::insert_into(we::table)
        .values((
            we::url.eq(url),
            we::secret.eq(secret),
            we::events.eq(events),
            we::format.eq(format),
            we::source.eq(source),
            we::active.eq(true),
            we::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .returning(EndpointRow::as_returning())
        .get_result(c_))?)
}

/// Removes an endpoint and its delivery log.
pub fn delete_endpoint(c: &mut Conn, id: i64) -> AppResult<bool> {
    diesel::delete(wd::table.filter(wd::endpoint_id.eq(id))).execute(c)?;
    Ok(diesel::delete(we::table.filter(we::id.eq(id))).execute(c)? > 0)
}

/// Makes the endpoints of the file what the file says: one listed again keeps its row
/// (and log), one no longer listed stops and its waiting deliveries are given up.
pub fn sync_config_endpoints(c: &mut Conn, hooks: &[crate::config::notify::Webhook]) -> AppResult<()> {
    c.immediate_transaction(|c| {
        let existing: Vec<EndpointRow> = we::table
            .filter(we::source.eq("config"))
            .select(EndpointRow::as_select())
            .load(c)?;
        let mut kept = Vec::new();
        for h in hooks {
            let events = serde_json::to_string(&h.events).unwrap_or_else(|_| "[]".into());
            let same = existing.iter().find(|e| {
                e.url == h.url && e.secret == h.secret && e.events == events && e.format == h.format.as_str()
            });
            match same {
                Some(e) if !kept.contains(&e.id) => {
                    diesel::update(we::table.find(e.id))
                        .set(we::active.eq(true))
                        .execute(c)?;
                    kept.push(e.id);
                }
                _ => kept.push(insert_endpoint(c, &h.url, &h.secret, &h.events, h.format.as_str(), "config")?.id),
            }
        }
        let gone: Vec<i64> = existing.iter().map(|e| e.id).filter(|id| !kept.contains(id)).collect();
        diesel::update(we::table.filter(we::id.eq_any(&gone)))
            .set(we::active.eq(false))
            .execute(c)?;
        diesel::update(wd::table.filter(wd::endpoint_id.eq_any(&gone).and(wd::state.eq(PENDING))))
            .set((
                wd::state.eq(FAILED),
                wd::last_error.eq("the endpoint left the configuration"),
            ))
            .execute(c)?;
        Ok(())
    })
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wd)]
pub struct DeliveryRow {
    pub id: String,
    pub endpoint_id: i64,
    pub event: String,
    pub body: String,
    pub state: String,
    pub attempts: i32,
    pub next_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub done_at: Option<NaiveDateTime>,
}

pub fn insert_delivery(
    c: &mut Conn,
    id: &str,
    endpoint: i64,
    event: &str,
    body: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    diesel::insert_into(wd::table)
        .values((
            wd::id.eq(id),
            wd::endpoint_id.eq(endpoint),
            wd::event.eq(event),
            wd::body.eq(body),
            wd::state.eq(PENDING),
            wd::attempts.eq(0),
            wd::next_at.eq(now),
            wd::created_at.eq(now),
        ))
        .execute(c)?;
    Ok(())
}

/// Pending deliveries due by `now`, oldest first, with their endpoint, leaving out the
/// endpoints in `busy`.
pub fn due_deliveries(
    c: &mut Conn,
    now: NaiveDateTime,
    busy: &[i64],
    limit: i64,
) -> AppResult<Vec<(DeliveryRow, EndpointRow)>> {
    Ok(wd::table
        .inner_join(we::table)
        .filter(wd::state.eq(PENDING).and(wd::next_at.le(now)))
        .filter(wd::endpoint_id.ne_all(busy))
        .order(wd::next_at.asc())
        .limit(limit)
        .select((DeliveryRow::as_select(), EndpointRow::as_select()))
        .load(c)?)
}

/// Takes deliveries for an attempt: they are not due again until `until`, so a crash in
/// the middle retries them then, and the worker does not pick them twice.
pub fn lease_deliveries(c: &mut Conn, ids: &[String], until: NaiveDateTime) -> AppResult<()> {
    diesel::update(wd::table.filter(wd::id.eq_any(ids)))
        .set(wd::next_at.eq(until))
        .execute(c)?;
    Ok(())
}

pub fn lease_mails(c: &mut Conn, ids: &[i64], until: NaiveDateTime) -> AppResult<()> {
    diesel::update(mo::table.filter(mo::id.eq_any(ids)))
        .set(mo::next_at.eq(until))
        .execute(c)?;
    Ok(())
}

/// When the next pending delivery or mail falls due.
pub fn next_due(c: &mut Conn) -> AppResult<Option<NaiveDateTime>> {
    let d: Option<NaiveDateTime> = wd::table
        .filter(wd::state.eq(PENDING))
        .select(diesel::dsl::min(wd::next_at))
        .first(c)?;
    let m: Option<NaiveDateTime> = mo::table
        .filter(mo::state.eq(PENDING))
        .select(diesel::dsl::min(mo::next_at))
        .first(c)?;
    Ok(match (d, m) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// What an attempt came to.
pub enum Outcome {
    Delivered,
    Retry { at: NaiveDateTime },
    GiveUp,
}

pub fn delivery_attempted(
    c: &mut Conn,
    id: &str,
    status: Option<i32>,
    error: Option<&str>,
    outcome: Outcome,
) -> AppResult<()> {
    let now = chrono::Utc::now().naive_utc();
    let (state, next, done) = match outcome {
        Outcome::Delivered => (DELIVERED, None, Some(now)),
        Outcome::Retry { at } => (PENDING, Some(at), None),
        Outcome::GiveUp => (FAILED, None, Some(now)),
    };
    let q = diesel::update(wd::table.find(id)).set((
        wd::state.eq(state),
        wd::attempts.eq(wd::attempts + 1),
        wd::last_status.eq(status),
        wd::last_error.eq(error),
        wd::done_at.eq(done),
    ));
    q.execute(c)?;
    if let Some(at) = next {
        diesel::update(wd::table.find(id)).set(wd::next_at.eq(at)).execute(c)?;
    }
    Ok(())
}

/// The delivery log, newest first.
pub fn deliveries(c: &mut Conn, endpoint: Option<i64>, limit: i64) -> AppResult<Vec<DeliveryRow>> {
    let mut q = wd::table.select(DeliveryRow::as_select()).into_boxed();
    if let Some(e) = endpoint {
        q = q.filter(wd::endpoint_id.eq(e));
    }
    Ok(q.order((wd::created_at.desc(), wd::id.desc())).limit(limit).load(c)?)
}

/// A user's address and where it came from.
pub fn email_of(c: &mut Conn, user: &str) -> AppResult<Option<(String, String)>> {
    let r: Option<(Option<String>, String)> = ns::table
        .find(user)
        .select((ns::email, ns::email_source))
        .first(c)
        .optional()?;
    Ok(r.and_then(|(e, s)| e.filter(|e| !e.is_empty()).map(|e| (e, s))))
}

pub fn set_email(c: &mut Conn, user: &str, email: Option<&str>, source: &str) -> AppResult<()> {
    let now = chrono::Utc::now().naive_utc();
    crate::on_backend!(c, c_ => diesel::insert_into(ns::table)
        .values((
            ns::user_id.eq(user),
            ns::email.eq(email),
            ns::email_source.eq(source),
            ns::updated_at.eq(now),
        ))
        .on_conflict(ns::user_id)
        .do_update()
        .set((ns::email.eq(email), ns::email_source.eq(source), ns::updated_at.eq(now)))
        .execute(c_))?;
    Ok(())
}

pub fn mode_of(c: &mut Conn, user: &str, kind: EventKind) -> AppResult<MailMode> {
    let m: Option<String> = np::table
        .find((user, kind.as_str()))
        .select(np::mode)
        .first(c)
        .optional()?;
    Ok(m.as_deref().and_then(MailMode::parse).unwrap_or(kind.default_mode()))
}

pub fn modes(c: &mut Conn, user: &str) -> AppResult<Vec<(EventKind, MailMode)>> {
    let set: Vec<(String, String)> = np::table
        .filter(np::user_id.eq(user))
        .select((np::kind, np::mode))
        .load(c)?;
    Ok(EventKind::personal_kinds()
        .map(|k| {
            let m = set
                .iter()
                .find(|(sk, _)| sk == k.as_str())
                .and_then(|(_, m)| MailMode::parse(m))
                .unwrap_or(k.default_mode());
            (k, m)
        })
        .collect())
}

pub fn set_mode(c: &mut Conn, user: &str, kind: EventKind, mode: MailMode) -> AppResult<()> {
    crate::on_backend!(c, c_ => diesel::insert_into(np::table)
        .values((
            np::user_id.eq(user),
            np::kind.eq(kind.as_str()),
            np::mode.eq(mode.as_str()),
        ))
        .on_conflict((np::user_id, np::kind))
        .do_update()
        .set(np::mode.eq(mode.as_str()))
        .execute(c_))?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mo)]
pub struct MailRow {
    pub id: i64,
    pub user_id: String,
    pub period: String,
    pub items: String,
    pub state: String,
    pub attempts: i32,
    pub next_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub done_at: Option<NaiveDateTime>,
}

pub fn insert_mail(c: &mut Conn, user: &str, period: &str, items: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::insert_into(mo::table)
        .values((
            mo::user_id.eq(user),
            mo::period.eq(period),
            mo::items.eq(items),
            mo::state.eq(PENDING),
            mo::attempts.eq(0),
            mo::next_at.eq(now),
            mo::created_at.eq(now),
        ))
        .execute(c)?;
    Ok(())
}

pub fn due_mails(c: &mut Conn, now: NaiveDateTime, limit: i64) -> AppResult<Vec<MailRow>> {
    Ok(mo::table
        .filter(mo::state.eq(PENDING).and(mo::next_at.le(now)))
        .order(mo::next_at.asc())
        .limit(limit)
        .select(MailRow::as_select())
        .load(c)?)
}

pub fn mail_attempted(c: &mut Conn, id: i64, error: Option<&str>, outcome: Outcome) -> AppResult<()> {
    let now = chrono::Utc::now().naive_utc();
    let (state, next, done) = match outcome {
        Outcome::Delivered => (DELIVERED, None, Some(now)),
        Outcome::Retry { at } => (PENDING, Some(at), None),
        Outcome::GiveUp => (FAILED, None, Some(now)),
    };
    diesel::update(mo::table.find(id))
        .set((
            mo::state.eq(state),
            mo::attempts.eq(mo::attempts + 1),
            mo::last_error.eq(error),
            mo::done_at.eq(done),
        ))
        .execute(c)?;
    if let Some(at) = next {
        diesel::update(mo::table.find(id)).set(mo::next_at.eq(at)).execute(c)?;
    }
    Ok(())
}

pub fn insert_digest_item(c: &mut Conn, user: &str, period: &str, item: &str, now: NaiveDateTime) -> AppResult<()> {
    diesel::insert_into(di::table)
        .values((
            di::user_id.eq(user),
            di::period.eq(period),
            di::item.eq(item),
            di::created_at.eq(now),
        ))
        .execute(c)?;
    Ok(())
}

/// Turns every digest whose first item waited `hourly` / `daily` into one mail: its items
/// leave the digest table in the same transaction. Answers how many mails were made.
pub fn ripen_digests(
    c: &mut Conn,
    now: NaiveDateTime,
    hourly: chrono::Duration,
    daily: chrono::Duration,
) -> AppResult<usize> {
    c.immediate_transaction(|c| {
        let mut made = 0;
        for (period, wait) in [("hourly", hourly), ("daily", daily)] {
            let ripe: Vec<String> = di::table
                .filter(di::period.eq(period))
                .group_by(di::user_id)
                .having(diesel::dsl::min(di::created_at).le(now - wait))
                .select(di::user_id)
                .load(c)?;
            for user in ripe {
                let rows: Vec<(i64, String)> = di::table
                    .filter(di::user_id.eq(&user).and(di::period.eq(period)))
                    .order(di::id.asc())
                    .select((di::id, di::item))
                    .load(c)?;
                let items: Vec<serde_json::Value> =
                    rows.iter().filter_map(|(_, i)| serde_json::from_str(i).ok()).collect();
                let json = serde_json::Value::Array(items).to_string();
                insert_mail(c, &user, period, &json, now)?;
                let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
                diesel::delete(di::table.filter(di::id.eq_any(ids))).execute(c)?;
                made += 1;
            }
        }
        Ok(made)
    })
}

/// The earliest moment a digest ripens.
pub fn next_digest(
    c: &mut Conn,
    hourly: chrono::Duration,
    daily: chrono::Duration,
) -> AppResult<Option<NaiveDateTime>> {
    let mut next: Option<NaiveDateTime> = None;
    for (period, wait) in [("hourly", hourly), ("daily", daily)] {
        let first: Option<NaiveDateTime> = di::table
            .filter(di::period.eq(period))
            .select(diesel::dsl::min(di::created_at))
            .first(c)?;
        if let Some(f) = first {
            let at = f + wait;
            next = Some(next.map_or(at, |n| n.min(at)));
        }
    }
    Ok(next)
}

pub fn insert_token(c: &mut Conn, hash: &str, user: &str, kind: EventKind) -> AppResult<()> {
    diesel::insert_into(ut::table)
        .values((
            ut::token_hash.eq(hash),
            ut::user_id.eq(user),
            ut::kind.eq(kind.as_str()),
            ut::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(c)?;
    Ok(())
}

/// The user and kind an unsubscribe token stands for, while it is younger than `max_age`.
pub fn token(c: &mut Conn, hash: &str, max_age: chrono::Duration) -> AppResult<Option<(String, EventKind)>> {
    let r: Option<(String, String, NaiveDateTime)> = ut::table
        .find(hash)
        .select((ut::user_id, ut::kind, ut::created_at))
        .first(c)
        .optional()?;
    let now = chrono::Utc::now().naive_utc();
    Ok(r.filter(|(_, _, at)| *at > now - max_age)
        .and_then(|(u, k, _)| EventKind::parse(&k).map(|k| (u, k))))
}

/// Forgets expired tokens and finished deliveries and mails older than `keep`.
pub fn prune(c: &mut Conn, token_age: chrono::Duration, keep: chrono::Duration) -> AppResult<()> {
    let now = chrono::Utc::now().naive_utc();
    diesel::delete(ut::table.filter(ut::created_at.lt(now - token_age))).execute(c)?;
    diesel::delete(wd::table.filter(wd::state.ne(PENDING).and(wd::done_at.lt(now - keep)))).execute(c)?;
    diesel::delete(mo::table.filter(mo::state.ne(PENDING).and(mo::done_at.lt(now - keep)))).execute(c)?;
    Ok(())
}
