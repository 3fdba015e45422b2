//! The token cache: lock-free when the token is fresh, one login for any number of
//! callers when it is not.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use futures::FutureExt as _;
use futures::future::{BoxFuture, Shared};

use crate::clock::Clock;
use crate::error::{Error, Stage};
use crate::expiry::{ExpiryPolicy, Lifetime};
use crate::provider::Provider;
use crate::token::{Cached, TokenRef, jwt_exp};
use crate::transport::{self, DEFAULT_MAX_BODY, Transport};

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

/// A login in progress, awaited by every caller that needs a token meanwhile.
type Flight<P> = Shared<BoxFuture<'static, Result<Arc<Cached>, <P as Provider>::Error>>>;

struct Inner<P: Provider> {
    provider: P,
    credentials: P::Credentials,
    transport: Transport,
    clock: Clock,
    expiry: ExpiryPolicy,
    current: ArcSwap<Cached>,
    generations: AtomicU64,
    /// The login in flight, if any. A plain mutex: it is held only to look at or
    /// replace the slot, never across an await.
    flight: Mutex<Option<Flight<P>>>,
}

/// Configures a [`Session`]; start with [`Session::builder`].
pub struct SessionBuilder<P: Provider> {
    provider: P,
    credentials: P::Credentials,
    clock: Clock,
    expiry: Option<ExpiryPolicy>,
    timeout: Duration,
    api_client: Option<reqwest::Client>,
    max_body: usize,
}

impl<P: Provider> SessionBuilder<P> {
    /// The clock deciding expiry; tests pass [`Clock::manual`] and advance it.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Overrides the provider's documented expiry policy (e.g. CRM.COM releases whose
    /// tokens expire after an hour of inactivity rather than an hour after issue).
    pub fn expiry(mut self, policy: ExpiryPolicy) -> Self {
        self.expiry = Some(policy);
        self
    }

    /// The timeout of each login, logout and API request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The client used for requests made with [`Session::request`] (by default one with
    /// the session's timeout that follows no redirects).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.api_client = Some(client);
        self
    }

    /// The largest login or logout response body read (default 1 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body = limit;
        self
    }

    /// Builds the session. It logs in lazily, on the first call that needs a token.
    pub fn build(self) -> Result<Session<P>, P::Error> {
        let transport = Transport::new(P::VENDOR, self.timeout, self.api_client, self.max_body)?;
        let expiry = self.expiry.unwrap_or_else(|| self.provider.expiry());
        Ok(Session {
            inner: Arc::new(Inner {
                provider: self.provider,
                credentials: self.credentials,
                transport,
                clock: self.clock,
                expiry,
                current: ArcSwap::new(Cached::empty()),
                generations: AtomicU64::new(0),
                flight: Mutex::new(None),
            }),
        })
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
            timeout: Duration::from_secs(30),
            api_client: None,
            max_body: DEFAULT_MAX_BODY,
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
    /// When the token is fresh this is one atomic load and a coarse clock read: no lock,
    /// no allocation, no shared write. When it is not, every concurrent caller waits for
    /// the same single login.
    pub async fn token(&self) -> Result<TokenRef, P::Error> {
        let now = self.inner.clock.now_ms();
        let current = self.inner.current.load();
        if current.is_fresh(now) {
            current.touch(now);
            return Ok(TokenRef { inner: current });
        }
        let stale = current.generation;
        drop(current);
        let fresh = self.refresh(stale).await?;
        Ok(TokenRef {
            inner: arc_swap::Guard::from_inner(fresh),
        })
    }

    /// The current token if it is fresh, without logging in: the synchronous hot path.
    pub fn cached_token(&self) -> Option<TokenRef> {
        let now = self.inner.clock.now_ms();
        let current = self.inner.current.load();
        current.is_fresh(now).then(|| {
            current.touch(now);
            TokenRef { inner: current }
        })
    }

    /// Forgets the current token; the next call logs in again.
    pub fn invalidate(&self) {
        self.inner.current.store(Cached::empty());
    }

    /// Forgets the token of `generation` only: a rejection seen by many callers at once
    /// replaces the token once, not once per caller.
    fn invalidate_generation(&self, generation: u64) {
        let current = self.inner.current.load();
        if current.generation == generation {
            self.inner
                .current
                .compare_and_swap(&*current, Cached::empty());
        }
    }

    /// Joins the login in flight, or starts one, to replace the token of generation `stale`.
    async fn refresh(&self, stale: u64) -> Result<Arc<Cached>, P::Error> {
        let flight = {
            let mut slot = self
                .inner
                .flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            // Another caller may have finished a login since we looked.
            let current = self.inner.current.load_full();
            if current.generation != stale && current.is_fresh(self.inner.clock.now_ms()) {
                return Ok(current);
            }
            match slot.as_ref() {
                Some(flight) if flight.peek().is_none() => flight.clone(),
                _ => {
                    let inner = Arc::clone(&self.inner);
                    let flight: Flight<P> = async move { inner.login().await }.boxed().shared();
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

    /// Puts the token on `request` the vendor's way and sends it with the client that
    /// built it. When the vendor answers 401 and the request can be replayed, the token
    /// is replaced (one login however many callers saw the rejection) and the request is
    /// sent once more.
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, P::Error> {
        let vendor = P::VENDOR;
        let (client, request) = request.build_split();
        let request = request.map_err(|e| Error::InvalidRequest {
            vendor,
            reason: e.without_url().to_string(),
        })?;
        let replay = request.try_clone();
        let token = self.token().await?;
        let generation = token.generation();
        let response = self.send_with(&client, request, &token).await?;
        drop(token);
        match (response.status(), replay) {
            (reqwest::StatusCode::UNAUTHORIZED, Some(replay)) => {
                tracing::debug!(vendor, generation, "token rejected; logging in again");
                self.invalidate_generation(generation);
                let token = self.token().await?;
                let response = self.send_with(&client, replay, &token).await?;
                if response.status() == reqwest::StatusCode::UNAUTHORIZED {
                    return Err(Error::TokenRejected { vendor }.into());
                }
                Ok(response)
            }
            _ => Ok(response),
        }
    }

    async fn send_with(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        token: &TokenRef,
    ) -> Result<reqwest::Response, P::Error> {
        let vendor = P::VENDOR;
        transport::apply(
            vendor,
            self.inner.provider.placement(),
            &mut request,
            token.expose_secret(),
        )?;
        Ok(client
            .execute(request)
            .await
            .map_err(|e| Error::transport(vendor, Stage::Api, e))?)
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
        let (status, body) = self
            .inner
            .transport
            .exchange(
                vendor,
                Stage::Logout,
                request,
                Some((placement, current.secret())),
            )
            .await?;
        tracing::debug!(vendor, status, "logged out");
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(Error::UnexpectedStatus {
                vendor,
                stage: Stage::Logout,
                status,
                excerpt: crate::error::excerpt(&body),
            }
            .into())
        }
    }
}

impl<P: Provider> Inner<P> {
    /// One login: request, decode, cache.
    async fn login(self: Arc<Self>) -> Result<Arc<Cached>, P::Error> {
        let vendor = P::VENDOR;
        let started = std::time::Instant::now();
        let request = self.provider.login_request(&self.credentials)?;
        let (status, body) = self
            .transport
            .exchange(vendor, Stage::Login, request, None)
            .await?;
        let login = self.provider.decode_login(status, &body);
        let login = match login {
            Ok(login) => login,
            Err(error) => {
                tracing::warn!(
                    vendor,
                    status,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "login failed"
                );
                return Err(error);
            }
        };
        let now = self.clock.now_ms();
        let lifetime = self.lifetime(&login);
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let cached = Arc::new(Cached::issued(
            login.token,
            generation,
            now,
            &self.expiry,
            lifetime,
        ));
        self.current.store(Arc::clone(&cached));
        tracing::debug!(
            vendor,
            generation,
            lifetime_s = lifetime.map(|d| d.as_secs()),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "logged in"
        );
        Ok(cached)
    }

    /// How long a new token lives: a JWT's `exp` when the policy trusts it, else the
    /// lifetime the response states, else the documented one.
    fn lifetime(&self, login: &crate::provider::Login<P::Response>) -> Option<Duration> {
        use secrecy::ExposeSecret as _;
        if self.expiry.jwt_exp
            && let Some(exp) = jwt_exp(login.token.expose_secret())
        {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            return Some(Duration::from_secs(exp).saturating_sub(now));
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

impl<P: Provider> std::fmt::Debug for Session<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("vendor", &P::VENDOR)
            .field("token", &**self.inner.current.load())
            .field("expiry", &self.inner.expiry)
            .finish_non_exhaustive()
    }
}
