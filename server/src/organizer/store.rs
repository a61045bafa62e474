//! The organizer's database work: what the inbox reads and writes (media, users, comments,
//! notifications, the plugin's key-value store), as plain functions on a connection.

use crate::db::models::{Media, User};
use crate::db::schema::{media, organizer_kv, user_messages, users};
use crate::db::values::MessageKind;
use crate::db::{Conn, Db};
use crate::error::{AppError, AppResult};
use crate::notice::{Notice, Notifier};
use chrono::NaiveDateTime;
use dailies_protocol::{MediaId, UserId};
use diesel::prelude::*;
use organizer_sdk::pb;

/// SQLite binds per statement stay well below its limit.
const CHUNK: usize = 500;

/// Media by id, in the order asked; unknown ids are left out.
pub fn media_by_ids(conn: &mut Conn, ids: &[String]) -> AppResult<Vec<Media>> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<Media> = media::table
            .filter(media::id.eq_any(chunk))
            .select(Media::as_select())
            .load(conn)?;
        found.extend(rows.into_iter().map(|m| (m.id.0.clone(), m)));
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

pub fn media_of(conn: &mut Conn, owner: &str) -> AppResult<Vec<Media>> {
    Ok(media::table
        .filter(media::owner_id.eq(owner))
        .order((media::created_at.desc(), media::id.desc()))
        .select(Media::as_select())
        .load(conn)?)
}

pub fn users(conn: &mut Conn, ids: &[String]) -> AppResult<Vec<User>> {
    let q = users::table.order(users::id.asc()).select(User::as_select());
    Ok(if ids.is_empty() {
        q.load(conn)?
    } else {
        q.filter(users::id.eq_any(ids)).load(conn)?
    })
}

/// The media's comments (deleted ones left out), in frame order then creation order.
pub fn comments_of(conn: &mut Conn, media_id: &str) -> AppResult<Vec<pb::Comment>> {
    Ok(crate::db::comments::list(conn, media_id)?
        .iter()
        .filter(|c| !c.deleted)
        .map(super::convert::comment)
        .collect())
}

/// Gives a media file to another (known) user; answers the old owner and the new row.
pub fn assign_media(conn: &mut Conn, media_id: &str, new_owner: &str) -> AppResult<(UserId, Media)> {
    // IMMEDIATE, as it reads before it writes (see `Room::commit`).
    conn.immediate_transaction(|c| {
        let m: Media = media::table
            .find(media_id)
            .select(Media::as_select())
            .first(c)
            .optional()?
            .ok_or_else(|| AppError::NotFound(format!("no media {media_id}")))?;
        let exists: i64 = users::table.filter(users::id.eq(new_owner)).count().get_result(c)?;
        if exists == 0 {
            return Err(AppError::NotFound(format!("no user {new_owner}")));
        }
        let now = chrono::Utc::now().naive_utc();
        diesel::update(media::table.find(media_id))
            .set((media::owner_id.eq(new_owner), media::updated_at.eq(now)))
            .execute(c)?;
        let updated = media::table.find(media_id).select(Media::as_select()).first(c)?;
        Ok((m.owner_id, updated))
    })
}

/// Stores a notification of kind `organizer`; answers it as the client sees it.
pub fn insert_message(
    conn: &mut Conn,
    user_id: &str,
    text: &str,
    media_id: Option<&str>,
) -> AppResult<dailies_protocol::UserMessage> {
    let (id, created_at): (i64, NaiveDateTime) = diesel::insert_into(user_messages::table)
        .values((
            user_messages::user_id.eq(user_id),
            user_messages::kind.eq(MessageKind::Organizer),
            user_messages::media_id.eq(media_id),
            user_messages::text.eq(text),
        ))
        .returning((user_messages::id, user_messages::created_at))
        .get_result(conn)?;
    Ok(dailies_protocol::UserMessage {
        id,
        kind: "organizer".into(),
        media_id: media_id.map(|m| MediaId(m.to_string())),
        comment_id: None,
        text: text.to_string(),
        seen: false,
        created_at: created_at.and_utc().to_rfc3339(),
    })
}

/// Stores a notification for a user and pushes it to their open sessions.
pub async fn message_user(
    db: &Db,
    notifier: &Notifier,
    user_id: &str,
    text: &str,
    media_id: Option<&str>,
) -> AppResult<i64> {
    let (u, t, m) = (user_id.to_string(), text.to_string(), media_id.map(str::to_owned));
    let msg = db.run(move |c| insert_message(c, &u, &t, m.as_deref())).await?;
    let id = msg.id;
    notifier.emit(Notice::MessageStored {
        user: UserId(user_id.to_string()),
        message: msg,
    });
    Ok(id)
}

/// Tells every admin the server knows, in their notifications.
pub async fn notify_admins(db: &Db, notifier: &Notifier, text: &str) -> AppResult<()> {
    let admins: Vec<String> = db
        .run(|c| {
            Ok(users::table
                .filter(users::is_admin.eq(true))
                .select(users::id)
                .load(c)?)
        })
        .await?;
    for a in admins {
        message_user(db, notifier, &a, text, None).await?;
    }
    Ok(())
}

pub fn kv_get(conn: &mut Conn, plugin: &str, key: &str) -> AppResult<Option<Vec<u8>>> {
    Ok(organizer_kv::table
        .find((plugin, key))
        .select(organizer_kv::value)
        .first(conn)
        .optional()?)
}

pub fn kv_set(conn: &mut Conn, plugin: &str, key: &str, value: &[u8]) -> AppResult<()> {
    let now = chrono::Utc::now().naive_utc();
    crate::on_backend!(conn, c_ => diesel::insert_into(organizer_kv::table)
        .values((
            organizer_kv::plugin.eq(plugin),
            organizer_kv::key.eq(key),
            organizer_kv::value.eq(value),
            organizer_kv::updated_at.eq(now),
        ))
        .on_conflict((organizer_kv::plugin, organizer_kv::key))
        .do_update()
        .set((organizer_kv::value.eq(value), organizer_kv::updated_at.eq(now)))
        .execute(c_))?;
    Ok(())
}

pub fn kv_delete(conn: &mut Conn, plugin: &str, key: &str) -> AppResult<bool> {
    Ok(diesel::delete(organizer_kv::table.find((plugin, key))).execute(conn)? > 0)
}

/// Entries whose key starts with `prefix` (compared bytewise, not with LIKE patterns).
pub fn kv_list(conn: &mut Conn, plugin: &str, prefix: &str) -> AppResult<Vec<(String, Vec<u8>)>> {
    let mut q = organizer_kv::table
        .filter(organizer_kv::plugin.eq(plugin))
        .filter(organizer_kv::key.ge(prefix))
        .order(organizer_kv::key.asc())
        .select((organizer_kv::key, organizer_kv::value))
        .into_boxed();
    if let Some(end) = prefix_end(prefix) {
        q = q.filter(organizer_kv::key.lt(end));
    }
    Ok(q.load(conn)?)
}

/// The smallest string greater than every string starting with `prefix`, if any.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kv_is_per_plugin_and_lists_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("t.sqlite")).unwrap();
        db.run_blocking(|c| {
            kv_set(c, "a", "user/1", b"x")?;
            kv_set(c, "a", "user/1", b"y")?;
            kv_set(c, "a", "user/2", b"z")?;
            kv_set(c, "a", "userz", b"no")?;
            kv_set(c, "b", "user/1", b"other plugin")?;
            assert_eq!(kv_get(c, "a", "user/1")?, Some(b"y".to_vec()));
            let keys: Vec<String> = kv_list(c, "a", "user/")?.into_iter().map(|(k, _)| k).collect();
            assert_eq!(keys, ["user/1", "user/2"]);
            assert_eq!(kv_list(c, "a", "")?.len(), 3);
            assert!(kv_delete(c, "a", "user/1")?);
            assert!(!kv_delete(c, "a", "user/1")?);
            assert_eq!(kv_get(c, "b", "user/1")?, Some(b"other plugin".to_vec()));
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn prefix_end_is_the_next_string() {
        assert_eq!(prefix_end("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_end(""), None);
    }
}
