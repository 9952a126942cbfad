//! The redirect-flow code: single use, bound to its client, valid until `code_expires_at`;
//! a replay revokes the tokens issued from it, and that revocation commits.
use std::sync::Arc;

use phonelogin_core::login_request::Status;
use phonelogin_core::scope::ScopeSet;
use phonelogin_core::store::{AccessToken, CodeExchange, Store};

use crate::helpers::{CLIENT, NOW, ROUNDS, USER, approval_with_code, insert, login, race};

/// A login approved at `NOW` with code `code-<id>`, valid until `NOW + 60`.
async fn approved_with_code(store: &dyn Store, id: &str) {
    insert(store, login(id)).await;
    let code = format!("code-{id}");
    assert!(store.approve_login_request(id, &approval_with_code(&code), NOW).await.unwrap());
}

fn token(hash: &str, request_id: &str) -> AccessToken {
    AccessToken {
        token_hash: hash.into(),
        login_request_id: request_id.into(),
        client_id: CLIENT.into(),
        user_id: USER.into(),
        scopes: ScopeSet::parse_lenient("openid name"),
        expires_at: NOW + 300,
    }
}

async fn exchange(store: &dyn Store, code: &str, client_id: &str, at: i64) -> CodeExchange {
    store.exchange_code(code, client_id, at).await.unwrap()
}

pub async fn code_first_use_redeems(store: &dyn Store) {
    approved_with_code(store, "r-1").await;
    let CodeExchange::Redeemed(request) = exchange(store, "code-r-1", CLIENT, NOW + 59).await else {
        panic!("the first use redeems");
    };
    assert_eq!((request.id.as_str(), request.status), ("r-1", Status::Redeemed));
    assert_eq!(store.login_request("r-1").await.unwrap().unwrap().status, Status::Redeemed);
}

pub async fn code_replay_revokes_the_tokens_issued_from_it(store: &dyn Store) {
    approved_with_code(store, "r-1").await;
    approved_with_code(store, "r-2").await;
    assert!(matches!(exchange(store, "code-r-1", CLIENT, NOW).await, CodeExchange::Redeemed(_)));
    store.insert_access_token(&token("at-1", "r-1")).await.unwrap();
    store.insert_access_token(&token("at-2", "r-2")).await.unwrap();
    assert_eq!(store.access_token("at-1").await.unwrap(), Some(token("at-1", "r-1")));

    assert!(matches!(exchange(store, "code-r-1", CLIENT, NOW + 1).await, CodeExchange::Replayed));
    assert_eq!(store.access_token("at-1").await.unwrap(), None, "revoked by the replay");
    assert!(store.access_token("at-2").await.unwrap().is_some(), "another request's token lives");
    assert!(matches!(exchange(store, "code-r-1", CLIENT, NOW + 99).await, CodeExchange::Replayed), "expired or not");
}

/// The first exchange inserts its token after it redeemed the code; a replay in between
/// must still revoke it.
pub async fn token_issued_after_a_replay_is_revoked_too(store: &dyn Store) {
    approved_with_code(store, "r-1").await;
    assert!(matches!(exchange(store, "code-r-1", CLIENT, NOW).await, CodeExchange::Redeemed(_)));
    assert!(matches!(exchange(store, "code-r-1", CLIENT, NOW).await, CodeExchange::Replayed));
    store.insert_access_token(&token("at-1", "r-1")).await.unwrap();
    assert_eq!(store.access_token("at-1").await.unwrap(), None);
}

pub async fn expired_unknown_or_other_clients_code_is_invalid(store: &dyn Store) {
    approved_with_code(store, "r-1").await;
    assert!(matches!(exchange(store, "code-unknown", CLIENT, NOW).await, CodeExchange::Invalid));
    assert!(matches!(exchange(store, "code-r-1", "other-client", NOW).await, CodeExchange::Invalid));
    assert!(matches!(exchange(store, "code-r-1", CLIENT, NOW + 60).await, CodeExchange::Invalid), "expired");
    assert_eq!(store.login_request("r-1").await.unwrap().unwrap().status, Status::Approved, "nothing consumed");
    assert!(matches!(exchange(store, "code-r-1", CLIENT, NOW + 59).await, CodeExchange::Redeemed(_)));
}

pub async fn racing_code_exchanges_redeem_once(store: &Arc<dyn Store>) {
    for round in 0..ROUNDS {
        let id = format!("r-{round}");
        approved_with_code(store.as_ref(), &id).await;
        let code = format!("code-{id}");
        let outcomes = race(store, 6, |s, _| {
            let code = code.clone();
            async move { s.exchange_code(&code, CLIENT, NOW).await }
        })
        .await;
        let redeemed = outcomes.iter().filter(|o| matches!(o, Ok(CodeExchange::Redeemed(_)))).count();
        let replayed = outcomes.iter().filter(|o| matches!(o, Ok(CodeExchange::Replayed))).count();
        assert_eq!((redeemed, replayed), (1, 5), "round {round}: one redeems, the rest are replays");
    }
}
