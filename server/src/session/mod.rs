//! `UserSession`: one actor per websocket connection. It owns the user's identity and the
//! connection's liveness, decodes client messages and answers them.

pub mod transport;

use crate::db::queries;
use crate::state::AppState;
use actix::prelude::*;
use dailies_protocol::{ClientMsg, ErrorCode, ServerMsg, UserInfo, PROTOCOL_VERSION};
use std::sync::Arc;
use std::time::Instant;
use transport::{CloseKind, Inbound, Outbound, SendError};

use crate::room::hub::{Connect, Disconnect, Push};

pub struct UserSession {
    id: u64,
    user: UserInfo,
    state: AppState,
    out: Outbound,
    last_heard: Instant,
    /// A close frame is queued: let the writer send it instead of cutting the line.
    closing: bool,
}

impl UserSession {
    pub fn new(user: UserInfo, state: AppState, out: Outbound) -> Self {
        UserSession {
            id: 0,
            user,
            state,
            out,
            last_heard: Instant::now(),
            closing: false,
        }
    }

    /// Queues a message for the client; a client that cannot keep up is dropped.
    fn send(&self, msg: &ServerMsg, ctx: &mut Context<Self>) {
        match serde_json::to_string(msg) {
            Ok(json) => self.send_raw(json.into(), ctx),
            Err(e) => tracing::error!("serializing {msg:?}: {e}"),
        }
    }

    fn send_raw(&self, json: Arc<str>, ctx: &mut Context<Self>) {
        match self.out.text(json) {
            Ok(()) => {}
            Err(SendError::SlowClient) => {
                tracing::warn!(user = %self.user.id, session = self.id, "client too slow to read, dropping it");
                self.out.kill();
                ctx.stop();
            }
            Err(SendError::Gone) => ctx.stop(),
        }
    }

    fn send_error(&self, code: ErrorCode, message: impl Into<String>, request: Option<&str>, ctx: &mut Context<Self>) {
        let msg = ServerMsg::Error {
            code,
            message: message.into(),
            request: request.map(str::to_owned),
        };
        self.send(&msg, ctx);
    }

    fn close(&mut self, kind: CloseKind, why: &str) {
        self.closing = true;
        self.out.close(kind, why);
    }

    fn heartbeat(&mut self, ctx: &mut Context<Self>) {
        if self.last_heard.elapsed() > self.state.config.client_timeout {
            tracing::info!(user = %self.user.id, session = self.id, "websocket client timed out");
            self.close(CloseKind::Away, "heartbeat timeout");
            ctx.stop();
            return;
        }
        if self.out.ping().is_err() {
            self.out.kill();
            ctx.stop();
        }
    }

    fn handle_text(&mut self, text: &str, ctx: &mut Context<Self>) {
        let msg: ClientMsg = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                let request = serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned));
                self.send_error(
                    ErrorCode::BadMessage,
                    format!("cannot read message: {e}"),
                    request.as_deref(),
                    ctx,
                );
                return;
            }
        };
        self.handle_msg(msg, ctx);
    }

    fn handle_msg(&mut self, msg: ClientMsg, ctx: &mut Context<Self>) {
        match msg {
            ClientMsg::Ping { client_time } => {
                let server_time = chrono::Utc::now().timestamp_micros() as f64 / 1000.0;
                self.send(
                    &ServerMsg::Pong {
                        client_time,
                        server_time,
                    },
                    ctx,
                );
            }
            ClientMsg::ListMedia {} => {
                let user = self.user.clone();
                let db = self.state.db.clone();
                async move { db.run(move |c| queries::list_media_of(c, user.id.as_str())).await }
                    .into_actor(self)
                    .map(|res, act, ctx| match res {
                        Ok(rows) => {
                            let items = rows.iter().map(|m| m.to_info()).collect();
                            act.send(&ServerMsg::MediaList { items }, ctx);
                        }
                        Err(e) => act.send_error(ErrorCode::Internal, e.to_string(), Some("list_media"), ctx),
                    })
                    .wait(ctx);
            }
            ClientMsg::OrganizerPage { path } => {
                let reply = crate::organizer::ws::page(self.state.clone(), self.user.clone(), path);
                reply.into_actor(self).map(|msg, act, ctx| act.send(&msg, ctx)).spawn(ctx);
            }
            ClientMsg::OrganizerCommand { name, args, path, client_ref } => {
                let reply =
                    crate::organizer::ws::command(self.state.clone(), self.user.clone(), name, args, path, client_ref);
                reply.into_actor(self).map(|msg, act, ctx| act.send(&msg, ctx)).spawn(ctx);
            }
            other => {
                let t = other.type_name();
                self.send_error(ErrorCode::BadMessage, format!("{t} is not available yet"), Some(t), ctx);
            }
        }
    }
}

impl Actor for UserSession {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let welcome = ServerMsg::Welcome {
            protocol_version: PROTOCOL_VERSION,
            server_version: env!("CARGO_PKG_VERSION").to_string(),
            user: self.user.clone(),
        };
        self.send(&welcome, ctx);
        self.state.organizer.notify(crate::organizer::user_connected(&self.user));
        self.state
            .hub
            .send(Connect {
                user: self.user.id.clone(),
                recipient: ctx.address().recipient(),
            })
            .into_actor(self)
            .map(|res, act, ctx| match res {
                Ok(id) => act.id = id,
                Err(_) => ctx.stop(),
            })
            .wait(ctx);
        ctx.run_interval(self.state.config.heartbeat_interval, |act, ctx| act.heartbeat(ctx));
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.state.hub.do_send(Disconnect {
            user: self.user.id.clone(),
            id: self.id,
        });
        if !self.closing {
            self.out.kill();
        }
    }
}

impl Handler<Inbound> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: Inbound, ctx: &mut Self::Context) {
        self.last_heard = Instant::now();
        match msg {
            Inbound::Text(t) => self.handle_text(&t, ctx),
            Inbound::Binary => self.send_error(ErrorCode::BadMessage, "binary messages are not supported", None, ctx),
            Inbound::Heard => {}
            Inbound::TooLarge => {
                let limit = self.state.config.ws_max_frame;
                self.send_error(
                    ErrorCode::TooLarge,
                    format!("message larger than {limit} bytes"),
                    None,
                    ctx,
                );
                self.close(CloseKind::TooBig, "message too large");
                ctx.stop();
            }
            Inbound::Closed => ctx.stop(),
        }
    }
}

impl Handler<Push> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: Push, ctx: &mut Self::Context) {
        match msg {
            Push::Json(json) => self.send_raw(json, ctx),
            Push::Shutdown => {
                self.close(CloseKind::Away, "server shutting down");
                ctx.stop();
            }
        }
    }
}
