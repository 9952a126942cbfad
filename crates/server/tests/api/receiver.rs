//! A local HTTP receiver on 127.0.0.1:0 for what the server sends out (SMS and merchant
//! webhooks, pings, Web Push): it records every request and answers with the statuses it is
//! told to (then 2xx), so tests can fail deliveries on purpose.
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use tokio::sync::mpsc;

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone)]
struct Shared {
    tx: mpsc::UnboundedSender<Received>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
}

pub struct Receiver {
    pub url: String,
    rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Received>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
}

async fn record(State(s): State<Shared>, uri: Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    let _ = s.tx.send(Received { path: uri.path().to_owned(), headers, body: body.to_vec() });
    let status = s.statuses.lock().unwrap().pop_front().unwrap_or(201);
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    pub async fn start() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let statuses = Arc::new(Mutex::new(VecDeque::new()));
        let shared = Shared { tx, statuses: statuses.clone() };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(record).with_state(shared);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, rx: tokio::sync::Mutex::new(rx), statuses }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The next requests are answered with these statuses, in order.
    pub fn answer(&self, statuses: &[u16]) {
        self.statuses.lock().unwrap().extend(statuses);
    }

    /// The next request received (waiting for the worker, at most 10 s).
    pub async fn next(&self) -> Received {
        let mut rx = self.rx.lock().await;
        tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a delivery within 10 s")
            .expect("the receiver is running")
    }

    /// Whether nothing more has arrived (what arrived so far, without waiting).
    pub async fn is_quiet(&self) -> bool {
        self.rx.lock().await.try_recv().is_err()
    }
}

/// Waits (at most 10 s) until `check` holds: for the worker's bookkeeping after a delivery.
pub async fn eventually<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..1000 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the condition did not hold within 10 s");
}

/// Registers a client (the fixtures shape) as `client create` or an import would; returns
/// what was generated (e.g. `client X webhook secret: S`).
pub async fn register(app: &crate::helpers::TestApp, spec: serde_json::Value) -> Vec<String> {
    let spec: phonelogin_core::fixtures::ClientSpec = serde_json::from_value(spec).unwrap();
    let mut generated = phonelogin_core::fixtures::Generated::default();
    let keys = crate::helpers::secret().keys();
    phonelogin_core::fixtures::import_client(app.store.as_ref(), &keys, &spec, crate::helpers::START, &mut generated)
        .await
        .unwrap();
    generated.lines
}
