//! Test-only crate: the tests are in `tests/`; this library holds what several of
//! them share.

use std::time::Duration;

use auth_runtime::{Clock, Provider, Session, SessionBuilder};
use auth_sim::Sim;

/// Builds `builder`'s session on a manual clock; the session and that clock.
pub fn on_manual_clock<P: Provider>(builder: SessionBuilder<P>) -> (Session<P>, Clock) {
    let clock = Clock::manual();
    let session = builder.clock(clock.clone()).build().expect("session");
    (session, clock)
}

/// Advances a session's clock and the simulator's together.
pub fn advance(sim: &Sim, clock: &Clock, by: Duration) {
    clock.advance(by);
    sim.clock().advance(by);
}
