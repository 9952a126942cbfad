//! `/scim/v2/Users` (RFC 7644 §3): thin handlers over `core::scim::users`.
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use phonelogin_core::scim::attributes::project;
use phonelogin_core::scim::filter::member;
use phonelogin_core::scim::{LIST_RESPONSE, ScimError, users};
use serde_json::{Value, json};

use super::{ScimBody, scim_json};
use crate::error::ScimResponse;
use crate::paths;
use crate::state::SharedState;

type Result<T> = std::result::Result<T, ScimResponse>;

fn base(s: &SharedState) -> String {
    s.url(&format!("{}/Users", paths::SCIM))
}

/// The context of a writing call; the clock is read once per request.
fn write<'a>(s: &'a SharedState, base: &'a str) -> users::Write<'a> {
    users::Write { store: s.store.as_ref(), notifier: s.notifier.as_ref(), now: s.clock.now(), base }
}

/// A list or search: filter, paging, and the attributes to return.
#[derive(Default)]
struct Query {
    filter: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    attributes: Option<String>,
    excluded: Option<String>,
}

fn query(q: Option<&str>) -> Result<Query> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q.unwrap_or(""))
        .map_err(|_| ScimError::InvalidValue("the query string cannot be parsed".into()))?;
    let param = |name: &str| pairs.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    Ok(Query {
        filter: param("filter"),
        start_index: param("startIndex"),
        count: param("count"),
        attributes: param("attributes"),
        excluded: param("excludedAttributes"),
    })
}

async fn answer(s: &SharedState, q: Query) -> Result<Response> {
    let paging = users::paging(q.start_index.as_deref(), q.count.as_deref())?;
    let mut page = users::list(s.store.as_ref(), q.filter.as_deref(), paging, &base(s)).await?;
    for r in &mut page.resources {
        project(r, q.attributes.as_deref(), q.excluded.as_deref());
    }
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

pub async fn list(State(s): State<SharedState>, RawQuery(q): RawQuery) -> Result<Response> {
    answer(&s, query(q.as_deref())?).await
}

/// `POST /Users/.search` (RFC 7644 §3.4.3): the query in a SearchRequest body.
pub async fn search(State(s): State<SharedState>, ScimBody(body): ScimBody) -> Result<Response> {
    let text = |name: &str| -> Result<Option<String>> {
        match member(&body, name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(v)) => Ok(Some(v.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Array(items)) => Ok(Some(items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","))),
            Some(_) => Err(ScimError::InvalidValue(format!("{name} has the wrong type")).into()),
        }
    };
    let q = Query {
        filter: text("filter")?,
        start_index: text("startIndex")?,
        count: text("count")?,
        attributes: text("attributes")?,
        excluded: text("excludedAttributes")?,
    };
    answer(&s, q).await
}

pub async fn create(State(s): State<SharedState>, ScimBody(body): ScimBody) -> Result<Response> {
    let created = users::create(&write(&s, &base(&s)), &body).await?;
    let mut r = scim_json(201, created.clone());
    if let Some(Ok(location)) = created["meta"]["location"].as_str().map(HeaderValue::from_str) {
        r.headers_mut().insert(header::LOCATION, location);
    }
    Ok(r)
}

pub async fn show(State(s): State<SharedState>, Path(id): Path<String>, RawQuery(q): RawQuery) -> Result<Response> {
    let q = query(q.as_deref())?;
    let mut r = users::get(s.store.as_ref(), &id, &base(&s)).await?;
    project(&mut r, q.attributes.as_deref(), q.excluded.as_deref());
    Ok(scim_json(200, r))
}

pub async fn replace(
    State(s): State<SharedState>,
    Path(id): Path<String>,
    ScimBody(body): ScimBody,
) -> Result<Response> {
    Ok(scim_json(200, users::replace(&write(&s, &base(&s)), &id, &body).await?))
}

pub async fn patch(State(s): State<SharedState>, Path(id): Path<String>, ScimBody(body): ScimBody) -> Result<Response> {
    Ok(scim_json(200, users::patch(&write(&s, &base(&s)), &id, &body).await?))
}

pub async fn delete(State(s): State<SharedState>, Path(id): Path<String>) -> Result<impl IntoResponse> {
    users::delete(&write(&s, &base(&s)), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
