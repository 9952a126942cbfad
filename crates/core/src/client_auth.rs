//! Client authentication at every client endpoint (spec §3.1, §12): the method presented must
//! be the client's registered one; a secret must match its hash, an assertion is verified by
//! `client_jwt`.
use crate::OAuthError;
use crate::client_jwt::ASSERTION_TYPE;
use crate::crypto::secret_matches;
use crate::model::{AuthMethod, Client};

/// What the request presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    pub method: AuthMethod,
    pub client_id: String,
    pub credential: Credential,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Secret(String),
    /// A `client_assertion` JWT (`private_key_jwt`), checked by `client_jwt::authenticate`.
    Assertion(String),
}

/// The client-authentication members of the form.
#[derive(Debug, Clone, Copy, Default)]
pub struct FormCredentials<'a> {
    pub client_id: Option<&'a str>,
    pub client_secret: Option<&'a str>,
    pub assertion_type: Option<&'a str>,
    pub assertion: Option<&'a str>,
}

impl Presented {
    /// Picks the credentials from the decoded Basic header (`Some(None)` when a Basic header
    /// was present but unreadable) and the form; more than one method is `invalid_request`.
    pub fn from_request(
        basic: Option<Option<(String, String)>>,
        form: FormCredentials<'_>,
    ) -> Result<Self, OAuthError> {
        let jwt = form.assertion_type.is_some() || form.assertion.is_some();
        if usize::from(basic.is_some()) + usize::from(form.client_secret.is_some()) + usize::from(jwt) > 1 {
            return Err(OAuthError::InvalidRequest("use only one client authentication method"));
        }
        if jwt {
            return Self::assertion(form);
        }
        match (basic, form.client_secret) {
            (Some(None), _) => Err(OAuthError::InvalidClient { basic: true }),
            (Some(Some((client_id, secret))), _) => {
                if form.client_id.is_some_and(|f| f != client_id) {
                    return Err(OAuthError::InvalidRequest("client_id does not match the Authorization header"));
                }
                Ok(Self { method: AuthMethod::ClientSecretBasic, client_id, credential: Credential::Secret(secret) })
            }
            (None, Some(secret)) => match form.client_id {
                Some(id) => Ok(Self {
                    method: AuthMethod::ClientSecretPost,
                    client_id: id.to_owned(),
                    credential: Credential::Secret(secret.to_owned()),
                }),
                None => Err(OAuthError::InvalidClient { basic: false }),
            },
            (None, None) => Err(OAuthError::InvalidClient { basic: false }),
        }
    }

    /// RFC 7523 §2.2: the assertion type must be jwt-bearer; the client is the form's
    /// `client_id`, or else the assertion's `sub` (checked against `iss` later).
    fn assertion(form: FormCredentials<'_>) -> Result<Self, OAuthError> {
        let fail = OAuthError::InvalidClient { basic: false };
        let (Some(ASSERTION_TYPE), Some(jwt)) = (form.assertion_type, form.assertion) else { return Err(fail) };
        let client_id = match form.client_id {
            Some(id) => id.to_owned(),
            None => crate::jose::unverified_claims(jwt)
                .and_then(|c| c.get("sub").and_then(|s| s.as_str()).map(str::to_owned))
                .ok_or(fail)?,
        };
        Ok(Self { method: AuthMethod::PrivateKeyJwt, client_id, credential: Credential::Assertion(jwt.to_owned()) })
    }

    /// Checks presented secrets against the registered client (if any); an assertion is not
    /// checked here (see `client_jwt::authenticate`) and fails.
    pub fn authenticate(&self, client: Option<Client>) -> Result<Client, OAuthError> {
        let fail = OAuthError::InvalidClient { basic: self.method == AuthMethod::ClientSecretBasic };
        let Credential::Secret(secret) = &self.credential else { return Err(fail) };
        match client {
            Some(c) if c.auth_method == self.method && secret_matches(secret, &c.secret_hash) => Ok(c),
            _ => Err(fail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(method: AuthMethod) -> Client {
        Client::for_tests(method)
    }

    #[test]
    fn the_registered_method_with_the_right_secret_authenticates() {
        let p = Presented::from_request(Some(Some(("c".into(), "s3cret".into()))), form(None, None)).unwrap();
        assert!(p.authenticate(Some(client(AuthMethod::ClientSecretBasic))).is_ok());
        let p = Presented::from_request(None, form(Some("c"), Some("s3cret"))).unwrap();
        assert!(p.authenticate(Some(client(AuthMethod::ClientSecretPost))).is_ok());
    }

    #[test]
    fn another_method_a_wrong_secret_or_an_unknown_client_is_invalid_client() {
        let basic = Presented::from_request(Some(Some(("c".into(), "s3cret".into()))), form(None, None)).unwrap();
        assert_eq!(
            basic.authenticate(Some(client(AuthMethod::ClientSecretPost))),
            Err(OAuthError::InvalidClient { basic: true })
        );
        let post = Presented::from_request(None, form(Some("c"), Some("wrong"))).unwrap();
        assert_eq!(
            post.authenticate(Some(client(AuthMethod::ClientSecretPost))),
            Err(OAuthError::InvalidClient { basic: false })
        );
        assert!(post.authenticate(None).is_err());
        assert!(Presented::from_request(None, form(Some("c"), None)).is_err());
        assert!(Presented::from_request(Some(None), form(None, None)).is_err());
    }

    fn form<'a>(id: Option<&'a str>, secret: Option<&'a str>) -> FormCredentials<'a> {
        FormCredentials { client_id: id, client_secret: secret, ..Default::default() }
    }

    #[test]
    fn an_assertion_names_its_client_and_excludes_other_methods() {
        let jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjIn0.sig";
        let f = FormCredentials { assertion_type: Some(ASSERTION_TYPE), assertion: Some(jwt), ..Default::default() };
        let p = Presented::from_request(None, f).unwrap();
        assert_eq!((p.method, p.client_id.as_str()), (AuthMethod::PrivateKeyJwt, "c"));
        assert_eq!(p.authenticate(Some(client(AuthMethod::PrivateKeyJwt))).unwrap_err().code(), "invalid_client");
        let wrong_type = FormCredentials { assertion_type: Some("saml"), ..f };
        assert_eq!(Presented::from_request(None, wrong_type).unwrap_err().code(), "invalid_client");
        let both = FormCredentials { client_secret: Some("s"), client_id: Some("c"), ..f };
        assert_eq!(Presented::from_request(None, both).unwrap_err().code(), "invalid_request");
    }
}
