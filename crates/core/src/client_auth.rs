//! Client authentication at the token and backchannel endpoints (spec §3.1): the method
//! presented must be the client's registered one, and the secret must match its hash.
use crate::OAuthError;
use crate::crypto::secret_matches;
use crate::model::{AuthMethod, Client};

/// What the request presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    pub method: AuthMethod,
    pub client_id: String,
    pub secret: String,
}

impl Presented {
    /// Picks the credentials from the decoded Basic header (`Some(None)` when a Basic header
    /// was present but unreadable) and the form's `client_id`/`client_secret`.
    pub fn from_request(
        basic: Option<Option<(String, String)>>,
        form_id: Option<&str>,
        form_secret: Option<&str>,
    ) -> Result<Self, OAuthError> {
        match (basic, form_secret) {
            (Some(_), Some(_)) => Err(OAuthError::InvalidRequest("use only one client authentication method")),
            (Some(None), None) => Err(OAuthError::InvalidClient { basic: true }),
            (Some(Some((client_id, secret))), None) => {
                if form_id.is_some_and(|f| f != client_id) {
                    return Err(OAuthError::InvalidRequest("client_id does not match the Authorization header"));
                }
                Ok(Self { method: AuthMethod::ClientSecretBasic, client_id, secret })
            }
            (None, Some(secret)) => match form_id {
                Some(id) => Ok(Self {
                    method: AuthMethod::ClientSecretPost,
                    client_id: id.to_owned(),
                    secret: secret.to_owned(),
                }),
                None => Err(OAuthError::InvalidClient { basic: false }),
            },
            (None, None) => Err(OAuthError::InvalidClient { basic: false }),
        }
    }

    /// Checks the presented credentials against the registered client (if any).
    pub fn authenticate(&self, client: Option<Client>) -> Result<Client, OAuthError> {
        let fail = OAuthError::InvalidClient { basic: self.method == AuthMethod::ClientSecretBasic };
        match client {
            Some(c) if c.auth_method == self.method && secret_matches(&self.secret, &c.secret_hash) => Ok(c),
            _ => Err(fail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::sha256_hex;
    use crate::scope::ScopeSet;

    fn client(method: AuthMethod) -> Client {
        Client {
            client_id: "c".into(),
            secret_hash: sha256_hex("s3cret"),
            name: "C".into(),
            logo_url: None,
            auth_method: method,
            scopes: ScopeSet::default(),
            redirect_uris: vec![],
            grant_types: vec![],
            sector: "c".into(),
            delegated_consents: None,
            created_at: 0,
            delivery: Default::default(),
        }
    }

    #[test]
    fn the_registered_method_with_the_right_secret_authenticates() {
        let p = Presented::from_request(Some(Some(("c".into(), "s3cret".into()))), None, None).unwrap();
        assert!(p.authenticate(Some(client(AuthMethod::ClientSecretBasic))).is_ok());
        let p = Presented::from_request(None, Some("c"), Some("s3cret")).unwrap();
        assert!(p.authenticate(Some(client(AuthMethod::ClientSecretPost))).is_ok());
    }

    #[test]
    fn another_method_a_wrong_secret_or_an_unknown_client_is_invalid_client() {
        let basic = Presented::from_request(Some(Some(("c".into(), "s3cret".into()))), None, None).unwrap();
        assert_eq!(
            basic.authenticate(Some(client(AuthMethod::ClientSecretPost))),
            Err(OAuthError::InvalidClient { basic: true })
        );
        let post = Presented::from_request(None, Some("c"), Some("wrong")).unwrap();
        assert_eq!(
            post.authenticate(Some(client(AuthMethod::ClientSecretPost))),
            Err(OAuthError::InvalidClient { basic: false })
        );
        assert!(post.authenticate(None).is_err());
        assert!(Presented::from_request(None, Some("c"), None).is_err());
        assert!(Presented::from_request(Some(None), None, None).is_err());
    }
}
