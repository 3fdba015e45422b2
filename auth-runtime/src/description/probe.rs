//! One login sent as a session sends it, its answer returned unread: for tools that
//! compare what a vendor answers with its description (`authgen probe`).

use std::time::Duration;

use crate::error::Stage;
use crate::provider::{Bindings, LoginReply, Provider};
use crate::redact::Scrubber;
use crate::transport::{DEFAULT_MAX_BODY, Transport};

/// A vendor's whole answer to one login: status, headers and body (up to
/// [`DEFAULT_MAX_BODY`]).
#[derive(Clone)]
pub struct LoginAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for LoginAnswer {
    // The body and headers may hold the token: only their size is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginAnswer")
            .field("status", &self.status)
            .field("headers", &self.headers.len())
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

impl LoginAnswer {
    /// The answer as a provider reads it.
    pub fn reply(&self) -> LoginReply<'_> {
        LoginReply {
            status: self.status,
            headers: &self.headers,
            body: &self.body,
        }
    }
}

/// Sends `provider`'s login for `credentials` once (its steps first, where it has
/// some), as a session would (no redirect
/// followed, `timeout` per request, the body capped), and returns the answer without
/// reading it: no retry, no cache, no hold after a refusal. Every secret the request
/// carried is taken out of the answer's body by value, in every encoding, as the
/// session does before it shows an answer; the answer still holds the token when the
/// login succeeded: keep it from logs.
///
/// # Errors
///
/// The provider's error when the request cannot be built or sent, or the answer read.
pub async fn send_login<P: Provider>(
    provider: &P,
    credentials: &P::Credentials,
    timeout: Duration,
) -> Result<LoginAnswer, P::Error> {
    let vendor = provider.vendor();
    let transport = Transport::new(vendor, timeout, None, DEFAULT_MAX_BODY)?;
    // The login's steps first, each read as the session reads it; what they bind is
    // scrubbed from every answer after, as the session does.
    let mut bound = Bindings::new();
    let mut scrubber = Scrubber::default();
    for step in 0..provider.login_steps() {
        let request = provider.step_request(step, credentials, &bound)?;
        scrubber = scrubber.with(&Scrubber::for_request(&request));
        let exchange = transport
            .exchange(vendor, Stage::Login, request, None)
            .await?;
        if let Err(error) = provider.read_step(step, &exchange.reply(), &mut bound) {
            return Err(scrubber.error(vendor, &exchange.reply(), error, |reply| {
                provider.read_step(step, reply, &mut Bindings::new()).err()
            }));
        }
        for secret in bound.secrets() {
            scrubber.add(secret);
        }
    }
    let request = provider.login_request_bound(credentials, &bound)?;
    let scrubber = scrubber.with(&Scrubber::for_request(&request));
    let exchange = transport
        .exchange(vendor, Stage::Login, request, None)
        .await?;
    let body = scrubber.bytes(&exchange.body).into_owned();
    Ok(LoginAnswer {
        status: exchange.status,
        headers: exchange.headers,
        body,
    })
}
