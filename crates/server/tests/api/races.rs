//! Races: every transition is one conditional update, so racing calls have exactly one
//! winner. Each race runs many times.
use futures::future::join_all;
use serde_json::json;

use crate::helpers::*;

const ROUNDS: usize = 15;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_approvals_have_exactly_one_winner() {
    let app = spawn_with(Options { max_pending: 1000, ..Options::default() }).await;
    for _ in 0..ROUNDS {
        app.start(OTHER, ADA, "openid").await;
        let id = app.newest_request(ADA_DEVICE).await;
        let results = join_all((0..6).map(|_| app.approve(ADA_DEVICE, &id, "1234"))).await;
        let statuses: Vec<u16> = results.iter().map(|r| r.status().as_u16()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        // A PIN try beyond the five that may be compared at once waits its turn (429).
        assert!(statuses.iter().all(|s| [200, 409, 429].contains(s)), "{statuses:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn approve_racing_reject_has_exactly_one_winner_and_the_merchant_sees_it() {
    let app = spawn_with(Options { max_pending: 1000, ..Options::default() }).await;
    for _ in 0..ROUNDS {
        let auth_req_id = app.start(OTHER, ADA, "openid").await;
        let id = app.newest_request(ADA_DEVICE).await;
        let reject_path = format!("/login-requests/{id}/reject");
        let (a, r) =
            tokio::join!(app.approve(ADA_DEVICE, &id, "1234"), app.app_post(ADA_DEVICE, &reject_path, json!({})));
        let (a, r) = (a.status().as_u16(), r.status().as_u16());
        // The loser is told the request was decided already (409), never a server error.
        assert!([(200, 409), (409, 200)].contains(&(a, r)), "approve {a}, reject {r}");
        let poll = app.poll(OTHER, &auth_req_id).await;
        if a == 200 {
            assert_eq!(poll.status(), 200);
        } else {
            assert_error(poll, 400, "access_denied").await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_redemptions_issue_tokens_once() {
    let app = spawn_with(Options { max_pending: 1000, ..Options::default() }).await;
    for _ in 0..ROUNDS {
        let auth_req_id = app.start(OTHER, ADA, "openid").await;
        let id = app.newest_request(ADA_DEVICE).await;
        assert_eq!(app.approve(ADA_DEVICE, &id, "1234").await.status(), 200);
        let results = join_all((0..6).map(|_| async { body(app.poll(OTHER, &auth_req_id).await).await })).await;
        let answers: Vec<(u16, &str)> = results
            .iter()
            .map(|(s, b)| (s.as_u16(), if s.is_success() { "tokens" } else { b["error"].as_str().unwrap_or("?") }))
            .collect();
        assert_eq!(answers.iter().filter(|a| a.0 == 200).count(), 1, "{answers:?}");
        // Every loser is invalid_grant: the request was redeemed, never a server error.
        assert!(answers.iter().all(|a| *a == (200, "tokens") || *a == (400, "invalid_grant")), "{answers:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_backchannel_requests_never_exceed_the_pending_limit() {
    let app = spawn_app().await;
    let hint = format!("urn:msisdn:{ALAN}");
    let params = [("login_hint", hint.as_str()), ("scope", "openid")];
    let results = join_all((0..12).map(|_| app.backchannel(SHOP, &params))).await;
    let ok = results.iter().filter(|r| r.status() == 200).count();
    let limited = results.iter().filter(|r| r.status() == 429).count();
    // 3 + 9 = 12: every response is one of the two.
    assert_eq!((ok, limited), (3, 9));
}
