//! Who is calling: read from the reverse proxy's headers (or the demo user), and recorded
//! in the users table the first time they are seen.

use crate::config::Config;
use crate::db::queries;
use crate::error::AppError;
use crate::state::AppState;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use dailies_protocol::{UserId, UserInfo};
use std::future::Future;
use std::pin::Pin;

pub const DEMO_USER_ID: &str = "demo";
pub const DEMO_USER_NAME: &str = "Demo User";
const MAX_ID_LEN: usize = 128;
const MAX_NAME_LEN: usize = 200;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Identity(pub UserInfo);

/// Reads an identity header as text. Proxies pass non-ASCII names either as raw UTF-8
/// (nginx, oauth2-proxy) or percent-encoded (`j%C3%BCrgen`), so both are accepted; a `%`
/// always starts a `%XX` escape (a literal `%` comes as `%25`), so every value has one
/// reading instead of a guess about whether it was encoded.
fn header(req: &HttpRequest, name: &str) -> Result<Option<String>, AppError> {
    // A proxy that appends instead of overwriting would pass the client's own value along
    // with its own; picking either one would be a guess, so refuse.
    if req.headers().get_all(name).nth(1).is_some() {
        return Err(AppError::BadRequest(format!("header {name} is given more than once")));
    }
    let Some(v) = req.headers().get(name) else {
        return Ok(None);
    };
    let text = std::str::from_utf8(v.as_bytes())
        .map_err(|_| AppError::BadRequest(format!("header {name} is not valid UTF-8 text")))?;
    // Only HTTP's own optional whitespace is trimmed: decoded or Unicode spaces are part of
    // the value, and `identify` refuses ids that start or end with them.
    percent_decode_strict(text.trim_matches([' ', '\t']))
        .map(Some)
        .map_err(|why| AppError::BadRequest(format!("header {name} {why}")))
}

/// Decodes every `%XX` escape; a `%` without two hex digits after it, or escapes that do
/// not spell UTF-8, are an error (the reason, to follow the header's name).
fn percent_decode_strict(s: &str) -> Result<String, &'static str> {
    if !s.contains('%') {
        return Ok(s.to_string());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let hex = |j: usize| b.get(j).and_then(|&c| (c as char).to_digit(16));
        let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2)) else {
            return Err("holds a % that does not start a %XX escape (a literal % is written %25)");
        };
        // Both digits are below 16, so the byte cannot overflow.
        out.push((h * 16 + l) as u8);
        i += 3;
    }
    String::from_utf8(out).map_err(|_| "holds percent-encoded bytes that are not UTF-8")
}

/// Reads the identity from a request's headers according to the configuration.
pub fn identify(req: &HttpRequest, cfg: &Config) -> Result<UserInfo, AppError> {
    if cfg.demo {
        return Ok(UserInfo {
            id: UserId(DEMO_USER_ID.into()),
            name: DEMO_USER_NAME.into(),
            is_admin: true,
        });
    }
    let id = match header(req, &cfg.user_id_header)? {
        Some(id) if !id.is_empty() => id,
        _ => {
            return Err(AppError::Unauthorized(format!(
                "no user identity: the reverse proxy must set the {} header",
                cfg.user_id_header
            )))
        }
    };
    // Spaces around an id would make a second account that looks like the first.
    if id.len() > MAX_ID_LEN || id.chars().any(char::is_control) || id.trim() != id {
        return Err(AppError::BadRequest(format!(
            "header {} holds an invalid user id (over {MAX_ID_LEN} bytes, control characters, or \
             spaces at either end)",
            cfg.user_id_header
        )));
    }
    // Guests act under this prefix through their link's routes only: no account may.
    if id.starts_with(crate::access::GUEST_PREFIX) {
        return Err(AppError::BadRequest(format!(
            "header {} holds a user id starting with \"{}\", which is reserved for guests of review links",
            cfg.user_id_header,
            crate::access::GUEST_PREFIX
        )));
    }
    if id.starts_with(crate::access::PLUGIN_PREFIX) {
        return Err(AppError::BadRequest(format!(
            "header {} holds a user id starting with \"{}\", which is reserved for the organizer plugin",
            cfg.user_id_header,
            crate::access::PLUGIN_PREFIX
        )));
    }
    let name = match header(req, &cfg.user_name_header)? {
        Some(n) if !n.trim().is_empty() => n
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_NAME_LEN)
            .collect(),
        _ => id.clone(),
    };
    let header_admin = match &cfg.admin_header {
        Some(h) => matches!(header(req, h)?, Some(v) if v.eq_ignore_ascii_case("true") || v == "1"),
        None => false,
    };
    let is_admin = header_admin || cfg.admin_users.contains(&id);
    Ok(UserInfo {
        id: UserId(id),
        name,
        is_admin,
    })
}

/// Identifies the caller and makes sure the user row exists.
pub async fn authenticate(req: &HttpRequest) -> Result<UserInfo, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("application state missing")))?;
    let user = identify(req, &state.config)?;
    if !state.users.is_current(&user) {
        let u = user.clone();
        state.db.run(move |c| queries::upsert_user(c, &u)).await?;
        state.users.remember(&user);
    }
    if let Some(h) = &state.config.notify.email_header {
        proxy_email(state, &user, header(req, h)?).await?;
    }
    Ok(user)
}

/// Stores the address the proxy passes when it differs from what was stored (a request
/// that brings the same one writes nothing).
async fn proxy_email(state: &AppState, user: &UserInfo, addr: Option<String>) -> Result<(), AppError> {
    let Some(addr) = addr.map(|a| a.trim().to_string()).filter(|a| !a.is_empty()) else {
        return Ok(());
    };
    if addr.len() > 254 || addr.parse::<lettre::Address>().is_err() {
        tracing::debug!(user = %user.id, "the proxy's e-mail header holds no address");
        return Ok(());
    }
    if state.notifier.outbox().proxy_email_changed(&user.id, &addr) {
        let u = user.id.0.clone();
        state
            .db
            .run(move |c| crate::notify::store::set_email(c, &u, Some(&addr), "proxy"))
            .await?;
    }
    Ok(())
}

impl FromRequest for Identity {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await.map(Identity) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_repeated_identity_header_is_refused() {
        let cfg = Config::with_data_dir(std::path::Path::new("/nonexistent"));
        let one = TestRequest::default()
            .insert_header(("X-Remote-User-Id", "alice"))
            .to_http_request();
        assert_eq!(identify(&one, &cfg).unwrap().id.0, "alice");
        // The client's forged value and the proxy's appended one: neither is trusted.
        let two = TestRequest::default()
            .append_header(("X-Remote-User-Id", "admin"))
            .append_header(("X-Remote-User-Id", "alice"))
            .to_http_request();
        assert!(matches!(identify(&two, &cfg), Err(AppError::BadRequest(_))));
    }

    fn ask(headers: &[(&str, &[u8])]) -> Result<UserInfo, AppError> {
        let cfg = Config::with_data_dir(std::path::Path::new("/nonexistent"));
        let mut req = TestRequest::default();
        for (k, v) in headers {
            req = req.append_header((*k, actix_web::http::header::HeaderValue::from_bytes(v).unwrap()));
        }
        identify(&req.to_http_request(), &cfg)
    }

    fn id_of(v: &str) -> Result<String, AppError> {
        ask(&[("X-Remote-User-Id", v.as_bytes())]).map(|u| u.id.0)
    }

    #[test]
    fn non_ascii_identities_raw_or_percent_encoded() {
        assert_eq!(id_of("jürgen").unwrap(), "jürgen");
        assert_eq!(id_of("j%C3%BCrgen").unwrap(), "jürgen");
        assert_eq!(id_of("j%c3%bcrgen").unwrap(), "jürgen");
        assert_eq!(id_of("j%C3%BCrgen%40example.com").unwrap(), "jürgen@example.com");
        assert_eq!(id_of("50%25").unwrap(), "50%");
        let u = ask(&[
            ("X-Remote-User-Id", "zoe".as_bytes()),
            ("X-Remote-User-Name", "Zoë Ångström".as_bytes()),
        ])
        .unwrap();
        assert_eq!(u.name, "Zoë Ångström");
        let u = ask(&[("X-Remote-User-Id", b"zoe"), ("X-Remote-User-Name", b"Zo%C3%AB%20K.")]).unwrap();
        assert_eq!(u.name, "Zoë K.");
    }

    #[test]
    fn percent_signs_have_one_reading() {
        // A % always starts an escape: a bare one is an error, never kept as it is, so
        // "100%" and "100%25" cannot both name the same user.
        for bad in ["100%", "%zz", "a%2", "%%41", "%é1"] {
            let e = id_of(bad).unwrap_err();
            assert!(
                matches!(&e, AppError::BadRequest(m) if m.contains("%25")),
                "{bad}: {e:?}"
            );
        }
        // Escapes that do not spell UTF-8: refused, not replaced with U+FFFD.
        for bad in ["%FF", "j%C3rgen", "%C3", "%ED%A0%80"] {
            let e = id_of(bad).unwrap_err();
            assert!(
                matches!(&e, AppError::BadRequest(m) if m.contains("not UTF-8")),
                "{bad}: {e:?}"
            );
        }
        assert!(matches!(
            ask(&[("X-Remote-User-Id", b"j\xc3rgen")]),
            Err(AppError::BadRequest(m)) if m.contains("not valid UTF-8")
        ));
    }

    #[test]
    fn decoded_ids_keep_the_limits() {
        // The limits apply to the id as stored, however it was spelled.
        for bad in [
            "a%0Ab",
            "%00",
            "a%7Fb",
            "%20alice",
            "alice%C2%A0",
            "alice\u{a0}",
            "guest:1",
            "guest%3A1",
        ] {
            assert!(matches!(id_of(bad), Err(AppError::BadRequest(_))), "{bad:?}");
        }
        let max = "ü".repeat(MAX_ID_LEN / 2);
        assert_eq!(id_of(&max).unwrap(), max);
        let encoded = "%C3%BC".repeat(MAX_ID_LEN / 2);
        assert_eq!(id_of(&encoded).unwrap(), max);
        assert!(matches!(id_of(&format!("{max}a")), Err(AppError::BadRequest(_))));
        assert!(matches!(id_of(&format!("{encoded}a")), Err(AppError::BadRequest(_))));
        // Only HTTP's own spaces and tabs around the value go; the header is then empty.
        assert!(matches!(id_of(" \t "), Err(AppError::Unauthorized(_))));
        assert_eq!(id_of(" alice\t").unwrap(), "alice");
        // Names keep theirs: control characters dropped, at most 200 characters.
        let long = "é".repeat(300);
        let u = ask(&[("X-Remote-User-Id", b"zoe"), ("X-Remote-User-Name", long.as_bytes())]).unwrap();
        assert_eq!(u.name.chars().count(), MAX_NAME_LEN);
        let u = ask(&[("X-Remote-User-Id", b"zoe"), ("X-Remote-User-Name", b"Zo%0A%C3%AB")]).unwrap();
        assert_eq!(u.name, "Zoë");
    }
}
