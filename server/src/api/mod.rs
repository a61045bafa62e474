//! HTTP routes, one file per resource. `configure` mounts them all under one `App`.

pub mod admin;
pub mod client;
pub mod files;
pub mod guest;
pub mod health;
pub mod interchange;
pub mod media;
pub mod notify;
pub mod playlists;
pub mod prefs;
pub mod safety;
pub mod sharing;
pub mod subtitles;
pub mod tus;
pub mod upload;
pub mod versions;
pub mod webhooks;
pub mod ws;

use crate::error::AppError;
use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(1 << 20)
            .error_handler(|e, _| AppError::BadRequest(e.to_string()).into()),
    )
    .app_data(web::PathConfig::default().error_handler(|e, _| AppError::BadRequest(e.to_string()).into()))
    .app_data(web::QueryConfig::default().error_handler(|e, _| AppError::BadRequest(e.to_string()).into()))
    .service(
        web::scope("/api")
            .configure(health::routes)
            .configure(media::routes)
            .configure(interchange::routes)
            .configure(subtitles::routes)
            .configure(sharing::routes)
            .configure(versions::routes)
            .configure(playlists::routes)
            .configure(guest::routes)
            .configure(upload::routes)
            .configure(tus::routes)
            .configure(ws::routes)
            .configure(admin::routes)
            .configure(notify::routes)
            .configure(prefs::routes)
            .configure(webhooks::routes)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(AppError::NotFound("no such API route".into()))
            })),
    )
    .configure(files::routes);
}
