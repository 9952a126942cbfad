//! SCIM discovery (RFC 7644 §4): `ServiceProviderConfig`, `Schemas`, `ResourceTypes`.
use axum::extract::{Path, State};
use axum::response::Response;
use phonelogin_core::scim::{EXTENSION_SCHEMA, LIST_RESPONSE, MAX_RESULTS, ScimError, USER_SCHEMA};
use serde_json::{Value, json};

use super::scim_json;
use crate::error::ScimResponse;
use crate::paths;
use crate::state::SharedState;

const SCHEMAS: &str = include_str!("schemas.json");

fn list(items: Vec<Value>) -> Value {
    json!({"schemas": [LIST_RESPONSE], "totalResults": items.len(), "startIndex": 1, "itemsPerPage": items.len(), "Resources": items})
}

pub async fn service_provider_config(State(s): State<SharedState>) -> Response {
    scim_json(
        200,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": s.url(&format!("{}/openapi.json", paths::ADMIN)),
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": MAX_RESULTS},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "Admin token",
                "description": "Authorization: Bearer with a token from `phonelogin admin-token create NAME`",
                "primary": true,
            }],
            "meta": {"resourceType": "ServiceProviderConfig", "location": s.url(&format!("{}/ServiceProviderConfig", paths::SCIM))},
        }),
    )
}

fn schemas(s: &SharedState) -> Vec<Value> {
    let mut all: Vec<Value> = serde_json::from_str(SCHEMAS).unwrap_or_default();
    for schema in &mut all {
        let id = schema["id"].as_str().unwrap_or_default().to_owned();
        schema["meta"]["location"] = s.url(&format!("{}/Schemas/{id}", paths::SCIM)).into();
    }
    all
}

pub async fn all_schemas(State(s): State<SharedState>) -> Response {
    scim_json(200, list(schemas(&s)))
}

pub async fn one_schema(State(s): State<SharedState>, Path(id): Path<String>) -> Result<Response, ScimResponse> {
    let schema = schemas(&s).into_iter().find(|x| x["id"] == id.as_str()).ok_or(ScimError::NotFound)?;
    Ok(scim_json(200, schema))
}

fn user_type(s: &SharedState) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A person who logs in with their phone number",
        "schema": USER_SCHEMA,
        "schemaExtensions": [{"schema": EXTENSION_SCHEMA, "required": false}],
        "meta": {"resourceType": "ResourceType", "location": s.url(&format!("{}/ResourceTypes/User", paths::SCIM))},
    })
}

pub async fn resource_types(State(s): State<SharedState>) -> Response {
    scim_json(200, list(vec![user_type(&s)]))
}

pub async fn resource_type(State(s): State<SharedState>, Path(id): Path<String>) -> Result<Response, ScimResponse> {
    if id != "User" {
        return Err(ScimError::NotFound.into());
    }
    Ok(scim_json(200, user_type(&s)))
}
