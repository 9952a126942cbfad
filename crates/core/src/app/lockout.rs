//! A phone that locks (too many wrong PINs) while answering a login: unless the user has another
//! phone that can still answer, the login ends as rejected at once, so that the merchant hears
//! `access_denied` instead of waiting, with no word, until it expires.
use crate::clock::UnixTime;
use crate::model::Device;
use crate::store::Store;

use super::AppError;
use super::views::own_request;

/// Ends login `id` of the locked `device`'s user when no other device of theirs is unlocked.
/// Returns whether it ended it.
pub async fn end_after_lock(store: &dyn Store, device: &Device, id: &str, now: UnixTime) -> Result<bool, AppError> {
    let request = own_request(store, device, id).await?;
    if request.state_at(now) != crate::login_request::State::Pending {
        return Ok(false);
    }
    let devices = store.devices(&device.user_id).await?;
    if devices.iter().any(|d| d.device_id != device.device_id && !d.locked) {
        return Ok(false);
    }
    Ok(store.reject_login_request(&request.id, now).await?)
}
