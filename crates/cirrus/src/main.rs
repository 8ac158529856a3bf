//! `cirrus`: the Cirrus server and its admin tools.

mod serve;

use clap::{Parser, Subcommand};

/// Cirrus: a self-hosted, Cognito-compatible user pool service with SAML 2.0 federation.
#[derive(Debug, Parser)]
#[command(name = "cirrus", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args),
    }
}
