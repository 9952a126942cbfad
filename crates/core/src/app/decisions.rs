//! Decisions on a login request: approve (PIN, consent, delegated consents) and reject.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::views::{merchant_of, own_request};
use super::{AppError, MAX_WRONG_PINS};
use crate::clock::UnixTime;
use crate::consent::{after_grant, needs_consent};
use crate::crypto::{PinHasher, random_token, sha256_hex};
use crate::delegated::{DelegatedAnswers, Language};
use crate::device_key::{DevicePublicKey, decision_message};
use crate::login_request::{CODE_LIFETIME, Flow, LoginRequest, decide};
use crate::model::{Client, Device};
use crate::scope::{Scope, ScopeSet};
use crate::store::{Approval, ConsentGrant, PinAttempt, Store};

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
    /// base64url ES256 signature by the device key (`device_key::decision_message`).
    #[serde(default)]
    pub signature: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RejectInput {
    #[serde(default)]
    pub signature: Option<String>,
}

/// A device with a key must sign the decision (spec §10); checked before anything is counted
/// or changed. Fixture devices without a key decide with their PIN alone.
fn check_signature(device: &Device, request_id: &str, approve: bool, signature: Option<&str>) -> Result<(), AppError> {
    let Some(stored) = &device.public_key else { return Ok(()) };
    let key = DevicePublicKey::from_stored(stored).ok_or(AppError::InvalidSignature)?;
    let message = decision_message(request_id, approve);
    if signature.is_some_and(|sig| key.verifies(message.as_bytes(), sig)) {
        Ok(())
    } else {
        Err(AppError::InvalidSignature)
    }
}

/// The PIN (spec §6, §10): the attempt is counted, and the lock checked, in one atomic step
/// before the comparison's outcome is used, so parallel guesses past the limit get nothing
/// from it.
async fn check_pin(store: &dyn Store, pins: &PinHasher, device: &Device, pin: &str) -> Result<(), AppError> {
    let id = &device.device_id;
    let tried = if PinHasher::is_current(&device.pin_hash) {
        // A current verifier takes microseconds: compared first, counted and settled in one
        // write.
        let right = pins.verify(pin, &device.pin_hash);
        store.pin_try(id, right, MAX_WRONG_PINS).await?.map(|(count, locked)| (right, count, locked))
    } else if let Some(count) = store.count_pin_try(id, MAX_WRONG_PINS).await? {
        // An older, slow verifier is compared only once the attempt is counted (no free CPU for
        // guesses at a locked device), and replaced when the PIN is right.
        let right = pins.verify(pin, &device.pin_hash);
        let upgraded = right.then(|| pins.hash(pin));
        Some((right, count, store.settle_pin_try(id, right, MAX_WRONG_PINS, upgraded.as_deref()).await?))
    } else {
        None
    };
    pin_outcome(store, device, tried).await
}

/// What a PIN attempt (`tried`: right, count, locked; `None` when it could not be counted)
/// means for the user.
async fn pin_outcome(store: &dyn Store, device: &Device, tried: Option<(bool, i64, bool)>) -> Result<(), AppError> {
    let Some((right, count, locked)) = tried else {
        // Locked, or every try left is being compared right now by racing calls.
        let locked = store.device(&device.device_id).await?.is_none_or(|d| d.locked);
        return Err(if locked { AppError::DeviceLocked } else { AppError::TooManyRequests { retry_after: 1 } });
    };
    match (right, locked) {
        (true, _) => Ok(()),
        (false, true) => Err(AppError::DeviceLocked),
        (false, false) => Err(AppError::WrongPin { attempts_left: (MAX_WRONG_PINS - count).max(0) }),
    }
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

/// Approves a pending request of the device's user: signature, PIN, consent, delegated
/// consents, then one atomic transition. Any refusal changes nothing but the PIN count.
pub async fn approve(
    store: &dyn Store,
    pins: &PinHasher,
    device: &Device,
    id: &str,
    input: &ApproveInput,
    now: UnixTime,
) -> Result<Outcome, AppError> {
    let request = own_request(store, device, id).await?;
    decide(request.state_at(now), true).ok_or(AppError::RequestClosed)?;
    check_signature(device, &request.id, true, input.signature.as_deref())?;
    let client = merchant_of(store, &request).await?;
    let granted = store.consent(&request.user_id, &client.sector).await?.map(|c| c.scopes);
    // The PIN is checked (and counted) before anything else is refused.
    let (_, code) = match prepare(&request, &client, granted, input, now) {
        Ok(prepared) if PinHasher::is_current(&device.pin_hash) => {
            // The PIN attempt and the approval in one write.
            let right = pins.verify(&input.pin, &device.pin_hash);
            let attempt = PinAttempt { device_id: &device.device_id, right, max_tries: MAX_WRONG_PINS };
            let done = store.approve_with_pin(attempt, &request.id, &prepared.0, now).await?;
            pin_outcome(store, device, done.map(|d| (right, d.count, d.locked))).await?;
            if !done.is_some_and(|d| d.approved) {
                return Err(AppError::RequestClosed);
            }
            prepared
        }
        prepared => {
            check_pin(store, pins, device, &input.pin).await?;
            let prepared = prepared?;
            if !store.approve_login_request(&request.id, &prepared.0, now).await? {
                return Err(AppError::RequestClosed);
            }
            prepared
        }
    };
    Ok(match request.flow.redirect_uri() {
        Some(uri) => Outcome::Redirect {
            redirect_url: with_query(uri, &[("code", code.as_deref()), ("state", request.client_state.as_deref())]),
        },
        None => Outcome::Completed,
    })
}

/// What approving `request` with `input` writes (the consent it grants, the delegated answers,
/// the code of the web-page flow, returned in clear for the redirect), or why it cannot.
fn prepare(
    request: &LoginRequest,
    client: &Client,
    granted: Option<ScopeSet>,
    input: &ApproveInput,
    now: UnixTime,
) -> Result<(Approval, Option<String>), AppError> {
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
    Ok((approval, code))
}

/// Rejects a pending request; the merchant's next poll gets `access_denied`.
pub async fn reject(
    store: &dyn Store,
    device: &Device,
    id: &str,
    input: &RejectInput,
    now: UnixTime,
) -> Result<Outcome, AppError> {
    let request = own_request(store, device, id).await?;
    decide(request.state_at(now), false).ok_or(AppError::RequestClosed)?;
    check_signature(device, &request.id, false, input.signature.as_deref())?;
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
