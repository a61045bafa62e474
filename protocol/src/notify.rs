//! Notifications on the wire: a user's notification settings (`/api/notify/settings`) and
//! the admins' webhook endpoints and delivery log (`/api/admin/webhooks`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// When mail tells a user of an event kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MailMode {
    /// One mail per event, at once.
    Now,
    /// Gathered into one mail an hour.
    Hourly,
    /// Gathered into one mail a day.
    Daily,
    Never,
}

/// The mail mode of one event kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NotifyPref {
    /// `reply`, `comment_added`, `shared`… (every kind that tells people).
    pub kind: String,
    pub mode: MailMode,
    /// How the settings page names it (answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub label: Option<String>,
}

/// `GET /api/notify/settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NotifySettings {
    /// Where mail goes; null: no mail.
    pub email: Option<String>,
    /// The address comes from the sign-in (the proxy), and cannot be changed here.
    pub email_from_proxy: bool,
    /// The server can send mail (SMTP is configured).
    pub mail_enabled: bool,
    pub prefs: Vec<NotifyPref>,
}

/// `PUT /api/notify/settings`: what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NotifySettingsUpdate {
    /// A new address; `""` removes it; absent leaves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub email: Option<String>,
    /// Modes to set; kinds not listed keep theirs.
    #[serde(default)]
    pub prefs: Vec<NotifyPref>,
}

/// `POST /api/admin/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    pub url: String,
    /// Key of the `Dailies-Signature` HMAC; stored as given (signing needs it), never shown.
    #[serde(default)]
    pub secret: String,
    /// Event names; empty for all.
    #[serde(default)]
    pub events: Vec<String>,
    /// `json` (default) or `slack`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub format: Option<String>,
}

/// A webhook endpoint as admins see it: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WebhookInfo {
    #[ts(type = "number")]
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub format: String,
    /// `config` (a `[[webhook]]` table: change it there) or `api`.
    pub source: String,
    pub has_secret: bool,
    pub created_at: String,
}

/// One delivery in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WebhookDelivery {
    pub id: String,
    #[ts(type = "number")]
    pub endpoint_id: i64,
    pub event: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i32,
    pub created_at: String,
    /// When the next attempt is due (pending only).
    pub next_at: Option<String>,
    pub done_at: Option<String>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}
