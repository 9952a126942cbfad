//! Concurrent writes: each is durable and visible once its call returns, and one that fails
//! takes none of the others with it (on SQLite they share a group commit).
use futures::future::join_all;
use phonelogin_core::scope::ScopeSet;
use phonelogin_core::store::{AccessToken, Store};

use crate::helpers::{CLIENT, NOW, USER};

fn token(hash: &str) -> AccessToken {
    AccessToken {
        token_hash: hash.into(),
        login_request_id: format!("r-{hash}"),
        client_id: CLIENT.into(),
        user_id: USER.into(),
        scopes: ScopeSet::parse_lenient("openid"),
        expires_at: NOW + 300,
    }
}

pub async fn parallel_writes_are_each_visible_once_answered(store: &dyn Store) {
    let writes = (0..64).map(|n| async move {
        let hash = format!("t-{n}");
        store.insert_access_token(&token(&hash)).await.unwrap();
        // Read right after the answer: the write is there for everyone.
        store.access_token(&hash).await.unwrap().is_some()
    });
    assert!(join_all(writes).await.into_iter().all(|seen| seen), "every write visible once answered");
}

pub async fn a_failing_write_leaves_its_neighbours_written(store: &dyn Store) {
    store.insert_access_token(&token("taken")).await.unwrap();
    // Every other write repeats the taken key and fails; the others must stay.
    let writes = (0..32).map(|n| async move {
        let hash = if n % 2 == 0 { "taken".to_owned() } else { format!("t-{n}") };
        store.insert_access_token(&token(&hash)).await.is_ok()
    });
    let ok = join_all(writes).await;
    for (n, ok) in ok.into_iter().enumerate() {
        assert_eq!(ok, n % 2 == 1, "write {n}");
        if ok {
            assert!(store.access_token(&format!("t-{n}")).await.unwrap().is_some(), "write {n} kept");
        }
    }
    assert!(store.access_token("taken").await.unwrap().is_some());
}
