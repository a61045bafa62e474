//! `GET /api/ws`: authenticates the caller, then hands the socket to a `UserSession`.

use crate::identity::Identity;
use crate::session::{transport, UserSession};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/ws", web::get().to(connect));
}

async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    who: Identity,
) -> actix_web::Result<HttpResponse> {
    let st = state.get_ref().clone();
    transport::serve(&req, body, state.config.ws_max_frame, move |out| {
        UserSession::new(who.0, st, out)
    })
}
