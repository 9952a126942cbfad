//! The login request and its state machine:
//! `Pending → Approved | Rejected | Expired`, `Approved → Redeemed`.
//! Transitions are pure here; the store applies each one as a single conditional update.
use crate::clock::UnixTime;
use crate::delegated::DelegatedAnswers;
use crate::scope::ScopeSet;

/// How long a request lives when the merchant does not ask for less (spec §3.2).
pub const MAX_EXPIRY: i64 = 600;
/// The poll interval handed out, and how much `slow_down` adds to it (CIBA §11).
pub const INTERVAL: i64 = 5;
pub const SLOW_DOWN_STEP: i64 = 5;
/// Lifetime of a redirect-flow code (spec §3.3).
pub const CODE_LIFETIME: i64 = 60;

/// What is stored; `Expired` is not stored, it is `Pending` or `Approved` past `expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Approved,
    Rejected,
    Redeemed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Redeemed => "redeemed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Status::Pending, Status::Approved, Status::Rejected, Status::Redeemed].into_iter().find(|v| v.as_str() == s)
    }
}

/// The state as seen at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Approved,
    Rejected,
    Expired,
    Redeemed,
}

/// What a request asks for after approval (spec §3.2 `requested_flow`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flow {
    /// The login ends in the app.
    InApp,
    /// The app opens the browser at the merchant's `redirect_uri` with a code.
    LoginToWebpage { redirect_uri: String },
}

impl Flow {
    pub fn name(&self) -> &'static str {
        match self {
            Flow::InApp => "in_app",
            Flow::LoginToWebpage { .. } => "login_to_webpage",
        }
    }
    pub fn redirect_uri(&self) -> Option<&str> {
        match self {
            Flow::InApp => None,
            Flow::LoginToWebpage { redirect_uri } => Some(redirect_uri),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoginRequest {
    /// Internal id, shown to the user's app; the merchant's `auth_req_id` is derived from it.
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    pub scopes: ScopeSet,
    pub binding_message: Option<String>,
    pub nonce: Option<String>,
    /// The merchant's `state`, returned on the redirect.
    pub client_state: Option<String>,
    pub flow: Flow,
    pub status: Status,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub interval: i64,
    pub decided_at: Option<UnixTime>,
    pub delegated: Option<DelegatedAnswers>,
}

impl LoginRequest {
    pub fn state_at(&self, now: UnixTime) -> State {
        match self.status {
            Status::Pending | Status::Approved if now >= self.expires_at => State::Expired,
            Status::Pending => State::Pending,
            Status::Approved => State::Approved,
            Status::Rejected => State::Rejected,
            Status::Redeemed => State::Redeemed,
        }
    }
}

/// The user's decision on a pending request.
pub fn decide(state: State, approve: bool) -> Option<Status> {
    (state == State::Pending).then_some(if approve { Status::Approved } else { Status::Rejected })
}

/// Redemption: only an approved, unexpired request yields tokens, and only once.
pub fn redeem(state: State) -> Option<Status> {
    (state == State::Approved).then_some(Status::Redeemed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(status: Status) -> LoginRequest {
        LoginRequest {
            id: "r".into(),
            client_id: "c".into(),
            user_id: "u".into(),
            scopes: ScopeSet::default(),
            binding_message: None,
            nonce: None,
            client_state: None,
            flow: Flow::InApp,
            status,
            created_at: 100,
            expires_at: 700,
            interval: INTERVAL,
            decided_at: None,
            delegated: None,
        }
    }

    #[test]
    fn expiry_applies_to_undecided_and_unredeemed_requests_only() {
        for (status, before, after) in [
            (Status::Pending, State::Pending, State::Expired),
            (Status::Approved, State::Approved, State::Expired),
            (Status::Rejected, State::Rejected, State::Rejected),
            (Status::Redeemed, State::Redeemed, State::Redeemed),
        ] {
            assert_eq!(request(status).state_at(699), before);
            assert_eq!(request(status).state_at(700), after);
        }
    }

    #[test]
    fn only_pending_requests_can_be_decided() {
        for state in [State::Approved, State::Rejected, State::Expired, State::Redeemed] {
            assert_eq!(decide(state, true), None);
            assert_eq!(decide(state, false), None);
        }
        assert_eq!(decide(State::Pending, true), Some(Status::Approved));
        assert_eq!(decide(State::Pending, false), Some(Status::Rejected));
    }

    #[test]
    fn only_approved_requests_can_be_redeemed() {
        for state in [State::Pending, State::Rejected, State::Expired, State::Redeemed] {
            assert_eq!(redeem(state), None);
        }
        assert_eq!(redeem(State::Approved), Some(Status::Redeemed));
    }

    #[test]
    fn status_names_round_trip() {
        for s in [Status::Pending, Status::Approved, Status::Rejected, Status::Redeemed] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
