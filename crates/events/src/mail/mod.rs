//! Email: sent over SMTP when `SMTP_URL` is set (STARTTLS required unless the URL says
//! otherwise), else recorded as `not_sent` so the log still shows what would have gone out.

pub mod templates;

use kernel::config::Secret;
use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("smtp", &self.transport.is_some())
            .field("from", &self.from.to_string())
            .finish()
    }
}

/// A bad `SMTP_URL` or `MAIL_FROM`, found at start.
#[derive(Debug)]
pub struct MailConfigError(pub &'static str, pub String);

impl Mailer {
    pub fn new(smtp_url: Option<&Secret>, from: &str) -> Result<Self, MailConfigError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| MailConfigError("MAIL_FROM", format!("not an email address: {e}")))?;
        let transport = match smtp_url {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&with_tls_default(url.expose()))
                    .map_err(|e| MailConfigError("SMTP_URL", e.to_string()))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
        };
        Ok(Self { transport, from })
    }

    /// Whether emails are really sent.
    pub fn enabled(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends one plain-text email; the error says why it did not go.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String> {
        let Some(transport) = &self.transport else {
            return Err("no SMTP server is configured".into());
        };
        let to: Mailbox = to
            .parse()
            .map_err(|e| format!("{to:?} is not an email address: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| format!("could not build the email: {e}"))?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("the SMTP server did not take it: {e}"))
    }
}

/// `smtp://host:587` means STARTTLS, required: credentials and addresses never cross the
/// network in clear. `?tls=opportunistic` and `smtps://` are lettre's own; `?tls=none` is
/// plain SMTP, for a relay on the same host or a test server.
fn with_tls_default(url: &str) -> String {
    let Ok(mut parsed) = reqwest::Url::parse(url) else {
        return url.to_string();
    };
    if parsed.scheme() != "smtp" {
        return url.to_string();
    }
    let tls = parsed
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let others: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "tls")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let tls = match tls.as_deref() {
        None => Some("required"),
        Some("none") => None,
        Some(other) => Some(other),
    }
    .map(str::to_string);
    parsed.set_query(None);
    if !others.is_empty() || tls.is_some() {
        let mut query = parsed.query_pairs_mut();
        query.extend_pairs(others);
        if let Some(tls) = tls {
            query.append_pair("tls", &tls);
        }
    }
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_urls_require_starttls_unless_told_otherwise() {
        assert_eq!(
            with_tls_default("smtp://u:p@mail.example.com:587"),
            "smtp://u:p@mail.example.com:587?tls=required"
        );
        assert_eq!(
            with_tls_default("smtp://127.0.0.1:2525?tls=none"),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(
            with_tls_default("smtp://m:25?tls=opportunistic"),
            "smtp://m:25?tls=opportunistic"
        );
        assert_eq!(with_tls_default("smtps://m:465"), "smtps://m:465");
    }

    #[test]
    fn a_bad_sender_is_refused_at_start() {
        assert!(Mailer::new(None, "not an address").is_err());
        assert!(!Mailer::new(None, "Stockroom <a@b.example>")
            .unwrap()
            .enabled());
    }
}
