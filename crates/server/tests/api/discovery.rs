//! Discovery and JWKS (spec §3).
use crate::helpers::*;

#[tokio::test]
async fn discovery_lists_the_endpoints_and_is_cacheable_for_an_hour() {
    let app = spawn_app().await;
    let r =
        app.http.get(app.url("/access-management-1.0/access/.well-known/openid-configuration")).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "max-age=3600");
    let (s, d) = body(r).await;
    assert_eq!(s, 200);
    assert_eq!(d["issuer"], format!("{}/access-management-1.0/access/", app.url));
    assert_eq!(d["token_endpoint"], app.url("/access-management-1.0/access/oauth2/token"));
    assert_eq!(d["backchannel_authentication_endpoint"], app.url("/vipps-login-ciba/api/backchannel/authentication"));
    assert_eq!(d["userinfo_endpoint"], app.url("/vipps-userinfo-api/userinfo"));
    assert_eq!(d["jwks_uri"], app.url("/access-management-1.0/access/.well-known/jwks.json"));
    for grant in [CIBA, CIBA_REDIRECT] {
        assert!(d["grant_types_supported"].as_array().unwrap().iter().any(|g| g == grant));
    }
    assert_eq!(d["subject_types_supported"], serde_json::json!(["pairwise"]));
    assert_eq!(d["backchannel_token_delivery_modes_supported"], serde_json::json!(["poll", "ping"]));
    assert_eq!(d["backchannel_user_code_parameter_supported"], true);
    let methods = serde_json::json!(["client_secret_basic", "client_secret_post", "private_key_jwt"]);
    let algs = serde_json::json!(["RS256", "PS256", "ES256"]);
    for endpoint in ["token_endpoint", "revocation_endpoint", "introspection_endpoint"] {
        assert_eq!(d[format!("{endpoint}_auth_methods_supported")], methods, "{endpoint}");
        assert_eq!(d[format!("{endpoint}_auth_signing_alg_values_supported")], algs, "{endpoint}");
    }
    assert_eq!(d["backchannel_authentication_request_signing_alg_values_supported"], algs);
    assert_eq!(d["id_token_signing_alg_values_supported"], algs);
    assert_eq!(d["revocation_endpoint"], app.url("/access-management-1.0/access/oauth2/revoke"));
    assert_eq!(d["introspection_endpoint"], app.url("/access-management-1.0/access/oauth2/introspect"));
    // Nothing that is not supported: no MTLS-bound tokens, no request parameter outside CIBA.
    assert_eq!(d["tls_client_certificate_bound_access_tokens"], false);
    assert!(d.get("request_parameter_supported").is_none());
    assert!(d.get("mtls_endpoint_aliases").is_none());
    for scope in ["openid", "name", "email", "phoneNumber", "address", "birthDate", "nin", "delegatedConsents"] {
        assert!(d["scopes_supported"].as_array().unwrap().iter().any(|s| s == scope), "{scope}");
    }
    for claim in ["sub", "auth_req_id", "phone_number", "delegatedConsents"] {
        assert!(d["claims_supported"].as_array().unwrap().iter().any(|c| c == claim), "{claim}");
    }
}

#[tokio::test]
async fn every_url_the_discovery_document_lists_answers() {
    let app = spawn_app().await;
    let (_, d) = body(
        app.http.get(app.url("/access-management-1.0/access/.well-known/openid-configuration")).send().await.unwrap(),
    )
    .await;
    let (s, jwks) = body(app.http.get(d["jwks_uri"].as_str().unwrap()).send().await.unwrap()).await;
    assert_eq!(s, 200);
    let mut published: Vec<(&str, &str)> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["alg"].as_str().unwrap(), k["kty"].as_str().unwrap()))
        .collect();
    published.sort();
    assert_eq!(published, [("ES256", "EC"), ("PS256", "RSA"), ("RS256", "RSA")], "a key for each algorithm");
    for endpoint in
        ["token_endpoint", "backchannel_authentication_endpoint", "revocation_endpoint", "introspection_endpoint"]
    {
        let r = app.http.post(d[endpoint].as_str().unwrap()).form(&[("x", "y")]).send().await.unwrap();
        assert_error(r, 401, "invalid_client").await;
    }
    let r = app.http.get(d["userinfo_endpoint"].as_str().unwrap()).send().await.unwrap();
    assert_error(r, 401, "invalid_token").await;
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz", "/metrics"] {
        assert_eq!(app.http.get(app.url(path)).send().await.unwrap().status(), 200, "{path}");
    }
    let r = app.http.get(app.url("/no/such/path")).send().await.unwrap();
    assert_eq!(body(r).await.1["error"], "not_found");
}

/// The value of one series in Prometheus text (0 when absent): `series` is the name with its
/// labels as rendered, e.g. `x_total{path="/p",status="200"}`.
fn sample(metrics: &str, series: &str) -> f64 {
    metrics.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok()).unwrap_or(0.0)
}

async fn metrics(app: &TestApp) -> String {
    let r = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

#[tokio::test]
async fn a_login_moves_the_counters_and_the_latency_histogram() {
    let app = spawn_app().await;
    // The recorder is shared by every server of this test process: other tests only add.
    let token = r#"path="/access-management-1.0/access/oauth2/token""#;
    let series = [
        "phonelogin_login_requests_total".to_owned(),
        "phonelogin_logins_approved_total".to_owned(),
        "phonelogin_tokens_issued_total".to_owned(),
        format!(r#"phonelogin_http_requests_total{{{token},status="200"}}"#),
        format!(r#"phonelogin_http_requests_total{{{token},status="400"}}"#),
        format!("phonelogin_http_request_seconds_count{{{token}}}"),
    ];
    let before = metrics(&app).await;
    let id = app.start(SHOP, ADA, "openid").await;
    assert_error(app.poll(SHOP, &id).await, 400, "authorization_pending").await;
    let rid = app.newest_request(ADA_DEVICE).await;
    assert_eq!(app.approve(ADA_DEVICE, &rid, "1234").await.status(), 200);
    app.clock.advance(5);
    assert_eq!(app.poll(SHOP, &id).await.status(), 200);
    let after = metrics(&app).await;
    for (series, least) in series.iter().zip([1.0, 1.0, 1.0, 1.0, 1.0, 2.0]) {
        let moved = sample(&after, series) - sample(&before, series);
        assert!(moved >= least, "{series} moved by {moved}, expected at least {least}:\n{after}");
    }
    assert!(after.contains("# TYPE phonelogin_http_request_seconds summary"), "{after}");
}
