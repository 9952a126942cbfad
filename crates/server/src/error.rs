//! The only place errors become HTTP responses: status, `WWW-Authenticate`, `Retry-After`,
//! `Cache-Control: no-store`, and the JSON body.
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use phonelogin_core::OAuthError;
use phonelogin_core::admin::AdminError;
use phonelogin_core::app::AppError;
use phonelogin_core::scim::ScimError;
use serde_json::json;

/// An OpenID endpoint's error, as a response.
pub struct OAuthResponse(pub OAuthError);

impl From<OAuthError> for OAuthResponse {
    fn from(e: OAuthError) -> Self {
        Self(e)
    }
}

fn status_of(e: &OAuthError) -> StatusCode {
    match e {
        OAuthError::InvalidClient { .. } | OAuthError::InvalidToken => StatusCode::UNAUTHORIZED,
        OAuthError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        OAuthError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn json_error(status: StatusCode, body: impl serde::Serialize) -> Response {
    // Serializing plain strings and a derived struct cannot fail.
    let mut r = (status, serde_json::to_string(&body).unwrap_or_default()).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

/// An OAuth error body (RFC 6749 §5.2), with the `error_code` of the API we are compatible with.
#[derive(serde::Serialize)]
struct OAuthBody {
    error: &'static str,
    error_description: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'static str>,
}

impl IntoResponse for OAuthResponse {
    fn into_response(self) -> Response {
        let e = self.0;
        if let OAuthError::Unavailable(detail) = &e {
            tracing::error!(%detail, "storage failure");
        }
        let body = OAuthBody { error: e.code(), error_description: e.description(), error_code: e.error_code() };
        let mut r = json_error(status_of(&e), body);
        let h = r.headers_mut();
        match e {
            OAuthError::InvalidClient { basic: true } => {
                h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"phonelogin\""));
            }
            OAuthError::InvalidToken => {
                h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
            }
            OAuthError::TooManyRequests { retry_after } => {
                h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            _ => {}
        }
        r
    }
}

/// An App API error, as a response.
pub struct AppResponse(pub AppError);

impl From<AppError> for AppResponse {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

fn app_status(e: &AppError) -> StatusCode {
    match e {
        AppError::InvalidToken | AppError::DeviceLocked | AppError::InvalidSignature => StatusCode::UNAUTHORIZED,
        AppError::NotFound | AppError::UnknownUser => StatusCode::NOT_FOUND,
        AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::RequestClosed | AppError::TooManyDevices => StatusCode::CONFLICT,
        AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::Unavailable(_) | AppError::SmsUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        AppError::WrongPin { .. }
        | AppError::ConsentRequired
        | AppError::RequiredConsentMissing
        | AppError::InvalidCode
        | AppError::InvalidPin
        | AppError::InvalidPhoneNumber
        | AppError::InvalidRequest(_) => StatusCode::BAD_REQUEST,
    }
}

impl IntoResponse for AppResponse {
    fn into_response(self) -> Response {
        let e = self.0;
        if let AppError::Unavailable(detail) = &e {
            tracing::error!(%detail, "storage failure");
        }
        let mut body = json!({"error": e.code(), "error_description": e.description()});
        if let AppError::WrongPin { attempts_left } = e {
            body["attempts_left"] = attempts_left.into();
        }
        let mut r = json_error(app_status(&e), body);
        match e {
            AppError::InvalidToken | AppError::DeviceLocked => {
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            AppError::TooManyRequests { retry_after } => {
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            _ => {}
        }
        r
    }
}

/// An admin API error, as a response.
pub struct AdminResponse(pub AdminError);

impl From<AdminError> for AdminResponse {
    fn from(e: AdminError) -> Self {
        Self(e)
    }
}

fn admin_status(e: &AdminError) -> StatusCode {
    match e {
        AdminError::InvalidToken => StatusCode::UNAUTHORIZED,
        AdminError::NotFound => StatusCode::NOT_FOUND,
        AdminError::Conflict(_) => StatusCode::CONFLICT,
        AdminError::InvalidRequest(_) => StatusCode::BAD_REQUEST,
        AdminError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        AdminError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl IntoResponse for AdminResponse {
    fn into_response(self) -> Response {
        let e = self.0;
        if let AdminError::Unavailable(detail) = &e {
            tracing::error!(%detail, "storage failure");
        }
        let mut r = json_error(admin_status(&e), json!({"error": e.code(), "error_description": e.description()}));
        if e == AdminError::InvalidToken {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

/// A SCIM error (RFC 7644 §3.12), as a response: the Error message schema, `status` as a
/// string, `scimType` where the RFC names one.
pub struct ScimResponse(pub ScimError);

impl From<ScimError> for ScimResponse {
    fn from(e: ScimError) -> Self {
        Self(e)
    }
}

fn scim_status(e: &ScimError) -> StatusCode {
    match e {
        ScimError::Unauthorized => StatusCode::UNAUTHORIZED,
        ScimError::NotFound => StatusCode::NOT_FOUND,
        ScimError::Uniqueness(_) => StatusCode::CONFLICT,
        ScimError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ScimError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        ScimError::InvalidFilter(_)
        | ScimError::InvalidPath(_)
        | ScimError::NoTarget(_)
        | ScimError::InvalidValue(_)
        | ScimError::Mutability(_)
        | ScimError::InvalidSyntax(_) => StatusCode::BAD_REQUEST,
    }
}

impl IntoResponse for ScimResponse {
    fn into_response(self) -> Response {
        let e = self.0;
        if let ScimError::Unavailable(detail) = &e {
            tracing::error!(%detail, "storage failure");
        }
        let status = scim_status(&e);
        let mut body = json!({"schemas": [phonelogin_core::scim::ERROR], "status": status.as_u16().to_string(), "detail": e.detail()});
        if let Some(t) = e.scim_type() {
            body["scimType"] = t.into();
        }
        let mut r = json_error(status, body);
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        if e == ScimError::Unauthorized {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

/// The media type of SCIM messages.
pub const SCIM_JSON: &str = "application/scim+json";

/// A request body over the limit: `413` with the JSON error body (and `no-store`) that both
/// the OAuth endpoints and the App API use.
pub fn payload_too_large() -> Response {
    json_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        json!({"error": "invalid_request", "error_description": "the request body is larger than 64 KiB"}),
    )
}

/// Unknown paths: a JSON 404 rather than an empty body.
pub async fn not_found() -> Response {
    json_error(StatusCode::NOT_FOUND, json!({"error": "not_found", "error_description": "no such endpoint"}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(e: OAuthError) -> (StatusCode, Option<String>, serde_json::Value) {
        let r = OAuthResponse(e).into_response();
        let www = r.headers().get(header::WWW_AUTHENTICATE).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        let status = r.status();
        let body = futures::executor::block_on(axum::body::to_bytes(r.into_body(), 4096)).unwrap();
        (status, www, serde_json::from_slice(&body).unwrap())
    }

    #[test]
    fn every_oauth_error_maps_to_its_status_and_body() {
        let cases = [
            (OAuthError::InvalidRequest("x"), 400, "invalid_request"),
            (OAuthError::InvalidClient { basic: false }, 401, "invalid_client"),
            (OAuthError::InvalidGrant, 400, "invalid_grant"),
            (OAuthError::UnauthorizedClient, 400, "unauthorized_client"),
            (OAuthError::UnsupportedGrantType, 400, "unsupported_grant_type"),
            (OAuthError::InvalidScope("x"), 400, "invalid_scope"),
            (OAuthError::AuthorizationPending, 400, "authorization_pending"),
            (OAuthError::SlowDown, 400, "slow_down"),
            (OAuthError::ExpiredToken, 400, "expired_token"),
            (OAuthError::AccessDenied, 400, "access_denied"),
            (OAuthError::OldApp, 400, "access_denied"),
            (OAuthError::UnknownUserId, 400, "unknown_user_id"),
            (OAuthError::InvalidBindingMessage, 400, "invalid_binding_message"),
            (OAuthError::TooManyRequests { retry_after: 9 }, 429, "too_many_requests"),
            (OAuthError::InvalidToken, 401, "invalid_token"),
            (OAuthError::Unavailable("db down".into()), 503, "temporarily_unavailable"),
        ];
        for (e, status, code) in cases {
            let (s, _, body) = parts(e);
            assert_eq!(s.as_u16(), status, "{code}");
            assert_eq!(body["error"], code);
            assert!(body["error_description"].as_str().is_some_and(|d| !d.is_empty() && !d.contains("db down")));
        }
    }

    #[test]
    fn challenges_and_error_codes_are_added_where_the_specs_say() {
        assert_eq!(parts(OAuthError::InvalidClient { basic: true }).1.as_deref(), Some("Basic realm=\"phonelogin\""));
        assert_eq!(parts(OAuthError::InvalidClient { basic: false }).1, None);
        assert_eq!(parts(OAuthError::InvalidToken).1.as_deref(), Some("Bearer error=\"invalid_token\""));
        assert_eq!(parts(OAuthError::UnknownUserId).2["error_code"], "invalid_user");
        assert_eq!(parts(OAuthError::OldApp).2["error_code"], "old_app");
        let r = OAuthResponse(OAuthError::TooManyRequests { retry_after: 42 }).into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "42");
    }

    #[test]
    fn app_errors_map_to_distinct_statuses() {
        for (e, status) in [
            (AppError::InvalidToken, 401),
            (AppError::NotFound, 404),
            (AppError::WrongPin { attempts_left: 3 }, 400),
            (AppError::DeviceLocked, 401),
            (AppError::InvalidSignature, 401),
            (AppError::RequestClosed, 409),
            (AppError::TooManyDevices, 409),
            (AppError::ConsentRequired, 400),
            (AppError::InvalidCode, 400),
            (AppError::TooManyRequests { retry_after: 7 }, 429),
            (AppError::SmsUnavailable, 503),
        ] {
            assert_eq!(AppResponse(e).into_response().status().as_u16(), status);
        }
        let r = AppResponse(AppError::TooManyRequests { retry_after: 7 }).into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
    }

    #[test]
    fn admin_errors_map_to_distinct_statuses() {
        for (e, status) in [
            (AdminError::InvalidToken, 401),
            (AdminError::NotFound, 404),
            (AdminError::Conflict("x"), 409),
            (AdminError::InvalidRequest("x".into()), 400),
            (AdminError::TooLarge, 413),
            (AdminError::Unavailable("db".into()), 503),
        ] {
            assert_eq!(AdminResponse(e).into_response().status().as_u16(), status);
        }
    }

    #[test]
    fn scim_errors_carry_the_error_schema_status_and_scim_type() {
        for (e, status, scim_type) in [
            (ScimError::Unauthorized, 401, None),
            (ScimError::NotFound, 404, None),
            (ScimError::Uniqueness("x".into()), 409, Some("uniqueness")),
            (ScimError::InvalidFilter("x".into()), 400, Some("invalidFilter")),
            (ScimError::InvalidPath("x".into()), 400, Some("invalidPath")),
            (ScimError::NoTarget("x".into()), 400, Some("noTarget")),
            (ScimError::InvalidValue("x".into()), 400, Some("invalidValue")),
            (ScimError::Mutability("x".into()), 400, Some("mutability")),
            (ScimError::InvalidSyntax("x".into()), 400, Some("invalidSyntax")),
            (ScimError::TooLarge, 413, None),
            (ScimError::Unavailable("db down".into()), 503, None),
        ] {
            let r = ScimResponse(e).into_response();
            assert_eq!(r.status().as_u16(), status);
            assert_eq!(r.headers()[header::CONTENT_TYPE], SCIM_JSON);
            let body = futures::executor::block_on(axum::body::to_bytes(r.into_body(), 4096)).unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
            assert_eq!(body["status"], status.to_string());
            assert_eq!(body["scimType"].as_str(), scim_type);
            assert!(!body["detail"].as_str().unwrap().contains("db down"));
        }
    }
}
