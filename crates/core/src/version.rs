//! `AppVersion`: the authenticator app's `X.Y.Z`, compared against the server's minimum.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AppVersion(u32, u32, u32);

impl AppVersion {
    pub fn parse(s: &str) -> Option<Self> {
        let mut it = s.trim().split('.').map(|p| p.parse::<u32>().ok());
        let v = Self(it.next()??, it.next()??, it.next()??);
        it.next().is_none().then_some(v)
    }
}

impl std::fmt::Display for AppVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert!(AppVersion::parse("1.10.0").unwrap() > AppVersion::parse("1.9.9").unwrap());
        assert_eq!(AppVersion::parse("2.0.1").unwrap().to_string(), "2.0.1");
        assert!(AppVersion::parse("1.0").is_none());
        assert!(AppVersion::parse("1.0.0.0").is_none());
        assert!(AppVersion::parse("a.b.c").is_none());
    }
}
