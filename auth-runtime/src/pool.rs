//! Many accounts of one vendor in one process: [`SessionPool`].
//!
//! A service that calls a vendor on behalf of many customers keeps one [`Session`]
//! per customer account. The pool creates each on first use, from the
//! [`SessionBuilder`] a function of the user's returns for the account's key (its
//! credentials read from configuration or a secret manager), and gives every session
//! the pool's HTTP clients, clock and token store. It bounds the number of sessions,
//! forgets idle ones (logging them out), and bounds the logins in flight across all
//! accounts, so that many expiries at once do not become a storm of logins against
//! the vendor (each session's refresh point is already jittered: see
//! [`ExpiryPolicy`](crate::ExpiryPolicy)).

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use arc_swap::ArcSwap;
use foldhash::fast::RandomState;
use futures::future::BoxFuture;

use crate::clock::{Clock, millis};
use crate::provider::Provider;
use crate::session::{Session, SessionBuilder};
use crate::store::{StoreSecret, TokenStore};
use crate::token::TokenRef;
use crate::transport::Transport;

/// How many parts the sessions are spread over. A new account copies its part's map
/// (see [`Shard`]), so more parts make that copy smaller: a few hundred entries at
/// 100,000 accounts, a few microseconds beside the login that follows.
const SHARDS: usize = 256;

/// The user's function from an account's key to its session's configuration.
type Factory<K, P, E> =
    Box<dyn Fn(&K) -> BoxFuture<'static, Result<SessionBuilder<P>, E>> + Send + Sync>;

/// The sessions of many accounts of one vendor, keyed by `K` (a tenant or account id),
/// created on first use, bounded in number, dropped (and logged out) when idle.
///
/// `E` is the error of the function that configures a session (reading credentials can
/// fail); it must take the vendor's errors too. Cloning is cheap and shares the pool.
///
/// ```no_run
/// # use auth_runtime::{Provider, Session, SessionPool};
/// # async fn example<P: Provider + Clone>(
/// #     provider: P,
/// #     credentials_for: impl Fn(&str) -> Result<P::Credentials, P::Error> + Send + Sync + 'static,
/// # ) -> Result<(), P::Error> {
/// let pool = SessionPool::builder(move |tenant: &String| {
///     let builder = credentials_for(tenant)
///         .map(|credentials| Session::builder(provider.clone(), credentials));
///     async move { builder }
/// })
/// .max_sessions(10_000)
/// .idle_timeout(std::time::Duration::from_secs(15 * 60))
/// .max_concurrent_logins(8)
/// .build();
/// let session = pool.session(&"tenant-42".to_owned()).await?;
/// let token = session.token().await?;
/// # Ok(()) }
/// ```
pub struct SessionPool<K, P: Provider, E = <P as Provider>::Error> {
    inner: Arc<PoolInner<K, P, E>>,
}

impl<K, P: Provider, E> Clone for SessionPool<K, P, E> {
    fn clone(&self) -> Self {
        SessionPool {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct PoolInner<K, P: Provider, E> {
    factory: Factory<K, P, E>,
    shards: Box<[Shard<K, P>]>,
    hasher: RandomState,
    len: AtomicUsize,
    max_sessions: usize,
    idle_timeout: Option<Duration>,
    clock: Clock,
    store: Option<(Arc<dyn TokenStore>, Option<StoreSecret>)>,
    login_limit: Option<Arc<tokio::sync::Semaphore>>,
    /// The HTTP clients of the first session built, shared by every later one (all are
    /// configured by one function, so alike).
    transport: OnceLock<Transport>,
}

/// A part of the pool's sessions. Read without a lock: a lookup loads the map through
/// an arc-swap guard (no shared write, like a session's token), where a read lock
/// wrote its lock word twice per lookup. Changed by copy: a writer, one at a time
/// under `write`, clones the map (its entries are `Arc`s, shared between the copies,
/// so a use recorded in either is seen in both), changes the clone and swaps it in.
/// Accounts are added and dropped far less often than their tokens are read.
struct Shard<K, P: Provider> {
    sessions: ArcSwap<Sessions<K, P>>,
    write: Mutex<()>,
}

/// Keys are hashed with foldhash (seeded at random per map, like the shard choice):
/// account keys are small, and SipHash cost more than the rest of a lookup.
type Sessions<K, P> = HashMap<K, Arc<Entry<P>>, RandomState>;

impl<K: Hash + Eq + Clone, P: Provider> Shard<K, P> {
    fn new() -> Self {
        Shard {
            sessions: ArcSwap::from_pointee(HashMap::default()),
            write: Mutex::new(()),
        }
    }

    /// Runs `change` under the writers' lock on the map, which it copies (`to_mut`)
    /// only to change it; a copy is then swapped in.
    fn change<R>(&self, change: impl FnOnce(&mut Cow<'_, Sessions<K, P>>) -> R) -> R {
        let _writer = self
            .write
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = self.sessions.load_full();
        let mut sessions = Cow::Borrowed(&*current);
        let result = change(&mut sessions);
        if let Cow::Owned(changed) = sessions {
            self.sessions.store(Arc::new(changed));
        }
        result
    }
}

struct Entry<P: Provider> {
    session: Session<P>,
    /// When the session was last handed out, on the pool's clock (milliseconds), to
    /// within [`TOUCH_STEP_MS`].
    last_used: AtomicU64,
}

/// How far apart two uses must be for the second to be written down: idle timeouts
/// are minutes, and a write per use would make every lookup dirty a shared cache line.
const TOUCH_STEP_MS: u64 = 1000;

impl<P: Provider> Entry<P> {
    fn touch(&self, now: u64) {
        if now.saturating_sub(self.last_used.load(Ordering::Relaxed)) >= TOUCH_STEP_MS {
            self.last_used.store(now, Ordering::Relaxed);
        }
    }
}

/// Configures a [`SessionPool`]; start with [`SessionPool::builder`].
pub struct SessionPoolBuilder<K, P: Provider, E> {
    factory: Factory<K, P, E>,
    max_sessions: usize,
    idle_timeout: Option<Duration>,
    clock: Clock,
    store: Option<(Arc<dyn TokenStore>, Option<StoreSecret>)>,
    max_concurrent_logins: Option<usize>,
}

impl<K, P, E> SessionPool<K, P, E>
where
    K: Hash + Eq + Clone + std::fmt::Debug + Send + Sync + 'static,
    P: Provider,
    E: From<P::Error> + Send + 'static,
{
    /// Starts configuring a pool whose sessions `configure` returns, one per key: a
    /// [`SessionBuilder`] with the account's provider and credentials, and any
    /// per-account settings (e.g. [`on_token`](SessionBuilder::on_token) and
    /// [`restore`](SessionBuilder::restore) to keep its token). It is called once per
    /// account, and again after the account's session was dropped.
    pub fn builder<F, Fut>(configure: F) -> SessionPoolBuilder<K, P, E>
    where
        F: Fn(&K) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<SessionBuilder<P>, E>> + Send + 'static,
    {
        SessionPoolBuilder {
            factory: Box::new(move |key| Box::pin(configure(key))),
            max_sessions: 10_000,
            idle_timeout: Some(Duration::from_secs(30 * 60)),
            clock: Clock::system(),
            store: None,
            max_concurrent_logins: None,
        }
    }

    /// The session of `key`'s account, created (without logging in: that waits for
    /// its first token) when the pool has none.
    pub async fn session(&self, key: &K) -> Result<Session<P>, E> {
        if let Some(session) = self.get(key) {
            return Ok(session);
        }
        let inner = &self.inner;
        let shard = inner.shard(key);
        let now = inner.clock.now_ms();
        let mut builder = (inner.factory)(key).await?.clock(inner.clock.clone());
        if let Some((store, secret)) = &inner.store
            && !builder.has_store()
        {
            builder = builder.shared_store(Arc::clone(store), secret.clone());
        }
        builder.shared_transport = inner.transport.get().cloned();
        builder.account = Some(format!("{key:?}"));
        builder.login_limit = inner.login_limit.clone();
        let session = builder.build()?;
        let _ = inner.transport.set(session.transport().clone());

        let existing = inner.shards[shard].change(|sessions| {
            // Another caller may have created it meanwhile: one session per account.
            if let Some(entry) = sessions.get(key) {
                entry.touch(now);
                return Some(entry.session.clone());
            }
            let entry = Entry {
                session: session.clone(),
                last_used: AtomicU64::new(now),
            };
            sessions.to_mut().insert(key.clone(), Arc::new(entry));
            None
        });
        if let Some(existing) = existing {
            return Ok(existing);
        }
        if inner.len.fetch_add(1, Ordering::Relaxed) >= inner.max_sessions {
            inner.make_room(key);
        }
        Ok(session)
    }

    /// The session of `key`'s account if the pool has one, without creating it: the
    /// lookup alone (no lock: an arc-swap guard on one of the parts, a hash, a clock
    /// read, an `Arc` clone), usable outside async code.
    pub fn get(&self, key: &K) -> Option<Session<P>> {
        self.with_entry(key, |entry| entry.session.clone())
    }

    /// The fresh token of `key`'s account, when the pool has its session and that
    /// holds one: [`Session::cached_token`] through the pool, without handing out the
    /// session (no reference count written).
    #[inline]
    pub fn cached_token(&self, key: &K) -> Option<TokenRef> {
        self.with_entry(key, |entry| entry.session.cached_token())
            .flatten()
    }

    /// `f` of `key`'s entry, which counts as a use.
    #[inline]
    fn with_entry<R>(&self, key: &K, f: impl FnOnce(&Entry<P>) -> R) -> Option<R> {
        let inner = &self.inner;
        let sessions = inner.shards[inner.shard(key)].sessions.load();
        let entry = sessions.get(key)?;
        entry.touch(inner.clock.recent_ms());
        Some(f(entry))
    }

    /// Drops the sessions not handed out for the idle timeout and not in use (no clone
    /// held elsewhere), logging each out where the vendor has a logout (unless its
    /// tokens are kept by an `on_token` hook, to be restored later). Returns how many
    /// were dropped. A pool built inside a Tokio runtime does this on its own, every
    /// quarter of the idle timeout.
    pub async fn evict_idle(&self) -> usize {
        let inner = &self.inner;
        let Some(timeout) = inner.idle_timeout else {
            return 0;
        };
        let idle_since = inner.clock.now_ms().saturating_sub(millis(timeout));
        let mut evicted = Vec::new();
        for shard in inner.shards.iter() {
            shard.change(|sessions| {
                let idle = |entry: &Entry<P>| {
                    entry.last_used.load(Ordering::Relaxed) <= idle_since
                        && entry.session.is_unshared()
                };
                if !sessions.values().any(|entry| idle(entry)) {
                    return;
                }
                sessions.to_mut().retain(|_, entry| {
                    let idle = idle(entry);
                    if idle {
                        evicted.push(entry.session.clone());
                    }
                    !idle
                });
            });
        }
        inner.len.fetch_sub(evicted.len(), Ordering::Relaxed);
        let count = evicted.len();
        futures::future::join_all(evicted.into_iter().map(retire)).await;
        count
    }

    /// How many accounts have a session in the pool.
    pub fn len(&self) -> usize {
        self.inner.len.load(Ordering::Relaxed)
    }

    /// Whether the pool holds no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops `key`'s session, if the pool has one, without logging it out (its token
    /// stays valid for whoever still holds a clone of it). The next
    /// [`session`](Self::session) for `key` configures a new one, e.g. after the
    /// account's credentials changed.
    pub fn forget(&self, key: &K) -> bool {
        let removed = self.inner.shards[self.inner.shard(key)].change(|sessions| {
            sessions.contains_key(key) && sessions.to_mut().remove(key).is_some()
        });
        if removed {
            self.inner.len.fetch_sub(1, Ordering::Relaxed);
        }
        removed
    }
}

impl<K: Hash + Eq + Clone, P: Provider, E> PoolInner<K, P, E> {
    fn shard(&self, key: &K) -> usize {
        // The low bits of a good hash spread keys evenly; `as usize` keeps them.
        (self.hasher.hash_one(key) as usize) % self.shards.len()
    }

    /// Drops the least recently used session but `key`'s (the new one), logging it
    /// out off the caller's path. Runs only when a new account finds the pool full,
    /// that is before a login: a look at every session (each part's map as it stands)
    /// costs little beside it. One part changed at a time, so the pool holds at most
    /// its bound plus the callers adding at that moment.
    fn make_room(&self, key: &K) {
        // A session used again between the look and the removal is spared; a few
        // tries, then the pool stays one over until the next new account.
        for _ in 0..4 {
            let oldest =
                self.shards
                    .iter()
                    .enumerate()
                    .filter_map(|(index, shard)| {
                        let sessions = shard.sessions.load();
                        let (key, entry) = sessions
                            .iter()
                            .filter(|(candidate, _)| *candidate != key)
                            .min_by_key(|(_, entry)| entry.last_used.load(Ordering::Relaxed))?;
                        Some((entry.last_used.load(Ordering::Relaxed), index, key.clone()))
                    })
                    .min_by_key(|(used, _, _)| *used);
            let Some((used, index, oldest)) = oldest else {
                return;
            };
            let evicted = self.shards[index].change(|sessions| {
                let unchanged = sessions
                    .get(&oldest)
                    .is_some_and(|entry| entry.last_used.load(Ordering::Relaxed) == used);
                unchanged
                    .then(|| sessions.to_mut().remove(&oldest))
                    .flatten()
                    .map(|evicted| evicted.session.clone())
            });
            if let Some(evicted) = evicted {
                self.len.fetch_sub(1, Ordering::Relaxed);
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    runtime.spawn(retire(evicted));
                }
                return;
            }
        }
    }
}

impl<K, P, E> SessionPoolBuilder<K, P, E>
where
    K: Hash + Eq + Clone + std::fmt::Debug + Send + Sync + 'static,
    P: Provider,
    E: From<P::Error> + Send + 'static,
{
    /// The most sessions kept at once (default 10,000, at least 1). A new account
    /// beyond it replaces the least recently used one (logged out unless in use or
    /// its tokens are kept).
    pub fn max_sessions(mut self, max: usize) -> Self {
        self.max_sessions = max.max(1);
        self
    }

    /// How long a session may go unused before [`evict_idle`](SessionPool::evict_idle)
    /// drops it (default 30 minutes); `None` keeps sessions until the pool is full.
    pub fn idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.idle_timeout = timeout.into();
        self
    }

    /// The clock of the pool and of every session in it (tests pass
    /// [`Clock::manual`]).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// A token store for every session whose configuration has none, its records
    /// sealed under `secret`, as [`SessionBuilder::store`] does: its keys keep the
    /// accounts apart (see [`crate::store`]).
    pub fn store(mut self, store: impl TokenStore, secret: StoreSecret) -> Self {
        self.store = Some((Arc::new(store), Some(secret)));
        self
    }

    /// [`store`](Self::store) in plain text, as
    /// [`SessionBuilder::store_plaintext`] does (read its warning).
    pub fn store_plaintext(mut self, store: impl TokenStore) -> Self {
        self.store = Some((Arc::new(store), None));
        self
    }

    /// The most logins (and refreshes) in flight at once across the pool's accounts;
    /// others wait for their turn within their login deadline. Unbounded by default.
    pub fn max_concurrent_logins(mut self, max: usize) -> Self {
        self.max_concurrent_logins = Some(max.max(1));
        self
    }

    /// Builds the pool. Inside a Tokio runtime, with an idle timeout, a task drops idle
    /// sessions every quarter of it until the pool is dropped.
    pub fn build(self) -> SessionPool<K, P, E> {
        let inner = Arc::new(PoolInner {
            factory: self.factory,
            shards: (0..SHARDS).map(|_| Shard::new()).collect(),
            hasher: RandomState::default(),
            len: AtomicUsize::new(0),
            max_sessions: self.max_sessions,
            idle_timeout: self.idle_timeout,
            clock: self.clock,
            store: self.store,
            login_limit: self
                .max_concurrent_logins
                .map(|max| Arc::new(tokio::sync::Semaphore::new(max))),
            transport: OnceLock::new(),
        });
        if let (Some(timeout), Ok(runtime)) =
            (self.idle_timeout, tokio::runtime::Handle::try_current())
        {
            let every = (timeout / 4).max(Duration::from_secs(1));
            runtime.spawn(evict_idle_every(Arc::downgrade(&inner), every));
        }
        SessionPool { inner }
    }
}

/// Drops idle sessions every `every` until the pool is dropped.
async fn evict_idle_every<K, P, E>(pool: std::sync::Weak<PoolInner<K, P, E>>, every: Duration)
where
    K: Hash + Eq + Clone + std::fmt::Debug + Send + Sync + 'static,
    P: Provider,
    E: From<P::Error> + Send + 'static,
{
    loop {
        tokio::time::sleep(every).await;
        let Some(inner) = pool.upgrade() else { return };
        SessionPool { inner }.evict_idle().await;
    }
}

/// Logs a dropped session out, when nobody else uses it and its tokens are not kept
/// for a restart (a logout would retire the kept token).
async fn retire<P: Provider>(session: Session<P>) {
    if !session.is_unshared() || session.keeps_tokens() {
        return;
    }
    if let Err(error) = session.logout().await {
        tracing::warn!(vendor = session.provider().vendor(), error = %error, "logout of an idle session failed");
    }
}
