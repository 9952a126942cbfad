//! The filter examples of RFC 7644 §3.4.2.2, each parsed and evaluated on a resource shaped
//! like the RFC's own `bjensen`.
use serde_json::json;

use super::*;

fn bjensen() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "Bjensen",
        "name": {"familyName": "O'Malley", "givenName": "Barbara"},
        "title": "Tour Guide",
        "userType": "Employee",
        "emails": [{"value": "bjensen@example.com", "type": "work"}, {"value": "babs@jensen.org", "type": "home"}],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "meta": {"lastModified": "2011-05-13T04:42:34Z"},
    })
}

fn check(filter: &str) -> bool {
    Filter::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}")).matches(&bjensen(), &case_insensitive)
}

#[test]
fn rfc_7644_filter_examples_parse_and_evaluate() {
    let cases = [
        (r#"userName eq "bjensen""#, true),
        (r#"name.familyName co "O'Malley""#, true),
        (r#"userName sw "J""#, false),
        (r#"userName sw "B""#, true),
        (r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#, false),
        (r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b""#, true),
        ("title pr", true),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
        (r#"title pr and userType eq "Employee""#, true),
        (r#"title pr or userType eq "Intern""#, true),
        (r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#, false),
        (r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#, true),
        (r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#, false),
        (r#"userType eq "Employee" and (emails.type eq "work")"#, true),
        (r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#, true),
        (r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#, true),
    ];
    for (filter, expected) in cases {
        assert_eq!(check(filter), expected, "{filter}");
    }
}

#[test]
fn precedence_is_not_then_and_then_or() {
    // a or (b and c), not (a or b) and c
    assert!(check(r#"title pr or userType eq "x" and userName eq "y""#));
    assert!(!check(r#"(title pr or userType eq "x") and userName eq "y""#));
    assert!(check(r#"not (userType eq "x") and userName eq "bjensen""#));
}

#[test]
fn keywords_and_attribute_names_are_case_insensitive() {
    assert!(check(r#"USERNAME EQ "BJENSEN" AND Title PR"#));
    assert!(check(r#"EMAILS[TYPE eq "home"]"#));
}

#[test]
fn booleans_numbers_and_null_compare() {
    let r = json!({"active": false, "n": 3, "x": null});
    let m = |f: &str| Filter::parse(f).unwrap().matches(&r, &case_insensitive);
    assert!(m("active eq false") && !m("active eq true") && m("active ne true"));
    assert!(m("n gt 2") && m("n le 3") && !m("n lt 3"));
    assert!(!m("x pr") && !m("missing pr"));
}

#[test]
fn malformed_filters_are_invalid_filter() {
    for bad in [
        "",
        "userName",
        r#"userName eq"#,
        r#"userName zz "x""#,
        r#"userName eq bjensen"#,
        r#"userName eq "unterminated"#,
        r#"(userName eq "x""#,
        r#"emails[type eq "work""#,
        r#"userName eq "x" and"#,
        r#"userName eq "x" extra"#,
        r#"not userName eq "x""#,
        r#"1abc eq "x""#,
    ] {
        assert!(matches!(Filter::parse(bad), Err(ScimError::InvalidFilter(_))), "{bad:?}");
    }
}

#[test]
fn extension_attributes_resolve_in_their_schema_object() {
    let r = json!({"urn:phonelogin:scim:schemas:extension:1.0:User": {"birthdate": "1990-12-10"}});
    let f = Filter::parse(r#"urn:phonelogin:scim:schemas:extension:1.0:User:birthdate lt "2000-01-01""#).unwrap();
    assert!(f.matches(&r, &case_insensitive));
}
