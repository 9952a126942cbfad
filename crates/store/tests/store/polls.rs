//! The token poll's bookkeeping: `too_soon` and the growing interval only for a pending,
//! unexpired request polled sooner than its interval.
use std::sync::Arc;

use phonelogin_core::store::{Polled, Store};

use crate::helpers::{CLIENT, NOW, ROUNDS, approval, insert, login, race};

const STEP: i64 = 5;

async fn poll(store: &dyn Store, at: i64) -> Polled {
    store.poll_login_request("hash-r-1", CLIENT, STEP, at).await.unwrap().expect("the request")
}

pub async fn first_poll_is_not_too_soon(store: &dyn Store) {
    insert(store, login("r-1")).await;
    let polled = poll(store, NOW).await;
    assert!(!polled.too_soon);
    assert_eq!((polled.request.id.as_str(), polled.request.interval), ("r-1", 5));
}

pub async fn poll_sooner_than_interval_grows_interval(store: &dyn Store) {
    insert(store, login("r-1")).await;
    poll(store, NOW).await;
    let early = poll(store, NOW + 2).await;
    assert!(early.too_soon);
    assert_eq!(early.request.interval, 10, "grown by the step");
    assert_eq!(store.login_request("r-1").await.unwrap().unwrap().interval, 10, "and stored");
    let patient = poll(store, NOW + 12).await;
    assert!(!patient.too_soon, "waited the grown interval");
    assert_eq!(patient.request.interval, 10);
}

pub async fn poll_after_interval_keeps_interval(store: &dyn Store) {
    insert(store, login("r-1")).await;
    poll(store, NOW).await;
    let polled = poll(store, NOW + 5).await;
    assert!(!polled.too_soon);
    assert_eq!(polled.request.interval, 5);
}

pub async fn poll_of_decided_or_expired_request_is_never_too_soon(store: &dyn Store) {
    insert(store, login("r-1")).await;
    assert!(store.approve_login_request("r-1", &approval(), NOW).await.unwrap());
    poll(store, NOW).await;
    let approved = poll(store, NOW + 1).await;
    assert_eq!((approved.too_soon, approved.request.interval), (false, 5), "approved");

    let mut expiring = login("r-2");
    expiring.request.expires_at = NOW + 10;
    insert(store, expiring).await;
    let at_expiry = |at| store.poll_login_request("hash-r-2", CLIENT, STEP, at);
    at_expiry(NOW + 10).await.unwrap().unwrap();
    let expired = at_expiry(NOW + 11).await.unwrap().unwrap();
    assert_eq!((expired.too_soon, expired.request.interval), (false, 5), "expired");
}

pub async fn poll_of_unknown_hash_or_other_client_is_none(store: &dyn Store) {
    insert(store, login("r-1")).await;
    assert!(store.poll_login_request("hash-unknown", CLIENT, STEP, NOW).await.unwrap().is_none());
    assert!(store.poll_login_request("hash-r-1", "other-client", STEP, NOW).await.unwrap().is_none());
    assert!(!poll(store, NOW).await.too_soon, "another client's poll was not recorded");
}

pub async fn racing_early_polls_each_grow_interval(store: &Arc<dyn Store>) {
    for round in 0..ROUNDS {
        let id = format!("r-{round}");
        insert(store.as_ref(), login(&id)).await;
        let hash = format!("hash-{id}");
        store.poll_login_request(&hash, CLIENT, STEP, NOW).await.unwrap();
        let polls = race(store, 6, |s, _| {
            let hash = hash.clone();
            async move { s.poll_login_request(&hash, CLIENT, STEP, NOW + 1).await }
        })
        .await;
        assert!(polls.into_iter().all(|p| p.unwrap().unwrap().too_soon), "round {round}");
        let interval = store.login_request(&id).await.unwrap().unwrap().interval;
        assert_eq!(interval, 5 + 6 * STEP, "round {round}: every early poll counted");
    }
}
