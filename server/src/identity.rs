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

fn header<'a>(req: &'a HttpRequest, name: &str) -> Result<Option<&'a str>, AppError> {
    // A proxy that appends instead of overwriting would pass the client's own value along
    // with its own; picking either one would be a guess, so refuse.
    if req.headers().get_all(name).nth(1).is_some() {
        return Err(AppError::BadRequest(format!("header {name} is given more than once")));
    }
    match req.headers().get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim()))
            .map_err(|_| AppError::BadRequest(format!("header {name} is not valid text"))),
    }
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
    if id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
        return Err(AppError::BadRequest(format!(
            "header {} holds an invalid user id",
            cfg.user_id_header
        )));
    }
    let name = match header(req, &cfg.user_name_header)? {
        Some(n) if !n.is_empty() => n.chars().filter(|c| !c.is_control()).take(MAX_NAME_LEN).collect(),
        _ => id.to_string(),
    };
    let header_admin = match &cfg.admin_header {
        Some(h) => matches!(header(req, h)?, Some(v) if v.eq_ignore_ascii_case("true") || v == "1"),
        None => false,
    };
    let is_admin = header_admin || cfg.admin_users.iter().any(|a| a == id);
    Ok(UserInfo {
        id: UserId(id.to_string()),
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
    Ok(user)
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
}
