//! Devices: lookup by token hash, upsert by (user, name), the limited insert of an enrolled
//! device, the PIN attempt count that is checked before a PIN is compared, removal, unlock.
use std::sync::Arc;

use phonelogin_core::model::Device;
use phonelogin_core::msisdn::Msisdn;
use phonelogin_core::store::Store;

use crate::helpers::{NOW, ROUNDS, USER, device, race, user as user_with, with_user};

const OTHER: &str = "u-other";

pub async fn device_is_found_by_token_hash(store: &dyn Store) {
    with_user(store).await;
    let phone = Device { public_key: Some("{\"kty\":\"EC\"}".into()), ..device("d-1", USER, "phone", "token-1") };
    let tablet =
        Device { app_version: "1.2.0".into(), created_at: NOW + 1, ..device("d-2", USER, "tablet", "token-2") };
    store.upsert_device(&tablet).await.unwrap();
    store.upsert_device(&phone).await.unwrap();

    assert_eq!(store.device_by_token("token-1").await.unwrap(), Some(phone.clone()));
    assert_eq!(store.device("d-2").await.unwrap(), Some(tablet.clone()));
    assert_eq!(store.device_by_token("unknown").await.unwrap(), None);
    assert_eq!(store.devices(USER).await.unwrap(), [phone, tablet], "oldest first");
    let mut versions = store.app_versions(USER).await.unwrap();
    versions.sort();
    assert_eq!(versions, ["1.0.0", "1.2.0"]);
    assert!(store.devices("nobody").await.unwrap().is_empty());
}

pub async fn a_user_is_read_by_phone_with_the_app_versions_of_their_devices(store: &dyn Store) {
    with_user(store).await;
    let phone = Msisdn::parse("4712345678").unwrap();
    let (user, versions) = store.user_by_phone_with_app_versions(&phone).await.unwrap().unwrap();
    assert_eq!((user.user_id.as_str(), versions.len()), (USER, 0), "no device yet: no version");
    assert_eq!(Some(user), store.user_by_phone(&phone).await.unwrap(), "the same user as user_by_phone");

    store.upsert_device(&device("d-1", USER, "phone", "token-1")).await.unwrap();
    store
        .upsert_device(&Device { app_version: "2.10.1".into(), ..device("d-2", USER, "tablet", "token-2") })
        .await
        .unwrap();
    store.upsert_user(&user_with(OTHER, "4799887766")).await.unwrap();
    store
        .upsert_device(&Device { app_version: "9.9.9".into(), ..device("d-3", OTHER, "phone", "token-3") })
        .await
        .unwrap();
    let (_, mut versions) = store.user_by_phone_with_app_versions(&phone).await.unwrap().unwrap();
    versions.sort();
    assert_eq!(versions, ["1.0.0", "2.10.1"], "this user's devices only");
    let nobody = Msisdn::parse("4700000000").unwrap();
    assert!(store.user_by_phone_with_app_versions(&nobody).await.unwrap().is_none());
}

pub async fn device_upsert_replaces_same_name_and_clears_the_lock(store: &dyn Store) {
    with_user(store).await;
    store.upsert_device(&device("d-1", USER, "phone", "token-1")).await.unwrap();
    for _ in 0..5 {
        store.count_pin_try("d-1", 5).await.unwrap();
        store.settle_pin_try("d-1", false, 5, None).await.unwrap();
    }
    assert!(store.device("d-1").await.unwrap().unwrap().locked);
    let enrolled_again = Device { app_version: "2.0.0".into(), ..device("d-9", USER, "phone", "token-2") };
    store.upsert_device(&enrolled_again).await.unwrap();

    assert_eq!(store.device_by_token("token-1").await.unwrap(), None, "the old token is gone");
    let stored = store.device_by_token("token-2").await.unwrap().unwrap();
    assert_eq!((stored.device_id.as_str(), stored.app_version.as_str()), ("d-1", "2.0.0"), "same device, new token");
    assert_eq!((stored.failed_pins, stored.locked), (0, false));
    assert_eq!(store.devices(USER).await.unwrap().len(), 1);
}

pub async fn pin_tries_are_counted_before_comparing_and_the_fifth_wrong_locks(store: &dyn Store) {
    with_user(store).await;
    store.upsert_device(&device("d-1", USER, "phone", "token-1")).await.unwrap();
    for n in 1..5 {
        assert_eq!(store.count_pin_try("d-1", 5).await.unwrap(), Some(n));
        assert!(!store.settle_pin_try("d-1", false, 5, None).await.unwrap(), "{n} wrong do not lock");
    }
    assert_eq!(store.count_pin_try("d-1", 5).await.unwrap(), Some(5));
    assert!(store.settle_pin_try("d-1", false, 5, None).await.unwrap(), "the fifth wrong locks");
    assert_eq!(store.count_pin_try("d-1", 5).await.unwrap(), None, "a locked device gets no more tries");
    assert!(store.device_by_token("token-1").await.unwrap().unwrap().locked);
    assert!(store.unlock_device("d-1").await.unwrap());
    let unlocked = store.device("d-1").await.unwrap().unwrap();
    assert_eq!((unlocked.locked, unlocked.failed_pins), (false, 0));
    assert!(!store.unlock_device("nope").await.unwrap());
}

pub async fn right_pin_resets_the_count_and_stores_an_upgraded_verifier(store: &dyn Store) {
    with_user(store).await;
    store.upsert_device(&device("d-1", USER, "phone", "token-1")).await.unwrap();
    store.count_pin_try("d-1", 5).await.unwrap();
    store.settle_pin_try("d-1", false, 5, None).await.unwrap();
    store.count_pin_try("d-1", 5).await.unwrap();
    assert!(!store.settle_pin_try("d-1", true, 5, Some("hmac-sha256$new")).await.unwrap());
    let d = store.device("d-1").await.unwrap().unwrap();
    assert_eq!((d.failed_pins, d.pin_hash.as_str()), (0, "hmac-sha256$new"));
    store.count_pin_try("d-1", 5).await.unwrap();
    store.settle_pin_try("d-1", true, 5, None).await.unwrap();
    assert_eq!(store.device("d-1").await.unwrap().unwrap().pin_hash, "hmac-sha256$new", "kept without an upgrade");
    assert_eq!(store.count_pin_try("d-1", 5).await.unwrap(), Some(1), "counting starts again");
}

pub async fn a_pin_try_counts_and_settles_in_one_step(store: &Arc<dyn Store>) {
    with_user(store.as_ref()).await;
    store.upsert_device(&device("d-1", USER, "phone", "token-1")).await.unwrap();
    assert_eq!(store.pin_try("d-1", false, 5).await.unwrap(), Some((1, false)));
    assert_eq!(store.pin_try("d-1", true, 5).await.unwrap(), Some((2, false)), "counted, then reset");
    assert_eq!(store.device("d-1").await.unwrap().unwrap().failed_pins, 0);
    assert_eq!(store.pin_try("nope", true, 5).await.unwrap(), None, "no such device: nothing counted");

    // Twenty wrong tries at once: five are counted, the device ends locked (the fifth says so;
    // where counting and settling are two steps, earlier ones may see it locked too), and the
    // rest get nothing.
    for round in 0..ROUNDS {
        let id = format!("r-{round}");
        store.upsert_device(&device(&id, USER, &format!("phone {round}"), &format!("race-{round}"))).await.unwrap();
        let tries = race(store, 20, |s, _| {
            let id = id.clone();
            async move { s.pin_try(&id, false, 5).await }
        })
        .await;
        let mut counted: Vec<(i64, bool)> = tries.into_iter().filter_map(|t| t.unwrap()).collect();
        counted.sort();
        assert_eq!(counted.iter().map(|c| c.0).collect::<Vec<_>>(), [1, 2, 3, 4, 5], "round {round}");
        assert_eq!(counted.last(), Some(&(5, true)), "round {round}: the fifth wrong try locks");
        assert_eq!(store.pin_try(&id, true, 5).await.unwrap(), None, "round {round}: locked, even a right PIN");
    }
}

pub async fn racing_pin_tries_never_pass_the_limit(store: &Arc<dyn Store>) {
    with_user(store.as_ref()).await;
    for round in 0..ROUNDS {
        let id = format!("d-{round}");
        store.upsert_device(&device(&id, USER, &format!("phone {round}"), &format!("token-{round}"))).await.unwrap();
        let tries = race(store, 20, |s, _| {
            let id = id.clone();
            async move { s.count_pin_try(&id, 5).await }
        })
        .await;
        let mut counted: Vec<i64> = tries.into_iter().filter_map(|t| t.unwrap()).collect();
        counted.sort();
        assert_eq!(counted, [1, 2, 3, 4, 5], "round {round}: only five of twenty tries are compared");
    }
}

pub async fn enrolled_devices_are_limited_per_user_even_when_racing(store: &Arc<dyn Store>) {
    with_user(store.as_ref()).await;
    let inserts = race(store, 8, |s, n| {
        let d = device(&format!("d-{n}"), USER, &format!("phone {n}"), &format!("token-{n}"));
        async move { s.insert_device(&d, 5).await.unwrap() }
    })
    .await;
    assert_eq!(inserts.iter().filter(|i| **i).count(), 5, "{inserts:?}");
    assert_eq!(store.devices(USER).await.unwrap().len(), 5);
    // Which five won is up to the race: free a place, then reuse a winner's name.
    let won: Vec<usize> = (0..8).filter(|n| inserts[*n]).collect();
    store.delete_device(&format!("d-{}", won[0])).await.unwrap();
    let same_name = device("d-x", USER, &format!("phone {}", won[1]), "token-x");
    assert!(!store.insert_device(&same_name, 5).await.unwrap(), "a taken name is not inserted");
}

pub async fn removed_devices_are_gone_and_touch_records_last_use(store: &dyn Store) {
    with_user(store).await;
    store.upsert_device(&device("d-1", USER, "phone", "token-1")).await.unwrap();
    store.touch_device("d-1", NOW + 42).await.unwrap();
    assert_eq!(store.device("d-1").await.unwrap().unwrap().last_used_at, Some(NOW + 42));
    assert!(store.delete_device("d-1").await.unwrap());
    assert!(!store.delete_device("d-1").await.unwrap());
    assert_eq!(store.device_by_token("token-1").await.unwrap(), None);
}
