//! `/admin/v1/audit?after=&limit=`: the admin calls, oldest first, a page at a time; `next`
//! is the `after` of the following page (absent on the last one).
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use phonelogin_core::admin::{AdminError, audit_page};
use phonelogin_core::clock::rfc3339;
use serde_json::json;

use super::QueryMap;
use crate::error::AdminResponse;
use crate::state::SharedState;

pub async fn list(State(s): State<SharedState>, QueryMap(q): QueryMap) -> Result<impl IntoResponse, AdminResponse> {
    let (after, limit) = audit_page(q.get("after").map(String::as_str), q.get("limit").map(String::as_str))?;
    let entries = s.store.audit_log(after, limit).await.map_err(AdminError::from)?;
    let next = (entries.len() as i64 == limit).then(|| entries.last().map(|e| e.id)).flatten();
    let entries: Vec<_> = entries
        .iter()
        .map(|e| json!({"id": e.id, "at": rfc3339(e.at), "actor": e.actor, "action": e.action, "status": e.status}))
        .collect();
    Ok(Json(json!({"entries": entries, "next": next})))
}
