//! Logging in: one attempt after another within the deadline, the answer decoded,
//! checked and cached, the failure classified for the gate.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, UNIX_EPOCH};

use futures::FutureExt as _;
use secrecy::{ExposeSecret as _, SecretString};

use crate::clock::millis;
use crate::error::{Error, Stage};
use crate::expiry::Lifetime;
use crate::gate::{Failure, FailureKind};
use crate::hand::{HandFn, LoginClient, Procedure, withheld};
use crate::metrics::LoginReason;
use crate::provider::{Bindings, Login, LoginReply, Provider, VendorRequest};
use crate::redact::Scrubber;
use crate::retry::Verdict;
use crate::token::{Cached, jwt_times};
use crate::transport;

use super::{Inner, StoredToken};

/// What a failed login answer means for the next attempt; a shared rate-limit error
/// without the answer's `Retry-After` (a hand-written decoder may leave it out) gets it.
///
/// The vendor's refusal — a documented failure, or any 4xx other than 429 — is not
/// tried again for a while; nor is a 2xx answer that the provider reads as a
/// documented failure (CRM.COM refuses with HTTP 200). A 2xx that could not be read at
/// all (an HTML page from a proxy, a cut-off body) and any 5xx are transient.
pub(super) fn classify<P: Provider>(
    error: &mut P::Error,
    status: u16,
    retry_after: Option<Duration>,
) -> FailureKind {
    let runtime = P::runtime_error(error);
    let shared_failure = runtime.is_some();
    if let Some(Error::RateLimited {
        retry_after: slot @ None,
        ..
    }) = runtime
    {
        *slot = retry_after;
    }
    match (status, retry_after) {
        (429 | 503, Some(wait)) => FailureKind::HeldFor(wait),
        (429, None) | (500..=599, _) => FailureKind::Transient,
        (200..=299, _) if shared_failure => FailureKind::Transient,
        _ => FailureKind::Refused,
    }
}

/// Where a login's events go: its start, its span, and why it happens.
#[derive(Clone, Copy)]
struct Trace<'s> {
    started: std::time::Instant,
    span: &'s tracing::Span,
    reason: &'static str,
}

/// What sending one request of a login attempt came to.
enum Sent<E> {
    /// An answer, and what to scrub from it.
    Answered(transport::Exchange, Scrubber),
    /// A transient failure, waited out: the attempt starts again.
    Retry,
    /// The login ends with this failure.
    Failed(Failure<E>),
}

pub(super) fn elapsed_ms(since: std::time::Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

impl<P: Provider> Inner<P> {
    /// [`Inner::login`], with a panic turned into an error (the waiters of a flight
    /// whose login panicked get an error, and the next caller starts a new flight),
    /// and its outcome noted in the gate for the calls that come after it.
    pub(super) async fn login_guarded(self: Arc<Self>) -> Result<Arc<Cached>, Failure<P::Error>> {
        let login = async {
            match &self.shared {
                Some(shared) => Arc::clone(&self).login_shared(shared).await,
                None => Arc::clone(&self).login().await,
            }
        };
        let Ok(result) = AssertUnwindSafe(login).catch_unwind().await else {
            // A bug on our side of the wire says nothing about the vendor: the gate
            // stays as it was.
            self.metrics.login_failed(FailureKind::Transient);
            return Err(Failure::transient(
                Error::Interrupted {
                    vendor: self.provider.vendor(),
                }
                .into(),
            ));
        };
        let now = self.clock.now_ms();
        match &result {
            Ok(_) => self.gate().succeeded(),
            Err(failure) => {
                self.metrics.login_failed(failure.kind);
                self.gate().failed(failure.clone(), now, self.refusal_hold);
            }
        }
        result
    }

    /// One login, its transient failures retried within the login deadline: request,
    /// decode, check, cache.
    pub(super) async fn login(self: Arc<Self>) -> Result<Arc<Cached>, Failure<P::Error>> {
        let vendor = self.provider.vendor();
        // Why this login happens, for the logs and metrics: the session's first, a token
        // that was rejected or forgotten, or one that is due.
        let cause = match (
            self.generations.load(Ordering::Relaxed),
            self.current.load().generation,
        ) {
            (0, _) => LoginReason::First,
            (_, 0) => LoginReason::RejectedOrInvalidated,
            _ => LoginReason::Due,
        };
        let reason = cause.words();
        let span = tracing::info_span!("login", vendor, reason);
        let started = std::time::Instant::now();
        let deadline = tokio::time::Instant::now() + self.login_deadline;
        let timed_out = || Error::Timeout {
            vendor,
            stage: Stage::Login,
        };
        // A bound on logins in flight (a pool's, across its accounts): waited for
        // within the deadline, held until this login ends.
        let _permit = match &self.login_limit {
            Some(limit) => {
                match tokio::time::timeout_at(deadline, Arc::clone(limit).acquire_owned()).await {
                    Ok(permit) => permit.ok(),
                    Err(_) => return Err(Failure::transient(timed_out().into())),
                }
            }
            None => None,
        };
        let mut attempt = 0;
        // Every request of this login goes through one client: the vendor's origins
        // only, no redirects, bodies capped, within the deadline.
        let client = LoginClient::new(
            vendor,
            self.transport.clone(),
            self.origins.clone(),
            deadline,
        );
        // A refresh token is spent by its use (vendors rotate them): taken, and kept
        // again only when the vendor's answer does not replace it.
        let held = self.refresh_slot().take();
        let refreshed = match &held {
            Some(refresh) => self.refreshed(&client, refresh, &span).await,
            None => None,
        };
        let was_refreshed = refreshed.is_some();
        let mut login = match refreshed {
            Some(login) => login,
            None => {
                let trace = Trace {
                    started,
                    span: &span,
                    reason,
                };
                match self.provider.login_procedure().kind {
                    Procedure::Described => {
                        self.described(&client, &held, deadline, &mut attempt, &trace)
                            .await?
                    }
                    Procedure::ByHand(hand) => {
                        self.by_hand(hand, &client, deadline, &mut attempt, &trace)
                            .await?
                    }
                }
            }
        };
        let kept = if was_refreshed { held } else { None };
        *self.refresh_slot() = login.refresh_token.take().or(kept);
        // A token that cannot be sent would fail every call until it expired.
        if let Err(error) = transport::check_token(
            vendor,
            self.provider.placement(),
            login.token.expose_secret(),
        ) {
            span.in_scope(|| tracing::warn!(reason, attempt, error = %error, "login failed"));
            return Err(Failure::transient(error.into()));
        }
        let api_base = match self.api_base(login.api_base.take(), was_refreshed) {
            Ok(base) => base,
            Err(error) => {
                span.in_scope(|| tracing::warn!(reason, attempt, error = %error, "login failed"));
                return Err(Failure::transient(error.into()));
            }
        };
        let now = self.clock.now_ms();
        let lifetime = self.lifetime(&login);
        self.last_response.store(Some(Arc::new(login.response)));
        let cached = Arc::new(
            self.issue(login.token, now, lifetime)
                .with_api_base(api_base),
        );
        self.current.store(Arc::clone(&cached));
        self.metrics
            .logged_in(cause, was_refreshed, started.elapsed());
        span.in_scope(|| {
            tracing::info!(
                reason,
                generation = cached.generation,
                attempt,
                refreshed = was_refreshed,
                lifetime_s = lifetime.map(|d| d.as_secs()),
                elapsed_ms = elapsed_ms(started),
                "logged in"
            )
        });
        self.tell_hook(&cached, lifetime.map(|d| self.clock.wall_now() + d));
        self.logged_in.notify_waiters();
        Ok(cached)
    }

    /// The described login: its steps and its token request, attempt after attempt
    /// while the failures are transient and the deadline leaves time.
    async fn described(
        &self,
        client: &LoginClient,
        held: &Option<SecretString>,
        deadline: tokio::time::Instant,
        attempt: &mut u32,
        trace: &Trace<'_>,
    ) -> Result<Login<P::Response>, Failure<P::Error>> {
        let Trace {
            started,
            span,
            reason,
        } = *trace;
        let mut nonce_given = false;
        'attempts: loop {
            *attempt += 1;
            let attempt = *attempt;
            // What the login's steps read from their answers, afresh on each attempt:
            // a challenge or CSRF token is good for one login.
            let mut bound = Bindings::new().at(self.clock.wall_now());
            for step in 0..self.provider.login_steps() {
                let request = self
                    .provider
                    .step_request(step, &self.credentials, &bound)
                    .map_err(Failure::transient)?;
                let (exchange, scrubber) = match self
                    .send_attempt(
                        client, request, &bound, held, deadline, attempt, span, reason,
                    )
                    .await
                {
                    Sent::Answered(exchange, scrubber) => (exchange, scrubber),
                    Sent::Retry => continue 'attempts,
                    Sent::Failed(failure) => return Err(failure),
                };
                let mut read = bound.clone();
                match self.provider.read_step(step, &exchange.reply(), &mut read) {
                    Ok(()) => bound = read,
                    Err(error) => {
                        let scrubbed = |reply: &LoginReply<'_>| {
                            self.provider
                                .read_step(step, reply, &mut Bindings::new())
                                .err()
                        };
                        let vendor = self.provider.vendor();
                        let error = scrubber.error(vendor, &exchange.reply(), error, scrubbed);
                        return Err(self.refused(error, &exchange, attempt, started, span, reason));
                    }
                }
            }
            let mut request = self
                .provider
                .login_request_bound(&self.credentials, &bound)
                .map_err(Failure::transient)?;
            if let Some(format) = self.login_format {
                request.format = format;
            }
            self.prove(&mut request)
                .map_err(|error| Failure::transient(error.into()))?;
            let token_origin = request.url.origin();
            let (exchange, scrubber) = match self
                .send_attempt(
                    client, request, &bound, held, deadline, attempt, span, reason,
                )
                .await
            {
                Sent::Answered(exchange, scrubber) => (exchange, scrubber),
                Sent::Retry => continue 'attempts,
                Sent::Failed(failure) => return Err(failure),
            };
            // A token endpoint asking for a DPoP nonce is asked again with it, once.
            if !nonce_given
                && self.dpop_nonce(
                    &token_origin,
                    exchange.status,
                    &exchange.headers,
                    &exchange.body,
                )
            {
                nonce_given = true;
                continue 'attempts;
            }
            return match self.provider.decode_login(&exchange.reply()) {
                Ok(login) => {
                    // For a logout or keep-alive that names what the steps bound.
                    *self
                        .last_bound
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = bound;
                    Ok(login)
                }
                Err(error) => {
                    let error = self.scrubbed_error(&scrubber, &exchange.reply(), error);
                    Err(self.refused(error, &exchange, attempt, started, span, reason))
                }
            };
        }
    }

    /// The login written by hand ([`HandLogin`](crate::HandLogin)), given the client,
    /// attempt after attempt while its failures are transient and the deadline leaves
    /// time; its error withheld when it shows a secret, and classified by the last
    /// answer its client received.
    async fn by_hand(
        &self,
        hand: HandFn<P>,
        client: &LoginClient,
        deadline: tokio::time::Instant,
        attempt: &mut u32,
        trace: &Trace<'_>,
    ) -> Result<Login<P::Response>, Failure<P::Error>> {
        let vendor = self.provider.vendor();
        // The credentials' secrets, as the provider names them, are taken out of
        // every answer the hand login reads.
        let credentials = self
            .provider
            .login_request(&self.credentials)
            .map_err(Failure::transient)?;
        client.know(&Scrubber::for_request(&credentials));
        loop {
            *attempt += 1;
            client.start_attempt();
            let outcome =
                tokio::time::timeout_at(deadline, hand(&self.provider, &self.credentials, client))
                    .await
                    .unwrap_or_else(|_| {
                        Err(Error::Timeout {
                            vendor,
                            stage: Stage::Login,
                        }
                        .into())
                    });
            let error = match outcome {
                Ok(login) => return Ok(login),
                Err(error) => error,
            };
            let mut error = withheld::<P>(client, self.current.load().secret(), error);
            let (status, retry_after) = client.last_answer();
            let unreached = matches!(
                P::runtime_error(&mut error),
                Some(Error::Transport { .. } | Error::Timeout { .. })
            );
            let kind = match status {
                _ if unreached => FailureKind::Transient,
                Some(status) => classify::<P>(&mut error, status, retry_after),
                None => FailureKind::Refused,
            };
            if kind == FailureKind::Transient
                && let Verdict::RetryAfter(wait) = self.retry.verdict(*attempt, status, retry_after)
                && tokio::time::Instant::now() + wait < deadline
            {
                trace.span.in_scope(|| {
                    tracing::warn!(
                        reason = trace.reason,
                        attempt = *attempt,
                        status,
                        wait_ms = millis(wait),
                        error = %error,
                        "login failed; retrying"
                    )
                });
                tokio::time::sleep(wait).await;
                continue;
            }
            trace.span.in_scope(|| {
                tracing::warn!(
                    reason = trace.reason,
                    status,
                    attempt = *attempt,
                    elapsed_ms = elapsed_ms(trace.started),
                    error = %error,
                    "login failed"
                )
            });
            return Err(Failure { error, kind });
        }
    }

    /// Sends one request of a login attempt (a step or the token request) within the
    /// deadline: its answer with what to scrub from it, or a transient failure the
    /// retry policy says to try again after a wait (already waited: the attempt starts
    /// again from its first step), or the failure that ends the login.
    #[allow(clippy::too_many_arguments)]
    async fn send_attempt(
        &self,
        client: &LoginClient,
        request: VendorRequest,
        bound: &Bindings,
        held: &Option<SecretString>,
        deadline: tokio::time::Instant,
        attempt: u32,
        span: &tracing::Span,
        reason: &'static str,
    ) -> Sent<P::Error> {
        let outcome = client
            .exchange(request)
            .await
            .map(|(exchange, mut scrubber)| {
                // What this request revealed, and the session's other secrets, to take out
                // of whatever the vendor answers.
                scrubber.add(self.current.load().secret());
                if let Some(refresh) = held {
                    scrubber.add(refresh.expose_secret());
                }
                for secret in bound.secrets() {
                    scrubber.add(secret.expose_secret());
                }
                (exchange, scrubber)
            });
        // Retried: a vendor that could not be reached, or answered with a status the
        // retry policy deems transient, while the deadline leaves time for it. Not: a
        // response we refuse to read (too large), nor a refusal.
        let (status, retry_after, retryable) = match &outcome {
            Ok((exchange, _)) => (
                Some(exchange.status),
                exchange.retry_after(),
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
            return Sent::Retry;
        }
        match outcome {
            Ok((exchange, scrubber)) => Sent::Answered(exchange, scrubber),
            Err(error) => Sent::Failed(Failure::transient(error.into())),
        }
    }

    /// A refused login attempt (`error` already scrubbed), classified for the gate
    /// and logged.
    fn refused(
        &self,
        mut error: P::Error,
        exchange: &transport::Exchange,
        attempt: u32,
        started: std::time::Instant,
        span: &tracing::Span,
        reason: &'static str,
    ) -> Failure<P::Error> {
        let status = exchange.status;
        let kind = classify::<P>(&mut error, status, exchange.retry_after());
        span.in_scope(|| {
            tracing::warn!(reason, status, attempt, elapsed_ms = elapsed_ms(started), error = %error, "login failed")
        });
        Failure { error, kind }
    }

    /// A new token for a refresh token, when the vendor has a refresh request and
    /// grants it: one attempt within the login's deadline. Any failure (refused,
    /// unreachable, garbled) means a login with the credentials instead; it is logged
    /// with every secret taken out.
    async fn refreshed(
        &self,
        client: &LoginClient,
        refresh: &SecretString,
        span: &tracing::Span,
    ) -> Option<Login<P::Response>> {
        let request = match self.provider.refresh_request(&self.credentials, refresh) {
            Ok(request) => request?,
            Err(error) => {
                span.in_scope(|| tracing::warn!(error = %error, "no refresh request; logging in"));
                return None;
            }
        };
        let sent = self
            .exchange_proven(request, |r| client.exchange(r).boxed(), |(e, _)| e)
            .await;
        let (exchange, mut scrubber) = match sent {
            Ok(answered) => answered,
            Err(error) => {
                span.in_scope(|| tracing::warn!(error = %error, "refresh failed; logging in"));
                return None;
            }
        };
        scrubber.add(self.current.load().secret());
        match self.provider.decode_login(&exchange.reply()) {
            Ok(login) => Some(login),
            Err(error) => {
                let error = self.scrubbed_error(&scrubber, &exchange.reply(), error);
                span.in_scope(|| {
                    tracing::info!(status = exchange.status, error = %error, "refresh refused; logging in")
                });
                None
            }
        }
    }

    /// The error for a failed login, made from the answer with every secret the
    /// session knows taken out: decoding is a pure function, so decoding the scrubbed
    /// body gives the same error without the secrets a hostile or careless server
    /// echoed (in JSON, HTML, text or a form).
    pub(super) fn scrubbed_error(
        &self,
        scrubber: &Scrubber,
        reply: &LoginReply<'_>,
        error: P::Error,
    ) -> P::Error {
        scrubber.error(self.provider.vendor(), reply, error, |reply| {
            self.provider.decode_login(reply).err()
        })
    }

    /// The API base a login named, admitted: on one of the API hosts, or an error
    /// (the token is not kept). A refresh whose answer names none keeps the current
    /// token's base.
    fn api_base(&self, named: Option<String>, refreshed: bool) -> Result<Option<url::Url>, Error> {
        let vendor = self.provider.vendor();
        match (self.provider.api_base(), named) {
            (None, _) => Ok(None),
            (Some(_), Some(named)) => self.origins.admit_api_base(vendor, &named).map(Some),
            (Some(_), None) if refreshed => Ok(self.current.load().api_base.clone()),
            (Some(base), None) => Err(Error::ApiBase {
                vendor,
                reason: format!(
                    "the login answer names no API base at {}",
                    base.spot.shown()
                ),
            }),
        }
    }

    /// A new cache entry under the session's policy.
    pub(super) fn issue(
        &self,
        token: SecretString,
        now: u64,
        lifetime: Option<Duration>,
    ) -> Cached {
        self.issue_remaining(token, now, lifetime, lifetime)
    }

    /// A cache entry for a token with `remaining` of its `full` lifetime left: replaced
    /// the margin of its full lifetime before it expires.
    pub(super) fn issue_remaining(
        &self,
        token: SecretString,
        now: u64,
        remaining: Option<Duration>,
        full: Option<Duration>,
    ) -> Cached {
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let idle = matches!(self.expiry.lifetime, Lifetime::Idle(_));
        let margin = full
            .map(|l| crate::expiry::jittered_margin(&self.expiry, l))
            .unwrap_or_default();
        Cached::issued(token, generation, now, remaining, idle, margin)
    }

    /// Uses a token kept from an earlier run, when it has more than its margin left.
    pub(super) fn restore(&self, stored: StoredToken) {
        // Kept even when the token has expired: a refresh then replaces the login.
        if stored.refresh_token.is_some() {
            *self.refresh_slot() = stored.refresh_token;
        }
        let remaining = match stored.expires_at {
            Some(at) => match at.duration_since(self.clock.wall_now()) {
                Ok(remaining) => Some(remaining),
                Err(_) => return,
            },
            None => None,
        };
        let api_base = match (self.provider.api_base(), &stored.api_base) {
            (None, _) => None,
            (Some(_), Some(named)) => {
                match self.origins.admit_api_base(self.provider.vendor(), named) {
                    Ok(base) => Some(base),
                    Err(error) => {
                        tracing::warn!(vendor = self.provider.vendor(), error = %error, "not restoring the kept token");
                        return;
                    }
                }
            }
            (Some(_), None) => return,
        };
        let cached = self
            .issue(stored.token, self.clock.now_ms(), remaining)
            .with_api_base(api_base);
        if cached.is_fresh(self.clock.now_ms()) {
            tracing::info!(vendor = self.provider.vendor(), "restored a kept token");
            self.current.store(Arc::new(cached));
        }
    }

    /// How long a new token lives: a JWT's `exp` when the policy trusts it, else the
    /// lifetime the response states, else the documented one.
    pub(super) fn lifetime(&self, login: &Login<P::Response>) -> Option<Duration> {
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
                vendor = self.provider.vendor(),
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
