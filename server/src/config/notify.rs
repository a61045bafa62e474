//! The notification settings of the file: `[notify]`, `[smtp]` and `[[webhook]]` tables.
//! They exist only in the file (no flags): lists of tables do not fit a command line.

use anyhow::Result;
use serde::Deserialize;
use std::time::Duration;

/// How SMTP connections are secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection, upgraded with STARTTLS (required).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// Neither: only for a relay on the same machine.
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub user: Option<String>,
    pub password: Option<String>,
    pub from: String,
}

/// What a webhook endpoint receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// `{"event", "delivery", "at", "data"}`.
    Json,
    /// A Slack-compatible incoming webhook: `{"text": "…"}`.
    Slack,
}

impl WebhookFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "json" => Some(WebhookFormat::Json),
            "slack" => Some(WebhookFormat::Slack),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Json => "json",
            WebhookFormat::Slack => "slack",
        }
    }
}

/// A `[[webhook]]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
    /// Event names; empty for all.
    pub events: Vec<String>,
    pub format: WebhookFormat,
}

/// The `[notify]` table: delivery timing and links.
#[derive(Debug, Clone, PartialEq)]
pub struct Notify {
    /// Where people reach the web client (links in mail and chat): e.g.
    /// `https://dailies.example.com`. Without it, mails carry paths only.
    pub public_url: Option<String>,
    /// A header the proxy sets to the user's e-mail address.
    pub email_header: Option<String>,
    /// Wait before the first retry; each further one waits twice as long.
    pub first_retry: Duration,
    /// A delivery still failing this long after it was made is given up.
    pub give_up_after: Duration,
    /// One HTTP request or SMTP conversation may take this long.
    pub timeout: Duration,
    /// Deliveries in flight at once (webhooks and mails together).
    pub concurrency: usize,
    /// How long the events of an hourly / a daily digest gather.
    pub hourly_digest: Duration,
    pub daily_digest: Duration,
}

impl Default for Notify {
    fn default() -> Self {
        Notify {
            public_url: None,
            email_header: None,
            // A receiver restarting for a deploy is back within seconds.
            first_retry: Duration::from_secs(5),
            give_up_after: Duration::from_secs(24 * 3600),
            timeout: Duration::from_secs(10),
            concurrency: 8,
            hourly_digest: Duration::from_secs(3600),
            daily_digest: Duration::from_secs(24 * 3600),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyFile {
    pub public_url: Option<String>,
    pub email_header: Option<String>,
    pub first_retry: Option<f64>,
    pub give_up_after: Option<f64>,
    pub timeout: Option<f64>,
    pub concurrency: Option<usize>,
    pub hourly_digest: Option<f64>,
    pub daily_digest: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpFile {
    pub host: String,
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `none`.
    pub security: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub from: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookFile {
    pub url: String,
    #[serde(default)]
    pub secret: String,
    #[serde(default)]
    pub events: Vec<String>,
    pub format: Option<String>,
}

fn secs(name: &str, v: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(v).map_err(|_| anyhow::anyhow!("notify.{name}: invalid number of seconds: {v}"))
}

impl Notify {
    pub fn apply(&mut self, f: NotifyFile) -> Result<()> {
        if let Some(v) = f.public_url {
            self.public_url = Some(v.trim_end_matches('/').to_string());
        }
        if let Some(v) = f.email_header {
            self.email_header = Some(v);
        }
        for (name, v, dst) in [
            ("first_retry", f.first_retry, &mut self.first_retry),
            ("give_up_after", f.give_up_after, &mut self.give_up_after),
            ("timeout", f.timeout, &mut self.timeout),
            ("hourly_digest", f.hourly_digest, &mut self.hourly_digest),
            ("daily_digest", f.daily_digest, &mut self.daily_digest),
        ] {
            if let Some(v) = v {
                *dst = secs(name, v)?;
            }
        }
        if let Some(v) = f.concurrency {
            self.concurrency = v;
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<()> {
        anyhow::ensure!(self.concurrency >= 1, "notify.concurrency must be at least 1");
        for (name, d) in [
            ("first_retry", self.first_retry),
            ("timeout", self.timeout),
            ("hourly_digest", self.hourly_digest),
            ("daily_digest", self.daily_digest),
        ] {
            anyhow::ensure!(!d.is_zero(), "notify.{name} must be longer than zero");
        }
        if let Some(u) = &self.public_url {
            anyhow::ensure!(
                u.starts_with("http://") || u.starts_with("https://"),
                "notify.public_url must start with http:// or https://"
            );
        }
        if let Some(h) = &self.email_header {
            anyhow::ensure!(
                actix_web::http::header::HeaderName::try_from(h.as_str()).is_ok(),
                "notify.email_header: invalid header name {h:?}"
            );
        }
        Ok(())
    }
}

impl SmtpFile {
    pub fn resolve(self) -> Result<Smtp> {
        let security = match self.security.as_deref().map(str::trim) {
            None | Some("starttls") => SmtpSecurity::StartTls,
            Some("tls") => SmtpSecurity::Tls,
            Some("none") => SmtpSecurity::None,
            Some(o) => anyhow::bail!("smtp.security must be starttls, tls or none, not {o:?}"),
        };
        let port = self.port.unwrap_or(match security {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::None => 25,
        });
        anyhow::ensure!(!self.host.trim().is_empty(), "smtp.host is empty");
        self.from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| anyhow::anyhow!("smtp.from {:?} is not an address: {e}", self.from))?;
        anyhow::ensure!(
            self.user.is_some() == self.password.is_some(),
            "smtp.user and smtp.password go together"
        );
        Ok(Smtp {
            host: self.host,
            port,
            security,
            user: self.user,
            password: self.password,
            from: self.from,
        })
    }
}

/// Every event name a webhook may list (see `notify::EventKind`).
pub type EventNames = &'static [&'static str];

impl WebhookFile {
    pub fn resolve(self, known: EventNames) -> Result<Webhook> {
        check_url(&self.url).map_err(|e| anyhow::anyhow!("webhook {}: {e}", self.url))?;
        for e in &self.events {
            anyhow::ensure!(
                known.contains(&e.as_str()),
                "webhook {}: unknown event {e:?} (known: {})",
                self.url,
                known.join(", ")
            );
        }
        let format = match self.format.as_deref() {
            None => WebhookFormat::Json,
            Some(f) => WebhookFormat::parse(f)
                .ok_or_else(|| anyhow::anyhow!("webhook {}: format must be json or slack, not {f:?}", self.url))?,
        };
        Ok(Webhook {
            url: self.url,
            secret: self.secret,
            events: self.events,
            format,
        })
    }
}

/// An endpoint URL must be http(s) with a host.
pub fn check_url(url: &str) -> std::result::Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("the url must start with http:// or https://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') || url.len() > 2048 || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err("the url needs a host (and no user part or spaces)".into());
    }
    Ok(())
}
