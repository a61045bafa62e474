//! Each user's display choices (`user_preferences`): one row per user who changed any.

use super::schema::user_preferences;
use super::Conn;
use crate::error::AppResult;
use dailies_protocol::{Preferences, PreferencesUpdate, TimeDisplay};
use diesel::prelude::*;

/// The user's choices; the defaults for someone who never chose.
pub fn of(conn: &mut Conn, user: &str) -> AppResult<Preferences> {
    let row: Option<(String, Option<i64>)> = user_preferences::table
        .find(user)
        .select((user_preferences::time_display, user_preferences::first_frame))
        .first(conn)
        .optional()?;
    Ok(row
        .map(|(d, first_frame)| Preferences {
            // A value the CHECK constraint let in but this build does not know: the default.
            time_display: TimeDisplay::parse(&d).unwrap_or_default(),
            first_frame,
        })
        .unwrap_or_default())
}

/// Applies an update (absent fields keep theirs) and answers the result, in one transaction.
pub fn update(conn: &mut Conn, user: &str, change: &PreferencesUpdate) -> AppResult<Preferences> {
    conn.immediate_transaction(|c| {
        let mut p = of(c, user)?;
        if let Some(d) = change.time_display {
            p.time_display = d;
        }
        if let Some(f) = change.first_frame {
            p.first_frame = f;
        }
        let now = chrono::Utc::now().naive_utc();
        let row = (
            user_preferences::user_id.eq(user),
            user_preferences::time_display.eq(p.time_display.as_str()),
            user_preferences::first_frame.eq(p.first_frame),
            user_preferences::updated_at.eq(now),
        );
        crate::on_backend!(c, c_ => diesel::insert_into(user_preferences::table)
            .values(row)
            .on_conflict(user_preferences::user_id)
            .do_update()
            .set(row)
            .execute(c_))?;
        Ok(p)
    })
}
