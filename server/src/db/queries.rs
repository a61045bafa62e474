//! Plain functions on `&mut Conn`: no pool, no async, easy to call inside a transaction.

use super::models::{Media, NewMedia, User};
use super::schema::{media, users};
use super::Conn;
use crate::error::AppResult;
use dailies_protocol::UserInfo;
use diesel::prelude::*;

/// Creates the user on first sight; keeps name and admin flag current.
pub fn upsert_user(conn: &mut Conn, u: &UserInfo) -> AppResult<()> {
    let now = chrono::Utc::now().naive_utc();
    diesel::insert_into(users::table)
        .values(User {
            id: u.id.0.clone(),
            name: u.name.clone(),
            is_admin: u.is_admin,
            created_at: now,
            last_seen: now,
        })
        .on_conflict(users::id)
        .do_update()
        .set((
            users::name.eq(&u.name),
            users::is_admin.eq(u.is_admin),
            users::last_seen.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn get_user(conn: &mut Conn, id: &str) -> AppResult<Option<User>> {
    Ok(users::table.find(id).select(User::as_select()).first(conn).optional()?)
}

pub fn list_media_of(conn: &mut Conn, owner: &str) -> AppResult<Vec<Media>> {
    Ok(media::table
        .filter(media::owner_id.eq(owner))
        .order((media::created_at.desc(), media::id.desc()))
        .select(Media::as_select())
        .load(conn)?)
}

pub fn list_all_media(conn: &mut Conn) -> AppResult<Vec<Media>> {
    Ok(media::table
        .order((media::created_at.desc(), media::id.desc()))
        .select(Media::as_select())
        .load(conn)?)
}

pub fn get_media(conn: &mut Conn, id: &str) -> AppResult<Option<Media>> {
    Ok(media::table
        .find(id)
        .select(Media::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_media(conn: &mut Conn, m: &NewMedia) -> AppResult<()> {
    diesel::insert_into(media::table).values(m).execute(conn)?;
    Ok(())
}
