//! Enrollment as an attacker would try it (spec §10): nobody learns whether a number has an
//! account, codes are limited per number and per address, guesses per code and per number,
//! and a guesser is stopped after 10 wrong codes a day for a number.
use futures::future::join_all;
use serde_json::{Value, json};

use crate::helpers::*;

const UNKNOWN: &str = "4799999999";
const DEACTIVATED: &str = "4700000002";
const DAY: i64 = 86_400;

fn dev() -> Options {
    Options { dev: true, ..Options::default() }
}

async fn started(app: &TestApp, phone: &str) -> String {
    let (s, b) = body(app.start_enrollment(phone).await).await;
    assert_eq!(s, 200, "{b}");
    b["enrollment_id"].as_str().unwrap().to_owned()
}

async fn verify(app: &TestApp, id: &str, code: &str) -> reqwest::Response {
    app.verify_enrollment(id, code, "1234", &DeviceKey::generate()).await
}

fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

#[tokio::test]
async fn known_unknown_and_deactivated_numbers_get_the_same_answer_and_only_a_user_gets_a_code() {
    let app = spawn_with(dev()).await;
    let mut shapes = vec![];
    for phone in [ADA, UNKNOWN, DEACTIVATED] {
        let r = app.start_enrollment(phone).await;
        let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
        let (s, b) = body(r).await;
        let mut keys: Vec<String> = b.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(b["enrollment_id"].as_str().unwrap().len(), 36);
        shapes.push((s.as_u16(), ct, keys));
    }
    assert!(shapes.windows(2).all(|w| w[0] == w[1]), "{shapes:?}");
    assert!(app.code_for(ADA).await.is_some());
    assert_eq!(app.code_for(UNKNOWN).await, None, "no code is sent to an unknown number");
    assert_eq!(app.code_for(DEACTIVATED).await, None, "nor to a deactivated one");
}

#[tokio::test]
async fn verifying_an_unknown_numbers_enrollment_fails_like_a_wrong_code() {
    let app = spawn_with(dev()).await;
    let known = started(&app, ADA).await;
    let code = app.code_for(ADA).await.unwrap();
    let unknown = started(&app, UNKNOWN).await;
    let deactivated = started(&app, DEACTIVATED).await;
    let a = assert_error(verify(&app, &known, &wrong(&code)).await, 400, "invalid_code").await;
    for id in [&unknown, &deactivated, &"no-such-enrollment".to_owned()] {
        for guess in ["000000", &code] {
            let b = assert_error(verify(&app, id, guess).await, 400, "invalid_code").await;
            assert_eq!(a, b, "the same body");
        }
    }
}

#[tokio::test]
async fn a_number_gets_3_codes_in_10_minutes_and_10_a_day_then_429_with_retry_after() {
    let app = spawn_with(dev()).await;
    for phone in [ADA, UNKNOWN] {
        let mut sent = 0;
        for round in 0..4 {
            for n in 0..3 {
                let r = app.start_enrollment(phone).await;
                if sent == 10 {
                    let retry: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
                    assert!(retry > 600 && retry <= DAY, "the day's limit: {retry}");
                    assert_error(r, 429, "too_many_requests").await;
                    continue;
                }
                assert_eq!(r.status(), 200, "{phone} round {round} code {n}");
                sent += 1;
            }
            let r = app.start_enrollment(phone).await;
            assert!(r.headers()["retry-after"].to_str().unwrap().parse::<i64>().unwrap() > 0);
            assert_error(r, 429, "too_many_requests").await;
            app.clock.advance(601);
        }
        app.clock.advance(DAY);
    }
}

#[tokio::test]
async fn a_new_code_voids_the_earlier_one_and_a_code_lives_ten_minutes() {
    let app = spawn_with(dev()).await;
    let first = started(&app, ADA).await;
    let first_code = app.code_for(ADA).await.unwrap();
    let second = started(&app, ADA).await;
    let second_code = app.code_for(ADA).await.unwrap();
    assert_error(verify(&app, &first, &first_code).await, 400, "invalid_code").await;
    app.clock.advance(600);
    assert_error(verify(&app, &second, &second_code).await, 400, "invalid_code").await;
    let third = started(&app, ADA).await;
    let third_code = app.code_for(ADA).await.unwrap();
    assert_eq!(verify(&app, &third, &third_code).await.status(), 200);
    assert_error(verify(&app, &third, &third_code).await, 400, "invalid_code").await;
}

#[tokio::test]
async fn a_code_dies_after_five_wrong_tries() {
    let app = spawn_with(dev()).await;
    let id = started(&app, ADA).await;
    let code = app.code_for(ADA).await.unwrap();
    for _ in 0..5 {
        assert_error(verify(&app, &id, &wrong(&code)).await, 400, "invalid_code").await;
    }
    assert_error(verify(&app, &id, &code).await, 400, "invalid_code").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_guesser_is_stopped_after_ten_wrong_codes_a_day_for_a_number() {
    let app = spawn_with(dev()).await;
    for phone in [ADA, UNKNOWN] {
        let id = started(&app, phone).await;
        let code = app.code_for(phone).await;
        // 200 guesses at once, none of them the code.
        let guesses = join_all((0..200).map(|n| {
            let guess = format!("{:06}", 900_000 + n);
            let (id, app, code) = (id.clone(), &app, &code);
            async move {
                let guess = if Some(&guess) == code.as_ref() { "999999".to_owned() } else { guess };
                app.verify_enrollment(&id, &guess, "1234", &DeviceKey::generate()).await.status().as_u16()
            }
        }))
        .await;
        let compared = guesses.iter().filter(|s| **s == 400).count();
        let refused = guesses.iter().filter(|s| **s == 429).count();
        assert_eq!((compared, refused), (10, 190), "{phone}: only ten guesses reach the code");
        // Locked for a day: a fresh code, even the right one, fails.
        app.clock.advance(601);
        let fresh = started(&app, phone).await;
        if let Some(code) = app.code_for(phone).await {
            let r = verify(&app, &fresh, &code).await;
            let retry: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!(retry > 20 * 3600, "{retry}");
            assert_error(r, 429, "too_many_requests").await;
        } else {
            assert_error(verify(&app, &fresh, "123456").await, 429, "too_many_requests").await;
        }
    }
    // A day later Ada enrolls again.
    app.clock.advance(DAY);
    let id = started(&app, ADA).await;
    let code = app.code_for(ADA).await.unwrap();
    assert_eq!(verify(&app, &id, &code).await.status(), 200);
}

#[tokio::test]
async fn the_admin_unlock_lifts_the_enrollment_lock() {
    let app = spawn_with(dev()).await;
    for _ in 0..2 {
        let id = started(&app, ADA).await;
        let code = app.code_for(ADA).await.unwrap();
        for _ in 0..5 {
            verify(&app, &id, &wrong(&code)).await;
        }
    }
    let id = started(&app, ADA).await;
    let code = app.code_for(ADA).await.unwrap();
    assert_error(verify(&app, &id, &code).await, 429, "too_many_requests").await;
    assert!(app.store.unlock_enrollment_number(ADA).await.unwrap(), "what `phonelogin user unlock` calls");
    assert_eq!(verify(&app, &id, &code).await.status(), 200);
}

#[tokio::test]
async fn checking_the_code_before_the_pin_counts_a_wrong_one_but_does_not_use_up_a_right_one() {
    let app = spawn_with(dev()).await;
    let id = started(&app, ADA).await;
    let code = app.code_for(ADA).await.unwrap();
    let check = |c: String| {
        app.http.post(app.url(&format!("/app-api/v1/enrollments/{id}/check"))).json(&json!({"code": c})).send()
    };
    assert_error(check(wrong(&code)).await.unwrap(), 400, "invalid_code").await;
    for _ in 0..6 {
        assert_eq!(check(code.clone()).await.unwrap().status(), 204, "a right check costs nothing");
    }
    for _ in 0..3 {
        assert_error(check(wrong(&code)).await.unwrap(), 400, "invalid_code").await;
    }
    assert_eq!(verify(&app, &id, &code).await.status(), 200, "four wrong, then the right one");
}

#[tokio::test]
async fn enrollments_per_address_are_limited_to_30_an_hour() {
    let app = spawn_with(Options { dev: true, trust_proxy: true, ..Options::default() }).await;
    let from = |addr: &'static str, n: usize| {
        app.http
            .post(app.url("/app-api/v1/enrollments"))
            .header("x-forwarded-for", format!("{addr}, 10.0.0.1"))
            .json(&json!({"phone_number": format!("47555{n:05}")}))
            .send()
    };
    let firsts = join_all((0..30).map(|n| from("203.0.113.7", n))).await;
    assert!(firsts.iter().all(|r| r.as_ref().unwrap().status() == 200));
    let r = from("203.0.113.7", 31).await.unwrap();
    assert!(r.headers().contains_key("retry-after"));
    assert_error(r, 429, "too_many_requests").await;
    assert_eq!(from("198.51.100.1", 32).await.unwrap().status(), 200, "another address");
    app.clock.advance(3600);
    assert_eq!(from("203.0.113.7", 33).await.unwrap().status(), 200, "an hour later");
}

#[tokio::test]
async fn without_trust_proxy_a_forged_forwarded_for_does_not_escape_the_address_limit() {
    let app = spawn_with(dev()).await;
    for n in 0..31 {
        let r = app
            .http
            .post(app.url("/app-api/v1/enrollments"))
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .json(&json!({"phone_number": format!("47555{n:05}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), if n < 30 { 200 } else { 429 }, "attempt {n}");
    }
}

#[tokio::test]
async fn enrollment_needs_a_p256_device_key_a_valid_pin_and_json() {
    let app = spawn_with(dev()).await;
    assert_error(app.start_enrollment("12").await, 400, "invalid_phone_number").await;
    let r = app.http.post(app.url("/app-api/v1/enrollments")).json(&json!({"phone": 1})).send().await.unwrap();
    assert_error(r, 400, "invalid_request").await;
    let id = started(&app, ADA).await;
    let code = app.code_for(ADA).await.unwrap();
    let url = app.url(&format!("/app-api/v1/enrollments/{id}/verify"));
    let base = json!({"code": code, "pin": "1234", "device_name": "x", "app_version": "1.0.0"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (bad, error) in [
        (base.clone(), "invalid_request"),
        (with("device_public_key", json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"})), "invalid_request"),
        (with("device_public_key", json!({"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"})), "invalid_request"),
        (with("pin", json!("12")), "invalid_pin"),
    ] {
        assert_error(app.http.post(&url).json(&bad).send().await.unwrap(), 400, error).await;
    }
    assert_eq!(verify(&app, &id, &code).await.status(), 200, "the code was not used up by refused bodies");
}

/// (Racing inserts of devices are tested in the store suite: one code enrolls one device.)
#[tokio::test]
async fn a_sixth_device_is_too_many_devices() {
    let app = spawn_with(dev()).await;
    // Ada has her fixture phone; four more fit.
    let mut pending = vec![];
    for _ in 0..2 {
        for _ in 0..3 {
            let id = started(&app, ADA).await;
            let code = app.code_for(ADA).await.unwrap();
            // Codes void each other: verify each at once.
            pending.push(verify(&app, &id, &code).await.status().as_u16());
        }
        app.clock.advance(601);
    }
    assert_eq!(pending.iter().filter(|s| **s == 200).count(), 4, "{pending:?}");
    assert_eq!(pending.iter().filter(|s| **s == 409).count(), 2, "{pending:?}");
    let (_, devices) = body(app.app_get(ADA_DEVICE, "/devices").await).await;
    assert_eq!(devices["devices"].as_array().unwrap().len(), 5);
    let id = started(&app, ADA).await;
    let code = app.code_for(ADA).await.unwrap();
    assert_error(verify(&app, &id, &code).await, 409, "too_many_devices").await;
}

#[tokio::test]
async fn with_trust_proxy_a_forwarded_value_that_is_no_address_counts_for_the_peer() {
    let app = spawn_with(Options { dev: true, trust_proxy: true, ..Options::default() }).await;
    for n in 0..31 {
        let r = app
            .http
            .post(app.url("/app-api/v1/enrollments"))
            .header("x-forwarded-for", format!("garbage-{n}"))
            .json(&json!({"phone_number": format!("47555{n:05}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), if n < 30 { 200 } else { 429 }, "attempt {n}");
    }
}
