//! What a session does for each client message: checks who may, then asks the database,
//! the media operations or the room. Every failure becomes an `error` reply.

use super::UserSession;
use crate::access::{self, Action};
use crate::db::{comments as cq, queries};
use crate::error::{AppError, AppResult};
use crate::media_ops;
use crate::room::actor::{Command, Join, Leave, Room, RoomCmd};
use crate::room::hub::GetRoom;
use crate::room::CommentDraft;
use actix::prelude::*;
use dailies_protocol::{ClientMsg, MediaId, ServerMsg};
use std::future::Future;
use std::time::Duration;

impl UserSession {
    /// Runs `fut` with the session paused (so requests are answered in order) and hands
    /// the value to `then`, or replies with the error.
    fn run<T, F>(
        &mut self,
        request: &'static str,
        fut: F,
        ctx: &mut Context<Self>,
        then: impl FnOnce(&mut Self, T, &mut Context<Self>) + 'static,
    ) where
        T: 'static,
        F: Future<Output = AppResult<T>> + 'static,
    {
        fut.into_actor(self)
            .map(move |res, act, ctx| match res {
                Ok(v) => then(act, v, ctx),
                Err(e) => act.send_app_error(e, request, ctx),
            })
            .wait(ctx);
    }

    /// Whether no earlier room request of this session is still on its way to its room.
    fn rooms_idle(&mut self) -> bool {
        match self.room_tail.as_mut().map(|t| t.try_recv()) {
            Some(Err(tokio::sync::oneshot::error::TryRecvError::Empty)) => false,
            _ => {
                self.room_tail = None;
                true
            }
        }
    }

    /// Sends `cmd` to the room `find` answers, after this session's earlier room requests
    /// reached theirs, without pausing the session: a comment waiting for the organizer's
    /// verdict holds up the session's later room requests (so rooms see them in the order
    /// sent) but not its pings, listings or pages. Only the way to the room is ordered;
    /// rooms run their commands in mailbox order.
    fn room_request<F>(
        &mut self,
        request: &'static str,
        client_ref: Option<String>,
        find: F,
        cmd: RoomCmd,
        ctx: &mut Context<Self>,
    ) where
        F: Future<Output = AppResult<Addr<Room>>> + 'static,
    {
        let before = if self.rooms_idle() { None } else { self.room_tail.take() };
        let (sent, tail) = tokio::sync::oneshot::channel::<()>();
        self.room_tail = Some(tail);
        let command = Command {
            session_id: self.id,
            user: self.user.clone(),
            cmd,
        };
        async move {
            if let Some(b) = before {
                // An error only means the earlier request was dropped with the session.
                let _ = b.await;
            }
            let room = find.await;
            // `send` puts the command in the room's mailbox at once: the next request may go.
            let reply = room.map(|r| r.send(command));
            drop(sent);
            reply?
                .await
                .map_err(|_| AppError::Unavailable("the room closed".into()))?
        }
        .into_actor(self)
        .map(move |res, act, ctx| {
            if let Err(e) = res {
                act.send_app_error_for(e, request, client_ref, ctx);
            }
        })
        .spawn(ctx);
    }

    /// Sends a command to a joined room (live traffic): at once when nothing of this
    /// session is on its way to a room, else after it.
    fn send_to_room(&mut self, request: &'static str, media_id: &MediaId, cmd: RoomCmd, ctx: &mut Context<Self>) {
        let Some(room) = self.rooms.get(media_id).cloned() else {
            self.send_app_error(AppError::BadRequest("join the room first".into()), request, ctx);
            return;
        };
        if !self.rooms_idle() {
            self.room_request(request, None, async move { Ok(room) }, cmd, ctx);
            return;
        }
        room.send(Command {
            session_id: self.id,
            user: self.user.clone(),
            cmd,
        })
        .into_actor(self)
        .map(move |res, act, ctx| match res {
            Ok(Ok(())) => {}
            Ok(Err(e)) => act.send_app_error(e, request, ctx),
            Err(_) => act.send_app_error(AppError::Unavailable("the room closed".into()), request, ctx),
        })
        .spawn(ctx);
    }

    pub(super) fn handle_msg(&mut self, msg: ClientMsg, ctx: &mut Context<Self>) {
        let request = msg.type_name();
        if self.user.id.starts_with(access::GUEST_PREFIX) && !guest_may_send(&msg) {
            let e = AppError::Forbidden("a guest of a review link may not do this".into());
            self.send_app_error(e, request, ctx);
            return;
        }
        let state = self.state.clone();
        let user = self.user.clone();
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
                let fut = async move {
                    let uid = user.id.0.clone();
                    let guest = access::guest_session(&user);
                    let rows = state
                        .db
                        .run(move |c| match guest {
                            // A guest's library is the link's media.
                            Some(g) => match crate::db::sharing::grant_by_session(c, g)? {
                                Some(grant) => match &grant.link.media_id {
                                    Some(key) => Ok(crate::db::versions::newest(c, key)?.into_iter().collect()),
                                    None => crate::organizer::store::media_by_ids(c, &grant.items),
                                },
                                None => Ok(Vec::new()),
                            },
                            None => queries::list_media_of(c, &uid),
                        })
                        .await?;
                    let rows = access::visible(&state, &user, rows).await;
                    state.db.run(move |c| crate::db::versions::library(c, rows)).await
                };
                self.run(request, fut, ctx, |act, items, ctx| {
                    act.send(&ServerMsg::MediaList { items }, ctx);
                });
            }
            ClientMsg::RenameMedia { media_id, title } => {
                let u = user.clone();
                let fut = async move { media_ops::rename(&state, &u, &media_id, &title).await };
                self.run(request, fut, ctx, move |act, m, ctx| {
                    // The owner hears of it through the hub; someone else (an admin) here.
                    if m.owner_id != user.id {
                        act.send(&ServerMsg::MediaUpdated { media: m.to_info() }, ctx);
                    }
                });
            }
            ClientMsg::DeleteMedia { media_id } => {
                let u = user.clone();
                let mid = media_id.clone();
                let fut = async move {
                    let m = access::media_for(&state, &u, &mid, Action::Delete).await?;
                    media_ops::delete(&state, &u, &mid).await.map(|_| m)
                };
                self.run(request, fut, ctx, move |act, m, ctx| {
                    if m.owner_id != user.id {
                        act.send(&ServerMsg::MediaRemoved { media_id }, ctx);
                    }
                });
            }
            ClientMsg::JoinRoom { media_id, since_seq } => self.join_room(media_id, since_seq, ctx),
            ClientMsg::LeaveRoom { media_id } => {
                // Left at once for what follows; the room hears it after the requests sent
                // to it before.
                if let Some(room) = self.rooms.remove(&media_id) {
                    let sid = self.id;
                    if self.rooms_idle() {
                        room.do_send(Leave { session_id: sid });
                    } else if let Some(before) = self.room_tail.take() {
                        let (sent, tail) = tokio::sync::oneshot::channel::<()>();
                        self.room_tail = Some(tail);
                        actix::spawn(async move {
                            let _ = before.await;
                            room.do_send(Leave { session_id: sid });
                            drop(sent);
                        });
                    }
                }
            }
            ClientMsg::AddComment {
                media_id,
                text,
                frame,
                end_frame,
                parent_id,
                drawing,
                client_ref,
                subtitle_cue,
            } => {
                let Some(room) = self.rooms.get(&media_id).cloned() else {
                    let e = AppError::BadRequest("join the room first".into());
                    self.send_app_error_for(e, request, client_ref, ctx);
                    return;
                };
                let cref = client_ref.clone();
                let bytes = comment_bytes(&text, &drawing);
                let cmd = RoomCmd::AddComment(CommentDraft {
                    text,
                    frame,
                    end_frame,
                    parent_id,
                    drawing,
                    client_ref,
                    via_plugin: None,
                    subtitle_cue,
                });
                let find = async move {
                    access::media_for(&state, &user, &media_id, Action::Comment).await?;
                    state.space.spend_comment(&user.id, bytes).await?;
                    Ok(room)
                };
                self.room_request(request, cref, find, cmd, ctx);
            }
            ClientMsg::EditComment {
                comment_id,
                text,
                drawing,
            } => self.comment_cmd(
                request,
                Some("edit_comment"),
                comment_id.0,
                comment_bytes(&text, &drawing),
                RoomCmd::EditComment {
                    comment_id,
                    text,
                    drawing,
                },
                ctx,
            ),
            ClientMsg::DeleteComment { comment_id } => self.comment_cmd(
                request,
                Some("delete_comment"),
                comment_id.0,
                0,
                RoomCmd::DeleteComment { comment_id },
                ctx,
            ),
            ClientMsg::ResolveComment { comment_id, resolved } => self.comment_cmd(
                request,
                None,
                comment_id.0,
                0,
                RoomCmd::ResolveComment { comment_id, resolved },
                ctx,
            ),
            ClientMsg::LoadComments { media_id, before } => {
                self.send_to_room(request, &media_id, RoomCmd::LoadComments { before }, ctx)
            }
            ClientMsg::RoomEventsAck { media_id, seq } => {
                self.send_to_room(request, &media_id, RoomCmd::CatchUpAck { seq }, ctx)
            }
            ClientMsg::SessionJoin { media_id } => {
                let Some(room) = self.rooms.get(&media_id).cloned() else {
                    self.send_app_error(AppError::BadRequest("join the room first".into()), request, ctx);
                    return;
                };
                // Joining the live session is an action of its own: a plugin may refuse it to
                // someone who may view and comment.
                let find = async move {
                    access::media_for(&state, &user, &media_id, Action::JoinSession).await?;
                    Ok(room)
                };
                self.room_request(request, None, find, RoomCmd::SessionJoin, ctx);
            }
            ClientMsg::SessionLeave { media_id } => self.send_to_room(request, &media_id, RoomCmd::SessionLeave, ctx),
            ClientMsg::SessionControl {
                media_id,
                control: dailies_protocol::CollabAction::Goto { playlist_id, index },
            } => self.goto(request, media_id, playlist_id, index, ctx),
            ClientMsg::SessionControl {
                media_id,
                control: dailies_protocol::CollabAction::Compare { view: Some(view) },
            } => self.compare(request, media_id, view, ctx),
            ClientMsg::SessionControl { media_id, control } => {
                self.send_to_room(request, &media_id, RoomCmd::Control(control), ctx)
            }
            ClientMsg::LiveStroke { media_id, shape } => {
                self.send_to_room(request, &media_id, RoomCmd::LiveStroke(shape), ctx)
            }
            ClientMsg::LiveClear { media_id, all } => {
                self.send_to_room(request, &media_id, RoomCmd::LiveClear { all }, ctx)
            }
            ClientMsg::RequestLead { media_id } => self.send_to_room(request, &media_id, RoomCmd::RequestLead, ctx),
            ClientMsg::GrantLead { media_id, session_id } => self.send_to_room(
                request,
                &media_id,
                RoomCmd::AnswerLead {
                    to: session_id,
                    grant: true,
                },
                ctx,
            ),
            ClientMsg::DeclineLead { media_id, session_id } => self.send_to_room(
                request,
                &media_id,
                RoomCmd::AnswerLead {
                    to: session_id,
                    grant: false,
                },
                ctx,
            ),
            ClientMsg::Laser { media_id, x, y } => self.send_to_room(request, &media_id, RoomCmd::Laser { x, y }, ctx),
            ClientMsg::ListMessages {} => {
                let fut = async move {
                    state
                        .db
                        .run(move |c| queries::list_user_messages(c, user.id.as_str(), 200))
                        .await
                };
                self.run(request, fut, ctx, |act, (rows, unseen), ctx| {
                    let items = rows.iter().map(|r| r.to_wire()).collect();
                    act.send(
                        &ServerMsg::UserMessages {
                            items,
                            unseen: unseen as u32,
                        },
                        ctx,
                    );
                });
            }
            ClientMsg::MarkMessagesSeen { ids } => {
                if ids.len() > 10_000 {
                    self.send_app_error(AppError::BadRequest("at most 10000 ids at once".into()), request, ctx);
                    return;
                }
                let fut = async move {
                    state
                        .db
                        .run(move |c| {
                            let changed = queries::mark_seen(c, user.id.as_str(), &ids)?;
                            Ok((changed, queries::count_unseen(c, user.id.as_str())?))
                        })
                        .await
                };
                self.run(request, fut, ctx, |act, (ids, unseen), ctx| {
                    act.send(
                        &ServerMsg::MessagesSeen {
                            ids,
                            unseen: unseen as u32,
                        },
                        ctx,
                    );
                });
            }
            // Not paused: a slow plugin must not hold up the session (the answer is bounded
            // by the organizer timeout anyway).
            ClientMsg::OrganizerPage { path } => {
                let reply = super::organizer::page(state, user, path);
                reply
                    .into_actor(self)
                    .map(|msg, act, ctx| act.send(&msg, ctx))
                    .spawn(ctx);
            }
            ClientMsg::OrganizerCommand {
                name,
                args,
                path,
                client_ref,
            } => {
                let reply = super::organizer::command(state, user, name, args, path, client_ref);
                reply
                    .into_actor(self)
                    .map(|msg, act, ctx| act.send(&msg, ctx))
                    .spawn(ctx);
            }
        }
    }

    /// Edit and delete name only the comment: find its media, which must be a joined room.
    /// Sends an edit or delete to the room of the comment; `bytes` of new text and drawing
    /// count against the user's daily comment volume.
    /// A command on a comment of a joined room; `action` (edit_comment, delete_comment) is
    /// asked of the organizer plugin too, about the comment.
    fn comment_cmd(
        &mut self,
        request: &'static str,
        action: Option<&'static str>,
        comment_id: i64,
        bytes: u64,
        cmd: RoomCmd,
        ctx: &mut Context<Self>,
    ) {
        let state = self.state.clone();
        let who = self.user.clone();
        let user = self.user.id.clone();
        let rooms: Vec<_> = self.rooms.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let find = async move {
            // A missing comment and one in a room the user has not joined (perhaps one they
            // may not see) get the same answer, so ids of others' comments cannot be probed.
            let unknown = || AppError::NotFound("no such comment in the rooms you joined".into());
            let comment = state
                .db
                .run(move |c| cq::get(c, comment_id))
                .await?
                .ok_or_else(unknown)?;
            let room = rooms
                .into_iter()
                .find(|(m, _)| *m == comment.media_id)
                .map(|(_, r)| r)
                .ok_or_else(unknown)?;
            if let Some(action) = action.filter(|_| !comment.deleted) {
                access::comment_action(&state, &who, &comment, action).await?;
            }
            if bytes > 0 {
                state.space.spend_comment(&user, bytes).await?;
            }
            Ok(room)
        };
        self.room_request(request, None, find, cmd, ctx);
    }

    /// A playlist move: the item is resolved and checked here (the caller may view the
    /// playlist and the item's media), then the room moves its session.
    fn goto(
        &mut self,
        request: &'static str,
        media_id: MediaId,
        playlist_id: dailies_protocol::PlaylistId,
        index: i64,
        ctx: &mut Context<Self>,
    ) {
        let Some(room) = self.rooms.get(&media_id).cloned() else {
            self.send_app_error(AppError::BadRequest("join the room first".into()), request, ctx);
            return;
        };
        let (state, user, sid) = (self.state.clone(), self.user.clone(), self.id);
        async move {
            let to = crate::playlists::item_for_session(&state, &user, &playlist_id, index).await?;
            let cursor = dailies_protocol::PlaylistCursor { playlist_id, index };
            let cmd = RoomCmd::Goto {
                to: Box::new(to),
                cursor,
            };
            room.send(Command {
                session_id: sid,
                user,
                cmd,
            })
            .await
            .map_err(|_| AppError::Unavailable("the room closed".into()))?
        }
        .into_actor(self)
        .map(move |res, act, ctx| {
            if let Err(e) = res {
                act.send_app_error(e, request, ctx);
            }
        })
        .spawn(ctx);
    }

    /// A compare view in a live session: the other media must be one the caller may view
    /// (everyone in the session is shown it), then the room takes the control.
    fn compare(
        &mut self,
        request: &'static str,
        media_id: MediaId,
        view: dailies_protocol::CompareView,
        ctx: &mut Context<Self>,
    ) {
        let Some(room) = self.rooms.get(&media_id).cloned() else {
            self.send_app_error(AppError::BadRequest("join the room first".into()), request, ctx);
            return;
        };
        let (state, user, sid) = (self.state.clone(), self.user.clone(), self.id);
        async move {
            access::media_for(&state, &user, &view.other, Action::View).await?;
            let cmd = RoomCmd::Control(dailies_protocol::CollabAction::Compare { view: Some(view) });
            room.send(Command {
                session_id: sid,
                user,
                cmd,
            })
            .await
            .map_err(|_| AppError::Unavailable("the room closed".into()))?
        }
        .into_actor(self)
        .map(move |res, act, ctx| {
            if let Err(e) = res {
                act.send_app_error(e, request, ctx);
            }
        })
        .spawn(ctx);
    }

    fn join_room(&mut self, media_id: MediaId, since_seq: Option<i64>, ctx: &mut Context<Self>) {
        if let Some(old) = self.rooms.remove(&media_id) {
            old.do_send(Leave { session_id: self.id });
        }
        let state = self.state.clone();
        let user = self.user.clone();
        let sid = self.id;
        let recipient = ctx.address().recipient();
        let fut = async move {
            let (media, access) = access::media_and_level(&state, &user, &media_id, Action::View).await?;
            let media = state.db.run(move |c| crate::db::versions::info(c, &media)).await?;
            // A room that just emptied may be stopping: ask the hub again for its successor.
            for attempt in 0..20 {
                let room = state
                    .hub
                    .send(GetRoom { media: media.clone() })
                    .await
                    .map_err(AppError::internal)?;
                let join = Join {
                    session_id: sid,
                    user: user.clone(),
                    recipient: recipient.clone(),
                    media: media.clone(),
                    since_seq,
                    access,
                };
                match room.send(join).await {
                    Ok(res) => return res.map(|msgs| (room, msgs)),
                    Err(_) => tokio::time::sleep(Duration::from_millis(5 * (attempt + 1))).await,
                }
            }
            Err(AppError::Unavailable("the room could not be opened, try again".into()))
        };
        self.run("join_room", fut, ctx, |act, (room, msgs), ctx| {
            if let Some(ServerMsg::RoomJoined { media, .. }) = msgs.first() {
                act.rooms.insert(media.id.clone(), room);
            }
            for m in &msgs {
                act.send(m, ctx);
            }
        });
    }
}

/// What a guest's socket may carry: the room of the link's media (each request is still
/// checked against the link), pings, its one-item library and its empty inbox.
fn guest_may_send(msg: &ClientMsg) -> bool {
    !matches!(
        msg,
        ClientMsg::RenameMedia { .. }
            | ClientMsg::DeleteMedia { .. }
            | ClientMsg::OrganizerPage { .. }
            | ClientMsg::OrganizerCommand { .. }
    )
}

/// What a comment's text and drawing weigh against the daily comment volume.
fn comment_bytes(text: &str, drawing: &Option<dailies_protocol::Drawing>) -> u64 {
    let d = drawing
        .as_ref()
        .and_then(|d| serde_json::to_vec(d).ok())
        .map_or(0, |v| v.len());
    (text.len() + d) as u64
}
