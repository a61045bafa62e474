//! Webhook endpoints for admins: list, add and delete them, and read the delivery log.
//! Secrets are stored as given (signing needs them) and never answered.

use crate::config::notify::{check_url, WebhookFormat};
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::notify::{store, EventKind};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use dailies_protocol::{NewWebhook, WebhookDelivery, WebhookInfo};
use serde::Deserialize;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/webhooks", web::get().to(list))
        .route("/admin/webhooks", web::post().to(add))
        .route("/admin/webhooks/deliveries", web::get().to(deliveries))
        .route("/admin/webhooks/{webhook}", web::delete().to(remove));
}

fn admin(who: &Identity) -> AppResult<()> {
    if who.0.is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators may do this".into()))
    }
}

fn rfc3339(t: chrono::NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn info(e: &store::EndpointRow) -> WebhookInfo {
    WebhookInfo {
        id: e.id,
        url: e.url.clone(),
        events: e.event_list(),
        format: e.format.clone(),
        source: e.source.clone(),
        has_secret: !e.secret.is_empty(),
        created_at: rfc3339(e.created_at),
    }
}

async fn list(state: web::Data<AppState>, who: Identity) -> AppResult<HttpResponse> {
    admin(&who)?;
    let rows = state.db.run(store::active_endpoints).await?;
    let list: Vec<WebhookInfo> = rows.iter().map(info).collect();
    Ok(HttpResponse::Ok().json(json!({ "webhooks": list, "events": EventKind::NAMES })))
}

const MAX_SECRET: usize = 1024;

async fn add(state: web::Data<AppState>, who: Identity, body: web::Json<NewWebhook>) -> AppResult<HttpResponse> {
    admin(&who)?;
    let b = body.into_inner();
    check_url(&b.url).map_err(AppError::BadRequest)?;
    if b.secret.len() > MAX_SECRET {
        return Err(AppError::BadRequest(format!("a secret is at most {MAX_SECRET} bytes")));
    }
    if let Some(e) = b.events.iter().find(|e| EventKind::parse(e).is_none()) {
        return Err(AppError::BadRequest(format!(
            "unknown event {e:?} (known: {})",
            EventKind::NAMES.join(", ")
        )));
    }
    let format = match b.format.as_deref() {
        None => WebhookFormat::Json,
        Some(f) => WebhookFormat::parse(f)
            .ok_or_else(|| AppError::BadRequest(format!("format must be json or slack, not {f:?}")))?,
    };
    let row = state
        .db
        .run(move |c| store::insert_endpoint(c, &b.url, &b.secret, &b.events, format.as_str(), "api"))
        .await?;
    tracing::info!(webhook = row.id, url = %row.url, by = %who.0.id, "webhook added");
    Ok(HttpResponse::Created().json(info(&row)))
}

async fn remove(state: web::Data<AppState>, who: Identity, id: web::Path<String>) -> AppResult<HttpResponse> {
    admin(&who)?;
    let id: i64 = id
        .into_inner()
        .parse()
        .map_err(|_| AppError::NotFound("no such webhook".into()))?;
    let removed = state
        .db
        .run(move |c| {
            match store::endpoint(c, id)? {
                None => return Err(AppError::NotFound("no such webhook".into())),
                Some(e) if e.source == "config" => {
                    return Err(AppError::BadRequest(
                        "this webhook comes from the configuration file: remove it there".into(),
                    ))
                }
                Some(_) => {}
            }
            store::delete_endpoint(c, id)
        })
        .await?;
    if removed {
        tracing::info!(webhook = id, by = %who.0.id, "webhook removed");
    }
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogQuery {
    webhook: Option<i64>,
    limit: Option<i64>,
}

async fn deliveries(state: web::Data<AppState>, who: Identity, q: web::Query<LogQuery>) -> AppResult<HttpResponse> {
    admin(&who)?;
    let (endpoint, limit) = (q.webhook, q.limit.unwrap_or(100).clamp(1, 1000));
    let rows = state.db.run(move |c| store::deliveries(c, endpoint, limit)).await?;
    let list: Vec<WebhookDelivery> = rows
        .into_iter()
        .map(|d| WebhookDelivery {
            next_at: (d.state == store::PENDING).then(|| rfc3339(d.next_at)),
            id: d.id,
            endpoint_id: d.endpoint_id,
            event: d.event,
            state: d.state,
            attempts: d.attempts,
            created_at: rfc3339(d.created_at),
            done_at: d.done_at.map(rfc3339),
            last_status: d.last_status,
            last_error: d.last_error,
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "deliveries": list })))
}
