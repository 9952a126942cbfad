//! PATCH operations of RFC 7644 §3.5.2 on a user's JSON.
use serde_json::json;

use super::*;
use crate::scim::user::canon;

fn ada() -> Value {
    json!({
        "schemas": [USER_SCHEMA, EXTENSION_SCHEMA],
        "userName": "4712345678",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
        "active": true,
        EXTENSION_SCHEMA: {"birthdate": "1815-12-10"},
    })
}

fn patch(ops: Value) -> Result<Value, ScimError> {
    let mut r = ada();
    apply(&mut r, &json!({"schemas": [PATCH_OP], "Operations": ops}), &canon)?;
    Ok(r)
}

#[test]
fn replace_simple_and_sub_attributes() {
    let r = patch(json!([
        {"op": "replace", "path": "active", "value": false},
        {"op": "Replace", "path": "name.familyName", "value": "Byron"},
    ]))
    .unwrap();
    assert_eq!(r["active"], false);
    assert_eq!(r["name"], json!({"givenName": "Ada", "familyName": "Byron"}));
}

#[test]
fn replace_without_path_merges_the_value_object() {
    let r = patch(json!([{"op": "replace", "value": {"active": false, "name": {"givenName": "Augusta"}}}])).unwrap();
    assert_eq!(r["active"], false);
    assert_eq!(r["name"], json!({"givenName": "Augusta", "familyName": "Lovelace"}));
}

#[test]
fn add_appends_to_multi_valued_and_sets_extension_attributes() {
    let r = patch(json!([
        {"op": "add", "path": "emails", "value": [{"value": "ada@home.example", "type": "home"}]},
        {"op": "add", "path": "urn:phonelogin:scim:schemas:extension:1.0:User:nin", "value": "10121512345"},
    ]))
    .unwrap();
    assert_eq!(r["emails"].as_array().unwrap().len(), 2);
    assert_eq!(r[EXTENSION_SCHEMA], json!({"birthdate": "1815-12-10", "nin": "10121512345"}));
}

#[test]
fn value_filters_choose_the_values_to_change_or_remove() {
    let r = patch(json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "ada@new.example"}]))
        .unwrap();
    assert_eq!(r["emails"][0]["value"], "ada@new.example");
    let r = patch(json!([{"op": "remove", "path": "emails[type eq \"work\"]"}])).unwrap();
    assert_eq!(r["emails"], json!([]));
    let r = patch(json!([{"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+4712345678"}]))
        .unwrap();
    assert_eq!(r["phoneNumbers"], json!([{"value": "+4712345678"}]));
}

#[test]
fn replace_of_no_matching_value_is_no_target() {
    let e = patch(json!([{"op": "replace", "path": "emails[type eq \"home\"].value", "value": "x@y.z"}]));
    assert!(matches!(e, Err(ScimError::NoTarget(_))), "{e:?}");
}

#[test]
fn remove_attributes_and_remove_without_path() {
    let r = patch(json!([{"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": "urn:phonelogin:scim:schemas:extension:1.0:User:birthdate"}])).unwrap();
    assert_eq!(r["name"], json!({"familyName": "Lovelace"}));
    assert_eq!(r[EXTENSION_SCHEMA], json!({}));
    assert!(matches!(patch(json!([{"op": "remove"}])), Err(ScimError::NoTarget(_))));
}

#[test]
fn paths_outside_the_schema_are_invalid_path() {
    for path in [
        "nickName",
        "name.middleName",
        "emails[type eq]",
        "emails[type eq \"work\"].nope",
        "active[value eq true]",
        "urn:other:Thing:x",
        "name..x",
    ] {
        let e = patch(json!([{"op": "replace", "path": path, "value": "x"}]));
        assert!(matches!(e, Err(ScimError::InvalidPath(_))), "{path}: {e:?}");
    }
    assert!(matches!(patch(json!([{"op": "replace", "path": "id", "value": "x"}])), Err(ScimError::Mutability(_))));
}

#[test]
fn bodies_that_are_not_patch_ops_are_invalid_syntax() {
    let mut r = ada();
    for body in [
        json!({}),
        json!({"schemas": ["x"], "Operations": []}),
        json!({"schemas": [PATCH_OP], "Operations": [{"op": "move"}]}),
    ] {
        assert!(matches!(apply(&mut r, &body, &canon), Err(ScimError::InvalidSyntax(_))), "{body}");
    }
}

#[test]
fn an_added_primary_value_takes_primary_from_the_others() {
    let r = patch(json!([{"op": "add", "path": "emails", "value": [{"value": "ada@home.example", "primary": true}]}]))
        .unwrap();
    assert_eq!(r["emails"][0]["primary"], false);
    assert_eq!(r["emails"][1]["primary"], true);
}
