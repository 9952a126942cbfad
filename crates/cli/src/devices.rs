//! `phonelogin device`: a user's enrolled apps, removing one, unlocking one after wrong PINs.
use clap::Subcommand;
use phonelogin_core::clock::rfc3339;
use phonelogin_core::msisdn::Msisdn;

use crate::Global;
use crate::admin::open;
use crate::preflight::Mode;

#[derive(Subcommand)]
pub enum DeviceCmd {
    /// List a user's devices: id, name, added, last used, state.
    List { phone: String },
    /// Remove a device: its token stops working and its event streams close.
    Revoke { id: String },
    /// Unlock a device locked by wrong PINs.
    Unlock { id: String },
}

pub async fn device(global: &Global, cmd: DeviceCmd) -> Result<(), String> {
    let (store, _) = open(global, Mode::Existing).await?;
    let e = |e: phonelogin_core::store::StoreError| e.to_string();
    match cmd {
        DeviceCmd::List { phone } => {
            let phone = Msisdn::parse(&phone).ok_or_else(|| format!("{phone} is not a phone number"))?;
            let user = store.user_by_phone(&phone).await.map_err(e)?.ok_or("no such user")?;
            for d in store.devices(&user.user_id).await.map_err(e)? {
                println!(
                    "{}\t{}\tadded {}\tlast used {}\t{}{}",
                    d.device_id,
                    d.name,
                    rfc3339(d.created_at),
                    d.last_used_at.map_or_else(|| "never".into(), rfc3339),
                    if d.locked { "LOCKED" } else { "active" },
                    if d.public_key.is_some() { "" } else { " (no device key: PIN only)" }
                );
            }
            Ok(())
        }
        DeviceCmd::Revoke { id } => {
            if store.delete_device(&id).await.map_err(e)? {
                Ok(())
            } else {
                Err("no such device".into())
            }
        }
        DeviceCmd::Unlock { id } => {
            if store.unlock_device(&id).await.map_err(e)? {
                Ok(())
            } else {
                Err("no such device".into())
            }
        }
    }
}
