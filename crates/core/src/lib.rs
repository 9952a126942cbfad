//! phonelogin's protocol and domain: parsed wire types, the login-request state machine, the
//! grants, consent rules and the store traits. No HTTP and no SQL live here.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod admin;
pub mod app;
pub mod backchannel;
pub mod client_auth;
pub mod client_jwt;
pub mod clock;
pub mod consent;
pub mod crypto;
pub mod delegated;
pub mod device_key;
pub mod error;
pub mod fixtures;
pub mod grant;
pub mod id_token_hint;
pub mod jose;
pub mod keys;
pub mod login_request;
pub mod model;
pub mod msisdn;
pub mod notify;
pub mod outbox;
pub mod request_object;
pub mod revocation;
pub mod scim;
pub mod scope;
pub mod store;
pub mod user_code;
pub mod userinfo;
pub mod version;

pub use error::OAuthError;
