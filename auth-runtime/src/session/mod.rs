//! The token cache: lock-free when the token is fresh, one login for any number of
//! callers when it is not. `builder` configures a session, `login` fetches a token,
//! `shared` coordinates sessions through a token store, `requests` sends API calls,
//! keep-alives and logouts, `background` refreshes ahead of time.

mod background;
mod builder;
mod login;
mod proof;
mod requests;
mod shared;

use background::refresh_in_background;

pub use builder::SessionBuilder;
use login::elapsed_ms;
use shared::SharedStore;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use futures::FutureExt as _;
use futures::future::{BoxFuture, Shared};
use secrecy::SecretString;
use tracing::Instrument as _;

use crate::clock::Clock;
use crate::expiry::ExpiryPolicy;
use crate::gate::{Failure, Gate};
use crate::origin::Origins;
use crate::provider::{Provider, WireFormat};
use crate::retry::RetryPolicy;
use crate::token::{Cached, TokenRef};
use crate::transport::Transport;

/// A logged-in connection to one vendor account: caches the token, logs in again when
/// it is due, and puts it on API requests.
///
/// Cloning is cheap and shares the cache.
pub struct Session<P: Provider> {
    inner: Arc<Inner<P>>,
}

impl<P: Provider> Clone for Session<P> {
    fn clone(&self) -> Self {
        Session {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// A token as handed to an [`on_token`](SessionBuilder::on_token) hook for safekeeping,
/// and as given back to [`restore`](SessionBuilder::restore).
#[derive(Clone)]
pub struct StoredToken {
    /// The token.
    pub token: SecretString,
    /// When it expires (wall-clock time); `None` when the vendor does not say.
    pub expires_at: Option<SystemTime>,
    /// The refresh token the session holds (OAuth 2.0), a secret like the credentials.
    /// Restored, it lets the session refresh instead of logging in with the
    /// credentials, even once `token` has expired.
    pub refresh_token: Option<SecretString>,
    /// The base of later API calls the token's login named (`api_base`); restored, it
    /// is checked against the vendor's API hosts again, and a token without one is not
    /// restored for a vendor whose login names one.
    pub api_base: Option<String>,
}

impl std::fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredToken")
            .field("token", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("api_base", &self.api_base)
            .finish()
    }
}

type TokenHook = Arc<dyn Fn(&StoredToken) + Send + Sync>;

/// What [`Session::logout`] did at the vendor. The session forgets its tokens in every
/// case: the next call logs in again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoggedOut {
    /// The vendor was told: its logout was called, or the tokens were revoked.
    Retired,
    /// The vendor has neither a logout nor a revocation endpoint: the tokens were only
    /// forgotten here, and stay valid at the vendor until they expire.
    OnlyForgotten,
    /// The session held no valid token and no refresh token: nothing was sent.
    NothingToRetire,
}

/// The largest API response body read to look for a token rejection in it (only for
/// providers with a [`rejection`](Provider::rejection) test, only for JSON bodies).
pub const API_MAX_BODY: usize = 16 * 1024 * 1024;

/// What a login ends with, for every caller that waited for it.
type Landed<P> = Result<Arc<Cached>, Failure<<P as Provider>::Error>>;

/// A login in progress, awaited by every caller that needs a token meanwhile.
///
/// One caller drives it (polls the login); the others wait for `ended` and read the
/// result once it is there. So the login's own wake-ups (its connection, its answer)
/// wake only the driver, not every waiter, and at the end the waiters are woken by a
/// [`tokio::sync::Notify`] (in batches, its lock released between them) instead of
/// all at once under one lock. A driver that is dropped (its caller cancelled) hands
/// the login over: it clears `driven` and wakes the waiters, one of which drives the
/// same login on from where it stood (`Shared` keeps it), so no waiter is stranded.
struct Flight<P: Provider> {
    login: Shared<BoxFuture<'static, Landed<P>>>,
    /// Whether a caller is driving the login.
    driven: AtomicBool,
    /// Told when the login has ended, or when its driver is gone.
    ended: tokio::sync::Notify,
}

impl<P: Provider> Flight<P> {
    fn new(login: BoxFuture<'static, Landed<P>>) -> Self {
        Flight {
            login: login.shared(),
            driven: AtomicBool::new(false),
            ended: tokio::sync::Notify::new(),
        }
    }

    /// Whether the login has ended (its result is there).
    fn has_ended(&self) -> bool {
        self.login.peek().is_some()
    }

    /// Waits for the login's end, driving it when nobody does: `Ok` when it landed a
    /// token (see [`Session::landed`]), else its failure.
    async fn join(&self) -> Result<(), Failure<P::Error>> {
        loop {
            // Created before looking: a `notify_waiters` after this line wakes it.
            let ended = self.ended.notified();
            if let Some(result) = self.login.peek() {
                return match result {
                    Ok(_) => Ok(()),
                    Err(failure) => Err(failure.clone()),
                };
            }
            if self
                .driven
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return self.drive().await.map(drop);
            }
            ended.await;
        }
    }

    /// Polls the login to its end; wakes the waiters then, or when dropped before it.
    async fn drive(&self) -> Landed<P> {
        struct Driver<'a, P: Provider> {
            flight: &'a Flight<P>,
            done: bool,
        }
        impl<P: Provider> Drop for Driver<'_, P> {
            fn drop(&mut self) {
                if !self.done {
                    self.flight.driven.store(false, Ordering::Release);
                }
                self.flight.ended.notify_waiters();
            }
        }
        let mut driver = Driver {
            flight: self,
            done: false,
        };
        let result = self.login.clone().await;
        driver.done = true;
        result
    }
}

struct Inner<P: Provider> {
    provider: P,
    credentials: P::Credentials,
    transport: Transport,
    clock: Clock,
    expiry: ExpiryPolicy,
    retry: RetryPolicy,
    login_format: Option<WireFormat>,
    on_token: Option<TokenHook>,
    current: ArcSwap<Cached>,
    /// The typed response of the latest successful login.
    last_response: arc_swap::ArcSwapOption<P::Response>,
    generations: AtomicU64,
    /// What the last failed login means for the next: no attempt while it holds.
    /// Looked at only on the slow path, under `flight`'s lock.
    gate: Mutex<Gate<P::Error>>,
    /// How long a refused login holds off new attempts with the same credentials.
    refusal_hold: Duration,
    /// The most one login may take, all its attempts and waits included.
    login_deadline: Duration,
    /// Where the token may be sent.
    origins: Origins,
    /// The login in flight, if any. A plain mutex: it is held only to look at or
    /// replace the slot, never across an await.
    flight: Mutex<Option<Arc<Flight<P>>>>,
    /// Wakes the background refresher when a token arrives.
    logged_in: Arc<tokio::sync::Notify>,
    /// The store shared with other sessions of the same account, if any.
    shared: Option<SharedStore>,
    /// The refresh token of the latest login (or of the token adopted from the store,
    /// or restored), when the vendor issued one. Looked at only on the slow path.
    refresh_token: Mutex<Option<SecretString>>,
    /// Bounds the logins in flight across the sessions sharing it (a pool's): taken
    /// by each login, its wait counted in the login's deadline.
    login_limit: Option<Arc<tokio::sync::Semaphore>>,
    /// The account, as a pool names it: a field of the session's spans and events.
    account: Option<String>,
    /// The session's metric handles (feature `metrics`; nothing without it).
    metrics: crate::metrics::Metrics,
    /// What the steps of the latest login bound, for a logout or keep-alive that names
    /// it (`DELETE /sessions/{session_id}`); empty after a token adopted or restored.
    last_bound: Mutex<crate::provider::Bindings>,
    /// The DPoP key and the servers' nonces, when the vendor binds its tokens (nothing
    /// to read without the `sign` feature).
    #[cfg_attr(not(feature = "sign"), allow(dead_code))]
    proofs: proof::Proofs,
}

impl<P: Provider> Session<P> {
    /// The provider this session logs in to.
    pub fn provider(&self) -> &P {
        &self.inner.provider
    }

    /// The current token, logging in first when there is none or it is due.
    ///
    /// When the token is fresh this does what [`cached_token`](Self::cached_token)
    /// does: two atomic loads (the token and the cached clock, see [`Clock::system`]),
    /// no lock, no allocation, no shared write. When it is not, every concurrent caller
    /// waits for the same single login. When that login fails but the old token has not
    /// expired yet, the old token is returned (and the failure logged).
    pub async fn token(&self) -> Result<TokenRef, P::Error> {
        match self.cached_token() {
            Some(fresh) => {
                self.inner.metrics.token_cached();
                Ok(fresh)
            }
            None => self.replace_token().await,
        }
    }

    /// [`Session::token`] when the token is missing or due: the held token while a
    /// failed refresh holds off the next one, else a (shared) login.
    async fn replace_token(&self) -> Result<TokenRef, P::Error> {
        let now = self.inner.clock.now_ms();
        let current = self.inner.current.load();
        if current.is_fresh(now) {
            current.touch(now);
            self.inner.metrics.token_cached();
            return Ok(TokenRef { inner: current });
        }
        if current.is_valid(now) && self.inner.gate().holding(now).is_some() {
            self.inner.metrics.token_cached();
            return Ok(TokenRef { inner: current });
        }
        let stale = current.generation;
        drop(current);
        self.inner.metrics.token_waited();
        match self.refresh(stale).await {
            Ok(fresh) => Ok(fresh),
            Err(failure) => self.keep_valid_token(failure),
        }
    }

    /// After a failed refresh: the old token while it is valid, else the error. (The
    /// failed login closed the gate, so the next calls do not ask the vendor again
    /// before its time.)
    fn keep_valid_token(&self, failure: Failure<P::Error>) -> Result<TokenRef, P::Error> {
        let now = self.inner.clock.now_ms();
        let current = self.inner.current.load();
        if !current.is_valid(now) {
            return Err(failure.error);
        }
        tracing::warn!(
            vendor = self.provider().vendor(),
            error = %failure.error,
            "refresh failed; using the current token until it expires"
        );
        Ok(TokenRef { inner: current })
    }

    /// What the latest successful login returned besides the token (e.g. Modulus'
    /// `app_id` and `ip`); `None` before the first login.
    pub fn login_response(&self) -> Option<Arc<P::Response>> {
        self.inner.last_response.load_full()
    }

    /// How long until this session may try to log in again, when a failed login holds
    /// it off (a refusal, a `Retry-After`, a cool-down after transient failures); `None`
    /// when a call may log in now. Meanwhile calls that need a new token get the
    /// failure that closed the gate, without asking the vendor.
    pub fn login_held_for(&self) -> Option<Duration> {
        let now = self.inner.clock.now_ms();
        let until = self.inner.gate().closed_until();
        (until > now).then(|| Duration::from_millis(until - now))
    }

    /// The current token if it is fresh, without logging in: the synchronous hot path.
    // Inlined into the caller: a call, its frame and the `Option<TokenRef>` returned
    // through memory cost as much as the check itself.
    #[inline]
    pub fn cached_token(&self) -> Option<TokenRef> {
        let inner = &*self.inner;
        let now = inner.clock.recent_ms();
        let current = inner.current.load();
        if current.is_fresh(now) {
            current.touch(now);
            Some(TokenRef { inner: current })
        } else {
            None
        }
    }

    /// Forgets the current token; the next call logs in again.
    pub fn invalidate(&self) {
        let old = self.inner.current.swap(Cached::empty());
        self.inner.remember_rejected(&old);
    }

    /// Forgets the token of `generation` only: a rejection seen by many callers at once
    /// replaces the token once, not once per caller.
    pub(crate) fn invalidate_generation(&self, generation: u64) {
        let current = self.inner.current.load();
        if current.generation == generation {
            self.inner.remember_rejected(&current);
            self.inner
                .current
                .compare_and_swap(&*current, Cached::empty());
        }
    }

    /// The credentials, for the provider's per-request hook.
    pub(crate) fn credentials(&self) -> &P::Credentials {
        &self.inner.credentials
    }

    /// The session's metric handles, for the send protocol.
    pub(crate) fn metrics(&self) -> &crate::metrics::Metrics {
        &self.inner.metrics
    }

    /// Joins the login in flight, or starts one, to replace the token of generation `stale`.
    async fn refresh(&self, stale: u64) -> Result<TokenRef, Failure<P::Error>> {
        let flight = {
            let mut slot = self
                .inner
                .flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            // Another caller may have finished a login since we looked.
            let now = self.inner.clock.now_ms();
            let current = self.inner.current.load_full();
            if current.generation != stale && current.is_fresh(now) {
                return Ok(TokenRef {
                    inner: arc_swap::Guard::from_inner(current),
                });
            }
            match slot.as_ref() {
                Some(flight) if !flight.has_ended() => Arc::clone(flight),
                _ => {
                    // A recent failure answers for the vendor until its hold passes.
                    if let Some(failure) = self.inner.gate().holding(now) {
                        return Err(failure.clone());
                    }
                    let inner = Arc::clone(&self.inner);
                    // The flight outlives its starter's span: it carries its own.
                    let span = inner.span();
                    let flight = Arc::new(Flight::new(
                        async move { inner.login_guarded().await }
                            .instrument(span)
                            .boxed(),
                    ));
                    *slot = Some(Arc::clone(&flight));
                    flight
                }
            }
        };
        // Driven by one caller at a time, so a cancelled caller does not strand the
        // others: the next waiter, or the next caller to arrive, drives it on.
        flight.join().await?;
        Ok(self.landed(&flight))
    }

    /// The token a flight that succeeded landed: read from the cache (an arc-swap
    /// guard: no reference count written by the many waiters of a storm) while it is
    /// still the session's current token, else the flight's own.
    fn landed(&self, flight: &Flight<P>) -> TokenRef {
        let current = self.inner.current.load();
        match flight.login.peek() {
            Some(Ok(landed)) if !Arc::ptr_eq(&current, landed) => TokenRef {
                inner: arc_swap::Guard::from_inner(Arc::clone(landed)),
            },
            _ => TokenRef { inner: current },
        }
    }
}

impl<P: Provider> Session<P> {
    /// The HTTP clients of this session, for other sessions configured alike.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// Whether only the caller holds this session: no clone of it is in use elsewhere.
    pub(crate) fn is_unshared(&self) -> bool {
        Arc::strong_count(&self.inner) == 1
    }

    /// The account's name in logs, as a pool gives it.
    pub(crate) fn account(&self) -> Option<&str> {
        self.inner.account.as_deref()
    }

    /// Whether new tokens are handed to an `on_token` hook (kept for a restart).
    pub(crate) fn keeps_tokens(&self) -> bool {
        self.inner.on_token.is_some()
    }
}

impl<P: Provider> Inner<P> {
    /// The login gate; poisoning is harmless (it holds plain data).
    fn gate(&self) -> std::sync::MutexGuard<'_, Gate<P::Error>> {
        self.gate.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The span a login or logout runs in: the vendor, and the account when a pool
    /// named it, on every event inside (the login's own span, store warnings).
    fn span(&self) -> tracing::Span {
        tracing::info_span!(
            "session",
            vendor = self.provider.vendor(),
            // Shown as the key's `Debug` wrote it (`"tenant-7"`, `42`), unescaped.
            account = self.account.as_deref().map(tracing::field::display)
        )
    }

    /// The refresh token slot; poisoning is harmless (it holds plain data).
    fn refresh_slot(&self) -> std::sync::MutexGuard<'_, Option<SecretString>> {
        self.refresh_token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the refresh token held, for safekeeping (store, `on_token`).
    fn held_refresh(&self) -> Option<SecretString> {
        self.refresh_slot().clone()
    }

    /// Calls the `on_token` hook, if any, with `cached` and the refresh token held.
    fn tell_hook(&self, cached: &Cached, expires_at: Option<SystemTime>) {
        if let Some(hook) = &self.on_token {
            hook(&StoredToken {
                token: cached_secret(cached),
                expires_at,
                refresh_token: self.held_refresh(),
                api_base: cached.api_base.as_ref().map(url::Url::to_string),
            });
        }
    }
}

fn cached_secret(cached: &Cached) -> SecretString {
    SecretString::from(cached.secret())
}

impl<P: Provider> std::fmt::Debug for Session<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("vendor", &self.provider().vendor())
            .field("token", &**self.inner.current.load())
            .field("expiry", &self.inner.expiry)
            .finish_non_exhaustive()
    }
}
