//! Configuration: flags, `PHONELOGIN_*` environment variables, and an optional TOML file whose
//! values become the flags' defaults (so flags and env win). `config example` prints it all.
use clap::{CommandFactory, FromArgMatches, Subcommand};

use crate::Cli;

#[derive(Subcommand)]
pub enum ConfigCmd {
    /// Print a commented TOML file with every setting, its default and its env variable.
    Example,
}

/// The `--config` file named on the command line or in `PHONELOGIN_CONFIG`.
fn config_path() -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let from_args = args.iter().enumerate().find_map(|(i, a)| {
        a.strip_prefix("--config=")
            .map(str::to_owned)
            .or_else(|| (a == "--config").then(|| args.get(i + 1).cloned()).flatten())
    });
    from_args.or_else(|| std::env::var("PHONELOGIN_CONFIG").ok())
}

fn file_defaults(path: &str) -> Result<Vec<(String, String)>, clap::Error> {
    let fail = |m: String| clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("config file {path}: {m}\n"));
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| fail(e.to_string()))?;
    table
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => return Err(fail(format!("{k}: unsupported value {other}"))),
            };
            Ok((k.replace('-', "_"), v))
        })
        .collect()
}

/// Parses the command line with the config file's values as defaults.
pub fn parse() -> Result<Cli, clap::Error> {
    let mut cmd = Cli::command();
    if let Some(path) = config_path() {
        for (key, value) in file_defaults(&path)? {
            let value: &'static str = Box::leak(value.into_boxed_str());
            let global = cmd.get_arguments().any(|a| a.get_id() == key.as_str());
            let serve =
                cmd.find_subcommand("serve").is_some_and(|s| s.get_arguments().any(|a| a.get_id() == key.as_str()));
            if global {
                cmd = cmd.mut_arg(key.as_str(), |a| a.default_value(value));
            } else if serve {
                cmd = cmd.mut_subcommand("serve", |s| s.mut_arg(key.as_str(), |a| a.default_value(value)));
            } else {
                return Err(clap::Error::raw(
                    clap::error::ErrorKind::UnknownArgument,
                    format!("config file {path}: unknown setting '{key}'\n"),
                ));
            }
        }
    }
    let matches = cmd.try_get_matches()?;
    Cli::from_arg_matches(&matches)
}

pub fn run(c: ConfigCmd) -> Result<(), String> {
    match c {
        ConfigCmd::Example => {
            let cmd = Cli::command();
            let serve = cmd.find_subcommand("serve").cloned();
            let args = cmd.get_arguments().chain(serve.iter().flat_map(|s| s.get_arguments()));
            println!("# phonelogin configuration (pass with --config FILE). Flags and PHONELOGIN_* env variables win.");
            for a in args {
                let id = a.get_id().as_str();
                if matches!(id, "help" | "version" | "config") {
                    continue;
                }
                println!();
                if let Some(help) = a.get_help() {
                    println!("# {help}");
                }
                if let Some(env) = a.get_env() {
                    println!("# env: {}", env.to_string_lossy());
                }
                let default = a.get_default_values().first().map(|d| d.to_string_lossy().into_owned());
                let is_flag = a.get_num_args().is_some_and(|n| n.max_values() == 0);
                let value = match (default, is_flag) {
                    (_, true) => "false".to_owned(),
                    (Some(d), false) if d.parse::<i64>().is_ok() => d,
                    (Some(d), false) => format!("{d:?}"),
                    (None, false) => "\"\"".to_owned(),
                };
                println!("#{id} = {value}");
            }
            Ok(())
        }
    }
}
