//! One-time codes by SMS (spec §11): `--sms-webhook` gets a signed `enrollment_code` message,
//! retried until the code expires; without a sender (and without `--dev`) enrollment answers
//! `503 sms_unavailable` for every number.
use phonelogin_core::outbox::signature;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::receiver::{Receiver, eventually};

const SMS_SECRET: &str = "sms-webhook-secret-for-tests";

async fn with_sender(receiver: &Receiver, dev: bool) -> TestApp {
    let sms_webhook = Some((receiver.url("/sms"), SMS_SECRET.to_owned()));
    spawn_with(Options { dev, sms_webhook, ..Default::default() }).await
}

fn code_in(message: &Value) -> String {
    let text = message["message"].as_str().unwrap();
    let digits: Vec<&str> = text.split(|c: char| !c.is_ascii_digit()).filter(|w| w.len() == 6).collect();
    assert_eq!(digits.len(), 1, "{text}");
    digits[0].to_owned()
}

#[tokio::test]
async fn without_a_sender_every_number_gets_503_sms_unavailable() {
    let app = spawn_app().await;
    for phone in [ADA, "4711122233", "4700000002"] {
        let r = app.start_enrollment(phone).await;
        let (s, b) = body(r).await;
        assert_eq!((s.as_u16(), b["error"].as_str()), (503, Some("sms_unavailable")), "{phone}: {b}");
    }
}

#[tokio::test]
async fn the_code_is_posted_signed_to_the_sms_webhook_and_works() {
    let receiver = Receiver::start().await;
    let app = with_sender(&receiver, false).await;
    let (s, b) = body(app.start_enrollment(ADA).await).await;
    assert_eq!(s, 200, "{b}");
    let sms = receiver.next().await;
    assert_eq!(sms.path, "/sms");
    assert_eq!(sms.header("content-type"), "application/json");
    assert!(signature::verify(sms.header("phonelogin-signature"), SMS_SECRET, &sms.body, START));
    let message = sms.json();
    assert_eq!(message["kind"], "enrollment_code");
    assert_eq!(message["to"], "+4712345678");
    assert!(message["id"].as_str().is_some_and(|id| !id.is_empty()));
    let code = code_in(&message);
    let id = b["enrollment_id"].as_str().unwrap();
    let check = app.http.post(app.url(&format!("/app-api/v1/enrollments/{id}/check"))).json(&json!({"code": code}));
    assert_eq!(check.send().await.unwrap().status(), 204, "the code sent is the code");
    let dev_outbox = app.http.get(app.url("/app-api/v1/dev/outbox")).send().await.unwrap();
    assert_eq!(dev_outbox.status(), 404, "no dev outbox outside --dev");
}

#[tokio::test]
async fn unknown_and_deactivated_numbers_get_the_same_answer_and_no_sms() {
    let receiver = Receiver::start().await;
    let app = with_sender(&receiver, false).await;
    for phone in ["4711122233", "4700000002"] {
        let (s, b) = body(app.start_enrollment(phone).await).await;
        assert_eq!(s, 200, "{b}");
        assert!(b["enrollment_id"].is_string());
    }
    assert_eq!(app.store.pending_messages().await.unwrap(), 0);
    app.start_enrollment(ALAN).await;
    assert_eq!(receiver.next().await.json()["to"], "+4798765432", "the first SMS is Alan's");
}

#[tokio::test]
async fn a_failed_sms_is_retried_with_the_same_id_until_the_code_expires() {
    let receiver = Receiver::start().await;
    let app = with_sender(&receiver, false).await;
    receiver.answer(&[500; 100]);
    app.start_enrollment(ADA).await;
    let first = receiver.next().await;
    app.clock.advance(5);
    let second = receiver.next().await;
    assert_eq!(first.json(), second.json(), "same id, same message");
    assert!(signature::verify(second.header("phonelogin-signature"), SMS_SECRET, &second.body, START + 5));
    app.clock.advance(10);
    receiver.next().await;
    // Ten minutes on, the code has expired: the last try comes just before, then none.
    app.clock.advance(600 - 15 - 1);
    receiver.next().await;
    eventually(|| async { app.store.pending_messages().await.unwrap() == 0 }).await;
    app.clock.advance(60);
    assert!(receiver.is_quiet().await);
}

#[tokio::test]
async fn dev_with_a_sender_sends_and_also_keeps_the_dev_outbox() {
    let receiver = Receiver::start().await;
    let app = with_sender(&receiver, true).await;
    app.start_enrollment(ADA).await;
    let code = code_in(&receiver.next().await.json());
    assert_eq!(app.code_for(ADA).await.as_deref(), Some(code.as_str()));
}
