//! Mail: one message per event told at once, or a digest of several; plain text and
//! HTML, a link to the frame per event and an unsubscribe link per kind. Sending is one
//! SMTP conversation through lettre (STARTTLS, TLS or plain, as configured).

use super::event::EventKind;
use crate::config::notify::{Smtp, SmtpSecurity};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use std::time::Duration;

/// One event as a mail tells it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Item {
    pub kind: String,
    pub text: String,
    pub link: Option<String>,
    pub at: String,
}

/// A mail ready to send, before addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The one-click unsubscribe address (RFC 8058), for a mail about one kind.
    pub list_unsubscribe: Option<String>,
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn label(kind: &str) -> &'static str {
    EventKind::parse(kind)
        .map(|k| k.label())
        .unwrap_or("Other notifications")
}

/// Composes a mail of `items` (`period`: "now", "hourly" or "daily"); `unsubscribe` gives
/// the unsubscribe address of each kind that occurs.
pub fn compose(items: &[Item], period: &str, unsubscribe: &[(String, String)]) -> Composed {
    let subject = match (period, items) {
        ("now", [one]) => {
            let s: String = one.text.chars().take(120).collect();
            format!("[Dailies] {s}")
        }
        _ => {
            let which = if period == "daily" { "daily" } else { "hourly" };
            let n = items.len();
            format!("[Dailies] {n} update{} ({which} digest)", if n == 1 { "" } else { "s" })
        }
    };
    let mut text = String::new();
    let mut html =
        String::from("<!doctype html><html><body style=\"font-family:sans-serif;font-size:14px;color:#222\">\n<ul>\n");
    // Grouped by kind in the order they first occur, so a digest reads by subject.
    let mut kinds: Vec<&str> = Vec::new();
    for i in items {
        if !kinds.contains(&i.kind.as_str()) {
            kinds.push(&i.kind);
        }
    }
    let grouped = kinds.len() > 1 || items.len() > 1;
    for k in &kinds {
        if grouped {
            text.push_str(&format!("{}\n", label(k)));
            html.push_str(&format!("</ul><h3>{}</h3><ul>\n", html_escape(label(k))));
        }
        for i in items.iter().filter(|i| i.kind == *k) {
            text.push_str(&format!("{}{}\n", if grouped { "- " } else { "" }, i.text));
            match &i.link {
                Some(l) => {
                    text.push_str(&format!("{}{l}\n", if grouped { "  " } else { "" }));
                    html.push_str(&format!(
                        "<li>{} <a href=\"{}\">open</a></li>\n",
                        html_escape(&i.text),
                        html_escape(l)
                    ));
                }
                None => html.push_str(&format!("<li>{}</li>\n", html_escape(&i.text))),
            }
        }
        if grouped {
            text.push('\n');
        }
    }
    html.push_str("</ul>\n<hr><p style=\"color:#777;font-size:12px\">");
    text.push_str("\n-- \n");
    for (k, url) in unsubscribe {
        text.push_str(&format!("No more mail about \"{}\": {url}\n", label(k)));
        html.push_str(&format!(
            "<a href=\"{}\">No more mail about “{}”</a><br>\n",
            html_escape(url),
            html_escape(label(k))
        ));
    }
    html.push_str("</p></body></html>\n");
    let list_unsubscribe = match unsubscribe {
        [(_, url)] => Some(url.clone()),
        _ => None,
    };
    Composed {
        subject,
        text,
        html,
        list_unsubscribe,
    }
}

/// The SMTP side, built once.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(smtp: &Smtp, timeout: Duration) -> Result<Mailer, String> {
        let tls = |host: &str| TlsParameters::new(host.to_string()).map_err(|e| e.to_string());
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
            .port(smtp.port)
            .timeout(Some(timeout))
            .tls(match smtp.security {
                SmtpSecurity::StartTls => Tls::Required(tls(&smtp.host)?),
                SmtpSecurity::Tls => Tls::Wrapper(tls(&smtp.host)?),
                SmtpSecurity::None => Tls::None,
            });
        if let (Some(u), Some(p)) = (&smtp.user, &smtp.password) {
            b = b.credentials(Credentials::new(u.clone(), p.clone()));
        }
        let from = smtp.from.parse::<Mailbox>().map_err(|e| e.to_string())?;
        Ok(Mailer {
            transport: b.build(),
            from,
        })
    }

    pub async fn send(&self, to: &str, m: &Composed) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("address {to:?}: {e}"))?;
        let mut b = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone());
        if let Some(u) = &m.list_unsubscribe {
            b = b
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{u}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".into(),
                ));
        }
        let msg = b
            .multipart(MultiPart::alternative_plain_html(m.text.clone(), m.html.clone()))
            .map_err(|e| e.to_string())?;
        self.transport.send(msg).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

/// Whether an SMTP failure is worth another try: a permanent (5xx) refusal is not.
pub fn retryable(error: &str) -> bool {
    !error.contains("permanent error")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: &str, text: &str) -> Item {
        Item {
            kind: kind.into(),
            text: text.into(),
            link: Some(format!("https://d.example/#/media/m?frame=1&c={}", text.len())),
            at: String::new(),
        }
    }

    #[test]
    fn one_event_at_once_is_its_own_subject() {
        let unsub = vec![(
            "reply".to_string(),
            "https://d.example/api/notify/unsubscribe/t".to_string(),
        )];
        let m = compose(&[item("reply", "Bob replied on Cut 3: <b>yes</b>")], "now", &unsub);
        assert_eq!(m.subject, "[Dailies] Bob replied on Cut 3: <b>yes</b>");
        assert!(m
            .text
            .starts_with("Bob replied on Cut 3: <b>yes</b>\nhttps://d.example/#/media/m"));
        assert!(m.html.contains(
            "Bob replied on Cut 3: &lt;b&gt;yes&lt;/b&gt; <a href=\"https://d.example/#/media/m?frame=1&amp;c="
        ));
        assert!(m
            .text
            .contains("No more mail about \"Replies to you\": https://d.example/api/notify/unsubscribe/t"));
        assert_eq!(
            m.list_unsubscribe.as_deref(),
            Some("https://d.example/api/notify/unsubscribe/t")
        );
    }

    #[test]
    fn a_digest_groups_events_by_kind() {
        let items = [
            item("comment_added", "one"),
            item("reply", "two"),
            item("comment_added", "three"),
        ];
        let unsub = vec![
            ("comment_added".to_string(), "u1".to_string()),
            ("reply".to_string(), "u2".to_string()),
        ];
        let m = compose(&items, "hourly", &unsub);
        assert_eq!(m.subject, "[Dailies] 3 updates (hourly digest)");
        let comments = m.text.find("Comments on your media\n- one").unwrap();
        let three = m.text.find("- three").unwrap();
        let replies = m.text.find("Replies to you\n- two").unwrap();
        assert!(comments < three && three < replies, "{}", m.text);
        assert!(m.list_unsubscribe.is_none(), "two kinds: no single one-click address");
    }
}
