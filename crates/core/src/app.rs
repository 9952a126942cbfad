//! The App API's decisions (spec §6): device authentication, enrollment, the views of a
//! login request, approve (PIN, consent, delegated consents) and reject, consents.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::consent::{after_grant, needs_consent};
use crate::crypto::{PinHasher, random_code, random_id, random_token, secret_matches, sha256_hex, valid_pin};
use crate::delegated::{DelegatedAnswers, Language, Texts};
use crate::login_request::{CODE_LIFETIME, Flow, LoginRequest, decide};
use crate::model::{Client, Device};
use crate::msisdn::Msisdn;
use crate::scope::{Scope, ScopeSet};
use crate::store::{Approval, ConsentGrant, Enrollment, Store, StoreError};
use crate::version::AppVersion;

/// Wrong PINs in a row before the device locks.
pub const MAX_WRONG_PINS: i64 = 5;
pub const ENROLLMENT_LIFETIME: i64 = 600;
pub const MAX_CODE_ATTEMPTS: i64 = 5;

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
            Self::InvalidPin => "invalid_pin",
            Self::UnknownUser => "unknown_user",
            Self::InvalidPhoneNumber => "invalid_phone_number",
            Self::InvalidRequest(_) => "invalid_request",
            Self::Unavailable(_) => "temporarily_unavailable",
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
            Self::InvalidPin => "the PIN must be 4 to 6 digits",
            Self::UnknownUser => "no active user has that phone number",
            Self::InvalidPhoneNumber => "the phone number must be digits in international form without +",
            Self::InvalidRequest(d) => d,
            Self::Unavailable(_) => "the service is temporarily unavailable",
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

pub fn rfc3339(t: UnixTime) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// The device presenting this bearer token.
pub async fn device(store: &dyn Store, token: &str) -> Result<Device, AppError> {
    store.device_by_token(&sha256_hex(token)).await?.ok_or(AppError::InvalidToken)
}

// ---- enrollment ----------------------------------------------------------------------------

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

// ---- views ---------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
pub struct Me {
    pub phone_number: String,
    pub given_name: String,
    pub family_name: String,
    pub device_name: String,
}

pub async fn me(store: &dyn Store, device: &Device) -> Result<Me, AppError> {
    let user = store.user(&device.user_id).await?.ok_or(AppError::InvalidToken)?;
    Ok(Me {
        phone_number: user.phone_number.to_string(),
        given_name: user.given_name,
        family_name: user.family_name,
        device_name: device.name.clone(),
    })
}

#[derive(Debug, Serialize)]
pub struct ScopeView {
    pub scope: &'static str,
    pub label: Texts,
}

fn scope_views(scopes: &ScopeSet) -> Vec<ScopeView> {
    scopes
        .shared()
        .iter()
        .map(|s: Scope| {
            let (en, no) = s.label();
            ScopeView { scope: s.as_str(), label: Texts { en: en.into(), no: no.into() } }
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct Merchant {
    pub name: String,
    pub logo_url: Option<String>,
}

impl From<&Client> for Merchant {
    fn from(c: &Client) -> Self {
        Self { name: c.name.clone(), logo_url: c.logo_url.clone() }
    }
}

#[derive(Debug, Serialize)]
pub struct ConsentFieldView {
    pub id: String,
    pub required: bool,
    pub text: Texts,
    pub previous_answer: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct FormView {
    pub heading: Texts,
    pub text: Texts,
    pub terms_url: String,
    pub privacy_url: String,
    pub consents: Vec<ConsentFieldView>,
}

#[derive(Debug, Serialize)]
pub struct LoginRequestView {
    pub id: String,
    pub client_id: String,
    pub merchant: Merchant,
    pub scopes: Vec<ScopeView>,
    pub binding_message: Option<String>,
    pub needs_consent: bool,
    pub flow: &'static str,
    pub delegated_consents: Option<FormView>,
    pub created_at: String,
    pub expires_at: String,
    pub expires_in: i64,
}

/// The user's own request, or `NotFound` (another user's request is not revealed).
async fn own_request(store: &dyn Store, device: &Device, id: &str) -> Result<LoginRequest, AppError> {
    store.login_request(id).await?.filter(|r| r.user_id == device.user_id).ok_or(AppError::NotFound)
}

async fn merchant_of(store: &dyn Store, request: &LoginRequest) -> Result<Client, AppError> {
    store.client(&request.client_id).await?.ok_or(AppError::RequestClosed)
}

/// What the confirm screen shows.
pub async fn build_view(
    store: &dyn Store,
    request: &LoginRequest,
    now: UnixTime,
) -> Result<LoginRequestView, AppError> {
    let client = merchant_of(store, request).await?;
    let granted = store.consent(&request.user_id, &client.sector).await?;
    let form = match (&client.delegated_consents, request.scopes.contains(Scope::DelegatedConsents)) {
        (Some(form), true) => {
            let previous = store.delegated_answers(&request.user_id, &client.client_id).await?;
            Some(FormView {
                heading: form.heading.clone(),
                text: form.text.clone(),
                terms_url: form.terms_url.clone(),
                privacy_url: form.privacy_url.clone(),
                consents: form
                    .consents
                    .iter()
                    .map(|c| ConsentFieldView {
                        id: c.id.clone(),
                        required: c.required,
                        text: c.display_text(),
                        previous_answer: previous.as_ref().and_then(|p| p.answers.get(&c.id).copied()),
                    })
                    .collect(),
            })
        }
        _ => None,
    };
    Ok(LoginRequestView {
        id: request.id.clone(),
        client_id: client.client_id.clone(),
        merchant: Merchant::from(&client),
        scopes: scope_views(&request.scopes),
        binding_message: request.binding_message.clone(),
        needs_consent: needs_consent(&request.scopes, granted.as_ref().map(|c| &c.scopes)),
        flow: request.flow.name(),
        delegated_consents: form,
        created_at: rfc3339(request.created_at),
        expires_at: rfc3339(request.expires_at),
        expires_in: (request.expires_at - now).max(0),
    })
}

pub async fn view(store: &dyn Store, device: &Device, id: &str, now: UnixTime) -> Result<LoginRequestView, AppError> {
    build_view(store, &own_request(store, device, id).await?, now).await
}

pub async fn open_requests(
    store: &dyn Store,
    device: &Device,
    now: UnixTime,
) -> Result<Vec<LoginRequestView>, AppError> {
    let mut views = Vec::new();
    for r in store.open_login_requests(&device.user_id, now).await? {
        views.push(build_view(store, &r, now).await?);
    }
    Ok(views)
}

// ---- decisions -----------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct ApproveInput {
    pub pin: String,
    #[serde(default)]
    pub consent: bool,
    #[serde(default)]
    pub delegated_consents: BTreeMap<String, bool>,
    /// The language the form was shown in.
    #[serde(default)]
    pub language: Language,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    Rejected,
    Redirect { redirect_url: String },
}

/// `uri` with the parameters appended to its query.
fn with_query(uri: &str, params: &[(&str, Option<&str>)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        if let Some(v) = v {
            q.append_pair(k, v);
        }
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", q.finish())
}

/// Approves a pending request of the device's user: PIN, consent, delegated consents, then
/// one atomic transition. Any refusal changes nothing but the wrong-PIN count.
pub async fn approve(
    store: &dyn Store,
    pins: &PinHasher,
    device: &Device,
    id: &str,
    input: &ApproveInput,
    now: UnixTime,
) -> Result<Outcome, AppError> {
    let request = own_request(store, device, id).await?;
    if device.locked {
        return Err(AppError::DeviceLocked);
    }
    decide(request.state_at(now), true).ok_or(AppError::RequestClosed)?;
    if !pins.verify(&input.pin, &device.pin_hash) {
        let (wrong, locked) = store.record_wrong_pin(&device.device_id, MAX_WRONG_PINS).await?;
        return Err(if locked {
            AppError::DeviceLocked
        } else {
            AppError::WrongPin { attempts_left: MAX_WRONG_PINS - wrong }
        });
    }
    if device.failed_pins > 0 {
        store.reset_wrong_pins(&device.device_id).await?;
    }
    let client = merchant_of(store, &request).await?;
    let granted = store.consent(&request.user_id, &client.sector).await?.map(|c| c.scopes);
    let needs = needs_consent(&request.scopes, granted.as_ref());
    if needs && !input.consent {
        return Err(AppError::ConsentRequired);
    }
    let delegated = match (&client.delegated_consents, request.scopes.contains(Scope::DelegatedConsents)) {
        (Some(form), true) => Some(DelegatedAnswers {
            language: input.language,
            answers: form.answer(&input.delegated_consents).map_err(|_| AppError::RequiredConsentMissing)?,
            answered_at: now,
        }),
        _ => None,
    };
    let code = matches!(request.flow, Flow::LoginToWebpage { .. }).then(random_token);
    let approval = Approval {
        code_hash: code.as_deref().map(sha256_hex),
        code_expires_at: code.as_ref().map(|_| now + CODE_LIFETIME),
        consent: needs.then(|| ConsentGrant {
            sector: client.sector.clone(),
            client_id: client.client_id.clone(),
            scopes: after_grant(&request.scopes, granted.as_ref()),
        }),
        delegated,
    };
    if !store.approve_login_request(&request.id, &approval, now).await? {
        return Err(AppError::RequestClosed);
    }
    Ok(match request.flow.redirect_uri() {
        Some(uri) => Outcome::Redirect {
            redirect_url: with_query(uri, &[("code", code.as_deref()), ("state", request.client_state.as_deref())]),
        },
        None => Outcome::Completed,
    })
}

/// Rejects a pending request; the merchant's next poll gets `access_denied`.
pub async fn reject(store: &dyn Store, device: &Device, id: &str, now: UnixTime) -> Result<Outcome, AppError> {
    let request = own_request(store, device, id).await?;
    decide(request.state_at(now), false).ok_or(AppError::RequestClosed)?;
    if !store.reject_login_request(&request.id, now).await? {
        return Err(AppError::RequestClosed);
    }
    Ok(match request.flow.redirect_uri() {
        Some(uri) => Outcome::Redirect {
            redirect_url: with_query(
                uri,
                &[("error", Some("access_denied")), ("state", request.client_state.as_deref())],
            ),
        },
        None => Outcome::Rejected,
    })
}

// ---- consents ------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
pub struct ConsentView {
    pub client_id: String,
    pub merchant: Merchant,
    pub scopes: Vec<ScopeView>,
    pub granted_at: String,
}

pub async fn consents(store: &dyn Store, device: &Device) -> Result<Vec<ConsentView>, AppError> {
    let mut out = Vec::new();
    for c in store.consents(&device.user_id).await? {
        let merchant = store
            .client(&c.client_id)
            .await?
            .map_or_else(|| Merchant { name: c.client_id.clone(), logo_url: None }, |client| Merchant::from(&client));
        out.push(ConsentView {
            client_id: c.client_id,
            merchant,
            scopes: scope_views(&c.scopes),
            granted_at: rfc3339(c.granted_at),
        });
    }
    Ok(out)
}

pub async fn revoke(store: &dyn Store, device: &Device, client_id: &str, now: UnixTime) -> Result<(), AppError> {
    if store.revoke_consent(&device.user_id, client_id, now).await? { Ok(()) } else { Err(AppError::NotFound) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_parameters_are_encoded_and_appended() {
        assert_eq!(
            with_query("https://m.example/cb", &[("code", Some("a b")), ("state", None)]),
            "https://m.example/cb?code=a+b"
        );
        assert_eq!(
            with_query("https://m.example/cb?x=1", &[("error", Some("access_denied")), ("state", Some("s&t"))]),
            "https://m.example/cb?x=1&error=access_denied&state=s%26t"
        );
    }
}
