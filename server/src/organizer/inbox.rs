//! `OrganizerInbox`: the gRPC service the plugin calls back, on `data/organizer/inbox.sock`
//! (mode 0600 in a 0700 directory). Every call must carry the token of the handshake.

use super::{convert, store};
use crate::db::Db;
use crate::error::AppError;
use crate::notice::{Notice, Notifier};
use crate::state::AppState;
use dailies_protocol::{CommentId, MediaId, ReviewStatus, UserInfo};
use dailies_protocol::{ServerMsg, UserId};
use organizer_sdk::pb::{self, organizer_inbox_server::OrganizerInboxServer};
use organizer_sdk::transport::{Address, Listener};
use std::path::Path;
use std::sync::{Arc, OnceLock};
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
    app: Arc<OnceLock<AppState>>,
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
    let svc = OrganizerInboxServer::with_interceptor(
        Inbox {
            db,
            notifier,
            plugin,
            app,
        },
        move |req: Request<()>| match req.metadata().get("authorization") {
            Some(v) if v == expected => Ok(req),
            _ => Err(Status::unauthenticated(
                "missing or wrong inbox token (see the handshake)",
            )),
        },
    );
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
    /// The server, for the writes that go through the same paths as a user's (set once it
    /// is built: the inbox starts before it).
    app: Arc<OnceLock<AppState>>,
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

    fn app(&self) -> Result<&AppState, Status> {
        self.app
            .get()
            .ok_or_else(|| Status::unavailable("the server is still starting"))
    }

    /// Whom a write acts as: the user the plugin speaks for (who must exist, and gets
    /// exactly their own rights), or the plugin itself as `organizer:<name>`, with an
    /// admin's rights when `admin` (to comment anywhere, set titles and statuses), else
    /// none beyond its own comments. Answers the user and the plugin's name.
    async fn actor(&self, as_user: &str, admin: bool) -> Result<(UserInfo, String), Status> {
        let plugin = self.plugin().await?;
        if as_user.is_empty() {
            let me = UserInfo {
                id: UserId(format!("{}{plugin}", crate::access::PLUGIN_PREFIX)),
                name: plugin.clone(),
                is_admin: false,
            };
            let row = me.clone();
            self.db
                .run(move |c| crate::db::queries::upsert_user(c, &row))
                .await
                .map_err(status)?;
            return Ok((UserInfo { is_admin: admin, ..me }, plugin));
        }
        if as_user.starts_with(crate::access::GUEST_PREFIX) || as_user.starts_with(crate::access::PLUGIN_PREFIX) {
            return Err(Status::invalid_argument(format!(
                "{as_user:?} is not a user the plugin can speak for"
            )));
        }
        let ids = vec![as_user.to_string()];
        let rows = self.db.run(move |c| store::users(c, &ids)).await.map_err(status)?;
        let u = rows
            .first()
            .ok_or_else(|| Status::not_found(format!("no user {as_user}")))?;
        Ok((
            UserInfo {
                id: u.id.clone(),
                name: u.name.clone(),
                is_admin: u.is_admin,
            },
            plugin,
        ))
    }

    /// Runs a comment command in the media's room as `user`: committed and broadcast as a
    /// member's would be.
    async fn in_room(
        &self,
        user: UserInfo,
        media_id: &MediaId,
        cmd: crate::room::actor::RoomCmd,
    ) -> Result<(), Status> {
        let app = self.app()?;
        let mid = media_id.0.clone();
        let media = app
            .db
            .run(move |c| crate::db::queries::get_media(c, &mid))
            .await
            .map_err(status)?
            .ok_or_else(|| Status::not_found("no such media"))?;
        let room = app
            .hub
            .send(crate::room::hub::GetRoom { media: media.to_info() })
            .await
            .map_err(|e| Status::unavailable(format!("rooms: {e}")))?;
        room.send(crate::room::actor::Act { user, cmd })
            .await
            .map_err(|_| Status::unavailable("the room closed: try again"))?
            .map_err(status)
    }

    /// The comment, when `user` may do `action` to it (the same check as their own request).
    async fn comment_for(
        &self,
        user: &UserInfo,
        id: i64,
        action: &'static str,
    ) -> Result<dailies_protocol::Comment, Status> {
        let c = self
            .db
            .run(move |c| crate::db::comments::get(c, id))
            .await
            .map_err(status)?
            .filter(|c| !c.deleted)
            .ok_or_else(|| Status::not_found(format!("no comment {id}")))?;
        crate::access::comment_action(self.app()?, user, &c, action)
            .await
            .map_err(status)?;
        Ok(c)
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

    async fn add_comment(&self, req: Request<pb::AddCommentRequest>) -> Result<Response<pb::Comment>, Status> {
        let r = req.into_inner();
        let (user, plugin) = self.actor(&r.as_user_id, true).await?;
        let app = self.app()?;
        let media_id = MediaId(r.media_id.clone());
        crate::access::media_for(app, &user, &media_id, crate::access::Action::Comment)
            .await
            .map_err(status)?;
        let bytes = (r.text.len()) as u64;
        app.space.spend_comment(&user.id, bytes).await.map_err(status)?;
        // The reference finds the comment again once the room committed it.
        let client_ref = format!("organizer-{}", uuid::Uuid::new_v4().simple());
        let draft = crate::room::comments::CommentDraft {
            text: r.text,
            frame: r.frame,
            end_frame: None,
            parent_id: (r.parent_id > 0).then_some(CommentId(r.parent_id)),
            drawing: None,
            client_ref: Some(client_ref.clone()),
            via_plugin: Some(plugin),
            subtitle_cue: None,
        };
        let uid = user.id.0.clone();
        self.in_room(user, &media_id, crate::room::actor::RoomCmd::AddComment(draft))
            .await?;
        let mid = media_id.0.clone();
        let found = self
            .db
            .run(move |c| crate::db::comments::by_client_ref(c, &mid, &uid, &client_ref))
            .await
            .map_err(status)?
            .ok_or_else(|| Status::internal("the comment was stored but cannot be read back"))?;
        Ok(Response::new(convert::comment(&found.0)))
    }

    async fn edit_comment(&self, req: Request<pb::EditCommentRequest>) -> Result<Response<pb::Comment>, Status> {
        let r = req.into_inner();
        let (user, _) = self.actor(&r.as_user_id, false).await?;
        let comment = self.comment_for(&user, r.comment_id, "edit_comment").await?;
        let cmd = crate::room::actor::RoomCmd::EditComment {
            comment_id: comment.id,
            text: r.text,
            drawing: comment.drawing.clone(),
        };
        self.in_room(user, &comment.media_id, cmd).await?;
        let id = r.comment_id;
        let c = self
            .db
            .run(move |c| crate::db::comments::get(c, id))
            .await
            .map_err(status)?
            .ok_or_else(|| Status::not_found("no such comment"))?;
        Ok(Response::new(convert::comment(&c)))
    }

    async fn delete_comment(
        &self,
        req: Request<pb::DeleteCommentRequest>,
    ) -> Result<Response<pb::DeleteCommentResponse>, Status> {
        let r = req.into_inner();
        let (user, _) = self.actor(&r.as_user_id, false).await?;
        let comment = self.comment_for(&user, r.comment_id, "delete_comment").await?;
        let cmd = crate::room::actor::RoomCmd::DeleteComment { comment_id: comment.id };
        self.in_room(user, &comment.media_id, cmd).await?;
        Ok(Response::new(pb::DeleteCommentResponse {}))
    }

    async fn set_media_title(&self, req: Request<pb::SetMediaTitleRequest>) -> Result<Response<pb::Media>, Status> {
        let r = req.into_inner();
        let (user, _) = self.actor(&r.as_user_id, true).await?;
        let m = crate::media_ops::rename(self.app()?, &user, &MediaId(r.media_id), &r.title)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::media(&m)))
    }

    async fn set_review_status(
        &self,
        req: Request<pb::SetReviewStatusRequest>,
    ) -> Result<Response<pb::StatusView>, Status> {
        let r = req.into_inner();
        let st = ReviewStatus::parse(&r.status).ok_or_else(|| {
            Status::invalid_argument(format!(
                "unknown review status {:?}: needs_review, in_progress, changes_requested or approved",
                r.status
            ))
        })?;
        let (user, _) = self.actor(&r.as_user_id, true).await?;
        let id = MediaId(r.media_id.clone());
        let v = crate::sharing::set_status(self.app()?, &user, &id, st)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::status_view(&r.media_id, &v)))
    }

    async fn get_sharing(&self, req: Request<pb::GetSharingRequest>) -> Result<Response<pb::ShareList>, Status> {
        let mid = req.into_inner().media_id;
        let m = mid.clone();
        let (media, users) = self
            .db
            .run(move |c| {
                let media =
                    crate::db::queries::get_media(c, &m)?.ok_or_else(|| AppError::NotFound(format!("no media {m}")))?;
                Ok((media, crate::db::sharing::shares(c, &m)?))
            })
            .await
            .map_err(status)?;
        let s = dailies_protocol::Sharing {
            link_access: media.link_access,
            users,
        };
        Ok(Response::new(convert::sharing(&mid, &s)))
    }

    async fn get_review_status(
        &self,
        req: Request<pb::GetReviewStatusRequest>,
    ) -> Result<Response<pb::StatusView>, Status> {
        let mid = req.into_inner().media_id;
        let m = mid.clone();
        let v = self
            .db
            .run(move |c| {
                let media =
                    crate::db::queries::get_media(c, &m)?.ok_or_else(|| AppError::NotFound(format!("no media {m}")))?;
                Ok(dailies_protocol::StatusView {
                    status: media.review_status,
                    history: crate::db::sharing::history(c, &m, 200)?,
                })
            })
            .await
            .map_err(status)?;
        Ok(Response::new(convert::status_view(&mid, &v)))
    }

    async fn open_on_client(
        &self,
        req: Request<pb::OpenOnClientRequest>,
    ) -> Result<Response<pb::OpenOnClientResponse>, Status> {
        let r = req.into_inner();
        if r.user_id.is_empty() {
            return Err(Status::invalid_argument("name the user whose clients should open it"));
        }
        let msg = match (r.media_id.is_empty(), r.path.is_empty()) {
            (false, true) => {
                let (user, _) = self.actor(&r.user_id, true).await?;
                if r.frame < 0 {
                    return Err(Status::invalid_argument("frames start at 0"));
                }
                // Only what the user may open: the same check as their own request.
                let id = MediaId(r.media_id.clone());
                crate::access::media_for(self.app()?, &user, &id, crate::access::Action::View)
                    .await
                    .map_err(status)?;
                ServerMsg::OrganizerOpen {
                    media_id: Some(id),
                    frame: (r.frame > 0).then_some(r.frame),
                    path: None,
                }
            }
            (true, false) => {
                if !r.path.starts_with('/') || r.path.len() > 2000 || r.path.chars().any(char::is_control) {
                    return Err(Status::invalid_argument(
                        "a page path starts with / and has no control characters",
                    ));
                }
                self.actor(&r.user_id, true).await?;
                ServerMsg::OrganizerOpen {
                    media_id: None,
                    frame: None,
                    path: Some(r.path),
                }
            }
            _ => return Err(Status::invalid_argument("give either media_id or path")),
        };
        let sessions = self
            .app()?
            .hub
            .send(crate::room::hub::ToUserCounted {
                user: UserId(r.user_id),
                msg,
            })
            .await
            .map_err(|e| Status::unavailable(format!("hub: {e}")))?;
        Ok(Response::new(pb::OpenOnClientResponse { sessions }))
    }
}
