//! The outbox: messages written with their cause, claimed by one worker at a time, retried,
//! ended; push subscriptions and the one VAPID key.
use std::collections::HashSet;
use std::sync::Arc;

use phonelogin_core::outbox::vapid::StoredVapidKey;
use phonelogin_core::outbox::{Kind, NewMessage, Target, ping_id};
use phonelogin_core::store::{Approval, Insert, NewLoginRequest, PushSubscription, Store};

use crate::helpers::{CLIENT, NOW, USER, client, device, insert, login, race, with_user};

fn message(id: &str, target: Target) -> NewMessage {
    let kind = match target {
        Target::SmsSender => Kind::Sms,
        Target::Client(_) => Kind::Webhook,
        Target::UserDevices { .. } => Kind::WebPush,
    };
    NewMessage { id: id.into(), kind, target, body: vec![1, 2, 3], created_at: NOW, expires_at: NOW + 600 }
}

fn subscription(device_id: &str) -> PushSubscription {
    PushSubscription {
        device_id: device_id.into(),
        user_id: USER.into(),
        endpoint: format!("https://push.example/{device_id}"),
        p256dh: "p256dh".into(),
        auth: "auth".into(),
        created_at: NOW,
    }
}

async fn subscribed_devices(store: &dyn Store, ids: &[&str]) {
    with_user(store).await;
    for id in ids {
        store.upsert_device(&device(id, USER, id, &format!("token-{id}"))).await.unwrap();
        store.put_push_subscription(&subscription(id)).await.unwrap();
    }
}

fn ids(messages: &[phonelogin_core::outbox::Message]) -> Vec<String> {
    let mut ids: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
    ids.sort();
    ids
}

pub async fn a_claimed_message_is_leased_then_retried_at_its_time(store: &dyn Store) {
    store.enqueue_messages(&[message("m-1", Target::SmsSender)]).await.unwrap();
    let claimed = store.claim_messages(NOW, 30, 10).await.unwrap();
    assert_eq!(ids(&claimed), ["m-1"]);
    assert_eq!((claimed[0].kind, claimed[0].target.as_str(), claimed[0].attempts), (Kind::Sms, "", 0));
    assert_eq!(claimed[0].body, [1, 2, 3]);
    assert!(store.claim_messages(NOW + 29, 30, 10).await.unwrap().is_empty(), "leased");

    store.message_failed("m-1", NOW + 5).await.unwrap();
    assert!(store.claim_messages(NOW + 4, 30, 10).await.unwrap().is_empty(), "not due yet");
    let again = store.claim_messages(NOW + 5, 30, 10).await.unwrap();
    assert_eq!((ids(&again), again[0].attempts), (vec!["m-1".to_string()], 1));
    assert_eq!(store.pending_messages().await.unwrap(), 1);

    store.message_delivered("m-1", NOW + 6).await.unwrap();
    assert_eq!(store.pending_messages().await.unwrap(), 0);
    assert!(store.claim_messages(NOW + 1000, 30, 10).await.unwrap().is_empty(), "ended for good");
}

pub async fn a_lease_of_a_dead_node_runs_out(store: &dyn Store) {
    store.enqueue_messages(&[message("m-1", Target::Client(CLIENT.into()))]).await.unwrap();
    assert_eq!(store.claim_messages(NOW, 30, 10).await.unwrap().len(), 1);
    assert_eq!(ids(&store.claim_messages(NOW + 30, 30, 10).await.unwrap()), ["m-1"], "the lease ran out");
    store.message_dropped("m-1", NOW + 31).await.unwrap();
    assert_eq!(store.pending_messages().await.unwrap(), 0);
}

pub async fn a_restart_makes_waiting_messages_due_at_once(store: &dyn Store) {
    store.enqueue_messages(&[message("m-1", Target::SmsSender)]).await.unwrap();
    store.claim_messages(NOW, 30, 10).await.unwrap();
    store.message_failed("m-1", NOW + 60).await.unwrap();
    assert_eq!(store.retry_pending_now(NOW + 1).await.unwrap(), 1);
    assert_eq!(ids(&store.claim_messages(NOW + 1, 30, 10).await.unwrap()), ["m-1"]);
}

pub async fn racing_claims_hand_each_message_to_one_worker(store: &Arc<dyn Store>) {
    let messages: Vec<NewMessage> = (0..40).map(|i| message(&format!("m-{i:02}"), Target::SmsSender)).collect();
    store.enqueue_messages(&messages).await.unwrap();
    let claims = race(store, 8, |s, _| async move { s.claim_messages(NOW, 30, 10).await }).await;
    let mut seen = HashSet::new();
    for claim in claims {
        for m in claim.unwrap() {
            assert!(seen.insert(m.id.clone()), "{} claimed twice", m.id);
        }
    }
    assert_eq!(seen.len(), 40);
}

pub async fn a_push_to_user_devices_is_one_message_per_subscription(store: &dyn Store) {
    subscribed_devices(store, &["d-1", "d-2", "d-3"]).await;
    store.delete_push_subscription("d-3").await.unwrap();
    let target = Target::UserDevices { user_id: USER.into(), except_device: None };
    store.enqueue_messages(&[message("p", target)]).await.unwrap();
    let target = Target::UserDevices { user_id: USER.into(), except_device: Some("d-1".into()) };
    store.enqueue_messages(&[message("added", target)]).await.unwrap();
    let claimed = store.claim_messages(NOW, 30, 10).await.unwrap();
    assert_eq!(ids(&claimed), ["added:d-2", "p:d-1", "p:d-2"]);
    assert!(claimed.iter().all(|m| m.kind == Kind::WebPush && m.id.ends_with(&m.target)));
}

pub async fn a_login_request_carries_its_push_and_its_decision_its_ping(store: &dyn Store) {
    subscribed_devices(store, &["d-1"]).await;
    let target = Target::UserDevices { user_id: USER.into(), except_device: None };
    let new = NewLoginRequest {
        push: Some(message("push-1", target)),
        ping_body: Some(b"sealed ping".to_vec()),
        ..login("r-1")
    };
    let id = new.request.id.clone();
    let outcome = store.insert_login_request(&new, 10, NOW).await.unwrap();
    assert_eq!(outcome, Insert::Inserted { messages: 1 }, "one push: the one subscribed device");
    let other = NewLoginRequest { ping_body: Some(b"other".to_vec()), ..login("r-2") };
    let outcome = store.insert_login_request(&other, 10, NOW).await.unwrap();
    assert_eq!(outcome, Insert::Inserted { messages: 0 }, "no push, nothing for the delivery worker");
    let approval = Approval { code_hash: None, code_expires_at: None, consent: None, delegated: None };
    assert!(store.approve_login_request(&id, &approval, NOW + 1).await.unwrap());
    assert!(!store.reject_login_request(&id, NOW + 2).await.unwrap(), "decided already: no second ping");
    assert!(store.reject_login_request("r-2", NOW + 2).await.unwrap());

    let claimed = store.claim_messages(NOW + 2, 30, 10).await.unwrap();
    assert_eq!(ids(&claimed), [ping_id("r-1"), ping_id("r-2"), "push-1:d-1".to_string()]);
    let ping = claimed.iter().find(|m| m.id == ping_id("r-1")).unwrap();
    assert_eq!(
        (ping.kind, ping.target.as_str(), ping.body.as_slice()),
        (Kind::Ping, CLIENT, b"sealed ping".as_slice())
    );
    assert_eq!(ping.expires_at, NOW + 600, "worth sending while the request lives");
}

pub async fn a_revoked_consent_writes_its_webhook_and_a_missing_one_writes_nothing(store: &dyn Store) {
    with_user(store).await;
    store.upsert_client(&client(CLIENT, CLIENT)).await.unwrap();
    let note = [message("w-1", Target::Client(CLIENT.into()))];
    assert!(!store.revoke_consent(USER, CLIENT, NOW, &note).await.unwrap());
    assert_eq!(store.pending_messages().await.unwrap(), 0, "nothing revoked, nothing sent");

    let id = insert(store, login("r-1")).await;
    let consent = phonelogin_core::store::ConsentGrant {
        sector: CLIENT.into(),
        client_id: CLIENT.into(),
        scopes: phonelogin_core::scope::ScopeSet::parse_lenient("openid name"),
    };
    let approval = Approval { code_hash: None, code_expires_at: None, consent: Some(consent), delegated: None };
    assert!(store.approve_login_request(&id, &approval, NOW).await.unwrap());
    assert!(store.revoke_consent(USER, CLIENT, NOW + 1, &note).await.unwrap());
    assert_eq!(ids(&store.claim_messages(NOW + 1, 30, 10).await.unwrap()), ["w-1"]);
}

pub async fn push_subscription_is_one_per_device_and_goes_with_it(store: &dyn Store) {
    subscribed_devices(store, &["d-1"]).await;
    let renewed = PushSubscription { endpoint: "https://push.example/renewed".into(), ..subscription("d-1") };
    store.put_push_subscription(&renewed).await.unwrap();
    assert_eq!(store.push_subscription("d-1").await.unwrap(), Some(renewed));
    assert!(store.delete_push_subscription("d-1").await.unwrap());
    assert!(!store.delete_push_subscription("d-1").await.unwrap());
    assert_eq!(store.push_subscription("d-1").await.unwrap(), None);
}

pub async fn racing_nodes_agree_on_one_vapid_key(store: &Arc<dyn Store>) {
    let candidates: Vec<StoredVapidKey> =
        (0..6).map(|i| StoredVapidKey { private_sealed: vec![i], public_key: format!("public-{i}") }).collect();
    let stored = race(store, 6, |s, i| {
        let c = candidates[i].clone();
        async move { s.vapid_key(&c, NOW).await }
    })
    .await;
    let first = stored[0].as_ref().unwrap().clone();
    assert!(stored.iter().all(|s| s.as_ref().unwrap() == &first));
    assert!(candidates.contains(&first));
}

pub async fn ended_messages_go_with_retention_and_pending_ones_stay(store: &dyn Store) {
    let messages = [message("sent", Target::SmsSender), message("waiting", Target::SmsSender)];
    store.enqueue_messages(&messages).await.unwrap();
    store.claim_messages(NOW, 30, 10).await.unwrap();
    store.message_delivered("sent", NOW + 1).await.unwrap();
    store.message_failed("waiting", NOW + 5).await.unwrap();
    store.purge(NOW + 2, 100).await.unwrap();
    assert_eq!(ids(&store.claim_messages(NOW + 5, 30, 10).await.unwrap()), ["waiting"]);
    assert_eq!(store.pending_messages().await.unwrap(), 1);
}
