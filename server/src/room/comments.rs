//! Comments in a room: the checks a draft must pass (pure, unit-tested) and the add, edit
//! and delete commands, each committed with its room event before anyone hears of it.

use super::actor::{Committed, Room};
use crate::db::comments as cq;
use crate::db::models::NewComment;
use crate::error::{AppError, AppResult};
use crate::notify::Event;
use actix::prelude::*;
use dailies_protocol::review::MAX_COMMENT_LEN;
use dailies_protocol::{Comment, CommentId, Drawing, RoomEvent, SubtitleCue, UserInfo};

/// A comment (or reply) a member adds, as sent, before the room checks it.
#[derive(Debug)]
pub struct CommentDraft {
    pub text: String,
    pub frame: i64,
    pub end_frame: Option<i64>,
    pub parent_id: Option<CommentId>,
    pub drawing: Option<Drawing>,
    pub client_ref: Option<String>,
    /// Sent through the organizer plugin's inbox (the plugin's name).
    pub via_plugin: Option<String>,
    /// The subtitle cue the author linked the comment to.
    pub subtitle_cue: Option<SubtitleCue>,
}

/// Trimmed text within the length limit.
pub fn check_text(text: &str) -> AppResult<String> {
    let t = text.trim();
    if t.chars().count() > MAX_COMMENT_LEN {
        return Err(AppError::BadRequest(format!(
            "a comment holds at most {MAX_COMMENT_LEN} characters"
        )));
    }
    Ok(t.to_string())
}

/// A valid drawing as stored JSON, or none for no shapes.
pub fn check_drawing(d: &Option<Drawing>) -> AppResult<Option<String>> {
    match d {
        None => Ok(None),
        Some(d) if d.shapes.is_empty() => Ok(None),
        Some(d) => {
            d.validate().map_err(AppError::BadRequest)?;
            serde_json::to_string(d).map(Some).map_err(AppError::internal)
        }
    }
}

/// Checks a draft against the media as the room knows it now (`last_frame` once probed):
/// answers the text and drawing to store.
pub fn check_draft(d: &CommentDraft, last_frame: Option<i64>) -> AppResult<(String, Option<String>)> {
    let text = check_text(&d.text)?;
    let drawing = check_drawing(&d.drawing)?;
    if text.is_empty() && drawing.is_none() {
        return Err(AppError::BadRequest("a comment needs text or a drawing".into()));
    }
    if d.frame < 0 || d.end_frame.is_some_and(|e| e < d.frame) {
        return Err(AppError::BadRequest(
            "frames must satisfy 0 <= frame <= end_frame".into(),
        ));
    }
    // Replies take their parent's frame, so only top-level comments are bounded here.
    if let Some(last) = last_frame.filter(|l| *l >= 0 && d.parent_id.is_none()) {
        if d.frame > last || d.end_frame.is_some_and(|e| e > last) {
            return Err(AppError::BadRequest(format!("the media has frames 0 to {last}")));
        }
    }
    if d.client_ref
        .as_ref()
        .is_some_and(|r| r.len() > dailies_protocol::MAX_CLIENT_REF)
    {
        let limit = dailies_protocol::MAX_CLIENT_REF;
        return Err(AppError::BadRequest(format!("client_ref is at most {limit} bytes")));
    }
    if let Some(cue) = &d.subtitle_cue {
        cue.validate().map_err(AppError::BadRequest)?;
    }
    Ok((text, drawing))
}

/// Someone may change a comment only as its author or an admin; a missing or deleted
/// comment and one of another media look the same.
fn owned_comment(c: &mut crate::db::Conn, id: CommentId, mid: &str, user: &UserInfo) -> AppResult<Comment> {
    let comment = cq::get(c, id.0)?
        .filter(|x| x.media_id.0 == mid && !x.deleted)
        .ok_or_else(|| AppError::NotFound("no such comment".into()))?;
    if comment.user_id != user.id && !user.is_admin {
        return Err(AppError::Forbidden(
            "only its author or an admin may change a comment".into(),
        ));
    }
    Ok(comment)
}

impl Room {
    /// Adds a comment, unless the same sender already added one with the same `client_ref`
    /// in the last day: then the sender alone gets that comment's event again (a client
    /// retrying after a lost answer must not make a second comment). The check is part of
    /// the comment's own transaction: no extra trip to the database.
    pub(super) fn add_comment(
        &mut self,
        sid: u64,
        user: UserInfo,
        draft: CommentDraft,
        ctx: &mut Context<Self>,
    ) -> ResponseActFuture<Self, AppResult<()>> {
        match check_draft(&draft, self.last_frame) {
            Ok(checked) => self.store_comment(sid, user, draft, checked, ctx),
            Err(e) => Box::pin(fut::ready(Err(e))),
        }
    }

    fn store_comment(
        &mut self,
        sid: u64,
        user: UserInfo,
        draft: CommentDraft,
        (text, drawing): (String, Option<String>),
        ctx: &mut Context<Self>,
    ) -> ResponseActFuture<Self, AppResult<()>> {
        let CommentDraft {
            frame,
            end_frame,
            parent_id,
            client_ref,
            via_plugin,
            subtitle_cue,
            ..
        } = draft;
        let subtitle_cue = match subtitle_cue.map(|c| serde_json::to_string(&c)).transpose() {
            Ok(c) => c,
            Err(e) => return Box::pin(fut::ready(Err(AppError::internal(e)))),
        };
        let (mid, owner, title) = (self.media_id.clone(), self.owner.clone(), self.title.clone());
        self.commit(ctx, move |c, seq| {
            if let Some(r) = &client_ref {
                if let Some((comment, seq)) = cq::by_client_ref(c, &mid, &user.id.0, r)? {
                    let client_ref = client_ref.clone();
                    let event = RoomEvent::CommentAdded { comment, client_ref };
                    return Ok(Committed::Again { to: sid, seq, event });
                }
            }
            let parent = match parent_id {
                Some(p) => {
                    let parent = cq::get(c, p.0)?.filter(|pc| pc.media_id == mid);
                    Some(parent.ok_or_else(|| AppError::NotFound("the comment replied to does not exist".into()))?)
                }
                None => None,
            };
            // Replies sit at their parent's frame, so threads stay together on the timeline.
            let (frame, end_frame) = match &parent {
                Some(p) => (p.frame, p.end_frame),
                None => (frame, end_frame),
            };
            let row = NewComment {
                media_id: mid.clone(),
                parent_id: parent.as_ref().map(|p| p.id.0),
                user_id: user.id.clone(),
                text,
                frame,
                end_frame,
                drawing,
                client_ref: client_ref.clone(),
                added_seq: Some(seq),
                via_plugin,
                subtitle_cue,
            };
            let comment = cq::insert(c, &row)?;
            let events = Event::for_new_comment(&comment, &user, parent.as_ref().map(|p| &p.user_id), &owner, &title);
            Ok(Committed::Event(
                RoomEvent::CommentAdded { comment, client_ref },
                events,
            ))
        })
    }

    pub(super) fn edit_comment(
        &mut self,
        user: UserInfo,
        comment_id: CommentId,
        text: String,
        drawing: Option<Drawing>,
        ctx: &mut Context<Self>,
    ) -> ResponseActFuture<Self, AppResult<()>> {
        let prepared = check_text(&text).and_then(|t| Ok((t, check_drawing(&drawing)?)));
        let (text, drawing) = match prepared {
            Ok(p) => p,
            Err(e) => return Box::pin(fut::ready(Err(e))),
        };
        let (mid, title) = (self.media_id.clone(), self.title.clone());
        self.commit(ctx, move |c, _| {
            owned_comment(c, comment_id, &mid, &user)?;
            if text.is_empty() && drawing.is_none() {
                return Err(AppError::BadRequest("a comment needs text or a drawing".into()));
            }
            cq::update_text(c, comment_id.0, &text, drawing.as_deref())?;
            let comment = cq::get(c, comment_id.0)?.ok_or_else(|| AppError::NotFound("no such comment".into()))?;
            let events = vec![Event::comment_edited(&comment, &user, &title)];
            Ok(Committed::Event(RoomEvent::CommentEdited { comment }, events))
        })
    }

    /// Marks a note resolved by `user`, or open again.
    pub(super) fn resolve_comment(
        &mut self,
        user: UserInfo,
        comment_id: CommentId,
        resolved: bool,
        ctx: &mut Context<Self>,
    ) -> ResponseActFuture<Self, AppResult<()>> {
        let (mid, title) = (self.media_id.clone(), self.title.clone());
        self.commit(ctx, move |c, _| {
            cq::get(c, comment_id.0)?
                .filter(|x| x.media_id == mid && !x.deleted)
                .ok_or_else(|| AppError::NotFound("no such comment".into()))?;
            cq::set_resolved(c, comment_id.0, resolved.then_some(user.id.as_str()))?;
            let comment = cq::get(c, comment_id.0)?.ok_or_else(|| AppError::NotFound("no such comment".into()))?;
            let events = vec![Event::comment_resolved(&comment, &user, &title, resolved)];
            Ok(Committed::Event(RoomEvent::CommentResolved { comment }, events))
        })
    }

    pub(super) fn delete_comment(
        &mut self,
        user: UserInfo,
        comment_id: CommentId,
        ctx: &mut Context<Self>,
    ) -> ResponseActFuture<Self, AppResult<()>> {
        let (mid, title) = (self.media_id.clone(), self.title.clone());
        self.commit(ctx, move |c, _| {
            owned_comment(c, comment_id, &mid, &user)?;
            let events = vec![Event::comment_deleted(&mid, comment_id.0, &user, &title)];
            // A comment with replies stays as a marker, so the thread keeps its place.
            let marker = if cq::has_replies(c, comment_id.0)? {
                cq::mark_deleted(c, comment_id.0)?;
                cq::get(c, comment_id.0)?
            } else {
                cq::delete(c, comment_id.0)?;
                None
            };
            Ok(Committed::Event(
                RoomEvent::CommentDeleted {
                    comment_id,
                    comment: marker,
                },
                events,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(frame: i64, end: Option<i64>) -> CommentDraft {
        CommentDraft {
            text: "  note  ".into(),
            frame,
            end_frame: end,
            parent_id: None,
            drawing: None,
            client_ref: None,
            via_plugin: None,
            subtitle_cue: None,
        }
    }

    #[test]
    fn a_draft_is_bounded_by_the_media_once_known() {
        assert_eq!(check_draft(&draft(999_999, None), None).unwrap().0, "note");
        let e = check_draft(&draft(999_999, None), Some(149)).unwrap_err();
        assert!(e.to_string().contains("frames 0 to 149"), "{e}");
        assert!(check_draft(&draft(10, Some(150)), Some(149)).is_err());
        assert!(check_draft(&draft(149, Some(149)), Some(149)).is_ok());
    }

    #[test]
    fn a_reply_is_not_bounded_by_its_sent_frame() {
        let mut d = draft(999_999, None);
        d.parent_id = Some(CommentId(1));
        assert!(check_draft(&d, Some(149)).is_ok());
    }

    #[test]
    fn empty_backwards_and_oversized_drafts_are_refused() {
        let mut d = draft(0, None);
        d.text = "   ".into();
        assert!(check_draft(&d, None).is_err());
        assert!(check_draft(&draft(5, Some(4)), None).is_err());
        assert!(check_draft(&draft(-1, None), None).is_err());
        let mut d = draft(0, None);
        d.text = "x".repeat(MAX_COMMENT_LEN + 1);
        assert!(check_draft(&d, None).is_err());
        let mut d = draft(0, None);
        d.client_ref = Some("r".repeat(dailies_protocol::MAX_CLIENT_REF + 1));
        assert!(check_draft(&d, None).is_err());
    }
}
