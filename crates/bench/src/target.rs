//! The server under load: its address (loopback only; load on other addresses is not allowed
//! here) and the lean client each worker drives it with: one HTTP/1.1 keep-alive connection per
//! worker, written straight onto hyper's connection API, so that the tool spends less CPU per
//! request than the server it measures (spec §9).
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{SendRequest, handshake};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use url::Url;

use crate::fixtures::{CLIENT_ID, CLIENT_SECRET, PEER_CLIENT_SECRET};

/// The endpoints a scenario uses, by role; each API names them its own way.
#[derive(Clone, Copy)]
pub enum Endpoint {
    /// The cheapest answer of the server: the ceiling of its HTTP stack.
    Ceiling,
    Backchannel,
    Token,
    Userinfo,
    /// phonelogin's App API list of the user's login requests.
    LoginRequests,
    /// phonelogin's App API event stream of a device.
    Events,
}

/// Which server is loaded: phonelogin, or panva's oidc-provider set up as the speed peer
/// (CIBA poll mode, client `bench`/`bench-secret`, an admin port that approves a request the way
/// the user's phone would).
pub enum Api {
    Phonelogin,
    OidcProvider { admin: Arc<Target> },
}

impl Api {
    fn path(&self, endpoint: Endpoint) -> &'static str {
        match (self, endpoint) {
            (Self::Phonelogin, Endpoint::Ceiling) => "/healthz",
            (Self::Phonelogin, Endpoint::Backchannel) => "/vipps-login-ciba/api/backchannel/authentication",
            (Self::Phonelogin, Endpoint::Token) => "/access-management-1.0/access/oauth2/token",
            (Self::Phonelogin, Endpoint::Userinfo) => "/vipps-userinfo-api/userinfo",
            (_, Endpoint::LoginRequests) => "/app-api/v1/login-requests",
            (_, Endpoint::Events) => "/app-api/v1/events",
            // It has no health endpoint: its discovery document is the cheapest answer.
            (Self::OidcProvider { .. }, Endpoint::Ceiling) => "/.well-known/openid-configuration",
            (Self::OidcProvider { .. }, Endpoint::Backchannel) => "/backchannel",
            (Self::OidcProvider { .. }, Endpoint::Token) => "/token",
            (Self::OidcProvider { .. }, Endpoint::Userinfo) => "/me",
        }
    }

    /// The scope of the backchannel requests: a name and the subject on either server.
    pub fn scope(&self) -> &'static str {
        match self {
            Self::Phonelogin => "openid+name",
            Self::OidcProvider { .. } => "openid+profile",
        }
    }
}

/// Longest wait for one answer; a request that takes longer counts as a `timeout`.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A server on this machine.
pub struct Target {
    addr: SocketAddr,
    host: HeaderValue,
    /// The URL's path without its trailing slash ("" for the root).
    base_path: String,
    /// `Authorization: Basic ...` of the bench client, computed once.
    pub client_auth: HeaderValue,
    pub api: Api,
}

impl Target {
    /// phonelogin at `url`.
    pub fn new(url: &str) -> Result<Self, String> {
        Self::with_api(url, Api::Phonelogin)
    }

    /// The speed peer at `url`, approving through its admin port at `admin`.
    pub fn peer(url: &str, admin: &str) -> Result<Self, String> {
        let admin = Arc::new(Self::new(admin)?);
        Self::with_api(url, Api::OidcProvider { admin })
    }

    fn with_api(url: &str, api: Api) -> Result<Self, String> {
        let parsed = Url::parse(&loopback_base(url)?).map_err(|e| e.to_string())?;
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let port = parsed.port_or_known_default().unwrap_or(80);
        if parsed.scheme() != "http" {
            return Err(format!("--url {url}: the load tool speaks plain http only"));
        }
        let addr = (host.trim_start_matches('[').trim_end_matches(']'), port)
            .to_socket_addrs()
            .map_err(|e| format!("--url {url}: {e}"))?
            .next()
            .ok_or_else(|| format!("--url {url}: no address"))?;
        let secret = match api {
            Api::Phonelogin => CLIENT_SECRET,
            Api::OidcProvider { .. } => PEER_CLIENT_SECRET,
        };
        let basic = STANDARD.encode(format!("{CLIENT_ID}:{secret}"));
        Ok(Self {
            addr,
            host: header(&format!("{host}:{port}"))?,
            base_path: parsed.path().trim_end_matches('/').to_owned(),
            client_auth: header(&format!("Basic {basic}"))?,
            api,
        })
    }

    /// The path of an endpoint on this server (the URL's own path in front).
    pub fn path(&self, endpoint: Endpoint) -> String {
        self.path_of(self.api.path(endpoint))
    }

    fn path_of(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }

    /// The URL of an endpoint, for messages.
    pub fn url(&self, endpoint: Endpoint) -> String {
        format!("http://{}{}", self.addr, self.path(endpoint))
    }

    /// The peer's approval of `auth_req_id` on its admin port (what the phone does on
    /// phonelogin); None for phonelogin.
    pub fn peer_approval(&self, auth_req_id: &str) -> Option<(Arc<Self>, Req)> {
        match &self.api {
            Api::Phonelogin => None,
            Api::OidcProvider { admin } => {
                let body = format!("auth_req_id={auth_req_id}");
                let req = Req::post(admin.path_of("/approve"), "application/x-www-form-urlencoded", body);
                Some((Arc::clone(admin), req))
            }
        }
    }
}

pub fn header(value: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_str(value).map_err(|e| format!("{value:?}: {e}"))
}

/// One request: everything is prepared by the scenario, the connection only writes it.
pub struct Req {
    method: Method,
    path: String,
    auth: Option<HeaderValue>,
    content_type: Option<&'static str>,
    body: Bytes,
}

impl Req {
    pub fn get(path: impl Into<String>) -> Self {
        Self { method: Method::GET, path: path.into(), auth: None, content_type: None, body: Bytes::new() }
    }

    pub fn post(path: impl Into<String>, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        Self {
            method: Method::POST,
            path: path.into(),
            auth: None,
            content_type: Some(content_type),
            body: body.into(),
        }
    }

    pub fn auth(mut self, value: HeaderValue) -> Self {
        self.auth = Some(value);
        self
    }
}

/// An open Server-Sent Events stream: the answer's body, read event by event.
pub struct EventStream {
    body: hyper::body::Incoming,
    buffer: Vec<u8>,
    /// Keeps the connection's request side open while the stream is read.
    _sender: SendRequest<Full<Bytes>>,
}

impl EventStream {
    /// Opens `req` (a GET answered with `text/event-stream`) on a connection of its own.
    pub async fn open(target: &Target, req: Req) -> Result<Self, String> {
        let mut sender = connect(target).await?;
        let request = build(target, req)?;
        let response = sender.send_request(request).await.map_err(|e| format!("transport: {e}"))?;
        if response.status() != StatusCode::OK {
            return Err(format!("event stream: HTTP {}", response.status().as_u16()));
        }
        Ok(Self { body: response.into_body(), buffer: Vec::new(), _sender: sender })
    }

    /// The next event's `event:` name and `data:` text.
    pub async fn next(&mut self) -> Result<(String, String), String> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\n\n") {
                let raw: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let text = String::from_utf8_lossy(&raw);
                let (mut name, mut data) = (String::new(), String::new());
                for line in text.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !name.is_empty() || !data.is_empty() {
                    return Ok((name, data));
                }
                continue;
            }
            match self.body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(chunk) = frame.into_data() {
                        self.buffer.extend_from_slice(&chunk);
                    }
                }
                Some(Err(e)) => return Err(format!("event stream: {e}")),
                None => return Err("event stream closed".into()),
            }
        }
    }
}

/// A new HTTP/1.1 connection to `target`.
async fn connect(target: &Target) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(target.addr).await.map_err(|_| "cannot connect".to_owned())?;
    stream.set_nodelay(true).map_err(|e| format!("transport: {e}"))?;
    let (sender, connection) = handshake(TokioIo::new(stream)).await.map_err(|e| format!("transport: {e}"))?;
    tokio::spawn(connection);
    Ok(sender)
}

/// The HTTP request of `req` for `target`.
fn build(target: &Target, req: Req) -> Result<Request<Full<Bytes>>, String> {
    let mut request = Request::builder().method(req.method).uri(req.path).header(HOST, target.host.clone());
    if let Some(auth) = req.auth {
        request = request.header(AUTHORIZATION, auth);
    }
    if let Some(ct) = req.content_type {
        request = request.header(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    request.body(Full::new(req.body)).map_err(|e| format!("request: {e}"))
}

/// A worker's keep-alive connection, opened on first use and again after the server closed it.
pub struct Conn {
    target: Arc<Target>,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(target: Arc<Target>) -> Self {
        Self { target, sender: None }
    }

    /// Sends `req` and reads the whole answer.
    pub async fn send(&mut self, req: Req) -> Result<(StatusCode, Bytes), String> {
        match tokio::time::timeout(TIMEOUT, self.exchange(req)).await {
            Ok(result) => result,
            Err(_) => {
                self.sender = None;
                Err("timeout".into())
            }
        }
    }

    async fn exchange(&mut self, req: Req) -> Result<(StatusCode, Bytes), String> {
        let request = build(&self.target, req)?;
        let sender = self.ready().await?;
        let answer = async {
            let response = sender.send_request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>((status, body))
        };
        match answer.await {
            Ok(answer) => Ok(answer),
            Err(e) => {
                self.sender = None;
                Err(format!("transport: {e}"))
            }
        }
    }

    /// The open connection, ready for a request; a new one when there is none or it closed.
    async fn ready(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, String> {
        if let Some(sender) = self.sender.as_mut()
            && sender.ready().await.is_err()
        {
            self.sender = None;
        }
        if self.sender.is_none() {
            self.sender = Some(connect(&self.target).await?);
        }
        self.sender.as_mut().ok_or_else(|| "no connection".to_owned())
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
