//! Which URLs the server may deliver to (spec §11): push endpoints and client notification
//! endpoints are `https` and, for push, not a loopback, private or link-local address; `--dev`
//! allows both (local receivers).
use std::net::IpAddr;

/// Checks a URL given by a device or a client registration. The host of a name is resolved
/// and checked by the server with `is_public`.
pub fn check_url(url: &str, dev: bool, public_only: bool) -> Result<(), &'static str> {
    let rest = match url.split_once("://") {
        Some(("https", rest)) => rest,
        Some(("http", rest)) if dev => rest,
        _ => return Err("the URL must use https"),
    };
    let host = host(rest).ok_or("the URL has no host")?;
    if dev || !public_only {
        return Ok(());
    }
    let local_name = host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost");
    match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        Ok(ip) if !is_public(ip) => Err("the URL must not point to a loopback, private or link-local address"),
        _ if local_name => Err("the URL must not point to a loopback, private or link-local address"),
        _ => Ok(()),
    }
}

/// The host of `host[:port]/path`, without brackets' contents lost.
pub fn host(rest: &str) -> Option<&str> {
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None;
    }
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next()?
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    (!host.is_empty()).then_some(host)
}

/// Not loopback, private, link-local, unspecified, shared (CGNAT) or unique-local.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments().first().copied().unwrap_or(0);
            !(v6.is_loopback() || v6.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_endpoints_are_https_and_public_outside_dev() {
        assert!(check_url("https://fcm.googleapis.com/fcm/send/abc", false, true).is_ok());
        assert!(check_url("https://93.184.216.34:443/x", false, true).is_ok());
        for bad in [
            "http://fcm.googleapis.com/x",
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://172.16.0.1/x",
            "https://192.168.1.1:8443/x",
            "https://169.254.169.254/latest",
            "https://100.64.0.1/x",
            "https://0.0.0.0/x",
            "https://[::1]/x",
            "https://[fe80::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://localhost/x",
            "https://a.localhost/x",
            "https:///x",
            "https://user@host/x",
            "ftp://example.com/x",
            "not a url",
        ] {
            assert!(check_url(bad, false, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn dev_allows_http_and_local_receivers() {
        assert!(check_url("http://127.0.0.1:4000/push", true, true).is_ok());
        assert!(check_url("ftp://127.0.0.1/", true, true).is_err());
        // A client's notification endpoint: https, any address.
        assert!(check_url("https://10.0.0.5/cb", false, false).is_ok());
        assert!(check_url("http://merchant.example/cb", false, false).is_err());
    }
}
