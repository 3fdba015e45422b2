//! Time as the session sees it: a coarse monotonic clock in production, a manual one in tests.
//!
//! Token lifetimes are minutes long, so the hot path reads `CLOCK_MONOTONIC_COARSE`
//! (a few nanoseconds, millisecond resolution) instead of a precise clock. Tests use
//! [`Clock::manual`] and advance it, so no test ever sleeps to expire a token.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// The session's clock, in milliseconds since an arbitrary origin.
#[derive(Clone)]
pub struct Clock {
    source: Source,
}

#[derive(Clone)]
enum Source {
    System {
        origin: coarsetime::Instant,
    },
    /// Milliseconds advanced so far, and the wall-clock time the clock started at.
    Manual(Arc<AtomicU64>, SystemTime),
}

impl Clock {
    /// The real clock: coarse monotonic time, never going backwards.
    pub fn system() -> Self {
        Clock {
            source: Source::System {
                origin: coarsetime::Instant::now_without_cache_update(),
            },
        }
    }

    /// A clock that moves only when told to, for tests; see [`Clock::advance`].
    pub fn manual() -> Self {
        Clock {
            source: Source::Manual(Arc::new(AtomicU64::new(0)), SystemTime::now()),
        }
    }

    /// Moves a manual clock forward. Does nothing on the system clock.
    pub fn advance(&self, by: Duration) {
        if let Source::Manual(now, _) = &self.source {
            now.fetch_add(millis(by), Ordering::Relaxed);
        }
    }

    /// Milliseconds since this clock's origin.
    #[inline]
    pub(crate) fn now_ms(&self) -> u64 {
        match &self.source {
            // `now_without_cache_update`: `now()` would also write coarsetime's shared cache,
            // a write to shared memory on every call of the hot path.
            Source::System { origin } => coarsetime::Instant::now_without_cache_update()
                .duration_since(*origin)
                .as_millis(),
            Source::Manual(now, _) => now.load(Ordering::Relaxed),
        }
    }

    /// Wall-clock time on this clock, to compare with a JWT's `exp`: the real time, or
    /// for a manual clock its start time plus what it was advanced by.
    pub(crate) fn wall_now(&self) -> SystemTime {
        match &self.source {
            Source::System { .. } => SystemTime::now(),
            Source::Manual(now, started) => {
                *started + Duration::from_millis(now.load(Ordering::Relaxed))
            }
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            Source::System { .. } => f.write_str("Clock::System"),
            Source::Manual(now, _) => {
                write!(f, "Clock::Manual({} ms)", now.load(Ordering::Relaxed))
            }
        }
    }
}

/// A duration in whole milliseconds, saturating instead of overflowing.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
