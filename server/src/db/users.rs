//! Users already written to the database with their current name and admin flag, so the
//! common request does not write: a cache in front of `queries::upsert_user`.

use dailies_protocol::{UserId, UserInfo};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct KnownUsers(Arc<Mutex<HashMap<UserId, UserInfo>>>);

impl KnownUsers {
    /// Whether this user is stored exactly as given (name and admin flag too).
    pub fn is_current(&self, u: &UserInfo) -> bool {
        self.0.lock().map(|m| m.get(&u.id) == Some(u)).unwrap_or(false)
    }

    pub fn remember(&self, u: &UserInfo) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(u.id.clone(), u.clone());
        }
    }
}
