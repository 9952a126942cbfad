//! SCIM 2.0 provisioning at `/scim/v2` (PRODUCT §13, RFC 7643/7644): Users with filter,
//! paging, replace, PATCH and delete-as-deactivate; discovery; SCIM error bodies.
use futures::future::join_all;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::admin::admin_token;
use crate::helpers::{ADA, ADA_DEVICE, TestApp, body, spawn_app};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const EXT: &str = "urn:phonelogin:scim:schemas:extension:1.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

struct Scim {
    app: TestApp,
    token: String,
}

async fn scim() -> Scim {
    let app = spawn_app().await;
    let token = admin_token(&app, "crm").await;
    Scim { app, token }
}

impl Scim {
    async fn send(&self, method: Method, path: &str, json: Option<Value>) -> Response {
        let mut req = self.app.http.request(method, self.app.url(&format!("/scim/v2{path}"))).bearer_auth(&self.token);
        if let Some(j) = json {
            req = req.header("content-type", "application/scim+json").body(j.to_string());
        }
        req.send().await.unwrap()
    }
    async fn ok(&self, method: Method, path: &str, json: Option<Value>, status: u16) -> Value {
        let r = self.send(method, path, json).await;
        assert_eq!(r.headers()["content-type"], "application/scim+json");
        let (s, b) = body(r).await;
        assert_eq!(s.as_u16(), status, "{b}");
        b
    }
    async fn list(&self, query: &str) -> Value {
        self.ok(Method::GET, &format!("/Users?{query}"), None, 200).await
    }
    async fn id_of(&self, phone: &str) -> String {
        let found = self.list(&format!("filter=userName%20eq%20%22{phone}%22")).await;
        found["Resources"][0]["id"].as_str().expect("the user").to_owned()
    }
}

/// Asserts a SCIM error: status, the Error schema, `status` as a string, and `scimType`.
async fn assert_scim_error(r: Response, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.headers()["content-type"], "application/scim+json");
    let (s, b) = body(r).await;
    assert_eq!(s.as_u16(), status, "{b}");
    assert_eq!(b["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]));
    assert_eq!(b["status"], status.to_string());
    assert_eq!(b["scimType"].as_str(), scim_type, "{b}");
    assert!(b["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

fn grace() -> Value {
    json!({
        "schemas": [USER, EXT],
        "externalId": "crm-42",
        "userName": "4791234567",
        "name": {"givenName": "Grace", "familyName": "Hopper"},
        "emails": [{"value": "grace@example.com", "type": "work", "primary": true}],
        "phoneNumbers": [{"value": "+47 912 34 567", "type": "mobile"}],
        "addresses": [{"type": "home", "streetAddress": "Navy Yard 1", "locality": "OSLO", "postalCode": "0150", "country": "NO", "primary": true}],
        "active": true,
        EXT: {"birthdate": "1906-12-09", "nin": "09120612345"},
    })
}

#[tokio::test]
async fn scim_without_a_valid_token_is_401_with_a_scim_error() {
    let s = scim().await;
    for path in ["/Users", "/ServiceProviderConfig", "/Users/x", "/Nope"] {
        let r = s.app.http.get(s.app.url(&format!("/scim/v2{path}"))).send().await.unwrap();
        assert_scim_error(r, 401, None).await;
        let r = s.app.http.get(s.app.url(&format!("/scim/v2{path}"))).bearer_auth("pla_forged").send().await.unwrap();
        assert_scim_error(r, 401, None).await;
    }
    assert!(s.app.store.revoke_admin_token("crm", 1).await.unwrap());
    assert_scim_error(s.send(Method::GET, "/Users", None).await, 401, None).await;
}

#[tokio::test]
async fn a_created_user_has_every_mapped_attribute() {
    let s = scim().await;
    let r = s.send(Method::POST, "/Users", Some(grace())).await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let (status, created) = body(r).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(location, s.app.url(&format!("/scim/v2/Users/{id}")));
    assert_eq!(created["meta"]["location"], location);
    assert_eq!(created["userName"], "4791234567");
    assert_eq!(created["externalId"], "crm-42");
    assert_eq!(created["name"], json!({"givenName": "Grace", "familyName": "Hopper"}));
    assert_eq!(created["emails"], grace()["emails"], "the client's own values come back");
    assert_eq!(created["addresses"], grace()["addresses"]);
    assert_eq!(created[EXT], json!({"birthdate": "1906-12-09", "nin": "09120612345"}));
    assert_eq!(created["active"], true);
    assert_eq!(s.ok(Method::GET, &format!("/Users/{id}"), None, 200).await, created);

    let u = s.app.store.user(id).await.unwrap().unwrap();
    assert_eq!((u.given_name.as_str(), u.family_name.as_str()), ("Grace", "Hopper"));
    assert_eq!((u.email.as_deref(), u.email_verified), (Some("grace@example.com"), true));
    assert_eq!((u.birthdate.as_deref(), u.nin.as_deref()), (Some("1906-12-09"), Some("09120612345")));
    assert_eq!((u.addresses[0].region.as_str(), u.addresses[0].default), ("OSLO", true));
}

#[tokio::test]
async fn a_taken_user_name_is_409_uniqueness_also_when_creations_race() {
    let s = scim().await;
    let mut ada = grace();
    ada["userName"] = ADA.into();
    ada["phoneNumbers"] = json!([]);
    assert_scim_error(s.send(Method::POST, "/Users", Some(ada)).await, 409, Some("uniqueness")).await;
    let statuses: Vec<u16> = join_all((0..8).map(|_| s.send(Method::POST, "/Users", Some(grace()))))
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(statuses.iter().filter(|c| **c == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|c| [201, 409].contains(c)), "{statuses:?}");
}

#[tokio::test]
async fn invalid_users_and_bodies_are_400_with_their_scim_type() {
    let s = scim().await;
    for (change, scim_type) in [
        (json!({"userName": "grace"}), "invalidValue"),
        (json!({"userName": null}), "invalidValue"),
        (json!({"active": "perhaps"}), "invalidValue"),
        (json!({"emails": "grace@example.com"}), "invalidValue"),
        (json!({"phoneNumbers": [{"value": "+4799999999", "type": "mobile"}]}), "invalidValue"),
        (json!({EXT: {"birthdate": "9 Dec 1906"}}), "invalidValue"),
    ] {
        let mut u = grace();
        for (k, v) in change.as_object().unwrap() {
            u[k] = v.clone();
        }
        assert_scim_error(s.send(Method::POST, "/Users", Some(u)).await, 400, Some(scim_type)).await;
    }
    let r = s.app.http.post(s.app.url("/scim/v2/Users")).bearer_auth(&s.token).body("{oops").send().await.unwrap();
    assert_scim_error(r, 400, Some("invalidSyntax")).await;
    assert_scim_error(s.send(Method::GET, "/Users/no-such-id", None).await, 404, None).await;
}

#[tokio::test]
async fn filters_find_users_by_user_name_phone_number_and_active() {
    let s = scim().await;
    let names = |b: &Value| {
        b["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&s.list("filter=userName eq \"4712345678\"").await), [ADA]);
    assert_eq!(names(&s.list("filter=phoneNumbers.value eq \"+4712345678\"").await), [ADA]);
    assert_eq!(
        names(&s.list("filter=phoneNumbers[type eq \"mobile\" and value eq \"tel:+47-12345678\"]").await),
        [ADA]
    );
    assert_eq!(names(&s.list("filter=active eq false").await), ["4700000002"]);
    assert_eq!(names(&s.list("filter=active eq true and name.familyName sw \"lov\"").await), [ADA]);
    assert_eq!(
        names(&s.list("filter=urn:phonelogin:scim:schemas:extension:1.0:User:birthdate gt \"2000-01-01\"").await),
        ["4700000001"]
    );
    let none = s.list("filter=userName eq \"4799999999\"").await;
    assert_eq!((none["totalResults"].as_u64(), none["Resources"].as_array().map(Vec::len)), (Some(0), Some(0)));
    for bad in ["userName", "userName eq", "userName xx \"1\"", "(active eq true", "userName eq ada"] {
        let r = s.send(Method::GET, &format!("/Users?filter={}", urlencode(bad)), None).await;
        assert_scim_error(r, 400, Some("invalidFilter")).await;
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap().trim_start_matches("x=").to_owned()
}

#[tokio::test]
async fn lists_are_paged_by_start_index_and_count() {
    let s = scim().await;
    let all = s.list("").await;
    let total = all["totalResults"].as_u64().unwrap() as usize;
    assert!(total >= 6, "{all}");
    assert_eq!(all["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]));
    let mut seen = vec![];
    let mut start = 1;
    while start <= total {
        let page = s.list(&format!("startIndex={start}&count=2")).await;
        assert_eq!(
            (page["totalResults"].as_u64(), page["startIndex"].as_u64()),
            (Some(total as u64), Some(start as u64))
        );
        let items = page["Resources"].as_array().unwrap();
        assert_eq!(page["itemsPerPage"].as_u64(), Some(items.len() as u64));
        assert!(items.len() == 2 || start + items.len() > total);
        seen.extend(items.iter().map(|r| r["id"].clone()));
        start += 2;
    }
    assert_eq!(seen, all["Resources"].as_array().unwrap().iter().map(|r| r["id"].clone()).collect::<Vec<_>>());
    assert_eq!(s.list("count=0").await["Resources"], json!([]));
    assert_eq!(s.list(&format!("startIndex={}", total + 5)).await["Resources"], json!([]));
    assert_eq!(s.list("startIndex=-3&count=1").await["startIndex"], 1);
    assert_scim_error(s.send(Method::GET, "/Users?count=many", None).await, 400, Some("invalidValue")).await;
}

#[tokio::test]
async fn search_by_post_and_attribute_selection() {
    let s = scim().await;
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq \"4712345678\"", "attributes": ["userName", "name.givenName"]});
    let found = s.ok(Method::POST, "/Users/.search", Some(search), 200).await;
    let ada = &found["Resources"][0];
    assert_eq!((ada["userName"].as_str(), ada["name"].clone()), (Some(ADA), json!({"givenName": "Ada"})));
    assert!(ada["id"].is_string() && ada.get("emails").is_none(), "{ada}");
    let id = ada["id"].as_str().unwrap();
    let trimmed = s.ok(Method::GET, &format!("/Users/{id}?excludedAttributes=emails,addresses"), None, 200).await;
    assert!(trimmed.get("emails").is_none() && trimmed.get("addresses").is_none() && trimmed["name"].is_object());
}

#[tokio::test]
async fn put_replaces_the_user_and_can_move_the_number() {
    let s = scim().await;
    let id = s.ok(Method::POST, "/Users", Some(grace()), 201).await["id"].as_str().unwrap().to_owned();
    let mut moved = grace();
    moved["userName"] = "4791234568".into();
    moved["phoneNumbers"] = json!([{"value": "+4791234568", "type": "mobile"}]);
    moved["name"] = json!({"givenName": "Amazing Grace"});
    moved.as_object_mut().unwrap().remove("emails");
    let replaced = s.ok(Method::PUT, &format!("/Users/{id}"), Some(moved), 200).await;
    assert_eq!((replaced["id"].as_str(), replaced["userName"].as_str()), (Some(id.as_str()), Some("4791234568")));
    assert_eq!(replaced["name"], json!({"givenName": "Amazing Grace"}));
    assert!(replaced.get("emails").is_none(), "{replaced}");
    let u = s.app.store.user(&id).await.unwrap().unwrap();
    assert_eq!((u.phone_number.as_str(), u.email.as_deref(), u.family_name.as_str()), ("4791234568", None, ""));

    let mut onto_ada = grace();
    onto_ada["userName"] = ADA.into();
    onto_ada["phoneNumbers"] = json!([]);
    assert_scim_error(s.send(Method::PUT, &format!("/Users/{id}"), Some(onto_ada)).await, 409, Some("uniqueness"))
        .await;
    assert_scim_error(s.send(Method::PUT, "/Users/nope", Some(grace())).await, 404, None).await;
}

#[tokio::test]
async fn patch_adds_replaces_and_removes() {
    let s = scim().await;
    let id = s.id_of(ADA).await;
    let ops = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "path": "name.familyName", "value": "Byron"},
        {"op": "add", "path": "urn:phonelogin:scim:schemas:extension:1.0:User:nin", "value": "10129099999"},
        {"op": "remove", "path": "addresses[type eq \"work\"]"},
        {"op": "Replace", "path": "emails[primary eq true].value", "value": "ada@byron.example"},
        {"op": "replace", "path": "userName", "value": "4712345679"},
    ]});
    let patched = s.ok(Method::PATCH, &format!("/Users/{id}"), Some(ops), 200).await;
    assert_eq!(patched["name"]["familyName"], "Byron");
    assert_eq!(patched["phoneNumbers"][0]["value"], "+4712345679", "the number follows userName");
    let u = s.app.store.user(&id).await.unwrap().unwrap();
    assert_eq!(u.phone_number.as_str(), "4712345679");
    assert_eq!((u.family_name.as_str(), u.nin.as_deref()), ("Byron", Some("10129099999")));
    assert_eq!((u.email.as_deref(), u.email_verified), (Some("ada@byron.example"), true));
    assert_eq!(u.addresses.len(), 1);
}

#[tokio::test]
async fn patch_refusals_are_scim_errors() {
    let s = scim().await;
    let id = s.id_of(ADA).await;
    let path = format!("/Users/{id}");
    let patch = |ops: Value| s.send(Method::PATCH, &path, Some(json!({"schemas": [PATCH], "Operations": ops})));
    for path in
        ["nickName", "name.middleName", "emails[type eq]", "emails[type eq \"work\"].colour", "urn:example:Other:x"]
    {
        assert_scim_error(
            patch(json!([{"op": "replace", "path": path, "value": "x"}])).await,
            400,
            Some("invalidPath"),
        )
        .await;
    }
    assert_scim_error(patch(json!([{"op": "remove"}])).await, 400, Some("noTarget")).await;
    assert_scim_error(
        patch(json!([{"op": "replace", "path": "emails[type eq \"pager\"].value", "value": "a@b.c"}])).await,
        400,
        Some("noTarget"),
    )
    .await;
    assert_scim_error(patch(json!([{"op": "replace", "path": "id", "value": "x"}])).await, 400, Some("mutability"))
        .await;
    assert_scim_error(patch(json!([{"op": "jump", "path": "active"}])).await, 400, Some("invalidSyntax")).await;
    let r = s.send(Method::PATCH, &format!("/Users/{id}"), Some(json!({"Operations": []}))).await;
    assert_scim_error(r, 400, Some("invalidSyntax")).await;
    assert_eq!(s.app.store.user(&id).await.unwrap().unwrap().family_name, "Lovelace", "nothing changed");
}

#[tokio::test]
async fn deactivation_by_patch_and_delete_ends_the_users_logins() {
    let s = scim().await;
    let id = s.id_of(ADA).await;
    let off = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": false}}]});
    assert_eq!(s.ok(Method::PATCH, &format!("/Users/{id}"), Some(off), 200).await["active"], false);
    assert!(!s.app.store.user(&id).await.unwrap().unwrap().active);
    let r = s
        .app
        .backchannel(crate::helpers::SHOP, &[("login_hint", &format!("urn:msisdn:{ADA}")), ("scope", "openid")])
        .await;
    assert_eq!(r.status(), 400, "a deactivated user cannot be asked to log in");
    let on = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": "True"}]});
    assert_eq!(s.ok(Method::PATCH, &format!("/Users/{id}"), Some(on), 200).await["active"], true);

    assert_eq!(s.send(Method::DELETE, &format!("/Users/{id}"), None).await.status(), 204);
    assert!(!s.app.store.user(&id).await.unwrap().unwrap().active, "kept, deactivated");
    assert_scim_error(s.send(Method::GET, &format!("/Users/{id}"), None).await, 404, None).await;
    assert_scim_error(s.send(Method::DELETE, &format!("/Users/{id}"), None).await, 404, None).await;
    assert_eq!(s.list("filter=userName eq \"4712345678\"").await["totalResults"], 0);

    // Provisioned again: the same record, active.
    let mut again = grace();
    again["userName"] = ADA.into();
    again["phoneNumbers"] = json!([]);
    let back = s.ok(Method::POST, "/Users", Some(again), 201).await;
    assert_eq!((back["id"].as_str(), back["active"].as_bool()), (Some(id.as_str()), Some(true)));
}

#[tokio::test]
async fn a_scim_delete_removes_the_users_devices() {
    let s = scim().await;
    let id = s.id_of(ADA).await;
    assert_eq!(s.app.app_get(ADA_DEVICE, "/me").await.status(), 200);
    assert_eq!(s.send(Method::DELETE, &format!("/Users/{id}"), None).await.status(), 204);
    assert_eq!(s.app.app_get(ADA_DEVICE, "/me").await.status(), 401, "the device is gone");
    assert!(s.app.store.devices(&id).await.unwrap().is_empty());
}

#[tokio::test]
async fn discovery_describes_the_user_schema_and_its_extension() {
    let s = scim().await;
    let spc = s.ok(Method::GET, "/ServiceProviderConfig", None, 200).await;
    assert_eq!((spc["patch"]["supported"].as_bool(), spc["filter"]["supported"].as_bool()), (Some(true), Some(true)));
    assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");
    let schemas = s.ok(Method::GET, "/Schemas", None, 200).await;
    let ids: Vec<&str> = schemas["Resources"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [USER, EXT]);
    let ext = s.ok(Method::GET, &format!("/Schemas/{EXT}"), None, 200).await;
    let attrs: Vec<&str> = ext["attributes"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(attrs, ["birthdate", "nin"]);
    let types = s.ok(Method::GET, "/ResourceTypes", None, 200).await;
    assert_eq!(types["Resources"][0]["schemaExtensions"][0]["schema"], EXT);
    assert_eq!(s.ok(Method::GET, "/ResourceTypes/User", None, 200).await["endpoint"], "/Users");
    assert_scim_error(s.send(Method::GET, "/ResourceTypes/Group", None).await, 404, None).await;
    assert_scim_error(s.send(Method::GET, "/Groups", None).await, 404, None).await;
}

#[tokio::test]
async fn a_body_over_64_kib_is_413_in_the_scim_error_format() {
    let s = scim().await;
    let mut big = grace();
    big["name"]["givenName"] = "x".repeat(70 * 1024).into();
    assert_scim_error(s.send(Method::POST, "/Users", Some(big.clone())).await, 413, None).await;
    // Sent in chunks, without a declared length.
    let chunks = futures::stream::iter(
        big.to_string().into_bytes().chunks(8 * 1024).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>(),
    );
    let r = s
        .app
        .http
        .post(s.app.url("/scim/v2/Users"))
        .bearer_auth(&s.token)
        .header("content-type", "application/scim+json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_scim_error(r, 413, None).await;
}
