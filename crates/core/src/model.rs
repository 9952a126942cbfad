//! The records the provider keeps: merchants' clients, users with their addresses, devices.
use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::delegated::DelegatedConsentForm;
use crate::keys::Alg;
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
    /// RFC 7523 / OIDC Core §9: a JWT signed with one of the client's registered keys.
    PrivateKeyJwt,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
    pub const ALL: [Self; 3] = [Self::ClientSecretBasic, Self::ClientSecretPost, Self::PrivateKeyJwt];
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
    /// Keys, signed requests, user codes, ID-token algorithm and profile (spec §12).
    pub security: ClientSecurity,
    pub created_at: UnixTime,
}

impl Client {
    pub fn allows_grant(&self, grant: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant)
    }

    /// A minimal client for unit tests: secret `s3cret`, no scopes, grants or URIs.
    #[cfg(test)]
    pub fn for_tests(method: AuthMethod) -> Self {
        Self {
            client_id: "c".into(),
            secret_hash: crate::crypto::sha256_hex("s3cret"),
            name: "C".into(),
            logo_url: None,
            auth_method: method,
            scopes: ScopeSet::default(),
            redirect_uris: vec![],
            grant_types: vec![],
            sector: "c".into(),
            delegated_consents: None,
            security: ClientSecurity::default(),
            created_at: 0,
        }
    }

    /// Whether the FAPI-CIBA profile is enforced for this client.
    pub fn is_fapi(&self) -> bool {
        self.security.profile == Some(Profile::FapiCiba)
    }

    /// The JWS algorithms this client may sign assertions and requests with: PS256 and ES256
    /// only under FAPI (FAPI Part 2 §8.6), RS256 too otherwise.
    pub fn allowed_jws_algs(&self) -> &'static [Alg] {
        if self.is_fapi() { &[Alg::Ps256, Alg::Es256] } else { &Alg::ALL }
    }
}

/// The security profile a client opts into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Profile {
    #[serde(rename = "fapi-ciba")]
    FapiCiba,
}

/// A client's settings of spec §12, kept together (stored as one JSON column).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientSecurity {
    /// The client's public keys (a JWKS document), for `private_key_jwt` and signed requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks: Option<serde_json::Value>,
    /// Where to fetch them instead (cached, refetched on an unknown `kid`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// When set, every backchannel request must be a `request` JWT signed with this algorithm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_signing_alg: Option<Alg>,
    /// `backchannel_user_code_parameter`: the user's code must come with every request.
    pub user_code_required: bool,
    /// `id_token_signed_response_alg`; the server's default when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token_alg: Option<Alg>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
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
