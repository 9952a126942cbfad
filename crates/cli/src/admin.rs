//! The admin commands: clients, users, fixtures, signing keys, the dev outbox. They work on
//! the database directly, with the same server secret as `serve`.
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

use clap::Subcommand;
use phonelogin_core::clock::{Clock, SystemClock, rfc3339};
use phonelogin_core::crypto::{DerivedKeys, ServerSecret};
use phonelogin_core::fixtures::{self, Fixtures, Generated, UserSpec};
use phonelogin_core::keys::{Alg, StoredKey};
use phonelogin_core::msisdn::Msisdn;
use phonelogin_core::store::Store;

use crate::Global;
use crate::preflight::{self, Mode};

/// Reads the server secret, creating it (mode 0600) when the file does not exist. A file that
/// its group or others may read is refused: whoever reads it can forge every PIN check.
fn secret(path: &Path) -> Result<ServerSecret, String> {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        return Err(format!(
            "the server secret {} can be read by other users (mode {:o}); make it private with: chmod 600 {}",
            path.display(),
            meta.permissions().mode() & 0o777,
            path.display()
        ));
    }
    match std::fs::read_to_string(path) {
        Ok(text) => ServerSecret::from_hex(&text)
            .ok_or_else(|| format!("{} is not a phonelogin secret (64 hex digits)", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let s = ServerSecret::generate();
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            writeln!(f, "{}", s.to_hex()).map_err(|e| e.to_string())?;
            eprintln!("created server secret {} (keep it; every node needs the same file)", path.display());
            Ok(s)
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Opens the database and reads the secret; `serve` may create them, admin commands never do.
pub async fn open(global: &Global, mode: Mode) -> Result<(Arc<dyn Store>, DerivedKeys), String> {
    preflight::check(global, mode).await?;
    let keys = secret(&global.secret_file)?.keys();
    let store = phonelogin_store::open(&global.database_url).await.map_err(|e| e.to_string())?;
    Ok((store, keys))
}

pub(crate) fn print_generated(g: &Generated) {
    for line in &g.lines {
        println!("{line}  (shown once; stored only as a hash)");
    }
}

pub async fn import_file(store: &dyn Store, keys: &DerivedKeys, file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let doc: Fixtures = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let g = fixtures::import(store, &keys.pin, &doc, SystemClock.now()).await.map_err(|e| e.to_string())?;
    print_generated(&g);
    println!("imported {} clients and {} users from {}", doc.clients.len(), doc.users.len(), file.display());
    Ok(())
}

pub async fn import(global: &Global, file: &Path) -> Result<(), String> {
    let (store, keys) = open(global, Mode::Existing).await?;
    import_file(store.as_ref(), &keys, file).await
}

#[derive(Subcommand)]
pub enum UserCmd {
    /// Create (or update) a user by phone number.
    Create {
        /// International digits without +, e.g. 4712345678.
        #[arg(long)]
        phone: String,
        /// Given name.
        #[arg(long, default_value = "")]
        given_name: String,
        /// Family name.
        #[arg(long, default_value = "")]
        family_name: String,
        /// Email address (stored as verified).
        #[arg(long)]
        email: Option<String>,
        /// YYYY-MM-DD.
        #[arg(long)]
        birthdate: Option<String>,
        /// National identity number.
        #[arg(long)]
        nin: Option<String>,
    },
    /// List users: phone number, name, active or deactivated.
    List,
    /// Show one user and their devices.
    Show {
        /// The phone number, e.g. 4712345678.
        phone: String,
    },
    /// Deactivate: ends the user's pending logins, revokes their tokens, removes their devices.
    Deactivate {
        /// The phone number, e.g. 4712345678.
        phone: String,
    },
    /// Lift the enrollment lock of a number (10 wrong one-time codes in 24 hours lock it).
    Unlock {
        /// The phone number, e.g. 4712345678.
        phone: String,
    },
    /// Move a user to a new phone number; merchants keep seeing the same `sub`.
    SetPhone {
        /// The current phone number.
        old: String,
        /// The new phone number.
        new: String,
    },
}

pub async fn user(global: &Global, cmd: UserCmd) -> Result<(), String> {
    let (store, keys) = open(global, Mode::Existing).await?;
    let phone_of = |p: &str| Msisdn::parse(p).ok_or_else(|| format!("{p} is not a phone number (47/45/358 + digits)"));
    match cmd {
        UserCmd::Create { phone, given_name, family_name, email, birthdate, nin } => {
            let spec = UserSpec {
                phone_number: phone,
                given_name,
                family_name,
                email_verified: email.is_some(),
                email,
                birthdate,
                nin,
                active: true,
                addresses: vec![],
                devices: vec![],
                user_code: None,
            };
            fixtures::import_user(store.as_ref(), &keys.pin, &spec, SystemClock.now(), &mut Generated::default())
                .await
                .map_err(|e| e.to_string())
        }
        UserCmd::List => {
            for u in store.users().await.map_err(|e| e.to_string())? {
                println!(
                    "{}\t{} {}\t{}",
                    u.phone_number,
                    u.given_name,
                    u.family_name,
                    if u.active { "active" } else { "deactivated" }
                );
            }
            Ok(())
        }
        UserCmd::Show { phone } => {
            let u = store.user_by_phone(&phone_of(&phone)?).await.map_err(|e| e.to_string())?.ok_or("no such user")?;
            println!(
                "phone:     {}\nname:      {} {}\nemail:     {}\nbirthdate: {}\nactive:    {}\naddresses: {}",
                u.phone_number,
                u.given_name,
                u.family_name,
                u.email.unwrap_or_default(),
                u.birthdate.unwrap_or_default(),
                u.active,
                u.addresses.len()
            );
            for d in store.devices(&u.user_id).await.map_err(|e| e.to_string())? {
                println!(
                    "device:    {} (app {}, {}{})",
                    d.name,
                    d.app_version,
                    rfc3339(d.created_at),
                    if d.locked { ", LOCKED" } else { "" }
                );
            }
            Ok(())
        }
        UserCmd::SetPhone { old, new } => {
            if store.change_phone_number(&phone_of(&old)?, &phone_of(&new)?).await.map_err(|e| e.to_string())? {
                Ok(())
            } else {
                Err("no such user".into())
            }
        }
        UserCmd::Deactivate { phone } => {
            if store.set_user_active(&phone_of(&phone)?, false).await.map_err(|e| e.to_string())? {
                Ok(())
            } else {
                Err("no such user".into())
            }
        }
        UserCmd::Unlock { phone } => {
            let phone = phone_of(&phone)?;
            if store.unlock_enrollment_number(phone.as_str()).await.map_err(|e| e.to_string())? {
                println!("enrollment for {phone} is unlocked");
            } else {
                println!("enrollment for {phone} was not locked");
            }
            Ok(())
        }
    }
}

#[derive(Subcommand)]
pub enum KeysCmd {
    /// Generate a new signing key of one algorithm; the old key of that algorithm stays in the
    /// JWKS until its tokens expired.
    Rotate {
        /// Algorithm of the new key: RS256, PS256 or ES256.
        #[arg(long, default_value = "RS256", value_parser = crate::clients::parse_alg)]
        alg: Alg,
    },
    /// List signing keys: kid, algorithm, created, active/retired.
    List,
}

pub async fn keys(global: &Global, cmd: KeysCmd) -> Result<(), String> {
    let (store, keys) = open(global, Mode::Existing).await?;
    let now = SystemClock.now();
    match cmd {
        KeysCmd::Rotate { alg } => {
            let key = StoredKey::generate(alg, &keys, now)?;
            store.rotate_in(&key, now).await.map_err(|e| e.to_string())?;
            println!("new signing key {} ({}) is active", key.kid, alg.as_str());
            Ok(())
        }
        KeysCmd::List => {
            for k in store.signing_keys().await.map_err(|e| e.to_string())? {
                let state = if k.active {
                    "active".to_owned()
                } else if k.published_at(now) {
                    "retired, still published".into()
                } else {
                    "retired".into()
                };
                println!("{}\t{}\t{}\t{state}", k.kid, k.alg.as_str(), rfc3339(k.created_at));
            }
            Ok(())
        }
    }
}

pub async fn outbox(global: &Global) -> Result<(), String> {
    let (store, _) = open(global, Mode::Existing).await?;
    for m in store.outbox(20).await.map_err(|e| e.to_string())? {
        println!("{}\t{}\t{}", rfc3339(m.sent_at), m.phone_number, m.message);
    }
    Ok(())
}
