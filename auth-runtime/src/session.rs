//! The token cache: lock-free when the token is fresh, one login for any number of
//! callers when it is not.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use futures::FutureExt as _;
use futures::future::{BoxFuture, Shared};
use secrecy::{ExposeSecret as _, SecretString};

use crate::clock::{Clock, millis};
use crate::error::{Error, Stage};
use crate::expiry::{ExpiryPolicy, Lifetime};
use crate::gate::{Failure, FailureKind, Gate};
use crate::origin::Origins;
use crate::provider::{Login, Provider, WireFormat};
use crate::redact::Scrubber;
use crate::retry::{RetryPolicy, Verdict};
use crate::send::{Failed, send_with_token};
use crate::store::{SharedRefusal, SharedToken, StoreSecret, TokenStore, account, record};
use crate::token::{Cached, TokenRef, jwt_times};
use crate::transport::{self, ClientHook, DEFAULT_MAX_BODY, Transport};

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
}

impl std::fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredToken")
            .field("token", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

type TokenHook = Arc<dyn Fn(&StoredToken) + Send + Sync>;

/// The largest API response body read to look for a token rejection in it (only for
/// providers with a [`rejection`](Provider::rejection) test, only for JSON bodies).
pub const API_MAX_BODY: usize = 16 * 1024 * 1024;

/// A login in progress, awaited by every caller that needs a token meanwhile.
type Flight<P> = Shared<BoxFuture<'static, Result<Arc<Cached>, Failure<<P as Provider>::Error>>>>;

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
    flight: Mutex<Option<Flight<P>>>,
    /// Wakes the background refresher when a token arrives.
    logged_in: Arc<tokio::sync::Notify>,
    /// The store shared with other sessions of the same account, if any.
    shared: Option<SharedStore>,
}

/// A session's place in a shared [`TokenStore`].
struct SharedStore {
    store: Arc<dyn TokenStore>,
    key: String,
    lease_key: String,
    lease: Duration,
    refusal_key: String,
    /// How long a refusal is shared: other sessions report it rather than try.
    refusal_hold: Duration,
    /// Seals the token before it is stored, and opens what is loaded.
    secret: Option<StoreSecret>,
    /// The last token this session saw rejected (or was told to forget): never adopted
    /// from the store again. Looked at only on the slow path.
    rejected: Mutex<Option<SecretString>>,
}

/// Configures a [`Session`]; start with [`Session::builder`].
pub struct SessionBuilder<P: Provider> {
    provider: P,
    credentials: P::Credentials,
    clock: Clock,
    expiry: Option<ExpiryPolicy>,
    retry: RetryPolicy,
    login_format: Option<WireFormat>,
    timeout: Duration,
    login_deadline: Duration,
    client_hook: Option<ClientHook>,
    allowed_origins: Vec<String>,
    max_body: usize,
    on_token: Option<TokenHook>,
    restore: Option<StoredToken>,
    background_refresh: bool,
    store: Option<Arc<dyn TokenStore>>,
    store_key: Option<String>,
    store_lease: Duration,
    refusal_hold: Duration,
    store_secret: Option<StoreSecret>,
}

impl<P: Provider> SessionBuilder<P> {
    /// The clock deciding expiry; tests pass [`Clock::manual`] and advance it.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Overrides the provider's documented expiry policy (e.g. CRM.COM releases whose
    /// tokens expire after an hour of inactivity rather than an hour after issue), or
    /// just its refresh margin.
    pub fn expiry(mut self, policy: ExpiryPolicy) -> Self {
        self.expiry = Some(policy);
        self
    }

    /// How logins that failed for a transient reason are retried (default: 3 attempts,
    /// backoff from 200 ms to 5 s, `Retry-After` up to 30 s).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends the login request in `format` instead of the documented one, for vendors
    /// that accept several (Currencycloud documents `multipart/form-data` and also
    /// accepts `application/x-www-form-urlencoded`).
    pub fn login_format(mut self, format: WireFormat) -> Self {
        self.login_format = Some(format);
        self
    }

    /// The timeout of each login, logout and API request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The most one login may take in all, its retries and their waits included
    /// (default 30 s), so that a caller waiting for a token waits at most this long
    /// even when the vendor answers a byte a second. When it passes, the login fails
    /// with [`Error::Timeout`].
    pub fn login_deadline(mut self, deadline: Duration) -> Self {
        self.login_deadline = deadline;
        self
    }

    /// Adds to the session's HTTP clients what a network needs — a proxy, root
    /// certificates, a client certificate — for logins, logouts, keep-alives and API
    /// calls alike:
    ///
    /// ```no_run
    /// # fn f(builder: auth_runtime::SessionBuilder<auth_runtime::vendors::OneBox>) {
    /// let builder = builder.configure_client(|client| {
    ///     client.proxy(reqwest::Proxy::https("http://proxy.internal:3128").expect("proxy"))
    /// });
    /// # }
    /// ```
    ///
    /// The session then sets its own timeouts, its redirect rules (none for logins;
    /// within the origin for API calls) and turns `Referer` off, so that no setting
    /// here can carry a token or a password elsewhere.
    pub fn configure_client(
        mut self,
        hook: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.client_hook = Some(Box::new(hook));
        self
    }

    /// Lets the token go to `origin` (`https://files.example.com`) besides the vendor's
    /// own (the origin of its login, logout and keep-alive endpoints). A request to any
    /// other origin fails with [`Error::OriginNotAllowed`] before the token is put on it.
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// The largest login or logout response body read (default 1 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body = limit;
        self
    }

    /// Called with every new token, e.g. to persist it for [`restore`](Self::restore)
    /// after a restart. Runs on the login path: keep it quick.
    pub fn on_token(mut self, hook: impl Fn(&StoredToken) + Send + Sync + 'static) -> Self {
        self.on_token = Some(Arc::new(hook));
        self
    }

    /// Starts with a token kept from an earlier run. It is used only while it has more
    /// than its refresh margin left; otherwise the session logs in as usual.
    pub fn restore(mut self, token: StoredToken) -> Self {
        self.restore = Some(token);
        self
    }

    /// Replaces the token in the background shortly before it is due, so callers never
    /// wait for a login after the first. The task ends when the last clone of the
    /// session is dropped. Needs a Tokio runtime when the session is built.
    pub fn background_refresh(mut self, enabled: bool) -> Self {
        self.background_refresh = enabled;
        self
    }

    /// Shares the token with every session given the same store and account — e.g. the
    /// replicas of a service, through a [`RedisStore`](crate::store) — so that they log
    /// in once between them: see [`crate::store`]. Consulted only when this session has
    /// no fresh token; when the store cannot be reached the session logs in on its own
    /// (and logs a warning).
    pub fn store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Names the account in the store explicitly. By default the key is a keyed digest
    /// of the whole login request, secrets included: the same for every session of the
    /// same credentials, different for any other credentials, and revealing none. With
    /// an explicit name, the caller owns that separation: sessions given the same name
    /// share tokens and refusals whatever their credentials.
    pub fn store_key(mut self, key: impl Into<String>) -> Self {
        self.store_key = Some(key.into());
        self
    }

    /// Encrypts the token kept in the store (whatever the [`TokenStore`]) under a key
    /// derived from `secret`, bound to the account's key, and derives account keys
    /// with it: reading the store then yields no usable token, and records tampered
    /// with, moved, or written without this secret are not used. Give every session of
    /// the account the same secret. See [the threat model](crate::store#threat-model).
    pub fn store_secret(mut self, secret: StoreSecret) -> Self {
        self.store_secret = Some(secret);
        self
    }

    /// How long the store's lease lasts (default 30 s). A session logging in extends
    /// it every third of this time, so a slow login is not repeated; when the session
    /// dies meanwhile, another takes over once this time has passed.
    pub fn store_lease(mut self, lease: Duration) -> Self {
        self.store_lease = lease;
        self
    }

    /// How long a refused login holds off new attempts with the same credentials
    /// (default 5 min). Meanwhile callers get the vendor's refusal again, without a
    /// request: a loop calling [`Session::token`] cannot lock an account (Currencycloud
    /// locks one after four failed logins). With a store, the refusal is shared for
    /// this long too: the other sessions of the account return
    /// [`Error::RefusedRecently`], so that N replicas with a wrong key make one failed
    /// login, not N; a token found in the store is still taken meanwhile. Corrected
    /// credentials go in a new session, which is not held.
    pub fn refusal_hold(mut self, hold: Duration) -> Self {
        self.refusal_hold = hold;
        self
    }

    /// The former name of [`refusal_hold`](Self::refusal_hold), which now holds off
    /// every session, with a store or without.
    #[deprecated(note = "use `refusal_hold`, which applies with and without a store")]
    pub fn store_refusal_hold(self, hold: Duration) -> Self {
        self.refusal_hold(hold)
    }

    /// Builds the session. It logs in lazily, on the first call that needs a token.
    pub fn build(self) -> Result<Session<P>, P::Error> {
        let vendor = P::VENDOR;
        let shared = match self.store {
            Some(store) => {
                let account = match self.store_key {
                    Some(key) => key,
                    None => {
                        // The request as sent: the format it goes out in is part of it.
                        let mut request = self.provider.login_request(&self.credentials)?;
                        if let Some(format) = self.login_format {
                            request.format = format;
                        }
                        account::account_key(&request, self.store_secret.as_ref())
                    }
                };
                let key = format!("authgen:{vendor}:{account}");
                Some(SharedStore {
                    store,
                    lease_key: format!("{key}:lease"),
                    refusal_key: format!("{key}:refused"),
                    key,
                    lease: self.store_lease,
                    refusal_hold: self.refusal_hold,
                    secret: self.store_secret,
                    rejected: Mutex::new(None),
                })
            }
            None => None,
        };
        let transport = Transport::new(
            vendor,
            self.timeout,
            self.client_hook.as_ref(),
            self.max_body,
        )?;
        // The vendor's origins are those of its own endpoints; building them here also
        // refuses a bad endpoint (a hostile placeholder value, plain http) before any I/O.
        let login = self.provider.login_request(&self.credentials)?;
        let logout = self.provider.logout_request()?;
        let keepalive = self.provider.keepalive_request()?;
        let endpoints = [Some(&login), logout.as_ref(), keepalive.as_ref()];
        let mut origins = Origins::of(endpoints.into_iter().flatten().map(|r| &r.url));
        for origin in &self.allowed_origins {
            origins.allow(vendor, origin)?;
        }
        let expiry = self.expiry.unwrap_or_else(|| self.provider.expiry());
        let runtime = match self.background_refresh {
            true => Some(tokio::runtime::Handle::try_current().map_err(|_| {
                Error::InvalidRequest {
                    vendor,
                    reason: "background refresh needs a Tokio runtime when the session is built"
                        .to_owned(),
                }
            })?),
            false => None,
        };
        let inner = Arc::new(Inner {
            provider: self.provider,
            credentials: self.credentials,
            transport,
            clock: self.clock,
            expiry,
            retry: self.retry,
            login_format: self.login_format,
            on_token: self.on_token,
            current: ArcSwap::new(Cached::empty()),
            last_response: arc_swap::ArcSwapOption::empty(),
            generations: AtomicU64::new(0),
            gate: Mutex::new(Gate::open()),
            refusal_hold: self.refusal_hold,
            login_deadline: self.login_deadline,
            origins,
            flight: Mutex::new(None),
            logged_in: Arc::new(tokio::sync::Notify::new()),
            shared,
        });
        if let Some(stored) = self.restore {
            inner.restore(stored);
        }
        if let Some(runtime) = runtime {
            runtime.spawn(refresh_in_background(Arc::downgrade(&inner)));
        }
        Ok(Session { inner })
    }
}

impl<P: Provider> Session<P> {
    /// Starts configuring a session for `provider` logged in with `credentials`.
    pub fn builder(provider: P, credentials: P::Credentials) -> SessionBuilder<P> {
        SessionBuilder {
            provider,
            credentials,
            clock: Clock::system(),
            expiry: None,
            retry: RetryPolicy::default(),
            login_format: None,
            timeout: Duration::from_secs(30),
            login_deadline: Duration::from_secs(30),
            client_hook: None,
            allowed_origins: Vec::new(),
            max_body: DEFAULT_MAX_BODY,
            on_token: None,
            restore: None,
            background_refresh: false,
            store: None,
            store_key: None,
            store_lease: Duration::from_secs(30),
            refusal_hold: Duration::from_secs(300),
            store_secret: None,
        }
    }

    /// A session with default settings.
    pub fn new(provider: P, credentials: P::Credentials) -> Result<Self, P::Error> {
        Self::builder(provider, credentials).build()
    }

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
            Some(fresh) => Ok(fresh),
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
            return Ok(TokenRef { inner: current });
        }
        if current.is_valid(now) && self.inner.gate().holding(now).is_some() {
            return Ok(TokenRef { inner: current });
        }
        let stale = current.generation;
        drop(current);
        match self.refresh(stale).await {
            Ok(fresh) => Ok(TokenRef {
                inner: arc_swap::Guard::from_inner(fresh),
            }),
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
            vendor = P::VENDOR,
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
    pub fn cached_token(&self) -> Option<TokenRef> {
        let now = self.inner.clock.recent_ms();
        let current = self.inner.current.load();
        current.is_fresh(now).then(|| {
            current.touch(now);
            TokenRef { inner: current }
        })
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

    /// Joins the login in flight, or starts one, to replace the token of generation `stale`.
    async fn refresh(&self, stale: u64) -> Result<Arc<Cached>, Failure<P::Error>> {
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
                return Ok(current);
            }
            match slot.as_ref() {
                Some(flight) if flight.peek().is_none() => flight.clone(),
                _ => {
                    // A recent failure answers for the vendor until its hold passes.
                    if let Some(failure) = self.inner.gate().holding(now) {
                        return Err(failure.clone());
                    }
                    let inner = Arc::clone(&self.inner);
                    let flight: Flight<P> =
                        async move { inner.login_guarded().await }.boxed().shared();
                    *slot = Some(flight.clone());
                    flight
                }
            }
        };
        // `Shared` is driven by whichever waiter polls it, so a cancelled caller does
        // not strand the others; the next caller to arrive resumes it.
        flight.await
    }

    /// Builds an API request with the session's HTTP client; send it with [`Session::send`].
    pub fn request(
        &self,
        method: reqwest::Method,
        url: impl reqwest::IntoUrl,
    ) -> reqwest::RequestBuilder {
        self.inner.transport.api_client.request(method, url)
    }

    /// The client that sends API requests: the session's timeout, redirects followed
    /// only within the origin, no `Referer`, and what
    /// [`configure_client`](SessionBuilder::configure_client) added. Build a
    /// `reqwest-middleware` stack for `AuthMiddleware` on a clone of it, so that no
    /// redirect can carry the token to another origin.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.transport.api_client
    }

    /// Puts the token on `request` the vendor's way and sends it. When the vendor
    /// rejects the token (HTTP 401, or the provider's body test) and the request can be
    /// replayed, the token is replaced (one login however many callers saw the
    /// rejection) and the request is sent once more; a request whose body cannot be
    /// replayed gets the rejecting response.
    ///
    /// The request goes out on the session's own client ([`Session::http_client`]),
    /// whichever client built it: another client's redirect policy could carry the
    /// token to another origin. The URL must be on one of the vendor's origins (see
    /// [`SessionBuilder::allow_origin`]) over https (or http to a loopback host), else
    /// nothing is sent.
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, P::Error> {
        let vendor = P::VENDOR;
        let (_, request) = request.build_split();
        let request = request.map_err(|e| Error::InvalidRequest {
            vendor,
            reason: e.without_url().to_string(),
        })?;
        let client = &self.inner.transport.api_client;
        send_with_token(self, request, |request| client.execute(request))
            .await
            .map_err(|failed| match failed {
                Failed::Session(error) => error,
                Failed::Sending(error) => Error::transport(vendor, Stage::Api, error).into(),
            })
    }

    /// Refuses to put the token on a request to `url` unless it is one of the vendor's
    /// origins, over https (or http to a loopback host).
    pub(crate) fn check_destination(&self, url: &url::Url) -> Result<(), P::Error> {
        Ok(self.inner.origins.check(P::VENDOR, url)?)
    }

    /// Builds a GET request with the session's HTTP client; send it with [`Session::send`].
    pub fn get(&self, url: impl reqwest::IntoUrl) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::GET, url)
    }

    /// Builds a POST request with the session's HTTP client; send it with [`Session::send`].
    pub fn post(&self, url: impl reqwest::IntoUrl) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::POST, url)
    }

    /// Extends the current token's life with the vendor's keep-alive call, where it has
    /// one; the session then counts the token's lifetime from now. Without a valid
    /// token, or without a keep-alive endpoint, there is nothing to extend.
    pub async fn keep_alive(&self) -> Result<(), P::Error> {
        let vendor = P::VENDOR;
        let current = self.inner.current.load_full();
        if !current.is_valid(self.inner.clock.now_ms()) {
            return Ok(());
        }
        let Some(request) = self.inner.provider.keepalive_request()? else {
            return Ok(());
        };
        let placement = self.inner.provider.placement();
        let exchange = self
            .inner
            .transport
            .exchange(
                vendor,
                Stage::Api,
                request,
                Some((placement, current.secret())),
            )
            .await?;
        match exchange.status {
            200..=299 => {
                current.renew(self.inner.clock.now_ms());
                tracing::debug!(vendor, generation = current.generation, "token kept alive");
                Ok(())
            }
            401 => {
                self.invalidate_generation(current.generation);
                Err(Error::TokenRejected { vendor }.into())
            }
            status => Err(Error::UnexpectedStatus {
                vendor,
                stage: Stage::Api,
                status,
                excerpt: crate::error::excerpt(&scrub_token(&current, &exchange.body)),
            }
            .into()),
        }
    }

    /// Retires the token: calls the vendor's logout where it has one, and forgets the
    /// token either way. Without a valid token there is nothing to retire.
    pub async fn logout(&self) -> Result<(), P::Error> {
        let vendor = P::VENDOR;
        let current = self.inner.current.swap(Cached::empty());
        if !current.is_valid(self.inner.clock.now_ms()) {
            return Ok(());
        }
        let Some(request) = self.inner.provider.logout_request()? else {
            return Ok(());
        };
        let placement = self.inner.provider.placement();
        let started = std::time::Instant::now();
        let exchange = self
            .inner
            .transport
            .exchange(
                vendor,
                Stage::Logout,
                request,
                Some((placement, current.secret())),
            )
            .await?;
        let status = exchange.status;
        tracing::info!(
            vendor,
            status,
            elapsed_ms = elapsed_ms(started),
            "logged out"
        );
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(Error::UnexpectedStatus {
                vendor,
                stage: Stage::Logout,
                status,
                excerpt: crate::error::excerpt(&scrub_token(&current, &exchange.body)),
            }
            .into())
        }
    }
}

/// What a failed login answer means for the next attempt, and the `Retry-After` the
/// decoder could not see put into a shared rate-limit error.
///
/// The vendor's refusal — a documented failure, or any 4xx other than 429 — is not
/// tried again for a while; nor is a 2xx answer that the provider reads as a
/// documented failure (CRM.COM refuses with HTTP 200). A 2xx that could not be read at
/// all (an HTML page from a proxy, a cut-off body) and any 5xx are transient.
fn classify<P: Provider>(
    error: &mut P::Error,
    status: u16,
    retry_after: Option<Duration>,
) -> FailureKind {
    let runtime = P::runtime_error(error);
    if let Some(Error::RateLimited {
        retry_after: slot, ..
    }) = runtime
    {
        *slot = retry_after;
    }
    match (status, retry_after) {
        (429 | 503, Some(wait)) => FailureKind::HeldFor(wait),
        (429, None) | (500..=599, _) => FailureKind::Transient,
        (200..=299, _) if P::runtime_error(error).is_some() => FailureKind::Transient,
        _ => FailureKind::Refused,
    }
}

fn elapsed_ms(since: std::time::Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

impl<P: Provider> Inner<P> {
    /// The login gate; poisoning is harmless (it holds plain data).
    fn gate(&self) -> std::sync::MutexGuard<'_, Gate<P::Error>> {
        self.gate.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// [`Inner::login`], with a panic turned into an error (the waiters of a flight
    /// whose login panicked get an error, and the next caller starts a new flight),
    /// and its outcome noted in the gate for the calls that come after it.
    async fn login_guarded(self: Arc<Self>) -> Result<Arc<Cached>, Failure<P::Error>> {
        let login = async {
            match &self.shared {
                Some(shared) => Arc::clone(&self).login_shared(shared).await,
                None => Arc::clone(&self).login().await,
            }
        };
        let Ok(result) = AssertUnwindSafe(login).catch_unwind().await else {
            // A bug on our side of the wire says nothing about the vendor: the gate
            // stays as it was.
            return Err(Failure::transient(
                Error::Interrupted { vendor: P::VENDOR }.into(),
            ));
        };
        let now = self.clock.now_ms();
        match &result {
            Ok(_) => self.gate().succeeded(),
            Err(failure) => self.gate().failed(failure.clone(), now, self.refusal_hold),
        }
        result
    }

    /// One login, its transient failures retried within the login deadline: request,
    /// decode, check, cache.
    async fn login(self: Arc<Self>) -> Result<Arc<Cached>, Failure<P::Error>> {
        let vendor = P::VENDOR;
        // Why this login happens, for the logs: the session's first, a token that was
        // rejected or forgotten, or one that is due.
        let reason = match (
            self.generations.load(Ordering::Relaxed),
            self.current.load().generation,
        ) {
            (0, _) => "first login",
            (_, 0) => "token rejected or invalidated",
            _ => "token due",
        };
        let span = tracing::info_span!("login", vendor, reason);
        let started = std::time::Instant::now();
        let deadline = tokio::time::Instant::now() + self.login_deadline;
        let timed_out = || Error::Timeout {
            vendor,
            stage: Stage::Login,
        };
        let mut attempt = 0;
        let login = loop {
            attempt += 1;
            let mut request = self
                .provider
                .login_request(&self.credentials)
                .map_err(Failure::transient)?;
            if let Some(format) = self.login_format {
                request.format = format;
            }
            // What this request reveals, to take out of whatever the vendor answers.
            let mut scrubber = Scrubber::for_request(&request);
            scrubber.add(self.current.load().secret());
            let outcome = tokio::time::timeout_at(
                deadline,
                self.transport.exchange(vendor, Stage::Login, request, None),
            )
            .await
            .unwrap_or_else(|_| Err(timed_out()));
            // Retried: a vendor that could not be reached, or answered with a status the
            // retry policy deems transient, while the deadline leaves time for it. Not: a
            // response we refuse to read (too large), nor a refusal.
            let (status, retry_after, retryable) = match &outcome {
                Ok(exchange) => (
                    Some(exchange.status),
                    exchange.retry_after,
                    !(200..300).contains(&exchange.status),
                ),
                Err(error) => (
                    None,
                    None,
                    matches!(error, Error::Transport { .. } | Error::Timeout { .. }),
                ),
            };
            if retryable
                && let Verdict::RetryAfter(wait) = self.retry.verdict(attempt, status, retry_after)
                && tokio::time::Instant::now() + wait < deadline
            {
                span.in_scope(|| {
                    tracing::warn!(
                        reason,
                        attempt,
                        status,
                        wait_ms = millis(wait),
                        "login failed; retrying"
                    )
                });
                tokio::time::sleep(wait).await;
                continue;
            }
            let exchange = outcome.map_err(|e| Failure::transient(e.into()))?;
            let status = exchange.status;
            match self.provider.decode_login(status, &exchange.body) {
                Ok(login) => break login,
                Err(error) => {
                    let mut error = self.scrubbed_error(&scrubber, status, &exchange.body, error);
                    let kind = classify::<P>(&mut error, status, retry_after);
                    span.in_scope(|| {
                        tracing::warn!(reason, status, attempt, elapsed_ms = elapsed_ms(started), error = %error, "login failed")
                    });
                    return Err(Failure { error, kind });
                }
            }
        };
        // A token that cannot be sent would fail every call until it expired.
        if let Err(error) = transport::check_token(
            vendor,
            self.provider.placement(),
            login.token.expose_secret(),
        ) {
            span.in_scope(|| tracing::warn!(reason, attempt, error = %error, "login failed"));
            return Err(Failure::transient(error.into()));
        }
        let now = self.clock.now_ms();
        let lifetime = self.lifetime(&login);
        self.last_response.store(Some(Arc::new(login.response)));
        let cached = Arc::new(self.issue(login.token, now, lifetime));
        self.current.store(Arc::clone(&cached));
        span.in_scope(|| {
            tracing::info!(
                reason,
                generation = cached.generation,
                attempt,
                lifetime_s = lifetime.map(|d| d.as_secs()),
                elapsed_ms = elapsed_ms(started),
                "logged in"
            )
        });
        if let Some(hook) = &self.on_token {
            hook(&StoredToken {
                token: cached_secret(&cached),
                expires_at: lifetime.map(|d| self.clock.wall_now() + d),
            });
        }
        self.logged_in.notify_waiters();
        Ok(cached)
    }

    /// The error for a failed login, made from the answer with every secret the
    /// session knows taken out: decoding is a pure function, so decoding the scrubbed
    /// body gives the same error without the secrets a hostile or careless server
    /// echoed (in JSON, HTML, text or a form).
    fn scrubbed_error(
        &self,
        scrubber: &Scrubber,
        status: u16,
        body: &[u8],
        error: P::Error,
    ) -> P::Error {
        let std::borrow::Cow::Owned(scrubbed) = scrubber.bytes(body) else {
            return error;
        };
        match self.provider.decode_login(status, &scrubbed) {
            Err(error) => error,
            // Only the secrets made it fail: say so without them.
            Ok(_) => Error::UnexpectedStatus {
                vendor: P::VENDOR,
                stage: Stage::Login,
                status,
                excerpt: crate::error::excerpt(&scrubbed),
            }
            .into(),
        }
    }

    /// A new cache entry under the session's policy.
    fn issue(&self, token: SecretString, now: u64, lifetime: Option<Duration>) -> Cached {
        self.issue_remaining(token, now, lifetime, lifetime)
    }

    /// A cache entry for a token with `remaining` of its `full` lifetime left: replaced
    /// the margin of its full lifetime before it expires.
    fn issue_remaining(
        &self,
        token: SecretString,
        now: u64,
        remaining: Option<Duration>,
        full: Option<Duration>,
    ) -> Cached {
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let idle = matches!(self.expiry.lifetime, Lifetime::Idle(_));
        let margin = full
            .map(|l| self.expiry.jittered_margin(l))
            .unwrap_or_default();
        Cached::issued(token, generation, now, remaining, idle, margin)
    }

    /// Notes `old` as a token not to take from the store again (rejected or forgotten).
    fn remember_rejected(&self, old: &Cached) {
        if let Some(shared) = &self.shared
            && old.generation != 0
        {
            *shared
                .rejected
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(cached_secret(old));
        }
    }

    /// The token in the store, as this session would cache it, if it is a valid record
    /// (opened with the store secret, if any), fresh, and neither rejected here nor the
    /// token this session already found due.
    fn adoptable(&self, shared: &SharedStore, stored: SharedToken) -> Option<Cached> {
        let stored = record::usable_token(
            &shared.key,
            stored,
            shared.secret.as_ref(),
            self.clock.wall_now(),
        )?;
        let secret = stored.token.expose_secret();
        let rejected = shared
            .rejected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|r| r.expose_secret() == secret);
        if rejected || self.current.load().secret() == secret {
            return None;
        }
        let wall = self.clock.wall_now();
        let (remaining, full) = match stored.expires_at {
            Some(at) => (
                Some(at.duration_since(wall).ok()?),
                Some(at.duration_since(stored.issued_at).unwrap_or_default()),
            ),
            None => (None, None),
        };
        let now = self.clock.now_ms();
        let cached = self.issue_remaining(stored.token, now, remaining, full);
        cached.is_fresh(now).then_some(cached)
    }

    /// Makes a token taken from the store this session's token.
    fn adopt(&self, cached: Cached) -> Arc<Cached> {
        let cached = Arc::new(cached);
        self.current.store(Arc::clone(&cached));
        self.gate().succeeded();
        tracing::debug!(
            vendor = P::VENDOR,
            generation = cached.generation,
            "took the token from the shared store"
        );
        if let Some(hook) = &self.on_token {
            hook(&StoredToken {
                token: cached_secret(&cached),
                expires_at: (cached.expires_at() != u64::MAX).then(|| {
                    self.clock.wall_now()
                        + Duration::from_millis(
                            cached.expires_at().saturating_sub(self.clock.now_ms()),
                        )
                }),
            });
        }
        self.logged_in.notify_waiters();
        cached
    }

    /// A login coordinated through the shared store: the token there when it is
    /// usable; else, under the store's lease, one login published for everyone; while
    /// another session holds the lease, its token. Without the store, a local login.
    async fn login_shared(
        self: Arc<Self>,
        shared: &SharedStore,
    ) -> Result<Arc<Cached>, Failure<P::Error>> {
        let vendor = P::VENDOR;
        let started = std::time::Instant::now();
        let holder = format!("{}-{:016x}", std::process::id(), fastrand::u64(..));
        let poll = (shared.lease / 20).clamp(Duration::from_millis(10), Duration::from_millis(100));
        let give_up = shared.lease.saturating_mul(3) + Duration::from_secs(1);
        let local = |error: crate::store::StoreError| {
            tracing::warn!(vendor, error = %error, "token store unavailable; logging in locally");
        };
        loop {
            match shared.store.load(&shared.key).await {
                Ok(Some(stored)) => {
                    if let Some(cached) = self.adoptable(shared, stored) {
                        return Ok(self.adopt(cached));
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
        if let Ok(Some(stored)) = shared.store.load(&shared.key).await
            && let Some(cached) = self.adoptable(shared, stored)
        {
            let _ = shared.store.release(&shared.lease_key, &holder).await;
            return Ok(self.adopt(cached));
        }
        // ... or been refused and released the lease just before we took it.
        if let Ok(Some(refused)) = self.published_refusal(shared).await {
            let _ = shared.store.release(&shared.lease_key, &holder).await;
            return Err(refused);
        }
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
            let published = shared
                .store
                .save_refusal(&shared.refusal_key, &refusal, shared.refusal_hold)
                .await;
            if let Err(error) = published {
                tracing::warn!(vendor, error = %error, "could not publish the refusal to the store");
            }
        }
        if let Ok(cached) = &result {
            let expires_at = (cached.expires_at() != u64::MAX).then(|| {
                self.clock.wall_now()
                    + Duration::from_millis(cached.expires_at().saturating_sub(self.clock.now_ms()))
            });
            let token = SharedToken {
                token: cached_secret(cached),
                issued_at,
                expires_at,
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
    async fn published_refusal(
        &self,
        shared: &SharedStore,
    ) -> Result<Option<Failure<P::Error>>, crate::store::StoreError> {
        let Some(refusal) = shared.store.load_refusal(&shared.refusal_key).await? else {
            return Ok(None);
        };
        let now = self.clock.wall_now();
        let Some(refusal) = record::usable_refusal(&shared.refusal_key, refusal, now) else {
            return Ok(None);
        };
        let age = self
            .clock
            .wall_now()
            .duration_since(refusal.refused_at)
            .unwrap_or_default();
        tracing::warn!(
            vendor = P::VENDOR,
            age_ms = millis(age),
            "a session sharing the token store was refused; not trying the same credentials"
        );
        // Held for what is left of the shared hold, not a whole hold from now.
        Ok(Some(Failure {
            error: Error::RefusedRecently {
                vendor: P::VENDOR,
                age,
                message: refusal.message,
            }
            .into(),
            kind: FailureKind::HeldFor(shared.refusal_hold.saturating_sub(age)),
        }))
    }

    /// Uses a token kept from an earlier run, when it has more than its margin left.
    fn restore(&self, stored: StoredToken) {
        let remaining = match stored.expires_at {
            Some(at) => match at.duration_since(self.clock.wall_now()) {
                Ok(remaining) => Some(remaining),
                Err(_) => return,
            },
            None => None,
        };
        let cached = self.issue(stored.token, self.clock.now_ms(), remaining);
        if cached.is_fresh(self.clock.now_ms()) {
            tracing::info!(vendor = P::VENDOR, "restored a kept token");
            self.current.store(Arc::new(cached));
        }
    }

    /// How long a new token lives: a JWT's `exp` when the policy trusts it, else the
    /// lifetime the response states, else the documented one.
    fn lifetime(&self, login: &Login<P::Response>) -> Option<Duration> {
        if self.expiry.jwt_exp
            && let Some(claims) = jwt_times(login.token.expose_secret())
        {
            // `exp - iat` is the lifetime the vendor granted, whatever either clock says;
            // without `iat`, count from our clock (a skewed server shortens or lengthens
            // the token, and a rejection then replaces it).
            let granted = match claims.issued_at {
                Some(iat) if claims.expires > iat => claims.expires - iat,
                _ => {
                    let now = self
                        .clock
                        .wall_now()
                        .duration_since(UNIX_EPOCH)
                        .unwrap_or_default();
                    claims.expires.saturating_sub(now.as_secs())
                }
            };
            if granted > 0 {
                return Some(Duration::from_secs(granted));
            }
            tracing::warn!(
                vendor = P::VENDOR,
                "the token's JWT says it has already expired; using the documented lifetime"
            );
        }
        if let Some(at) = login.expires_at {
            return Some(at.duration_since(self.clock.wall_now()).unwrap_or_default());
        }
        if login.expires_in.is_some() {
            return login.expires_in;
        }
        match self.expiry.lifetime {
            Lifetime::Absolute(d) | Lifetime::Idle(d) => Some(d),
            Lifetime::Unknown => None,
        }
    }
}

/// `body` with `token` (the session's, if it has one) taken out.
fn scrub_token<'b>(token: &Cached, body: &'b [u8]) -> std::borrow::Cow<'b, [u8]> {
    let mut scrubber = Scrubber::default();
    scrubber.add(token.secret());
    scrubber.bytes(body)
}

fn cached_secret(cached: &Cached) -> SecretString {
    SecretString::from(cached.secret())
}

/// Replaces the token shortly before it is due, for as long as the session lives.
async fn refresh_in_background<P: Provider>(session: Weak<Inner<P>>) {
    loop {
        let wait = {
            let Some(inner) = session.upgrade() else {
                return;
            };
            let current = inner.current.load();
            let now = inner.clock.now_ms();
            if current.generation == 0 {
                // No token yet: wait for the first login, but look again now and then,
                // so a dropped session ends this task.
                let logged_in = Arc::clone(&inner.logged_in);
                drop(current);
                drop(inner);
                let _ = tokio::time::timeout(Duration::from_secs(1), logged_in.notified()).await;
                continue;
            }
            let hold = inner.gate().closed_until();
            Duration::from_millis(current.refresh_at().max(hold).saturating_sub(now))
        };
        // Sleep in short steps so a dropped session ends this task soon.
        tokio::time::sleep(wait.min(Duration::from_secs(1))).await;
        let Some(inner) = session.upgrade() else {
            return;
        };
        let session_now = Session { inner };
        let due = session_now.cached_token().is_none();
        if due && let Err(error) = session_now.token().await {
            tracing::warn!(vendor = P::VENDOR, error = %error, "background refresh failed");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
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

impl<P: Provider> std::fmt::Debug for Session<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("vendor", &P::VENDOR)
            .field("token", &**self.inner.current.load())
            .field("expiry", &self.inner.expiry)
            .finish_non_exhaustive()
    }
}
