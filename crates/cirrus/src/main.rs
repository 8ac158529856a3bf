//! `cirrus`: the Cirrus server and its admin tools.

mod admin;
mod apply;
mod metrics_recorder;
mod process_metrics;
mod saml_check;
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
    /// Show the audit trail (sign-ins, refusals and why, key rotations).
    Events(admin::EventsArgs),
    /// Print a pool's signed SAML SP metadata (entity ID, ACS, SLO, certificates).
    SpMetadata(admin::SpMetadataArgs),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(admin::KeysCommand),
    /// Make the store match a configuration file (pools, clients, providers, domains, ...).
    Apply(apply::ApplyArgs),
    /// Write the configuration of one pool (or all) in the format `cirrus apply` takes.
    Export(apply::ExportArgs),
    /// SAML tools for admins.
    #[command(subcommand)]
    Saml(SamlCommand),
}

#[derive(Debug, Subcommand)]
enum SamlCommand {
    /// Validate a SAMLResponse offline against IdP metadata and print every check as JSON.
    Check(saml_check::Args),
    /// List every SAML certificate (IdP signing, SP signing and encryption) and when it expires.
    Certificates(admin::CertificatesArgs),
    /// Fetch a pool's MetadataURL metadata now (after an IdP's certificate rollover).
    RefreshMetadata(admin::RefreshMetadataArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Events(args) => admin::events(args),
        Command::Keys(command) => admin::keys(command),
        Command::SpMetadata(args) => admin::sp_metadata(args),
        Command::Apply(args) => apply::apply(args),
        Command::Export(args) => apply::export(args),
        Command::Saml(SamlCommand::Certificates(args)) => admin::certificates(args),
        Command::Saml(SamlCommand::RefreshMetadata(args)) => admin::refresh_metadata(args),
        Command::Saml(SamlCommand::Check(args)) => {
            std::process::ExitCode::from(u8::try_from(saml_check::run(args)).unwrap_or(2))
        }
    }
}
