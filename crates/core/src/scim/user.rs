//! A `User` as a SCIM resource and back (PRODUCT §13): `userName` is the phone number's
//! digits; `name`, `emails`, `phoneNumbers` (`mobile`), `addresses`, `active`, and the
//! extension with `birthdate` and `nin`. Our address `region` (the town) is SCIM's `locality`.
use serde_json::{Map, Value, json};

use super::filter::member;
use super::{EXTENSION_SCHEMA, ScimError, USER_SCHEMA};
use crate::clock::{UnixTime, rfc3339};
use crate::model::{Address, AddressType, User};
use crate::msisdn::Msisdn;
use crate::store::ScimMeta;

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

/// The multi-valued attributes a client's own values are kept for.
const KEPT: [&str; 3] = ["emails", "phoneNumbers", "addresses"];

/// The SCIM resource of a user; `location` is the resource's URL. The client's own
/// `emails`, `phoneNumbers` and `addresses` (with their types and labels) are shown while
/// they agree with the profile; otherwise they are made from it.
pub fn to_scim(u: &User, meta: &ScimMeta, location: &str) -> Value {
    let mut r = derived(u, meta.external_id.as_deref(), location);
    let Some(kept) = meta.kept.as_ref() else { return r };
    for name in KEPT {
        let Some(theirs) = member(kept, name) else { continue };
        let probe = json!({"userName": u.phone_number.as_str(), name: theirs});
        let agrees = match name {
            "emails" => email_of(&probe).ok() == Some(u.email.clone()),
            "phoneNumbers" => mobile_matches(&probe, &u.phone_number).is_ok(),
            _ => addresses_of(&probe).ok().as_ref() == Some(&u.addresses),
        };
        if agrees && let Some(obj) = r.as_object_mut() {
            obj.insert(name.into(), theirs.clone());
        }
    }
    r
}

fn derived(u: &User, external_id: Option<&str>, location: &str) -> Value {
    let mut r = Map::new();
    let mut put = |k: &str, v: Value| {
        r.insert(k.to_owned(), v);
    };
    put("schemas", json!([USER_SCHEMA]));
    put("id", u.user_id.clone().into());
    if let Some(x) = external_id {
        put("externalId", x.into());
    }
    put("userName", u.phone_number.as_str().into());
    let name: Map<String, Value> = [("givenName", &u.given_name), ("familyName", &u.family_name)]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_owned(), v.clone().into()))
        .collect();
    let full = format!("{} {}", u.given_name, u.family_name).trim().to_owned();
    if !full.is_empty() {
        put("displayName", full.into());
        put("name", Value::Object(name));
    }
    if let Some(e) = &u.email {
        put("emails", json!([{"value": e, "primary": true}]));
    }
    put("phoneNumbers", json!([{"value": format!("+{}", u.phone_number), "type": "mobile", "primary": true}]));
    if !u.addresses.is_empty() {
        put("addresses", u.addresses.iter().map(address_to_scim).collect());
    }
    put("active", u.active.into());
    let ext: Map<String, Value> = [("birthdate", &u.birthdate), ("nin", &u.nin)]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_owned(), v.clone().into())))
        .collect();
    if !ext.is_empty() {
        put(EXTENSION_SCHEMA, Value::Object(ext));
        put("schemas", json!([USER_SCHEMA, EXTENSION_SCHEMA]));
    }
    put(
        "meta",
        json!({
            "resourceType": "User",
            "created": rfc3339(u.created_at),
            "lastModified": rfc3339(u.created_at),
            "location": location,
        }),
    );
    Value::Object(r)
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

fn email_of(r: &Value) -> Result<Option<String>, ScimError> {
    let email = match primary(items(r, "emails")?) {
        Some(e) => text(e, "value")?.filter(|v| !v.is_empty()),
        None => None,
    };
    if email.as_ref().is_some_and(|e| !e.contains('@')) {
        return Err(invalid("emails[].value must be an email address"));
    }
    Ok(email)
}

/// A `mobile` (or the primary) phone number must be the number of `userName`.
fn mobile_matches(r: &Value, phone: &Msisdn) -> Result<(), ScimError> {
    let phones = items(r, "phoneNumbers")?;
    let mobile = phones
        .iter()
        .find(|p| text(p, "type").ok().flatten().is_some_and(|t| t.eq_ignore_ascii_case("mobile")))
        .or_else(|| primary(phones).filter(|p| member(p, "primary") == Some(&Value::Bool(true))));
    match mobile {
        Some(p) if text(p, "value")?.map(|v| phone_digits(&v)).as_deref() != Some(phone.as_str()) => {
            Err(invalid("the mobile phoneNumbers value must be the number of userName"))
        }
        _ => Ok(()),
    }
}

fn addresses_of(r: &Value) -> Result<Vec<Address>, ScimError> {
    items(r, "addresses")?.iter().map(address_from_scim).collect()
}

/// What a SCIM resource sets: the user (its `user_id` and `created_at` taken from
/// `existing`, or from the arguments for a new one) and what SCIM keeps beside it.
pub fn from_scim(
    r: &Value,
    existing: Option<&User>,
    new_id: &str,
    now: UnixTime,
) -> Result<(User, ScimMeta), ScimError> {
    if !r.is_object() {
        return Err(ScimError::InvalidSyntax("a User resource is a JSON object".into()));
    }
    let user_name = text(r, "userName")?.ok_or_else(|| invalid("userName is required"))?;
    let phone = Msisdn::parse(&phone_digits(&user_name))
        .filter(|_| !user_name.trim().is_empty())
        .ok_or_else(|| invalid("userName must be a mobile number: 47/45/358 and its digits"))?;
    mobile_matches(r, &phone)?;
    let name = match member(r, "name") {
        None | Some(Value::Null) => Value::Null,
        Some(n @ Value::Object(_)) => n.clone(),
        Some(_) => return Err(invalid("name must be an object")),
    };
    let email = email_of(r)?;
    let addresses = addresses_of(r)?;
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
    let kept: Map<String, Value> =
        KEPT.iter().filter_map(|name| member(r, name).map(|v| ((*name).to_owned(), v.clone()))).collect();
    let meta = ScimMeta { external_id: text(r, "externalId")?, kept: Some(Value::Object(kept)), deleted_at: None };
    Ok((user, meta))
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
