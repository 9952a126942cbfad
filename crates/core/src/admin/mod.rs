//! Operators (PRODUCT §13): admin tokens, the audit log, and the admin API's views of clients
//! and signing keys. The HTTP face is `server/src/admin/`; errors become HTTP in `error.rs`.
pub mod clients;

use crate::clock::UnixTime;
use crate::crypto::{random_token, sha256_hex};
use crate::store::{AdminToken, Store, StoreError};

/// Prefix of admin tokens, so that a leaked one is recognisable in logs and secret scanners.
pub const TOKEN_PREFIX: &str = "pla_";

/// The most audit entries one page returns; also the default page size.
pub const MAX_AUDIT_PAGE: i64 = 1000;
pub const DEFAULT_AUDIT_PAGE: i64 = 100;

/// An admin API error: a code, a description, and the HTTP status `error.rs` gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// Missing, unknown or revoked admin token.
    #[error("invalid_token")]
    InvalidToken,
    #[error("not_found")]
    NotFound,
    /// The record exists already (e.g. a client id).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("invalid_request: {0}")]
    InvalidRequest(String),
    /// The request body is over the size limit.
    #[error("too large")]
    TooLarge,
    #[error("temporarily_unavailable: {0}")]
    Unavailable(String),
}

impl AdminError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidToken => "invalid_token",
            Self::NotFound => "not_found",
            Self::Conflict(_) => "conflict",
            Self::InvalidRequest(_) | Self::TooLarge => "invalid_request",
            Self::Unavailable(_) => "temporarily_unavailable",
        }
    }

    /// The public description: fixed text, or the caller's own input problem.
    pub fn description(&self) -> String {
        match self {
            Self::InvalidToken => "a valid admin token is required (Authorization: Bearer)".into(),
            Self::NotFound => "no such record".into(),
            Self::Conflict(what) => (*what).into(),
            Self::InvalidRequest(why) => why.clone(),
            Self::TooLarge => "the request body is larger than the limit".into(),
            Self::Unavailable(_) => "the service is temporarily unavailable".into(),
        }
    }
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e.0)
    }
}

/// A new admin token: (the token to show once, the record to store).
pub fn new_token(name: &str, now: UnixTime) -> Result<(String, AdminToken), String> {
    if name.is_empty() || name.len() > 64 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b)) {
        return Err("a token name is 1 to 64 letters, digits, '-', '_', '.' or '@'".into());
    }
    let token = format!("{TOKEN_PREFIX}{}", random_token());
    let record = AdminToken { name: name.into(), token_hash: sha256_hex(&token), created_at: now, revoked_at: None };
    Ok((token, record))
}

/// The name of the token presented as `Authorization: Bearer`, when it is known and not revoked.
pub async fn authenticate(store: &dyn Store, presented: Option<&str>) -> Result<String, AdminError> {
    let token = presented.filter(|t| t.starts_with(TOKEN_PREFIX)).ok_or(AdminError::InvalidToken)?;
    match store.admin_token_by_hash(&sha256_hex(token)).await? {
        Some(t) if t.revoked_at.is_none() => Ok(t.name),
        _ => Err(AdminError::InvalidToken),
    }
}

/// `after` and `limit` of an audit page, from the query string's text.
pub fn audit_page(after: Option<&str>, limit: Option<&str>) -> Result<(i64, i64), AdminError> {
    let number = |v: Option<&str>, name: &str, default: i64| match v {
        None => Ok(default),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| AdminError::InvalidRequest(format!("{name} must be a non-negative integer"))),
    };
    let after = number(after, "after", 0)?;
    let limit = number(limit, "limit", DEFAULT_AUDIT_PAGE)?;
    if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
        return Err(AdminError::InvalidRequest(format!("limit must be 1 to {MAX_AUDIT_PAGE}")));
    }
    Ok((after, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_and_stored_as_their_hash() {
        let (token, record) = new_token("crm", 7).unwrap();
        assert!(token.starts_with(TOKEN_PREFIX) && token.len() > 40);
        assert_eq!(record.token_hash, sha256_hex(&token));
        assert!(new_token("", 7).is_err());
        assert!(new_token("has space", 7).is_err());
    }

    #[test]
    fn audit_page_parameters_are_bounded() {
        assert_eq!(audit_page(None, None), Ok((0, DEFAULT_AUDIT_PAGE)));
        assert_eq!(audit_page(Some("42"), Some("5")), Ok((42, 5)));
        for (after, limit) in [(Some("x"), None), (Some("-1"), None), (None, Some("0")), (None, Some("1001"))] {
            assert!(audit_page(after, limit).is_err());
        }
    }
}
