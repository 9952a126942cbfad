//! Userinfo (spec §3.5): the bearer access token's user, with the claims of its scopes.
use serde_json::{Map, Value, json};

use crate::OAuthError;
use crate::clock::UnixTime;
use crate::crypto::{DerivedKeys, sha256_hex};
use crate::delegated::userinfo_object;
use crate::model::{Address, AddressType, User};
use crate::scope::Scope;
use crate::store::Store;

pub async fn handle(
    store: &dyn Store,
    keys: &DerivedKeys,
    access_token: &str,
    now: UnixTime,
) -> Result<Value, OAuthError> {
    let token = store
        .access_token(&sha256_hex(access_token))
        .await?
        .filter(|t| now < t.expires_at)
        .ok_or(OAuthError::InvalidToken)?;
    // A deactivated user's tokens stop working at once (spec §10).
    let user = store.user(&token.user_id).await?.filter(|u| u.active).ok_or(OAuthError::InvalidToken)?;
    let client = store.client(&token.client_id).await?.ok_or(OAuthError::InvalidToken)?;
    let mut claims = Map::new();
    claims.insert("sub".into(), keys.pairwise_sub(&user.user_id, &client.sector).into());
    claims.insert("sid".into(), token.login_request_id.clone().into());
    for scope in token.scopes.iter() {
        match scope {
            Scope::OpenId => {}
            Scope::Name => {
                claims.insert("name".into(), format!("{} {}", user.given_name, user.family_name).trim().into());
                claims.insert("given_name".into(), user.given_name.clone().into());
                claims.insert("family_name".into(), user.family_name.clone().into());
            }
            Scope::Email => {
                claims.insert("email".into(), user.email.clone().unwrap_or_default().into());
                claims.insert("email_verified".into(), user.email_verified.into());
            }
            Scope::PhoneNumber => {
                claims.insert("phone_number".into(), user.phone_number.to_string().into());
            }
            Scope::Address => address_claims(&user, &mut claims),
            Scope::BirthDate => {
                claims.insert("birthdate".into(), user.birthdate.clone().unwrap_or_default().into());
            }
            Scope::Nin => {
                claims.insert("nin".into(), user.nin.clone().unwrap_or_default().into());
            }
            Scope::DelegatedConsents => {
                let request = store.login_request(&token.login_request_id).await?;
                if let (Some(form), Some(answers)) = (&client.delegated_consents, request.and_then(|r| r.delegated)) {
                    claims.insert("delegatedConsents".into(), userinfo_object(form, &answers));
                }
            }
        }
    }
    Ok(Value::Object(claims))
}

fn address_json(a: &Address) -> Value {
    let address_type = match a.address_type {
        AddressType::Home => "home",
        AddressType::Work => "work",
        AddressType::Other => "other",
    };
    let place = format!("{} {}", a.postal_code, a.region);
    let lines = [a.street_address.as_str(), place.trim(), a.country.as_str()];
    let formatted = lines.iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join("\n");
    json!({
        "street_address": a.street_address, "postal_code": a.postal_code, "region": a.region,
        "country": a.country, "formatted": formatted, "address_type": address_type,
    })
}

/// `address` is the default address (or the first); the others go to `other_addresses`. A user
/// with no address gets every field as "".
fn address_claims(user: &User, claims: &mut Map<String, Value>) {
    let default = user.addresses.iter().position(|a| a.default).unwrap_or(0);
    let address = user.addresses.get(default).map(address_json).unwrap_or_else(|| {
        json!({"street_address": "", "postal_code": "", "region": "", "country": "", "formatted": "", "address_type": ""})
    });
    let others: Vec<Value> =
        user.addresses.iter().enumerate().filter(|(i, _)| *i != default).map(|(_, a)| address_json(a)).collect();
    claims.insert("address".into(), address);
    claims.insert("other_addresses".into(), others.into());
}
