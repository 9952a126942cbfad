//! Shared state of one server node: the store, the clock, the keys derived from the server
//! secret, the settings, and short-lived caches (clients, the active key of each algorithm, clients' fetched JWKS) that keep
//! the token poll at one database round trip.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use phonelogin_core::OAuthError;
use phonelogin_core::backchannel::Settings;
use phonelogin_core::clock::{Clock, UnixTime};
use phonelogin_core::crypto::DerivedKeys;
use phonelogin_core::grant::SigningKeys;
use phonelogin_core::keys::{Alg, Signer};
use phonelogin_core::model::Client;
use phonelogin_core::notify::Notifier;
use phonelogin_core::store::{Store, StoreResult};

/// How long a client registration or the active key is trusted before it is read again:
/// changes made by the admin commands reach every node within this time. Measured on the
/// server's clock, so that tests move it instead of waiting.
const CACHE_TTL: i64 = 5;

pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub keys: DerivedKeys,
    pub settings: Settings,
    pub notifier: Arc<dyn Notifier>,
    pub hub: crate::events::Hub,
    /// Delivery: the outbox worker's bell, its configuration, the VAPID key.
    pub outbox: crate::delivery::Outbox,
    /// This node's open event streams.
    pub streams: crate::streams::Streams,
    /// Take the client address from the left-most `X-Forwarded-For` (`--trust-proxy`).
    pub trust_proxy: bool,
    /// A number without an account may enroll and open one (`--self-registration`, PRODUCT §13).
    pub self_registration: bool,
    /// `PUBLIC_URL` without a trailing slash.
    pub public_url: String,
    pub issuer: String,
    /// This node's pace of pending token polls (`slow_down`).
    pub pacer: phonelogin_core::grant::Pacer,
    clients: RwLock<HashMap<String, (UnixTime, Option<Client>)>>,
    /// The active key of each algorithm, opened.
    signers: RwLock<HashMap<Alg, (UnixTime, Arc<Signer>)>>,
    /// Clients' key sets fetched from their `jwks_uri`.
    pub(crate) jwks_cache: crate::client_keys::JwksCache,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        keys: DerivedKeys,
        settings: Settings,
        public_url: &str,
        notifier: Arc<dyn Notifier>,
        hub: crate::events::Hub,
    ) -> Self {
        let public_url = public_url.trim_end_matches('/').to_owned();
        Self {
            store,
            clock,
            keys,
            settings,
            notifier,
            hub,
            outbox: crate::delivery::Outbox::default(),
            streams: crate::streams::Streams::default(),
            trust_proxy: false,
            self_registration: false,
            issuer: format!("{public_url}{}", crate::paths::ISSUER_PATH),
            public_url,
            pacer: Default::default(),
            clients: RwLock::default(),
            signers: RwLock::default(),
            jwks_cache: Default::default(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// Whether a cache entry read at `at` is still trusted (a clock set back distrusts it).
    fn fresh(&self, at: UnixTime) -> bool {
        (0..CACHE_TTL).contains(&(self.clock.now() - at))
    }

    /// A client registration, from the cache when fresh.
    pub async fn client(&self, client_id: &str) -> StoreResult<Option<Client>> {
        if let Ok(cache) = self.clients.read()
            && let Some((at, c)) = cache.get(client_id)
            && self.fresh(*at)
        {
            return Ok(c.clone());
        }
        self.client_fresh(client_id).await
    }

    /// A client registration read from the store (and cached for the next calls).
    pub async fn client_fresh(&self, client_id: &str) -> StoreResult<Option<Client>> {
        let c = self.store.client(client_id).await?;
        if let Ok(mut cache) = self.clients.write() {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(client_id.to_owned(), (self.clock.now(), c.clone()));
        }
        Ok(c)
    }

    /// Drops a cached registration after the admin API changed it, so this node sees the
    /// change (and a rotated secret stops working) at once.
    pub fn forget_client(&self, client_id: &str) {
        if let Ok(mut cache) = self.clients.write() {
            cache.remove(client_id);
        }
    }
}

#[async_trait::async_trait]
impl SigningKeys for AppState {
    /// Signs on tokio's blocking pool: an RSA signature takes about a millisecond of CPU, which
    /// on an async worker would stall every request queued behind it. The pool keeps its
    /// threads between calls, and as many run as token requests are in flight.
    async fn sign(&self, alg: Alg, claims: serde_json::Value) -> Result<String, OAuthError> {
        let signer = self.signer(alg).await?;
        tokio::task::spawn_blocking(move || signer.sign(&claims))
            .await
            .map_err(|e| OAuthError::Unavailable(format!("signing stopped: {e}")))?
            .map_err(OAuthError::Unavailable)
    }
}

impl AppState {
    /// The active signing key of `alg`, opened, from the cache when fresh.
    async fn signer(&self, alg: Alg) -> Result<Arc<Signer>, OAuthError> {
        if let Ok(s) = self.signers.read()
            && let Some((at, signer)) = s.get(&alg)
            && self.fresh(*at)
        {
            return Ok(signer.clone());
        }
        let keys = self.store.signing_keys().await?;
        let active = keys
            .iter()
            .find(|k| k.active && k.alg == alg)
            .ok_or_else(|| OAuthError::Unavailable(format!("no active {} signing key", alg.as_str())))?;
        let current = self.signers.read().ok().and_then(|s| s.get(&alg).map(|(_, s)| s.clone()));
        let signer = match current {
            Some(s) if s.kid() == active.kid => s,
            _ => Arc::new(Signer::open(active, &self.keys).ok_or_else(|| {
                OAuthError::Unavailable("the active signing key does not open with this server secret".into())
            })?),
        };
        if let Ok(mut s) = self.signers.write() {
            s.insert(alg, (self.clock.now(), signer.clone()));
        }
        Ok(signer)
    }
}
