//! The admin commands: clients, users, fixtures, signing keys, the dev outbox. They work on
//! the database directly, with the same server secret as `serve`.
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

use clap::Subcommand;
use phonelogin_core::clock::{Clock, SystemClock, rfc3339};
use phonelogin_core::crypto::{DerivedKeys, ServerSecret};
use phonelogin_core::fixtures::{self, ClientSpec, Fixtures, Generated, UserSpec};
use phonelogin_core::keys::{Alg, StoredKey};
use phonelogin_core::model::AuthMethod;
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

fn print_generated(g: &Generated) {
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
pub enum ClientCmd {
    /// Register a client; prints its generated secret once.
    Create {
        /// The client_id the merchant authenticates with.
        #[arg(long)]
        client_id: String,
        /// The merchant's name, shown to the user in the app.
        #[arg(long)]
        name: String,
        /// Space- or comma-separated scopes the client may request.
        #[arg(long, default_value = "openid name email phoneNumber address birthDate")]
        scopes: String,
        /// A redirect URI for the login_to_webpage flow (repeat for several; https unless --dev).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// How the client sends its secret: client_secret_basic or client_secret_post.
        #[arg(long, default_value = "client_secret_basic")]
        auth_method: String,
        /// Clients of one sector share the pairwise sub and consents. [default: the client id]
        #[arg(long)]
        sector: Option<String>,
        /// An https URL of the merchant's logo, shown in the app.
        #[arg(long)]
        logo_url: Option<String>,
        /// A JSON file with the delegated-consents form (format: docs/fixtures.md).
        #[arg(long)]
        delegated_consents: Option<std::path::PathBuf>,
    },
    /// List clients: id, name, auth method, scopes.
    List,
    /// Show one client's settings (never its secret).
    Show {
        /// The client_id.
        client_id: String,
    },
    /// Delete a client; its pending logins and tokens stop working.
    Delete {
        /// The client_id.
        client_id: String,
    },
}

pub async fn client(global: &Global, cmd: ClientCmd) -> Result<(), String> {
    let (store, _) = open(global, Mode::Existing).await?;
    match cmd {
        ClientCmd::Create {
            client_id,
            name,
            scopes,
            redirect_uris,
            auth_method,
            sector,
            logo_url,
            delegated_consents,
        } => {
            if store.client(&client_id).await.map_err(|e| e.to_string())?.is_some() {
                return Err(format!("client {client_id} exists already"));
            }
            let form = match delegated_consents {
                Some(f) => Some(
                    serde_json::from_str(&std::fs::read_to_string(&f).map_err(|e| e.to_string())?)
                        .map_err(|e| e.to_string())?,
                ),
                None => None,
            };
            let spec = ClientSpec {
                client_id,
                client_secret: None,
                name,
                logo_url,
                token_endpoint_auth_method: AuthMethod::parse(&auth_method)
                    .ok_or("auth method must be client_secret_basic or client_secret_post")?,
                scopes: scopes.split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
                redirect_uris,
                grant_types: None,
                sector,
                delegated_consents: form,
            };
            let mut g = Generated::default();
            fixtures::import_client(store.as_ref(), &spec, SystemClock.now(), &mut g)
                .await
                .map_err(|e| e.to_string())?;
            print_generated(&g);
            Ok(())
        }
        ClientCmd::List => {
            for c in store.clients().await.map_err(|e| e.to_string())? {
                println!("{}\t{}\t{}\t{}", c.client_id, c.name, c.auth_method.as_str(), c.scopes);
            }
            Ok(())
        }
        ClientCmd::Show { client_id } => {
            let c = store.client(&client_id).await.map_err(|e| e.to_string())?.ok_or("no such client")?;
            println!(
                "client_id:     {}\nname:          {}\nauth method:   {}\nscopes:        {}\nredirect URIs: {}\ngrant types:   {}\nsector:        {}\ndelegated:     {}\ncreated:       {}",
                c.client_id,
                c.name,
                c.auth_method.as_str(),
                c.scopes,
                c.redirect_uris.join(" "),
                c.grant_types.join(" "),
                c.sector,
                if c.delegated_consents.is_some() { "configured" } else { "none" },
                rfc3339(c.created_at)
            );
            Ok(())
        }
        ClientCmd::Delete { client_id } => {
            if store.delete_client(&client_id).await.map_err(|e| e.to_string())? {
                Ok(())
            } else {
                Err("no such client".into())
            }
        }
    }
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
    /// Generate a new signing key; the old one stays in the JWKS until its tokens expired.
    Rotate {
        /// Algorithm of the new key: RS256 or ES256.
        #[arg(long, default_value = "RS256")]
        alg: String,
    },
    /// List signing keys: kid, algorithm, created, active/retired.
    List,
}

pub async fn keys(global: &Global, cmd: KeysCmd) -> Result<(), String> {
    let (store, keys) = open(global, Mode::Existing).await?;
    let now = SystemClock.now();
    match cmd {
        KeysCmd::Rotate { alg } => {
            let alg = Alg::parse(&alg).ok_or("alg must be RS256 or ES256")?;
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
