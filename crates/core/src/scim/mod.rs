//! SCIM 2.0 provisioning of users (RFC 7643, RFC 7644; PRODUCT §13): the filter language,
//! the mapping between a `User` and its SCIM resource, PATCH, and the operations the
//! `/scim/v2` handlers call. No HTTP here; `server/src/error.rs` gives `ScimError` its status.
pub mod attributes;
pub mod error;
pub mod filter;
pub mod patch;
pub mod user;
pub mod users;

pub use error::ScimError;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const EXTENSION_SCHEMA: &str = "urn:phonelogin:scim:schemas:extension:1.0:User";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The most resources one list page returns (`ServiceProviderConfig.filter.maxResults`).
pub const MAX_RESULTS: usize = 200;
/// The page size when the client gives no `count`.
pub const DEFAULT_COUNT: usize = 100;
