//! `/scim/v2/Users` (RFC 7644 §3): thin handlers over `core::scim::users`.
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use phonelogin_core::scim::{LIST_RESPONSE, ScimError, users};
use serde_json::json;

use super::{ScimBody, scim_json};
use crate::error::ScimResponse;
use crate::paths;
use crate::state::SharedState;

type Result<T> = std::result::Result<T, ScimResponse>;

fn base(s: &SharedState) -> String {
    s.url(&format!("{}/Users", paths::SCIM))
}

pub async fn list(State(s): State<SharedState>, RawQuery(q): RawQuery) -> Result<Response> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q.as_deref().unwrap_or(""))
        .map_err(|_| ScimError::InvalidValue("the query string cannot be parsed".into()))?;
    let param = |name: &str| pairs.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let paging = users::paging(param("startIndex"), param("count"))?;
    let page = users::list(s.store.as_ref(), param("filter"), paging, &base(&s)).await?;
    Ok(scim_json(
        200,
        json!({
            "schemas": [LIST_RESPONSE],
            "totalResults": page.total,
            "startIndex": page.start_index,
            "itemsPerPage": page.resources.len(),
            "Resources": page.resources,
        }),
    ))
}

pub async fn create(State(s): State<SharedState>, ScimBody(body): ScimBody) -> Result<Response> {
    let created = users::create(s.store.as_ref(), &body, s.clock.now(), &base(&s)).await?;
    let mut r = scim_json(201, created.clone());
    if let Some(Ok(location)) = created["meta"]["location"].as_str().map(HeaderValue::from_str) {
        r.headers_mut().insert(header::LOCATION, location);
    }
    Ok(r)
}

pub async fn show(State(s): State<SharedState>, Path(id): Path<String>) -> Result<Response> {
    Ok(scim_json(200, users::get(s.store.as_ref(), &id, &base(&s)).await?))
}

pub async fn replace(
    State(s): State<SharedState>,
    Path(id): Path<String>,
    ScimBody(body): ScimBody,
) -> Result<Response> {
    Ok(scim_json(200, users::replace(s.store.as_ref(), &id, &body, s.clock.now(), &base(&s)).await?))
}

pub async fn patch(State(s): State<SharedState>, Path(id): Path<String>, ScimBody(body): ScimBody) -> Result<Response> {
    Ok(scim_json(200, users::patch(s.store.as_ref(), &id, &body, s.clock.now(), &base(&s)).await?))
}

pub async fn delete(State(s): State<SharedState>, Path(id): Path<String>) -> Result<impl IntoResponse> {
    users::delete(s.store.as_ref(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
