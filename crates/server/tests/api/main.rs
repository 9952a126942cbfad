//! HTTP-level tests: each starts a server on a free port with a fresh database and speaks
//! to it as a merchant or as the authenticator app would. Test names are spec clauses.
mod app_api;
mod backchannel;
mod client_auth;
mod consent;
mod deactivation;
mod demo;
mod devices;
mod discovery;
mod enrollment;
mod fapi;
mod helpers;
mod id_token_algs;
mod id_token_hint;
mod interop;
mod jwt;
mod openapi;
mod private_key_jwt;
mod races;
mod redirect;
mod resources;
mod revocation;
mod signed_request;
mod token;
mod user_code;
mod userinfo;
