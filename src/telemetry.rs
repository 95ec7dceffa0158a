//! Logging: human-readable in a terminal, JSON lines when `LOG_FORMAT=json`.
//!
//! Filters come from `RUST_LOG` (default `info`). Nothing logs request headers, bodies
//! or query strings: the desktop copies its session cookie into the socket URL's query.

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// `default_level` applies when `RUST_LOG` is unset (`info` for the server, `warn` for
/// CLI subcommands so that stderr carries only what the operator needs).
pub fn init(format: LogFormat, default_level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // `try_init`: tests and the CLI may initialise twice; the second call is a no-op.
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}
