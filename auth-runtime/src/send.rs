//! "Check the destination, authorize, send, inspect, re-login once, replay": the one
//! protocol behind [`Session::send`](crate::Session::send), `AuthMiddleware` and
//! `AuthLayer`. Each entry point is an adapter saying how its request type carries a
//! token ([`Outgoing`]), how its response type is looked into ([`Incoming`]) and how a
//! request is sent; the protocol decides the rest, so the three behave alike:
//!
//! * a request to another origin, or over plain http off loopback, fails before any
//!   login;
//! * the provider's rejection (HTTP 401 unless it documents other statuses, or a test
//!   on the answer such as CRM.COM's HTTP-200 `INVALID_TOKEN`), replaces the token once — one login however many callers saw
//!   it — and replays the request once when its body can be replayed;
//! * a replay rejected again is [`Error::TokenRejected`]; a request that cannot be
//!   replayed gets the rejecting response, and the next request a new token;
//! * an answer that arrived from another origin (the client followed a redirect away)
//!   fails the call;
//! * where the login's answer names the API's base (`api_base`), a request to that
//!   base's origin is checked once the token it goes with is known, and a request made
//!   with [`Session::api`] is put on the base of the token it carries, the replay's
//!   included (a re-login that names another base moves it).

use std::future::Future;

use bytes::Bytes;

use crate::error::{Error, Stage};
use crate::provider::{Placement, Provider, Spot};
use crate::session::{API_MAX_BODY, Session};

/// A request the protocol can put a token on.
pub(crate) trait Outgoing: Sized {
    /// Where the request goes, absolute, so that its origin can be checked.
    fn destination(&self, vendor: &'static str) -> Result<url::Url, Error>;
    /// A copy to replay after a rejection, when the body can be sent twice.
    fn duplicate(&self) -> Option<Self>;
    /// Sends the request to `url` instead (a [`Session::api`] request put on the API's
    /// base).
    fn retarget(&mut self, vendor: &'static str, url: url::Url) -> Result<(), Error>;
    /// Puts `token` on the request the vendor's way.
    fn carry(
        &mut self,
        vendor: &'static str,
        placement: &Placement,
        token: &str,
    ) -> Result<(), Error>;
    /// Runs `hook` (the provider's [`sign_request`](Provider::sign_request)) on the
    /// request as it will be sent, `token` on it.
    fn sign<E: From<Error>>(
        &mut self,
        vendor: &'static str,
        token: &str,
        hook: impl FnOnce(&mut ApiRequest<'_>) -> Result<(), E>,
    ) -> Result<(), E>;
}

/// An API request as the per-request hook ([`Provider::sign_request`]) sees it: its
/// method, URL, headers and body (when in memory) as they will be sent, the token on
/// them, and the token itself. The hook may add headers.
pub struct ApiRequest<'r> {
    method: &'r http::Method,
    url: &'r url::Url,
    headers: &'r mut http::HeaderMap,
    body: Option<&'r [u8]>,
    token: &'r str,
}

impl<'r> ApiRequest<'r> {
    /// The request's parts, lent to the hook.
    pub(crate) fn of(
        method: &'r http::Method,
        url: &'r url::Url,
        headers: &'r mut http::HeaderMap,
        body: Option<&'r [u8]>,
        token: &'r str,
    ) -> Self {
        ApiRequest {
            method,
            url,
            headers,
            body,
            token,
        }
    }

    /// The method.
    pub fn method(&self) -> &http::Method {
        self.method
    }

    /// The URL, with the token in its query when the vendor takes it there.
    pub fn url(&self) -> &url::Url {
        self.url
    }

    /// The headers, the token's among them.
    pub fn headers(&self) -> &http::HeaderMap {
        self.headers
    }

    /// The body, when it is in memory: a `reqwest` body built from bytes or text
    /// ([`Session::send`](crate::Session::send), `AuthMiddleware`), or an
    /// `http::Request` body of `Bytes`, `Vec<u8>` or `String` (`AuthLayer`); `None`
    /// for a request without a body, and for a streamed one.
    pub fn body(&self) -> Option<&[u8]> {
        self.body
    }

    /// The token the request carries: a secret, for computing with it (a signature
    /// keyed by it, a header derived from it).
    pub fn expose_token(&self) -> &str {
        self.token
    }

    /// Adds a header (replacing one of the same name), marked sensitive so that no
    /// `Debug` of the request shows it.
    pub fn insert_header(&mut self, name: http::HeaderName, mut value: http::HeaderValue) {
        value.set_sensitive(true);
        self.headers.insert(name, value);
    }
}

impl std::fmt::Debug for ApiRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiRequest")
            .field("method", self.method)
            .field("origin", &self.url.origin().ascii_serialization())
            .field("path", &self.url.path())
            .finish_non_exhaustive()
    }
}

/// A response the protocol can look into for the vendor's rejection of the token.
pub(crate) trait Incoming: Sized {
    fn status(&self) -> u16;
    fn headers(&self) -> &http::HeaderMap;
    /// The origin the answer came from, when the client says (reqwest does).
    fn arrived_from(&self) -> Option<url::Origin> {
        None
    }
    /// Reads the body whole, up to `limit` bytes; the response rebuilt around it, and
    /// the bytes.
    fn buffer(
        self,
        vendor: &'static str,
        limit: usize,
    ) -> impl Future<Output = Result<(Self, Bytes), Error>> + Send;
}

/// Why a protocol run failed: the session (token, origin, rejection), or the sending.
pub(crate) enum Failed<E, S> {
    Session(E),
    Sending(S),
}

impl<E, S> From<E> for Failed<E, S> {
    fn from(error: E) -> Self {
        Failed::Session(error)
    }
}

/// Runs the protocol for `request`, sending with `send`.
pub(crate) async fn send_with_token<P, Q, R, S, F, Fut>(
    session: &Session<P>,
    request: Q,
    mut send: F,
) -> Result<R, Failed<P::Error, S>>
where
    P: Provider,
    Q: Outgoing,
    R: Incoming,
    F: FnMut(Q) -> Fut,
    Fut: Future<Output = Result<R, S>>,
{
    let vendor = session.provider().vendor();
    let url = request.destination(vendor).map_err(P::Error::from)?;
    let target = session.target(&url)?;
    let mut replay = request.duplicate();
    let (request, mut generation, origin) = carry_token(session, request, &target).await?;
    let response = send(request).await.map_err(Failed::Sending)?;
    let (mut response, mut rejected) = inspect(session, &origin, response).await?;
    // A resource server asking for a DPoP nonce (RFC 9449 section 9) is asked again
    // with it, once, with the same token.
    if rejected
        && session.dpop_nonce_asked(&origin, response.status(), response.headers())
        && let Some(again) = replay.take()
    {
        replay = again.duplicate();
        let (again, again_generation, origin) = carry_token(session, again, &target).await?;
        generation = again_generation;
        let answer = send(again).await.map_err(Failed::Sending)?;
        (response, rejected) = inspect(session, &origin, answer).await?;
    }
    if !rejected {
        return Ok(response);
    }
    session.metrics().token_rejected();
    // The next call (this one's replay, or the caller's next request) logs in again.
    tracing::info!(
        vendor,
        account = session.account().map(tracing::field::display),
        generation,
        "token rejected; logging in again"
    );
    session.invalidate_generation(generation);
    let Some(replay) = replay else {
        return Ok(response);
    };
    let (replay, _, origin) = carry_token(session, replay, &target).await?;
    let response = send(replay).await.map_err(Failed::Sending)?;
    let (response, rejected) = inspect(session, &origin, response).await?;
    if rejected {
        session.metrics().token_rejected();
        return Err(Failed::Session(Error::TokenRejected { vendor }.into()));
    }
    Ok(response)
}

/// Where a request goes, as far as it is known before its token is.
pub(crate) enum Target {
    /// One of the vendor's origins (or one the user allowed): known before any login.
    Origin(url::Url),
    /// An absolute URL the token may go to only if it is on the API base that the
    /// token's login named.
    OnApiBase(url::Url),
    /// A [`Session::api`] request: its path and query, put on the token's API base.
    Relative(url::Url),
}

/// Puts the current token on `request` (logging in first if needed), on the API base
/// of that token for a relative request, and checks a destination that depends on the
/// token; returns it with the token's generation (so that a rejection replaces that
/// token only) and the origin it goes to.
async fn carry_token<P: Provider, Q: Outgoing>(
    session: &Session<P>,
    mut request: Q,
    target: &Target,
) -> Result<(Q, u64, url::Origin), P::Error> {
    let vendor = session.provider().vendor();
    let token = session.token().await?;
    let origin = match target {
        Target::Origin(url) => url.origin(),
        Target::OnApiBase(url) => {
            let base = crate::origin::api_base_of(vendor, token.api_base())?;
            if url.origin() != base.origin() {
                return Err(Error::OriginNotAllowed {
                    vendor,
                    origin: url.origin().ascii_serialization(),
                }
                .into());
            }
            url.origin()
        }
        Target::Relative(placeholder) => {
            let base = crate::origin::api_base_of(vendor, token.api_base())?;
            let url = crate::origin::on_api_base(base, placeholder);
            let origin = url.origin();
            request.retarget(vendor, url)?;
            origin
        }
    };
    request.carry(
        vendor,
        session.provider().placement(),
        token.expose_secret(),
    )?;
    // The vendor's DPoP proof first (RFC 9449 section 7.1), then its own hook's.
    request.sign(vendor, token.expose_secret(), |view| {
        session.prove_api_request(view).map_err(P::Error::from)?;
        session.provider().sign_request(session.credentials(), view)
    })?;
    Ok((request, token.generation(), origin))
}

/// The response, and whether it says the token was rejected: one of the provider's
/// rejection statuses, or its test on the answer (a body read up to [`API_MAX_BODY`]).
async fn inspect<P: Provider, R: Incoming>(
    session: &Session<P>,
    origin: &url::Origin,
    response: R,
) -> Result<(R, bool), P::Error> {
    let vendor = session.provider().vendor();
    if let Some(from) = response.arrived_from()
        && from != *origin
    {
        tracing::error!(
            vendor,
            "the client followed a redirect to another origin with the token; build it \
             with auth_runtime::redirect_policy() or on Session::http_client()"
        );
        return Err(Error::InvalidRequest {
            vendor,
            reason: format!(
                "the client followed a redirect to {} with the token; build it with \
                 auth_runtime::redirect_policy()",
                from.ascii_serialization()
            ),
        }
        .into());
    }
    let rejection = session.provider().rejection();
    if rejection.statuses.contains(&response.status()) {
        return Ok((response, true));
    }
    let Some(test) = rejection.test else {
        return Ok((response, false));
    };
    match test.spot {
        // A JSON test reads only answers labelled JSON: a file download is not parsed.
        Spot::Json(_) if !crate::transport::is_json(response.headers()) => Ok((response, false)),
        spot if spot.needs_body() => {
            let (response, body) = response.buffer(vendor, API_MAX_BODY).await?;
            let rejected = crate::decode::holds(&test, response.headers(), &body);
            Ok((response, rejected))
        }
        _ => {
            let rejected = crate::decode::holds(&test, response.headers(), &[]);
            Ok((response, rejected))
        }
    }
}

impl Outgoing for reqwest::Request {
    fn destination(&self, _: &'static str) -> Result<url::Url, Error> {
        Ok(self.url().clone())
    }

    fn retarget(&mut self, _: &'static str, url: url::Url) -> Result<(), Error> {
        *self.url_mut() = url;
        Ok(())
    }

    fn duplicate(&self) -> Option<Self> {
        self.try_clone()
    }

    fn carry(
        &mut self,
        vendor: &'static str,
        placement: &Placement,
        token: &str,
    ) -> Result<(), Error> {
        crate::transport::apply(vendor, placement, self, token)
    }

    fn sign<E: From<Error>>(
        &mut self,
        _: &'static str,
        token: &str,
        hook: impl FnOnce(&mut ApiRequest<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        // The headers are lent to the hook beside the rest of the request.
        let mut headers = std::mem::take(self.headers_mut());
        let signed = hook(&mut ApiRequest::of(
            self.method(),
            self.url(),
            &mut headers,
            self.body().and_then(reqwest::Body::as_bytes),
            token,
        ));
        *self.headers_mut() = headers;
        signed
    }
}

impl Incoming for reqwest::Response {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }

    fn headers(&self) -> &http::HeaderMap {
        self.headers()
    }

    fn arrived_from(&self) -> Option<url::Origin> {
        Some(self.url().origin())
    }

    async fn buffer(self, vendor: &'static str, limit: usize) -> Result<(Self, Bytes), Error> {
        use reqwest::ResponseBuilderExt as _;
        let (status, version, url) = (self.status(), self.version(), self.url().clone());
        let headers = self.headers().clone();
        let body =
            Bytes::from(crate::transport::read_capped(vendor, Stage::Api, self, limit).await?);
        let mut rebuilt = http::Response::builder()
            .status(status)
            .version(version)
            .url(url)
            .body(body.clone())
            .map_err(|e| Error::InvalidRequest {
                vendor,
                reason: format!("could not rebuild the response: {e}"),
            })?;
        *rebuilt.headers_mut() = headers;
        Ok((reqwest::Response::from(rebuilt), body))
    }
}
