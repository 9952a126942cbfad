//! Clients' public keys (spec §12): the inline `jwks`, or the `jwks_uri` fetched over https
//! from a public address (http and private addresses only with `--dev`), without following
//! redirects, at most 64 KiB, cached for 5 minutes and fetched again on an unknown `kid` (at
//! most every 10 seconds, so unknown kids cannot make us hammer a client's server).
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::RwLock;
use std::time::Duration;

use phonelogin_core::client_jwt::ClientKeys;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::model::Client;
use reqwest::Url;
use serde_json::Value;

use crate::state::AppState;

/// How long a fetched JWKS is used without asking again.
const JWKS_TTL: i64 = 300;
/// An unknown `kid` fetches again only when the copy is at least this old.
const REFETCH_AFTER: i64 = 10;
const MAX_JWKS_BYTES: usize = 64 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Fetched key sets by URL, with the time they were fetched.
#[derive(Default)]
pub struct JwksCache(RwLock<HashMap<String, (UnixTime, Value)>>);

#[async_trait::async_trait]
impl ClientKeys for AppState {
    async fn jwks(&self, client: &Client, refresh: bool) -> Result<Value, String> {
        if let Some(jwks) = &client.security.jwks {
            return Ok(jwks.clone());
        }
        let uri = client.security.jwks_uri.as_deref().ok_or("the client has no keys")?;
        let now = self.clock.now();
        let cached = self.jwks_cache.0.read().ok().and_then(|c| c.get(uri).cloned());
        if let Some((at, jwks)) = cached {
            let fresh_enough = if refresh { now - at < REFETCH_AFTER } else { now - at < JWKS_TTL };
            if fresh_enough {
                return Ok(jwks);
            }
        }
        let jwks = fetch(uri, self.settings.dev).await.inspect_err(|e| {
            tracing::warn!(client_id = %client.client_id, jwks_uri = uri, error = %e, "cannot fetch a client's JWKS");
        })?;
        if let Ok(mut cache) = self.jwks_cache.0.write() {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(uri.to_owned(), (now, jwks.clone()));
        }
        Ok(jwks)
    }
}

/// Fetches a JWKS document, connecting only to the address checked here (no DNS rebinding).
async fn fetch(uri: &str, dev: bool) -> Result<Value, String> {
    let url = Url::parse(uri).map_err(|e| format!("bad jwks_uri: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if dev => {}
        _ => return Err("jwks_uri must use https".into()),
    }
    let host = url.host_str().ok_or("jwks_uri has no host")?.to_owned();
    let port = url.port_or_known_default().ok_or("jwks_uri has no port")?;
    let lookup = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let addrs: Vec<SocketAddr> =
        tokio::net::lookup_host((lookup.as_str(), port)).await.map_err(|e| format!("cannot resolve: {e}"))?.collect();
    let addr =
        addrs.iter().copied().find(|a| dev || is_public(a.ip())).ok_or("jwks_uri resolves to no public address")?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(FETCH_TIMEOUT)
        .no_proxy()
        .resolve(&lookup, addr)
        .build()
        .map_err(|e| e.to_string())?;
    let mut response = http.get(url).header("accept", "application/json").send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("jwks_uri answered {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_JWKS_BYTES {
            return Err("the JWKS is larger than 64 KiB".into());
        }
    }
    let jwks: Value = serde_json::from_slice(&body).map_err(|e| format!("the JWKS is not JSON: {e}"))?;
    if !jwks.get("keys").is_some_and(Value::is_array) {
        return Err("the JWKS has no keys array".into());
    }
    Ok(jwks)
}

/// Whether an address is on the public internet: not loopback, private, link-local, shared
/// (CGNAT), documentation, multicast, reserved or unspecified, in IPv4 or IPv6 form.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || (first == 0x0064 && v6.segments()[1] == 0xff9b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:1.1.1.1"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn outside_dev_only_https_to_public_addresses() {
        assert!(fetch("http://example.com/jwks", false).await.unwrap_err().contains("https"));
        assert!(fetch("https://127.0.0.1:1/jwks", false).await.unwrap_err().contains("public"));
        assert!(fetch("https://localhost:1/jwks", false).await.unwrap_err().contains("public"));
        assert!(fetch("ftp://example.com/jwks", true).await.is_err());
    }
}
