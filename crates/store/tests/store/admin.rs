//! Admin tokens, the audit log and SCIM provisioning records (PRODUCT §13).
use std::sync::Arc;

use phonelogin_core::store::{AdminToken, AuditEntry, ScimMeta, Store};

use crate::helpers::{NOW, exactly_one, race, user};

fn token(name: &str, hash: &str) -> AdminToken {
    AdminToken { name: name.into(), token_hash: hash.into(), created_at: NOW, revoked_at: None }
}

pub async fn admin_token_names_are_unique_and_revocation_is_kept(store: &dyn Store) {
    assert!(store.insert_admin_token(&token("crm", "h1")).await.unwrap());
    assert!(!store.insert_admin_token(&token("crm", "h2")).await.unwrap(), "a name is taken once");
    assert!(store.insert_admin_token(&token("ops", "h3")).await.unwrap());
    assert_eq!(store.admin_token_by_hash("h1").await.unwrap(), Some(token("crm", "h1")));
    assert_eq!(store.admin_token_by_hash("h2").await.unwrap(), None);

    assert!(store.revoke_admin_token("crm", NOW + 5).await.unwrap());
    assert!(!store.revoke_admin_token("crm", NOW + 6).await.unwrap(), "already revoked");
    assert!(!store.revoke_admin_token("nobody", NOW).await.unwrap());
    let revoked = AdminToken { revoked_at: Some(NOW + 5), ..token("crm", "h1") };
    assert_eq!(store.admin_token_by_hash("h1").await.unwrap(), Some(revoked.clone()));
    assert_eq!(store.admin_tokens().await.unwrap(), [revoked, token("ops", "h3")]);
}

pub async fn audit_log_pages_by_increasing_id(store: &dyn Store) {
    for n in 0..5 {
        let e = AuditEntry { id: 0, at: NOW + n, actor: "crm".into(), action: format!("GET /x/{n}"), status: 200 };
        store.append_audit(&e).await.unwrap();
    }
    let first = store.audit_log(0, 2).await.unwrap();
    assert_eq!(first.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["GET /x/0", "GET /x/1"]);
    let rest = store.audit_log(first[1].id, 10).await.unwrap();
    assert_eq!(rest.iter().map(|e| e.at).collect::<Vec<_>>(), [NOW + 2, NOW + 3, NOW + 4]);
    assert!(rest.windows(2).all(|w| w[0].id < w[1].id));
    assert!(store.audit_log(rest[2].id, 10).await.unwrap().is_empty());
}

pub async fn racing_user_inserts_of_one_number_make_one_user(store: &Arc<dyn Store>) {
    let wins =
        race(store, 6, |s, n| async move { s.insert_user(&user(&format!("u-{n}"), "4799999999")).await.unwrap() })
            .await;
    assert!(exactly_one(&wins), "{wins:?}");
    assert_eq!(store.users().await.unwrap().len(), 1);
}

pub async fn scim_meta_is_set_and_replaced(store: &dyn Store) {
    let u = user("u-1", "4711111111");
    assert!(store.insert_user(&u).await.unwrap());
    assert_eq!(store.scim_meta("u-1").await.unwrap(), ScimMeta::default());
    let first = ScimMeta { external_id: Some("crm-1".into()), kept: None, deleted_at: None };
    store.set_scim_meta("u-1", &first).await.unwrap();
    let kept = Some(serde_json::json!({"emails": [{"value": "a@b.c", "type": "work"}]}));
    let second = ScimMeta { external_id: None, kept, deleted_at: Some(NOW) };
    store.set_scim_meta("u-1", &second).await.unwrap();
    assert_eq!(store.scim_meta("u-1").await.unwrap(), second);
    assert_eq!(store.scim_metas().await.unwrap(), [("u-1".to_owned(), second)]);
}
