//! The per-user-and-client pending limit of the conditional insert, and reading requests back.
use std::sync::Arc;

use phonelogin_core::delegated::{DelegatedAnswers, Language};
use phonelogin_core::login_request::{Flow, Status};
use phonelogin_core::store::{Approval, Insert, Store};

use crate::helpers::{NOW, ROUNDS, USER, approval, insert, login, race};

pub async fn insert_at_the_limit_reports_earliest_expiry(store: &dyn Store) {
    for (id, expires_in) in [("r-1", 300), ("r-2", 120), ("r-3", 600)] {
        let mut new = login(id);
        new.request.expires_at = NOW + expires_in;
        assert_eq!(store.insert_login_request(&new, 3, NOW).await.unwrap(), Insert::Inserted { messages: 0 });
    }
    let outcome = store.insert_login_request(&login("r-4"), 3, NOW).await.unwrap();
    assert_eq!(outcome, Insert::LimitReached { earliest_expiry: NOW + 120 });
    assert_eq!(store.login_request("r-4").await.unwrap(), None, "nothing was stored");
}

pub async fn decided_expired_and_other_users_requests_do_not_count(store: &dyn Store) {
    let mut short = login("short");
    short.request.expires_at = NOW + 10;
    insert(store, short).await;
    insert(store, login("rejected")).await;
    insert(store, login("approved")).await;
    let mut other = login("other");
    other.request.user_id = "u-other".into();
    insert(store, other).await;
    assert!(store.reject_login_request("rejected", NOW).await.unwrap());
    assert!(store.approve_login_request("approved", &approval(), NOW).await.unwrap());

    // At NOW + 10, `short` has expired: the user has no undecided, unexpired request.
    assert_eq!(store.insert_login_request(&login("r-1"), 1, NOW + 10).await.unwrap(), Insert::Inserted { messages: 0 });
    let outcome = store.insert_login_request(&login("r-2"), 1, NOW + 10).await.unwrap();
    assert_eq!(outcome, Insert::LimitReached { earliest_expiry: NOW + 600 });
}

pub async fn the_limit_counts_per_client(store: &dyn Store) {
    for n in 0..2 {
        insert(store, login(&format!("shop-{n}"))).await;
    }
    let mut other_client = login("elsewhere");
    other_client.request.client_id = "another-client".into();
    assert_eq!(store.insert_login_request(&other_client, 2, NOW).await.unwrap(), Insert::Inserted { messages: 0 });
    let outcome = store.insert_login_request(&login("shop-3"), 2, NOW).await.unwrap();
    assert_eq!(outcome, Insert::LimitReached { earliest_expiry: NOW + 600 });
}

pub async fn racing_inserts_never_exceed_the_limit(store: &Arc<dyn Store>) {
    for round in 0..ROUNDS {
        let user = format!("u-{round}");
        let outcomes = race(store, 16, |s, n| {
            let mut new = login(&format!("r-{round}-{n}"));
            new.request.user_id = user.clone();
            async move { s.insert_login_request(&new, 3, NOW).await }
        })
        .await;
        let inserted =
            outcomes.into_iter().filter(|o| *o.as_ref().unwrap() == Insert::Inserted { messages: 0 }).count();
        assert_eq!(inserted, 3, "round {round}");
        assert_eq!(store.open_login_requests(&user, NOW).await.unwrap().len(), 3, "round {round}");
    }
}

pub async fn request_round_trips_and_open_requests_are_newest_first(store: &dyn Store) {
    let mut full = login("full");
    full.request.binding_message = Some("Order 42".into());
    full.request.nonce = Some("n-0S6_WzA2Mj".into());
    full.request.client_state = Some("af0ifjsldkj".into());
    full.request.flow = Flow::LoginToWebpage { redirect_uri: "https://shop.example/callback".into() };
    store.insert_login_request(&full, 10, NOW).await.unwrap();
    assert_eq!(store.login_request("full").await.unwrap(), Some(full.request.clone()));
    assert_eq!(store.login_request("unknown").await.unwrap(), None);

    let later = login("later");
    store.insert_login_request(&later, 10, NOW + 1).await.unwrap();
    let mut soon_expired = login("soon");
    soon_expired.request.expires_at = NOW + 2;
    insert(store, soon_expired).await;
    insert(store, login("decided")).await;
    let answers =
        DelegatedAnswers { language: Language::No, answers: [("email".to_string(), true)].into(), answered_at: NOW };
    let with_answers = Approval { delegated: Some(answers.clone()), ..approval() };
    assert!(store.approve_login_request("decided", &with_answers, NOW).await.unwrap());

    let open: Vec<String> = store.open_login_requests(USER, NOW + 2).await.unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(open, ["later", "full"], "pending and unexpired, newest first");
    let decided = store.login_request("decided").await.unwrap().unwrap();
    assert_eq!((decided.status, decided.decided_at, decided.delegated), (Status::Approved, Some(NOW), Some(answers)));
}
