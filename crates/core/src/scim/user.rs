//! A `User` as a SCIM resource and back (PRODUCT §13): `userName` is the phone number's
//! digits; `name`, `emails`, `phoneNumbers` (`mobile`), `addresses`, `active`, and the
//! extension with `birthdate` and `nin`. Our address `region` (the town) is SCIM's `locality`.
use serde_json::{Map, Value, json};

use super::filter::member;
use super::{EXTENSION_SCHEMA, ScimError, USER_SCHEMA};
use crate::clock::{UnixTime, rfc3339};
use crate::model::{Address, AddressType, User};
use crate::msisdn::Msisdn;

/// A phone number as a client may write it (`+47 123 45 678`, `tel:+4712345678`), as digits.
pub fn phone_digits(s: &str) -> String {
    s.trim_start_matches("tel:").chars().filter(char::is_ascii_digit).collect()
}

/// How values compare in filters: phone numbers by their digits, ids exactly, the rest
/// case-insensitively (RFC 7643 `caseExact: false`).
pub fn canon(attr: &str, s: &str) -> String {
    match attr {
        "username" | "phonenumbers" | "phonenumbers.value" => phone_digits(s),
        "id" | "externalid" => s.to_owned(),
        _ => s.to_lowercase(),
    }
}

/// The SCIM resource of a user; `location` is the resource's URL.
pub fn to_scim(u: &User, external_id: Option<&str>, location: &str) -> Value {
    let full = format!("{} {}", u.given_name, u.family_name).trim().to_owned();
    let mut r = json!({
        "schemas": [USER_SCHEMA, EXTENSION_SCHEMA],
        "id": u.user_id,
        "userName": u.phone_number.as_str(),
        "name": {"givenName": u.given_name, "familyName": u.family_name, "formatted": full},
        "phoneNumbers": [{"value": format!("+{}", u.phone_number), "type": "mobile", "primary": true}],
        "active": u.active,
        "meta": {
            "resourceType": "User",
            "created": rfc3339(u.created_at),
            "lastModified": rfc3339(u.created_at),
            "location": location,
        },
    });
    if !full.is_empty() {
        r["displayName"] = full.into();
    }
    if let Some(x) = external_id {
        r["externalId"] = x.into();
    }
    if let Some(e) = &u.email {
        r["emails"] = json!([{"value": e, "primary": true}]);
    }
    if !u.addresses.is_empty() {
        r["addresses"] = u.addresses.iter().map(address_to_scim).collect();
    }
    let mut ext = Map::new();
    if let Some(b) = &u.birthdate {
        ext.insert("birthdate".into(), b.clone().into());
    }
    if let Some(n) = &u.nin {
        ext.insert("nin".into(), n.clone().into());
    }
    r[EXTENSION_SCHEMA] = Value::Object(ext);
    r
}

fn address_to_scim(a: &Address) -> Value {
    let kind = match a.address_type {
        AddressType::Home => "home",
        AddressType::Work => "work",
        AddressType::Other => "other",
    };
    json!({
        "type": kind,
        "streetAddress": a.street_address,
        "locality": a.region,
        "postalCode": a.postal_code,
        "country": a.country,
        "primary": a.default,
    })
}

fn invalid(msg: impl Into<String>) -> ScimError {
    ScimError::InvalidValue(msg.into())
}

/// An optional string attribute; anything but a string or null is `invalidValue`.
fn text(obj: &Value, name: &str) -> Result<Option<String>, ScimError> {
    match member(obj, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{name} must be a string"))),
    }
}

/// A boolean; connectors also send "True"/"False".
pub fn flag(v: &Value, name: &str) -> Result<bool, ScimError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(invalid(format!("{name} must be a boolean"))),
    }
}

/// The items of a multi-valued attribute (absent or null: none).
fn items<'a>(obj: &'a Value, name: &str) -> Result<&'a [Value], ScimError> {
    match member(obj, name) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) if a.iter().all(Value::is_object) => Ok(a),
        Some(_) => Err(invalid(format!("{name} must be an array of objects"))),
    }
}

/// The primary item, or the first.
fn primary(list: &[Value]) -> Option<&Value> {
    list.iter().find(|v| member(v, "primary").is_some_and(|p| p == &Value::Bool(true))).or_else(|| list.first())
}

/// What a SCIM resource sets: the user (its `user_id` and `created_at` taken from
/// `existing`, or from the arguments for a new one) and the `externalId`.
pub fn from_scim(
    r: &Value,
    existing: Option<&User>,
    new_id: &str,
    now: UnixTime,
) -> Result<(User, Option<String>), ScimError> {
    if !r.is_object() {
        return Err(ScimError::InvalidSyntax("a User resource is a JSON object".into()));
    }
    let user_name = text(r, "userName")?.ok_or_else(|| invalid("userName is required"))?;
    let phone = Msisdn::parse(&phone_digits(&user_name))
        .filter(|_| !user_name.trim().is_empty())
        .ok_or_else(|| invalid("userName must be a mobile number: 47/45/358 and its digits"))?;
    let phones = items(r, "phoneNumbers")?;
    if let Some(p) = primary(phones) {
        let digits = text(p, "value")?.map(|v| phone_digits(&v)).unwrap_or_default();
        if digits != phone.as_str() {
            return Err(invalid("phoneNumbers must hold the number of userName"));
        }
    }
    let name = match member(r, "name") {
        None | Some(Value::Null) => Value::Null,
        Some(n @ Value::Object(_)) => n.clone(),
        Some(_) => return Err(invalid("name must be an object")),
    };
    let email = match primary(items(r, "emails")?) {
        Some(e) => text(e, "value")?.filter(|v| !v.is_empty()),
        None => None,
    };
    if email.as_ref().is_some_and(|e| !e.contains('@')) {
        return Err(invalid("emails[].value must be an email address"));
    }
    let addresses = items(r, "addresses")?.iter().map(address_from_scim).collect::<Result<Vec<_>, _>>()?;
    let active = match member(r, "active") {
        None | Some(Value::Null) => true,
        Some(v) => flag(v, "active")?,
    };
    let ext = member(r, EXTENSION_SCHEMA).cloned().unwrap_or(Value::Null);
    let birthdate = text(&ext, "birthdate")?.filter(|b| !b.is_empty());
    if let Some(b) = &birthdate {
        crate::backchannel::age_at(b, now).ok_or_else(|| invalid("birthdate must be YYYY-MM-DD"))?;
    }
    let email_verified = match existing {
        Some(old) if old.email == email => old.email_verified,
        // Provisioned by the operator, as `user create` does.
        _ => email.is_some(),
    };
    let user = User {
        user_id: existing.map_or_else(|| new_id.to_owned(), |u| u.user_id.clone()),
        phone_number: phone,
        given_name: text(&name, "givenName")?.unwrap_or_default(),
        family_name: text(&name, "familyName")?.unwrap_or_default(),
        email,
        email_verified,
        birthdate,
        nin: text(&ext, "nin")?.filter(|n| !n.is_empty()),
        active,
        addresses,
        created_at: existing.map_or(now, |u| u.created_at),
    };
    Ok((user, text(r, "externalId")?))
}

fn address_from_scim(a: &Value) -> Result<Address, ScimError> {
    let address_type = match text(a, "type")?.map(|t| t.to_lowercase()).as_deref() {
        Some("home") => AddressType::Home,
        Some("work") => AddressType::Work,
        _ => AddressType::Other,
    };
    Ok(Address {
        address_type,
        street_address: text(a, "streetAddress")?.unwrap_or_default(),
        postal_code: text(a, "postalCode")?.unwrap_or_default(),
        region: match text(a, "locality")? {
            Some(l) => l,
            None => text(a, "region")?.unwrap_or_default(),
        },
        country: text(a, "country")?.unwrap_or_default(),
        default: member(a, "primary").map(|p| flag(p, "primary")).transpose()?.unwrap_or(false),
    })
}
