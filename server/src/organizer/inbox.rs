//! `OrganizerInbox`: the gRPC service the plugin calls back, on `data/organizer/inbox.sock`
//! (mode 0600 in a 0700 directory). Every call must carry the token of the handshake.

use super::{convert, store};
use crate::db::Db;
use crate::error::AppError;
use crate::notice::{Notice, Notifier};
use dailies_protocol::UserId;
use organizer_sdk::pb::{self, organizer_inbox_server::OrganizerInboxServer};
use organizer_sdk::transport::{Address, Listener};
use std::path::Path;
use std::time::Duration;
use tokio::sync::watch;
use tonic::{Request, Response, Status};

pub const MAX_KEY_LEN: usize = 512;
pub const MAX_VALUE_LEN: usize = 2 << 20;
const MAX_MESSAGE_LEN: usize = 4000;

/// Binds the inbox socket and serves it on the current arbiter; answers its address.
pub async fn serve(
    dir: &Path,
    token: String,
    plugin: watch::Receiver<Option<String>>,
    db: Db,
    notifier: Notifier,
) -> anyhow::Result<Address> {
    let addr = Address::unix(&dir.join("inbox.sock"));
    let listener = Listener::bind(&addr)
        .await
        .map_err(|e| anyhow::anyhow!("organizer inbox: {e}"))?;
    let Listener::Unix(l, _) = listener else {
        anyhow::bail!("organizer inbox must be a Unix socket");
    };
    let expected: tonic::metadata::MetadataValue<_> = format!("Bearer {token}")
        .parse()
        .map_err(|_| anyhow::anyhow!("invalid inbox token"))?;
    let svc = OrganizerInboxServer::with_interceptor(Inbox { db, notifier, plugin }, move |req: Request<()>| match req
        .metadata()
        .get("authorization")
    {
        Some(v) if v == expected => Ok(req),
        _ => Err(Status::unauthenticated(
            "missing or wrong inbox token (see the handshake)",
        )),
    });
    let server = tonic::transport::Server::builder()
        .add_service(svc)
        .serve_with_incoming(tokio_stream::wrappers::UnixListenerStream::new(l));
    actix_web::rt::spawn(async move {
        if let Err(e) = server.await {
            tracing::error!("organizer inbox stopped: {e}");
        }
    });
    Ok(addr)
}

struct Inbox {
    db: Db,
    notifier: Notifier,
    /// The connected plugin's name (from its handshake): the key-value store's scope.
    plugin: watch::Receiver<Option<String>>,
}

fn status(e: AppError) -> Status {
    match e {
        AppError::NotFound(m) => Status::not_found(m),
        AppError::BadRequest(m) => Status::invalid_argument(m),
        AppError::Forbidden(m) => Status::permission_denied(m),
        AppError::Unavailable(m) => Status::unavailable(m),
        other => {
            tracing::error!("organizer inbox: {other:#}");
            Status::internal("internal error")
        }
    }
}

impl Inbox {
    /// The plugin's name; a call that races the handshake's end waits for it briefly.
    async fn plugin(&self) -> Result<String, Status> {
        let mut rx = self.plugin.clone();
        let got = tokio::time::timeout(Duration::from_secs(2), rx.wait_for(|p| p.is_some())).await;
        match got {
            Ok(Ok(p)) => Ok(p.clone().unwrap_or_default()),
            _ => Err(Status::failed_precondition("no plugin has completed the handshake")),
        }
    }

    fn key(key: &str) -> Result<(), Status> {
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Err(Status::invalid_argument(format!("keys have 1 to {MAX_KEY_LEN} bytes")));
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl pb::organizer_inbox_server::OrganizerInbox for Inbox {
    async fn get_media(&self, req: Request<pb::GetMediaRequest>) -> Result<Response<pb::MediaList>, Status> {
        let ids = req.into_inner().ids;
        let rows = self
            .db
            .run(move |c| store::media_by_ids(c, &ids))
            .await
            .map_err(status)?;
        Ok(Response::new(pb::MediaList {
            items: rows.iter().map(convert::media).collect(),
        }))
    }

    async fn list_media_by_owner(
        &self,
        req: Request<pb::ListMediaByOwnerRequest>,
    ) -> Result<Response<pb::MediaList>, Status> {
        let owner = req.into_inner().owner_id;
        let rows = self.db.run(move |c| store::media_of(c, &owner)).await.map_err(status)?;
        Ok(Response::new(pb::MediaList {
            items: rows.iter().map(convert::media).collect(),
        }))
    }

    async fn list_comments(&self, req: Request<pb::ListCommentsRequest>) -> Result<Response<pb::CommentList>, Status> {
        let media_id = req.into_inner().media_id;
        let items = self
            .db
            .run(move |c| store::comments_of(c, &media_id))
            .await
            .map_err(status)?;
        Ok(Response::new(pb::CommentList { items }))
    }

    async fn list_users(&self, req: Request<pb::ListUsersRequest>) -> Result<Response<pb::UserList>, Status> {
        let ids = req.into_inner().ids;
        let rows = self.db.run(move |c| store::users(c, &ids)).await.map_err(status)?;
        Ok(Response::new(pb::UserList {
            items: rows.iter().map(convert::user_row).collect(),
        }))
    }

    async fn assign_media(
        &self,
        req: Request<pb::AssignMediaRequest>,
    ) -> Result<Response<pb::AssignMediaResponse>, Status> {
        let r = req.into_inner();
        let (old_owner, m) = self
            .db
            .run(move |c| store::assign_media(c, &r.media_id, &r.new_owner_id))
            .await
            .map_err(status)?;
        let media = Some(convert::media(&m));
        self.notifier.emit(Notice::MediaChanged {
            media: m,
            previous_owner: Some(old_owner),
        });
        Ok(Response::new(pb::AssignMediaResponse { media }))
    }

    async fn send_user_message(
        &self,
        req: Request<pb::SendUserMessageRequest>,
    ) -> Result<Response<pb::SendUserMessageResponse>, Status> {
        let r = req.into_inner();
        if r.text.trim().is_empty() || r.text.len() > MAX_MESSAGE_LEN {
            return Err(Status::invalid_argument(format!(
                "messages have 1 to {MAX_MESSAGE_LEN} bytes"
            )));
        }
        let media = (!r.media_id.is_empty()).then_some(r.media_id.as_str());
        let id = store::message_user(&self.db, &self.notifier, &r.user_id, &r.text, media)
            .await
            .map_err(|e| match e {
                // The foreign key on users: unknown user.
                AppError::Internal(_) => Status::not_found(format!("cannot message user {}", r.user_id)),
                other => status(other),
            })?;
        Ok(Response::new(pb::SendUserMessageResponse { id }))
    }

    async fn refresh_user(
        &self,
        req: Request<pb::RefreshUserRequest>,
    ) -> Result<Response<pb::RefreshUserResponse>, Status> {
        self.notifier.emit(Notice::OrganizerRefresh {
            user: UserId(req.into_inner().user_id),
        });
        Ok(Response::new(pb::RefreshUserResponse {}))
    }

    async fn kv_get(&self, req: Request<pb::KvGetRequest>) -> Result<Response<pb::KvGetResponse>, Status> {
        let plugin = self.plugin().await?;
        let key = req.into_inner().key;
        Self::key(&key)?;
        let v = self
            .db
            .run(move |c| store::kv_get(c, &plugin, &key))
            .await
            .map_err(status)?;
        Ok(Response::new(pb::KvGetResponse {
            found: v.is_some(),
            value: v.unwrap_or_default(),
        }))
    }

    async fn kv_set(&self, req: Request<pb::KvSetRequest>) -> Result<Response<pb::KvSetResponse>, Status> {
        let plugin = self.plugin().await?;
        let r = req.into_inner();
        Self::key(&r.key)?;
        if r.value.len() > MAX_VALUE_LEN {
            return Err(Status::invalid_argument(format!(
                "values have at most {MAX_VALUE_LEN} bytes"
            )));
        }
        self.db
            .run(move |c| store::kv_set(c, &plugin, &r.key, &r.value))
            .await
            .map_err(status)?;
        Ok(Response::new(pb::KvSetResponse {}))
    }

    async fn kv_delete(&self, req: Request<pb::KvDeleteRequest>) -> Result<Response<pb::KvDeleteResponse>, Status> {
        let plugin = self.plugin().await?;
        let key = req.into_inner().key;
        Self::key(&key)?;
        let existed = self
            .db
            .run(move |c| store::kv_delete(c, &plugin, &key))
            .await
            .map_err(status)?;
        Ok(Response::new(pb::KvDeleteResponse { existed }))
    }

    async fn kv_list(&self, req: Request<pb::KvListRequest>) -> Result<Response<pb::KvListResponse>, Status> {
        let plugin = self.plugin().await?;
        let prefix = req.into_inner().prefix;
        let rows = self
            .db
            .run(move |c| store::kv_list(c, &plugin, &prefix))
            .await
            .map_err(status)?;
        Ok(Response::new(pb::KvListResponse {
            entries: rows
                .into_iter()
                .map(|(key, value)| pb::KvEntry { key, value })
                .collect(),
        }))
    }
}
