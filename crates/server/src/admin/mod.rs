//! The admin API (PRODUCT §13): JSON under `/admin/v1` behind an admin token, one file per
//! resource, and its OpenAPI document. The route table built here is what the OpenAPI test
//! compares with the document.
pub mod audit;
pub mod clients;
pub mod devices;
pub mod guard;
pub mod keys;
pub mod openapi;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawQuery, Request};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::routing::{MethodRouter, delete, get, post, put};
use phonelogin_core::admin::AdminError;
use serde::de::DeserializeOwned;

use crate::error::AdminResponse;
use crate::paths;
use crate::state::SharedState;

/// A router that records each (method, path) it serves.
pub struct Routes {
    prefix: &'static str,
    router: Router<SharedState>,
    pub table: Vec<(&'static str, &'static str)>,
}

impl Routes {
    pub fn new(prefix: &'static str) -> Self {
        Self { prefix, router: Router::new(), table: Vec::new() }
    }

    fn add(mut self, method: &'static str, path: &'static str, route: MethodRouter<SharedState>) -> Self {
        self.table.push((method, path));
        self.router = self.router.route(&format!("{}{path}", self.prefix), route);
        self
    }

    pub fn get<H: Handler<T, SharedState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("get", path, get(h))
    }
    pub fn post<H: Handler<T, SharedState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("post", path, post(h))
    }
    pub fn put<H: Handler<T, SharedState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("put", path, put(h))
    }
    pub fn patch<H: Handler<T, SharedState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("patch", path, axum::routing::patch(h))
    }
    pub fn delete<H: Handler<T, SharedState>, T: 'static>(self, path: &'static str, h: H) -> Self {
        self.add("delete", path, delete(h))
    }

    pub fn into_router(self) -> Router<SharedState> {
        self.router
    }
}

/// The admin API's routes behind the token check; `openapi.json` is public.
pub fn routes() -> Routes {
    Routes::new(paths::ADMIN)
        .get("/clients", clients::list)
        .post("/clients", clients::create)
        .get("/clients/{id}", clients::show)
        .put("/clients/{id}", clients::update)
        .delete("/clients/{id}", clients::remove)
        .post("/clients/{id}/secret", clients::rotate_secret)
        .get("/keys", keys::list)
        .post("/keys/rotate", keys::rotate)
        .get("/devices", devices::list)
        .delete("/devices/{id}", devices::remove)
        .post("/devices/{id}/unlock", devices::unlock)
        .get("/audit", audit::list)
}

/// The public routes of the admin API.
pub fn public_routes() -> Routes {
    Routes::new(paths::ADMIN).get("/openapi.json", openapi::document)
}

pub fn router(state: SharedState) -> Router<SharedState> {
    routes()
        .into_router()
        .route_layer(axum::middleware::from_fn_with_state(state, guard::admin_api))
        .merge(public_routes().into_router())
}

/// A JSON body whose rejection is an admin error body.
pub struct AdminJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<SharedState> for AdminJson<T> {
    type Rejection = AdminResponse;

    async fn from_request(req: Request, s: &SharedState) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(req, s).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AdminError::TooLarge
            } else {
                AdminError::InvalidRequest("the body cannot be read".into())
            }
        })?;
        let value = serde_json::from_slice(if body.is_empty() { b"{}" } else { &body })
            .map_err(|e| AdminError::InvalidRequest(format!("invalid JSON body: {e}")))?;
        Ok(Self(value))
    }
}

/// The query string's parameters; a repeated one keeps its last value.
pub struct QueryMap(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = AdminResponse;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let RawQuery(q) = RawQuery::from_request_parts(parts, s).await.unwrap_or(RawQuery(None));
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q.as_deref().unwrap_or(""))
            .map_err(|_| AdminError::InvalidRequest("the query string cannot be parsed".into()))?;
        Ok(Self(pairs.into_iter().collect()))
    }
}
