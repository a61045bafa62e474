//! Serving an [`Organizer`] over gRPC: the handshake (version check, inbox connection),
//! argument decoding, and a clean stop on SIGTERM.

use crate::pb::{self, organizer_server::OrganizerServer};
use crate::transport::{Address, BoxError, Listener};
use crate::{Inbox, Organizer, LISTEN_ENV};
use std::future::Future;
use std::sync::{Arc, RwLock};
use tokio_stream::wrappers::{TcpListenerStream, UnixListenerStream};
use tonic::{Request, Response, Status};

/// What a plugin knows about the server it serves; handed to every trait method.
#[derive(Clone, Default)]
pub struct Context {
    link: Arc<RwLock<Option<Link>>>,
}

#[derive(Clone)]
struct Link {
    inbox: Inbox,
    server_version: String,
}

impl Context {
    /// The server's inbox; available once the server has completed the handshake.
    pub fn inbox(&self) -> Result<Inbox, Status> {
        self.link
            .read()
            .ok()
            .and_then(|l| l.as_ref().map(|l| l.inbox.clone()))
            .ok_or_else(|| Status::unavailable("no server has completed the handshake yet"))
    }

    /// The version of the connected server, when one is.
    pub fn server_version(&self) -> Option<String> {
        self.link
            .read()
            .ok()
            .and_then(|l| l.as_ref().map(|l| l.server_version.clone()))
    }
}

struct Service<O> {
    org: Arc<O>,
    ctx: Context,
}

fn json_arg(s: &str) -> Result<serde_json::Value, Status> {
    if s.trim().is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_str(s).map_err(|e| Status::invalid_argument(format!("arguments are not valid JSON: {e}")))
}

#[tonic::async_trait]
impl<O: Organizer> pb::organizer_server::Organizer for Service<O> {
    async fn handshake(&self, req: Request<pb::HandshakeRequest>) -> Result<Response<pb::HandshakeResponse>, Status> {
        let req = req.into_inner();
        let (major, minor) = self.org.protocol();
        if req.protocol_major != major {
            return Err(Status::failed_precondition(format!(
                "plugin {} {} speaks organizer protocol {major}.{minor} but the server (dailies {}) speaks {}.{}: \
                 use a plugin built for protocol {}.x",
                self.org.name(),
                self.org.version(),
                req.server_version,
                req.protocol_major,
                req.protocol_minor,
                req.protocol_major
            )));
        }
        let inbox = Inbox::connect_lazy(&req.inbox_address, &req.inbox_token)
            .map_err(|e| Status::invalid_argument(format!("inbox address: {e}")))?;
        if let Ok(mut l) = self.ctx.link.write() {
            *l = Some(Link {
                inbox,
                server_version: req.server_version.clone(),
            });
        }
        tracing::info!(server = %req.server_version, "handshake with the dailies server done");
        let org = self.org.clone();
        let ctx = self.ctx.clone();
        // After answering: the server accepts no inbox calls before the handshake ends.
        tokio::spawn(async move {
            if let Err(e) = org.connected(&ctx).await {
                tracing::warn!("connected hook failed: {e}");
            }
        });
        Ok(Response::new(pb::HandshakeResponse {
            plugin_name: self.org.name(),
            plugin_version: self.org.version(),
            protocol_major: major,
            protocol_minor: minor,
            capabilities: self.org.capabilities().iter().map(|c| c.as_str().to_string()).collect(),
        }))
    }

    async fn user_page(&self, req: Request<pb::UserPageRequest>) -> Result<Response<pb::UserPageResponse>, Status> {
        let req = req.into_inner();
        let user = req.user.ok_or_else(|| Status::invalid_argument("no user"))?;
        let page = self.org.user_page(&self.ctx, &user, &req.path).await?;
        Ok(Response::new(page))
    }

    async fn authorize(&self, req: Request<pb::AuthorizeRequest>) -> Result<Response<pb::AuthorizeResponse>, Status> {
        let req = req.into_inner();
        Ok(Response::new(self.org.authorize(&self.ctx, &req).await?))
    }

    /// One `Organizer::authorize` per request, in order: plugins get batches for free.
    async fn authorize_batch(
        &self,
        req: Request<pb::AuthorizeBatchRequest>,
    ) -> Result<Response<pb::AuthorizeBatchResponse>, Status> {
        let mut responses = vec![];
        for r in &req.into_inner().requests {
            responses.push(self.org.authorize(&self.ctx, r).await?);
        }
        Ok(Response::new(pb::AuthorizeBatchResponse { responses }))
    }

    async fn on_event(&self, req: Request<pb::Event>) -> Result<Response<pb::EventAck>, Status> {
        if let Some(kind) = req.into_inner().kind {
            self.org.on_event(&self.ctx, kind).await?;
        }
        Ok(Response::new(pb::EventAck {}))
    }

    async fn custom_command(
        &self,
        req: Request<pb::CustomCommandRequest>,
    ) -> Result<Response<pb::CustomCommandResponse>, Status> {
        let req = req.into_inner();
        let user = req.user.ok_or_else(|| Status::invalid_argument("no user"))?;
        let args = json_arg(&req.args_json)?;
        let out = self.org.command(&self.ctx, &user, &req.name, args, &req.path).await?;
        Ok(Response::new(pb::CustomCommandResponse {
            result_json: if out.result.is_null() {
                String::new()
            } else {
                out.result.to_string()
            },
            refresh: out.refresh,
        }))
    }
}

/// Where to listen: `--listen ADDR` on the command line, else `DAILIES_ORGANIZER_LISTEN`.
pub fn listen_address() -> Result<Address, BoxError> {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--listen" {
            let v = args.next().ok_or("--listen needs an address")?;
            return Address::parse(&v);
        }
        if let Some(v) = a.strip_prefix("--listen=") {
            return Address::parse(v);
        }
    }
    match std::env::var(LISTEN_ENV) {
        Ok(v) if !v.trim().is_empty() => Address::parse(&v),
        _ => Err(format!("no listen address: pass --listen unix:/path.sock or set {LISTEN_ENV}").into()),
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// Serves `org` where [`listen_address`] says, until SIGTERM or Ctrl-C.
pub async fn run<O: Organizer>(org: O) -> Result<(), BoxError> {
    let addr = listen_address()?;
    let listener = Listener::bind(&addr).await?;
    serve(org, listener, shutdown_signal()).await
}

/// Serves `org` on an already bound listener until `shutdown` resolves.
pub async fn serve<O: Organizer>(
    org: O,
    listener: Listener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), BoxError> {
    let name = org.name();
    let svc = OrganizerServer::new(Service {
        org: Arc::new(org),
        ctx: Context::default(),
    });
    let router = tonic::transport::Server::builder().add_service(svc);
    tracing::info!(plugin = %name, address = %listener.address(), "organizer plugin listening");
    match listener {
        Listener::Unix(l, path) => {
            let r = router
                .serve_with_incoming_shutdown(UnixListenerStream::new(l), shutdown)
                .await;
            let _ = std::fs::remove_file(path);
            r?
        }
        Listener::Tcp(l) => {
            router
                .serve_with_incoming_shutdown(TcpListenerStream::new(l), shutdown)
                .await?
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pb::organizer_server::Organizer as _;

    struct Named;
    #[tonic::async_trait]
    impl Organizer for Named {
        fn name(&self) -> String {
            "named".into()
        }
    }

    fn svc() -> Service<Named> {
        Service {
            org: Arc::new(Named),
            ctx: Context::default(),
        }
    }

    #[tokio::test]
    async fn handshake_refuses_another_major_version_clearly() {
        let req = pb::HandshakeRequest {
            server_version: "9.0.0".into(),
            protocol_major: crate::PROTOCOL_MAJOR + 1,
            protocol_minor: 0,
            inbox_address: "unix:/nonexistent".into(),
            inbox_token: "t".into(),
        };
        let err = svc().handshake(Request::new(req)).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::FailedPrecondition);
        let ours = format!("protocol {}.{}", crate::PROTOCOL_MAJOR, crate::PROTOCOL_MINOR);
        assert!(err.message().contains(&ours), "{}", err.message());
        assert!(err.message().contains("2.0"), "{}", err.message());
    }

    #[tokio::test]
    async fn handshake_announces_name_and_capabilities() {
        let req = pb::HandshakeRequest {
            server_version: "0.1.0".into(),
            protocol_major: crate::PROTOCOL_MAJOR,
            protocol_minor: 7,
            inbox_address: "unix:/nonexistent".into(),
            inbox_token: "t".into(),
        };
        let s = svc();
        let r = s.handshake(Request::new(req)).await.unwrap().into_inner();
        assert_eq!(r.plugin_name, "named");
        assert_eq!(r.capabilities, ["pages", "authorize", "events", "commands"]);
        assert!(s.ctx.inbox().is_ok());
        assert_eq!(s.ctx.server_version().as_deref(), Some("0.1.0"));
    }

    #[tokio::test]
    async fn defaults_follow_the_builtin_rule() {
        let s = svc();
        for allowed in [true, false] {
            let req = pb::AuthorizeRequest {
                builtin_allowed: allowed,
                action: "view".into(),
                ..Default::default()
            };
            assert_eq!(
                s.authorize(Request::new(req)).await.unwrap().into_inner().allow,
                allowed
            );
        }
        // A batch gets one answer per question, in order.
        let batch = pb::AuthorizeBatchRequest {
            requests: [true, false, false, true]
                .map(|allowed| pb::AuthorizeRequest {
                    builtin_allowed: allowed,
                    action: "view".into(),
                    ..Default::default()
                })
                .to_vec(),
        };
        let answers = s.authorize_batch(Request::new(batch)).await.unwrap().into_inner();
        let allows: Vec<bool> = answers.responses.iter().map(|r| r.allow).collect();
        assert_eq!(allows, [true, false, false, true]);
        let cmd = pb::CustomCommandRequest {
            user: Some(pb::User::new("u", "U", false)),
            name: "x".into(),
            ..Default::default()
        };
        assert_eq!(
            s.custom_command(Request::new(cmd)).await.unwrap_err().code(),
            tonic::Code::Unimplemented
        );
    }
}
