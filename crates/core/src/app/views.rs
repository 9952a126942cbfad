//! What the app shows: the user, and a login request as the confirm screen needs it.
use serde::Serialize;

use super::AppError;
use crate::clock::{UnixTime, rfc3339};
use crate::consent::needs_consent;
use crate::delegated::Texts;
use crate::login_request::LoginRequest;
use crate::model::{Client, Device};
use crate::scope::{Scope, ScopeSet};
use crate::store::Store;

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

pub(super) fn scope_views(scopes: &ScopeSet) -> Vec<ScopeView> {
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
pub(super) async fn own_request(store: &dyn Store, device: &Device, id: &str) -> Result<LoginRequest, AppError> {
    store.login_request(id).await?.filter(|r| r.user_id == device.user_id).ok_or(AppError::NotFound)
}

pub(super) async fn merchant_of(store: &dyn Store, request: &LoginRequest) -> Result<Client, AppError> {
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
