//! `/admin/v1/openapi.json`: the admin API's OpenAPI 3 document, a JSON file kept beside the
//! handlers and embedded; a test checks that it lists exactly the routes the router serves.
use axum::http::header;
use axum::response::IntoResponse;

pub const DOCUMENT: &str = include_str!("openapi.json");

pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    #[test]
    fn the_document_lists_exactly_the_routes_of_the_router() {
        let doc: serde_json::Value = serde_json::from_str(super::DOCUMENT).unwrap();
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, ops)| {
                ops.as_object().unwrap().keys().filter(|m| *m != "parameters").map(move |m| (m.clone(), path.clone()))
            })
            .collect();
        let served: BTreeSet<(String, String)> = super::super::routes()
            .table
            .into_iter()
            .chain(super::super::public_routes().table)
            .map(|(m, p)| (m.to_owned(), p.to_owned()))
            .collect();
        assert_eq!(documented, served);
    }
}
