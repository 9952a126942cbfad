//! The token poll is one read that writes nothing (its pace is kept in memory by the server);
//! a redemption inserts the access token issued from it, in the same transaction.
use futures::future::join_all;
use phonelogin_core::login_request::Status;
use phonelogin_core::scope::ScopeSet;
use phonelogin_core::store::{AccessToken, Store};

use crate::helpers::{CLIENT, NOW, ROUNDS, USER, approval, insert, issued, login};

pub async fn poll_finds_the_request_and_changes_nothing(store: &dyn Store) {
    insert(store, login("r-1")).await;
    let before = store.login_request("r-1").await.unwrap().unwrap();
    for _ in 0..3 {
        let polled = store.poll_login_request("hash-r-1", CLIENT).await.unwrap().expect("the request");
        assert_eq!(polled, before);
    }
    assert_eq!(store.login_request("r-1").await.unwrap().unwrap(), before, "nothing written");
}

pub async fn poll_of_unknown_hash_or_other_client_is_none(store: &dyn Store) {
    insert(store, login("r-1")).await;
    assert!(store.poll_login_request("hash-unknown", CLIENT).await.unwrap().is_none());
    assert!(store.poll_login_request("hash-r-1", "other-client").await.unwrap().is_none());
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

pub async fn racing_redemptions_insert_one_token(store: &dyn Store) {
    for round in 0..ROUNDS {
        let id = insert(store, login(&format!("r-{round}"))).await;
        store.approve_login_request(&id, &approval(), NOW).await.unwrap();
        let tokens: Vec<_> = (0..6).map(|i| issued(&format!("at-{round}-{i}"))).collect();
        let wins = join_all(tokens.iter().map(|t| store.redeem_login_request(&id, t, NOW))).await;
        let mut live = 0;
        for (won, token) in wins.into_iter().zip(&tokens) {
            let stored = store.access_token(&token.token_hash).await.unwrap();
            assert_eq!(won.unwrap(), stored.is_some(), "round {round}: a token exactly for the winner");
            live += usize::from(stored.is_some());
        }
        assert_eq!(live, 1, "round {round}");
    }
}
