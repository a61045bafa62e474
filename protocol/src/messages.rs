//! The realtime protocol: one JSON object per websocket text frame, tagged by `type`.
//! `ClientMsg` flows from browser to server, `ServerMsg` back.

use crate::ids::UserId;
use crate::media::MediaInfo;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Who a user is, as the server knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UserInfo {
    pub id: UserId,
    pub name: String,
    pub is_admin: bool,
}

/// Messages a client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    /// Clock sync and liveness: answered by `pong` with the server's time.
    Ping {
        /// The client's clock in milliseconds, echoed back.
        client_time: f64,
    },
    /// Ask for the caller's media list; answered by `media_list`.
    ListMedia {},
}

impl ClientMsg {
    /// The `type` tag of every client message, for tables that must cover them all.
    pub const TYPES: &'static [&'static str] = &["ping", "list_media"];

    pub fn type_name(&self) -> &'static str {
        match self {
            ClientMsg::Ping { .. } => "ping",
            ClientMsg::ListMedia {} => "list_media",
        }
    }
}

/// Machine-readable error codes; `message` carries the human text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame was not valid JSON or not a known message.
    BadMessage,
    /// The frame was larger than the server accepts.
    TooLarge,
    /// The caller may not do this.
    Forbidden,
    /// The object does not exist (or is not visible to the caller).
    NotFound,
    /// The caller sends too fast.
    RateLimited,
    /// Something broke on the server; the session stays up.
    Internal,
}

/// Messages the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// First message on every connection.
    Welcome {
        protocol_version: u32,
        server_version: String,
        user: UserInfo,
    },
    /// Answer to `ping`.
    Pong {
        client_time: f64,
        /// Server clock, milliseconds since the Unix epoch.
        server_time: f64,
    },
    /// A request failed; the session stays open.
    Error {
        code: ErrorCode,
        message: String,
        /// The `type` of the client message this answers, when it could be read.
        request: Option<String>,
    },
    /// The caller's media, newest first.
    MediaList { items: Vec<MediaInfo> },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_msg_tags() {
        let m: ClientMsg = serde_json::from_str(r#"{"type":"ping","client_time":1.5}"#).unwrap();
        assert_eq!(m, ClientMsg::Ping { client_time: 1.5 });
        assert_eq!(m.type_name(), "ping");
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"nope"}"#).is_err());
        assert!(serde_json::from_str::<ClientMsg>(r#"{"type":"ping"}"#).is_err());
    }

    #[test]
    fn every_type_is_listed() {
        let samples = [ClientMsg::Ping { client_time: 0.0 }, ClientMsg::ListMedia {}];
        for s in &samples {
            let v = serde_json::to_value(s).unwrap();
            assert_eq!(v["type"], s.type_name());
            assert!(ClientMsg::TYPES.contains(&s.type_name()));
        }
        assert_eq!(samples.len(), ClientMsg::TYPES.len());
    }

    #[test]
    fn server_msg_shape() {
        let m = ServerMsg::Error {
            code: ErrorCode::BadMessage,
            message: "x".into(),
            request: None,
        };
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["type"], "error");
        assert_eq!(v["code"], "bad_message");
    }
}
