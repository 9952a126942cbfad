//! `/admin/v1/keys`: the ID-token signing keys, and rotation (the old key stays in the JWKS
//! until its tokens have expired).
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use phonelogin_core::admin::AdminError;
use phonelogin_core::clock::rfc3339;
use phonelogin_core::keys::{Alg, StoredKey};
use serde::Deserialize;
use serde_json::json;

use super::AdminJson;
use crate::error::AdminResponse;
use crate::state::SharedState;

fn view(k: &StoredKey, now: i64) -> serde_json::Value {
    json!({
        "kid": k.kid,
        "alg": k.alg.as_str(),
        "created_at": rfc3339(k.created_at),
        "active": k.active,
        "retired_at": k.retired_at.map(rfc3339),
        "published": k.published_at(now),
    })
}

pub async fn list(State(s): State<SharedState>) -> Result<impl IntoResponse, AdminResponse> {
    let now = s.clock.now();
    let keys = s.store.signing_keys().await.map_err(AdminError::from)?;
    Ok(Json(json!({"keys": keys.iter().map(|k| view(k, now)).collect::<Vec<_>>()})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotate {
    alg: Option<String>,
}

pub async fn rotate(
    State(s): State<SharedState>,
    AdminJson(r): AdminJson<Rotate>,
) -> Result<impl IntoResponse, AdminResponse> {
    let alg = match r.alg.as_deref() {
        None => Alg::Rs256,
        Some(a) => Alg::parse(a).ok_or_else(|| AdminError::InvalidRequest("alg must be RS256 or ES256".into()))?,
    };
    let now = s.clock.now();
    let keys = s.keys.clone();
    // RSA key generation takes a while: off the async workers.
    let key = tokio::task::spawn_blocking(move || StoredKey::generate(alg, &keys, now))
        .await
        .map_err(|e| AdminError::Unavailable(e.to_string()))?
        .map_err(AdminError::Unavailable)?;
    s.store.rotate_in(&key, now).await.map_err(AdminError::from)?;
    Ok((StatusCode::CREATED, Json(view(&key, now))))
}
