//! Approve, reject and redeem: each a conditional transition that reports whether it won,
//! also when several race.
use phonelogin_core::login_request::Status;
use std::sync::Arc;

use phonelogin_core::store::{PinApproval, PinAttempt, Store};

use crate::helpers::{NOW, ROUNDS, USER, approval, device, exactly_one, insert, issued, login, race, with_user};

async fn status(store: &dyn Store, id: &str) -> Status {
    store.login_request(id).await.unwrap().unwrap().status
}

pub async fn approve_only_pending_unexpired_once(store: &dyn Store) {
    insert(store, login("r-1")).await;
    assert!(store.approve_login_request("r-1", &approval(), NOW + 3).await.unwrap());
    let approved = store.login_request("r-1").await.unwrap().unwrap();
    assert_eq!((approved.status, approved.decided_at), (Status::Approved, Some(NOW + 3)));
    assert!(!store.approve_login_request("r-1", &approval(), NOW + 4).await.unwrap(), "twice");
    assert!(!store.reject_login_request("r-1", NOW + 4).await.unwrap(), "rejected after approval");
    assert_eq!(store.login_request("r-1").await.unwrap().unwrap(), approved, "nothing changed");
    assert!(!store.approve_login_request("unknown", &approval(), NOW).await.unwrap());
}

pub async fn approve_with_pin_counts_the_attempt_and_approves_only_with_the_right_pin(store: &dyn Store) {
    with_user(store).await;
    store.upsert_device(&device("d-1", USER, "phone", "token-1")).await.unwrap();
    insert(store, login("r-1")).await;
    let wrong = PinAttempt { device_id: "d-1", right: false, max_tries: 5 };
    let done = store.approve_with_pin(wrong, "r-1", &approval(), NOW + 1).await.unwrap();
    assert_eq!(done, Some(PinApproval { count: 1, locked: false, approved: false }));
    assert_eq!(status(store, "r-1").await, Status::Pending, "a wrong PIN approves nothing");

    let right = PinAttempt { right: true, ..wrong };
    let done = store.approve_with_pin(right, "r-1", &approval(), NOW + 2).await.unwrap();
    assert_eq!(done, Some(PinApproval { count: 2, locked: false, approved: true }));
    assert_eq!(status(store, "r-1").await, Status::Approved);
    assert_eq!(store.device("d-1").await.unwrap().unwrap().failed_pins, 0, "a right PIN resets the count");

    let again = store.approve_with_pin(right, "r-1", &approval(), NOW + 3).await.unwrap();
    assert_eq!(again, Some(PinApproval { count: 1, locked: false, approved: false }), "decided already");

    insert(store, login("r-2")).await;
    for _ in 0..5 {
        store.approve_with_pin(wrong, "r-2", &approval(), NOW + 4).await.unwrap();
    }
    assert!(store.device("d-1").await.unwrap().unwrap().locked, "the fifth wrong PIN locks");
    assert_eq!(store.approve_with_pin(right, "r-2", &approval(), NOW + 5).await.unwrap(), None, "locked");
    assert_eq!(status(store, "r-2").await, Status::Pending);
}

pub async fn reject_only_pending_unexpired(store: &dyn Store) {
    insert(store, login("r-1")).await;
    assert!(store.reject_login_request("r-1", NOW).await.unwrap());
    assert_eq!(status(store, "r-1").await, Status::Rejected);
    assert!(!store.reject_login_request("r-1", NOW).await.unwrap(), "twice");
    assert!(!store.approve_login_request("r-1", &approval(), NOW).await.unwrap(), "approved after rejection");
    assert!(!store.redeem_login_request("r-1", &issued("at"), NOW).await.unwrap());
    assert_eq!(status(store, "r-1").await, Status::Rejected);
}

pub async fn decisions_after_expiry_change_nothing(store: &dyn Store) {
    insert(store, login("r-1")).await;
    let expiry = NOW + 600;
    assert!(!store.approve_login_request("r-1", &approval(), expiry).await.unwrap());
    assert!(!store.reject_login_request("r-1", expiry).await.unwrap());
    let stored = store.login_request("r-1").await.unwrap().unwrap();
    assert_eq!((stored.status, stored.decided_at), (Status::Pending, None));
}

pub async fn redeem_only_approved_unexpired_once(store: &dyn Store) {
    insert(store, login("r-1")).await;
    assert!(!store.redeem_login_request("r-1", &issued("at"), NOW).await.unwrap(), "still pending");
    store.approve_login_request("r-1", &approval(), NOW).await.unwrap();
    assert!(store.redeem_login_request("r-1", &issued("at"), NOW + 1).await.unwrap());
    assert_eq!(status(store, "r-1").await, Status::Redeemed);
    assert!(!store.redeem_login_request("r-1", &issued("at"), NOW + 1).await.unwrap(), "twice");

    insert(store, login("r-2")).await;
    store.approve_login_request("r-2", &approval(), NOW).await.unwrap();
    assert!(!store.redeem_login_request("r-2", &issued("at"), NOW + 600).await.unwrap(), "approved but expired");
    assert_eq!(status(store, "r-2").await, Status::Approved);
}

pub async fn concurrent_approvals_exactly_one_wins(store: &Arc<dyn Store>) {
    for round in 0..ROUNDS {
        let id = insert(store.as_ref(), login(&format!("r-{round}"))).await;
        let wins = race(store, 10, |s, _| {
            let id = id.clone();
            async move { s.approve_login_request(&id, &approval(), NOW).await.unwrap() }
        })
        .await;
        assert!(exactly_one(&wins), "round {round}: {wins:?}");
    }
}

pub async fn approve_racing_reject_exactly_one_wins(store: &Arc<dyn Store>) {
    for round in 0..2 * ROUNDS {
        let id = format!("r-{round}");
        insert(store.as_ref(), login(&id)).await;
        let wins = race(store, 2, |s, n| {
            let id = id.clone();
            async move {
                if n == 0 {
                    s.approve_login_request(&id, &approval(), NOW).await.unwrap()
                } else {
                    s.reject_login_request(&id, NOW).await.unwrap()
                }
            }
        })
        .await;
        let (approved, rejected) = (wins[0], wins[1]);
        assert!(approved != rejected, "round {round}: exactly one wins");
        let expected = if approved { Status::Approved } else { Status::Rejected };
        assert_eq!(status(store.as_ref(), &id).await, expected, "round {round}: the winner's state is stored");
    }
}

pub async fn concurrent_redeems_exactly_one_wins(store: &Arc<dyn Store>) {
    for round in 0..ROUNDS {
        let id = insert(store.as_ref(), login(&format!("r-{round}"))).await;
        store.approve_login_request(&id, &approval(), NOW).await.unwrap();
        let wins = race(store, 10, |s, _| {
            let (id, token) = (id.clone(), issued(&format!("at-{round}")));
            async move { s.redeem_login_request(&id, &token, NOW).await.unwrap() }
        })
        .await;
        assert!(exactly_one(&wins), "round {round}: {wins:?}");
    }
}
