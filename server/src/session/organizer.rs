//! The organizer's websocket messages (`organizer_page`, `organizer_command`): each function
//! answers the `ServerMsg` to send back, never blocking on a plugin beyond its timeout.

use crate::organizer::{convert, store, CallError};
use crate::state::AppState;
use dailies_protocol::{ErrorCode, ServerMsg, UserInfo};

fn error(code: ErrorCode, message: impl Into<String>, request: &str) -> ServerMsg {
    ServerMsg::Error {
        code,
        message: message.into(),
        request: Some(request.into()),
        client_ref: None,
    }
}

/// An `organizer_command` error, naming the command by the client's `client_ref`.
fn command_error(code: ErrorCode, message: impl Into<String>, client_ref: Option<String>) -> ServerMsg {
    ServerMsg::Error {
        code,
        message: message.into(),
        request: Some("organizer_command".into()),
        client_ref: client_ref.filter(|r| r.len() <= dailies_protocol::MAX_CLIENT_REF),
    }
}

/// `organizer_page`: the plugin's page, or the built-in flat library.
pub async fn page(state: AppState, user: UserInfo, path: String) -> ServerMsg {
    match state.organizer.page(&user, &path).await {
        Some((p, plugin)) => {
            let ids = p.media_ids;
            // The plugin chose the ids; each must still be one the user may open.
            let media = match state.db.run(move |c| store::media_by_ids(c, &ids)).await {
                // A version stands for its stack: the page shows the newest.
                Ok(rows) => {
                    let rows = crate::access::visible(&state, &user, rows).await;
                    match state.db.run(move |c| crate::db::versions::cards(c, rows)).await {
                        Ok(m) => m,
                        Err(e) => return error(ErrorCode::Internal, e.to_string(), "organizer_page"),
                    }
                }
                Err(e) => return error(ErrorCode::Internal, e.to_string(), "organizer_page"),
            };
            ServerMsg::OrganizerPageView {
                path: if p.path.is_empty() { path } else { p.path },
                title: p.title,
                breadcrumbs: p.breadcrumbs.into_iter().map(convert::crumb).collect(),
                folders: p.folders.into_iter().map(convert::folder).collect(),
                media,
                actions: p.actions.into_iter().map(convert::action).collect(),
                plugin: Some(plugin),
            }
        }
        None => builtin_page(&state, &user).await,
    }
}

/// The flat library: the user's own media, newest first.
pub async fn builtin_page(state: &AppState, user: &UserInfo) -> ServerMsg {
    let uid = user.id.0.clone();
    match state
        .db
        .run(move |c| {
            let rows = store::media_of(c, &uid)?;
            crate::db::versions::library(c, rows)
        })
        .await
    {
        Ok(media) => ServerMsg::OrganizerPageView {
            path: "/".into(),
            title: "Library".into(),
            breadcrumbs: vec![dailies_protocol::OrganizerCrumb {
                label: "Library".into(),
                path: "/".into(),
            }],
            folders: vec![],
            media,
            actions: vec![],
            plugin: None,
        },
        Err(e) => error(ErrorCode::Internal, e.to_string(), "organizer_page"),
    }
}

/// `organizer_command`: the plugin's answer, or an error the client can show.
pub async fn command(
    state: AppState,
    user: UserInfo,
    name: String,
    args: serde_json::Value,
    path: Option<String>,
    client_ref: Option<String>,
) -> ServerMsg {
    match state
        .organizer
        .command(&user, &name, &args, path.as_deref().unwrap_or("/"))
        .await
    {
        Ok(r) => {
            let result = if r.result_json.trim().is_empty() {
                serde_json::Value::Null
            } else {
                match serde_json::from_str(&r.result_json) {
                    Ok(v) => v,
                    Err(_) => {
                        let why = "the organizer plugin answered invalid JSON";
                        return command_error(ErrorCode::Internal, why, client_ref);
                    }
                }
            };
            ServerMsg::OrganizerCommandResult {
                name,
                client_ref,
                result,
                refresh: r.refresh,
            }
        }
        Err(CallError::Unavailable(why)) => command_error(
            ErrorCode::Internal,
            format!("the organizer plugin is unavailable ({why})"),
            client_ref,
        ),
        Err(CallError::Plugin(code, message)) => {
            let code = match code {
                tonic::Code::PermissionDenied | tonic::Code::Unauthenticated => ErrorCode::Forbidden,
                tonic::Code::NotFound => ErrorCode::NotFound,
                tonic::Code::InvalidArgument
                | tonic::Code::Unimplemented
                | tonic::Code::FailedPrecondition
                | tonic::Code::AlreadyExists
                | tonic::Code::OutOfRange => ErrorCode::BadMessage,
                tonic::Code::ResourceExhausted => ErrorCode::RateLimited,
                _ => ErrorCode::Internal,
            };
            command_error(code, message, client_ref)
        }
    }
}
