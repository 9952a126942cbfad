//! `Msisdn`: a mobile number in international form without `+`, parsed once from a
//! `login_hint` (`urn:msisdn:` or legacy `urn:mobilenumber:`) or an App API phone number.
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Msisdn(String);

impl Msisdn {
    /// Digits of a Norwegian (`47` + 8), Danish (`45` + 8) or Finnish (`358` + 5–10) number.
    pub fn parse(digits: &str) -> Option<Self> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let national_len = |cc: &str| digits.strip_prefix(cc).map(str::len);
        let ok = match (national_len("47"), national_len("45"), national_len("358")) {
            (Some(8), _, _) | (_, Some(8), _) => true,
            (_, _, Some(n)) => (5..=10).contains(&n),
            _ => false,
        };
        ok.then(|| Self(digits.to_owned()))
    }

    /// A `login_hint`: `urn:msisdn:<digits>`, or legacy `urn:mobilenumber:<8 digits>` (Norway).
    pub fn from_login_hint(hint: &str) -> Option<Self> {
        if let Some(digits) = hint.strip_prefix("urn:msisdn:") {
            return Self::parse(digits);
        }
        let national = hint.strip_prefix("urn:mobilenumber:")?;
        (national.len() == 8).then(|| Self::parse(&format!("47{national}")))?
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_hint_forms_normalise_to_the_same_number() {
        let a = Msisdn::from_login_hint("urn:msisdn:4712345678").unwrap();
        let b = Msisdn::from_login_hint("urn:mobilenumber:12345678").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "4712345678");
    }

    #[test]
    fn nordic_numbers_of_the_right_length_parse() {
        assert!(Msisdn::parse("4512345678").is_some());
        assert!(Msisdn::parse("358401234567").is_some());
        for bad in ["471234567", "47123456789", "+4712345678", "4612345678", "47abcdefgh", ""] {
            assert!(Msisdn::parse(bad).is_none(), "{bad}");
        }
        assert!(Msisdn::from_login_hint("urn:mobilenumber:4712345678").is_none());
        assert!(Msisdn::from_login_hint("4712345678").is_none());
    }
}
