//! `infinidream`: thin entry point. Reads `.env` and the environment, sets up logging,
//! then runs the server or an operator subcommand (see `cli`).

use std::process::ExitCode;

use clap::Parser;
use infinidream_server::cli::{self, Cli, Command};
use infinidream_server::config::Settings;
use infinidream_server::startup::Application;
use infinidream_server::telemetry;

fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let serving = matches!(cli.command, None | Some(Command::Serve));
    telemetry::init(settings.log_format, if serving { "info" } else { "warn" });
    infinidream_server::alloc::init();
    let system = actix_web::rt::System::new();
    let outcome = system.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => {
                let app = Application::build(settings).await.map_err(|e| cli::CliError(format!("{e:#}")))?;
                app.run_until_stopped(true).await.map_err(|e| cli::CliError(e.to_string()))?;
                Ok(None)
            }
            Command::Migrate { status } => cli::migrate(&settings, status).await.map(Some),
            Command::Users { command } => cli::users(&settings, command).await.map(Some),
            Command::Apikeys { command } => cli::apikeys(&settings, command).await.map(Some),
            Command::Dreams { command } => cli::dreams(&settings, command).await.map(Some),
            Command::Maintenance { command } => cli::maintenance(&settings, command).await.map(Some),
        }
    });
    match outcome {
        Ok(Some(json)) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
