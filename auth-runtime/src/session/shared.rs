//! Sessions sharing a token store: the lease, adopting a published token, publishing
//! one, and shared refusals.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};

use crate::clock::millis;
use crate::error::Error;
use crate::gate::{Failure, FailureKind};
use crate::metrics::StoreOutcome;
use crate::provider::Provider;
use crate::store::{SharedRefusal, SharedToken, StoreSecret, TokenStore, record};
use crate::token::Cached;

use super::{Inner, cached_secret};

/// A session's place in a shared [`TokenStore`].
pub(super) struct SharedStore {
    pub(super) store: Arc<dyn TokenStore>,
    pub(super) key: String,
    pub(super) lease_key: String,
    pub(super) lease: Duration,
    pub(super) refusal_key: String,
    /// How long a refusal is shared: other sessions report it rather than try.
    pub(super) refusal_hold: Duration,
    /// Seals the token before it is stored, and opens what is loaded.
    pub(super) secret: Option<StoreSecret>,
    /// The last token this session saw rejected (or was told to forget): never adopted
    /// from the store again. Looked at only on the slow path.
    pub(super) rejected: Spent,
    /// The last refresh token this session retired at logout: never taken from the
    /// store again.
    pub(super) retired_refresh: Spent,
}

/// A secret this session is done with, so as not to take it from the store again.
#[derive(Default)]
pub(super) struct Spent(Mutex<Option<SecretString>>);

impl Spent {
    fn remember(&self, secret: SecretString) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(secret);
    }

    fn is(&self, secret: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|spent| spent.expose_secret() == secret)
    }
}

impl<P: Provider> Inner<P> {
    /// Notes `old` as a token not to take from the store again (rejected or forgotten).
    pub(super) fn remember_rejected(&self, old: &Cached) {
        if let Some(shared) = &self.shared
            && old.generation != 0
        {
            shared.rejected.remember(cached_secret(old));
        }
    }

    /// The account's record in the store, if there is a valid one (opened with the
    /// store secret, if any): invalid records are absent (and warned about).
    async fn load_record(
        &self,
        shared: &SharedStore,
    ) -> Result<Option<SharedToken>, crate::store::StoreError> {
        let stored = shared.store.load(&shared.key).await?;
        let wall = self.clock.wall_now();
        Ok(stored.and_then(|s| record::usable_token(&shared.key, s, shared.secret.as_ref(), wall)))
    }

    /// The token of a valid record, as this session would cache it, if it is fresh
    /// and neither rejected here nor the token this session already found due.
    fn adoptable(&self, shared: &SharedStore, stored: &SharedToken) -> Option<Cached> {
        let wall = self.clock.wall_now();
        let secret = stored.token.expose_secret();
        if shared.rejected.is(secret) || self.current.load().secret() == secret {
            return None;
        }
        let (remaining, full) = match stored.expires_at {
            Some(at) => (
                Some(at.duration_since(wall).ok()?),
                Some(at.duration_since(stored.issued_at).unwrap_or_default()),
            ),
            None => (None, None),
        };
        // A token whose login named an API base goes there only if it is still on one
        // of the API hosts; one without a base is of no use to such a vendor.
        let api_base = match (self.provider.api_base(), &stored.api_base) {
            (None, _) => None,
            (Some(_), Some(named)) => {
                let admitted = self.origins.admit_api_base(self.provider.vendor(), named);
                Some(admitted.inspect_err(|error| {
                    tracing::warn!(vendor = self.provider.vendor(), error = %error, "not taking the stored token");
                }).ok()?)
            }
            (Some(_), None) => return None,
        };
        let now = self.clock.now_ms();
        let cached = self
            .issue_remaining(stored.token.clone(), now, remaining, full)
            .with_api_base(api_base);
        cached.is_fresh(now).then_some(cached)
    }

    /// When `cached` expires, on the wall clock (other processes read it); `None` for a
    /// token without an expiry.
    fn wall_expiry(&self, cached: &Cached) -> Option<std::time::SystemTime> {
        (cached.expires_at() != u64::MAX).then(|| {
            self.clock.wall_now()
                + Duration::from_millis(cached.expires_at().saturating_sub(self.clock.now_ms()))
        })
    }

    /// Makes a token taken from the store this session's token, and its refresh
    /// token (when the record has one) the one this session refreshes with.
    fn adopt(&self, cached: Cached, refresh: Option<SecretString>) -> Arc<Cached> {
        self.take_refresh(refresh);
        self.metrics.store(StoreOutcome::Adopted);
        let cached = Arc::new(cached);
        self.current.store(Arc::clone(&cached));
        self.gate().succeeded();
        tracing::debug!(
            vendor = self.provider.vendor(),
            generation = cached.generation,
            "took the token from the shared store"
        );
        self.tell_hook(&cached, self.wall_expiry(&cached));
        self.logged_in.notify_waiters();
        cached
    }

    /// Holds `refresh` from the store instead of this session's own refresh token:
    /// the store's is the newest any session sharing it has seen, and a vendor that
    /// rotates refresh tokens refuses the ones they replaced. A record without one
    /// leaves this session's alone.
    fn take_refresh(&self, refresh: Option<SecretString>) {
        let Some(refresh) = refresh else { return };
        let retired = self
            .shared
            .as_ref()
            .is_some_and(|shared| shared.retired_refresh.is(refresh.expose_secret()));
        if !retired {
            *self.refresh_slot() = Some(refresh);
        }
    }

    /// Takes the account's record out of the store when it holds a token this session
    /// just retired at logout (`access`, or the refresh token `refresh`): nobody adopts
    /// it then. A record another session wrote since, with other tokens, stays.
    pub(super) async fn forget_in_store(&self, access: &str, refresh: Option<&SecretString>) {
        let Some(shared) = &self.shared else { return };
        let Ok(Some(stored)) = self.load_record(shared).await else {
            return;
        };
        let retired_access = !access.is_empty() && stored.token.expose_secret() == access;
        let retired_refresh = match (&stored.refresh_token, refresh) {
            (Some(kept), Some(retired)) => kept.expose_secret() == retired.expose_secret(),
            _ => false,
        };
        if (retired_access || retired_refresh)
            && let Err(error) = shared.store.remove(&shared.key).await
        {
            tracing::warn!(vendor = self.provider.vendor(), error = %error, "could not take the retired token out of the store");
        }
    }

    /// Notes `refresh` as retired at logout: not to take from the store again.
    pub(super) fn remember_retired_refresh(&self, refresh: &SecretString) {
        if let Some(shared) = &self.shared {
            shared.retired_refresh.remember(refresh.clone());
        }
    }

    /// A login coordinated through the shared store: the token there when it is
    /// usable; else, under the store's lease, one login published for everyone; while
    /// another session holds the lease, its token. Without the store, a local login.
    pub(super) async fn login_shared(
        self: Arc<Self>,
        shared: &SharedStore,
    ) -> Result<Arc<Cached>, Failure<P::Error>> {
        let vendor = self.provider.vendor();
        let started = std::time::Instant::now();
        let holder = format!("{}-{:016x}", std::process::id(), fastrand::u64(..));
        let poll = (shared.lease / 20).clamp(Duration::from_millis(10), Duration::from_millis(100));
        let give_up = shared.lease.saturating_mul(3) + Duration::from_secs(1);
        let local = |error: crate::store::StoreError| {
            self.metrics.store(StoreOutcome::Unavailable);
            tracing::warn!(vendor, error = %error, "token store unavailable; logging in locally");
        };
        loop {
            match self.load_record(shared).await {
                Ok(Some(stored)) => {
                    if let Some(cached) = self.adoptable(shared, &stored) {
                        return Ok(self.adopt(cached, stored.refresh_token));
                    }
                }
                Ok(None) => {}
                Err(error) => {
                    local(error);
                    return self.login().await;
                }
            }
            match self.published_refusal(shared).await {
                Ok(Some(refused)) => return Err(refused),
                Ok(None) => {}
                Err(error) => {
                    local(error);
                    return self.login().await;
                }
            }
            if started.elapsed() > give_up {
                tracing::warn!(
                    vendor,
                    "no token in the shared store after waiting for its lease; logging in locally"
                );
                return self.login().await;
            }
            match shared
                .store
                .try_lease(&shared.lease_key, &holder, shared.lease)
                .await
            {
                Ok(true) => break,
                Ok(false) => tokio::time::sleep(poll).await,
                Err(error) => {
                    local(error);
                    return self.login().await;
                }
            }
        }
        // Under the lease: someone may have published between our look and the lease.
        if let Ok(Some(stored)) = self.load_record(shared).await {
            if let Some(cached) = self.adoptable(shared, &stored) {
                let _ = shared.store.release(&shared.lease_key, &holder).await;
                return Ok(self.adopt(cached, stored.refresh_token));
            }
            // The token there is due or rejected, but its refresh token is the one to
            // refresh with: one refresh per expiry between the sessions sharing it.
            self.take_refresh(stored.refresh_token);
        }
        // ... or been refused and released the lease just before we took it.
        if let Ok(Some(refused)) = self.published_refusal(shared).await {
            let _ = shared.store.release(&shared.lease_key, &holder).await;
            return Err(refused);
        }
        self.metrics.store(StoreOutcome::Leased);
        let issued_at = self.clock.wall_now();
        let result = tokio::select! {
            result = Arc::clone(&self).login() => result,
            never = keep_lease(vendor, shared, &holder) => match never {},
        };
        if let Err(failure) = &result
            && failure.kind == FailureKind::Refused
        {
            let refusal = SharedRefusal {
                message: record::publishable_message(&failure.error.to_string()),
                refused_at: self.clock.wall_now(),
            };
            let refusal =
                record::refusal_for_store(&shared.refusal_key, refusal, shared.secret.as_ref());
            let published = shared
                .store
                .save_refusal(&shared.refusal_key, &refusal, shared.refusal_hold)
                .await;
            if let Err(error) = published {
                tracing::warn!(vendor, error = %error, "could not publish the refusal to the store");
            }
        }
        if let Ok(cached) = &result {
            let token = SharedToken {
                token: cached_secret(cached),
                issued_at,
                expires_at: self.wall_expiry(cached),
                refresh_token: record::shareable_refresh(self.held_refresh()),
                api_base: cached.api_base.as_ref().map(url::Url::to_string),
            };
            let token = record::for_store(&shared.key, token, shared.secret.as_ref());
            if let Err(error) = shared.store.save(&shared.key, &token).await {
                tracing::warn!(vendor, error = %error, "could not publish the token to the store");
            }
        }
        if let Err(error) = shared.store.release(&shared.lease_key, &holder).await {
            tracing::warn!(vendor, error = %error, "could not release the store's lease");
        }
        result
    }

    /// A refusal that another session sharing the store published, as this session's
    /// failure: the same credentials are not tried again until it expires.
    pub(super) async fn published_refusal(
        &self,
        shared: &SharedStore,
    ) -> Result<Option<Failure<P::Error>>, crate::store::StoreError> {
        let Some(refusal) = shared.store.load_refusal(&shared.refusal_key).await? else {
            return Ok(None);
        };
        let refusal =
            match record::open_refusal(&shared.refusal_key, refusal, shared.secret.as_ref()) {
                Ok(refusal) => refusal,
                Err(reason) => {
                    tracing::warn!(
                        key = shared.refusal_key,
                        reason,
                        "ignoring a refusal in the token store that is not authenticated"
                    );
                    return Ok(None);
                }
            };
        let now = self.clock.wall_now();
        let Some(refusal) = record::usable_refusal(&shared.refusal_key, refusal, now) else {
            return Ok(None);
        };
        let age = now.duration_since(refusal.refused_at).unwrap_or_default();
        tracing::warn!(
            vendor = self.provider.vendor(),
            age_ms = millis(age),
            "a session sharing the token store was refused; not trying the same credentials"
        );
        // Held for what is left of the shared hold, not a whole hold from now.
        Ok(Some(Failure {
            error: Error::RefusedRecently {
                vendor: self.provider.vendor(),
                age,
                message: refusal.message,
            }
            .into(),
            kind: FailureKind::HeldFor(shared.refusal_hold.saturating_sub(age)),
        }))
    }
}

/// Extends the store's lease every third of its time while this session logs in, so
/// that a slow login (a slow vendor, retries) is not repeated by another session that
/// would take the lease over. Never completes; dropped when the login ends.
async fn keep_lease(
    vendor: &'static str,
    shared: &SharedStore,
    holder: &str,
) -> std::convert::Infallible {
    let every = (shared.lease / 3).max(Duration::from_millis(1));
    loop {
        tokio::time::sleep(every).await;
        match shared
            .store
            .extend_lease(&shared.lease_key, holder, shared.lease)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(
                    vendor,
                    "the store's lease could not be extended; another session may log in too"
                );
                break;
            }
            Err(error) => {
                tracing::warn!(vendor, error = %error, "could not extend the store's lease");
                break;
            }
        }
    }
    std::future::pending().await
}
