//! `/admin/v1/clients`: merchants' clients in the fixtures' JSON shape; the secret is shown
//! once at creation and at rotation.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use phonelogin_core::admin::{AdminError, clients};
use phonelogin_core::fixtures::ClientSpec;
use serde_json::json;

use super::AdminJson;
use crate::error::AdminResponse;
use crate::state::SharedState;

type Result<T> = std::result::Result<T, AdminResponse>;

pub async fn list(State(s): State<SharedState>) -> Result<impl IntoResponse> {
    let all: Vec<_> = s.store.clients().await.map_err(AdminError::from)?.iter().map(clients::view).collect();
    Ok(Json(json!({"clients": all})))
}

pub async fn create(State(s): State<SharedState>, AdminJson(spec): AdminJson<ClientSpec>) -> Result<impl IntoResponse> {
    let id = spec.client_id.clone();
    let created = clients::create(s.store.as_ref(), &s.keys, spec, s.clock.now()).await?;
    s.forget_client(&id);
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn show(State(s): State<SharedState>, Path(id): Path<String>) -> Result<impl IntoResponse> {
    let c = s.store.client(&id).await.map_err(AdminError::from)?.ok_or(AdminError::NotFound)?;
    Ok(Json(clients::view(&c)))
}

pub async fn update(
    State(s): State<SharedState>,
    Path(id): Path<String>,
    AdminJson(spec): AdminJson<ClientSpec>,
) -> Result<impl IntoResponse> {
    let updated = clients::update(s.store.as_ref(), &s.keys, &id, spec, s.clock.now()).await?;
    s.forget_client(&id);
    Ok(Json(updated))
}

pub async fn remove(State(s): State<SharedState>, Path(id): Path<String>) -> Result<impl IntoResponse> {
    let deleted = s.store.delete_client(&id).await.map_err(AdminError::from)?;
    s.forget_client(&id);
    if deleted { Ok(StatusCode::NO_CONTENT) } else { Err(AdminError::NotFound.into()) }
}

pub async fn rotate_secret(State(s): State<SharedState>, Path(id): Path<String>) -> Result<impl IntoResponse> {
    let secret = clients::rotate_secret(s.store.as_ref(), &id).await?;
    s.forget_client(&id);
    Ok(Json(json!({"client_id": id, "client_secret": secret})))
}
