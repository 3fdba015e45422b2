//! Time as the session sees it: a coarse monotonic clock in production, a manual one in tests.
//!
//! Token lifetimes are minutes long and refresh margins at least a second, so no
//! session needs a precise clock. Issuing and refreshing read `CLOCK_MONOTONIC_COARSE`
//! (a few nanoseconds, millisecond resolution). The hot path ([`Session::cached_token`],
//! the fresh case of [`Session::token`]) does not read a clock at all: it reads a
//! millisecond counter that a small thread keeps current (see [`recent`]), one relaxed
//! atomic load. Tests use [`Clock::manual`] and advance it, so no test ever sleeps to
//! expire a token.
//!
//! [`Session::cached_token`]: crate::Session::cached_token
//! [`Session::token`]: crate::Session::token

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

/// The session's clock, in milliseconds since an arbitrary origin.
#[derive(Clone)]
pub struct Clock {
    source: Source,
}

#[derive(Clone)]
enum Source {
    /// Coarse monotonic time, milliseconds since the process first read it.
    System,
    /// Milliseconds advanced so far, and the wall-clock time the clock started at.
    Manual(Arc<AtomicU64>, SystemTime),
}

impl Clock {
    /// The real clock: coarse monotonic time, never going backwards.
    ///
    /// The first hot-path read starts a thread named `authgen-clock` that refreshes a
    /// cached millisecond counter every 5 ms; it stops by itself after a second in which
    /// no session read it, and starts again on the next read.
    pub fn system() -> Self {
        Clock {
            source: Source::System,
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

    /// Milliseconds since this clock's origin, read from the clock itself: for issuing
    /// tokens and deciding refreshes.
    pub(crate) fn now_ms(&self) -> u64 {
        match &self.source {
            Source::System => coarse_ms(),
            Source::Manual(now, _) => now.load(Ordering::Relaxed),
        }
    }

    /// [`Clock::now_ms`] as of the last tick, for the hot path: possibly a tick (5 ms)
    /// behind, never ahead, and costing one atomic load instead of a clock read.
    #[inline]
    pub(crate) fn recent_ms(&self) -> u64 {
        match &self.source {
            Source::System => recent::now_ms(),
            Source::Manual(now, _) => now.load(Ordering::Relaxed),
        }
    }

    /// Wall-clock time on this clock, to compare with a JWT's `exp`: the real time, or
    /// for a manual clock its start time plus what it was advanced by.
    pub(crate) fn wall_now(&self) -> SystemTime {
        match &self.source {
            Source::System => SystemTime::now(),
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
            Source::System => f.write_str("Clock::System"),
            Source::Manual(now, _) => {
                write!(f, "Clock::Manual({} ms)", now.load(Ordering::Relaxed))
            }
        }
    }
}

/// Coarse monotonic milliseconds since the process first asked. One origin for the
/// whole process, so that the cached counter in [`recent`] serves every session.
fn coarse_ms() -> u64 {
    static ORIGIN: OnceLock<coarsetime::Instant> = OnceLock::new();
    // `now_without_cache_update`: `now()` would also write coarsetime's own shared cache.
    let now = coarsetime::Instant::now_without_cache_update();
    let origin = *ORIGIN.get_or_init(|| now);
    now.duration_since(origin).as_millis()
}

/// The hot path's clock: a process-wide millisecond counter kept current by a ticker
/// thread, so that checking a token's freshness is an atomic load, not a clock read
/// (a coarse clock read through the vDSO costs more than the cache lookup itself).
///
/// The thread starts on the first read and stops after [`IDLE_TICKS`] ticks in which
/// nobody read the counter, so an idle process keeps no thread waking up. While no
/// ticker runs (not yet started, stopping, or threads unavailable) readers read the
/// clock directly, so a missing ticker can never freeze time. The counter lags the
/// clock by at most a tick plus however long the OS delays the ticker's wake-up; the
/// refresh margin (at least a second) absorbs that. (A process forked without `exec`
/// after the ticker started would inherit a frozen counter, as it inherits no threads;
/// a multi-threaded program, a Tokio runtime included, cannot safely go on in such a
/// child anyway.)
///
/// [`IDLE_TICKS`]: recent::IDLE_TICKS
pub(crate) mod recent {
    use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
    use std::time::Duration;

    pub(crate) const TICK: Duration = Duration::from_millis(5);
    /// One second without a read stops the ticker.
    pub(crate) const IDLE_TICKS: u32 = 200;

    /// The counter and its read flag in one word, on a cache line of its own (no other
    /// static's writes evict it): `coarse_ms() << 1 | UNREAD` as of the last tick, or
    /// [`NO_TICKER`] while no ticker runs. A read is one load and one test of the low
    /// bit: clear, the counter is current and already read since the tick; set, the
    /// read takes the slow path, which clears it (a shared write at most once per tick,
    /// not once per read) or reads the clock when no ticker runs.
    #[repr(align(64))]
    struct Counter {
        word: AtomicU64,
    }

    /// The low bit of the counter: set by each tick, cleared by the first read after it.
    const UNREAD: u64 = 1;
    /// The counter while no ticker runs (its low bit set, so reads take the slow path).
    const NO_TICKER: u64 = u64::MAX;

    static COUNTER: Counter = Counter {
        word: AtomicU64::new(NO_TICKER),
    };
    static TICKER: AtomicU8 = AtomicU8::new(STOPPED);
    const STOPPED: u8 = 0;
    const RUNNING: u8 = 1;
    /// The thread could not be spawned: read the clock directly from now on.
    const UNAVAILABLE: u8 = 2;

    #[inline]
    pub(crate) fn now_ms() -> u64 {
        let word = COUNTER.word.load(Ordering::Relaxed);
        if word & UNREAD == 0 {
            return word >> 1;
        }
        first_read(word)
    }

    /// A read of `word` with its low bit set: the first since the tick, or no ticker.
    #[cold]
    #[inline(never)]
    fn first_read(word: u64) -> u64 {
        if word == NO_TICKER {
            start();
            return super::coarse_ms();
        }
        // Tells the ticker it was read. Failing means the ticker has just stored a new
        // tick, which the next read marks as read: either way the counter is not stale.
        let _ = COUNTER.word.compare_exchange(
            word,
            word & !UNREAD,
            Ordering::Relaxed,
            Ordering::Relaxed,
        );
        word >> 1
    }

    #[cold]
    #[inline(never)]
    fn start() {
        if TICKER
            .compare_exchange(STOPPED, RUNNING, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("authgen-clock".into())
            .spawn(run);
        if spawned.is_err() {
            TICKER.store(UNAVAILABLE, Ordering::Release);
        }
    }

    fn run() {
        let mut unread_ticks = 0;
        while unread_ticks < IDLE_TICKS {
            COUNTER
                .word
                .store(super::coarse_ms() << 1 | UNREAD, Ordering::Relaxed);
            std::thread::sleep(TICK);
            if COUNTER.word.load(Ordering::Relaxed) & UNREAD == 0 {
                unread_ticks = 0;
            } else {
                unread_ticks += 1;
            }
        }
        // Readers fall back to the clock first; only then may a new ticker start.
        COUNTER.word.store(NO_TICKER, Ordering::Relaxed);
        TICKER.store(STOPPED, Ordering::Release);
    }

    /// Whether a ticker thread is running (for tests).
    #[cfg(test)]
    pub(super) fn running() -> bool {
        TICKER.load(Ordering::Acquire) == RUNNING
    }
}

/// A duration in whole milliseconds, saturating instead of overflowing.
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cached_counter_follows_the_clock_and_the_ticker_stops_when_unread() {
        let clock = Clock::system();
        let first = clock.recent_ms();
        std::thread::sleep(Duration::from_millis(50));
        let recent = clock.recent_ms();
        let direct = clock.now_ms();
        assert!(recent >= first, "never backwards");
        assert!(recent <= direct, "never ahead of the clock");
        // A tick plus coarse resolution, with room for a loaded machine.
        assert!(direct - recent < 1_000, "lags by {} ms", direct - recent);
        assert!(recent::running());

        // Unread for longer than the idle limit, the ticker stops; a read restarts it.
        let idle = recent::TICK * (recent::IDLE_TICKS + 40);
        let deadline = std::time::Instant::now() + idle * 10;
        std::thread::sleep(idle);
        while recent::running() && std::time::Instant::now() < deadline {
            std::thread::sleep(recent::TICK * 10);
        }
        assert!(!recent::running(), "an unread ticker stops");
        let after = clock.recent_ms();
        assert!(after >= direct, "a stopped ticker reads the clock directly");
        std::thread::sleep(recent::TICK * 10);
        assert!(recent::running(), "the next read starts it again");
    }

    #[test]
    fn a_manual_clock_moves_only_when_advanced() {
        let clock = Clock::manual();
        assert_eq!(clock.recent_ms(), 0);
        clock.advance(Duration::from_secs(2));
        assert_eq!(clock.now_ms(), 2_000);
        assert_eq!(clock.recent_ms(), 2_000);
    }
}
