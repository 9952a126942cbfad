//! `OAuthError`: every error code the OpenID endpoints can answer, each with a fixed public
//! description. The HTTP mapping lives in the server's `error.rs`, nowhere else.
use crate::store::StoreError;

/// An error of the OAuth/OpenID endpoints. The `&'static str` payloads are fixed public
/// descriptions chosen at the call site; they never echo request input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    #[error("invalid_request: {0}")]
    InvalidRequest(&'static str),
    /// Client authentication failed; `basic` says whether HTTP Basic was tried (RFC 6749 §5.2).
    #[error("invalid_client")]
    InvalidClient { basic: bool },
    #[error("invalid_grant")]
    InvalidGrant,
    #[error("unauthorized_client")]
    UnauthorizedClient,
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    #[error("invalid_scope: {0}")]
    InvalidScope(&'static str),
    #[error("authorization_pending")]
    AuthorizationPending,
    #[error("slow_down")]
    SlowDown,
    #[error("expired_token")]
    ExpiredToken,
    #[error("access_denied")]
    AccessDenied,
    /// The user's app is older than the server's minimum version (`error_code: old_app`).
    #[error("access_denied (old_app)")]
    OldApp,
    /// No active, eligible user has that number (`error_code: invalid_user`).
    #[error("unknown_user_id")]
    UnknownUserId,
    #[error("invalid_binding_message")]
    InvalidBindingMessage,
    /// The client requires user codes and none was sent (CIBA §13).
    #[error("missing_user_code")]
    MissingUserCode,
    /// The user code does not match the user's (CIBA §13).
    #[error("invalid_user_code")]
    InvalidUserCode,
    /// Too many wrong user codes in a row: user codes are refused for a while (spec §12).
    #[error("invalid_user_code (locked)")]
    UserCodeLocked,
    /// The user has too many undecided requests; retry after that many seconds.
    #[error("too_many_requests")]
    TooManyRequests { retry_after: i64 },
    /// A bearer token at userinfo is missing, unknown, revoked or expired (RFC 6750 §3.1).
    #[error("invalid_token")]
    InvalidToken,
    /// Storage failed; the detail is logged, never sent.
    #[error("temporarily_unavailable: {0}")]
    Unavailable(String),
}

impl OAuthError {
    /// The `error` member of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient { .. } => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::ExpiredToken => "expired_token",
            Self::AccessDenied | Self::OldApp => "access_denied",
            Self::UnknownUserId => "unknown_user_id",
            Self::InvalidBindingMessage => "invalid_binding_message",
            Self::MissingUserCode => "missing_user_code",
            Self::InvalidUserCode | Self::UserCodeLocked => "invalid_user_code",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::InvalidToken => "invalid_token",
            Self::Unavailable(_) => "temporarily_unavailable",
        }
    }

    /// The `error_description` member: fixed text, safe to show to anyone.
    pub fn description(&self) -> &'static str {
        match self {
            Self::InvalidRequest(d) | Self::InvalidScope(d) => d,
            Self::InvalidClient { .. } => "client authentication failed",
            Self::InvalidGrant => "the grant is unknown, belongs to another client, or was already used",
            Self::UnauthorizedClient => "the client is not registered for this grant type",
            Self::UnsupportedGrantType => "unsupported grant_type",
            Self::AuthorizationPending => "the user has not yet approved the login",
            Self::SlowDown => "polled sooner than the interval; the interval grows by 5 seconds",
            Self::ExpiredToken => "the login request has expired",
            Self::AccessDenied => "the user rejected the login",
            Self::OldApp => "the user's app is too old and must be updated",
            Self::UnknownUserId => "no active, eligible user has that phone number",
            Self::InvalidBindingMessage => "binding_message must match ^[A-Z0-9-]{5,8}$",
            Self::MissingUserCode => "this client must send the user's user_code",
            Self::InvalidUserCode => "the user_code is not the user's",
            Self::UserCodeLocked => "too many wrong user codes; user codes are refused for an hour",
            Self::TooManyRequests { .. } => "the user has too many pending login requests",
            Self::InvalidToken => "the access token is missing, invalid or expired",
            Self::Unavailable(_) => "the service is temporarily unavailable",
        }
    }

    /// The non-standard `error_code` member the reference service adds to some errors.
    pub fn error_code(&self) -> Option<&'static str> {
        match self {
            Self::UnknownUserId => Some("invalid_user"),
            Self::OldApp => Some("old_app"),
            _ => None,
        }
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e.to_string())
    }
}
