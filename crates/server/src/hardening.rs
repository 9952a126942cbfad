//! Limits and headers every response gets (spec §10): request bodies of at most 64 KiB (a
//! larger one is `413` in the endpoint's own error format), and on the web pages a
//! Content-Security-Policy; `nosniff` and `Referrer-Policy: no-referrer` everywhere; App API
//! answers are `no-store`.
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::paths;

/// The largest request body accepted.
pub const MAX_BODY: usize = 64 * 1024;

/// What the app and the demo pages may load: their own files, merchant logos over https.
const CSP: &str = "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Adds the body limit and the headers to every route of `router`.
pub fn harden(router: Router) -> Router {
    router
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(body_limit))
        .layer(axum::middleware::from_fn(security_headers))
}

/// Refuses a declared body over the limit before it is read, and turns the extractors'
/// plain-text 413 for an undeclared (chunked) one into the endpoint's JSON error.
pub async fn body_limit(req: Request, next: Next) -> Response {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    // SCIM answers in its own error format (RFC 7644 §3.12).
    let too_large = if req.uri().path().starts_with(paths::SCIM) {
        || crate::error::ScimResponse(phonelogin_core::scim::ScimError::TooLarge).into_response()
    } else {
        crate::error::payload_too_large
    };
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return too_large();
    }
    let response = next.run(req).await;
    let json = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"application/scim+json")
    });
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !json {
        return too_large();
    }
    response
}

pub async fn security_headers(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let page = path == "/app" || path.starts_with(paths::APP) || path.starts_with("/demo");
    let api = path.starts_with(paths::APP_API);
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    if api && !h.contains_key(header::CACHE_CONTROL) {
        // Device tokens, codes and personal data: never kept by a cache.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if page {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}
