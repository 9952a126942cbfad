//! Devices: lookup by token hash, upsert by (user, name), and the wrong-PIN count.
use futures::future::join_all;
use phonelogin_core::model::Device;
use phonelogin_core::store::Store;

use crate::helpers::{NOW, ROUNDS, USER, device, with_user};

pub async fn device_is_found_by_token_hash(store: &dyn Store) {
    with_user(store).await;
    let phone = device("d-1", USER, "phone", "token-1");
    let tablet =
        Device { app_version: "1.2.0".into(), created_at: NOW + 1, ..device("d-2", USER, "tablet", "token-2") };
    store.upsert_device(&tablet).await.unwrap();
    store.upsert_device(&phone).await.unwrap();

    assert_eq!(store.device_by_token("token-1").await.unwrap(), Some(phone.clone()));
    assert_eq!(store.device_by_token("unknown").await.unwrap(), None);
    assert_eq!(store.devices(USER).await.unwrap(), [phone, tablet], "oldest first");
    let mut versions = store.app_versions(USER).await.unwrap();
    versions.sort();
    assert_eq!(versions, ["1.0.0", "1.2.0"]);
    assert!(store.devices("nobody").await.unwrap().is_empty());
}

pub async fn device_upsert_replaces_same_name_and_clears_the_lock(store: &dyn Store) {
    with_user(store).await;
    store.upsert_device(&device("d-1", USER, "phone", "token-1")).await.unwrap();
    for _ in 0..5 {
        store.record_wrong_pin("d-1", 5).await.unwrap();
    }
    let enrolled_again = Device { app_version: "2.0.0".into(), ..device("d-9", USER, "phone", "token-2") };
    store.upsert_device(&enrolled_again).await.unwrap();

    assert_eq!(store.device_by_token("token-1").await.unwrap(), None, "the old token is gone");
    let stored = store.device_by_token("token-2").await.unwrap().unwrap();
    assert_eq!((stored.device_id.as_str(), stored.app_version.as_str()), ("d-1", "2.0.0"), "same device, new token");
    assert_eq!((stored.failed_pins, stored.locked), (0, false));
    assert_eq!(store.devices(USER).await.unwrap().len(), 1);
}

pub async fn wrong_pins_are_counted_and_lock_at_the_limit(store: &dyn Store) {
    with_user(store).await;
    store.upsert_device(&device("d-1", USER, "phone", "token-1")).await.unwrap();
    for n in 1..5 {
        assert_eq!(store.record_wrong_pin("d-1", 5).await.unwrap(), (n, false));
    }
    assert_eq!(store.record_wrong_pin("d-1", 5).await.unwrap(), (5, true), "the fifth locks");
    assert_eq!(store.record_wrong_pin("d-1", 5).await.unwrap(), (6, true), "and it stays locked");
    assert!(store.device_by_token("token-1").await.unwrap().unwrap().locked);
}

pub async fn right_pin_resets_the_count(store: &dyn Store) {
    with_user(store).await;
    store.upsert_device(&device("d-1", USER, "phone", "token-1")).await.unwrap();
    store.record_wrong_pin("d-1", 5).await.unwrap();
    store.record_wrong_pin("d-1", 5).await.unwrap();
    store.reset_wrong_pins("d-1").await.unwrap();
    assert_eq!(store.device_by_token("token-1").await.unwrap().unwrap().failed_pins, 0);
    store.reset_wrong_pins("d-1").await.unwrap();
    assert_eq!(store.record_wrong_pin("d-1", 5).await.unwrap(), (1, false), "counting starts again");
}

pub async fn racing_wrong_pins_are_all_counted(store: &dyn Store) {
    with_user(store).await;
    store.upsert_device(&device("d-1", USER, "phone", "token-1")).await.unwrap();
    for round in 0..ROUNDS as i64 {
        let outcomes = join_all((0..10).map(|_| store.record_wrong_pin("d-1", 5))).await;
        let mut counts: Vec<i64> = outcomes.into_iter().map(|o| o.unwrap().0).collect();
        counts.sort();
        let expected: Vec<i64> = (1..=10).map(|n| round * 10 + n).collect();
        assert_eq!(counts, expected, "round {round}: each wrong PIN saw its own count");
    }
    assert!(store.device_by_token("token-1").await.unwrap().unwrap().locked);
}
