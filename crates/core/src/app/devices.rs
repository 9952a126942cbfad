//! The user's devices (spec §10): the Devices screen lists them and removes one.
use serde::Serialize;

use super::AppError;
use crate::clock::rfc3339;
use crate::model::Device;
use crate::store::Store;

#[derive(Debug, Serialize)]
pub struct DeviceView {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub app_version: String,
    /// The device asking.
    pub current: bool,
    pub locked: bool,
    /// Its decisions are signed with a device key (false only for fixture devices).
    pub device_key: bool,
}

pub async fn devices(store: &dyn Store, me: &Device) -> Result<Vec<DeviceView>, AppError> {
    Ok(store
        .devices(&me.user_id)
        .await?
        .into_iter()
        .map(|d| DeviceView {
            current: d.device_id == me.device_id,
            created_at: rfc3339(d.created_at),
            last_used_at: d.last_used_at.map(rfc3339),
            device_key: d.public_key.is_some(),
            id: d.device_id,
            name: d.name,
            app_version: d.app_version,
            locked: d.locked,
        })
        .collect())
}

/// Removes one of the user's devices (possibly this one); its token stops working.
pub async fn remove_device(store: &dyn Store, me: &Device, device_id: &str) -> Result<Device, AppError> {
    let device = store.device(device_id).await?.filter(|d| d.user_id == me.user_id).ok_or(AppError::NotFound)?;
    if !store.delete_device(device_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(device)
}
