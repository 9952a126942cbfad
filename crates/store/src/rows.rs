//! Rows to domain records, shared by both backends: the tables have the same columns, so only
//! the SQL differs per backend; how a column becomes a field is written once here.
use phonelogin_core::clock::UnixTime;
use phonelogin_core::keys::{Alg, StoredKey};
use phonelogin_core::login_request::{Flow, LoginRequest, Status};
use phonelogin_core::model::{AuthMethod, Client, ClientDelivery, DeliveryMode, Device, User};
use phonelogin_core::msisdn::Msisdn;
use phonelogin_core::outbox::vapid::StoredVapidKey;
use phonelogin_core::outbox::{Kind, Message};
use phonelogin_core::scope::ScopeSet;
use phonelogin_core::store::{
    AccessToken, AdminToken, AuditEntry, Consent, Enrollment, OutboxMessage, PushSubscription, ScimMeta, StoreError,
    StoreResult, UserCodeAttempt,
};
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::err;

/// Typed column access, the same on a SQLite (rusqlite) and a PostgreSQL (sqlx) row: SQLite's
/// 0/1 integers decode as `bool`, PostgreSQL's BOOLEAN does natively.
pub(crate) trait Fields {
    fn text(&self, col: &str) -> StoreResult<String>;
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>>;
    fn int(&self, col: &str) -> StoreResult<i64>;
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>>;
    fn flag(&self, col: &str) -> StoreResult<bool>;
    fn bytes(&self, col: &str) -> StoreResult<Vec<u8>>;
    fn opt_bytes(&self, col: &str) -> StoreResult<Option<Vec<u8>>>;
}

/// Implements [`Fields`] through the row type's own typed getter.
macro_rules! fields {
    ($row:ty, $get:ident) => {
        impl Fields for $row {
            fn text(&self, col: &str) -> StoreResult<String> {
                self.$get(col).map_err(err)
            }
            fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
                self.$get(col).map_err(err)
            }
            fn int(&self, col: &str) -> StoreResult<i64> {
                self.$get(col).map_err(err)
            }
            fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
                self.$get(col).map_err(err)
            }
            fn flag(&self, col: &str) -> StoreResult<bool> {
                self.$get(col).map_err(err)
            }
            fn bytes(&self, col: &str) -> StoreResult<Vec<u8>> {
                self.$get(col).map_err(err)
            }
            fn opt_bytes(&self, col: &str) -> StoreResult<Option<Vec<u8>>> {
                self.$get(col).map_err(err)
            }
        }
    };
}
fields!(rusqlite::Row<'_>, get);
fields!(PgRow, try_get);

pub(crate) const CLIENT_COLS: &str = "client_id, secret_hash, name, logo_url, auth_method, scopes, redirect_uris, grant_types, sector, delegated_consents, security, created_at, webhook_url, webhook_secret, token_delivery_mode, notification_endpoint";

pub(crate) fn client(row: &impl Fields) -> StoreResult<Client> {
    Ok(Client {
        client_id: row.text("client_id")?,
        secret_hash: row.text("secret_hash")?,
        name: row.text("name")?,
        logo_url: row.opt_text("logo_url")?,
        auth_method: AuthMethod::parse(&row.text("auth_method")?).unwrap_or_default(),
        scopes: ScopeSet::parse_lenient(&row.text("scopes")?),
        redirect_uris: serde_json::from_str(&row.text("redirect_uris")?).map_err(err)?,
        grant_types: row.text("grant_types")?.split(' ').filter(|g| !g.is_empty()).map(str::to_owned).collect(),
        sector: row.text("sector")?,
        delegated_consents: row
            .opt_text("delegated_consents")?
            .map(|f| serde_json::from_str(&f))
            .transpose()
            .map_err(err)?,
        security: serde_json::from_str(&row.text("security")?).map_err(err)?,
        created_at: row.int("created_at")?,
        delivery: ClientDelivery {
            webhook_url: row.opt_text("webhook_url")?,
            webhook_secret: row.opt_bytes("webhook_secret")?,
            mode: DeliveryMode::parse(&row.text("token_delivery_mode")?).unwrap_or_default(),
            notification_endpoint: row.opt_text("notification_endpoint")?,
        },
    })
}

pub(crate) const MESSAGE_COLS: &str = "id, kind, target, body, attempts, created_at, expires_at";

pub(crate) fn message(row: &impl Fields) -> StoreResult<Message> {
    let kind = row.text("kind")?;
    Ok(Message {
        id: row.text("id")?,
        kind: Kind::parse(&kind).ok_or_else(|| StoreError(format!("unknown message kind {kind}")))?,
        target: row.text("target")?,
        body: row.bytes("body")?,
        attempts: row.int("attempts")?,
        created_at: row.int("created_at")?,
        expires_at: row.int("expires_at")?,
    })
}

pub(crate) fn push_subscription(row: &impl Fields) -> StoreResult<PushSubscription> {
    Ok(PushSubscription {
        device_id: row.text("device_id")?,
        user_id: row.text("user_id")?,
        endpoint: row.text("endpoint")?,
        p256dh: row.text("p256dh")?,
        auth: row.text("auth")?,
        created_at: row.int("created_at")?,
    })
}

pub(crate) fn vapid_key(row: &impl Fields) -> StoreResult<StoredVapidKey> {
    Ok(StoredVapidKey { private_sealed: row.bytes("private_sealed")?, public_key: row.text("public_key")? })
}

macro_rules! user_cols {
    () => {
        "user_id, phone_number, given_name, family_name, email, email_verified, birthdate, nin, active, addresses, created_at"
    };
}
pub(crate) use user_cols;
pub(crate) const USER_COLS: &str = user_cols!();

pub(crate) fn user(row: &impl Fields) -> StoreResult<User> {
    let phone = row.text("phone_number")?;
    Ok(User {
        user_id: row.text("user_id")?,
        phone_number: Msisdn::parse(&phone)
            .ok_or_else(|| StoreError(format!("stored phone number {phone} is invalid")))?,
        given_name: row.text("given_name")?,
        family_name: row.text("family_name")?,
        email: row.opt_text("email")?,
        email_verified: row.flag("email_verified")?,
        birthdate: row.opt_text("birthdate")?,
        nin: row.opt_text("nin")?,
        active: row.flag("active")?,
        addresses: serde_json::from_str(&row.text("addresses")?).map_err(err)?,
        created_at: row.int("created_at")?,
    })
}

pub(crate) const DEVICE_COLS: &str = "device_id, user_id, name, token_hash, pin_hash, app_version, failed_pins, locked, created_at, public_key, last_used_at";

pub(crate) fn device(row: &impl Fields) -> StoreResult<Device> {
    Ok(Device {
        device_id: row.text("device_id")?,
        user_id: row.text("user_id")?,
        name: row.text("name")?,
        token_hash: row.text("token_hash")?,
        pin_hash: row.text("pin_hash")?,
        app_version: row.text("app_version")?,
        failed_pins: row.int("failed_pins")?,
        locked: row.flag("locked")?,
        created_at: row.int("created_at")?,
        public_key: row.opt_text("public_key")?,
        last_used_at: row.opt_int("last_used_at")?,
    })
}

pub(crate) const ENROLLMENT_COLS: &str =
    "enrollment_id, phone_number, user_id, code_hash, client_addr, created_at, expires_at, attempts, used, voided";

pub(crate) fn enrollment(row: &impl Fields) -> StoreResult<Enrollment> {
    Ok(Enrollment {
        enrollment_id: row.text("enrollment_id")?,
        phone_number: row.text("phone_number")?,
        user_id: row.opt_text("user_id")?,
        code_hash: row.text("code_hash")?,
        client_addr: row.text("client_addr")?,
        created_at: row.int("created_at")?,
        expires_at: row.int("expires_at")?,
        attempts: row.int("attempts")?,
        used: row.flag("used")?,
        voided: row.flag("voided")?,
    })
}

pub(crate) fn outbox_message(row: &impl Fields) -> StoreResult<OutboxMessage> {
    Ok(OutboxMessage {
        phone_number: row.text("phone_number")?,
        message: row.text("message")?,
        code: row.text("code")?,
        sent_at: row.int("sent_at")?,
    })
}

/// The columns of a login request, as a literal so that queries can `concat!` it.
macro_rules! login_request_cols {
    () => {
        "id, client_id, user_id, scopes, binding_message, nonce, client_state, redirect_uri, status, created_at, expires_at, poll_interval, decided_at, delegated_answers"
    };
}
pub(crate) use login_request_cols;

pub(crate) fn login_request(row: &impl Fields) -> StoreResult<LoginRequest> {
    let status = row.text("status")?;
    Ok(LoginRequest {
        id: row.text("id")?,
        client_id: row.text("client_id")?,
        user_id: row.text("user_id")?,
        scopes: ScopeSet::parse_lenient(&row.text("scopes")?),
        binding_message: row.opt_text("binding_message")?,
        nonce: row.opt_text("nonce")?,
        client_state: row.opt_text("client_state")?,
        flow: row.opt_text("redirect_uri")?.map_or(Flow::InApp, |redirect_uri| Flow::LoginToWebpage { redirect_uri }),
        status: Status::parse(&status).ok_or_else(|| StoreError(format!("unknown status {status}")))?,
        created_at: row.int("created_at")?,
        expires_at: row.int("expires_at")?,
        interval: row.int("poll_interval")?,
        decided_at: row.opt_int("decided_at")?,
        delegated: row.opt_text("delegated_answers")?.map(|d| serde_json::from_str(&d)).transpose().map_err(err)?,
    })
}

pub(crate) fn access_token(row: &impl Fields) -> StoreResult<AccessToken> {
    Ok(AccessToken {
        token_hash: row.text("token_hash")?,
        login_request_id: row.text("login_request_id")?,
        client_id: row.text("client_id")?,
        user_id: row.text("user_id")?,
        scopes: ScopeSet::parse_lenient(&row.text("scopes")?),
        expires_at: row.int("expires_at")?,
    })
}

pub(crate) const CONSENT_COLS: &str = "user_id, sector, client_id, scopes, granted_at";

pub(crate) fn consent(row: &impl Fields) -> StoreResult<Consent> {
    Ok(Consent {
        user_id: row.text("user_id")?,
        sector: row.text("sector")?,
        client_id: row.text("client_id")?,
        scopes: ScopeSet::parse_lenient(&row.text("scopes")?),
        granted_at: row.int("granted_at")?,
    })
}

/// One consent audit entry: (time, action, sector, scopes).
pub(crate) fn audit_entry(row: &impl Fields) -> StoreResult<(UnixTime, String, String, String)> {
    Ok((row.int("at")?, row.text("action")?, row.text("sector")?, row.text("scopes")?))
}

pub(crate) fn stored_key(row: &impl Fields) -> StoreResult<StoredKey> {
    let alg = row.text("alg")?;
    Ok(StoredKey {
        kid: row.text("kid")?,
        alg: Alg::parse(&alg).ok_or_else(|| StoreError(format!("unknown key algorithm {alg}")))?,
        private_sealed: row.bytes("private_sealed")?,
        public_jwk: row.text("public_jwk")?,
        created_at: row.int("created_at")?,
        active: row.flag("active")?,
        retired_at: row.opt_int("retired_at")?,
    })
}

pub(crate) const ADMIN_TOKEN_COLS: &str = "name, token_hash, created_at, revoked_at";

pub(crate) fn admin_token(row: &impl Fields) -> StoreResult<AdminToken> {
    Ok(AdminToken {
        name: row.text("name")?,
        token_hash: row.text("token_hash")?,
        created_at: row.int("created_at")?,
        revoked_at: row.opt_int("revoked_at")?,
    })
}

pub(crate) fn admin_audit(row: &impl Fields) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        id: row.int("id")?,
        at: row.int("at")?,
        actor: row.text("actor")?,
        action: row.text("action")?,
        status: row.int("status")?,
    })
}

pub(crate) fn scim_meta(row: &impl Fields) -> StoreResult<ScimMeta> {
    Ok(ScimMeta {
        external_id: row.opt_text("external_id")?,
        kept: row.opt_text("kept")?.map(|k| serde_json::from_str(&k)).transpose().map_err(err)?,
        deleted_at: row.opt_int("deleted_at")?,
    })
}

/// A user-code attempt from the claiming update's row (`code_hash`, `failures`) or, when it
/// claimed nothing, from the user's `locked_until` row (none: the user has no code).
pub(crate) fn user_code_attempt<R: Fields>(
    claimed: Option<&R>,
    state: Option<&R>,
    now: UnixTime,
) -> StoreResult<UserCodeAttempt> {
    if let Some(row) = claimed {
        return Ok(UserCodeAttempt::Check { hash: row.text("code_hash")?, attempt: row.int("failures")? });
    }
    Ok(match state {
        None => UserCodeAttempt::NoCode,
        // Locked, or the last allowed attempts are still being checked.
        Some(row) => UserCodeAttempt::Locked { until: row.opt_int("locked_until")?.unwrap_or(now).max(now) },
    })
}
