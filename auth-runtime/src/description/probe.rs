//! One login sent as a session sends it, its answer returned unread: for tools that
//! compare what a vendor answers with its description (`authgen probe`).

use std::time::Duration;

use crate::error::Stage;
use crate::hand::LoginAnswer;
use crate::provider::{Bindings, Provider};
use crate::redact::Scrubber;
use crate::transport::{DEFAULT_MAX_BODY, Transport};
use secrecy::ExposeSecret as _;

/// One login sent as a session sends it, its answers unread: each step's answer, then
/// how the login ended.
#[derive(Debug)]
pub struct ProbedLogin<E> {
    /// The answers of the login's steps, in order, as far as the login went.
    pub steps: Vec<LoginAnswer>,
    /// The token request's answer; or, when a step's answer stopped the login (a
    /// documented refusal of that step, or a value it binds missing), that step's index
    /// and the error the session would have met (its answer is the last of `steps`).
    pub end: Result<LoginAnswer, (usize, E)>,
}

/// Sends `provider`'s login for `credentials` once (its steps first, where it has
/// some), as a session would (no redirect followed, `timeout` per request, the body
/// capped), and returns every answer without reading more of it than the steps need:
/// no retry, no cache, no hold after a refusal. Every secret a request carried, and
/// every value a step bound as a secret, is taken out of the answers after it by value,
/// in every encoding, as the session does before it shows an answer; the token
/// request's answer still holds the token when the login succeeded: keep it from logs.
///
/// # Errors
///
/// The provider's error when a request cannot be built or sent, or an answer read.
pub async fn send_login<P: Provider>(
    provider: &P,
    credentials: &P::Credentials,
    timeout: Duration,
) -> Result<ProbedLogin<P::Error>, P::Error> {
    let vendor = provider.vendor();
    let transport = Transport::new(vendor, timeout, None, DEFAULT_MAX_BODY)?;
    // The login's steps first, each read as the session reads it; what they bind is
    // scrubbed from every answer after, as the session does.
    let mut bound = Bindings::new();
    let mut scrubber = Scrubber::default();
    let mut steps = Vec::with_capacity(provider.login_steps());
    let answer = |exchange: crate::transport::Exchange, scrubber: &Scrubber| {
        LoginAnswer::new(
            vendor,
            exchange.status,
            scrubber.headers(&exchange.headers),
            scrubber.bytes(&exchange.body).into_owned(),
        )
    };
    for step in 0..provider.login_steps() {
        let request = provider.step_request(step, credentials, &bound)?;
        scrubber = scrubber.with(&Scrubber::for_request(&request));
        let exchange = transport
            .exchange(vendor, Stage::Login, request, None)
            .await?;
        let read = provider.read_step(step, &exchange.reply(), &mut bound);
        let error = read.err().map(|error| {
            scrubber.error(vendor, &exchange.reply(), error, |reply| {
                provider.read_step(step, reply, &mut Bindings::new()).err()
            })
        });
        steps.push(answer(exchange, &scrubber));
        if let Some(error) = error {
            return Ok(ProbedLogin {
                steps,
                end: Err((step, error)),
            });
        }
        for secret in bound.secrets() {
            scrubber.add(secret.expose_secret());
        }
    }
    let request = provider.login_request_bound(credentials, &bound)?;
    let scrubber = scrubber.with(&Scrubber::for_request(&request));
    let exchange = transport
        .exchange(vendor, Stage::Login, request, None)
        .await?;
    Ok(ProbedLogin {
        steps,
        end: Ok(answer(exchange, &scrubber)),
    })
}
