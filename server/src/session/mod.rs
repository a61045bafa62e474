//! `UserSession`: one actor per websocket connection. It owns the user's identity, the
//! connection's liveness and the rooms it joined; `handlers` answers each client message.

mod handlers;
pub mod organizer;
pub mod transport;

use crate::error::AppError;
use crate::notice::Notice;
use crate::room::actor::{Leave, Room};
use crate::room::hub::{Connect, Disconnect, Push};
use crate::room::MAILBOX;
use crate::state::AppState;
use actix::prelude::*;
use dailies_protocol::{ClientMsg, ErrorCode, MediaId, ServerMsg, UserInfo, PROTOCOL_VERSION};
use std::collections::HashMap;
use std::time::Instant;
use transport::{CloseKind, Inbound, Outbound, SendError};

/// Messages a client may send per second on average, and in a burst.
pub const RATE_PER_SEC: f64 = 100.0;
pub const RATE_BURST: f64 = 300.0;

/// A token bucket: refuses messages beyond the configured rate instead of queueing them.
struct RateLimit {
    tokens: f64,
    at: Instant,
}

impl RateLimit {
    fn allow(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * RATE_PER_SEC).min(RATE_BURST);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

pub struct UserSession {
    id: u64,
    user: UserInfo,
    state: AppState,
    out: Outbound,
    last_heard: Instant,
    /// A close frame is queued: let the writer send it instead of cutting the line.
    closing: bool,
    rooms: HashMap<MediaId, Addr<Room>>,
    /// Resolves once the session's latest room request reached its room (see `room_request`).
    room_tail: Option<tokio::sync::oneshot::Receiver<()>>,
    rate: RateLimit,
    rate_warned: bool,
    /// The hub refused the connection (socket limit): it was never registered.
    refused: bool,
}

/// The protocol's error code for an application error.
pub fn error_code(e: &AppError) -> ErrorCode {
    match e {
        AppError::NotFound(_) => ErrorCode::NotFound,
        AppError::Forbidden(_) | AppError::Unauthorized(_) => ErrorCode::Forbidden,
        AppError::BadRequest(_) | AppError::Conflict(_) => ErrorCode::BadMessage,
        AppError::PayloadTooLarge(_) => ErrorCode::TooLarge,
        AppError::QuotaExceeded(_) => ErrorCode::QuotaExceeded,
        AppError::TooManyRequests(..) => ErrorCode::RateLimited,
        AppError::Unavailable(_) => ErrorCode::Unavailable,
        AppError::InsufficientStorage(_) | AppError::Internal(_) => ErrorCode::Internal,
    }
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
            rooms: HashMap::new(),
            room_tail: None,
            rate: RateLimit {
                tokens: RATE_BURST,
                at: Instant::now(),
            },
            rate_warned: false,
            refused: false,
        }
    }

    /// Queues a message for the client; a client that cannot keep up is dropped.
    fn send(&self, msg: &ServerMsg, ctx: &mut Context<Self>) {
        match serde_json::to_string(msg) {
            Ok(json) => self.send_raw(json.into(), ctx),
            Err(e) => tracing::error!("serializing {msg:?}: {e}"),
        }
    }

    fn send_raw(&self, json: bytestring::ByteString, ctx: &mut Context<Self>) {
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
            client_ref: None,
        };
        self.send(&msg, ctx);
    }

    fn send_app_error(&self, e: AppError, request: &str, ctx: &mut Context<Self>) {
        self.send_app_error_for(e, request, None, ctx);
    }

    /// An error answering a request that carried a `client_ref`, echoed back.
    fn send_app_error_for(&self, e: AppError, request: &str, client_ref: Option<String>, ctx: &mut Context<Self>) {
        if let AppError::Internal(inner) = &e {
            tracing::error!(user = %self.user.id, request, "internal error: {inner:#}");
        }
        let msg = ServerMsg::Error {
            code: error_code(&e),
            message: e.to_string(),
            request: Some(request.to_owned()),
            client_ref: client_ref.filter(|r| r.len() <= dailies_protocol::MAX_CLIENT_REF),
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
        if !self.rate.allow() {
            // One error per burst: answering every dropped message would itself flood.
            if !self.rate_warned {
                self.rate_warned = true;
                self.send_error(ErrorCode::RateLimited, "too many messages: slow down", None, ctx);
            }
            return;
        }
        self.rate_warned = false;
        let msg = match decode_client_text(text) {
            Ok(m) => m,
            Err(reply) => {
                self.send(&reply, ctx);
                return;
            }
        };
        self.handle_msg(msg, ctx);
    }
}

/// Longest parser detail quoted back in a `bad_message` error.
const MAX_ERROR_DETAIL: usize = 300;

/// Reads one text frame as a client message, or builds the `bad_message` error that answers
/// it. Pure, so it can be fuzzed: whatever the bytes, it returns and never panics.
pub fn decode_client_text(text: &str) -> Result<ClientMsg, Box<ServerMsg>> {
    serde_json::from_str(text).map_err(|e| {
        let value = serde_json::from_str::<serde_json::Value>(text).ok();
        let field = |name: &str, max: usize| {
            value
                .as_ref()
                .and_then(|v| v.get(name).and_then(|t| t.as_str()).map(str::to_owned))
                .filter(|t| t.len() <= max)
        };
        let request = field("type", 64);
        let client_ref = field("client_ref", dailies_protocol::MAX_CLIENT_REF);
        Box::new(ServerMsg::Error {
            code: ErrorCode::BadMessage,
            message: format!("cannot read message: {}", clip(&e.to_string(), MAX_ERROR_DETAIL)),
            request,
            client_ref,
        })
    })
}

/// At most `max` bytes of `s`, cut on a character boundary (the detail may quote the
/// client's own non-ASCII text, and `String::truncate` panics inside a character).
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl Actor for UserSession {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Rooms and the hub must never be refused for a full mailbox; what we receive goes
        // straight into the bounded outgoing queue, which is where slow clients are caught.
        ctx.set_mailbox_capacity(MAILBOX);
        // Registered first: a user over the socket limit is told why and hears nothing else.
        self.state
            .hub
            .send(Connect {
                user: self.user.id.clone(),
                recipient: ctx.address().recipient(),
            })
            .into_actor(self)
            .map(|res, act, ctx| match res {
                Ok(Ok(id)) => {
                    act.id = id;
                    let welcome = ServerMsg::Welcome {
                        protocol_version: PROTOCOL_VERSION,
                        server_version: env!("CARGO_PKG_VERSION").to_string(),
                        user: act.user.clone(),
                    };
                    act.send(&welcome, ctx);
                    act.state
                        .notifier
                        .emit(Notice::UserConnected { user: act.user.clone() });
                }
                Ok(Err(why)) => {
                    tracing::info!(user = %act.user.id, "websocket refused: {why}");
                    act.refused = true;
                    act.send_error(ErrorCode::Forbidden, why.clone(), None, ctx);
                    act.close(CloseKind::Policy, &why);
                    ctx.stop();
                }
                Err(_) => ctx.stop(),
            })
            .wait(ctx);
        ctx.run_interval(self.state.config.heartbeat_interval, |act, ctx| act.heartbeat(ctx));
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        for room in self.rooms.values() {
            room.do_send(Leave { session_id: self.id });
        }
        if !self.refused {
            self.state.hub.do_send(Disconnect {
                user: self.user.id.clone(),
                id: self.id,
            });
        }
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
            Inbound::Broken { utf8: true } => {
                self.close(CloseKind::InvalidData, "text frame is not valid UTF-8");
                ctx.stop();
            }
            Inbound::Broken { utf8: false } => {
                self.close(CloseKind::Protocol, "websocket protocol error");
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
            Push::Revoked(why) => {
                // Each joined room is closed with the reason, then the socket.
                let rooms: Vec<_> = self.rooms.keys().cloned().collect();
                for media_id in rooms {
                    let closed = ServerMsg::RoomClosed {
                        media_id,
                        reason: why.clone(),
                    };
                    self.send(&closed, ctx);
                }
                self.send_error(ErrorCode::Forbidden, why.clone(), None, ctx);
                self.close(CloseKind::Policy, &why);
                ctx.stop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message_of(reply: Box<ServerMsg>) -> (ErrorCode, String, Option<String>) {
        match *reply {
            ServerMsg::Error {
                code, message, request, ..
            } => (code, message, request),
            other => panic!("not an error: {other:?}"),
        }
    }

    #[test]
    fn a_long_non_ascii_type_is_answered_not_panicked_on() {
        // serde quotes the unknown tag in its error; cutting that at 300 bytes used to land
        // inside a two-byte character and panic the session (found writing the fuzz target).
        let text = format!(r#"{{"type":"{}"}}"#, "é".repeat(200));
        let (code, message, request) = message_of(decode_client_text(&text).unwrap_err());
        assert_eq!(code, ErrorCode::BadMessage);
        assert!(message.len() <= 300 + "cannot read message: ".len());
        assert_eq!(request, None, "a 400-byte type is not echoed back");
    }

    #[test]
    fn decoding_answers_what_it_can() {
        assert!(matches!(
            decode_client_text(r#"{"type":"ping","client_time":1}"#),
            Ok(ClientMsg::Ping { .. })
        ));
        let (_, _, request) = message_of(decode_client_text(r#"{"type":"join_room"}"#).unwrap_err());
        assert_eq!(request.as_deref(), Some("join_room"));
        for bad in ["", "{", "[[[[", "null", "\"ping\"", "{\"type\":1}"] {
            let (code, _, _) = message_of(decode_client_text(bad).unwrap_err());
            assert_eq!(code, ErrorCode::BadMessage, "{bad}");
        }
        assert_eq!(clip("aé", 2), "a");
        assert_eq!(clip("abc", 5), "abc");
    }
}
