//! The built web client, served from `--web-root` at `/`: static assets with long caching,
//! and `index.html` for every other non-API path so client-side routes load.

use actix_files::{Files, NamedFile};
use actix_web::dev::{fn_service, ServiceRequest, ServiceResponse};
use actix_web::web;
use std::path::PathBuf;

pub fn routes(cfg: &mut web::ServiceConfig, root: PathBuf) {
    let index = root.join("index.html");
    cfg.service(
        Files::new("/", root)
            .index_file("index.html")
            .use_etag(true)
            .default_handler(fn_service(move |req: ServiceRequest| {
                let index = index.clone();
                async move {
                    let (req, _) = req.into_parts();
                    let file = NamedFile::open_async(&index).await?;
                    let res = file.into_response(&req);
                    Ok(ServiceResponse::new(req, res))
                }
            })),
    );
}
