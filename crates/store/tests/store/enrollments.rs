//! Enrollments: starts under the per-number and per-address limits, a new code voiding older
//! ones, guesses counted per code and per number before comparing, the lock; the dev outbox.
use std::sync::Arc;

use futures::future::join_all;
use phonelogin_core::store::{CodeGuard, CodeTry, Enrollment, LimitKey, OutboxMessage, RateLimit, Store};

use crate::helpers::{NOW, ROUNDS, USER, exactly_one, race, with_user};

const PHONE: &str = "4712345678";
const LIMITS: [RateLimit; 2] = [
    RateLimit { key: LimitKey::PhoneNumber, max: 3, window: 600 },
    RateLimit { key: LimitKey::ClientAddr, max: 5, window: 3600 },
];
const GUARD: CodeGuard = CodeGuard { max_tries: 10, window: 86_400, lock_for: 86_400 };

fn enrollment(id: &str, at: i64) -> Enrollment {
    Enrollment {
        enrollment_id: id.into(),
        phone_number: PHONE.into(),
        user_id: Some(USER.into()),
        code_hash: "code-hash".into(),
        client_addr: "10.0.0.1".into(),
        created_at: at,
        expires_at: at + 600,
        attempts: 0,
        used: false,
        voided: false,
    }
}

async fn counted(store: &dyn Store, id: &str, now: i64) -> (Enrollment, i64) {
    match store.count_code_try(id, &GUARD, now).await.unwrap() {
        CodeTry::Counted { enrollment, tries } => (enrollment, tries),
        other => panic!("expected a counted try, got {other:?}"),
    }
}

pub async fn starts_are_limited_per_number_and_voids_older_codes(store: &dyn Store) {
    with_user(store).await;
    for n in 0..3 {
        assert_eq!(
            store.start_enrollment(&enrollment(&format!("e-{n}"), NOW + n), &LIMITS, NOW + n).await.unwrap(),
            None
        );
    }
    let refused = store.start_enrollment(&enrollment("e-3", NOW + 10), &LIMITS, NOW + 10).await.unwrap();
    assert_eq!(refused, Some(NOW + 600), "allowed again when the oldest of the three leaves the window");
    let (e0, _) = counted(store, "e-0", NOW + 10).await;
    let (e2, _) = counted(store, "e-2", NOW + 10).await;
    assert!(e0.voided && !e2.voided, "only the newest code is valid");
    assert_eq!(store.start_enrollment(&enrollment("e-4", NOW + 600), &LIMITS, NOW + 600).await.unwrap(), None);
}

pub async fn starts_are_limited_per_address_across_numbers(store: &dyn Store) {
    for n in 0..5 {
        let e =
            Enrollment { phone_number: format!("47000000{n:02}"), user_id: None, ..enrollment(&format!("a-{n}"), NOW) };
        assert_eq!(store.start_enrollment(&e, &LIMITS, NOW).await.unwrap(), None);
    }
    let sixth = Enrollment { phone_number: "4700000099".into(), user_id: None, ..enrollment("a-9", NOW) };
    assert_eq!(store.start_enrollment(&sixth, &LIMITS, NOW + 1).await.unwrap(), Some(NOW + 3600));
    let elsewhere = Enrollment { client_addr: "10.0.0.2".into(), ..sixth };
    assert_eq!(store.start_enrollment(&elsewhere, &LIMITS, NOW + 1).await.unwrap(), None);
}

pub async fn racing_starts_never_exceed_the_limit(store: &Arc<dyn Store>) {
    with_user(store.as_ref()).await;
    for round in 0..ROUNDS as i64 {
        let at = NOW + round * 1000;
        let starts = race(store, 8, |s, n| {
            let e = enrollment(&format!("r-{round}-{n}"), at);
            async move { s.start_enrollment(&e, &LIMITS[..1], at).await.unwrap() }
        })
        .await;
        assert_eq!(starts.iter().filter(|s| s.is_none()).count(), 3, "round {round}: {starts:?}");
    }
}

pub async fn code_tries_are_counted_per_code_and_per_number(store: &dyn Store) {
    with_user(store).await;
    store.start_enrollment(&enrollment("e-1", NOW), &LIMITS, NOW).await.unwrap();
    let (e, tries) = counted(store, "e-1", NOW).await;
    assert_eq!((e.attempts, tries), (1, 1));
    let racing = join_all((0..4).map(|_| store.count_code_try("e-1", &GUARD, NOW))).await;
    let mut attempts: Vec<i64> = racing
        .into_iter()
        .map(|t| match t.unwrap() {
            CodeTry::Counted { enrollment, .. } => enrollment.attempts,
            other => panic!("{other:?}"),
        })
        .collect();
    attempts.sort();
    assert_eq!(attempts, [2, 3, 4, 5], "racing attempts are each counted");
    assert_eq!(store.count_code_try("unknown", &GUARD, NOW).await.unwrap(), CodeTry::Unknown);
    assert!(store.right_code("e-1", false).await.unwrap());
    let (e, tries) = counted(store, "e-1", NOW).await;
    assert_eq!((e.attempts, tries), (5, 5), "a right code gives its try back to the code and the number");
}

pub async fn the_number_locks_after_its_guesses_and_unlocks(store: &dyn Store) {
    with_user(store).await;
    let mut id = 0;
    let mut outcomes = vec![];
    // Guesses spread over several codes still count for the number.
    for n in 0..12 {
        if n % 4 == 0 {
            id += 1;
            store.start_enrollment(&enrollment(&format!("e-{id}"), NOW + n), &[], NOW + n).await.unwrap();
        }
        outcomes.push(match store.count_code_try(&format!("e-{id}"), &GUARD, NOW + n).await.unwrap() {
            CodeTry::Counted { tries, .. } => tries,
            CodeTry::Locked { until } => {
                assert_eq!(until, NOW + n + GUARD.lock_for);
                -1
            }
            CodeTry::Unknown => panic!("unknown"),
        });
    }
    assert_eq!(outcomes, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1, -1], "the eleventh guess and later are refused");
    store.lock_enrollment_number(PHONE, NOW + 100 + GUARD.lock_for).await.unwrap();
    let later = NOW + 2 * GUARD.window;
    store.start_enrollment(&enrollment("e-late", later), &[], later).await.unwrap();
    assert_eq!(
        store.count_code_try("e-late", &GUARD, NOW + 200).await.unwrap(),
        CodeTry::Locked { until: NOW + 100 + GUARD.lock_for },
        "locked, even for a new code"
    );
    assert!(matches!(store.count_code_try("e-late", &GUARD, later).await.unwrap(), CodeTry::Counted { tries: 1, .. }));
    store.lock_enrollment_number(PHONE, later + 50).await.unwrap();
    assert!(store.unlock_enrollment_number(PHONE).await.unwrap());
    assert!(matches!(
        store.count_code_try("e-late", &GUARD, later + 1).await.unwrap(),
        CodeTry::Counted { tries: 1, .. }
    ));
    assert!(!store.unlock_enrollment_number("4799999999").await.unwrap());
}

pub async fn racing_guesses_never_pass_the_number_guard(store: &Arc<dyn Store>) {
    with_user(store.as_ref()).await;
    store.start_enrollment(&enrollment("e-1", NOW), &[], NOW).await.unwrap();
    let tries = race(store, 40, |s, _| async move { s.count_code_try("e-1", &GUARD, NOW).await }).await;
    let counted = tries.into_iter().filter(|t| matches!(t, Ok(CodeTry::Counted { .. }))).count();
    assert_eq!(counted, 10, "only ten guesses a day reach the comparison");
}

pub async fn enrollment_is_consumed_once(store: &Arc<dyn Store>) {
    with_user(store.as_ref()).await;
    for round in 0..ROUNDS as i64 {
        let id = format!("e-{round}");
        store.start_enrollment(&enrollment(&id, NOW + round * 1000), &[], NOW).await.unwrap();
        let wins = race(store, 5, |s, _| {
            let id = id.clone();
            async move { s.right_code(&id, true).await.unwrap() }
        })
        .await;
        assert!(exactly_one(&wins), "round {round}: {wins:?}");
    }
    assert!(!store.right_code("e-1", true).await.unwrap());
    assert!(!store.right_code("unknown", true).await.unwrap());
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
