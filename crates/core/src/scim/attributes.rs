//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5): which attributes a response
//! carries. `id` and `schemas` are always returned.
use serde_json::{Map, Value};

use super::EXTENSION_SCHEMA;
use super::filter::{AttrPath, attr_path};

const ALWAYS: &[&str] = &["id", "schemas"];

fn parse(list: &str) -> Vec<AttrPath> {
    list.split(',')
        .map(str::trim)
        .filter_map(|a| {
            if a.eq_ignore_ascii_case(EXTENSION_SCHEMA) {
                return Some(AttrPath { uri: None, name: EXTENSION_SCHEMA.into(), sub: None });
            }
            attr_path(a)
        })
        .collect()
}

/// The object holding the attribute: the resource, or its extension object.
fn holder<'a>(r: &'a mut Map<String, Value>, p: &AttrPath) -> Option<&'a mut Map<String, Value>> {
    match &p.uri {
        Some(u) if u.eq_ignore_ascii_case(EXTENSION_SCHEMA) => r.get_mut(EXTENSION_SCHEMA)?.as_object_mut(),
        _ => Some(r),
    }
}

fn key_of(obj: &Map<String, Value>, name: &str) -> Option<String> {
    obj.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn remove(r: &mut Map<String, Value>, p: &AttrPath) {
    if ALWAYS.iter().any(|a| a.eq_ignore_ascii_case(&p.name)) && p.uri.is_none() {
        return;
    }
    let Some(obj) = holder(r, p) else { return };
    let Some(key) = key_of(obj, &p.name) else { return };
    match &p.sub {
        None => {
            obj.remove(&key);
        }
        Some(sub) => {
            let strip = |v: &mut Value| {
                if let Some(o) = v.as_object_mut()
                    && let Some(k) = key_of(o, sub)
                {
                    o.remove(&k);
                }
            };
            match obj.get_mut(&key) {
                Some(Value::Array(items)) => items.iter_mut().for_each(strip),
                Some(v) => strip(v),
                None => {}
            }
        }
    }
}

/// Keeps only the named attributes (and `id`, `schemas`), or drops the excluded ones.
pub fn project(resource: &mut Value, attributes: Option<&str>, excluded: Option<&str>) {
    let Some(r) = resource.as_object_mut() else { return };
    let wanted = attributes.map(parse).unwrap_or_default();
    if !wanted.is_empty() {
        let mut kept = Map::new();
        for a in ALWAYS {
            if let Some(v) = r.get(*a) {
                kept.insert((*a).to_owned(), v.clone());
            }
        }
        for p in &wanted {
            let ext = p.uri.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(EXTENSION_SCHEMA));
            let (from, into): (&Map<String, Value>, &mut Map<String, Value>) = if ext {
                let Some(src) = r.get(EXTENSION_SCHEMA).and_then(Value::as_object) else { continue };
                let dst = kept.entry(EXTENSION_SCHEMA).or_insert_with(|| Value::Object(Map::new()));
                let Some(dst) = dst.as_object_mut() else { continue };
                (src, dst)
            } else {
                (&*r, &mut kept)
            };
            let Some(key) = key_of(from, &p.name) else { continue };
            let Some(value) = from.get(&key) else { continue };
            let value = match &p.sub {
                None => value.clone(),
                Some(sub) => {
                    let pick = |v: &Value| {
                        let mut o = Map::new();
                        if let Some(src) = v.as_object()
                            && let Some(k) = key_of(src, sub)
                            && let Some(x) = src.get(&k)
                        {
                            o.insert(k, x.clone());
                        }
                        Value::Object(o)
                    };
                    let picked = match value {
                        Value::Array(items) => Value::Array(items.iter().map(pick).collect()),
                        v => pick(v),
                    };
                    match (into.get_mut(&key), picked) {
                        (Some(Value::Object(have)), Value::Object(more)) => {
                            have.extend(more);
                            continue;
                        }
                        (_, picked) => picked,
                    }
                }
            };
            into.insert(key, value);
        }
        *r = kept;
        return;
    }
    for p in excluded.map(parse).unwrap_or_default() {
        remove(r, &p);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ada() -> Value {
        json!({"schemas": ["s"], "id": "1", "userName": "4712345678", "name": {"givenName": "Ada", "familyName": "L"},
               "emails": [{"value": "a@b.c", "primary": true}], EXTENSION_SCHEMA: {"birthdate": "1990-01-01", "nin": "1"}})
    }

    #[test]
    fn attributes_keep_the_named_ones_and_id_and_schemas() {
        let mut r = ada();
        project(
            &mut r,
            Some("userName, name.givenName,emails.value,urn:phonelogin:scim:schemas:extension:1.0:User:nin"),
            None,
        );
        assert_eq!(
            r,
            json!({"schemas": ["s"], "id": "1", "userName": "4712345678", "name": {"givenName": "Ada"},
                   "emails": [{"value": "a@b.c"}], EXTENSION_SCHEMA: {"nin": "1"}})
        );
    }

    #[test]
    fn excluded_attributes_are_dropped_but_never_id() {
        let mut r = ada();
        project(&mut r, None, Some("name,id,emails.primary,urn:phonelogin:scim:schemas:extension:1.0:User:birthdate"));
        assert_eq!(
            r,
            json!({"schemas": ["s"], "id": "1", "userName": "4712345678", "emails": [{"value": "a@b.c"}], EXTENSION_SCHEMA: {"nin": "1"}})
        );
    }
}
