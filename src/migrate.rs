//! Schema migrations (refinery, embedded from `migrations/`).
//!
//! refinery takes no lock of its own, so every run holds a PostgreSQL advisory lock:
//! instances starting together apply each migration once, the others wait and then find
//! nothing pending. Runs use a dedicated connection, never a pooled one.

use serde::Serialize;
use tokio_postgres::NoTls;

refinery::embed_migrations!("migrations");

/// Advisory lock key ("infini" in ASCII), shared by every instance of this server.
const MIGRATION_LOCK: i64 = 0x0000_696e_6669_6e69;

#[derive(Debug, Serialize)]
pub struct MigrationInfo {
    pub version: i32,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied_on: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MigrationStatus {
    pub applied: Vec<MigrationInfo>,
    pub pending: Vec<MigrationInfo>,
}

async fn connect(database_url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(database_url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "migration connection closed");
        }
    });
    Ok(client)
}

/// Applies every pending migration; returns the versions applied by this call.
pub async fn run(database_url: &str) -> anyhow::Result<Vec<MigrationInfo>> {
    let mut client = connect(database_url).await?;
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await?;
    let result = migrations::runner().run_async(&mut client).await;
    // Unlock even when the run failed; closing the connection would release it too.
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await;
    let report = result?;
    let applied: Vec<MigrationInfo> = report
        .applied_migrations()
        .iter()
        .map(|m| MigrationInfo { version: m.version(), name: m.name().to_string(), applied_on: None })
        .collect();
    for m in &applied {
        tracing::info!(version = m.version, name = %m.name, "migration applied");
    }
    Ok(applied)
}

/// Lists applied and pending migrations without changing anything.
pub async fn status(database_url: &str) -> anyhow::Result<MigrationStatus> {
    let mut client = connect(database_url).await?;
    let runner = migrations::runner();
    // A database never migrated has no history table yet: everything is pending.
    let has_history: bool =
        client.query_one("SELECT to_regclass('refinery_schema_history') IS NOT NULL", &[]).await?.try_get(0)?;
    let applied_rows = if has_history { runner.get_applied_migrations_async(&mut client).await? } else { Vec::new() };
    let applied: Vec<MigrationInfo> = applied_rows
        .iter()
        .map(|m| MigrationInfo {
            version: m.version(),
            name: m.name().to_string(),
            applied_on: m.applied_on().map(|t| t.to_string()),
        })
        .collect();
    let pending = runner
        .get_migrations()
        .iter()
        .filter(|m| !applied.iter().any(|a| a.version == m.version()))
        .map(|m| MigrationInfo { version: m.version(), name: m.name().to_string(), applied_on: None })
        .collect();
    Ok(MigrationStatus { applied, pending })
}
