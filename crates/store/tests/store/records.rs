//! Clients and users: upserts, reads and lists; what deactivating a user ends; retention.
use phonelogin_core::delegated::{ConsentItem, DelegatedConsentForm};
use phonelogin_core::login_request::Status;
use phonelogin_core::model::AuthMethod;
use phonelogin_core::msisdn::Msisdn;
use phonelogin_core::store::{Enrollment, Store};

use crate::helpers::{NOW, USER, approval, client, device, insert, login, redeemed, user, with_user};

pub async fn client_upsert_replaces_by_client_id(store: &dyn Store) {
    let first = client("shop", "shop");
    store.upsert_client(&first).await.unwrap();
    assert_eq!(store.client("shop").await.unwrap(), Some(first.clone()));

    let form = DelegatedConsentForm {
        heading: Default::default(),
        text: Default::default(),
        terms_url: "https://shop.example/terms".into(),
        privacy_url: "https://shop.example/privacy".into(),
        consents: vec![ConsentItem { id: "email".into(), required: true, text: None }],
    };
    let second = phonelogin_core::model::Client {
        name: "Shop, renamed".into(),
        logo_url: Some("https://shop.example/logo.png".into()),
        auth_method: AuthMethod::ClientSecretPost,
        redirect_uris: vec!["https://a.example/cb".into(), "https://b.example/cb".into()],
        grant_types: vec!["g1".into(), "g2".into()],
        sector: "shops".into(),
        delegated_consents: Some(form),
        ..first
    };
    store.upsert_client(&second).await.unwrap();
    store.upsert_client(&client("bakery", "bakery")).await.unwrap();

    assert_eq!(store.client("shop").await.unwrap(), Some(second));
    let ids: Vec<String> = store.clients().await.unwrap().into_iter().map(|c| c.client_id).collect();
    assert_eq!(ids, ["bakery", "shop"]);
    assert_eq!(store.client("unknown").await.unwrap(), None);
}

pub async fn client_delete_reports_whether_it_existed(store: &dyn Store) {
    store.upsert_client(&client("shop", "shop")).await.unwrap();
    assert!(store.delete_client("shop").await.unwrap());
    assert!(!store.delete_client("shop").await.unwrap());
    assert_eq!(store.client("shop").await.unwrap(), None);
}

pub async fn user_upsert_by_phone_keeps_the_first_user_id(store: &dyn Store) {
    let ada = user("u-1", "4712345678");
    assert_eq!(store.upsert_user(&ada).await.unwrap(), "u-1");
    let again = phonelogin_core::model::User { user_id: "u-2".into(), given_name: "Augusta".into(), ..ada.clone() };
    assert_eq!(store.upsert_user(&again).await.unwrap(), "u-1", "the stored id wins");

    let stored = store.user("u-1").await.unwrap().unwrap();
    assert_eq!(stored, phonelogin_core::model::User { user_id: "u-1".into(), ..again });
    assert_eq!(store.user("u-2").await.unwrap(), None);
    assert_eq!(store.user_by_phone(&ada.phone_number).await.unwrap(), Some(stored));

    store.upsert_user(&user("u-0", "4511223344")).await.unwrap();
    let phones: Vec<String> = store.users().await.unwrap().iter().map(|u| u.phone_number.to_string()).collect();
    assert_eq!(phones, ["4511223344", "4712345678"], "ordered by phone number");
}

pub async fn user_active_flag_is_set_by_phone(store: &dyn Store) {
    let ada = user("u-1", "4712345678");
    store.upsert_user(&ada).await.unwrap();
    assert!(store.set_user_active(&ada.phone_number, false).await.unwrap());
    assert!(!store.user("u-1").await.unwrap().unwrap().active);
    let nobody = Msisdn::parse("4799999999").unwrap();
    assert!(!store.set_user_active(&nobody, false).await.unwrap());
}

pub async fn deactivation_ends_pending_requests_revokes_tokens_and_removes_devices(store: &dyn Store) {
    with_user(store).await;
    store.upsert_device(&device("d-1", USER, "phone", "token-1")).await.unwrap();
    insert(store, login("pending")).await;
    insert(store, login("approved")).await;
    assert!(store.approve_login_request("approved", &approval(), NOW).await.unwrap());
    redeemed(store, "redeemed", "at-1").await;

    let phone = Msisdn::parse("4712345678").unwrap();
    assert!(store.set_user_active(&phone, false).await.unwrap());
    assert_eq!(store.login_request("pending").await.unwrap().unwrap().status, Status::Rejected);
    assert_eq!(store.login_request("approved").await.unwrap().unwrap().status, Status::Approved);
    assert_eq!(store.login_request("redeemed").await.unwrap().unwrap().status, Status::Redeemed);
    assert_eq!(store.access_token("at-1").await.unwrap(), None, "revoked");
    assert!(store.devices(USER).await.unwrap().is_empty());
    assert!(store.set_user_active(&phone, true).await.unwrap());
    assert!(store.user(USER).await.unwrap().unwrap().active);
}

pub async fn retention_purges_what_ended_before_the_cut_off_in_batches(store: &dyn Store) {
    for n in 0..5 {
        let mut old = login(&format!("old-{n}"));
        old.request.expires_at = NOW - 100;
        old.request.created_at = NOW - 700;
        insert(store, old).await;
    }
    insert(store, login("live")).await;
    store
        .start_enrollment(
            &Enrollment {
                enrollment_id: "e-old".into(),
                phone_number: "4712345678".into(),
                user_id: None,
                code_hash: "h".into(),
                client_addr: "a".into(),
                created_at: NOW - 1000,
                expires_at: NOW - 400,
                attempts: 0,
                used: false,
                voided: false,
            },
            &[],
            NOW - 1000,
        )
        .await
        .unwrap();
    assert_eq!(store.purge(NOW, 2).await.unwrap(), 3, "two requests and the enrollment in the first batch");
    assert_eq!(store.purge(NOW, 2).await.unwrap(), 2);
    assert_eq!(store.purge(NOW, 2).await.unwrap(), 1);
    assert_eq!(store.purge(NOW, 2).await.unwrap(), 0);
    assert!(store.login_request("live").await.unwrap().is_some(), "nothing that is still live goes");
    assert!(store.login_request("old-0").await.unwrap().is_none());
}

pub async fn change_phone_number_keeps_the_user_id(store: &dyn Store) {
    let ada = user("u-1", "4712345678");
    let bob = user("u-2", "4787654321");
    store.upsert_user(&ada).await.unwrap();
    store.upsert_user(&bob).await.unwrap();
    let new = Msisdn::parse("4711112222").unwrap();

    assert!(store.change_phone_number(&ada.phone_number, &new).await.unwrap());
    assert_eq!(store.user_by_phone(&new).await.unwrap().unwrap().user_id, "u-1");
    assert_eq!(store.user_by_phone(&ada.phone_number).await.unwrap(), None);
    assert!(!store.change_phone_number(&ada.phone_number, &new).await.unwrap(), "no user has the old number");
    assert!(store.change_phone_number(&new, &bob.phone_number).await.is_err(), "another user's number");
}
