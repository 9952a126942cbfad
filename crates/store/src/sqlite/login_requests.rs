//! Login requests: the conditional insert under the pending limit, the one-statement token
//! poll, and each state transition as a single conditional update.
use async_trait::async_trait;
use phonelogin_core::clock::UnixTime;
use phonelogin_core::login_request::LoginRequest;
use phonelogin_core::store::{
    Approval, CodeExchange, Insert, IssuedToken, LoginRequestStore, NewLoginRequest, StoreResult,
};
use sqlx::{Row, SqliteConnection};

use super::SqliteStore;
use super::outbox::{insert_messages, queue_ping};
use crate::err;
use crate::rows::{login_request as request, login_request_cols as cols};

/// Inserts the access token issued from request `id`, which this transaction has redeemed.
async fn insert_token(conn: &mut SqliteConnection, id: &str, token: &IssuedToken) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO access_tokens (token_hash, login_request_id, client_id, user_id, scopes, expires_at)
         SELECT ?2, id, client_id, user_id, scopes, ?3 FROM login_requests WHERE id = ?1",
    )
    .bind(id)
    .bind(&token.token_hash)
    .bind(token.expires_at)
    .execute(conn)
    .await
    .map_err(err)?;
    Ok(())
}

#[async_trait]
impl LoginRequestStore for SqliteStore {
    async fn insert_login_request(
        &self,
        new: &NewLoginRequest,
        max_pending: i64,
        now: UnixTime,
    ) -> StoreResult<Insert> {
        let r = &new.request;
        // The request and its push commit together (spec §11).
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO login_requests (id, auth_req_hash, client_id, user_id, scopes, binding_message, nonce, client_state,
               redirect_uri, status, created_at, expires_at, poll_interval, ping_body)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10, ?11, ?12, ?14
             WHERE (SELECT COUNT(*) FROM login_requests
                    WHERE user_id = ?4 AND client_id = ?3 AND status = 'pending' AND expires_at > ?10) < ?13",
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
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        if inserted.rows_affected() == 1 {
            insert_messages(&mut tx, new.push.as_slice()).await?;
            tx.commit().await.map_err(err)?;
            return Ok(Insert::Inserted);
        }
        drop(tx);
        let earliest: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(expires_at) FROM login_requests
             WHERE user_id = ?1 AND client_id = ?3 AND status = 'pending' AND expires_at > ?2",
        )
        .bind(&r.user_id)
        .bind(now)
        .bind(&r.client_id)
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        Ok(Insert::LimitReached { earliest_expiry: earliest.unwrap_or(now + 1) })
    }

    async fn poll_login_request(&self, auth_req_hash: &str, client_id: &str) -> StoreResult<Option<LoginRequest>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            cols!(),
            " FROM login_requests WHERE auth_req_hash = ?1 AND client_id = ?2"
        ))
        .bind(auth_req_hash)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.as_ref().map(request).transpose()
    }

    async fn login_request(&self, id: &str) -> StoreResult<Option<LoginRequest>> {
        let row = sqlx::query(concat!("SELECT ", cols!(), " FROM login_requests WHERE id = ?1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.as_ref().map(request).transpose()
    }

    async fn open_login_requests(&self, user_id: &str, now: UnixTime) -> StoreResult<Vec<LoginRequest>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            cols!(),
            " FROM login_requests WHERE user_id = ?1 AND status = 'pending' AND expires_at > ?2 ORDER BY created_at DESC, id"
        ))
        .bind(user_id)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(err)?;
        rows.iter().map(request).collect()
    }

    async fn approve_login_request(&self, id: &str, approval: &Approval, now: UnixTime) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let won = sqlx::query(
            "UPDATE login_requests SET status = 'approved', decided_at = ?2, code_hash = ?3, code_expires_at = ?4, delegated_answers = ?5
             WHERE id = ?1 AND status = 'pending' AND expires_at > ?2 RETURNING user_id, client_id",
        )
        .bind(id)
        .bind(now)
        .bind(&approval.code_hash)
        .bind(approval.code_expires_at)
        .bind(approval.delegated.as_ref().map(serde_json::to_string).transpose().map_err(err)?)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let Some(row) = won else { return Ok(false) };
        let user_id: String = row.try_get("user_id").map_err(err)?;
        let client_id: String = row.try_get("client_id").map_err(err)?;
        if let Some(c) = &approval.consent {
            sqlx::query(
                "INSERT INTO consents (user_id, sector, client_id, scopes, granted_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (user_id, sector) DO UPDATE SET client_id = excluded.client_id, scopes = excluded.scopes, granted_at = excluded.granted_at",
            )
            .bind(&user_id)
            .bind(&c.sector)
            .bind(&c.client_id)
            .bind(c.scopes.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            super::consents::audit(&mut tx, now, &user_id, &c.sector, &c.client_id, "grant", &c.scopes.to_string())
                .await?;
        }
        if let Some(d) = &approval.delegated {
            sqlx::query(
                "INSERT INTO delegated_answers (user_id, client_id, answers, answered_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, client_id) DO UPDATE SET answers = excluded.answers, answered_at = excluded.answered_at",
            )
            .bind(&user_id)
            .bind(&client_id)
            .bind(serde_json::to_string(d).map_err(err)?)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        queue_ping(&mut tx, id, now).await?;
        tx.commit().await.map_err(err)?;
        Ok(true)
    }

    async fn reject_login_request(&self, id: &str, now: UnixTime) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let won = sqlx::query(
            "UPDATE login_requests SET status = 'rejected', decided_at = ?2 WHERE id = ?1 AND status = 'pending' AND expires_at > ?2",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(err)?
        .rows_affected()
            == 1;
        if won {
            queue_ping(&mut tx, id, now).await?;
            tx.commit().await.map_err(err)?;
        }
        Ok(won)
    }

    async fn redeem_login_request(&self, id: &str, token: &IssuedToken, now: UnixTime) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let won = sqlx::query(
            "UPDATE login_requests SET status = 'redeemed' WHERE id = ?1 AND status = 'approved' AND expires_at > ?2",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(err)?
        .rows_affected()
            == 1;
        if won {
            insert_token(&mut tx, id, token).await?;
            tx.commit().await.map_err(err)?;
        }
        Ok(won)
    }

    async fn exchange_code(
        &self,
        code_hash: &str,
        client_id: &str,
        token: &IssuedToken,
        now: UnixTime,
    ) -> StoreResult<CodeExchange> {
        let mut tx = self.begin().await?;
        let found = sqlx::query("SELECT id, code_used FROM login_requests WHERE code_hash = ?1 AND client_id = ?2")
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
            sqlx::query("UPDATE login_requests SET code_replayed = 1 WHERE id = ?1")
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            sqlx::query("UPDATE access_tokens SET revoked = 1 WHERE login_request_id = ?1")
                .bind(&id)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
            tx.commit().await.map_err(err)?;
            return Ok(CodeExchange::Replayed);
        }
        let redeemed = sqlx::query(concat!(
            "UPDATE login_requests SET status = 'redeemed', code_used = 1
             WHERE id = ?1 AND status = 'approved' AND code_expires_at > ?2 RETURNING ",
            cols!()
        ))
        .bind(&id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let outcome = match redeemed {
            Some(row) => {
                insert_token(&mut tx, &id, token).await?;
                CodeExchange::Redeemed(Box::new(request(&row)?))
            }
            None => CodeExchange::Invalid,
        };
        tx.commit().await.map_err(err)?;
        Ok(outcome)
    }
}
