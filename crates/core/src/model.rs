//! The records the provider keeps: merchants' clients, users with their addresses, devices.
use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::delegated::DelegatedConsentForm;
use crate::msisdn::Msisdn;
use crate::scope::ScopeSet;

pub const GRANT_CIBA: &str = "urn:openid:params:grant-type:ciba";
pub const GRANT_CIBA_REDIRECT: &str = "urn:vipps:params:grant-type:ciba-redirect";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    #[default]
    ClientSecretBasic,
    ClientSecretPost,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::ClientSecretBasic, Self::ClientSecretPost].into_iter().find(|m| m.as_str() == s)
    }
}

/// A merchant's registered client.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    pub client_id: String,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
    pub name: String,
    pub logo_url: Option<String>,
    pub auth_method: AuthMethod,
    /// The scopes this client may request (`nin` only when approved for it).
    pub scopes: ScopeSet,
    pub redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    /// Clients of one sector get the same pairwise `sub` and share consents.
    pub sector: String,
    pub delegated_consents: Option<DelegatedConsentForm>,
    pub created_at: UnixTime,
}

impl Client {
    pub fn allows_grant(&self, grant: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressType {
    Home,
    Work,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub address_type: AddressType,
    #[serde(default)]
    pub street_address: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub default: bool,
}

/// A person who can log in.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Internal id; never leaves the server (merchants see the pairwise `sub`).
    pub user_id: String,
    pub phone_number: Msisdn,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub email_verified: bool,
    /// `YYYY-MM-DD`.
    pub birthdate: Option<String>,
    pub nin: Option<String>,
    pub active: bool,
    pub addresses: Vec<Address>,
    pub created_at: UnixTime,
}

/// An enrolled authenticator app.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub device_id: String,
    pub user_id: String,
    pub name: String,
    /// SHA-256 of the device token, hex.
    pub token_hash: String,
    /// The PIN verifier, keyed with the pepper (`crypto::PinHasher`).
    pub pin_hash: String,
    pub app_version: String,
    pub failed_pins: i64,
    pub locked: bool,
    pub created_at: UnixTime,
    /// The public half of the app's device key (a JWK, EC P-256): every decision must be
    /// signed with it. `None` for fixture devices, which decide with their PIN alone.
    pub public_key: Option<String>,
    pub last_used_at: Option<UnixTime>,
}
