//! SCIM filters (RFC 7644 §3.4.2.2): a parser to an expression tree, and its evaluation
//! against a resource's JSON. Precedence: `not` over `and` over `or`; parentheses group;
//! operators and keywords are case-insensitive, and so are attribute names.
use serde_json::Value;

use super::error::ScimError;

/// `[URI ":"] name ["." sub]`, e.g. `name.familyName`,
/// `urn:phonelogin:scim:schemas:extension:1.0:User:birthdate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub uri: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Present(AttrPath),
    Compare(AttrPath, CompareOp, Value),
    /// `attr[filter]`: some value of the multi-valued `attr` matches the inner filter.
    ValuePath(AttrPath, Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

/// How two strings compare for an attribute: the canonical form of a value of the named
/// attribute (lowercase dotted path, e.g. `phonenumbers.value`); case-folded by default.
pub type Canon<'a> = &'a dyn Fn(&str, &str) -> String;

fn bad(msg: impl Into<String>) -> ScimError {
    ScimError::InvalidFilter(msg.into())
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Word(String),
    Str(String),
}

fn tokens(input: &str) -> Result<Vec<Token>, ScimError> {
    let mut out = Vec::new();
    let mut rest = input;
    while let Some(c) = rest.chars().next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => rest = rest.get(1..).unwrap_or(""),
            '(' | ')' | '[' | ']' => {
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    _ => Token::CloseBracket,
                });
                rest = rest.get(1..).unwrap_or("");
            }
            '"' => {
                let mut escaped = false;
                let end = rest
                    .char_indices()
                    .skip(1)
                    .find(|&(_, ch)| {
                        let closes = ch == '"' && !escaped;
                        escaped = ch == '\\' && !escaped;
                        closes
                    })
                    .map(|(i, _)| i)
                    .ok_or_else(|| bad("unterminated string"))?;
                let literal = rest.get(..=end).ok_or_else(|| bad("unterminated string"))?;
                out.push(Token::Str(serde_json::from_str(literal).map_err(|_| bad("invalid string literal"))?));
                rest = rest.get(end + 1..).unwrap_or("");
            }
            _ => {
                let end = rest.find([' ', '\t', '\n', '\r', '(', ')', '[', ']', '"']).unwrap_or(rest.len());
                let (word, after) = rest.split_at(end);
                out.push(Token::Word(word.to_owned()));
                rest = after;
            }
        }
    }
    Ok(out)
}

/// Parses an attribute path; `None` when it is not one.
pub fn attr_path(word: &str) -> Option<AttrPath> {
    let (uri, rest) = if word.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
        let (uri, rest) = word.rsplit_once(':')?;
        (Some(uri.to_owned()), rest)
    } else {
        (None, word)
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    let valid = |s: &str| {
        let mut chars = s.chars();
        s == "$ref"
            || (chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    };
    if !valid(name) || !sub.is_none_or(valid) {
        return None;
    }
    Some(AttrPath { uri, name: name.to_owned(), sub: sub.map(str::to_owned) })
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(k))
    }
    fn expect(&mut self, t: Token, what: &str) -> Result<(), ScimError> {
        if self.next() == Some(t) { Ok(()) } else { Err(bad(format!("expected {what}"))) }
    }

    fn or(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, ScimError> {
        let mut left = self.not()?;
        while self.keyword("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Filter, ScimError> {
        if self.keyword("not") {
            self.at += 1;
            self.expect(Token::Open, "'(' after not")?;
            let inner = self.or()?;
            self.expect(Token::Close, "')'")?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Filter, ScimError> {
        let word = match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                self.expect(Token::Close, "')'")?;
                return Ok(inner);
            }
            Some(Token::Word(w)) => w,
            _ => return Err(bad("expected an attribute path")),
        };
        let path = attr_path(&word).ok_or_else(|| bad(format!("{word} is not an attribute path")))?;
        if self.peek() == Some(&Token::OpenBracket) {
            self.at += 1;
            let inner = self.or()?;
            self.expect(Token::CloseBracket, "']'")?;
            return Ok(Filter::ValuePath(path, Box::new(inner)));
        }
        let op = match self.next() {
            Some(Token::Word(op)) => op.to_ascii_lowercase(),
            _ => return Err(bad(format!("expected an operator after {word}"))),
        };
        let op = match op.as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            other => return Err(bad(format!("unknown operator {other}"))),
        };
        let value = match self.next() {
            Some(Token::Str(s)) => Value::String(s),
            Some(Token::Word(w)) => match w.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                n => serde_json::from_str::<serde_json::Number>(n)
                    .map(Value::Number)
                    .map_err(|_| bad(format!("{n} is not a value (strings are quoted)")))?,
            },
            _ => return Err(bad("expected a value")),
        };
        Ok(Filter::Compare(path, op, value))
    }
}

impl Filter {
    pub fn parse(input: &str) -> Result<Self, ScimError> {
        let mut p = Parser { tokens: tokens(input)?, at: 0 };
        let f = p.or()?;
        if p.at != p.tokens.len() {
            return Err(bad("unexpected text after the filter"));
        }
        Ok(f)
    }

    /// Whether the resource matches.
    pub fn matches(&self, resource: &Value, canon: Canon) -> bool {
        self.eval(resource, "", canon)
    }

    /// Whether a value of the multi-valued attribute `parent` (e.g. `emails`) matches.
    pub fn matches_in(&self, value: &Value, parent: &str, canon: Canon) -> bool {
        self.eval(value, parent, canon)
    }

    fn eval(&self, resource: &Value, parent: &str, canon: Canon) -> bool {
        match self {
            Self::And(a, b) => a.eval(resource, parent, canon) && b.eval(resource, parent, canon),
            Self::Or(a, b) => a.eval(resource, parent, canon) || b.eval(resource, parent, canon),
            Self::Not(a) => !a.eval(resource, parent, canon),
            Self::Present(path) => values(resource, path)
                .iter()
                .any(|v| !(v.is_null() || v == &"" || v.as_array().is_some_and(Vec::is_empty))),
            Self::Compare(path, op, want) => {
                let name = key(parent, path);
                let any = values(resource, path).iter().any(|v| compare(v, *op, want, &name, canon));
                if *op == CompareOp::Ne {
                    !values(resource, path).iter().any(|v| compare(v, CompareOp::Eq, want, &name, canon))
                } else {
                    any
                }
            }
            Self::ValuePath(path, inner) => {
                let name = key(parent, path);
                elements(resource, path).iter().any(|e| inner.eval(e, &name, canon))
            }
        }
    }
}

/// The lowercase dotted name of an attribute, e.g. `emails.value`.
fn key(parent: &str, path: &AttrPath) -> String {
    let own = match &path.sub {
        Some(s) => format!("{}.{s}", path.name),
        None => path.name.clone(),
    };
    if parent.is_empty() { own.to_ascii_lowercase() } else { format!("{parent}.{own}").to_ascii_lowercase() }
}

/// A member of an object by case-insensitive name.
pub fn member<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// The attribute's container: the resource, or its extension object for an extension URI.
fn container<'a>(resource: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    match &path.uri {
        Some(uri) if !uri.eq_ignore_ascii_case(super::USER_SCHEMA) => member(resource, uri),
        _ => Some(resource),
    }
}

/// The values of a multi-valued attribute (or the one value of a single-valued one).
fn elements<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    match container(resource, path).and_then(|c| member(c, &path.name)) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => vec![],
    }
}

/// The values a comparison looks at: `emails` alone means the emails' `value`s.
fn values<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let all = elements(resource, path);
    match &path.sub {
        Some(sub) => all.into_iter().filter_map(|e| member(e, sub)).collect(),
        None => all.into_iter().map(|e| if e.is_object() { member(e, "value").unwrap_or(e) } else { e }).collect(),
    }
}

fn compare(have: &Value, op: CompareOp, want: &Value, name: &str, canon: Canon) -> bool {
    use CompareOp::*;
    match (have, want) {
        (Value::String(h), Value::String(w)) => {
            let (h, w) = (canon(name, h), canon(name, w));
            match op {
                Eq => h == w,
                Ne => h != w,
                Co => h.contains(&w),
                Sw => h.starts_with(&w),
                Ew => h.ends_with(&w),
                Gt => h > w,
                Ge => h >= w,
                Lt => h < w,
                Le => h <= w,
            }
        }
        (Value::Number(h), Value::Number(w)) => {
            let (h, w) = (h.as_f64().unwrap_or(f64::NAN), w.as_f64().unwrap_or(f64::NAN));
            match op {
                Eq => h == w,
                Ne => h != w,
                Gt => h > w,
                Ge => h >= w,
                Lt => h < w,
                Le => h <= w,
                Co | Sw | Ew => false,
            }
        }
        (Value::Bool(h), Value::Bool(w)) => match op {
            Eq => h == w,
            Ne => h != w,
            _ => false,
        },
        (_, Value::Null) => op == Ne,
        _ => false,
    }
}

/// Case-folding for every attribute.
pub fn case_insensitive(_: &str, s: &str) -> String {
    s.to_lowercase()
}

#[cfg(test)]
mod tests;
