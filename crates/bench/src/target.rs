//! The server under load: its base URL (loopback only; load on other addresses is not allowed
//! here) and the one shared HTTP client, sized to the number of workers.
use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Client, Url};

use crate::fixtures::{CLIENT_ID, CLIENT_SECRET};

pub const HEALTHZ: &str = "/healthz";
pub const BACKCHANNEL: &str = "/vipps-login-ciba/api/backchannel/authentication";
pub const TOKEN: &str = "/access-management-1.0/access/oauth2/token";
pub const USERINFO: &str = "/vipps-userinfo-api/userinfo";
pub const LOGIN_REQUESTS: &str = "/app-api/v1/login-requests";

/// A server on this machine and a client to load it with.
pub struct Target {
    pub http: Client,
    base: String,
    /// `Authorization: Basic ...` of the bench client, computed once.
    pub client_auth: HeaderValue,
}

impl Target {
    pub fn new(url: &str, concurrency: usize) -> Result<Self, String> {
        let base = loopback_base(url)?;
        let http = Client::builder()
            .http1_only()
            .pool_max_idle_per_host(concurrency)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .no_proxy()
            // A redirect could point the load elsewhere; the endpoints never redirect anyway.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let probe = http.get(&base).basic_auth(CLIENT_ID, Some(CLIENT_SECRET)).build().map_err(|e| e.to_string())?;
        let client_auth = probe.headers().get(AUTHORIZATION).cloned().ok_or("no Authorization header")?;
        Ok(Self { http, base, client_auth })
    }

    /// The URL of `path` on the server, parsed once so the workers only clone it.
    pub fn url(&self, path: &str) -> Url {
        let text = format!("{}{path}", self.base);
        Url::parse(&text).unwrap_or_else(|e| unreachable!("{text} extends a checked base URL: {e}"))
    }
}

/// `url` without a trailing slash, if its host is 127.0.0.0/8, `localhost` or `::1`.
pub fn loopback_base(url: &str) -> Result<String, String> {
    let parsed = Url::parse(url).map_err(|e| format!("--url {url}: {e}"))?;
    if parsed.scheme() != "http" && parsed.scheme() != "https" {
        return Err(format!("--url {url}: only http(s) URLs"));
    }
    // The URL parser normalises IPv4 spellings (`2130706433` is 127.0.0.1) and brackets IPv6.
    let host = parsed.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    };
    if !loopback {
        return Err(format!("--url {url}: refusing to load a host other than 127.0.0.0/8, localhost or ::1"));
    }
    if !parsed.username().is_empty()
        || parsed.password().is_some()
        || parsed.query().is_some()
        || parsed.fragment().is_some()
    {
        return Err(format!("--url {url}: give only scheme, host, port and an optional path"));
    }
    // The normalised form, so that every request URL built from it parses to the same host.
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::loopback_base;

    #[test]
    fn loopback_hosts_are_accepted() {
        for url in [
            "http://127.0.0.1:8080",
            "http://127.9.8.7/",
            "http://localhost:1",
            "http://[::1]:8080",
            "http://2130706433/",
        ] {
            assert!(loopback_base(url).is_ok(), "{url}");
        }
        assert_eq!(loopback_base("http://127.0.0.1:8080/").as_deref(), Ok("http://127.0.0.1:8080"));
    }

    #[test]
    fn other_hosts_are_refused() {
        for url in [
            "http://10.0.0.1:8080",
            "http://example.com",
            "http://localhost.example.com",
            "http://128.0.0.1",
            "http://[::2]",
            "http://0.0.0.0:8080",
            "ftp://127.0.0.1",
            "not a url",
            "http://127.0.0.1@example.com",
            "http://example.com\\@127.0.0.1",
        ] {
            assert!(loopback_base(url).is_err(), "{url}");
        }
    }
}
