//! `/admin/v1/devices`: a user's enrolled apps (`?phone_number=`), removing one (its token
//! stops working and its event streams close), unlocking one locked by wrong PINs.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use phonelogin_core::admin::AdminError;
use phonelogin_core::clock::rfc3339;
use phonelogin_core::model::Device;
use phonelogin_core::msisdn::Msisdn;
use phonelogin_core::notify::Event;
use serde_json::{Value, json};

use super::QueryMap;
use crate::error::AdminResponse;
use crate::state::SharedState;

type Result<T> = std::result::Result<T, AdminResponse>;

fn view(d: &Device) -> Value {
    json!({
        "id": d.device_id,
        "name": d.name,
        "app_version": d.app_version,
        "created_at": rfc3339(d.created_at),
        "last_used_at": d.last_used_at.map(rfc3339),
        "locked": d.locked,
        "failed_pins": d.failed_pins,
        "device_key": d.public_key.is_some(),
    })
}

pub async fn list(State(s): State<SharedState>, QueryMap(q): QueryMap) -> Result<impl IntoResponse> {
    let number = q.get("phone_number").ok_or_else(|| AdminError::InvalidRequest("phone_number is required".into()))?;
    let phone = Msisdn::parse(number)
        .ok_or_else(|| AdminError::InvalidRequest("phone_number must be 47/45/358 and its digits".into()))?;
    let user = s.store.user_by_phone(&phone).await.map_err(AdminError::from)?.ok_or(AdminError::NotFound)?;
    let devices = s.store.devices(&user.user_id).await.map_err(AdminError::from)?;
    Ok(Json(json!({"phone_number": phone, "devices": devices.iter().map(view).collect::<Vec<_>>()})))
}

pub async fn remove(State(s): State<SharedState>, Path(id): Path<String>) -> Result<impl IntoResponse> {
    let device = s.store.device(&id).await.map_err(AdminError::from)?.ok_or(AdminError::NotFound)?;
    if !s.store.delete_device(&id).await.map_err(AdminError::from)? {
        return Err(AdminError::NotFound.into());
    }
    s.notifier.publish(Event::DeviceRemoved { user_id: device.user_id, device_id: device.device_id }).await;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unlock(State(s): State<SharedState>, Path(id): Path<String>) -> Result<impl IntoResponse> {
    if !s.store.unlock_device(&id).await.map_err(AdminError::from)? {
        return Err(AdminError::NotFound.into());
    }
    let device = s.store.device(&id).await.map_err(AdminError::from)?.ok_or(AdminError::NotFound)?;
    Ok(Json(view(&device)))
}
