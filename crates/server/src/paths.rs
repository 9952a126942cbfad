//! Every path the server answers, shared by the router and the discovery document.

pub const ISSUER_PATH: &str = "/access-management-1.0/access/";
pub const DISCOVERY: &str = "/access-management-1.0/access/.well-known/openid-configuration";
pub const JWKS: &str = "/access-management-1.0/access/.well-known/jwks.json";
pub const BACKCHANNEL: &str = "/vipps-login-ciba/api/backchannel/authentication";
pub const TOKEN: &str = "/access-management-1.0/access/oauth2/token";
pub const REVOCATION: &str = "/access-management-1.0/access/oauth2/revoke";
pub const INTROSPECTION: &str = "/access-management-1.0/access/oauth2/introspect";
pub const USERINFO: &str = "/vipps-userinfo-api/userinfo";

pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
pub const METRICS: &str = "/metrics";

pub const APP: &str = "/app/";
pub const APP_API: &str = "/app-api/v1";

pub const ADMIN: &str = "/admin/v1";
pub const SCIM: &str = "/scim/v2";
