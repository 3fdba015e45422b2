//! [`MemoryStore`]: a store shared by the sessions of one process.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

use super::{SharedRefusal, SharedToken, StoreError, TokenStore};

/// A store in this process's memory: shares one token between the sessions of one
/// process that are given the same `Arc<MemoryStore>`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    tokens: HashMap<String, SharedToken>,
    leases: HashMap<String, (String, Instant)>,
    refusals: HashMap<String, (SharedRefusal, Instant)>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut MemoryState) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl TokenStore for MemoryStore {
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<SharedToken>, StoreError>> {
        let found = self.with(|s| s.tokens.get(key).cloned());
        Box::pin(async move { Ok(found) })
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a SharedToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.with(|s| s.tokens.insert(key.to_owned(), token.clone()));
        Box::pin(async { Ok(()) })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.with(|s| s.tokens.remove(key));
        Box::pin(async { Ok(()) })
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let now = Instant::now();
        let taken = self.with(|s| match s.leases.get(key) {
            Some((_, until)) if *until > now => false,
            _ => {
                s.leases
                    .insert(key.to_owned(), (holder.to_owned(), now + ttl));
                true
            }
        });
        Box::pin(async move { Ok(taken) })
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.with(|s| {
            if s.leases.get(key).is_some_and(|(h, _)| h == holder) {
                s.leases.remove(key);
            }
        });
        Box::pin(async { Ok(()) })
    }

    fn extend_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let now = Instant::now();
        let extended = self.with(|s| match s.leases.get_mut(key) {
            Some((h, until)) if h == holder && *until > now => {
                *until = now + ttl;
                true
            }
            _ => false,
        });
        Box::pin(async move { Ok(extended) })
    }

    fn save_refusal<'a>(
        &'a self,
        key: &'a str,
        refusal: &'a SharedRefusal,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let until = Instant::now() + ttl;
        self.with(|s| s.refusals.insert(key.to_owned(), (refusal.clone(), until)));
        Box::pin(async { Ok(()) })
    }

    fn load_refusal<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<SharedRefusal>, StoreError>> {
        let now = Instant::now();
        let found = self.with(|s| match s.refusals.get(key) {
            Some((refusal, until)) if *until > now => Some(refusal.clone()),
            Some(_) => {
                s.refusals.remove(key);
                None
            }
            None => None,
        });
        Box::pin(async move { Ok(found) })
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    #[tokio::test]
    async fn memory_refusals_are_kept_for_their_time() {
        let store = MemoryStore::new();
        let refusal = SharedRefusal {
            message: "refused".to_owned(),
            refused_at: SystemTime::now(),
        };
        let kept = store.save_refusal("r", &refusal, Duration::from_secs(60));
        assert!(kept.await.is_ok());
        assert_eq!(
            store.load_refusal("r").await.ok().flatten(),
            Some(refusal.clone())
        );
        let kept = store.save_refusal("r", &refusal, Duration::ZERO);
        assert!(kept.await.is_ok());
        assert_eq!(store.load_refusal("r").await.ok().flatten(), None);
        assert_eq!(store.load_refusal("other").await.ok().flatten(), None);
    }

    #[tokio::test]
    async fn memory_leases_are_exclusive_until_released_or_expired() {
        let store = MemoryStore::new();
        let ttl = Duration::from_secs(60);
        assert!(store.try_lease("l", "a", ttl).await.unwrap_or(false));
        assert!(!store.try_lease("l", "b", ttl).await.unwrap_or(true));
        let _ = store.release("l", "b").await;
        assert!(!store.try_lease("l", "b", ttl).await.unwrap_or(true));
        assert!(store.extend_lease("l", "a", ttl).await.unwrap_or(false));
        assert!(!store.extend_lease("l", "b", ttl).await.unwrap_or(true));
        let _ = store.release("l", "a").await;
        assert!(!store.extend_lease("l", "a", ttl).await.unwrap_or(true));
        assert!(
            store
                .try_lease("l", "b", Duration::ZERO)
                .await
                .unwrap_or(false)
        );
        assert!(store.try_lease("l", "c", ttl).await.unwrap_or(false));
    }
}
