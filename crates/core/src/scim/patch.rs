//! SCIM PATCH (RFC 7644 §3.5.2): `add`, `replace` and `remove` applied in order to the
//! resource's JSON, which then maps back to a `User` as a PUT would. Paths name an attribute,
//! a sub-attribute, or the values of a multi-valued attribute chosen by a filter
//! (`emails[type eq "work"].value`); a path outside the User schema is `invalidPath`.
use serde_json::{Map, Value};

use super::filter::{Canon, Filter, attr_path, member};
use super::{EXTENSION_SCHEMA, PATCH_OP, ScimError, USER_SCHEMA};

/// The attributes a path may name: (name, sub-attributes, multi-valued), core then extension.
const CORE: &[(&str, &[&str], bool)] = &[
    ("userName", &[], false),
    ("externalId", &[], false),
    ("displayName", &[], false),
    ("active", &[], false),
    ("name", &["givenName", "familyName", "formatted"], false),
    ("emails", &["value", "type", "primary", "display"], true),
    ("phoneNumbers", &["value", "type", "primary", "display"], true),
    (
        "addresses",
        &["type", "streetAddress", "locality", "region", "postalCode", "country", "primary", "formatted"],
        true,
    ),
];
const EXTENSION: &[(&str, &[&str], bool)] = &[("birthdate", &[], false), ("nin", &[], false)];
const READ_ONLY: &[&str] = &["id", "meta", "schemas"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// A resolved path: where the attribute lives (`None`: the resource; `Some`: the extension),
/// its canonical name, and what inside it is targeted.
#[derive(Debug)]
struct Target {
    extension: bool,
    name: &'static str,
    multi: bool,
    filter: Option<Filter>,
    sub: Option<&'static str>,
}

fn invalid_path(p: &str) -> ScimError {
    ScimError::InvalidPath(format!("{p} is not a path of the User schema this server supports"))
}

fn lookup(
    table: &'static [(&'static str, &'static [&'static str], bool)],
    name: &str,
) -> Option<(&'static str, &'static [&'static str], bool)> {
    table.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name)).copied()
}

fn target(path: &str) -> Result<Target, ScimError> {
    let (attr, filter, after) = match path.split_once('[') {
        Some((attr, rest)) => {
            let (inner, after) = rest.rsplit_once(']').ok_or_else(|| invalid_path(path))?;
            let filter = Filter::parse(inner).map_err(|_| invalid_path(path))?;
            let after = match after {
                "" => None,
                a => Some(a.strip_prefix('.').ok_or_else(|| invalid_path(path))?),
            };
            (attr, Some(filter), after)
        }
        None => (path, None, None),
    };
    let p = attr_path(attr).ok_or_else(|| invalid_path(path))?;
    if READ_ONLY.iter().any(|r| r.eq_ignore_ascii_case(&p.name)) && p.uri.is_none() {
        return Err(ScimError::Mutability(format!("{} is read-only", p.name)));
    }
    let extension = match &p.uri {
        None => false,
        Some(u) if u.eq_ignore_ascii_case(USER_SCHEMA) => false,
        Some(u) if u.eq_ignore_ascii_case(EXTENSION_SCHEMA) => true,
        Some(_) => return Err(invalid_path(path)),
    };
    let (name, subs, multi) =
        lookup(if extension { EXTENSION } else { CORE }, &p.name).ok_or_else(|| invalid_path(path))?;
    if filter.is_some() && (!multi || p.sub.is_some()) {
        return Err(invalid_path(path));
    }
    let sub = match p.sub.as_deref().or(after) {
        None => None,
        Some(s) => Some(*subs.iter().find(|n| n.eq_ignore_ascii_case(s)).ok_or_else(|| invalid_path(path))?),
    };
    Ok(Target { extension, name, multi, filter, sub })
}

/// Sets `name` in an object, replacing a member of the same name in another case.
fn put(obj: &mut Map<String, Value>, name: &str, value: Value) {
    obj.retain(|k, _| !k.eq_ignore_ascii_case(name));
    obj.insert(name.to_owned(), value);
}

fn take(obj: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = obj.keys().find(|k| k.eq_ignore_ascii_case(name))?.clone();
    obj.remove(&key)
}

/// Merges the members of `value` into `into` (both objects), or replaces `into`.
fn merge(into: &mut Value, value: Value) {
    match (into.as_object_mut(), value) {
        (Some(obj), Value::Object(members)) => {
            for (k, v) in members {
                put(obj, &k, v);
            }
        }
        (_, v) => *into = v,
    }
}

fn container<'a>(resource: &'a mut Map<String, Value>, t: &Target) -> Result<&'a mut Map<String, Value>, ScimError> {
    if !t.extension {
        return Ok(resource);
    }
    resource
        .entry(EXTENSION_SCHEMA.to_owned())
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| ScimError::InvalidValue(format!("{EXTENSION_SCHEMA} must be an object")))
}

fn as_list(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        v => vec![v],
    }
}

fn apply_one(
    resource: &mut Map<String, Value>,
    op: Op,
    t: &Target,
    value: Option<Value>,
    canon: Canon,
) -> Result<(), ScimError> {
    let need = |v: Option<Value>| v.ok_or_else(|| ScimError::InvalidValue(format!("{op:?} needs a value")));
    let obj = container(resource, t)?;
    if let Some(filter) = &t.filter {
        let parent = t.name.to_ascii_lowercase();
        let items = match obj.get_mut(t.name) {
            Some(Value::Array(items)) => std::mem::take(items),
            _ => vec![],
        };
        let matching: Vec<bool> = items.iter().map(|e| filter.matches_in(e, &parent, canon)).collect();
        let mut items = items;
        match op {
            Op::Remove => {
                items = match t.sub {
                    None => items.into_iter().zip(&matching).filter(|(_, m)| !**m).map(|(e, _)| e).collect(),
                    Some(sub) => items
                        .into_iter()
                        .zip(&matching)
                        .map(|(mut e, m)| {
                            if let (true, Some(o)) = (*m, e.as_object_mut()) {
                                take(o, sub);
                            }
                            e
                        })
                        .collect(),
                };
            }
            Op::Add | Op::Replace => {
                let value = need(value)?;
                if !matching.contains(&true) {
                    if op == Op::Replace {
                        return Err(ScimError::NoTarget(format!("no value of {} matches the filter", t.name)));
                    }
                    items.push(Value::Object(Map::new()));
                }
                let fresh = !matching.contains(&true);
                let last = items.len().saturating_sub(1);
                for (i, e) in items.iter_mut().enumerate() {
                    if !(matching.get(i).copied().unwrap_or(false) || (fresh && i == last)) {
                        continue;
                    }
                    match (t.sub, e.as_object_mut()) {
                        (Some(sub), Some(o)) => put(o, sub, value.clone()),
                        _ => merge(e, value.clone()),
                    }
                }
            }
        }
        put(obj, t.name, Value::Array(items));
        return Ok(());
    }
    match (op, t.sub) {
        (Op::Remove, None) => {
            take(obj, t.name);
        }
        (Op::Remove, Some(sub)) => match obj.get_mut(t.name) {
            Some(Value::Array(items)) => items.iter_mut().filter_map(Value::as_object_mut).for_each(|o| {
                take(o, sub);
            }),
            Some(Value::Object(o)) => {
                take(o, sub);
            }
            _ => {}
        },
        (_, Some(sub)) if t.multi => {
            let value = need(value)?;
            match obj.get_mut(t.name) {
                Some(Value::Array(items)) if !items.is_empty() => {
                    items.iter_mut().filter_map(Value::as_object_mut).for_each(|o| put(o, sub, value.clone()))
                }
                _ => return Err(ScimError::NoTarget(format!("{} has no values", t.name))),
            }
        }
        (_, Some(sub)) => {
            let value = need(value)?;
            let inner = obj.entry(t.name.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            merge(inner, Value::Object(Map::from_iter([(sub.to_owned(), value)])));
        }
        (Op::Add, None) if t.multi => {
            let mut items = match take(obj, t.name) {
                Some(Value::Array(items)) => items,
                _ => vec![],
            };
            items.extend(as_list(need(value)?));
            put(obj, t.name, Value::Array(items));
        }
        (Op::Replace, None) if t.multi => put(obj, t.name, Value::Array(as_list(need(value)?))),
        (_, None) => {
            let value = need(value)?;
            match obj.get_mut(t.name) {
                Some(existing @ Value::Object(_)) => merge(existing, value),
                _ => put(obj, t.name, value),
            }
        }
    }
    Ok(())
}

/// RFC 7643 §2.4: `primary: true` appears at most once in a multi-valued attribute; the value
/// added last keeps it.
fn one_primary(resource: &mut Map<String, Value>) {
    for (name, _, _) in CORE.iter().filter(|(_, _, multi)| *multi) {
        let Some(Value::Array(items)) = resource.get_mut(*name) else { continue };
        let is_primary = |v: &Value| v.get("primary") == Some(&Value::Bool(true));
        let Some(keep) = items.iter().rposition(is_primary) else { continue };
        for (i, item) in items.iter_mut().enumerate() {
            if i != keep
                && let Some(o) = item.as_object_mut()
                && o.get("primary") == Some(&Value::Bool(true))
            {
                o.insert("primary".into(), Value::Bool(false));
            }
        }
    }
}

/// Applies a PatchOp request body to a resource's JSON.
pub fn apply(resource: &mut Value, body: &Value, canon: Canon) -> Result<(), ScimError> {
    let syntax = |m: &str| ScimError::InvalidSyntax(m.into());
    let schemas = member(body, "schemas")
        .and_then(Value::as_array)
        .ok_or_else(|| syntax("schemas must list the PatchOp schema"))?;
    if !schemas.iter().any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP))) {
        return Err(syntax("schemas must list the PatchOp schema"));
    }
    let ops =
        member(body, "Operations").and_then(Value::as_array).ok_or_else(|| syntax("Operations must be an array"))?;
    let obj = resource.as_object_mut().ok_or_else(|| syntax("the resource is not an object"))?;
    for o in ops {
        let op = match member(o, "op").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
            Some("add") => Op::Add,
            Some("replace") => Op::Replace,
            Some("remove") => Op::Remove,
            _ => return Err(syntax("op must be add, replace or remove")),
        };
        let value = member(o, "value").cloned();
        match member(o, "path").and_then(Value::as_str) {
            Some(path) if path.eq_ignore_ascii_case(EXTENSION_SCHEMA) && op == Op::Remove => {
                put(obj, EXTENSION_SCHEMA, Value::Object(Map::new()));
            }
            Some(path) if path.eq_ignore_ascii_case(EXTENSION_SCHEMA) => {
                let members = match value {
                    Some(Value::Object(m)) => m,
                    _ => return Err(ScimError::InvalidValue("the extension's value must be an object".into())),
                };
                for (k, v) in members.into_iter().filter(|(k, _)| !k.eq_ignore_ascii_case("schemas")) {
                    apply_one(obj, op, &target(&format!("{EXTENSION_SCHEMA}:{k}"))?, Some(v), canon)?;
                }
            }
            Some(path) => apply_one(obj, op, &target(path)?, value, canon)?,
            None if op == Op::Remove => return Err(ScimError::NoTarget("remove needs a path".into())),
            None => {
                let Some(Value::Object(members)) = value else {
                    return Err(ScimError::InvalidValue("without a path, the value must be an object".into()));
                };
                for (k, v) in members {
                    if k.eq_ignore_ascii_case(EXTENSION_SCHEMA) {
                        let members = v.as_object().cloned().unwrap_or_default();
                        for (ek, ev) in members.into_iter().filter(|(k, _)| !k.eq_ignore_ascii_case("schemas")) {
                            apply_one(obj, op, &target(&format!("{EXTENSION_SCHEMA}:{ek}"))?, Some(ev), canon)?;
                        }
                    } else if k.eq_ignore_ascii_case("schemas")
                        || k.eq_ignore_ascii_case("id")
                        || k.eq_ignore_ascii_case("meta")
                    {
                        continue;
                    } else {
                        apply_one(obj, op, &target(&k)?, Some(v), canon)?;
                    }
                }
            }
        }
    }
    one_primary(obj);
    Ok(())
}

#[cfg(test)]
mod tests;
