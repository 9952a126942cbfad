//! Enrollment (spec §6, §10): a one-time code to the phone number, then code + PIN + the
//! device key give a device and its bearer token. Every number gets the same answers, known
//! or not; codes are limited per number and per address, guesses per code and per number.
use serde::Deserialize;
use serde_json::Value;

use super::AppError;
use super::registration::{self, Profile};
use crate::clock::UnixTime;
use crate::crypto::{
    DerivedKeys, PinHasher, random_code, random_id, random_token, secret_matches, sha256_hex, valid_pin,
};
use crate::device_key::DevicePublicKey;
use crate::model::Device;
use crate::msisdn::Msisdn;
use crate::outbox;
use crate::store::{CodeGuard, CodeTry, Enrollment, LimitKey, RateLimit, Store};
use crate::version::AppVersion;

/// A code is valid 10 minutes.
pub const ENROLLMENT_LIFETIME: i64 = 600;
/// Guesses of one code.
pub const MAX_CODE_ATTEMPTS: i64 = 5;
/// Codes per number: 3 in 10 minutes and 10 in 24 hours; enrollments started per client
/// address: 30 an hour. Past any of them: 429 with `Retry-After`.
pub const START_LIMITS: [RateLimit; 3] = [
    RateLimit { key: LimitKey::PhoneNumber, max: 3, window: 600 },
    RateLimit { key: LimitKey::PhoneNumber, max: 10, window: 86_400 },
    RateLimit { key: LimitKey::ClientAddr, max: 30, window: 3_600 },
];
/// 10 wrong codes for one number within 24 hours lock its enrollment for 24 hours, so a
/// guesser gets at most 10 guesses a day per number.
pub const CODE_GUARD: CodeGuard = CodeGuard { max_tries: 10, window: 86_400, lock_for: 86_400 };
/// Devices per user.
pub const MAX_DEVICES: i64 = 5;

/// How one-time codes leave the server (spec §11).
#[derive(Clone, Copy)]
pub enum CodeDelivery<'a> {
    /// An SMS sender is configured: the code goes through the outbox, sealed with these keys,
    /// written with the enrollment.
    Sms(&'a DerivedKeys),
    /// `--dev` without a sender: the code only goes to the dev outbox.
    DevOnly,
    /// Neither: no code can reach a phone, and every number gets `503 sms_unavailable`.
    Unavailable,
}

/// A started enrollment: its id, and the code to send — `None` when no active user has the
/// number (nothing is sent, and the answer is the same).
pub struct Started {
    pub enrollment_id: String,
    pub phone_number: Msisdn,
    pub code: Option<String>,
}

pub async fn start_enrollment(
    store: &dyn Store,
    phone: &str,
    client_addr: &str,
    delivery: CodeDelivery<'_>,
    self_registration: bool,
    now: UnixTime,
) -> Result<Started, AppError> {
    if matches!(delivery, CodeDelivery::Unavailable) {
        return Err(AppError::SmsUnavailable);
    }
    let phone_number = Msisdn::parse(phone).ok_or(AppError::InvalidPhoneNumber)?;
    let known = store.user_by_phone(&phone_number).await?;
    // With --self-registration a number without an account gets its code too (PRODUCT §13).
    let registering = self_registration && known.is_none();
    let user = known.filter(|u| u.active);
    // A code for a number without an account is made and counted like any other, but its
    // hash is of a code nobody is told, so verifying fails like a wrong code.
    let code = random_code(6);
    let enrollment = Enrollment {
        enrollment_id: random_id(),
        phone_number: phone_number.to_string(),
        user_id: user.map(|u| u.user_id),
        code_hash: sha256_hex(&code),
        client_addr: client_addr.to_owned(),
        created_at: now,
        expires_at: now + ENROLLMENT_LIFETIME,
        attempts: 0,
        used: false,
        voided: false,
    };
    let sends = enrollment.user_id.is_some() || registering;
    let sms: Vec<_> = match delivery {
        CodeDelivery::Sms(keys) if sends => {
            vec![outbox::enrollment_sms(keys, &phone_number, &code, now, enrollment.expires_at)]
        }
        _ => Vec::new(),
    };
    if let Some(allowed_at) = store.start_enrollment_sending(&enrollment, &START_LIMITS, now, &sms).await? {
        return Err(AppError::TooManyRequests { retry_after: (allowed_at - now).max(1) });
    }
    let code = sends.then_some(code);
    Ok(Started { enrollment_id: enrollment.enrollment_id, phone_number, code })
}

/// Counts a guess (for the code and its number) before comparing it; the enrollment when the
/// code is right. The guess that makes the number's tenth wrong one locks it.
async fn guess(
    store: &dyn Store,
    enrollment_id: &str,
    code: &str,
    self_registration: bool,
    now: UnixTime,
) -> Result<Enrollment, AppError> {
    let (e, tries) = match store.count_code_try(enrollment_id, &CODE_GUARD, now).await? {
        CodeTry::Unknown => return Err(AppError::InvalidCode),
        CodeTry::Locked { until } => return Err(AppError::TooManyRequests { retry_after: (until - now).max(1) }),
        CodeTry::Counted { enrollment, tries } => (enrollment, tries),
    };
    let owner = e.user_id.is_some() || registration::registers(store, &e, self_registration).await?;
    let usable = owner && !e.used && !e.voided && now < e.expires_at && e.attempts <= MAX_CODE_ATTEMPTS;
    if usable && secret_matches(code, &e.code_hash) {
        return Ok(e);
    }
    if tries >= CODE_GUARD.max_tries {
        store.lock_enrollment_number(&e.phone_number, now + CODE_GUARD.lock_for).await?;
    }
    Err(AppError::InvalidCode)
}

#[derive(Debug, Deserialize)]
pub struct CheckInput {
    pub code: String,
}

/// Checks the code before the user chooses a PIN; a right code is not used up (nor counted).
/// True when the number has no account yet: the app asks for the new user's profile.
pub async fn check_code(
    store: &dyn Store,
    enrollment_id: &str,
    input: &CheckInput,
    self_registration: bool,
    now: UnixTime,
) -> Result<bool, AppError> {
    let e = guess(store, enrollment_id, &input.code, self_registration, now).await?;
    store.right_code(enrollment_id, false).await?;
    Ok(e.user_id.is_none())
}

#[derive(Debug, Deserialize)]
pub struct VerifyInput {
    pub code: String,
    pub pin: String,
    pub device_name: String,
    pub app_version: String,
    /// The public JWK of the app's device key (EC P-256).
    pub device_public_key: Option<Value>,
    /// A new user's name and claims, when self-registration opens the account.
    #[serde(default)]
    pub profile: Option<Profile>,
}

/// An enrolled device and its bearer token.
pub struct Enrolled {
    pub device: Device,
    pub token: String,
}

/// Checks the one-time code and enrolls the device (at most `MAX_DEVICES` per user).
pub async fn verify_enrollment(
    store: &dyn Store,
    pins: &PinHasher,
    enrollment_id: &str,
    input: &VerifyInput,
    self_registration: bool,
    now: UnixTime,
) -> Result<Enrolled, AppError> {
    if !valid_pin(&input.pin) {
        return Err(AppError::InvalidPin);
    }
    AppVersion::parse(&input.app_version).ok_or(AppError::InvalidRequest("app_version must be X.Y.Z"))?;
    let name = input.device_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::InvalidRequest("device_name must be 1 to 100 characters"));
    }
    let public_key = input
        .device_public_key
        .as_ref()
        .and_then(DevicePublicKey::from_jwk)
        .ok_or(AppError::InvalidRequest("device_public_key must be the public JWK of an EC P-256 key"))?;
    let e = guess(store, enrollment_id, &input.code, self_registration, now).await?;
    let user_id = match &e.user_id {
        Some(id) => id.clone(),
        None => {
            let profile = registration::check_profile(input.profile.as_ref(), now);
            let profile = match profile {
                Ok(p) => p,
                Err(err) => {
                    store.right_code(enrollment_id, false).await?;
                    return Err(err);
                }
            };
            if !store.right_code(enrollment_id, true).await? {
                return Err(AppError::InvalidCode);
            }
            registration::register(store, &e.phone_number, profile, now).await?
        }
    };
    let new_account = e.user_id.is_none();
    let taken: Vec<String> = store.devices(&user_id).await?.into_iter().map(|d| d.name).collect();
    if taken.len() as i64 >= MAX_DEVICES {
        store.right_code(enrollment_id, false).await?;
        return Err(AppError::TooManyDevices);
    }
    if !new_account && !store.right_code(enrollment_id, true).await? {
        return Err(AppError::InvalidCode);
    }
    let token = random_token();
    let mut device = Device {
        device_id: random_id(),
        user_id,
        name: String::new(),
        token_hash: sha256_hex(&token),
        pin_hash: pins.hash(&input.pin),
        app_version: input.app_version.clone(),
        failed_pins: 0,
        locked: false,
        created_at: now,
        public_key: Some(public_key.to_jwk_string()),
        last_used_at: Some(now),
    };
    // A new enrollment is a new device: never replace another device of the same name. A
    // racing enrollment may take the name first; then choose again.
    let mut taken = taken;
    for _ in 0..3 {
        device.name = (1..)
            .map(|n| if n == 1 { name.to_owned() } else { format!("{name} ({n})") })
            .find(|n| !taken.contains(n))
            .unwrap_or_default();
        if store.insert_device(&device, MAX_DEVICES).await? {
            return Ok(Enrolled { device, token });
        }
        taken = store.devices(&device.user_id).await?.into_iter().map(|d| d.name).collect();
        if taken.len() as i64 >= MAX_DEVICES {
            return Err(AppError::TooManyDevices);
        }
    }
    Err(AppError::Unavailable("could not name the new device".into()))
}
