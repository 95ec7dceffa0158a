//! Email side effects of socket events: a `report` from a socket is mailed to
//! `OPS_EMAIL` in the background (`realtime.md` §7.1.5, `storage-and-jobs.md` §6);
//! failures are logged and never reach the reporting client.

use std::sync::Arc;

use infinidream_actors::domain::remote::DreamRef;
use infinidream_actors::domain::users::AuthUser;
use infinidream_actors::session::Notifier;

use crate::email::Mailer;

pub struct OpsNotifier {
    mailer: Arc<Mailer>,
    ops_email: Option<String>,
    frontend_url: String,
}

impl OpsNotifier {
    pub fn new(mailer: Arc<Mailer>, ops_email: Option<String>, frontend_url: String) -> OpsNotifier {
        OpsNotifier { mailer, ops_email, frontend_url }
    }
}

/// Subject and body of the report email.
pub fn report_email(reporter: &AuthUser, dream: &DreamRef, frontend_url: &str) -> (String, String) {
    let name = dream.name.as_deref().unwrap_or("(unnamed)");
    let subject = format!("Dream reported: {name}");
    let body = format!(
        "A dream was reported from a native client.\n\n\
         Dream: {name} ({uuid})\nReported by: {reporter} ({email})\nType: Native\n\
         Comments: Report generated from native client.\n\nOpen: {frontend_url}/dream/{uuid}\n",
        uuid = dream.uuid,
        reporter = reporter.uuid,
        email = reporter.email,
    );
    (subject, body)
}

impl Notifier for OpsNotifier {
    fn dream_reported(&self, reporter: &AuthUser, dream: &DreamRef) {
        let Some(to) = self.ops_email.clone() else { return };
        let (subject, body) = report_email(reporter, dream, &self.frontend_url);
        let mailer = self.mailer.clone();
        tokio::spawn(async move {
            if let Err(e) = mailer.send(&to, &subject, body).await {
                tracing::warn!(error = %e, "report email not sent");
            }
        });
    }
}
