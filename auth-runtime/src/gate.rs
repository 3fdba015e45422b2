//! What a session remembers between calls about its failed logins, so that no caller
//! loop can lock an account or hammer a vendor: after a refusal, no new attempt with
//! the same credentials until a hold passes; after a `Retry-After`, none before it;
//! after transient failures, a cool-down that doubles with each one in a row.
//!
//! Consulted only on the slow path (no fresh token), under the session's flight lock,
//! so concurrent callers during a hold make no attempt at all: they get the failure
//! that closed the gate, typed as the vendor's error.

use std::time::Duration;

use crate::clock::millis;

/// The first cool-down after a transient failure; doubled for each further one in a
/// row, up to [`MAX_COOL_DOWN`].
pub(crate) const FIRST_COOL_DOWN: Duration = Duration::from_secs(1);
/// The longest cool-down after transient failures.
pub(crate) const MAX_COOL_DOWN: Duration = Duration::from_secs(60);

/// How a login failed, as far as the next attempt is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// The vendor refused these credentials: trying them again will not help, and may
    /// lock the account.
    Refused,
    /// No attempt for this long: the vendor's `Retry-After`, or what is left of a
    /// refusal another session shared through the store.
    HeldFor(Duration),
    /// The vendor could not be reached or failed; it may work again soon.
    Transient,
}

/// A login failure: the error callers get, and what it means for the next attempt.
#[derive(Clone)]
pub(crate) struct Failure<E> {
    pub(crate) error: E,
    pub(crate) kind: FailureKind,
}

impl<E> Failure<E> {
    pub(crate) fn transient(error: E) -> Self {
        Failure {
            error,
            kind: FailureKind::Transient,
        }
    }
}

/// The gate in front of the session's logins.
pub(crate) struct Gate<E> {
    /// The failure that closed the gate, and until when (session clock, ms).
    closed: Option<(Failure<E>, u64)>,
    /// Transient failures in a row, for the cool-down's backoff.
    transient_streak: u32,
}

impl<E: Clone> Gate<E> {
    pub(crate) fn open() -> Self {
        Gate {
            closed: None,
            transient_streak: 0,
        }
    }

    /// The failure to answer with instead of a login at `now`, while the gate is closed.
    pub(crate) fn holding(&self, now: u64) -> Option<&Failure<E>> {
        match &self.closed {
            Some((failure, until)) if now < *until => Some(failure),
            _ => None,
        }
    }

    /// Until when (session clock, ms) no login is attempted; 0 when open.
    pub(crate) fn closed_until(&self) -> u64 {
        self.closed.as_ref().map_or(0, |(_, until)| *until)
    }

    /// After a successful login: open.
    pub(crate) fn succeeded(&mut self) {
        self.closed = None;
        self.transient_streak = 0;
    }

    /// After a failed login at `now`: closed for as long as the failure says.
    pub(crate) fn failed(&mut self, failure: Failure<E>, now: u64, refusal_hold: Duration) {
        let hold = match failure.kind {
            FailureKind::Refused => refusal_hold,
            FailureKind::HeldFor(wait) => wait,
            FailureKind::Transient => {
                self.transient_streak = self.transient_streak.saturating_add(1);
                cool_down(self.transient_streak)
            }
        };
        if failure.kind != FailureKind::Transient {
            self.transient_streak = 0;
        }
        let until = now.saturating_add(millis(hold));
        // A shorter hold never cuts a longer one short (a refusal published by another
        // session arriving during a Retry-After, say).
        let until = until.max(self.closed_until());
        self.closed = Some((failure, until));
    }
}

/// The cool-down after the `streak`-th transient failure in a row: doubling from
/// [`FIRST_COOL_DOWN`] up to [`MAX_COOL_DOWN`], between half and all of it at random so
/// that sessions failing together do not come back together.
fn cool_down(streak: u32) -> Duration {
    let doubled = FIRST_COOL_DOWN.saturating_mul(1u32 << streak.saturating_sub(1).min(16));
    doubled
        .min(MAX_COOL_DOWN)
        .mul_f64(0.5 + fastrand::f64() * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(error: &str) -> Failure<&str> {
        Failure {
            error,
            kind: FailureKind::Refused,
        }
    }

    #[test]
    fn each_kind_of_failure_holds_for_its_own_time() {
        let mut gate = Gate::<&str>::open();
        assert!(gate.holding(0).is_none());

        gate.failed(refused("no"), 1_000, Duration::from_secs(300));
        assert_eq!(gate.holding(300_999).map(|f| f.error), Some("no"));
        assert!(gate.holding(301_000).is_none());

        gate.succeeded();
        gate.failed(
            Failure {
                error: "slow down",
                kind: FailureKind::HeldFor(Duration::from_secs(3600)),
            },
            0,
            Duration::from_secs(300),
        );
        assert_eq!(gate.closed_until(), 3_600_000);

        gate.succeeded();
        let mut holds = Vec::new();
        for _ in 0..10 {
            gate.failed(Failure::transient("down"), 0, Duration::ZERO);
            holds.push(gate.closed_until());
            gate.closed = None;
        }
        assert!((500..=1_000).contains(&holds[0]), "{holds:?}");
        assert!((1_000..=2_000).contains(&holds[1]), "{holds:?}");
        assert!(holds.iter().all(|&h| h <= 60_000), "{holds:?}");
        assert!(holds[9] >= 30_000, "{holds:?}");
    }

    #[test]
    fn a_shorter_hold_does_not_cut_a_longer_one() {
        let mut gate = Gate::<&str>::open();
        gate.failed(refused("no"), 0, Duration::from_secs(300));
        gate.failed(Failure::transient("down"), 0, Duration::from_secs(300));
        assert_eq!(gate.closed_until(), 300_000);
    }
}
