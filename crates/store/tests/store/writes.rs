//! Concurrent writes: each is durable and visible once its call returns, and one that fails
//! takes none of the others with it (on SQLite they share a group commit).
use futures::future::join_all;
use phonelogin_core::store::Store;

use crate::helpers::user;

fn phone(n: usize) -> String {
    format!("47{:08}", 10_000_000 + n)
}

pub async fn parallel_writes_are_each_visible_once_answered(store: &dyn Store) {
    let writes = (0..64).map(|n| async move {
        let id = format!("u-{n}");
        store.upsert_user(&user(&id, &phone(n))).await.unwrap();
        // Read right after the answer: the write is there for everyone.
        store.user(&id).await.unwrap().is_some()
    });
    assert!(join_all(writes).await.into_iter().all(|seen| seen), "every write visible once answered");
}

pub async fn a_failing_write_leaves_its_neighbours_written(store: &dyn Store) {
    store.upsert_user(&user("taken", &phone(0))).await.unwrap();
    // Every other write reuses the taken user id with a new number and fails; the others stay.
    let writes = (1..=32).map(|n| async move {
        let id = if n % 2 == 0 { "taken".to_owned() } else { format!("u-{n}") };
        store.upsert_user(&user(&id, &phone(n))).await.is_ok()
    });
    for (n, ok) in (1..).zip(join_all(writes).await) {
        assert_eq!(ok, n % 2 == 1, "write {n}");
        if ok {
            assert!(store.user(&format!("u-{n}")).await.unwrap().is_some(), "write {n} kept");
        }
    }
    let taken = store.user("taken").await.unwrap().expect("the first write stays");
    assert_eq!(taken.phone_number.as_str(), phone(0));
}
