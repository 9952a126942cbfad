//! Consent rules (spec §4): consent is per merchant sector and covers the whole requested
//! set; a login asking for nothing beyond what was consented skips the consent step.
use crate::scope::ScopeSet;

/// Whether the user must be asked before sharing `requested` with a sector that was already
/// granted `granted`.
pub fn needs_consent(requested: &ScopeSet, granted: Option<&ScopeSet>) -> bool {
    let shared = requested.shared();
    !shared.is_empty() && !granted.is_some_and(|g| shared.is_subset(g))
}

/// What the sector holds after the user consents to `requested`.
pub fn after_grant(requested: &ScopeSet, granted: Option<&ScopeSet>) -> ScopeSet {
    let shared = requested.shared();
    granted.map_or(shared.clone(), |g| g.union(&shared))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> ScopeSet {
        ScopeSet::parse(v).unwrap()
    }

    #[test]
    fn consent_is_asked_only_beyond_what_was_granted() {
        assert!(!needs_consent(&s("openid"), None));
        assert!(needs_consent(&s("openid name"), None));
        assert!(!needs_consent(&s("openid name"), Some(&s("name email"))));
        assert!(needs_consent(&s("openid name address"), Some(&s("name email"))));
    }

    #[test]
    fn granting_adds_the_requested_set() {
        assert_eq!(after_grant(&s("openid address"), Some(&s("name"))), s("name address"));
        assert_eq!(after_grant(&s("openid email"), None), s("email"));
    }
}
