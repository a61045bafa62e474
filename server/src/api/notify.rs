//! Notification routes: each user's settings (`/api/notify/settings`: address and mail
//! mode per event kind) and the unsubscribe links of mails, which work without signing in
//! (`/api/notify/unsubscribe/{token}`: the page asks, a POST does it, RFC 8058 one-click).

use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::notify::{store, EventKind, MailMode};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use dailies_protocol::{NotifyPref, NotifySettings, NotifySettingsUpdate, UserId};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/notify/settings", web::get().to(get_settings))
        .route("/notify/settings", web::put().to(put_settings))
        .route("/notify/unsubscribe/{token}", web::get().to(unsubscribe_page))
        .route("/notify/unsubscribe/{token}", web::post().to(unsubscribe));
}

fn to_wire(m: MailMode) -> dailies_protocol::MailMode {
    use dailies_protocol::MailMode as W;
    match m {
        MailMode::Now => W::Now,
        MailMode::Hourly => W::Hourly,
        MailMode::Daily => W::Daily,
        MailMode::Never => W::Never,
    }
}

fn from_wire(m: dailies_protocol::MailMode) -> MailMode {
    use dailies_protocol::MailMode as W;
    match m {
        W::Now => MailMode::Now,
        W::Hourly => MailMode::Hourly,
        W::Daily => MailMode::Daily,
        W::Never => MailMode::Never,
    }
}

const MAX_EMAIL: usize = 254;

/// A plausible single address (the SMTP server has the last word).
fn check_email(e: &str) -> AppResult<()> {
    let ok = e.len() <= MAX_EMAIL
        && e.parse::<lettre::Address>().is_ok()
        && !e
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == ',' || c == '<');
    if ok {
        Ok(())
    } else {
        Err(AppError::BadRequest(format!("{e:?} is not an e-mail address")))
    }
}

pub async fn settings_of(state: &AppState, user: &UserId) -> AppResult<NotifySettings> {
    let u = user.0.clone();
    let (email, modes) = state
        .db
        .run(move |c| Ok((store::email_of(c, &u)?, store::modes(c, &u)?)))
        .await?;
    Ok(NotifySettings {
        email_from_proxy: email.as_ref().is_some_and(|(_, s)| s == "proxy"),
        email: email.map(|(e, _)| e),
        mail_enabled: state.notifier.outbox().mail_enabled(),
        prefs: modes
            .into_iter()
            .map(|(k, m)| NotifyPref {
                kind: k.as_str().to_string(),
                mode: to_wire(m),
                label: Some(k.label().to_string()),
            })
            .collect(),
    })
}

async fn get_settings(state: web::Data<AppState>, who: Identity) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(settings_of(&state, &who.0.id).await?))
}

async fn put_settings(
    state: web::Data<AppState>,
    who: Identity,
    body: web::Json<NotifySettingsUpdate>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let mut modes = Vec::with_capacity(body.prefs.len());
    for p in &body.prefs {
        let kind = EventKind::parse(&p.kind)
            .filter(|k| k.personal())
            .ok_or_else(|| AppError::BadRequest(format!("unknown notification kind {:?}", p.kind)))?;
        modes.push((kind, from_wire(p.mode)));
    }
    let email = match body.email.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(e) => {
            check_email(e)?;
            Some(Some(e.to_string()))
        }
    };
    let u = who.0.id.0.clone();
    state
        .db
        .run(move |c| {
            c.immediate_transaction(|c| {
                if let Some(e) = &email {
                    if store::email_of(c, &u)?.is_some_and(|(_, s)| s == "proxy") {
                        return Err(AppError::BadRequest(
                            "your address comes from the sign-in and cannot be changed here".into(),
                        ));
                    }
                    store::set_email(c, &u, e.as_deref(), "user")?;
                }
                for (k, m) in &modes {
                    store::set_mode(c, &u, *k, *m)?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(settings_of(&state, &who.0.id).await?))
}

fn page(status: actix_web::http::StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body><h1>{title}</h1>{body}</body></html>\n"
        ))
}

async fn lookup(state: &AppState, token: String) -> AppResult<Option<(String, EventKind)>> {
    let hash = crate::sharing::token_hash(&token);
    let age = chrono::Duration::days(crate::notify::worker::TOKEN_AGE_DAYS);
    state.db.run(move |c| store::token(c, &hash, age)).await
}

fn not_valid() -> HttpResponse {
    page(
        actix_web::http::StatusCode::NOT_FOUND,
        "Link not valid",
        "<p>This unsubscribe link is unknown or has expired. Change what you receive on the \
         notification settings page of Dailies.</p>",
    )
}

/// Asks before it acts: mail scanners follow links, and must not unsubscribe anyone.
async fn unsubscribe_page(state: web::Data<AppState>, token: web::Path<String>) -> AppResult<HttpResponse> {
    let Some((_, kind)) = lookup(&state, token.into_inner()).await? else {
        return Ok(not_valid());
    };
    Ok(page(
        actix_web::http::StatusCode::OK,
        "Unsubscribe",
        &format!(
            "<p>Stop mail about “{}”?</p><form method=\"post\"><button type=\"submit\">\
             Unsubscribe</button></form>",
            kind.label()
        ),
    ))
}

async fn unsubscribe(state: web::Data<AppState>, token: web::Path<String>) -> AppResult<HttpResponse> {
    let Some((user, kind)) = lookup(&state, token.into_inner()).await? else {
        return Ok(not_valid());
    };
    let u = user.clone();
    state
        .db
        .run(move |c| store::set_mode(c, &u, kind, MailMode::Never))
        .await?;
    tracing::info!(user = %user, kind = kind.as_str(), "unsubscribed by mail link");
    Ok(page(
        actix_web::http::StatusCode::OK,
        "Unsubscribed",
        &format!(
            "<p>You will get no more mail about “{}”. The notification settings page of \
             Dailies turns it on again.</p>",
            kind.label()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_single_and_plain() {
        assert!(check_email("ann@example.com").is_ok());
        for bad in [
            "ann",
            "ann@example.com, bob@example.com",
            "Ann <ann@example.com>",
            "a\r\n@x.y",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
