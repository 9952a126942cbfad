//! What one token poll's answer means for a CIBA poll-mode client (CIBA Core §11): go on at
//! the interval, go on slower (`slow_down`: the interval grows by 5 s), or stop.
use serde_json::Value;

#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    Tokens,
    /// Poll again after this many seconds.
    Wait(u64),
    Fail(String),
}

pub fn step(status: u16, body: &Value, interval: u64) -> Step {
    if status == 200 {
        return Step::Tokens;
    }
    let description = body["error_description"].as_str().map(|d| format!(": {d}")).unwrap_or_default();
    match body["error"].as_str() {
        Some("authorization_pending") => Step::Wait(interval),
        Some("slow_down") => Step::Wait(interval + 5),
        Some("access_denied") => Step::Fail(format!("the user declined the login{description}")),
        Some("expired_token") => Step::Fail("the login expired before the user confirmed".into()),
        Some(e) => Step::Fail(format!("token endpoint refused (HTTP {status}): {e}{description}")),
        None => Step::Fail(format!("token endpoint answered HTTP {status} without an error")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pending_keeps_the_interval_and_slow_down_adds_five_seconds() {
        assert_eq!(step(400, &json!({"error": "authorization_pending"}), 5), Step::Wait(5));
        assert_eq!(step(400, &json!({"error": "slow_down"}), 5), Step::Wait(10));
        assert_eq!(step(400, &json!({"error": "slow_down"}), 10), Step::Wait(15));
        assert_eq!(step(200, &json!({"id_token": "x"}), 5), Step::Tokens);
    }

    #[test]
    fn denial_expiry_and_other_errors_stop() {
        for (status, body) in [
            (400, json!({"error": "access_denied"})),
            (400, json!({"error": "expired_token"})),
            (401, json!({"error": "invalid_client"})),
            (500, json!({})),
        ] {
            assert!(matches!(step(status, &body, 5), Step::Fail(_)), "{body}");
        }
    }
}
