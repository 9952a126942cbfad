//! Spec §12 in the store: single-use JWT ids, user codes with their lock, token revocation,
//! and the client's security settings.
use futures::future::join_all;
use phonelogin_core::keys::Alg;
use phonelogin_core::model::Profile;
use phonelogin_core::store::{Store, UserCodeAttempt};

use crate::helpers::{NOW, client, redeemed, user};

pub async fn a_jti_is_used_once_until_it_expires(store: &dyn Store) {
    assert!(store.use_jti("c", "j1", NOW + 60, NOW).await.unwrap());
    assert!(!store.use_jti("c", "j1", NOW + 60, NOW + 1).await.unwrap(), "a replay");
    assert!(store.use_jti("other", "j1", NOW + 60, NOW).await.unwrap(), "jtis are per client");
    assert!(store.use_jti("c", "j1", NOW + 200, NOW + 60).await.unwrap(), "expired entries may be reused");
}

pub async fn racing_uses_of_one_jti_have_one_winner(store: &dyn Store) {
    let uses = join_all((0..16).map(|_| store.use_jti("c", "race", NOW + 60, NOW))).await;
    assert_eq!(uses.into_iter().filter(|u| *u.as_ref().unwrap()).count(), 1);
}

pub async fn user_code_attempts_are_counted_and_lock(store: &dyn Store) {
    let id = store.upsert_user(&user("u-1", "4712345678")).await.unwrap();
    assert_eq!(store.begin_user_code_attempt(&id, 5, NOW).await.unwrap(), UserCodeAttempt::NoCode);
    store.set_user_code(&id, "hash").await.unwrap();
    assert_eq!(store.user_code(&id).await.unwrap().as_deref(), Some("hash"));
    for n in 1..=5 {
        let attempt = store.begin_user_code_attempt(&id, 5, NOW).await.unwrap();
        assert_eq!(attempt, UserCodeAttempt::Check { hash: "hash".into(), attempt: n });
        store.end_user_code_attempt(&id, false, (n == 5).then_some(NOW + 3600)).await.unwrap();
    }
    assert_eq!(
        store.begin_user_code_attempt(&id, 5, NOW + 10).await.unwrap(),
        UserCodeAttempt::Locked { until: NOW + 3600 }
    );
    let after = store.begin_user_code_attempt(&id, 5, NOW + 3600).await.unwrap();
    assert_eq!(after, UserCodeAttempt::Check { hash: "hash".into(), attempt: 1 });
    store.end_user_code_attempt(&id, true, None).await.unwrap();
    let reset = store.begin_user_code_attempt(&id, 5, NOW + 3600).await.unwrap();
    assert_eq!(reset, UserCodeAttempt::Check { hash: "hash".into(), attempt: 1 });
}

pub async fn racing_user_code_attempts_never_exceed_the_limit(store: &dyn Store) {
    let id = store.upsert_user(&user("u-1", "4712345678")).await.unwrap();
    store.set_user_code(&id, "hash").await.unwrap();
    let attempts = join_all((0..20).map(|_| store.begin_user_code_attempt(&id, 5, NOW))).await;
    let checks = attempts.iter().filter(|a| matches!(a, Ok(UserCodeAttempt::Check { .. }))).count();
    assert_eq!(checks, 5);
}

pub async fn a_revoked_token_is_gone(store: &dyn Store) {
    redeemed(store, "r-1", "t-hash").await;
    assert!(store.access_token("t-hash").await.unwrap().is_some());
    assert!(store.revoke_access_token("t-hash").await.unwrap());
    assert!(store.access_token("t-hash").await.unwrap().is_none());
    assert!(!store.revoke_access_token("t-hash").await.unwrap(), "only once");
    assert!(!store.revoke_access_token("unknown").await.unwrap());
}

pub async fn client_security_settings_round_trip(store: &dyn Store) {
    let mut c = client("bank", "bank");
    c.security.jwks = Some(serde_json::json!({"keys": [{"kty": "EC", "crv": "P-256", "x": "x", "y": "y"}]}));
    c.security.request_signing_alg = Some(Alg::Ps256);
    c.security.id_token_alg = Some(Alg::Es256);
    c.security.user_code_required = true;
    c.security.profile = Some(Profile::FapiCiba);
    store.upsert_client(&c).await.unwrap();
    assert_eq!(store.client("bank").await.unwrap(), Some(c));
}
