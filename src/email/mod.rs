//! Outgoing email (`storage-and-jobs.md` §6).
//!
//! One [`Mailer`] per process: SMTP through lettre when `SMTP_URL` is set, otherwise (never
//! in production) a log transport that writes recipient, subject and body at info level —
//! the only place a one-time code may appear in logs. Subjects get `[STAGE] - ` or
//! `[LOCAL] - ` outside production so test mail is recognisable in an inbox. Sending is
//! awaited by the caller; whether a failure fails the request is the caller's decision.

use std::collections::HashMap;

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{AppEnv, ConfigError};

#[derive(Clone)]
pub struct EmailSettings {
    /// `SMTP_URL` (contains credentials: never printed).
    pub smtp_url: Option<String>,
    /// `EMAIL_FROM`, default `infinidream <no-reply@infinidream.ai>`.
    pub from: String,
}

impl std::fmt::Debug for EmailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSettings")
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .finish()
    }
}

impl EmailSettings {
    pub fn from_map(vars: &HashMap<String, String>, app_env: AppEnv) -> Result<EmailSettings, ConfigError> {
        let get = |k: &str| vars.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let smtp_url = get("SMTP_URL");
        if smtp_url.is_none() && app_env == AppEnv::Production {
            return Err(ConfigError("SMTP_URL is required in production".into()));
        }
        if let Some(url) = &smtp_url {
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|_| ConfigError("SMTP_URL is not a valid smtp:// or smtps:// URL".into()))?;
        }
        let from = get("EMAIL_FROM").unwrap_or_else(|| "infinidream <no-reply@infinidream.ai>".to_string());
        from.parse::<Mailbox>().map_err(|_| ConfigError(format!("EMAIL_FROM is not a mailbox: {from:?}")))?;
        Ok(EmailSettings { smtp_url, from })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("bad address: {0}")]
    Address(String),
    #[error("could not build message: {0}")]
    Build(String),
    #[error("smtp: {0}")]
    Smtp(String),
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Log,
    /// Settings validated the URL and sender, so this is unreachable in practice; sending
    /// then fails instead of silently logging mail.
    Broken(String),
}

pub struct Mailer {
    transport: Transport,
    /// `None` only if `EMAIL_FROM` did not parse (settings reject that at start).
    from: Option<Mailbox>,
    subject_prefix: &'static str,
}

impl Mailer {
    pub fn new(settings: &EmailSettings, app_env: AppEnv) -> Mailer {
        let transport = match &settings.smtp_url {
            Some(url) => match AsyncSmtpTransport::<Tokio1Executor>::from_url(url) {
                Ok(b) => Transport::Smtp(b.build()),
                Err(e) => Transport::Broken(e.to_string()),
            },
            None => Transport::Log,
        };
        let from = settings.from.parse().ok();
        let subject_prefix = match app_env {
            AppEnv::Production => "",
            AppEnv::Stage => "[STAGE] - ",
            AppEnv::Development | AppEnv::Test => "[LOCAL] - ",
        };
        Mailer { transport, from, subject_prefix }
    }

    /// Sends a plain-text email and waits for the server to accept it.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), EmailError> {
        let subject = format!("{}{subject}", self.subject_prefix);
        match &self.transport {
            Transport::Broken(why) => Err(EmailError::Smtp(why.clone())),
            Transport::Log => {
                tracing::info!(target: "email", to, subject, body, "email (log transport)");
                Ok(())
            }
            Transport::Smtp(smtp) => {
                let from = self.from.clone().ok_or_else(|| EmailError::Address("EMAIL_FROM".into()))?;
                let to: Mailbox = to.parse().map_err(|_| EmailError::Address(to.to_string()))?;
                let message = Message::builder()
                    .from(from)
                    .to(to)
                    .subject(subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(body)
                    .map_err(|e| EmailError::Build(e.to_string()))?;
                smtp.send(message).await.map(|_| ()).map_err(|e| EmailError::Smtp(e.to_string()))
            }
        }
    }
}
