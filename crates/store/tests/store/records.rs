//! Clients and users: upserts, reads and lists.
use phonelogin_core::delegated::{ConsentItem, DelegatedConsentForm};
use phonelogin_core::model::AuthMethod;
use phonelogin_core::msisdn::Msisdn;
use phonelogin_core::store::Store;

use crate::helpers::{client, user};

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
