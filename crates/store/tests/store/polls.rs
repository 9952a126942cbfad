//! The token poll is one round trip: a read on SQLite (the server paces polls in memory); on
//! PostgreSQL one statement that also keeps the pace shared by the nodes. A redemption inserts
//! the access token issued from it, in the same transaction.
use std::sync::Arc;

use futures::future::join_all;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::login_request::Status;
use phonelogin_core::scope::ScopeSet;
use phonelogin_core::store::{AccessToken, AuthReqKey, Polled, Store};

use crate::helpers::{CLIENT, NOW, ROUNDS, USER, approval, insert, issued, login, race};

/// A poll of request `id` by `client` at `at`, as the grant names it: its auth_req_id
/// (`auth-req-<id>` in these tests, whose hash PostgreSQL finds) and its id (SQLite).
async fn poll(store: &dyn Store, id: &str, client: &str, at: UnixTime) -> Option<Polled> {
    let key = AuthReqKey { auth_req_id: &format!("auth-req-{id}"), request_id: Some(id) };
    store.poll_login_request(key, client, at).await.unwrap()
}

/// The verdict of a poll of `id` at `at`.
async fn too_soon(store: &dyn Store, id: &str, at: UnixTime) -> Option<bool> {
    poll(store, id, CLIENT, at).await.expect("the request").too_soon
}

pub async fn poll_finds_the_request_and_leaves_it_unchanged(store: &dyn Store) {
    insert(store, login("r-1")).await;
    let before = store.login_request("r-1").await.unwrap().unwrap();
    for i in 0..3 {
        let polled = poll(store, "r-1", CLIENT, NOW + i).await.expect("the request");
        assert_eq!(polled.request, before);
    }
    assert_eq!(store.login_request("r-1").await.unwrap().unwrap(), before, "the request is unchanged");
}

pub async fn poll_of_unknown_request_or_other_client_is_none(store: &dyn Store) {
    insert(store, login("r-1")).await;
    assert!(poll(store, "unknown", CLIENT, NOW).await.is_none());
    assert!(poll(store, "r-1", "other-client", NOW).await.is_none());
    // An auth_req_id that names no request (an earlier version's, or a forged one) is looked
    // up by its hash alone.
    let key = AuthReqKey { auth_req_id: "auth-req-unknown", request_id: None };
    assert!(store.poll_login_request(key, CLIENT, NOW).await.unwrap().is_none());
}

/// SQLite leaves the pace to the one server's memory.
pub async fn sqlite_leaves_the_pace_to_the_server(store: &dyn Store) {
    insert(store, login("r-1")).await;
    assert_eq!(too_soon(store, "r-1", NOW).await, None);
    assert_eq!(too_soon(store, "r-1", NOW).await, None);
}

/// PostgreSQL: the rule of `grant::pacer` (the request's interval is 5 s).
pub async fn a_first_poll_is_in_time_and_an_early_one_grows_the_interval(store: &dyn Store) {
    insert(store, login("r-1")).await;
    insert(store, login("r-2")).await;
    assert_eq!(too_soon(store, "r-1", NOW).await, Some(false), "the first poll");
    assert_eq!(too_soon(store, "r-1", NOW + 2).await, Some(true), "sooner than 5 s");
    assert_eq!(too_soon(store, "r-1", NOW + 2 + 9).await, Some(true), "the interval is 10 s now");
    assert_eq!(too_soon(store, "r-1", NOW + 11 + 15).await, Some(false), "waited the grown 15 s");
    assert_eq!(too_soon(store, "r-1", NOW + 26 + 15).await, Some(false), "and it stays 15 s");
    assert_eq!(too_soon(store, "r-2", NOW + 27).await, Some(false), "another request has its own pace");
    assert_eq!(too_soon(store, "r-2", NOW + 32).await, Some(false), "polled after its 5 s");
}

/// PostgreSQL: polls racing at one instant (from several nodes) take turns on the pace: one
/// is in time, the others too soon.
pub async fn racing_polls_have_exactly_one_in_time(store: &dyn Store) {
    for round in 0..ROUNDS {
        let id = insert(store, login(&format!("r-{round}"))).await;
        let verdicts = join_all((0..8).map(|_| too_soon(store, &id, NOW + 1))).await;
        let in_time = verdicts.iter().filter(|v| **v == Some(false)).count();
        assert_eq!(in_time, 1, "round {round}: {verdicts:?}");
        assert!(verdicts.iter().all(Option::is_some), "round {round}: {verdicts:?}");
        // Seven early polls grew 5 s by 7 × 5 s: 39 s later is still too soon, 40 s is not.
        assert_eq!(too_soon(store, &id, NOW + 1 + 39).await, Some(true), "round {round}");
        assert_eq!(too_soon(store, &id, NOW + 1 + 39 + 45).await, Some(false), "round {round}");
    }
}

/// PostgreSQL: a poll of a decided or expired request is no verdict and drops its pace; the
/// paces of polled requests go with retention after their expiry.
pub async fn paces_go_when_the_request_ends(store: &dyn Store) {
    insert(store, login("decided")).await;
    insert(store, login("pending")).await;
    assert_eq!(too_soon(store, "decided", NOW).await, Some(false));
    assert_eq!(too_soon(store, "pending", NOW).await, Some(false));
    assert!(store.reject_login_request("decided", NOW + 1).await.unwrap());
    assert_eq!(too_soon(store, "decided", NOW + 2).await, Some(false), "rejected: no verdict");
    assert_eq!(too_soon(store, "pending", NOW + 600).await, Some(false), "expired: no verdict");
    // Retention after the expiry: the two requests, and no pace left (a poll of each ended one
    // dropped it).
    assert_eq!(store.purge(NOW + 601, 100).await.unwrap(), 2);
}

/// PostgreSQL: retention deletes the pace of a request that expired unseen.
pub async fn retention_deletes_the_paces_of_expired_requests(store: &dyn Store) {
    insert(store, login("r-1")).await;
    assert_eq!(too_soon(store, "r-1", NOW).await, Some(false));
    assert_eq!(store.purge(NOW + 600, 100).await.unwrap(), 0, "not yet");
    assert_eq!(store.purge(NOW + 601, 100).await.unwrap(), 2, "the request and its pace");
}

pub async fn redemption_inserts_the_access_token_of_the_request(store: &dyn Store) {
    insert(store, login("r-1")).await;
    assert!(!store.redeem_login_request("r-1", &issued("at-0"), NOW).await.unwrap(), "still pending");
    assert_eq!(store.access_token("at-0").await.unwrap(), None, "no token for a lost redemption");
    assert!(store.approve_login_request("r-1", &approval(), NOW).await.unwrap());
    assert!(store.redeem_login_request("r-1", &issued("at-1"), NOW + 1).await.unwrap());
    let expected = AccessToken {
        token_hash: "at-1".into(),
        login_request_id: "r-1".into(),
        client_id: CLIENT.into(),
        user_id: USER.into(),
        scopes: ScopeSet::parse_lenient("openid name"),
        expires_at: NOW + 300,
    };
    assert_eq!(store.access_token("at-1").await.unwrap(), Some(expected));
    assert_eq!(store.login_request("r-1").await.unwrap().unwrap().status, Status::Redeemed);
}

pub async fn racing_redemptions_insert_one_token(store: &Arc<dyn Store>) {
    for round in 0..ROUNDS {
        let id = insert(store.as_ref(), login(&format!("r-{round}"))).await;
        store.approve_login_request(&id, &approval(), NOW).await.unwrap();
        let tokens: Vec<_> = (0..6).map(|i| issued(&format!("at-{round}-{i}"))).collect();
        let wins = race(store, 6, |s, i| {
            let (id, token) = (id.clone(), tokens[i].clone());
            async move { s.redeem_login_request(&id, &token, NOW).await }
        })
        .await;
        let mut live = 0;
        for (won, token) in wins.into_iter().zip(&tokens) {
            let stored = store.access_token(&token.token_hash).await.unwrap();
            assert_eq!(won.unwrap(), stored.is_some(), "round {round}: a token exactly for the winner");
            live += usize::from(stored.is_some());
        }
        assert_eq!(live, 1, "round {round}");
    }
}
