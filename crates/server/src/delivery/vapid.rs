//! The node's VAPID key, loaded once: created on the first start of the first node and stored
//! sealed, so every node of a cluster signs with the same pair.
use std::sync::{Arc, OnceLock};

use phonelogin_core::outbox::vapid::VapidKey;
use phonelogin_core::store::StoreError;

use crate::state::AppState;

#[derive(Default)]
pub struct VapidCell(OnceLock<Arc<VapidKey>>);

impl VapidCell {
    /// The key, from the store the first time (storing a new one when there is none).
    pub async fn get(&self, state: &AppState) -> Result<Arc<VapidKey>, StoreError> {
        if let Some(k) = self.0.get() {
            return Ok(k.clone());
        }
        let (_, candidate) = VapidKey::generate(&state.keys);
        let stored = state.store.vapid_key(&candidate, state.clock.now()).await?;
        let key = VapidKey::open(&stored, &state.keys)
            .ok_or_else(|| StoreError("the VAPID key does not open with this server secret".into()))?;
        Ok(self.0.get_or_init(|| Arc::new(key)).clone())
    }
}
