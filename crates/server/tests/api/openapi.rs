//! The App API's OpenAPI document at `/app-api/v1/openapi.json` names every App API route.
use serde_json::Value;

use crate::helpers::*;

/// `(method, path)` of each App API route, read from the router's source: a route added there
/// and not documented fails this test.
fn app_api_routes() -> Vec<(String, String)> {
    let source = include_str!("../../src/lib.rs");
    let start = source.find("let app_api = Router::new()").expect("the App API router");
    let block = &source[start..start + source[start..].find(";\n").expect("its end")];
    let mut routes = vec![];
    for part in block.split(".route(").skip(1) {
        let path = part.split('"').nth(1).expect("a path").to_owned();
        for method in ["get", "post", "delete", "put", "patch"] {
            if part.contains(&format!("{method}(")) {
                routes.push((method.to_owned(), path.clone()));
            }
        }
    }
    routes
}

#[tokio::test]
async fn every_app_api_route_is_in_the_openapi_document() {
    let app = spawn_app().await;
    let r = app.http.get(app.url("/app-api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/app-api/v1");
    let routes = app_api_routes();
    assert!(routes.len() >= 11, "{routes:?}");
    for (method, path) in &routes {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not in docs/app-api.openapi.json");
        assert!(op["summary"].is_string() && op["responses"].is_object(), "{method} {path}");
    }
    // And nothing documented that the server does not have.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(routes.contains(&(method.clone(), path.clone())), "{method} {path} is documented but not served");
        }
    }
}
