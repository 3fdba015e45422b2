//! API requests through the session, keep-alive and logout.

use futures::FutureExt as _;
use secrecy::{ExposeSecret as _, SecretString};

use tracing::Instrument as _;

use crate::error::{Error, Stage};
use crate::provider::{LoginReply, Placement, Provider, TokenKind, VendorRequest};
use crate::redact::Scrubber;
use crate::send::{Failed, Target, send_with_token};
use crate::token::Cached;

use super::{LoggedOut, Session, cached_secret, elapsed_ms};

impl<P: Provider> Session<P> {
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
    /// [`configure_client`](crate::SessionBuilder::configure_client) added.
    /// `AuthMiddleware::client_builder` and `SessionClient` (for `AuthLayer`) send on a
    /// clone of it, so that no redirect can carry the token to another origin.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.transport.api_client
    }

    /// Puts the token on `request` the vendor's way and sends it. When the vendor
    /// rejects the token (HTTP 401, or the provider's body test) and the request can be
    /// replayed, the token is replaced (one login however many callers saw the
    /// rejection) and the request is sent once more; a request whose body cannot be
    /// replayed gets the rejecting response, and the next request a new token.
    ///
    /// The request goes out on the session's own client ([`Session::http_client`]),
    /// whichever client built it: another client's redirect policy could carry the
    /// token to another origin. Of a request built by another `reqwest::Client`, what
    /// the request itself holds is sent: its method, URL, headers set on the builder
    /// (`header`, `bearer_auth`, `basic_auth`), query, body and per-request `timeout`.
    /// Nothing of that client is: not its default headers, proxy, TLS settings (root
    /// certificates, client identity), cookie store, timeouts, user agent or
    /// redirect policy, which a `RequestBuilder` does not expose to compare. Build
    /// requests with [`Session::request`] (or `get`, `post`, [`Session::api`]) and put
    /// client settings in
    /// [`SessionBuilder::configure_client`](crate::SessionBuilder::configure_client).
    /// The URL must be on one of the vendor's origins (see
    /// [`SessionBuilder::allow_origin`](crate::SessionBuilder::allow_origin)) over
    /// https (or http to a loopback host), else nothing is sent.
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, P::Error> {
        let vendor = self.provider().vendor();
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

    /// Builds a request to `path` (`/services/data/v60.0/limits`, a query allowed) on the
    /// API base the current login named (Salesforce's `instance_url`); send it with
    /// [`Session::send`], or through `AuthMiddleware` or `AuthLayer`. Each sending puts
    /// it on the base of the token it carries, so a re-login that names another base
    /// moves it, the replay after a rejection included. Until then its URL is a
    /// placeholder on a host that never resolves (`api-base.invalid`), so another
    /// client sends it nowhere. For a vendor whose login names no API base, sending it
    /// fails with [`Error::InvalidRequest`](crate::Error::InvalidRequest).
    pub fn api(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let placeholder = format!(
            "https://{}/{}",
            crate::origin::API_PLACEHOLDER_HOST,
            path.trim_start_matches('/')
        );
        self.request(method, placeholder)
    }

    /// Where `url` goes, for the send protocol: one of the session's origins; or,
    /// for a vendor whose login names the API's base, a URL on that base (checked once
    /// the token is known) or a [`Session::api`] request. Anything else is refused
    /// before any login.
    pub(crate) fn target(&self, url: &url::Url) -> Result<Target, P::Error> {
        let vendor = self.provider().vendor();
        let names_base = self.provider().api_base().is_some();
        if crate::origin::is_api_placeholder(url) {
            if !names_base {
                return Err(Error::InvalidRequest {
                    vendor,
                    reason: "Session::api builds requests on the API base a login names, and this vendor's login names none".to_owned(),
                }
                .into());
            }
            return Ok(Target::Relative(url.clone()));
        }
        match self.inner.origins.check(vendor, url) {
            Ok(()) => Ok(Target::Origin(url.clone())),
            Err(Error::OriginNotAllowed { .. }) if names_base => Ok(Target::OnApiBase(url.clone())),
            Err(error) => Err(error.into()),
        }
    }

    /// Refuses to put the token on a request to `url` unless it is one of the vendor's
    /// origins, over https (or http to a loopback host).
    pub(crate) fn check_destination(&self, url: &url::Url) -> Result<(), P::Error> {
        Ok(self.inner.origins.check(self.provider().vendor(), url)?)
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
        let vendor = self.provider().vendor();
        let current = self.inner.current.load_full();
        if !current.is_valid(self.inner.clock.now_ms()) {
            return Ok(());
        }
        let bound = self.inner.last_bound();
        let Some(request) = self
            .inner
            .provider
            .keepalive_request_with(&self.inner.credentials, &bound)?
        else {
            return Ok(());
        };
        let placement = self.endpoint_placement(&request);
        let exchange = self
            .inner
            .transport
            .exchange(
                vendor,
                Stage::Api,
                request,
                Some((&placement, current.secret())),
            )
            .await?;
        match exchange.status {
            200..=299 => {
                current.renew(self.inner.clock.now_ms());
                tracing::debug!(vendor, generation = current.generation, "token kept alive");
                Ok(())
            }
            status if self.inner.provider.rejection().statuses.contains(&status) => {
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

    /// Where `request` (a keep-alive or logout) takes the token: its own placement
    /// where it has one (a logout taking the token in a header of its own), else where
    /// API calls carry it.
    fn endpoint_placement(&self, request: &VendorRequest) -> Placement {
        request
            .placement
            .clone()
            .unwrap_or_else(|| self.inner.provider.placement().clone())
    }

    /// Retires the session's tokens and forgets them, whatever the vendor answers: the
    /// next call logs in again with the credentials.
    ///
    /// When the provider revokes tokens (OAuth 2.0 revocation, RFC 7009, see
    /// [`Provider::revocation_request`]), the refresh token is revoked first, when the
    /// session holds one (even after the access token has expired), then the access
    /// token while it is valid. Otherwise the vendor's logout retires a valid token,
    /// where it has one. With neither a valid token nor a refresh token there is
    /// nothing to retire. Every request is tried; the first failure is returned, with
    /// no token or secret in it. [`LoggedOut`] says whether the vendor was told.
    pub async fn logout(&self) -> Result<LoggedOut, P::Error> {
        let span = self.inner.span();
        self.retire_all().instrument(span).await
    }

    /// [`logout`](Self::logout), in the session's span.
    async fn retire_all(&self) -> Result<LoggedOut, P::Error> {
        let current = self.inner.current.swap(Cached::empty());
        // Forgotten here, the token is not taken back from a store the session shares.
        self.inner.remember_rejected(&current);
        // A refresh token would log the session in again: it goes with the token.
        let refresh = self.inner.refresh_slot().take();
        if let Some(refresh) = &refresh {
            self.inner.remember_retired_refresh(refresh);
        }
        let access = current
            .is_valid(self.inner.clock.now_ms())
            .then(|| cached_secret(&current));
        // Both tokens are taken out of whatever either answer says.
        let mut tokens = Scrubber::default();
        tokens.add(current.secret());
        if let Some(refresh) = &refresh {
            tokens.add(refresh.expose_secret());
        }
        let mut outcome = Ok(LoggedOut::NothingToRetire);
        let retired_refresh = refresh.clone();
        for (kind, token) in [(TokenKind::Refresh, refresh), (TokenKind::Access, access)] {
            let Some(token) = token else {
                continue;
            };
            let retired = self.retire(kind, &token, &current, &tokens).await;
            outcome = match (outcome, retired) {
                (Err(first), _) => Err(first),
                (Ok(_), Err(error)) => Err(error),
                (Ok(LoggedOut::Retired), Ok(_)) | (Ok(_), Ok(true)) => Ok(LoggedOut::Retired),
                (Ok(_), Ok(false)) => Ok(LoggedOut::OnlyForgotten),
            };
        }
        // Retired at the vendor, the tokens must not be adopted from a shared store
        // either. Only forgotten here, they stay valid and shared.
        if let Ok(LoggedOut::Retired) = outcome {
            self.inner
                .forget_in_store(current.secret(), retired_refresh.as_ref())
                .await;
        }
        outcome
    }

    /// Retires one token: revoked where the provider revokes it, else (the access
    /// token) with the vendor's logout. Whether the vendor was called.
    async fn retire(
        &self,
        kind: TokenKind,
        token: &SecretString,
        current: &Cached,
        tokens: &Scrubber,
    ) -> Result<bool, P::Error> {
        let request =
            self.inner
                .provider
                .revocation_request(&self.inner.credentials, token, kind)?;
        match request {
            Some(request) => self.revoke(request, kind, tokens).await.map(|()| true),
            None if kind == TokenKind::Access => self.log_out(current, tokens).await,
            None => Ok(false),
        }
    }

    /// Sends a revocation request (which carries its token itself); a 2xx answer means
    /// revoked.
    async fn revoke(
        &self,
        request: VendorRequest,
        kind: TokenKind,
        tokens: &Scrubber,
    ) -> Result<(), P::Error> {
        let vendor = self.provider().vendor();
        // The refresh token goes to the vendor and nowhere else.
        self.check_destination(&request.url)?;
        let scrubber = Scrubber::for_request(&request).with(tokens);
        let started = std::time::Instant::now();
        let transport = &self.inner.transport;
        let exchange = self
            .inner
            .exchange_proven(
                request,
                |r| transport.exchange(vendor, Stage::Logout, r, None).boxed(),
                |e| e,
            )
            .await?;
        let status = exchange.status;
        let elapsed_ms = elapsed_ms(started);
        if (200..300).contains(&status) {
            tracing::info!(
                vendor,
                status,
                kind = kind.hint(),
                elapsed_ms,
                "token revoked"
            );
            return Ok(());
        }
        tracing::warn!(
            vendor,
            status,
            kind = kind.hint(),
            elapsed_ms,
            "revocation refused"
        );
        let body = scrubber.bytes(&exchange.body);
        let reply = LoginReply {
            body: &body,
            ..exchange.reply()
        };
        // RFC 6749 section 5.2's `error` and `error_description`, read from the
        // scrubbed body like a token endpoint's refusal.
        let answer = crate::decode::LoginResponse::new(vendor, &reply);
        Err(Error::RevocationFailed {
            vendor,
            token: kind,
            status,
            code: answer.message(&["error"]),
            description: answer.message(&["error_description"]),
            excerpt: crate::error::excerpt(&body),
        }
        .into())
    }

    /// Calls the vendor's logout with `current` on it, where the vendor has one;
    /// whether it has.
    async fn log_out(&self, current: &Cached, tokens: &Scrubber) -> Result<bool, P::Error> {
        let vendor = self.provider().vendor();
        let bound = self.inner.last_bound();
        let Some(request) = self
            .inner
            .provider
            .logout_request_with(&self.inner.credentials, &bound)?
        else {
            return Ok(false);
        };
        let placement = self.endpoint_placement(&request);
        let scrubber = Scrubber::for_request(&request).with(tokens);
        let started = std::time::Instant::now();
        let exchange = self
            .inner
            .transport
            .exchange(
                vendor,
                Stage::Logout,
                request,
                Some((&placement, current.secret())),
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
            Ok(true)
        } else {
            Err(Error::UnexpectedStatus {
                vendor,
                stage: Stage::Logout,
                status,
                excerpt: crate::error::excerpt(&scrubber.bytes(&exchange.body)),
            }
            .into())
        }
    }
}

/// `body` with `token` (the session's, if it has one) taken out.
fn scrub_token<'b>(token: &Cached, body: &'b [u8]) -> std::borrow::Cow<'b, [u8]> {
    let mut scrubber = Scrubber::default();
    scrubber.add(token.secret());
    scrubber.bytes(body)
}
