//! The HTTP face of phonelogin: the OpenID provider, the App API, the authenticator app and
//! the demo merchant, on one axum router. Handlers are thin: extract, one core call, respond.
pub mod admin;
pub mod app_api;
pub mod client_keys;
pub mod delivery;
pub mod demo;
pub mod error;
pub mod events;
pub mod hardening;
pub mod health;
pub mod oidc;
pub mod paths;
pub mod retention;
pub mod scim;
pub mod serve;
pub mod state;
pub mod streams;
pub mod web;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use phonelogin_core::clock::UnixTime;
use phonelogin_core::crypto::DerivedKeys;
use phonelogin_core::keys::{Alg, StoredKey};
use phonelogin_core::store::{Store, StoreError};

pub use state::{AppState, SharedState};

/// Generates a signing key for each algorithm (RS256, PS256, ES256) that has no active one,
/// so that the JWKS publishes a key for each (spec §12).
pub async fn ensure_signing_keys(store: &dyn Store, keys: &DerivedKeys, now: UnixTime) -> Result<(), StoreError> {
    let existing = store.signing_keys().await?;
    for alg in Alg::ALL {
        if !existing.iter().any(|k| k.active && k.alg == alg) {
            let key = StoredKey::generate(alg, keys, now).map_err(StoreError)?;
            store.rotate_in(&key, now).await?;
        }
    }
    Ok(())
}

pub fn router(state: SharedState) -> Router {
    use app_api::{consents, devices, enrollment, events, requests};
    let app_api = Router::new()
        .route("/enrollments", post(enrollment::start))
        .route("/enrollments/{id}/check", post(enrollment::check))
        .route("/enrollments/{id}/verify", post(enrollment::verify))
        .route("/devices", get(devices::list))
        .route("/devices/{id}", axum::routing::delete(devices::remove))
        .route("/dev/outbox", get(enrollment::outbox))
        .route("/me", get(requests::me))
        .route("/events", get(events::stream))
        .route("/login-requests", get(requests::list))
        .route("/login-requests/{id}", get(requests::show))
        .route("/login-requests/{id}/approve", post(requests::approve))
        .route("/login-requests/{id}/reject", post(requests::reject))
        .route("/consents", get(consents::list))
        .route("/consents/{client_id}", axum::routing::delete(consents::revoke))
        // Spec §12: the user's user code.
        .route("/user-code", axum::routing::put(app_api::user_code::set))
        // This API as an OpenAPI document (docs/app-api.openapi.json).
        .route("/openapi.json", get(web::app_api_openapi))
        // Web Push (spec §11).
        .route("/push/vapid-public-key", get(app_api::push::vapid_public_key))
        .route("/push-subscription", axum::routing::put(app_api::push::subscribe).delete(app_api::push::unsubscribe));
    let router = Router::new()
        .route(paths::DISCOVERY, get(oidc::discovery::openid_configuration))
        .route(paths::JWKS, get(oidc::discovery::jwks))
        .route(paths::BACKCHANNEL, post(oidc::backchannel::handle))
        .route(paths::TOKEN, post(oidc::token::handle))
        // Spec §12: revocation (RFC 7009) and introspection (RFC 7662).
        .route(paths::REVOCATION, post(oidc::revocation::handle))
        .route(paths::INTROSPECTION, post(oidc::introspection::handle))
        .route(paths::USERINFO, get(oidc::userinfo::handle).post(oidc::userinfo::handle))
        .nest(paths::APP_API, app_api)
        // Operators (PRODUCT §13): the admin API and SCIM, behind an admin token.
        .merge(admin::router(state.clone()))
        .merge(scim::router(state.clone()))
        .route(paths::APP, get(web::app_index))
        .route("/app/{*path}", get(web::app_file))
        .route("/app", get(|| async { axum::response::Redirect::permanent(paths::APP) }))
        // Browsers ask for it on every page: the app's icon.
        .route("/favicon.ico", get(web::favicon))
        .route(paths::HEALTHZ, get(health::healthz))
        .route(paths::READYZ, get(health::readyz))
        .route(paths::METRICS, get(health::metrics_text))
        .fallback(error::not_found)
        .with_state(state);
    hardening::harden(router).layer(axum::middleware::from_fn(health::track))
}

/// Builds the shared state with the single-node notifier.
pub fn single_node_state(
    store: Arc<dyn Store>,
    clock: Arc<dyn phonelogin_core::clock::Clock>,
    keys: DerivedKeys,
    settings: phonelogin_core::backchannel::Settings,
    public_url: &str,
) -> SharedState {
    let hub = events::Hub::default();
    let notifier = Arc::new(events::LocalNotifier(hub.clone()));
    Arc::new(AppState::new(store, clock, keys, settings, public_url, notifier, hub))
}
