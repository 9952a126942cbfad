//! Login requests: the conditional insert under the pending limit, the token poll (one read on
//! a reader connection, no write), and each state transition as a single conditional update.
use std::borrow::Cow;

use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::login_request::LoginRequest;
use phonelogin_core::store::{
    Approval, AuthReqKey, CodeExchange, Insert, IssuedToken, LoginRequestStore, NewLoginRequest, PinApproval,
    PinAttempt, Polled, StoreResult,
};
use rusqlite::{Connection, params};

use super::devices::pin_try;
use super::outbox::{insert_messages, queue_ping};
use super::{SqliteStore, all, exec, one};
use crate::err;
use crate::rows::{Fields, login_request as request, login_request_cols as cols};

/// Inserts the access token issued from request `id`, which this transaction has redeemed.
fn insert_token(c: &Connection, id: &str, token: &IssuedToken) -> StoreResult<()> {
    exec(
        c,
        "INSERT INTO access_tokens (token_hash, login_request_id, client_id, user_id, scopes, expires_at)
         SELECT ?2, id, client_id, user_id, scopes, ?3 FROM login_requests WHERE id = ?1",
        params![id, token.token_hash, token.expires_at],
    )
    .map(drop)
}

/// Pending → approved with the consent and the answers (`delegated`, as JSON), and the prepared
/// ping queued; false when the request was no longer pending and unexpired.
fn approve(c: &Connection, id: &str, approval: &Approval, delegated: Option<&str>, now: UnixTime) -> StoreResult<bool> {
    let won = one(
        c,
        "UPDATE login_requests SET status = 'approved', decided_at = ?2, code_hash = ?3, code_expires_at = ?4, delegated_answers = ?5
         WHERE id = ?1 AND status = 'pending' AND expires_at > ?2 RETURNING user_id, client_id",
        params![id, now, approval.code_hash, approval.code_expires_at, delegated],
        |row| Ok((row.text("user_id")?, row.text("client_id")?)),
    )?;
    let Some((user_id, client_id)) = won else { return Ok(false) };
    if let Some(consent) = &approval.consent {
        let scopes = consent.scopes.to_string();
        exec(
            c,
            "INSERT INTO consents (user_id, sector, client_id, scopes, granted_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (user_id, sector) DO UPDATE SET client_id = excluded.client_id, scopes = excluded.scopes, granted_at = excluded.granted_at",
            params![user_id, consent.sector, consent.client_id, scopes, now],
        )?;
        super::consents::audit(c, now, &user_id, &consent.sector, &consent.client_id, "grant", &scopes)?;
    }
    if delegated.is_some() {
        exec(
            c,
            "INSERT INTO delegated_answers (user_id, client_id, answers, answered_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user_id, client_id) DO UPDATE SET answers = excluded.answers, answered_at = excluded.answered_at",
            params![user_id, client_id, delegated, now],
        )?;
    }
    queue_ping(c, id, now)?;
    Ok(true)
}

#[async_trait]
impl LoginRequestStore for SqliteStore {
    async fn insert_login_request(
        &self,
        new: &NewLoginRequest,
        max_pending: i64,
        now: UnixTime,
    ) -> StoreResult<Insert> {
        let new = new.clone();
        self.write(move |c| {
            let r = &new.request;
            // The request and its push commit together (spec §11). No auth_req_hash: a poll
            // finds the request by the id its auth_req_id carries.
            let inserted = exec(
                c,
                "INSERT INTO login_requests (id, client_id, user_id, scopes, binding_message, nonce, client_state,
                   redirect_uri, status, created_at, expires_at, poll_interval, ping_body)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9, ?10, ?11, ?13
                 WHERE (SELECT COUNT(*) FROM login_requests
                        WHERE user_id = ?3 AND client_id = ?2 AND status = 'pending' AND expires_at > ?9) < ?12",
                params![
                    r.id,
                    r.client_id,
                    r.user_id,
                    r.scopes.to_string(),
                    r.binding_message,
                    r.nonce,
                    r.client_state,
                    r.flow.redirect_uri(),
                    now,
                    r.expires_at,
                    r.interval,
                    max_pending,
                    new.ping_body,
                ],
            )?;
            if inserted == 1 {
                let messages = insert_messages(c, new.push.as_slice())?;
                return Ok(Insert::Inserted { messages });
            }
            let earliest = one(
                c,
                "SELECT MIN(expires_at) AS earliest FROM login_requests
                 WHERE user_id = ?1 AND client_id = ?3 AND status = 'pending' AND expires_at > ?2",
                params![r.user_id, now, r.client_id],
                |row| row.opt_int("earliest"),
            )?
            .flatten();
            Ok(Insert::LimitReached { earliest_expiry: earliest.unwrap_or(now + 1) })
        })
        .await
    }

    async fn poll_login_request(
        &self,
        key: AuthReqKey<'_>,
        client_id: &str,
        _now: UnixTime,
    ) -> StoreResult<Option<Polled>> {
        // A pure read: the one server paces polls in memory (`grant::pacer`). By the primary key;
        // by the hash only for requests made before migration 0009 (no others have one).
        let (sql, by) = match key.request_id {
            Some(id) => (
                concat!("SELECT ", cols!(), " FROM login_requests WHERE id = ?1 AND client_id = ?2"),
                Cow::Borrowed(id),
            ),
            None => (
                concat!("SELECT ", cols!(), " FROM login_requests WHERE auth_req_hash = ?1 AND client_id = ?2"),
                Cow::Owned(key.hash()),
            ),
        };
        self.read(|c| one(c, sql, params![by, client_id], |r| Ok(Polled { request: request(r)?, too_soon: None })))
    }

    async fn login_request(&self, id: &str) -> StoreResult<Option<LoginRequest>> {
        self.read(|c| one(c, concat!("SELECT ", cols!(), " FROM login_requests WHERE id = ?1"), [id], |r| request(r)))
    }

    async fn open_login_requests(&self, user_id: &str, now: UnixTime) -> StoreResult<Vec<LoginRequest>> {
        self.read(|c| {
            all(
                c,
                concat!(
                    "SELECT ",
                    cols!(),
                    " FROM login_requests WHERE user_id = ?1 AND status = 'pending' AND expires_at > ?2 ORDER BY created_at DESC, id"
                ),
                params![user_id, now],
                |r| request(r),
            )
        })
    }

    async fn approve_login_request(&self, id: &str, approval: &Approval, now: UnixTime) -> StoreResult<bool> {
        let (id, approval) = (id.to_owned(), approval.clone());
        let delegated = approval.delegated.as_ref().map(serde_json::to_string).transpose().map_err(err)?;
        self.write(move |c| approve(c, &id, &approval, delegated.as_deref(), now)).await
    }

    /// The attempt, its settling and the approval in one writer job.
    async fn approve_with_pin(
        &self,
        pin: PinAttempt<'_>,
        id: &str,
        approval: &Approval,
        now: UnixTime,
    ) -> StoreResult<Option<PinApproval>> {
        let (device_id, right, max_tries) = (pin.device_id.to_owned(), pin.right, pin.max_tries);
        let (id, approval) = (id.to_owned(), approval.clone());
        let delegated = approval.delegated.as_ref().map(serde_json::to_string).transpose().map_err(err)?;
        self.write(move |c| {
            let Some((count, locked)) = pin_try(c, &device_id, right, max_tries)? else { return Ok(None) };
            let approved = right && approve(c, &id, &approval, delegated.as_deref(), now)?;
            Ok(Some(PinApproval { count, locked, approved }))
        })
        .await
    }

    async fn reject_login_request(&self, id: &str, now: UnixTime) -> StoreResult<bool> {
        let id = id.to_owned();
        self.write(move |c| {
            let won = exec(
                c,
                "UPDATE login_requests SET status = 'rejected', decided_at = ?2 WHERE id = ?1 AND status = 'pending' AND expires_at > ?2",
                params![id, now],
            )? == 1;
            if won {
                queue_ping(c, &id, now)?;
            }
            Ok(won)
        })
        .await
    }

    async fn redeem_login_request(&self, id: &str, token: &IssuedToken, now: UnixTime) -> StoreResult<bool> {
        let (id, token) = (id.to_owned(), token.clone());
        self.write(move |c| {
            let won = exec(
                c,
                "UPDATE login_requests SET status = 'redeemed' WHERE id = ?1 AND status = 'approved' AND expires_at > ?2",
                params![id, now],
            )? == 1;
            if won {
                insert_token(c, &id, &token)?;
            }
            Ok(won)
        })
        .await
    }

    async fn exchange_code(
        &self,
        code_hash: &str,
        client_id: &str,
        token: &IssuedToken,
        now: UnixTime,
    ) -> StoreResult<CodeExchange> {
        let (code_hash, client_id, token) = (code_hash.to_owned(), client_id.to_owned(), token.clone());
        self.write(move |c| {
            let found = one(
                c,
                "SELECT id, code_used FROM login_requests WHERE code_hash = ?1 AND client_id = ?2",
                params![code_hash, client_id],
                |row| Ok((row.text("id")?, row.flag("code_used")?)),
            )?;
            let Some((id, used)) = found else { return Ok(CodeExchange::Invalid) };
            if used {
                // A replay: revoke what the first exchange issued (and, through the flag, what it
                // has yet to issue), and keep that revocation although the answer is an error.
                exec(c, "UPDATE login_requests SET code_replayed = 1 WHERE id = ?1", [&id])?;
                exec(c, "UPDATE access_tokens SET revoked = 1 WHERE login_request_id = ?1", [&id])?;
                return Ok(CodeExchange::Replayed);
            }
            let redeemed = one(
                c,
                concat!(
                    "UPDATE login_requests SET status = 'redeemed', code_used = 1
                     WHERE id = ?1 AND status = 'approved' AND code_expires_at > ?2 RETURNING ",
                    cols!()
                ),
                params![id, now],
                |r| request(r),
            )?;
            let Some(redeemed) = redeemed else { return Ok(CodeExchange::Invalid) };
            insert_token(c, &id, &token)?;
            Ok(CodeExchange::Redeemed(Box::new(redeemed)))
        })
        .await
    }
}
