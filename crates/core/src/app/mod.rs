//! The App API's decisions (spec §6), one file per concern: device authentication and errors
//! here; enrollment, the views of a login request, decisions (approve, reject), consents.
mod consents;
mod decisions;
mod devices;
mod enrollment;
mod lockout;
mod push;
mod registration;
mod views;

pub use consents::{ConsentView, consents, revoke};
pub use decisions::{ApproveInput, Outcome, RejectInput, approve, reject};
pub use devices::{DeviceView, devices, remove_device};
pub use enrollment::{
    CODE_GUARD, CheckInput, CodeDelivery, ENROLLMENT_LIFETIME, Enrolled, MAX_CODE_ATTEMPTS, MAX_DEVICES, START_LIMITS,
    Started, VerifyInput, check_code, start_enrollment, verify_enrollment,
};
pub use lockout::end_after_lock;
pub use push::{SubscriptionInput, announce_device, subscribe, unsubscribe};
pub use registration::Profile;
pub use views::{LoginRequestView, Me, Merchant, ScopeView, build_view, me, open_requests, view};

use crate::crypto::sha256_hex;
use crate::model::Device;
use crate::store::{Store, StoreError};

/// Wrong PINs in a row before the device locks.
pub const MAX_WRONG_PINS: i64 = 5;

/// An App API error: a code, a fixed description, and the HTTP status the server gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    #[error("invalid_token")]
    InvalidToken,
    #[error("not_found")]
    NotFound,
    #[error("wrong_pin")]
    WrongPin { attempts_left: i64 },
    #[error("device_locked")]
    DeviceLocked,
    #[error("consent_required")]
    ConsentRequired,
    #[error("required_consent_missing")]
    RequiredConsentMissing,
    #[error("request_closed")]
    RequestClosed,
    #[error("invalid_code")]
    InvalidCode,
    #[error("invalid_signature")]
    InvalidSignature,
    #[error("too_many_requests")]
    TooManyRequests { retry_after: i64 },
    #[error("too_many_devices")]
    TooManyDevices,
    #[error("payload_too_large")]
    PayloadTooLarge,
    #[error("invalid_pin")]
    InvalidPin,
    #[error("unknown_user")]
    UnknownUser,
    #[error("invalid_phone_number")]
    InvalidPhoneNumber,
    #[error("invalid_request: {0}")]
    InvalidRequest(&'static str),
    #[error("temporarily_unavailable: {0}")]
    Unavailable(String),
    /// No SMS sender is configured (and not `--dev`): no code can reach a phone (spec §11).
    #[error("sms_unavailable")]
    SmsUnavailable,
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidToken => "invalid_token",
            Self::NotFound => "not_found",
            Self::WrongPin { .. } => "wrong_pin",
            Self::DeviceLocked => "device_locked",
            Self::ConsentRequired => "consent_required",
            Self::RequiredConsentMissing => "required_consent_missing",
            Self::RequestClosed => "request_closed",
            Self::InvalidCode => "invalid_code",
            Self::InvalidSignature => "invalid_signature",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::TooManyDevices => "too_many_devices",
            Self::PayloadTooLarge => "invalid_request",
            Self::InvalidPin => "invalid_pin",
            Self::UnknownUser => "unknown_user",
            Self::InvalidPhoneNumber => "invalid_phone_number",
            Self::InvalidRequest(_) => "invalid_request",
            Self::Unavailable(_) => "temporarily_unavailable",
            Self::SmsUnavailable => "sms_unavailable",
        }
    }

    pub fn description(&self) -> &'static str {
        match self {
            Self::InvalidToken => "the device token is missing or unknown",
            Self::NotFound => "no such item for this user",
            Self::WrongPin { .. } => "wrong PIN",
            Self::DeviceLocked => "too many wrong PINs: this device is locked; enroll it again",
            Self::ConsentRequired => "this login needs your consent to share the requested information",
            Self::RequiredConsentMissing => "every required consent must be accepted",
            Self::RequestClosed => "this login request was already approved, rejected or has expired",
            Self::InvalidCode => "the code is wrong, expired or already used",
            Self::InvalidSignature => "the decision must be signed with this device's key",
            Self::TooManyRequests { .. } => "too many attempts: try again later",
            Self::PayloadTooLarge => "the request body is larger than 64 KiB",
            Self::TooManyDevices => {
                "this user has the most devices allowed: remove one in the app's Devices screen first"
            }
            Self::InvalidPin => "the PIN must be 4 to 6 digits",
            Self::UnknownUser => "no active user has that phone number",
            Self::InvalidPhoneNumber => "the phone number must be digits in international form without +",
            Self::InvalidRequest(d) => d,
            Self::Unavailable(_) => "the service is temporarily unavailable",
            Self::SmsUnavailable => "one-time codes cannot be sent: this server has no SMS sender",
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

/// The device presenting this bearer token; a locked device is refused like a removed one
/// (spec §10), with its own error so the app can say why.
pub async fn device(store: &dyn Store, token: &str) -> Result<Device, AppError> {
    let device = store.device_by_token(&sha256_hex(token)).await?.ok_or(AppError::InvalidToken)?;
    if device.locked {
        return Err(AppError::DeviceLocked);
    }
    Ok(device)
}
