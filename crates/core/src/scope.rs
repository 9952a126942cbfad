//! Scopes: the closed set of values this provider knows, their readable labels, and
//! `ScopeSet`, the parsed, ordered, duplicate-free value of a `scope` parameter.
use std::collections::BTreeSet;
use std::fmt;

use crate::OAuthError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    OpenId,
    Name,
    Email,
    PhoneNumber,
    Address,
    BirthDate,
    Nin,
    DelegatedConsents,
}

impl Scope {
    pub const ALL: [Scope; 8] = [
        Scope::OpenId,
        Scope::Name,
        Scope::Email,
        Scope::PhoneNumber,
        Scope::Address,
        Scope::BirthDate,
        Scope::Nin,
        Scope::DelegatedConsents,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::OpenId => "openid",
            Scope::Name => "name",
            Scope::Email => "email",
            Scope::PhoneNumber => "phoneNumber",
            Scope::Address => "address",
            Scope::BirthDate => "birthDate",
            Scope::Nin => "nin",
            Scope::DelegatedConsents => "delegatedConsents",
        }
    }

    /// What the user is asked to share, in English and Norwegian.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Scope::OpenId => ("Your identity", "Din identitet"),
            Scope::Name => ("Name", "Navn"),
            Scope::Email => ("Email address", "E-postadresse"),
            Scope::PhoneNumber => ("Phone number", "Telefonnummer"),
            Scope::Address => ("Address", "Adresse"),
            Scope::BirthDate => ("Date of birth", "Fødselsdato"),
            Scope::Nin => ("National identity number", "Fødselsnummer"),
            Scope::DelegatedConsents => ("Marketing consents", "Markedsføringssamtykker"),
        }
    }

    /// The userinfo claims a scope releases (spec §3.5).
    pub fn claims(self) -> &'static [&'static str] {
        match self {
            Scope::OpenId => &["sub", "sid"],
            Scope::Name => &["name", "given_name", "family_name"],
            Scope::Email => &["email", "email_verified"],
            Scope::PhoneNumber => &["phone_number"],
            Scope::Address => &["address", "other_addresses"],
            Scope::BirthDate => &["birthdate"],
            Scope::Nin => &["nin"],
            Scope::DelegatedConsents => &["delegatedConsents"],
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Parses a space-separated list where every value must be known.
    pub fn parse(s: &str) -> Result<Self, OAuthError> {
        s.split(' ')
            .filter(|v| !v.is_empty())
            .map(|v| Scope::parse(v).ok_or(OAuthError::InvalidScope("unknown scope value")))
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Self)
    }

    /// Parses a stored list, skipping values this version no longer knows.
    pub fn parse_lenient(s: &str) -> Self {
        Self(s.split(' ').filter_map(Scope::parse).collect())
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_subset(&self, other: &ScopeSet) -> bool {
        self.0.is_subset(&other.0)
    }

    pub fn union(&self, other: &ScopeSet) -> ScopeSet {
        Self(self.0.union(&other.0).copied().collect())
    }

    /// The scopes that need the user's consent: all but `openid`.
    pub fn shared(&self) -> ScopeSet {
        Self(self.0.iter().copied().filter(|s| *s != Scope::OpenId).collect())
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for s in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            f.write_str(s.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_parse_and_print_in_a_stable_order() {
        let s = ScopeSet::parse("email openid  name").unwrap();
        assert_eq!(s.to_string(), "openid name email");
        assert_eq!(s.shared().to_string(), "name email");
    }

    #[test]
    fn legacy_nnin_and_unknown_values_are_invalid_scope() {
        assert_eq!(ScopeSet::parse("openid nnin").unwrap_err().code(), "invalid_scope");
        assert!(ScopeSet::parse("openid profile").is_err());
    }
}
