//! `/api/me/preferences`: the caller's own display choices, kept with their account so
//! every browser they sign in from shows positions the same way.

use crate::db::prefs;
use crate::error::{AppError, AppResult};
use crate::identity::Identity;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use dailies_protocol::prefs::MAX_FIRST_FRAME;
use dailies_protocol::PreferencesUpdate;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/me/preferences", web::get().to(get_preferences))
        .route("/me/preferences", web::put().to(put_preferences));
}

async fn get_preferences(state: web::Data<AppState>, who: Identity) -> AppResult<HttpResponse> {
    let u = who.0.id.0.clone();
    let p = state.db.run(move |c| prefs::of(c, &u)).await?;
    Ok(HttpResponse::Ok().json(p))
}

async fn put_preferences(
    state: web::Data<AppState>,
    who: Identity,
    body: web::Json<PreferencesUpdate>,
) -> AppResult<HttpResponse> {
    let change = body.into_inner();
    if let Some(Some(f)) = change.first_frame {
        if !(0..=MAX_FIRST_FRAME).contains(&f) {
            return Err(AppError::BadRequest(format!(
                "first_frame must be between 0 and {MAX_FIRST_FRAME}, not {f}"
            )));
        }
    }
    let u = who.0.id.0.clone();
    let p = state.db.run(move |c| prefs::update(c, &u, &change)).await?;
    Ok(HttpResponse::Ok().json(p))
}
