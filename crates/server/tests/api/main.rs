//! HTTP-level tests: each starts a server on a free port with a fresh database and speaks
//! to it as a merchant or as the authenticator app would. Test names are spec clauses.
mod admin;
mod admin_devices;
mod app_api;
mod backchannel;
mod client_auth;
mod consent;
mod deactivation;
mod demo;
mod devices;
mod discovery;
mod enrollment;
mod helpers;
mod interop;
mod openapi;
mod races;
mod redirect;
mod resources;
mod scim;
mod self_registration;
mod token;
mod userinfo;
