//! Enrollments: attempts counted atomically, consumed once; and the dev-only SMS outbox.
use futures::future::join_all;
use phonelogin_core::store::{Enrollment, OutboxMessage, Store};

use crate::helpers::{NOW, ROUNDS, USER, exactly_one, with_user};

fn enrollment(id: &str) -> Enrollment {
    Enrollment {
        enrollment_id: id.into(),
        user_id: USER.into(),
        code_hash: "code-hash".into(),
        expires_at: NOW + 300,
        attempts: 0,
        used: false,
    }
}

pub async fn enrollment_attempts_are_counted(store: &dyn Store) {
    with_user(store).await;
    store.insert_enrollment(&enrollment("e-1")).await.unwrap();
    let first = store.attempt_enrollment("e-1").await.unwrap().unwrap();
    assert_eq!(first, Enrollment { attempts: 1, ..enrollment("e-1") });
    let counts = join_all((0..4).map(|_| store.attempt_enrollment("e-1"))).await;
    let mut counts: Vec<i64> = counts.into_iter().map(|e| e.unwrap().unwrap().attempts).collect();
    counts.sort();
    assert_eq!(counts, [2, 3, 4, 5], "racing attempts are each counted");
    assert_eq!(store.attempt_enrollment("unknown").await.unwrap(), None);
}

pub async fn enrollment_is_consumed_once(store: &dyn Store) {
    with_user(store).await;
    for round in 0..ROUNDS {
        let id = format!("e-{round}");
        store.insert_enrollment(&enrollment(&id)).await.unwrap();
        let wins: Vec<bool> =
            join_all((0..5).map(|_| store.consume_enrollment(&id))).await.into_iter().map(Result::unwrap).collect();
        assert!(exactly_one(&wins), "round {round}: {wins:?}");
    }
    assert!(!store.consume_enrollment("e-1").await.unwrap());
    assert!(store.attempt_enrollment("e-1").await.unwrap().unwrap().used);
    assert!(!store.consume_enrollment("unknown").await.unwrap());
}

pub async fn outbox_is_newest_first(store: &dyn Store) {
    for n in 0..3 {
        let message = OutboxMessage {
            phone_number: "4712345678".into(),
            message: format!("Your code is {n}"),
            code: n.to_string(),
            sent_at: NOW + n,
        };
        store.push_outbox(&message).await.unwrap();
    }
    let codes: Vec<String> = store.outbox(2).await.unwrap().into_iter().map(|m| m.code).collect();
    assert_eq!(codes, ["2", "1"]);
}
