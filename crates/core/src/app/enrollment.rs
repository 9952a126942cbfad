//! Enrollment (spec §6, §10): a one-time code to the phone number, then code + PIN give a
//! device and its bearer token.
use serde::Deserialize;

use super::AppError;
use crate::clock::UnixTime;
use crate::crypto::{PinHasher, random_code, random_id, random_token, secret_matches, sha256_hex, valid_pin};
use crate::model::Device;
use crate::msisdn::Msisdn;
use crate::store::{Enrollment, Store};
use crate::version::AppVersion;

pub const ENROLLMENT_LIFETIME: i64 = 600;
pub const MAX_CODE_ATTEMPTS: i64 = 5;

/// A started enrollment: its id, and the code to send to the number.
pub struct Started {
    pub enrollment_id: String,
    pub phone_number: Msisdn,
    pub code: String,
}

pub async fn start_enrollment(store: &dyn Store, phone: &str, now: UnixTime) -> Result<Started, AppError> {
    let phone_number = Msisdn::parse(phone).ok_or(AppError::InvalidPhoneNumber)?;
    let user = store.user_by_phone(&phone_number).await?.filter(|u| u.active).ok_or(AppError::UnknownUser)?;
    let code = random_code(6);
    let enrollment_id = random_id();
    store
        .insert_enrollment(&Enrollment {
            enrollment_id: enrollment_id.clone(),
            user_id: user.user_id,
            code_hash: sha256_hex(&code),
            expires_at: now + ENROLLMENT_LIFETIME,
            attempts: 0,
            used: false,
        })
        .await?;
    Ok(Started { enrollment_id, phone_number, code })
}

#[derive(Debug, Deserialize)]
pub struct VerifyInput {
    pub code: String,
    pub pin: String,
    pub device_name: String,
    pub app_version: String,
}

/// Checks the one-time code (5 tries) and enrolls the device; returns its bearer token.
pub async fn verify_enrollment(
    store: &dyn Store,
    pins: &PinHasher,
    enrollment_id: &str,
    input: &VerifyInput,
    now: UnixTime,
) -> Result<String, AppError> {
    if !valid_pin(&input.pin) {
        return Err(AppError::InvalidPin);
    }
    AppVersion::parse(&input.app_version).ok_or(AppError::InvalidRequest("app_version must be X.Y.Z"))?;
    let name = input.device_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::InvalidRequest("device_name must be 1 to 100 characters"));
    }
    let e = store.attempt_enrollment(enrollment_id).await?.ok_or(AppError::NotFound)?;
    let usable = !e.used && now < e.expires_at && e.attempts <= MAX_CODE_ATTEMPTS;
    if !usable || !secret_matches(&input.code, &e.code_hash) || !store.consume_enrollment(enrollment_id).await? {
        return Err(AppError::InvalidCode);
    }
    // A new enrollment is a new device: never replace another device of the same name.
    let taken: Vec<String> = store.devices(&e.user_id).await?.into_iter().map(|d| d.name).collect();
    let name = (1..)
        .map(|n| if n == 1 { name.to_owned() } else { format!("{name} ({n})") })
        .find(|n| !taken.contains(n))
        .unwrap_or_default();
    let token = random_token();
    store
        .upsert_device(&Device {
            device_id: random_id(),
            user_id: e.user_id,
            name,
            token_hash: sha256_hex(&token),
            pin_hash: pins.hash(&input.pin),
            app_version: input.app_version.clone(),
            failed_pins: 0,
            locked: false,
            created_at: now,
        })
        .await?;
    Ok(token)
}
