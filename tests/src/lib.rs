//! Test-only crate: the tests are in `tests/`; this library holds what several of
//! them share.

pub mod csrf_login;
pub mod stepwise;
pub mod vault;

use std::sync::{Arc, Mutex};
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

/// Collects what a `tracing_subscriber::fmt` subscriber writes: give it
/// `.with_writer(move || logs.clone())`.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("logs")).into_owned()
    }

    /// How many times `needle` was written.
    pub fn count(&self, needle: &str) -> usize {
        self.text().matches(needle).count()
    }
}
