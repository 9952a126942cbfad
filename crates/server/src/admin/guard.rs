//! The admin token check in front of `/admin/v1/*` and `/scim/v2/*` (PRODUCT §13), and the
//! audit entry every admin call leaves: who (the token's name), what (`METHOD path`), when,
//! and the answer's status.
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use phonelogin_core::admin::{self, AdminError};
use phonelogin_core::scim::ScimError;
use phonelogin_core::store::AuditEntry;

use crate::error::{AdminResponse, ScimResponse};
use crate::oidc::userinfo::bearer;
use crate::state::SharedState;

/// The operator whose token authenticated the call: the token's name.
#[derive(Debug, Clone)]
pub struct Operator(pub String);

/// For the admin API: refusals are admin error bodies.
pub async fn admin_api(State(s): State<SharedState>, req: Request, next: Next) -> Response {
    guard(s, req, next, |e| AdminResponse(e).into_response()).await
}

/// For SCIM: refusals are SCIM error bodies.
pub async fn scim(State(s): State<SharedState>, req: Request, next: Next) -> Response {
    guard(s, req, next, |e| {
        ScimResponse(match e {
            AdminError::Unavailable(d) => ScimError::Unavailable(d),
            _ => ScimError::Unauthorized,
        })
        .into_response()
    })
    .await
}

async fn guard(s: SharedState, mut req: Request, next: Next, refuse: fn(AdminError) -> Response) -> Response {
    let action = format!("{} {}", req.method(), req.uri().path());
    let name = match admin::authenticate(s.store.as_ref(), bearer(req.headers())).await {
        Ok(name) => name,
        Err(e) => {
            tracing::info!(%action, "admin call refused: no valid admin token");
            return refuse(e);
        }
    };
    req.extensions_mut().insert(Operator(name.clone()));
    let response = next.run(req).await;
    let entry =
        AuditEntry { id: 0, at: s.clock.now(), actor: name, action, status: i64::from(response.status().as_u16()) };
    if let Err(e) = s.store.append_audit(&entry).await {
        tracing::error!(error = %e, "cannot write the admin audit log");
    }
    response
}
