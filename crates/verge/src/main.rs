//! The `verge` binary: command-line parsing and wiring; no logic of its own.

mod cli;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "verge",
    version,
    about = "Run Cloudflare Workers projects on your own machines"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a Workers project locally (state under `<project>/.verge/`, reloads on change).
    Dev(cli::dev::DevArgs),
    /// Work with KV namespaces of a project (same state as `verge dev`).
    Kv {
        #[command(flatten)]
        project: cli::ProjectArgs,
        #[command(subcommand)]
        command: cli::kv::KvCommand,
    },
    /// Work with the edge cache of a project (same state as `verge dev`).
    Cache {
        #[command(flatten)]
        project: cli::ProjectArgs,
        #[command(subcommand)]
        command: cli::cache::CacheCommand,
    },
    /// Work with the queues of a project (same state as `verge dev`).
    Queues {
        #[command(flatten)]
        project: cli::ProjectArgs,
        #[command(subcommand)]
        command: cli::queues::QueuesCommand,
    },
    /// Work with D1 databases of a project (same state as `verge dev`).
    D1 {
        #[command(flatten)]
        project: cli::ProjectArgs,
        #[command(subcommand)]
        command: cli::d1::D1Command,
    },
}

fn main() -> std::process::ExitCode {
    verge_js::malloc::tune_for_server();
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("VERGE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Dev(args) => cli::dev::run(args),
        Command::Kv { project, command } => cli::kv::run(command, &project),
        Command::D1 { project, command } => cli::d1::run(command, &project),
        Command::Cache { project, command } => cli::cache::run(command, &project),
        Command::Queues { project, command } => cli::queues::run(command, &project),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
