//! `phonelogin-bench`: writes the bench fixtures and loads a running phonelogin server on this
//! machine, scenario by scenario, against the `/healthz` ceiling of the same run (spec §9).
mod fixtures;
mod load;
mod procfs;
mod push;
mod report;
mod scenarios;
mod target;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};

use crate::load::{Record, Run};
use crate::procfs::CpuMeter;
use crate::report::{Goal, Line};
use crate::scenarios::{Load, flow_steps};
use crate::target::{Endpoint, Target};

/// `fill` reports its progress every this many requests.
const FILL_CHUNK: u64 = 50_000;

#[derive(Parser)]
#[command(name = "phonelogin-bench", version, about = "Load tool for a phonelogin server running on this machine")]
struct Cli {
    /// Threads of this tool's own runtime; one keeps the tool's CPU well under the server's.
    #[arg(long, global = true, default_value_t = 1)]
    client_threads: usize,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the bench fixtures (client `bench`, N users with fixed device tokens, PIN 1234).
    Fixtures {
        #[arg(long)]
        users: usize,
        /// Where to write; standard output when absent.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Measure the scenarios, each after `GET /healthz` as the ceiling.
    Run {
        #[command(flatten)]
        server: Server,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Seconds per scenario.
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
        /// Cap on the operations of one scenario.
        #[arg(long, default_value_t = 2_000_000)]
        max_requests: u64,
        /// Pending requests created (untimed) for the poll scenario.
        #[arg(long, default_value_t = 2_000)]
        pending: usize,
        #[arg(long, value_enum, default_value_t = Scenario::All)]
        scenario: Scenario,
    },
    /// Create COUNT pending requests through the backchannel and report the rate and memory.
    Fill {
        #[command(flatten)]
        server: Server,
        #[arg(long)]
        count: u64,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Stop after this many seconds even if COUNT is not reached.
        #[arg(long, default_value_t = 1800.0)]
        max_duration: f64,
    },
}

#[derive(clap::Args)]
struct Server {
    /// Base URL of the server; only 127.0.0.0/8, localhost and ::1 are accepted.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Number of bench users the server was given (`fixtures --users`).
    #[arg(long)]
    users: usize,
    /// The server's process id, to print its resident memory at the end.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Load the speed peer (panva's oidc-provider in CIBA poll mode, client `bench` /
    /// `bench-secret`) at --url instead of phonelogin; this is the URL of its admin port, which
    /// approves a request the way phonelogin's user does on the phone.
    #[arg(long)]
    peer_admin: Option<String>,
    /// Where the push scenario holds the devices' event streams: another node of the same
    /// cluster measures cross-node push (spec §9: p99 < 250 ms); --url when absent (< 50 ms).
    #[arg(long)]
    push_url: Option<String>,
}

impl Server {
    fn target(&self) -> Result<Arc<Target>, String> {
        let target = match &self.peer_admin {
            Some(admin) => Target::peer(&self.url, admin)?,
            None => Target::new(&self.url)?,
        };
        Ok(Arc::new(target))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    All,
    Healthz,
    Backchannel,
    Poll,
    Flow,
    /// Backchannel request → `login_request` event on the user's device stream.
    Push,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match cli.client_threads {
        0 => Err(std::io::Error::other("--client-threads must be at least 1")),
        1 => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        n => tokio::runtime::Builder::new_multi_thread().worker_threads(n).enable_all().build(),
    };
    match runtime {
        Ok(runtime) => runtime.block_on(command(cli.command)),
        Err(e) => {
            eprintln!("phonelogin-bench: {e}");
            ExitCode::from(2)
        }
    }
}

async fn command(command: Command) -> ExitCode {
    let result = match command {
        Command::Fixtures { users, out } => write_fixtures(users, out.as_deref()),
        Command::Run { server, concurrency, duration, max_requests, pending, scenario } => {
            match load_settings(&server, concurrency, duration) {
                Ok(duration) => {
                    let load = Load { concurrency, duration, max: max_requests };
                    run(&server, load, pending, scenario).await
                }
                Err(e) => Err(e),
            }
        }
        Command::Fill { server, count, concurrency, max_duration } => {
            match load_settings(&server, concurrency, max_duration) {
                Ok(duration) => fill(&server, Load { concurrency, duration, max: count }).await,
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("phonelogin-bench: {e}");
            ExitCode::from(2)
        }
    }
}

fn check_users(users: usize) -> Result<(), String> {
    if users == 0 || users > fixtures::MAX_USERS {
        return Err(format!("--users must be 1 to {}", fixtures::MAX_USERS));
    }
    Ok(())
}

fn load_settings(server: &Server, concurrency: usize, seconds: f64) -> Result<Duration, String> {
    check_users(server.users)?;
    if concurrency == 0 || concurrency > 4096 {
        return Err("--concurrency must be 1 to 4096".into());
    }
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| "the duration must be a positive number of seconds".into())
}

fn write_fixtures(users: usize, out: Option<&std::path::Path>) -> Result<(), String> {
    check_users(users)?;
    let doc = fixtures::document(users);
    let mut text = serde_json::to_string(&doc).map_err(|e| e.to_string())?;
    text.push('\n');
    match out {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display())),
        None => std::io::stdout().write_all(text.as_bytes()).map_err(|e| e.to_string()),
    }
}

fn line(name: &'static str, unit: &'static str, run: &mut Run, goal: Goal, cpu: &CpuMeter) -> Line {
    let p = run.record.percentiles_ms(&[50.0, 99.0]);
    let (p50_ms, p99_ms) = (p[0], p[1]);
    Line {
        name,
        unit,
        rate: run.rate(),
        p50_ms,
        p99_ms,
        p99_checked_ms: p99_ms,
        errors: run.record.error_count(),
        goal,
        cpu: cpu.cores(),
    }
}

async fn run(server: &Server, load: Load, pending: usize, scenario: Scenario) -> Result<(), String> {
    let t = server.target()?;
    let users = server.users;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "phonelogin-bench: {} users={users} concurrency={} duration={:?} cap={} cores={}",
        server.url, load.concurrency, load.duration, load.max, cores
    );
    if let Some(pid) = server.server_pid {
        println!("server pid {pid} ({}); cpu s/b = cores used by the server / by this tool", procfs::name(pid));
    }
    if let Some(busy) = procfs::load_average().filter(|l| *l > 0.5 * cores as f64) {
        println!(
            "note: load average {busy:.1} on {cores} cores before the run: the machine is busy and every figure is low"
        );
    }
    report::header();

    let cpu = CpuMeter::start(server.server_pid);
    let mut health = scenarios::healthz(Arc::clone(&t), load).await;
    let ceiling_line = line("healthz", "req/s", &mut health, Goal::Ceiling, &cpu);
    report::print(&ceiling_line, None);
    report::print_errors(&health.record.errors);
    if health.record.ok == 0 {
        return Err(format!("GET {} never answered 200; is the server running?", t.url(Endpoint::Ceiling)));
    }
    let ceiling = Some(ceiling_line.rate);
    let wants = |s: Scenario| scenario == Scenario::All || scenario == s;

    // Flows first: they list the user's open requests, which the other scenarios leave behind.
    if wants(Scenario::Flow) {
        let cpu = CpuMeter::start(server.server_pid);
        let mut flows = scenarios::flow(Arc::clone(&t), users, load).await?;
        let mut l = line("flow", "flows/s", &mut flows.run, Goal::PerSecond(2_000.0), &cpu);
        let step_p99: Vec<f64> = flows.steps.iter_mut().map(|r| r.percentiles_ms(&[99.0])[0]).collect();
        l.p99_checked_ms = step_p99.iter().copied().fold(0.0, f64::max);
        report::print(&l, ceiling);
        let steps: Vec<String> = flow_steps(&t.api).iter().zip(&step_p99).map(|(n, p)| format!("{n} {p:.2}")).collect();
        println!("{:<12}   p99 ms per request: {}", "", steps.join(", "));
        report::print_errors(&flows.run.record.errors);
    }
    if wants(Scenario::Backchannel) {
        let cpu = CpuMeter::start(server.server_pid);
        let mut run = scenarios::backchannel(Arc::clone(&t), users, load).await;
        report::print(&line("backchannel", "req/s", &mut run, Goal::ShareOfCeiling(0.30), &cpu), ceiling);
        report::print_errors(&run.record.errors);
    }
    if wants(Scenario::Poll) {
        let ids = scenarios::create_pending(Arc::clone(&t), users, pending, load.concurrency).await?;
        let cpu = CpuMeter::start(server.server_pid);
        let mut run = scenarios::poll(Arc::clone(&t), &ids, load).await;
        report::print(&line("poll", "req/s", &mut run, Goal::ShareOfCeiling(0.45), &cpu), ceiling);
        let counts: Vec<String> = run.record.labels.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("{:<12}   over {} pending requests: {}", "", ids.len(), counts.join(", "));
        report::print_errors(&run.record.errors);
    }
    if wants(Scenario::Push) && server.peer_admin.is_none() {
        let streams = match &server.push_url {
            Some(url) => Arc::new(Target::new(url)?),
            None => Arc::clone(&t),
        };
        let bound = if server.push_url.is_some() { 250.0 } else { 50.0 };
        let cpu = CpuMeter::start(server.server_pid);
        let (mut run, mut events) = push::push(Arc::clone(&t), streams, users, load).await?;
        let mut l = line("push", "req/s", &mut run, Goal::P99Below(bound), &cpu);
        let p = events.percentiles_ms(&[50.0, 99.0]);
        (l.p50_ms, l.p99_ms, l.p99_checked_ms) = (p[0], p[1], p[1]);
        report::print(&l, ceiling);
        println!("{:<12}   p50/p99: backchannel sent → login_request event on the device", "");
        report::print_errors(&run.record.errors);
    }
    if let Some(pid) = server.server_pid {
        report::print_memory(pid, None);
    }
    Ok(())
}

async fn fill(server: &Server, load: Load) -> Result<(), String> {
    let t = server.target()?;
    if let Some(pid) = server.server_pid {
        print!("before: ");
        report::print_memory(pid, None);
    }
    println!(
        "creating {} pending requests over {} users with concurrency {} ...",
        load.max, server.users, load.concurrency
    );
    // In chunks, to show how the rate and the memory move as the pending requests pile up.
    let deadline = Instant::now() + load.duration;
    let mut run = Run { record: Record::default(), elapsed: Duration::ZERO };
    let mut attempted = 0;
    while attempted < load.max {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            println!("stopped after --max-duration");
            break;
        }
        let max = FILL_CHUNK.min(load.max - attempted);
        let mut part = scenarios::backchannel(Arc::clone(&t), server.users, Load { duration: left, max, ..load }).await;
        attempted += part.record.ok + part.record.error_count();
        let p99 = part.record.percentiles_ms(&[99.0])[0];
        let memory = server.server_pid.and_then(|pid| procfs::memory_mb(pid).ok());
        println!(
            "  {:>9} done: {:.0} req/s, p99 {p99:.2} ms, errors {}{}",
            attempted,
            part.rate(),
            part.record.error_count(),
            memory.map_or_else(String::new, |(rss, _)| format!(", server VmRSS {rss:.1} MB"))
        );
        let stalled = part.record.ok == 0;
        run.elapsed += part.elapsed;
        run.record.merge(part.record);
        if stalled {
            println!("stopped: no request succeeded in the last chunk");
            break;
        }
    }
    let p = run.record.percentiles_ms(&[50.0, 99.0]);
    println!(
        "fill: {} created in {:.1} s: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, errors {}",
        run.record.ok,
        run.elapsed.as_secs_f64(),
        run.rate(),
        p[0],
        p[1],
        run.record.error_count()
    );
    report::print_errors(&run.record.errors);
    if let Some(pid) = server.server_pid {
        report::print_memory(pid, Some(run.record.ok));
    }
    Ok(())
}
