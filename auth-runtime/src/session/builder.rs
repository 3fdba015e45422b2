//! Configuring a session: [`SessionBuilder`].

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::clock::Clock;
use crate::error::Error;
use crate::expiry::ExpiryPolicy;
use crate::gate::Gate;
use crate::origin::Origins;
use crate::provider::Bindings;
use crate::provider::{Provider, WireFormat};
use crate::retry::RetryPolicy;
use crate::store::{StoreSecret, TokenStore, account};
use crate::token::Cached;
use crate::transport::{ClientHook, DEFAULT_MAX_BODY, Transport};

use super::shared::Spent;
use super::{Inner, Session, SharedStore, StoredToken, TokenHook, refresh_in_background};

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
    /// Host patterns an API base may be on, besides the description's.
    api_hosts: Vec<String>,
    max_body: usize,
    on_token: Option<TokenHook>,
    restore: Option<StoredToken>,
    background_refresh: bool,
    store: Option<Arc<dyn TokenStore>>,
    store_key: Option<String>,
    store_lease: Duration,
    refusal_hold: Duration,
    store_secret: Option<StoreSecret>,
    /// The key DPoP proofs are signed with, when given.
    #[cfg(feature = "sign")]
    dpop_key: Option<crate::dpop::DpopKey>,
    /// HTTP clients already built for another session of the same configuration (a
    /// pool's), used instead of building new ones.
    pub(crate) shared_transport: Option<Transport>,
    /// Bounds the logins in flight across the sessions sharing it (a pool's).
    pub(crate) login_limit: Option<Arc<tokio::sync::Semaphore>>,
    /// The account this session serves, as a pool names it in logs (its key's `Debug`).
    pub(crate) account: Option<String>,
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
    /// # fn f<P: auth_runtime::Provider>(
    /// #     builder: auth_runtime::SessionBuilder<P>,
    /// # ) -> Result<(), reqwest::Error> {
    /// let proxy = reqwest::Proxy::https("http://proxy.internal:3128")?;
    /// let builder = builder.configure_client(move |client| client.proxy(proxy.clone()));
    /// # let _ = builder;
    /// # Ok(())
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

    /// Adds hosts the API base a login names may be on, besides the vendor's own
    /// (`api_base(hosts = ...)` in its description): a host name, or `*.` and a domain
    /// (`*.my.salesforce.com`). A login naming a base elsewhere fails with
    /// [`Error::ApiBase`] and its token is not kept; a pattern that is not one fails
    /// [`build`](Self::build). Useful for a sandbox host, or a test server on loopback.
    pub fn api_hosts<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.api_hosts.extend(patterns.into_iter().map(Into::into));
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
    /// than its refresh margin left; otherwise the session logs in as usual. Its
    /// refresh token, if it has one, is kept either way: the next login is a refresh.
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
    ///
    /// Tokens are sealed in the store under `secret` (XChaCha20-Poly1305, bound to the
    /// account's key), shared refusals are sealed too, and account keys are derived
    /// with it: reading the store yields no usable token, and records tampered with,
    /// moved, or written without this secret are not used. Give every session of the
    /// account the same secret. See [the threat model](crate::store#threat-model).
    /// [`store_plaintext`](Self::store_plaintext) keeps them in plain text instead.
    pub fn store(self, store: impl TokenStore, secret: StoreSecret) -> Self {
        self.shared_store(Arc::new(store), Some(secret))
    }

    /// [`store`](Self::store) without a secret: the token, its refresh token and the
    /// shared refusals are kept in the store **in plain text**. Whoever can read the
    /// store can use the token until it expires (and the refresh token until the
    /// vendor retires it) and test guesses of a weak credential against the account
    /// keys; whoever can write it can publish a refusal that holds off every session's
    /// logins. Choose it for a store no one else can read or write: a
    /// [`MemoryStore`](crate::MemoryStore), which lives in this process beside the
    /// session's own token, adds nothing a reader of the process's memory lacks.
    pub fn store_plaintext(self, store: impl TokenStore) -> Self {
        self.shared_store(Arc::new(store), None)
    }

    /// [`store`](Self::store) (with a secret) or
    /// [`store_plaintext`](Self::store_plaintext) (without) for a store already behind
    /// an `Arc<dyn TokenStore>`.
    pub(crate) fn shared_store(
        mut self,
        store: Arc<dyn TokenStore>,
        secret: Option<StoreSecret>,
    ) -> Self {
        self.store = Some(store);
        self.store_secret = secret;
        self
    }

    /// Whether a store was given (a pool gives its own only to sessions without one).
    pub(crate) fn has_store(&self) -> bool {
        self.store.is_some()
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

    /// The key DPoP proofs are signed with, for a vendor that binds its tokens to one
    /// (`oauth2(dpop)`, RFC 9449): by default each session makes its own; replicas
    /// sharing a token store must be given the same key (the build refuses a shared
    /// store without one), as every token is bound to it. Ignored for other vendors.
    #[cfg(feature = "sign")]
    pub fn dpop_key(mut self, key: crate::dpop::DpopKey) -> Self {
        self.dpop_key = Some(key);
        self
    }

    /// Builds the session. It logs in lazily, on the first call that needs a token.
    pub fn build(self) -> Result<Session<P>, P::Error> {
        let vendor = self.provider.vendor();
        // A login's steps go to the vendor too, and may carry the credentials; built
        // with placeholders for what the earlier steps would bind, to be checked and
        // to key the account, never sent.
        let steps = (0..self.provider.login_steps())
            .map(|step| {
                self.provider
                    .step_request(step, &self.credentials, &Bindings::placeholders())
            })
            .collect::<Result<Vec<_>, _>>()?;
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
                        account::account_key(&request, &steps, self.store_secret.as_ref())
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
                    rejected: Spent::default(),
                    retired_refresh: Spent::default(),
                })
            }
            None => None,
        };
        let transport = match self.shared_transport {
            Some(transport) => transport,
            None => Transport::new(
                vendor,
                self.timeout,
                self.client_hook.as_ref(),
                self.max_body,
            )?,
        };
        // The vendor's origins are those of its own endpoints; building them here also
        // refuses a bad endpoint (a hostile placeholder value, plain http) before any I/O.
        let login = self.provider.login_request(&self.credentials)?;
        // Built to be checked: what the steps bind is not known yet.
        let checked = Bindings::placeholders();
        let logout = self
            .provider
            .logout_request_with(&self.credentials, &checked)?;
        let keepalive = self
            .provider
            .keepalive_request_with(&self.credentials, &checked)?;
        let endpoints = [Some(&login), logout.as_ref(), keepalive.as_ref()];
        let mut origins = Origins::of(
            endpoints
                .into_iter()
                .flatten()
                .chain(&steps)
                .map(|r| &r.url),
        );
        for origin in &self.allowed_origins {
            origins.allow(vendor, origin)?;
        }
        let described_hosts = self.provider.api_base().map_or(&[][..], |base| base.hosts);
        origins.allow_api_hosts(vendor, described_hosts.iter().copied())?;
        origins.allow_api_hosts(vendor, self.api_hosts.iter().map(String::as_str))?;
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
        #[cfg(feature = "sign")]
        let proofs = super::proof::proofs(&self.provider, self.dpop_key, shared.is_some())?;
        #[cfg(not(feature = "sign"))]
        let proofs = super::proof::proofs(&self.provider, None, shared.is_some())?;
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
            refresh_token: Mutex::new(None),
            login_limit: self.login_limit,
            account: self.account,
            metrics: crate::metrics::Metrics::new(vendor),
            last_bound: Mutex::new(Bindings::new()),
            proofs,
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
            api_hosts: Vec::new(),
            max_body: DEFAULT_MAX_BODY,
            on_token: None,
            restore: None,
            background_refresh: false,
            store: None,
            store_key: None,
            store_lease: Duration::from_secs(30),
            refusal_hold: Duration::from_secs(300),
            store_secret: None,
            #[cfg(feature = "sign")]
            dpop_key: None,
            shared_transport: None,
            login_limit: None,
            account: None,
        }
    }

    /// A session with default settings.
    pub fn new(provider: P, credentials: P::Credentials) -> Result<Self, P::Error> {
        Self::builder(provider, credentials).build()
    }
}
