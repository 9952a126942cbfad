//! The token endpoint's grants. A token request parses in two stages — `grant_type` first, so
//! an unknown value is `unsupported_grant_type` — then each grant handles its own parameters.
pub mod ciba;
pub mod ciba_redirect;
pub mod common;
pub mod pacer;

use crate::OAuthError;
use crate::backchannel::Params;
use crate::clock::UnixTime;
use crate::model::{Client, GRANT_CIBA, GRANT_CIBA_REDIRECT};
use crate::store::Store;
pub use common::{SigningKeys, TokenContext, TokenResponse};
pub use pacer::Pacer;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRequest {
    Ciba { auth_req_id: String },
    CibaRedirect { code: String },
}

impl TokenRequest {
    pub fn parse(params: &Params) -> Result<Self, OAuthError> {
        let grant_type = params.get("grant_type").ok_or(OAuthError::InvalidRequest("grant_type is required"))?;
        match grant_type {
            GRANT_CIBA => Ok(Self::Ciba {
                auth_req_id: params
                    .get("auth_req_id")
                    .ok_or(OAuthError::InvalidRequest("auth_req_id is required"))?
                    .to_owned(),
            }),
            GRANT_CIBA_REDIRECT => Ok(Self::CibaRedirect {
                code: params.get("code").ok_or(OAuthError::InvalidRequest("code is required"))?.to_owned(),
            }),
            _ => Err(OAuthError::UnsupportedGrantType),
        }
    }

    fn grant_type(&self) -> &'static str {
        match self {
            Self::Ciba { .. } => GRANT_CIBA,
            Self::CibaRedirect { .. } => GRANT_CIBA_REDIRECT,
        }
    }
}

/// Handles a parsed token request of an authenticated client.
pub async fn handle(
    store: &dyn Store,
    ctx: &TokenContext<'_>,
    client: &Client,
    request: &TokenRequest,
    now: UnixTime,
) -> Result<TokenResponse, OAuthError> {
    if !client.allows_grant(request.grant_type()) {
        return Err(OAuthError::UnauthorizedClient);
    }
    match request {
        TokenRequest::Ciba { auth_req_id } => ciba::handle(store, ctx, client, auth_req_id, now).await,
        TokenRequest::CibaRedirect { code } => ciba_redirect::handle(store, ctx, client, code, now).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<TokenRequest, OAuthError> {
        TokenRequest::parse(&Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())?)
    }

    #[test]
    fn grant_type_parses_first() {
        assert_eq!(parse(&[("grant_type", "password")]), Err(OAuthError::UnsupportedGrantType));
        assert_eq!(parse(&[]).unwrap_err().code(), "invalid_request");
        assert_eq!(parse(&[("grant_type", GRANT_CIBA)]).unwrap_err().code(), "invalid_request");
        assert_eq!(
            parse(&[("grant_type", GRANT_CIBA), ("auth_req_id", "x")]),
            Ok(TokenRequest::Ciba { auth_req_id: "x".into() })
        );
        assert_eq!(
            parse(&[("grant_type", GRANT_CIBA_REDIRECT), ("code", "c")]),
            Ok(TokenRequest::CibaRedirect { code: "c".into() })
        );
    }
}
