//! `phonelogin serve`: opens the store, makes sure a signing key exists, imports fixtures
//! (and the demo data with --demo), then serves until Ctrl-C or SIGTERM.
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use phonelogin_core::backchannel::Settings;
use phonelogin_core::clock::{Clock, SystemClock};
use phonelogin_core::keys::Alg;
use phonelogin_core::version::AppVersion;

use phonelogin_core::notify::Notifier;
use phonelogin_server::AppState;
use phonelogin_server::delivery::DeliveryConfig;
use phonelogin_server::demo;
use phonelogin_server::events::{Hub, LocalNotifier};
use phonelogin_server::serve::{HttpLimits, serve};
use phonelogin_store::postgres::PgEvents;

use crate::Global;
use crate::admin::{import_file, open};
use crate::preflight::Mode;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to bind (port 0: a free port, named in the first line printed).
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
    /// ID-token algorithm (RS256, PS256 or ES256) of clients that registered none; the JWKS
    /// always has a key of each (`keys rotate --alg` rotates one).
    #[arg(long, env = "PHONELOGIN_SIGNING_ALG", default_value = "RS256", value_parser = parse_alg)]
    pub signing_alg: Alg,
    /// Development mode: http redirect URIs, one-time codes in the log and the outbox.
    #[arg(long, env = "PHONELOGIN_DEV")]
    pub dev: bool,
    /// Demo mode (implies --dev): a demo merchant, demo users and the POS page at /demo/pos.
    #[arg(long, env = "PHONELOGIN_DEMO")]
    pub demo: bool,
    /// Where one-time codes are sent (spec §11): a signed POST per SMS.
    #[arg(long, env = "PHONELOGIN_SMS_WEBHOOK")]
    pub sms_webhook: Option<String>,
    /// HMAC key of the `Phonelogin-Signature` on SMS webhook calls.
    #[arg(long, env = "PHONELOGIN_SMS_WEBHOOK_SECRET", hide_env_values = true)]
    pub sms_webhook_secret: Option<String>,
    /// The `sub` of Web Push VAPID tokens. [default: mailto:admin@ + host of the public URL]
    #[arg(long, env = "PHONELOGIN_VAPID_SUBJECT")]
    pub vapid_subject: Option<String>,
    /// Log format: text or json.
    #[arg(long, env = "PHONELOGIN_LOG_FORMAT", default_value = "text")]
    pub log_format: String,
    /// Take the client address (for the per-address enrollment limit) from the left-most
    /// X-Forwarded-For header: only behind a proxy that sets it.
    #[arg(long, env = "PHONELOGIN_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// Let a number without an account enroll: the app then asks for the name (and optionally
    /// email and birth date) of the new user. Without it only provisioned users can enroll.
    #[arg(long, env = "PHONELOGIN_SELF_REGISTRATION")]
    pub self_registration: bool,
    /// Days to keep ended login requests, codes, tokens and sent messages (the audit log is kept).
    #[arg(long, env = "PHONELOGIN_RETENTION", default_value_t = 7, value_parser = clap::value_parser!(i64).range(1..))]
    pub retention: i64,
    /// Open HTTP connections at most; past it new ones wait.
    #[arg(long, env = "PHONELOGIN_MAX_CONNECTIONS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: u64,
    /// Threads that serve HTTP. [default: the cores less one, at least one: the database's
    /// writer (SQLite's writer thread, or PostgreSQL on the same machine) keeps a core]
    #[arg(long, env = "PHONELOGIN_WORKERS", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,
}

impl ServeArgs {
    /// The HTTP worker threads: `--workers`, else the cores less one (docs/operations.md).
    pub fn workers(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        self.workers.map_or(cores.saturating_sub(1), usize::from).max(1)
    }
}

fn parse_version(s: &str) -> Result<AppVersion, String> {
    AppVersion::parse(s).ok_or_else(|| "expected X.Y.Z".into())
}

fn parse_alg(s: &str) -> Result<Alg, String> {
    Alg::parse(s).ok_or_else(|| "expected RS256, PS256 or ES256".into())
}

fn listen_error(addr: SocketAddr, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "cannot listen on {addr}: the address is already in use (another phonelogin, or another program, \
             listens there). Stop it, or choose another address with --listen, e.g. --listen {}:{}",
            addr.ip(),
            addr.port().wrapping_add(1).max(1024)
        ),
        std::io::ErrorKind::PermissionDenied => {
            format!("cannot listen on {addr}: permission denied (ports below 1024 need privileges; try --listen)")
        }
        _ => format!("cannot listen on {addr}: {e} (choose another address with --listen)"),
    }
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PHONELOGIN_LOG").unwrap_or_else(|_| "info".into());
    // Colour codes only for a terminal (and never with NO_COLOR): redirected logs stay plain.
    let ansi = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub async fn run(global: &Global, args: ServeArgs) -> Result<(), String> {
    init_logging(&args.log_format);
    let dev = args.dev || args.demo;
    if dev && !args.listen.ip().is_loopback() {
        return Err(format!(
            "--dev and --demo show one-time codes and demo secrets: they serve only on a loopback address, not {} \
             (use --listen 127.0.0.1:{})",
            args.listen,
            args.listen.port()
        ));
    }
    let (store, keys) = open(global, Mode::Create).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    phonelogin_server::ensure_signing_keys(store.as_ref(), &keys, clock.now()).await.map_err(|e| e.to_string())?;
    if let Some(file) = &args.fixtures {
        import_file(store.as_ref(), &keys, file).await?;
    }
    // Bound before the URL is made: with port 0 the system picks the port, and the URL (printed
    // first) names it, so that tests and scripts never race another program for a port.
    let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| listen_error(args.listen, &e))?;
    let bound = listener.local_addr().map_err(|e| listen_error(args.listen, &e))?;
    let public_url = args.public_url.clone().unwrap_or_else(|| format!("http://{bound}"));
    let demo = if args.demo { Some(import_demo(store.as_ref(), &keys, &public_url).await?) } else { None };
    let settings = Settings {
        max_pending_per_user: args.max_pending_per_user,
        min_app_version: args.min_app_version,
        dev,
        id_token_alg: args.signing_alg,
    };
    let hub = Hub::default();
    let notifier: Arc<dyn Notifier> = if global.database_url.starts_with("postgres") {
        // Several nodes share the database: events travel through it to every node's streams.
        let events = PgEvents::connect(&global.database_url).await.map_err(|e| e.to_string())?;
        let local = hub.clone();
        events.listen(move |e| local.deliver(e)).await.map_err(|e| e.to_string())?;
        Arc::new(events)
    } else {
        Arc::new(LocalNotifier(hub.clone()))
    };
    let mut state = AppState::new(store.clone(), clock.clone(), keys, settings, &public_url, notifier, hub);
    state.trust_proxy = args.trust_proxy;
    state.self_registration = args.self_registration;
    let state = Arc::new(state);
    phonelogin_server::retention::spawn(store, clock.clone(), args.retention);
    phonelogin_server::delivery::start(state.clone(), delivery_config(&args, &public_url, dev)?).await?;
    tracing::info!(%public_url, dev, "phonelogin is serving");
    println!("phonelogin listening on {public_url}");
    println!("  issuer:  {}", state.issuer);
    println!("  app:     {public_url}/app/");
    if demo.is_some() {
        print_demo_banner(&public_url);
    }
    let streams = state.streams.clone();
    let mut router = phonelogin_server::router(state);
    if let Some(secret) = demo {
        router = router.merge(demo::router(&public_url, secret, clock));
    }
    let limits = HttpLimits { max_connections: args.max_connections as usize, ..HttpLimits::default() };
    serve(listener, router, limits, shutdown(), move || {
        tracing::info!("stopping: closing event streams, finishing requests in flight");
        streams.close_all();
    })
    .await;
    Ok(())
}

/// The delivery flags: an SMS sender (or a warning that enrollment will answer 503) and the
/// VAPID subject.
fn delivery_config(args: &ServeArgs, public_url: &str, dev: bool) -> Result<DeliveryConfig, String> {
    let mut config = DeliveryConfig::new(public_url);
    if let Some(url) = &args.sms_webhook {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!("--sms-webhook {url} must be an http(s) URL"));
        }
        if args.sms_webhook_secret.as_deref().is_none_or(str::is_empty) {
            return Err("--sms-webhook needs --sms-webhook-secret (the receiver checks the signature)".into());
        }
        config.sms_webhook = Some(url.clone());
        config.sms_secret = args.sms_webhook_secret.clone();
    } else if !dev {
        tracing::warn!("no SMS sender (--sms-webhook): enrollment answers 503 sms_unavailable");
        eprintln!("warning: no SMS sender (--sms-webhook): enrollment answers 503 sms_unavailable");
    }
    if let Some(subject) = &args.vapid_subject {
        config.vapid_subject = subject.clone();
    }
    Ok(config)
}

/// Creates (or refreshes) the demo merchant and users; returns the demo client's new secret.
async fn import_demo(
    store: &dyn phonelogin_core::store::Store,
    keys: &phonelogin_core::crypto::DerivedKeys,
    public_url: &str,
) -> Result<String, String> {
    let (doc, secret) = demo::fixtures(public_url);
    phonelogin_core::fixtures::import(store, keys, &doc, SystemClock.now()).await.map_err(|e| e.to_string())?;
    Ok(secret)
}

fn print_demo_banner(public_url: &str) {
    println!();
    println!("  Demo mode. Open these two pages side by side:");
    println!("    the phone (authenticator app): {public_url}/app/   (best in a 360x740 window)");
    println!("    the shop's till (merchant):    {public_url}/demo/pos");
    println!();
    println!("  Demo users (enroll the phone page with one of them; the one-time code is shown");
    println!("  on screen in demo mode, then choose a PIN, e.g. 1234):");
    println!("    4712345678  Ada Lovelace");
    println!("    4798765432  Alan Turing");
    println!("    4711111111  Grace Hopper");
    println!();
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
