//! Liveness, readiness and Prometheus metrics.
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::state::SharedState;

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers and a signing key is active.
pub async fn readyz(State(s): State<SharedState>) -> Response {
    match s.store.signing_keys().await {
        Ok(keys) if keys.iter().any(|k| k.active) => "ready".into_response(),
        Ok(_) => (StatusCode::SERVICE_UNAVAILABLE, "no active signing key").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Several servers in one test process share the first recorder.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

pub async fn metrics_text() -> String {
    prometheus().render()
}

/// Counts requests and their latency by route and status.
pub async fn track(req: Request, next: Next) -> Response {
    prometheus();
    let path = req.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let start = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("phonelogin_http_requests_total", "path" => path.clone(), "status" => status).increment(1);
    metrics::histogram!("phonelogin_http_request_seconds", "path" => path).record(start.elapsed().as_secs_f64());
    response
}
