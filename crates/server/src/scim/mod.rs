//! SCIM 2.0 at `/scim/v2` (RFC 7643, RFC 7644; PRODUCT §13) behind an admin token: Users
//! and the discovery resources. Bodies are `application/scim+json` (plain JSON accepted).
pub mod discovery;
pub mod users;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use phonelogin_core::scim::ScimError;
use serde_json::Value;

use crate::admin::{Routes, guard};
use crate::error::{SCIM_JSON, ScimResponse};
use crate::paths;
use crate::state::SharedState;

pub fn routes() -> Routes {
    Routes::new(paths::SCIM)
        .get("/Users", users::list)
        .post("/Users", users::create)
        .post("/Users/.search", users::search)
        .post("/.search", users::search)
        .get("/Users/{id}", users::show)
        .put("/Users/{id}", users::replace)
        .patch("/Users/{id}", users::patch)
        .delete("/Users/{id}", users::delete)
        .get("/ServiceProviderConfig", discovery::service_provider_config)
        .get("/Schemas", discovery::all_schemas)
        .get("/Schemas/{id}", discovery::one_schema)
        .get("/ResourceTypes", discovery::resource_types)
        .get("/ResourceTypes/{id}", discovery::resource_type)
}

pub fn router(state: SharedState) -> Router<SharedState> {
    routes()
        .into_router()
        // Unknown SCIM paths: a SCIM 404, not the server's plain one.
        .route(&format!("{}/{{*rest}}", paths::SCIM), any(not_found))
        .route_layer(axum::middleware::from_fn_with_state(state, guard::scim))
}

async fn not_found() -> ScimResponse {
    ScimError::NotFound.into()
}

/// A SCIM response: the JSON with `Content-Type: application/scim+json`.
pub fn scim_json(status: u16, body: Value) -> Response {
    let mut r = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body.to_string()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    r
}

/// A JSON object body; anything else is a SCIM `invalidSyntax` error.
pub struct ScimBody(pub Value);

impl FromRequest<SharedState> for ScimBody {
    type Rejection = ScimResponse;

    async fn from_request(req: Request, s: &SharedState) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(req, s).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ScimError::TooLarge
            } else {
                ScimError::InvalidSyntax("the body cannot be read".into())
            }
        })?;
        match serde_json::from_slice::<Value>(&body) {
            Ok(v @ Value::Object(_)) => Ok(Self(v)),
            _ => Err(ScimError::InvalidSyntax("the body must be a JSON object".into()).into()),
        }
    }
}
