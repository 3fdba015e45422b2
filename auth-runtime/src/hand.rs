//! Logins written by hand, for what a description cannot say (a challenge answered with
//! an HMAC computed by the user's code, a token put together from two answers): the
//! user's [`HandLogin`] is given a [`LoginClient`] that sends its requests under the
//! session's rules, and the session keeps everything around it (single flight, the
//! refusal gate, the store, background refresh, keep-alive and logout).
//!
//! A login is one [`LoginProcedure`] of the provider's: the described one (the steps
//! and the token request of [`Provider`], sent by the session) or the hand-written
//! one. Both send every request through the same [`LoginClient`].

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;

use crate::error::{Error, Stage};
use crate::origin::Origins;
use crate::provider::{Login, LoginReply, Provider, VendorRequest};
use crate::redact::Scrubber;
use crate::transport::{Exchange, Transport};

/// A login written by hand: what a provider implements when its vendor's login cannot
/// be described (the steps of [`Provider`] build each request from what the earlier
/// ones bound, but cannot compute with the credentials in between).
///
/// The session calls [`log_in`](Self::log_in) whenever it needs a token — never when
/// it is built — once for any number of concurrent callers, and holds a refusal as it
/// holds any other (see [`SessionBuilder::refusal_hold`](crate::SessionBuilder::refusal_hold)).
/// Turn it on in the provider with
/// [`login_procedure`](Provider::login_procedure) returning
/// [`LoginProcedure::by_hand`]; the provider's
/// [`login_request`](Provider::login_request) then names the credentials (the origin
/// of its URL is admitted, its secret values are taken out of every answer, a shared
/// store keys the account by it) and is sent only if the hand login sends it.
pub trait HandLogin: Provider {
    /// Logs in with `credentials`, sending every request through `client`; returns
    /// the token (with its lifetime when the vendor states one, and the typed
    /// response), or the vendor's error. Every attempt starts here again: a challenge
    /// is asked for afresh.
    ///
    /// A failure the client returned (the vendor unreachable, the deadline passed) is
    /// tried again within the login's deadline as the session's retry policy says;
    /// an error of the vendor's own (a refusal) is not, and holds off the next logins.
    fn log_in(
        &self,
        credentials: &Self::Credentials,
        client: &LoginClient,
    ) -> impl Future<Output = Result<Login<Self::Response>, Self::Error>> + Send;
}

/// A hand login, its future boxed so that the session can hold it without knowing
/// that the provider is a [`HandLogin`].
pub(crate) type HandFn<P> =
    for<'a> fn(
        &'a P,
        &'a <P as Provider>::Credentials,
        &'a LoginClient,
    )
        -> BoxFuture<'a, Result<Login<<P as Provider>::Response>, <P as Provider>::Error>>;

/// How a provider's logins are made: the requests [`Provider`] describes, sent by the
/// session ([`described`](Self::described), the default), or a [`HandLogin`]
/// ([`by_hand`](Self::by_hand)).
pub struct LoginProcedure<P: Provider> {
    pub(crate) kind: Procedure<P>,
}

pub(crate) enum Procedure<P: Provider> {
    Described,
    ByHand(HandFn<P>),
}

impl<P: Provider> LoginProcedure<P> {
    /// The provider's steps and token request, sent by the session.
    pub fn described() -> Self {
        LoginProcedure {
            kind: Procedure::Described,
        }
    }
}

impl<P: HandLogin> LoginProcedure<P> {
    /// The provider's [`HandLogin::log_in`].
    pub fn by_hand() -> Self {
        LoginProcedure {
            kind: Procedure::ByHand(boxed_log_in::<P>),
        }
    }
}

impl<P: Provider> std::fmt::Debug for LoginProcedure<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.kind {
            Procedure::Described => "LoginProcedure::Described",
            Procedure::ByHand(_) => "LoginProcedure::ByHand",
        })
    }
}

fn boxed_log_in<'a, P: HandLogin>(
    provider: &'a P,
    credentials: &'a P::Credentials,
    client: &'a LoginClient,
) -> BoxFuture<'a, Result<Login<P::Response>, P::Error>> {
    Box::pin(provider.log_in(credentials, client))
}

/// The client a login sends its requests with, under the session's rules: only to the
/// vendor's origins (those of its login, steps, logout and keep-alive, and the ones
/// the session allows; a request elsewhere is [`Error::OriginNotAllowed`] before
/// anything is sent), over https or plain http to loopback, following no redirect (a
/// 3xx is handed back as it is), each answer's body read up to the session's cap
/// ([`Error::BodyTooLarge`]), all within the login's deadline ([`Error::Timeout`]).
///
/// Every secret it knows is taken out of the answers it hands back, so that an error
/// made from an answer cannot carry one: the credentials' secret values (those of the
/// provider's [`login_request`](Provider::login_request)), every secret value of the
/// requests sent ([`WireValue::Secret`](crate::WireValue::Secret), HTTP Basic
/// passwords), and the values marked with [`secret`](Self::secret). The session also
/// withholds an error of the login's that shows one of them, or the token.
pub struct LoginClient {
    vendor: &'static str,
    transport: Transport,
    origins: Origins,
    deadline: tokio::time::Instant,
    state: Mutex<ClientState>,
}

#[derive(Default)]
struct ClientState {
    /// Every secret the client knows.
    secrets: Scrubber,
    /// The status and `Retry-After` of the latest answer, for the session to tell a
    /// refusal from a failure worth trying again.
    last: Option<(u16, Option<Duration>)>,
}

impl LoginClient {
    pub(crate) fn new(
        vendor: &'static str,
        transport: Transport,
        origins: Origins,
        deadline: tokio::time::Instant,
    ) -> Self {
        LoginClient {
            vendor,
            transport,
            origins,
            deadline,
            state: Mutex::new(ClientState::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ClientState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `request` and reads its answer, with every secret the client knows taken
    /// out of the answer's body and headers.
    ///
    /// # Errors
    ///
    /// [`Error::OriginNotAllowed`] or [`Error::InvalidUrl`] (nothing sent),
    /// [`Error::Timeout`] (the login's deadline), [`Error::Transport`],
    /// [`Error::BodyTooLarge`], [`Error::InvalidRequest`] (a header that cannot be
    /// sent); none holds a secret.
    pub async fn send(&self, request: VendorRequest) -> Result<LoginAnswer, Error> {
        let (exchange, sent) = self.exchange(request).await?;
        let mut state = self.state();
        state.secrets = std::mem::take(&mut state.secrets).with(&sent);
        state.last = Some((exchange.status, exchange.retry_after()));
        let body = state.secrets.bytes(&exchange.body).into_owned();
        let headers = state.secrets.headers(&exchange.headers);
        Ok(LoginAnswer::new(
            self.vendor,
            exchange.status,
            headers,
            body,
        ))
    }

    /// Takes `value` (a key derived from the password, a challenge's answer) out of
    /// every answer and error from now on, as the credentials' secrets are. Values
    /// shorter than four characters are not scrubbed by value (see
    /// [`REDACTED`](crate::REDACTED)).
    pub fn secret(&self, value: &str) {
        self.state().secrets.add(value);
    }

    /// The vendor's name, for errors.
    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// What is left of the login's deadline.
    pub fn time_left(&self) -> Duration {
        self.deadline
            .saturating_duration_since(tokio::time::Instant::now())
    }

    /// Sends one request of a login (a step, the token request, a refresh, a hand
    /// login's): to an admitted origin only, within the deadline, following no
    /// redirect, the body capped. The answer as received, with the secrets the request
    /// itself revealed.
    pub(crate) async fn exchange(
        &self,
        request: VendorRequest,
    ) -> Result<(Exchange, Scrubber), Error> {
        let vendor = self.vendor;
        self.origins.check(vendor, &request.url)?;
        let scrubber = Scrubber::for_request(&request);
        let exchange = tokio::time::timeout_at(
            self.deadline,
            self.transport.exchange(vendor, Stage::Login, request, None),
        )
        .await
        .unwrap_or(Err(Error::Timeout {
            vendor,
            stage: Stage::Login,
        }))?;
        Ok((exchange, scrubber))
    }

    /// Adds the secrets `scrubber` takes out (a hand login's credentials).
    pub(crate) fn know(&self, scrubber: &Scrubber) {
        let mut state = self.state();
        state.secrets = std::mem::take(&mut state.secrets).with(scrubber);
    }

    /// Forgets the latest answer: a new attempt starts.
    pub(crate) fn start_attempt(&self) {
        self.state().last = None;
    }

    /// The status and `Retry-After` of the latest answer of this attempt.
    pub(crate) fn last_answer(&self) -> (Option<u16>, Option<Duration>) {
        match self.state().last {
            Some((status, retry_after)) => (Some(status), retry_after),
            None => (None, None),
        }
    }

    /// Whether `text` shows a secret the client knows, or `token`.
    pub(crate) fn reveals(&self, text: &str, token: &str) -> bool {
        let mut secrets = Scrubber::default().with(&self.state().secrets);
        secrets.add(token);
        matches!(secrets.bytes(text.as_bytes()), std::borrow::Cow::Owned(_))
    }
}

impl std::fmt::Debug for LoginClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginClient")
            .field("vendor", &self.vendor)
            .field("origins", &self.origins)
            .finish_non_exhaustive()
    }
}

/// A vendor's answer to a request of a login, read whole (up to the session's cap),
/// with every secret known taken out: of a hand login's [`LoginClient`], and of a
/// probed login (`auth_runtime::description::send_login`). `Debug` shows its
/// status and size only: a successful answer holds the token.
pub struct LoginAnswer {
    vendor: &'static str,
    status: u16,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl LoginAnswer {
    pub(crate) fn new(
        vendor: &'static str,
        status: u16,
        headers: http::HeaderMap,
        body: Vec<u8>,
    ) -> Self {
        LoginAnswer {
            vendor,
            status,
            headers,
            body,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers (every `Set-Cookie` among them).
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// The response body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The answer as a [`Provider::decode_login`] reads it.
    pub fn reply(&self) -> LoginReply<'_> {
        LoginReply {
            status: self.status,
            headers: &self.headers,
            body: &self.body,
        }
    }

    /// The shared error for an answer the vendor does not document:
    /// [`Error::UnexpectedStatus`] with a bounded excerpt, string values masked.
    pub fn unexpected(&self) -> Error {
        Error::UnexpectedStatus {
            vendor: self.vendor,
            stage: Stage::Login,
            status: self.status,
            excerpt: crate::error::excerpt(&self.body),
        }
    }

    /// The shared error for an answer that could not be read: [`Error::Decode`] with
    /// `reason` and a bounded excerpt, string values masked.
    pub fn undecodable(&self, reason: impl Into<String>) -> Error {
        Error::Decode {
            vendor: self.vendor,
            stage: Stage::Login,
            status: self.status,
            reason: reason.into(),
            excerpt: crate::error::excerpt(&self.body),
        }
    }
}

impl std::fmt::Debug for LoginAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginAnswer")
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// A hand login's error as the session hands it on: withheld, for a shared one
/// without the secret, when its `Display` or `Debug` shows a secret the client knows
/// or `token`.
pub(crate) fn withheld<P: Provider>(
    client: &LoginClient,
    token: &str,
    error: P::Error,
) -> P::Error {
    let shown = format!("{error} {error:?}");
    if !client.reveals(&shown, token) {
        return error;
    }
    tracing::error!(
        vendor = client.vendor,
        "the hand-written login's error showed a secret; it was withheld"
    );
    Error::InvalidRequest {
        vendor: client.vendor,
        reason: "the hand-written login failed with an error that showed a secret; it was \
                 withheld"
            .to_owned(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::description::DynamicProvider;

    fn client() -> LoginClient {
        let transport = Transport::new("V", Duration::from_secs(1), None, 1024).expect("clients");
        let origins = Origins::of([&url::Url::parse("https://v.example/login").expect("url")]);
        LoginClient::new("V", transport, origins, tokio::time::Instant::now())
    }

    #[tokio::test]
    async fn an_error_showing_a_secret_or_the_token_is_withheld() {
        let client = client();
        client.secret("derived-key-123");
        let shows = |text: &str| -> <DynamicProvider as Provider>::Error {
            Error::InvalidRequest {
                vendor: "V",
                reason: text.to_owned(),
            }
            .into()
        };
        for leaking in ["bad key derived-key-123", "token old-token-456 was refused"] {
            let error = withheld::<DynamicProvider>(&client, "old-token-456", shows(leaking));
            let shown = format!("{error} {error:?}");
            assert!(shown.contains("withheld"), "{shown}");
            assert!(
                !shown.contains("derived-key-123") && !shown.contains("old-token-456"),
                "{shown}"
            );
        }
        let kept = withheld::<DynamicProvider>(&client, "old-token-456", shows("the key is wrong"));
        assert!(kept.to_string().contains("the key is wrong"), "{kept}");
    }

    #[tokio::test]
    async fn a_request_to_another_origin_is_refused_before_it_is_sent() {
        let client = client();
        let url = url::Url::parse("https://elsewhere.example/login").expect("url");
        let request = VendorRequest::new(crate::Method::Get, url, crate::WireFormat::Form);
        let refused = client.send(request).await.expect_err("refused");
        assert!(
            matches!(refused, Error::OriginNotAllowed { .. }),
            "{refused}"
        );
        assert_eq!(client.last_answer(), (None, None));
    }
}
