//! Signing-key rotation: the new key becomes the one active key, the old one is retired at
//! that time, also when rotations race.
use std::sync::Arc;

use phonelogin_core::keys::{Alg, StoredKey};
use phonelogin_core::store::Store;

use crate::helpers::{NOW, ROUNDS, race};

fn key(kid: &str, created_at: i64) -> StoredKey {
    key_of(Alg::Es256, kid, created_at)
}

fn key_of(alg: Alg, kid: &str, created_at: i64) -> StoredKey {
    StoredKey {
        kid: kid.into(),
        alg,
        private_sealed: vec![0, 1, 2, 254, 255],
        public_jwk: format!(r#"{{"kid":"{kid}"}}"#),
        created_at,
        active: true,
        retired_at: None,
    }
}

pub async fn rotation_keeps_one_active_key_and_retires_the_old(store: &dyn Store) {
    assert!(store.signing_keys().await.unwrap().is_empty());
    store.rotate_in(&key("k-1", NOW), NOW).await.unwrap();
    assert_eq!(store.signing_keys().await.unwrap(), [key("k-1", NOW)]);

    store.rotate_in(&key("k-2", NOW + 10), NOW + 10).await.unwrap();
    store.rotate_in(&key("k-3", NOW + 20), NOW + 20).await.unwrap();
    let retired = |kid, created, at| StoredKey { active: false, retired_at: Some(at), ..key(kid, created) };
    assert_eq!(
        store.signing_keys().await.unwrap(),
        [retired("k-1", NOW, NOW + 10), retired("k-2", NOW + 10, NOW + 20), key("k-3", NOW + 20)]
    );
}

pub async fn racing_rotations_leave_one_active_key(store: &Arc<dyn Store>) {
    store.rotate_in(&key("k-0", NOW), NOW).await.unwrap();
    for round in 0..ROUNDS {
        race(store, 6, |s, n| {
            let k = key(&format!("k-{round}-{n}"), NOW + 1);
            async move { s.rotate_in(&k, NOW + 1).await.unwrap() }
        })
        .await;
        let stored = store.signing_keys().await.unwrap();
        assert_eq!(stored.len(), 1 + 6 * (round + 1));
        assert_eq!(stored.iter().filter(|k| k.active).count(), 1, "round {round}: exactly one active");
        assert!(stored.iter().filter(|k| !k.active).all(|k| k.retired_at.is_some()));
    }
}

pub async fn each_algorithm_has_its_own_active_key(store: &dyn Store) {
    for (n, alg) in Alg::ALL.into_iter().enumerate() {
        store.rotate_in(&key_of(alg, &format!("first-{n}"), NOW), NOW).await.unwrap();
    }
    store.rotate_in(&key_of(Alg::Ps256, "second-ps", NOW + 5), NOW + 5).await.unwrap();
    let stored = store.signing_keys().await.unwrap();
    let active: Vec<(&str, Alg)> = stored.iter().filter(|k| k.active).map(|k| (k.kid.as_str(), k.alg)).collect();
    assert_eq!(active, [("first-0", Alg::Rs256), ("first-2", Alg::Es256), ("second-ps", Alg::Ps256)]);
    let old = stored.iter().find(|k| k.kid == "first-1").unwrap();
    assert_eq!((old.active, old.retired_at), (false, Some(NOW + 5)));
}
