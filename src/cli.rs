//! The operator CLI (`rest-api.md` §3.8): subcommands of the server binary. Each prints
//! exactly one JSON object on stdout; diagnostics go to stderr; failures exit non-zero.

use clap::{Parser, Subcommand};
use infinidream_actors::db::build_pool;
use infinidream_actors::domain::users::NewUser;
use infinidream_actors::system::ClusterConfig;
use infinidream_actors::{ActorSystem, DomainError, Role, UserId};
use serde_json::json;

use crate::config::Settings;

#[derive(Debug, Parser)]
#[command(name = "infinidream", version, about = "infinidream.ai backend server and operator tools")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default when no subcommand is given).
    Serve,
    /// Apply pending migrations and exit; `--status` only lists applied and pending ones.
    Migrate {
        #[arg(long)]
        status: bool,
    },
    /// Manage users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manage API keys.
    Apikeys {
        #[command(subcommand)]
        command: ApiKeysCommand,
    },
    /// Dream maintenance.
    Dreams {
        #[command(subcommand)]
        command: DreamsCommand,
    },
    /// Scheduled maintenance.
    Maintenance {
        #[command(subcommand)]
        command: MaintenanceCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum MaintenanceCommand {
    /// Recompute every user's default playlist, raise quotas below 1 GiB to 1 GiB, delete
    /// stale auth codes and sessions; prints the counts. Meant for cron at 07:00 UTC.
    Daily,
}

#[derive(Debug, Subcommand)]
pub enum DreamsCommand {
    /// Queue processing of every dream created in a UTC day range (inclusive), with
    /// progress on stderr and a JSON summary on stdout.
    Process {
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: chrono::NaiveDate,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user and print {"id","uuid","email","role","apiKey"}.
    Add {
        #[arg(long)]
        email: String,
        /// admin, creator or user.
        #[arg(long, default_value = "user", value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        name: Option<String>,
        /// Also create an API key and print its plaintext (shown only this once).
        #[arg(long)]
        api_key: bool,
        /// Read a password (first line of stdin, at least 6 characters) and store its
        /// Argon2id hash, enabling `POST /api/v2/auth/login`.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeysCommand {
    /// Replace the user's API key and print {"apiKey"}.
    Add {
        /// The user's uuid or email.
        #[arg(long)]
        user: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("unknown role {s:?}: expected admin, creator or user"))
}

/// A deliberately simple shape check; the address is not contacted.
pub fn is_plausible_email(email: &str) -> bool {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !domain.contains('@')
        && email.len() <= 254
}

/// Error shown to the operator (stderr) with a non-zero exit.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CliError(pub String);

impl From<DomainError> for CliError {
    fn from(e: DomainError) -> Self {
        CliError(match e {
            DomainError::Conflict(m) => m.to_string(),
            DomainError::NotFound => "not found".to_string(),
            other => other.to_string(),
        })
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError(format!("{e:#}"))
    }
}

async fn actors(settings: &Settings) -> Result<ActorSystem, CliError> {
    crate::migrate::run(&settings.database_url).await?;
    let pool = build_pool(&settings.database_url, 2).map_err(|e| CliError(e.to_string()))?;
    // The CLI is a single short-lived process: no cluster bridge, in-memory state.
    let cluster = ClusterConfig {
        redis: None,
        prefix: String::new(),
        instance_id: settings.instance_id.clone(),
        presence_lease: settings.presence_lease,
    };
    ActorSystem::start(pool, cluster).map_err(|e| CliError(e.to_string()))
}

pub async fn migrate(settings: &Settings, status_only: bool) -> Result<serde_json::Value, CliError> {
    if status_only {
        let status = crate::migrate::status(&settings.database_url).await?;
        return serde_json::to_value(status).map_err(|e| CliError(e.to_string()));
    }
    let applied = crate::migrate::run(&settings.database_url).await?;
    Ok(json!({ "applied": applied }))
}

pub async fn users(settings: &Settings, command: UsersCommand) -> Result<serde_json::Value, CliError> {
    match command {
        UsersCommand::Add { email, role, name, api_key, password_stdin } => {
            let email = email.trim().to_string();
            if !is_plausible_email(&email) {
                return Err(CliError(format!("invalid email address {email:?}")));
            }
            if name.as_ref().is_some_and(|n| n.chars().count() > 50) {
                return Err(CliError("name must be at most 50 characters".into()));
            }
            let password_hash = if password_stdin { Some(password_from_stdin().await?) } else { None };
            let actors = actors(settings).await?;
            let created = actors
                .users
                .create(NewUser { email, name, last_name: None, role, password_hash, verified: true })
                .await?;
            let key = if api_key { Some(actors.users.create_api_key(UserId(created.id)).await?) } else { None };
            Ok(json!({
                "id": created.id,
                "uuid": created.uuid,
                "email": created.email,
                "role": created.role.short_name(),
                "apiKey": key,
            }))
        }
    }
}

/// The first line of stdin, hashed with Argon2id. Never echoed or logged.
async fn password_from_stdin() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| CliError(format!("cannot read password from stdin: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.chars().count() < 6 {
        return Err(CliError("password must be at least 6 characters".into()));
    }
    crate::auth::password::hash(password).await.map_err(|e| CliError(format!("cannot hash password: {e}")))
}

pub async fn apikeys(settings: &Settings, command: ApiKeysCommand) -> Result<serde_json::Value, CliError> {
    match command {
        ApiKeysCommand::Add { user } => {
            let actors = actors(settings).await?;
            let found = match uuid::Uuid::parse_str(user.trim()) {
                Ok(u) => actors.users.auth_user_by_uuid(u).await?,
                Err(_) => actors.users.auth_user_by_email(user.clone()).await?,
            };
            let found = found.ok_or_else(|| CliError(format!("no user {user:?}")))?;
            let key = actors.users.create_api_key(found.id).await?;
            Ok(json!({ "apiKey": key }))
        }
    }
}

/// `dreams process`: for each dream of the range with an original video, set
/// `status = queue` and hand it to the processing service (sequentially, so the service
/// is not flooded). Dreams without an original video are skipped.
pub async fn dreams(settings: &Settings, command: DreamsCommand) -> Result<serde_json::Value, CliError> {
    match command {
        DreamsCommand::Process { from, to } => {
            if from > to {
                return Err(CliError("--from must not be after --to".into()));
            }
            let actors = actors(settings).await?;
            let processing = crate::processing::Processing::new(settings.processing.clone());
            let range = infinidream_actors::domain::dreams::DateRange { from, to };
            let found = actors.dreams.created_between(range).await?;
            let total = found.len();
            let (mut queued, mut failed, mut skipped) = (0usize, 0usize, 0usize);
            for (i, dream) in found.into_iter().enumerate() {
                let Some(key) = dream.original_video.as_deref() else {
                    skipped += 1;
                    eprintln!("[{}/{total}] {} skipped: no original video", i + 1, dream.uuid);
                    continue;
                };
                let Some(bundle) = actors.dreams.by_uuid(dream.uuid).await? else { continue };
                let Some(row) = bundle.dreams.first() else { continue };
                actors.dreams.set_status(row.id, "queue").await?;
                let outcome = processing.request(dream.uuid, &crate::processing::key_extension(key)).await;
                match outcome {
                    crate::processing::HandOff::Sent => queued += 1,
                    crate::processing::HandOff::Skipped => skipped += 1,
                    crate::processing::HandOff::Failed(_) => failed += 1,
                }
                eprintln!("[{}/{total}] {} {outcome:?}", i + 1, dream.uuid);
            }
            Ok(json!({"from": from.to_string(), "to": to.to_string(), "total": total,
                      "queued": queued, "failed": failed, "skipped": skipped}))
        }
    }
}

/// `maintenance daily` (`rest-api.md` §3.8): one pass, idempotent, safe to re-run.
pub async fn maintenance(settings: &Settings, command: MaintenanceCommand) -> Result<serde_json::Value, CliError> {
    match command {
        MaintenanceCommand::Daily => {
            let actors = actors(settings).await?;
            let report = actors.client.daily(settings.designed_playlist_uuid).await?;
            serde_json::to_value(report).map_err(|e| CliError(e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shape_check() {
        assert!(is_plausible_email("a@b.c"));
        assert!(is_plausible_email(" admin@example.com "));
        for bad in ["", "a", "a@", "@b.c", "a@b", "a b@c.d", "a@.c", "a@b.c.", "a@b@c.d"] {
            assert!(!is_plausible_email(bad), "{bad}");
        }
    }

    #[test]
    fn roles_parse_short_and_group_names() {
        assert_eq!(parse_role("admin"), Ok(Role::Admin));
        assert_eq!(parse_role("creator-group"), Ok(Role::Creator));
        assert!(parse_role("root").is_err());
    }
}
