//! The embedded web files: the authenticator app at `/app/` and the demo pages.
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../web/"]
struct Web;

/// Serves `web/<path>` with its MIME type, or 404.
pub fn file(path: &str) -> Response {
    match Web::get(path) {
        Some(f) => {
            let cache = if path.ends_with("sw.js") || path.ends_with(".html") { "no-cache" } else { "max-age=300" };
            (
                [(header::CONTENT_TYPE, f.metadata.mimetype().to_owned()), (header::CACHE_CONTROL, cache.to_owned())],
                f.data,
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

pub async fn app_index() -> Response {
    file("app/index.html")
}

pub async fn app_file(Path(path): Path<String>) -> Response {
    file(&format!("app/{path}"))
}

/// `/favicon.ico`: the app's SVG icon (browsers accept it under that name).
pub async fn favicon() -> Response {
    file("app/icon.svg")
}

/// The App API as an OpenAPI 3.1 document: `docs/app-api.openapi.json`, built in.
pub async fn app_api_openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "max-age=300")],
        include_str!("../../../docs/app-api.openapi.json"),
    )
        .into_response()
}
