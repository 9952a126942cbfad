//! SCIM errors (RFC 7644 §3.12): a `scimType` where the RFC names one, and a detail that is
//! about the caller's own input, never about the server's insides.
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScimError {
    #[error("unauthorized")]
    Unauthorized,
    #[error("not found")]
    NotFound,
    #[error("uniqueness: {0}")]
    Uniqueness(String),
    #[error("invalidFilter: {0}")]
    InvalidFilter(String),
    #[error("invalidPath: {0}")]
    InvalidPath(String),
    #[error("noTarget: {0}")]
    NoTarget(String),
    #[error("invalidValue: {0}")]
    InvalidValue(String),
    #[error("mutability: {0}")]
    Mutability(String),
    #[error("invalidSyntax: {0}")]
    InvalidSyntax(String),
    /// The request body is over the size limit.
    #[error("too large")]
    TooLarge,
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl ScimError {
    /// The RFC 7644 `scimType`, for the 400 and 409 errors that have one.
    pub fn scim_type(&self) -> Option<&'static str> {
        match self {
            Self::Uniqueness(_) => Some("uniqueness"),
            Self::InvalidFilter(_) => Some("invalidFilter"),
            Self::InvalidPath(_) => Some("invalidPath"),
            Self::NoTarget(_) => Some("noTarget"),
            Self::InvalidValue(_) => Some("invalidValue"),
            Self::Mutability(_) => Some("mutability"),
            Self::InvalidSyntax(_) => Some("invalidSyntax"),
            Self::Unauthorized | Self::NotFound | Self::TooLarge | Self::Unavailable(_) => None,
        }
    }

    pub fn detail(&self) -> String {
        match self {
            Self::Unauthorized => "a valid admin token is required (Authorization: Bearer)".into(),
            Self::NotFound => "resource not found".into(),
            Self::TooLarge => "the request body is too large".into(),
            Self::Unavailable(_) => "the service is temporarily unavailable".into(),
            Self::Uniqueness(d)
            | Self::InvalidFilter(d)
            | Self::InvalidPath(d)
            | Self::NoTarget(d)
            | Self::InvalidValue(d)
            | Self::Mutability(d)
            | Self::InvalidSyntax(d) => d.clone(),
        }
    }
}

impl From<StoreError> for ScimError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e.0)
    }
}
