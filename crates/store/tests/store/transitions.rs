//! Approve, reject and redeem: each a conditional transition that reports whether it won,
//! also when several race.
use futures::future::join_all;
use phonelogin_core::login_request::Status;
use phonelogin_core::store::Store;

use crate::helpers::{NOW, ROUNDS, approval, exactly_one, insert, issued, login};

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

pub async fn concurrent_approvals_exactly_one_wins(store: &dyn Store) {
    let approval = approval();
    for round in 0..ROUNDS {
        let id = insert(store, login(&format!("r-{round}"))).await;
        let wins: Vec<bool> = join_all((0..10).map(|_| store.approve_login_request(&id, &approval, NOW)))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert!(exactly_one(&wins), "round {round}: {wins:?}");
    }
}

pub async fn approve_racing_reject_exactly_one_wins(store: &dyn Store) {
    for round in 0..2 * ROUNDS {
        let id = format!("r-{round}");
        insert(store, login(&id)).await;
        let approval = approval();
        let (approved, rejected) =
            futures::join!(store.approve_login_request(&id, &approval, NOW), store.reject_login_request(&id, NOW));
        let (approved, rejected) = (approved.unwrap(), rejected.unwrap());
        assert!(approved != rejected, "round {round}: exactly one wins");
        let expected = if approved { Status::Approved } else { Status::Rejected };
        assert_eq!(status(store, &id).await, expected, "round {round}: the winner's state is stored");
    }
}

pub async fn concurrent_redeems_exactly_one_wins(store: &dyn Store) {
    for round in 0..ROUNDS {
        let id = insert(store, login(&format!("r-{round}"))).await;
        store.approve_login_request(&id, &approval(), NOW).await.unwrap();
        let token = issued(&format!("at-{round}"));
        let wins: Vec<bool> = join_all((0..10).map(|_| store.redeem_login_request(&id, &token, NOW)))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert!(exactly_one(&wins), "round {round}: {wins:?}");
    }
}
