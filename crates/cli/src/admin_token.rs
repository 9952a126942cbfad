//! `phonelogin admin-token create|list|revoke`: the tokens of `/admin/v1` and `/scim/v2`
//! (PRODUCT §13). A token is printed once; only its SHA-256 is stored.
use clap::Subcommand;
use phonelogin_core::admin::new_token;
use phonelogin_core::clock::{Clock, SystemClock, rfc3339};

use crate::Global;
use crate::admin::open;
use crate::preflight::Mode;

#[derive(Subcommand)]
pub enum AdminTokenCmd {
    /// Create a token; it is printed once.
    Create { name: String },
    /// The tokens, with when they were created and revoked.
    List,
    /// Revoke a token: calls with it get 401 from now on.
    Revoke { name: String },
}

pub async fn run(global: &Global, cmd: AdminTokenCmd) -> Result<(), String> {
    let (store, _) = open(global, Mode::Existing).await?;
    let now = SystemClock.now();
    match cmd {
        AdminTokenCmd::Create { name } => {
            let (token, record) = new_token(&name, now)?;
            if !store.insert_admin_token(&record).await.map_err(|e| e.to_string())? {
                return Err(format!("an admin token named {name} exists already"));
            }
            println!("{token}");
            eprintln!("admin token {name}: shown once, stored only as a hash");
            Ok(())
        }
        AdminTokenCmd::List => {
            for t in store.admin_tokens().await.map_err(|e| e.to_string())? {
                let state = t.revoked_at.map_or_else(|| "active".to_owned(), |at| format!("revoked {}", rfc3339(at)));
                println!("{}\t{}\t{state}", t.name, rfc3339(t.created_at));
            }
            Ok(())
        }
        AdminTokenCmd::Revoke { name } => {
            if store.revoke_admin_token(&name, now).await.map_err(|e| e.to_string())? {
                Ok(())
            } else {
                Err(format!("no active admin token named {name}"))
            }
        }
    }
}
