//! The `phonelogin` binary: `serve`, and noun-verb admin commands that work on the same
//! database and server secret.
mod admin;
mod admin_token;
mod clients;
mod config;
mod devices;
mod login;
mod preflight;
mod serve;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "phonelogin", version, about = "Login from phone number: an OpenID Connect CIBA identity provider")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Clone)]
pub struct Global {
    /// Database: sqlite://PATH or postgres://USER@HOST:PORT/DB (only `serve` creates a new one).
    #[arg(long, global = true, env = "PHONELOGIN_DATABASE_URL", default_value = "sqlite://./phonelogin.db")]
    pub database_url: String,
    /// The server secret file (only `serve` creates it, mode 0600, when absent).
    #[arg(long, global = true, env = "PHONELOGIN_SECRET_FILE", default_value = "./phonelogin.secret")]
    pub secret_file: PathBuf,
    /// A TOML file of settings (keys are the flags' long names); flags and env variables win.
    #[arg(long, global = true, env = "PHONELOGIN_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Manage merchants' clients.
    #[command(subcommand)]
    Client(clients::ClientCmd),
    /// Manage users.
    #[command(subcommand)]
    User(admin::UserCmd),
    /// Manage users' devices (the enrolled apps).
    #[command(subcommand)]
    Device(devices::DeviceCmd),
    /// Import a fixtures JSON file (idempotent).
    Import {
        /// The fixtures file (format: docs/fixtures.md).
        file: PathBuf,
    },
    /// Manage ID-token signing keys.
    #[command(subcommand)]
    Keys(admin::KeysCmd),
    /// Show the SMS a --dev server would have sent (one-time codes).
    Outbox,
    /// Tokens for the admin API and SCIM.
    #[command(subcommand)]
    AdminToken(admin_token::AdminTokenCmd),
    /// Log in as a merchant would: a CIBA login against any provider, verified, with userinfo.
    Login(login::LoginArgs),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(config::ConfigCmd),
}

fn main() -> std::process::ExitCode {
    let cli = match config::parse() {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Command::Serve(args) = &cli.command {
        runtime.worker_threads(args.workers());
    }
    let runtime = runtime.enable_all().build();
    let result = match runtime {
        Ok(rt) => rt.block_on(run(cli)),
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.global, args).await,
        Command::Config(c) => config::run(c),
        Command::Client(c) => clients::client(&cli.global, c).await,
        Command::User(c) => admin::user(&cli.global, c).await,
        Command::Device(c) => devices::device(&cli.global, c).await,
        Command::Import { file } => admin::import(&cli.global, &file).await,
        Command::Keys(c) => admin::keys(&cli.global, c).await,
        Command::Outbox => admin::outbox(&cli.global).await,
        Command::AdminToken(c) => admin_token::run(&cli.global, c).await,
        Command::Login(a) => login::run(a).await,
    }
}
