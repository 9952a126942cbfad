//! The redirect-flow code: single use, bound to its client, valid until `code_expires_at`;
//! its first use inserts the access token in the same transaction; a replay revokes the
//! tokens issued from it, and that revocation commits.
use futures::future::join_all;
use phonelogin_core::login_request::Status;
use phonelogin_core::store::{CodeExchange, Store};

use crate::helpers::{CLIENT, NOW, ROUNDS, approval_with_code, insert, issued, login};

/// A login approved at `NOW` with code `code-<id>`, valid until `NOW + 60`.
async fn approved_with_code(store: &dyn Store, id: &str) {
    insert(store, login(id)).await;
    let code = format!("code-{id}");
    assert!(store.approve_login_request(id, &approval_with_code(&code), NOW).await.unwrap());
}

/// Exchanges `code`, issuing the access token `token_hash`.
async fn exchange(store: &dyn Store, code: &str, client_id: &str, token_hash: &str, at: i64) -> CodeExchange {
    store.exchange_code(code, client_id, &issued(token_hash), at).await.unwrap()
}

async fn live(store: &dyn Store, token_hash: &str) -> bool {
    store.access_token(token_hash).await.unwrap().is_some()
}

pub async fn code_first_use_redeems(store: &dyn Store) {
    approved_with_code(store, "r-1").await;
    let CodeExchange::Redeemed(request) = exchange(store, "code-r-1", CLIENT, "at-1", NOW + 59).await else {
        panic!("the first use redeems");
    };
    assert_eq!((request.id.as_str(), request.status), ("r-1", Status::Redeemed));
    assert_eq!(store.login_request("r-1").await.unwrap().unwrap().status, Status::Redeemed);
    let token = store.access_token("at-1").await.unwrap().expect("issued with the redemption");
    assert_eq!((token.login_request_id.as_str(), token.expires_at), ("r-1", NOW + 300));
}

pub async fn code_replay_revokes_the_tokens_issued_from_it(store: &dyn Store) {
    approved_with_code(store, "r-1").await;
    approved_with_code(store, "r-2").await;
    assert!(matches!(exchange(store, "code-r-1", CLIENT, "at-1", NOW).await, CodeExchange::Redeemed(_)));
    assert!(matches!(exchange(store, "code-r-2", CLIENT, "at-2", NOW).await, CodeExchange::Redeemed(_)));
    assert!(live(store, "at-1").await);

    assert!(matches!(exchange(store, "code-r-1", CLIENT, "at-3", NOW + 1).await, CodeExchange::Replayed));
    assert!(!live(store, "at-1").await, "revoked by the replay");
    assert!(!live(store, "at-3").await, "a replay issues nothing");
    assert!(live(store, "at-2").await, "another request's token lives");
    let late = exchange(store, "code-r-1", CLIENT, "at-4", NOW + 99).await;
    assert!(matches!(late, CodeExchange::Replayed), "expired or not");
}

pub async fn expired_unknown_or_other_clients_code_is_invalid(store: &dyn Store) {
    approved_with_code(store, "r-1").await;
    assert!(matches!(exchange(store, "code-unknown", CLIENT, "at-1", NOW).await, CodeExchange::Invalid));
    assert!(matches!(exchange(store, "code-r-1", "other-client", "at-2", NOW).await, CodeExchange::Invalid));
    assert!(matches!(exchange(store, "code-r-1", CLIENT, "at-3", NOW + 60).await, CodeExchange::Invalid), "expired");
    assert_eq!(store.login_request("r-1").await.unwrap().unwrap().status, Status::Approved, "nothing consumed");
    for t in ["at-1", "at-2", "at-3"] {
        assert!(!live(store, t).await, "{t}: nothing issued");
    }
    assert!(matches!(exchange(store, "code-r-1", CLIENT, "at-4", NOW + 59).await, CodeExchange::Redeemed(_)));
}

pub async fn racing_code_exchanges_redeem_once(store: &dyn Store) {
    for round in 0..ROUNDS {
        let id = format!("r-{round}");
        approved_with_code(store, &id).await;
        let code = format!("code-{id}");
        let tokens: Vec<_> = (0..6).map(|i| issued(&format!("at-{round}-{i}"))).collect();
        let outcomes = join_all(tokens.iter().map(|t| store.exchange_code(&code, CLIENT, t, NOW))).await;
        let redeemed = outcomes.iter().filter(|o| matches!(o, Ok(CodeExchange::Redeemed(_)))).count();
        let replayed = outcomes.iter().filter(|o| matches!(o, Ok(CodeExchange::Replayed))).count();
        assert_eq!((redeemed, replayed), (1, 5), "round {round}: one redeems, the rest are replays");
    }
}
