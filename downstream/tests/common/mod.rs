//! What the end-to-end tests against auth-sim share: a session on a clock the test
//! moves, moving it with the simulator's, and many callers at once.

// Each test file uses some of these, none all.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use auth_sim::Sim;
use authgen_downstream::auth::{Clock, Provider, Session};

/// A session for `provider` and `credentials` on a manual clock.
pub(crate) fn on_manual_clock<P: Provider>(
    provider: P,
    credentials: P::Credentials,
) -> (Session<P>, Clock) {
    let clock = Clock::manual();
    let session = Session::builder(provider, credentials)
        .clock(clock.clone())
        .build()
        .expect("session");
    (session, clock)
}

/// Moves the session's clock and the simulator's together.
pub(crate) fn advance(sim: &Sim, clock: &Clock, by: Duration) {
    clock.advance(by);
    sim.clock().advance(by);
}

/// `callers` tasks asking `session` for a token at once; each must get one.
pub(crate) async fn concurrent_tokens<P: Provider>(session: Session<P>, callers: usize) {
    let session = Arc::new(session);
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let session = Arc::clone(&session);
            tokio::spawn(async move { session.token().await.map(|_| ()) })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("token");
    }
}
