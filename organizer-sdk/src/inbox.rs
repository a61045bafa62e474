//! `Inbox`: the typed client of the server's `OrganizerInbox`, what a plugin calls to read
//! media, comments and users, to act, and to keep its own data.

use crate::pb::{self, organizer_inbox_client::OrganizerInboxClient};
use crate::transport::{self, Address, BoxError};
use serde::{de::DeserializeOwned, Serialize};
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::Channel;
use tonic::{Request, Status};

/// A cheap-to-clone handle on the server's inbox.
#[derive(Clone)]
pub struct Inbox {
    client: OrganizerInboxClient<Channel>,
    auth: MetadataValue<Ascii>,
}

impl Inbox {
    /// A client for the inbox at `address` (from the handshake), authenticated by `token`.
    /// Connects on first use.
    pub fn connect_lazy(address: &str, token: &str) -> Result<Inbox, BoxError> {
        let channel = transport::connect_lazy(&Address::parse(address)?)?;
        let auth = format!("Bearer {token}").parse().map_err(|_| "invalid inbox token")?;
        Ok(Inbox {
            client: OrganizerInboxClient::new(channel),
            auth,
        })
    }

    fn req<T>(&self, msg: T) -> Request<T> {
        let mut r = Request::new(msg);
        r.metadata_mut().insert("authorization", self.auth.clone());
        r
    }

    /// Media by id; unknown ids are left out.
    pub async fn media<I, S>(&self, ids: I) -> Result<Vec<pb::Media>, Status>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let ids = ids.into_iter().map(Into::into).collect();
        let r = self
            .client
            .clone()
            .get_media(self.req(pb::GetMediaRequest { ids }))
            .await?;
        Ok(r.into_inner().items)
    }

    /// Everything `owner_id` owns, newest first.
    pub async fn media_by_owner(&self, owner_id: &str) -> Result<Vec<pb::Media>, Status> {
        let msg = pb::ListMediaByOwnerRequest {
            owner_id: owner_id.into(),
        };
        Ok(self
            .client
            .clone()
            .list_media_by_owner(self.req(msg))
            .await?
            .into_inner()
            .items)
    }

    pub async fn comments(&self, media_id: &str) -> Result<Vec<pb::Comment>, Status> {
        let msg = pb::ListCommentsRequest {
            media_id: media_id.into(),
        };
        Ok(self
            .client
            .clone()
            .list_comments(self.req(msg))
            .await?
            .into_inner()
            .items)
    }

    /// Every user the server has seen.
    pub async fn users(&self) -> Result<Vec<pb::User>, Status> {
        let msg = pb::ListUsersRequest { ids: vec![] };
        Ok(self.client.clone().list_users(self.req(msg)).await?.into_inner().items)
    }

    /// The users with these ids; ids the server has never seen are left out. No ids, no
    /// users (not everyone, as `ListUsers` with no ids would answer).
    pub async fn users_by_id<I, S>(&self, ids: I) -> Result<Vec<pb::User>, Status>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let msg = pb::ListUsersRequest { ids };
        Ok(self.client.clone().list_users(self.req(msg)).await?.into_inner().items)
    }

    /// Gives a media file to another user.
    pub async fn assign_media(&self, media_id: &str, new_owner_id: &str) -> Result<pb::Media, Status> {
        let msg = pb::AssignMediaRequest {
            media_id: media_id.into(),
            new_owner_id: new_owner_id.into(),
        };
        let r = self.client.clone().assign_media(self.req(msg)).await?.into_inner();
        r.media
            .ok_or_else(|| Status::internal("the server answered without the media"))
    }

    /// Stores a notification for `user_id` and pushes it live; answers its id.
    pub async fn send_user_message(&self, user_id: &str, text: &str, media_id: Option<&str>) -> Result<i64, Status> {
        let msg = pb::SendUserMessageRequest {
            user_id: user_id.into(),
            text: text.into(),
            media_id: media_id.unwrap_or_default().into(),
        };
        Ok(self
            .client
            .clone()
            .send_user_message(self.req(msg))
            .await?
            .into_inner()
            .id)
    }

    /// Makes `user_id`'s open sessions reload their organizer page.
    pub async fn refresh_user(&self, user_id: &str) -> Result<(), Status> {
        let msg = pb::RefreshUserRequest {
            user_id: user_id.into(),
        };
        self.client.clone().refresh_user(self.req(msg)).await?;
        Ok(())
    }

    /// Comments on a media as `as_user` (who must be allowed to comment), or as the plugin
    /// itself when `None`; open rooms see it at once, marked as written through the plugin
    /// (protocol 1.2).
    pub async fn add_comment(
        &self,
        media_id: &str,
        text: &str,
        frame: i64,
        parent_id: Option<i64>,
        as_user: Option<&str>,
    ) -> Result<pb::Comment, Status> {
        let msg = pb::AddCommentRequest {
            media_id: media_id.into(),
            text: text.into(),
            frame,
            parent_id: parent_id.unwrap_or(0),
            as_user_id: as_user.unwrap_or_default().into(),
        };
        Ok(self.client.clone().add_comment(self.req(msg)).await?.into_inner())
    }

    /// Edits a comment the plugin wrote, or one of `as_user`'s.
    pub async fn edit_comment(
        &self,
        comment_id: i64,
        text: &str,
        as_user: Option<&str>,
    ) -> Result<pb::Comment, Status> {
        let msg = pb::EditCommentRequest {
            comment_id,
            text: text.into(),
            as_user_id: as_user.unwrap_or_default().into(),
        };
        Ok(self.client.clone().edit_comment(self.req(msg)).await?.into_inner())
    }

    pub async fn delete_comment(&self, comment_id: i64, as_user: Option<&str>) -> Result<(), Status> {
        let msg = pb::DeleteCommentRequest {
            comment_id,
            as_user_id: as_user.unwrap_or_default().into(),
        };
        self.client.clone().delete_comment(self.req(msg)).await?;
        Ok(())
    }

    pub async fn set_media_title(
        &self,
        media_id: &str,
        title: &str,
        as_user: Option<&str>,
    ) -> Result<pb::Media, Status> {
        let msg = pb::SetMediaTitleRequest {
            media_id: media_id.into(),
            title: title.into(),
            as_user_id: as_user.unwrap_or_default().into(),
        };
        Ok(self.client.clone().set_media_title(self.req(msg)).await?.into_inner())
    }

    /// `status`: needs_review, in_progress, changes_requested or approved.
    pub async fn set_review_status(
        &self,
        media_id: &str,
        status: &str,
        as_user: Option<&str>,
    ) -> Result<pb::StatusView, Status> {
        let msg = pb::SetReviewStatusRequest {
            media_id: media_id.into(),
            status: status.into(),
            as_user_id: as_user.unwrap_or_default().into(),
        };
        Ok(self.client.clone().set_review_status(self.req(msg)).await?.into_inner())
    }

    /// Who the media is shared with, and its link access.
    pub async fn sharing(&self, media_id: &str) -> Result<pb::ShareList, Status> {
        let msg = pb::GetSharingRequest {
            media_id: media_id.into(),
        };
        Ok(self.client.clone().get_sharing(self.req(msg)).await?.into_inner())
    }

    /// The review status and its history, newest first.
    pub async fn review_status(&self, media_id: &str) -> Result<pb::StatusView, Status> {
        let msg = pb::GetReviewStatusRequest {
            media_id: media_id.into(),
        };
        Ok(self.client.clone().get_review_status(self.req(msg)).await?.into_inner())
    }

    /// Tells `user_id`'s open clients to open a media file at a frame; answers how many
    /// sessions were told.
    pub async fn open_media(&self, user_id: &str, media_id: &str, frame: i64) -> Result<u32, Status> {
        let msg = pb::OpenOnClientRequest {
            user_id: user_id.into(),
            media_id: media_id.into(),
            frame,
            path: String::new(),
        };
        Ok(self
            .client
            .clone()
            .open_on_client(self.req(msg))
            .await?
            .into_inner()
            .sessions)
    }

    /// Tells `user_id`'s open clients to open one of the plugin's pages.
    pub async fn open_page(&self, user_id: &str, path: &str) -> Result<u32, Status> {
        let msg = pb::OpenOnClientRequest {
            user_id: user_id.into(),
            path: path.into(),
            ..Default::default()
        };
        Ok(self
            .client
            .clone()
            .open_on_client(self.req(msg))
            .await?
            .into_inner()
            .sessions)
    }

    pub async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>, Status> {
        let r = self
            .client
            .clone()
            .kv_get(self.req(pb::KvGetRequest { key: key.into() }))
            .await?
            .into_inner();
        Ok(r.found.then_some(r.value))
    }

    pub async fn kv_set(&self, key: &str, value: impl Into<Vec<u8>>) -> Result<(), Status> {
        let msg = pb::KvSetRequest {
            key: key.into(),
            value: value.into(),
        };
        self.client.clone().kv_set(self.req(msg)).await?;
        Ok(())
    }

    /// Answers whether the key existed.
    pub async fn kv_delete(&self, key: &str) -> Result<bool, Status> {
        let msg = pb::KvDeleteRequest { key: key.into() };
        Ok(self.client.clone().kv_delete(self.req(msg)).await?.into_inner().existed)
    }

    /// Entries whose key starts with `prefix`, in key order.
    pub async fn kv_list(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, Status> {
        let msg = pb::KvListRequest { prefix: prefix.into() };
        let r = self.client.clone().kv_list(self.req(msg)).await?.into_inner();
        Ok(r.entries.into_iter().map(|e| (e.key, e.value)).collect())
    }

    /// `kv_get` of a JSON document.
    pub async fn kv_get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Status> {
        match self.kv_get(key).await? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Status::data_loss(format!("stored value of {key} is not valid: {e}"))),
        }
    }

    /// `kv_set` of a JSON document.
    pub async fn kv_set_json<T: Serialize>(&self, key: &str, value: &T) -> Result<(), Status> {
        let bytes = serde_json::to_vec(value).map_err(|e| Status::internal(e.to_string()))?;
        self.kv_set(key, bytes).await
    }
}
