//! `phonelogin serve`: opens the store, makes sure a signing key exists, imports fixtures
//! (and the demo data with --demo), then serves until Ctrl-C or SIGTERM.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use phonelogin_core::backchannel::Settings;
use phonelogin_core::clock::{Clock, SystemClock};
use phonelogin_core::keys::Alg;
use phonelogin_core::version::AppVersion;

use crate::Global;
use crate::admin::{import_file, open};

#[derive(Args)]
pub struct ServeArgs {
    /// Address to bind.
    #[arg(long, env = "PHONELOGIN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Base of the issuer and of every URL the server hands out. [default: http:// + listen address]
    #[arg(long, env = "PHONELOGIN_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Import a fixtures file on start, before serving.
    #[arg(long, env = "PHONELOGIN_FIXTURES")]
    pub fixtures: Option<PathBuf>,
    /// Older authenticator apps get `old_app`.
    #[arg(long, env = "PHONELOGIN_MIN_APP_VERSION", default_value = "1.0.0", value_parser = parse_version)]
    pub min_app_version: AppVersion,
    /// Undecided requests per user before 429.
    #[arg(long, env = "PHONELOGIN_MAX_PENDING_PER_USER", default_value_t = 3, value_parser = clap::value_parser!(i64).range(1..))]
    pub max_pending_per_user: i64,
    /// Algorithm of the first signing key (RS256 or ES256); `keys rotate --alg` changes it later.
    #[arg(long, env = "PHONELOGIN_SIGNING_ALG", default_value = "RS256", value_parser = parse_alg)]
    pub signing_alg: Alg,
    /// Development mode: http redirect URIs, one-time codes in the log and the outbox.
    #[arg(long, env = "PHONELOGIN_DEV")]
    pub dev: bool,
    /// Demo mode (implies --dev): a demo merchant, demo users and the POS page at /demo/pos.
    #[arg(long, env = "PHONELOGIN_DEMO")]
    pub demo: bool,
    /// Log format: text or json.
    #[arg(long, env = "PHONELOGIN_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
}

fn parse_version(s: &str) -> Result<AppVersion, String> {
    AppVersion::parse(s).ok_or_else(|| "expected X.Y.Z".into())
}

fn parse_alg(s: &str) -> Result<Alg, String> {
    Alg::parse(s).ok_or_else(|| "expected RS256 or ES256".into())
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PHONELOGIN_LOG").unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub async fn run(global: &Global, args: ServeArgs) -> Result<(), String> {
    init_logging(&args.log_format);
    let dev = args.dev || args.demo;
    let (store, keys) = open(global).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    phonelogin_server::ensure_signing_key(store.as_ref(), &keys, args.signing_alg, clock.now()).await.map_err(|e| e.to_string())?;
    if let Some(file) = &args.fixtures {
        import_file(store.as_ref(), &keys, file).await?;
    }
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{}", args.listen));
    let settings = Settings { max_pending_per_user: args.max_pending_per_user, min_app_version: args.min_app_version, dev };
    let state = phonelogin_server::single_node_state(store, clock, keys, settings, &public_url);
    let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    tracing::info!(%public_url, dev, "phonelogin is serving");
    println!("phonelogin listening on {public_url}");
    println!("  issuer:  {}", state.issuer);
    println!("  app:     {public_url}/app/");
    axum::serve(listener, phonelogin_server::router(state))
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| e.to_string())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
