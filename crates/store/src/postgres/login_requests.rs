//! Login requests: the insert under the per-user pending limit (serialised per user by an
//! advisory lock), the one-statement token poll, and each transition as a conditional update.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::crypto::sha256;
use phonelogin_core::login_request::{LoginRequest, SLOW_DOWN_STEP};
use phonelogin_core::outbox::{NewMessage, Target, ping_id};
use phonelogin_core::store::{
    Approval, AuthReqKey, CodeExchange, DeviceStore, Insert, IssuedToken, LoginRequestStore, NewLoginRequest,
    PinApproval, PinAttempt, Polled, StoreResult,
};
use sqlx::{AssertSqlSafe, Row};

use super::PostgresStore;
use super::outbox::insert_messages;
use crate::err;
use crate::rows::{login_request, login_request_cols};

/// The first key of the two-key advisory locks that serialise one user's pending inserts
/// (the second is from the SHA-256 of the user id); two-key locks never collide with sqlx's
/// one-key migration lock.
const PENDING_LOCK_CLASS: i32 = 0x5045_4e44; // "PEND"

/// BEGIN and take the user's pending lock, in one round trip. The statement is sent as text:
/// it holds only numbers, derived here (the same on every node).
fn pending_lock(user_id: &str) -> String {
    let key = sha256(user_id.as_bytes()).iter().take(4).fold(0i32, |k, b| k << 8 | i32::from(*b));
    format!("BEGIN; SELECT pg_advisory_xact_lock({PENDING_LOCK_CLASS}, {key})")
}

/// The end of a decision's statement: the request's prepared ping (if any) into the outbox,
/// with the id bound at `$id`, from the row decided in the CTE `won` (`$2` is now); the
/// statement answers how many rows it decided.
macro_rules! ping_from_won {
    ($id:literal) => {
        concat!(
            "ping AS (
               INSERT INTO outbox_messages (id, kind, target, body, created_at, expires_at, next_attempt_at)
               SELECT ",
            $id,
            ", 'ciba_ping', client_id, ping_body, $2, expires_at, $2 FROM won WHERE ping_body IS NOT NULL)
             SELECT COUNT(*) FROM won"
        )
    };
}

/// Inserts the access token (`$3` hash, `$4` expiry) issued from the request redeemed in the
/// CTE `r`.
macro_rules! insert_token_from_r {
    () => {
        "INSERT INTO access_tokens (token_hash, login_request_id, client_id, user_id, scopes, expires_at)
         SELECT $3, r.id, r.client_id, r.user_id, r.scopes, $4 FROM r"
    };
}

#[async_trait]
impl LoginRequestStore for PostgresStore {
    async fn insert_login_request(
        &self,
        new: &NewLoginRequest,
        max_pending: i64,
        now: UnixTime,
    ) -> StoreResult<Insert> {
        let r = &new.request;
        // Three round trips: BEGIN with the user's lock, one statement for the request, its
        // push and the limit's answer, COMMIT. Under READ COMMITTED two racing inserts would
        // both count before either commits; holding the user's lock until commit makes
        // count-then-insert atomic per user. The count's snapshot is taken by the statement
        // after BEGIN, so after the lock is held.
        let mut tx = self.pool.begin_with(AssertSqlSafe(pending_lock(&r.user_id))).await.map_err(err)?;
        // The push to the user's devices goes in the same statement (the only push a request
        // carries today); any other message follows in the transaction.
        let (to_devices, others) = match &new.push {
            Some(m @ NewMessage { target: Target::UserDevices { user_id, except_device }, .. }) => {
                (Some((m, user_id, except_device)), &[][..])
            }
            other => (None, other.as_slice()),
        };
        let row = sqlx::query(
            "WITH ins AS (
               INSERT INTO login_requests (id, auth_req_hash, client_id, user_id, scopes,
                 binding_message, nonce, client_state, redirect_uri, status, created_at, expires_at,
                 poll_interval, ping_body)
               SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $12, $14
               WHERE (SELECT COUNT(*) FROM login_requests
                      WHERE user_id = $4 AND client_id = $3 AND status = 'pending' AND expires_at > $10) < $13
               RETURNING id),
             push AS (
               INSERT INTO outbox_messages (id, kind, target, body, created_at, expires_at, next_attempt_at)
               SELECT $15::text || ':' || s.device_id, $16, s.device_id, $17, $18, $19, $18
               FROM ins, push_subscriptions s
               WHERE $15::text IS NOT NULL AND s.user_id = $20 AND s.device_id IS DISTINCT FROM $21
               RETURNING 1)
             SELECT EXISTS (SELECT 1 FROM ins) AS inserted, (SELECT COUNT(*) FROM push) AS pushed,
               (SELECT MIN(expires_at) FROM login_requests
                WHERE user_id = $4 AND client_id = $3 AND status = 'pending' AND expires_at > $10) AS earliest",
        )
        .bind(&r.id)
        .bind(&new.auth_req_hash)
        .bind(&r.client_id)
        .bind(&r.user_id)
        .bind(r.scopes.to_string())
        .bind(&r.binding_message)
        .bind(&r.nonce)
        .bind(&r.client_state)
        .bind(r.flow.redirect_uri())
        .bind(now)
        .bind(r.expires_at)
        .bind(r.interval)
        .bind(max_pending)
        .bind(&new.ping_body)
        .bind(to_devices.map(|(m, _, _)| &m.id))
        .bind(to_devices.map(|(m, _, _)| m.kind.as_str()))
        .bind(to_devices.map(|(m, _, _)| &m.body))
        .bind(to_devices.map(|(m, _, _)| m.created_at))
        .bind(to_devices.map(|(m, _, _)| m.expires_at))
        .bind(to_devices.map(|(_, user_id, _)| user_id))
        .bind(to_devices.and_then(|(_, _, except)| except.as_deref()))
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        if row.try_get::<bool, _>("inserted").map_err(err)? {
            let pushed: i64 = row.try_get("pushed").map_err(err)?;
            let messages = pushed.unsigned_abs() + insert_messages(&mut tx, others).await?;
            tx.commit().await.map_err(err)?;
            return Ok(Insert::Inserted { messages });
        }
        let earliest: Option<i64> = row.try_get("earliest").map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(Insert::LimitReached { earliest_expiry: earliest.unwrap_or(now + 1) })
    }

    async fn poll_login_request(
        &self,
        key: AuthReqKey<'_>,
        client_id: &str,
        now: UnixTime,
    ) -> StoreResult<Option<Polled>> {
        // By the hash, which every version stores here (a rolling upgrade's older nodes find
        // the newer ones' requests). One statement, so one round trip and no transaction: the
        // request, and the pace of a
        // pending, unexpired one upserted in the UNLOGGED `poll_paces` (the rule of
        // `grant::pacer`). Racing polls of one request take turns on its pace row: ON CONFLICT
        // DO UPDATE locks it and computes from its latest version, so of polls racing at one
        // instant exactly one is not too soon. A request seen no longer pending loses its row.
        let row = sqlx::query(concat!(
            "WITH r AS (
               SELECT ",
            login_request_cols!(),
            " FROM login_requests WHERE auth_req_hash = $1 AND client_id = $2),
             pace AS (
               INSERT INTO poll_paces AS p (auth_req_hash, last_poll, poll_interval, expires_at, too_soon)
               SELECT $1, $3, poll_interval, expires_at, FALSE FROM r WHERE status = 'pending' AND expires_at > $3
               ON CONFLICT (auth_req_hash) DO UPDATE SET
                 too_soon = excluded.last_poll < p.last_poll + p.poll_interval,
                 poll_interval = p.poll_interval
                   + CASE WHEN excluded.last_poll < p.last_poll + p.poll_interval THEN $4 ELSE 0 END,
                 last_poll = excluded.last_poll
               RETURNING too_soon),
             ended AS (
               DELETE FROM poll_paces WHERE auth_req_hash = $1
                 AND EXISTS (SELECT 1 FROM r WHERE NOT (status = 'pending' AND expires_at > $3)))
             SELECT r.*, COALESCE((SELECT too_soon FROM pace), FALSE) AS too_soon FROM r"
        ))
        .bind(key.hash())
        .bind(client_id)
        .bind(now)
        .bind(SLOW_DOWN_STEP)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.map(|row| {
            Ok(Polled { request: login_request(&row)?, too_soon: Some(row.try_get("too_soon").map_err(err)?) })
        })
        .transpose()
    }

    async fn login_request(&self, id: &str) -> StoreResult<Option<LoginRequest>> {
        let row = sqlx::query(concat!("SELECT ", login_request_cols!(), " FROM login_requests WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(login_request).transpose()
    }

    async fn open_login_requests(&self, user_id: &str, now: UnixTime) -> StoreResult<Vec<LoginRequest>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            login_request_cols!(),
            " FROM login_requests WHERE user_id = $1 AND status = 'pending' AND expires_at > $2
              ORDER BY created_at DESC, id"
        ))
        .bind(user_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(login_request).collect()
    }

    /// The attempt (two statements, as `pin_try`), then the approval's one statement.
    async fn approve_with_pin(
        &self,
        pin: PinAttempt<'_>,
        id: &str,
        approval: &Approval,
        now: UnixTime,
    ) -> StoreResult<Option<PinApproval>> {
        let Some((count, locked)) = self.pin_try(pin.device_id, pin.right, pin.max_tries).await? else {
            return Ok(None);
        };
        let approved = pin.right && self.approve_login_request(id, approval, now).await?;
        Ok(Some(PinApproval { count, locked, approved }))
    }

    async fn approve_login_request(&self, id: &str, approval: &Approval, now: UnixTime) -> StoreResult<bool> {
        // One statement, so one round trip and atomic: the consent, its audit, the answers and
        // the ping are written only from the row this call approved. A racing decision waits
        // for the row lock, re-checks `status` and matches nothing.
        let consent = approval.consent.as_ref();
        let won: i64 = sqlx::query_scalar(concat!(
            "WITH won AS (
               UPDATE login_requests SET status = 'approved', decided_at = $2, code_hash = $3,
                 code_expires_at = $4, delegated_answers = $5
               WHERE id = $1 AND status = 'pending' AND expires_at > $2
               RETURNING user_id, client_id, ping_body, expires_at),
             consent AS (
               INSERT INTO consents (user_id, sector, client_id, scopes, granted_at)
               SELECT user_id, $7, $8, $9, $2 FROM won WHERE $7::text IS NOT NULL
               ON CONFLICT (user_id, sector) DO UPDATE SET client_id = excluded.client_id,
                 scopes = excluded.scopes, granted_at = excluded.granted_at),
             audit AS (
               INSERT INTO consent_audit (at, user_id, sector, client_id, action, scopes)
               SELECT $2, user_id, $7, $8, 'grant', $9 FROM won WHERE $7::text IS NOT NULL),
             answers AS (
               INSERT INTO delegated_answers (user_id, client_id, answers, answered_at)
               SELECT user_id, client_id, $5, $2 FROM won WHERE $5::text IS NOT NULL
               ON CONFLICT (user_id, client_id) DO UPDATE SET answers = excluded.answers,
                 answered_at = excluded.answered_at), ",
            ping_from_won!("$6")
        ))
        .bind(id)
        .bind(now)
        .bind(&approval.code_hash)
        .bind(approval.code_expires_at)
        .bind(approval.delegated.as_ref().map(serde_json::to_string).transpose().map_err(err)?)
        .bind(ping_id(id))
        .bind(consent.map(|c| &c.sector))
        .bind(consent.map(|c| &c.client_id))
        .bind(consent.map(|c| c.scopes.to_string()))
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        Ok(won == 1)
    }

    async fn reject_login_request(&self, id: &str, now: UnixTime) -> StoreResult<bool> {
        let won: i64 = sqlx::query_scalar(concat!(
            "WITH won AS (
               UPDATE login_requests SET status = 'rejected', decided_at = $2
               WHERE id = $1 AND status = 'pending' AND expires_at > $2
               RETURNING client_id, ping_body, expires_at), ",
            ping_from_won!("$3")
        ))
        .bind(id)
        .bind(now)
        .bind(ping_id(id))
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        Ok(won == 1)
    }

    async fn redeem_login_request(&self, id: &str, token: &IssuedToken, now: UnixTime) -> StoreResult<bool> {
        // One statement: the token is inserted only from the row this call redeemed.
        let r = sqlx::query(concat!(
            "WITH r AS (UPDATE login_requests SET status = 'redeemed'
               WHERE id = $1 AND status = 'approved' AND expires_at > $2
               RETURNING id, client_id, user_id, scopes) ",
            insert_token_from_r!()
        ))
        .bind(id)
        .bind(now)
        .bind(&token.token_hash)
        .bind(token.expires_at)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn exchange_code(
        &self,
        code_hash: &str,
        client_id: &str,
        token: &IssuedToken,
        now: UnixTime,
    ) -> StoreResult<CodeExchange> {
        let mut tx = self.begin().await?;
        // FOR UPDATE queues racing exchanges of one code: the second sees `code_used` and is
        // a replay, as it would be one after the other.
        let found =
            sqlx::query("SELECT id, code_used FROM login_requests WHERE code_hash = $1 AND client_id = $2 FOR UPDATE")
                .bind(code_hash)
                .bind(client_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
        let Some(found) = found else {
            return Ok(CodeExchange::Invalid);
        };
        let id: String = found.try_get("id").map_err(err)?;
        if found.try_get::<bool, _>("code_used").map_err(err)? {
            // A replay: revoke what the first exchange issued (and, through the flag, what it
            // has yet to issue), and keep that revocation although the answer is an error.
            sqlx::query("UPDATE login_requests SET code_replayed = TRUE WHERE id = $1")
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            sqlx::query("UPDATE access_tokens SET revoked = TRUE WHERE login_request_id = $1")
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            tx.commit().await.map_err(err)?;
            return Ok(CodeExchange::Replayed);
        }
        let redeemed = sqlx::query(concat!(
            "WITH r AS (UPDATE login_requests SET status = 'redeemed', code_used = TRUE
               WHERE id = $1 AND status = 'approved' AND code_expires_at > $2 RETURNING *),
             t AS (",
            insert_token_from_r!(),
            ") SELECT ",
            login_request_cols!(),
            " FROM r"
        ))
        .bind(&id)
        .bind(now)
        .bind(&token.token_hash)
        .bind(token.expires_at)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let outcome = match redeemed {
            Some(row) => CodeExchange::Redeemed(Box::new(login_request(&row)?)),
            None => CodeExchange::Invalid,
        };
        tx.commit().await.map_err(err)?;
        Ok(outcome)
    }
}
