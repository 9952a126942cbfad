//! Consents: granted with an approval and audited in the same transaction, revoked by the
//! granting client or any client of its sector; delegated-consent answers.
use phonelogin_core::delegated::{DelegatedAnswers, Language};
use phonelogin_core::scope::ScopeSet;
use phonelogin_core::store::{Approval, Consent, ConsentGrant, Store};

use crate::helpers::{CLIENT, NOW, USER, approval, client, insert, login};

fn consent_of(client_id: &str, sector: &str) -> Approval {
    let grant = ConsentGrant {
        sector: sector.into(),
        client_id: client_id.into(),
        scopes: ScopeSet::parse_lenient("name email"),
    };
    Approval { consent: Some(grant), ..approval() }
}

/// Approves a new request of `client_id` with a consent for `sector`.
async fn grant(store: &dyn Store, request_id: &str, client_id: &str, sector: &str, at: i64) {
    let mut new = login(request_id);
    new.request.client_id = client_id.into();
    insert(store, new).await;
    assert!(store.approve_login_request(request_id, &consent_of(client_id, sector), at).await.unwrap());
}

fn audit_line(at: i64, action: &str, sector: &str) -> (i64, String, String, String) {
    (at, action.into(), sector.into(), ScopeSet::parse_lenient("name email").to_string())
}

pub async fn approval_grants_consent_and_audits_it(store: &dyn Store) {
    grant(store, "r-1", CLIENT, "shops", NOW + 1).await;
    let expected = Consent {
        user_id: USER.into(),
        sector: "shops".into(),
        client_id: CLIENT.into(),
        scopes: ScopeSet::parse_lenient("name email"),
        granted_at: NOW + 1,
    };
    assert_eq!(store.consent(USER, "shops").await.unwrap(), Some(expected.clone()));
    assert_eq!(store.consents(USER).await.unwrap(), [expected]);
    assert_eq!(store.consent_audit(USER).await.unwrap(), [audit_line(NOW + 1, "grant", "shops")]);
    assert_eq!(store.consent(USER, "other").await.unwrap(), None);
}

pub async fn lost_approval_records_no_consent(store: &dyn Store) {
    insert(store, login("r-1")).await;
    assert!(store.reject_login_request("r-1", NOW).await.unwrap());
    assert!(!store.approve_login_request("r-1", &consent_of(CLIENT, "shops"), NOW).await.unwrap());
    assert!(store.consents(USER).await.unwrap().is_empty());
    assert!(store.consent_audit(USER).await.unwrap().is_empty());
}

pub async fn revoke_by_the_granting_client(store: &dyn Store) {
    store.upsert_client(&client(CLIENT, "shops")).await.unwrap();
    grant(store, "r-1", CLIENT, "shops", NOW).await;
    assert!(store.revoke_consent(USER, CLIENT, NOW + 5, &[]).await.unwrap());
    assert_eq!(store.consent(USER, "shops").await.unwrap(), None);
    assert!(!store.revoke_consent(USER, CLIENT, NOW + 6, &[]).await.unwrap(), "nothing left to revoke");
    let audit = store.consent_audit(USER).await.unwrap();
    assert_eq!(audit, [audit_line(NOW, "grant", "shops"), audit_line(NOW + 5, "revoke", "shops")]);
}

pub async fn revoke_by_another_client_of_the_same_sector(store: &dyn Store) {
    store.upsert_client(&client("shop-a", "shops")).await.unwrap();
    store.upsert_client(&client("shop-b", "shops")).await.unwrap();
    store.upsert_client(&client("bakery", "bakery")).await.unwrap();
    grant(store, "r-1", "shop-a", "shops", NOW).await;
    assert!(!store.revoke_consent(USER, "bakery", NOW, &[]).await.unwrap(), "another sector");
    assert!(!store.revoke_consent("u-other", "shop-b", NOW, &[]).await.unwrap(), "another user");
    assert!(store.revoke_consent(USER, "shop-b", NOW + 1, &[]).await.unwrap());
    assert!(store.consents(USER).await.unwrap().is_empty());
}

/// A client that moved sector after its grant: revoking by it removes both the consent it
/// granted and the one of its new sector, and audits each.
pub async fn revoke_covers_a_client_that_moved_sector(store: &dyn Store) {
    grant(store, "r-1", "shop-a", "old-sector", NOW).await;
    store.upsert_client(&client("shop-a", "new-sector")).await.unwrap();
    grant(store, "r-2", "shop-b", "new-sector", NOW + 1).await;
    assert!(store.revoke_consent(USER, "shop-a", NOW + 2, &[]).await.unwrap());
    assert!(store.consents(USER).await.unwrap().is_empty());
    let mut revoked: Vec<String> = store
        .consent_audit(USER)
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, action, _, _)| action == "revoke")
        .map(|(_, _, sector, _)| sector)
        .collect();
    revoked.sort();
    assert_eq!(revoked, ["new-sector", "old-sector"]);
}

pub async fn delegated_answers_are_stored_with_the_approval(store: &dyn Store) {
    assert_eq!(store.delegated_answers(USER, CLIENT).await.unwrap(), None);
    let first = DelegatedAnswers {
        language: Language::En,
        answers: [("email".to_string(), true), ("sms".to_string(), false)].into(),
        answered_at: NOW,
    };
    insert(store, login("r-1")).await;
    let with_answers = Approval { delegated: Some(first.clone()), ..approval() };
    assert!(store.approve_login_request("r-1", &with_answers, NOW).await.unwrap());
    assert_eq!(store.delegated_answers(USER, CLIENT).await.unwrap(), Some(first));

    let second = DelegatedAnswers {
        language: Language::No,
        answers: [("email".to_string(), false)].into(),
        answered_at: NOW + 9,
    };
    insert(store, login("r-2")).await;
    let with_answers = Approval { delegated: Some(second.clone()), ..approval() };
    assert!(store.approve_login_request("r-2", &with_answers, NOW + 9).await.unwrap());
    assert_eq!(store.delegated_answers(USER, CLIENT).await.unwrap(), Some(second), "the last answers");
    assert_eq!(store.delegated_answers(USER, "other").await.unwrap(), None);
}
