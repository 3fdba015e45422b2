//! The counters and switches every vendor handle has.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::fault::Faults;
use crate::util::{self, Counter, DurationCell};

/// The counters and switches every vendor handle has in common.
///
/// Each handle ([`CrmCom`](crate::CrmCom), [`Modulus`](crate::Modulus),
/// [`Currencycloud`](crate::Currencycloud), [`OneBox`](crate::OneBox)) holds one and
/// dereferences to it, so these methods are called on the handle itself:
/// `sim.modulus().logins()`, `sim.crmcom().set_login_delay(d)`,
/// `sim.onebox().faults().set(..)`. What a vendor has beyond them (its logout
/// counter where it has a logout endpoint, `active_tokens`, `revoke_all`, ...) is
/// on its handle.
///
/// A request that a [fault](crate::fault) answers before it reaches the vendor's
/// handler is not counted here (only in [`Faults::served`]).
#[derive(Debug)]
pub struct VendorCommon {
    pub(crate) login_attempts: Counter,
    pub(crate) logins: Counter,
    pub(crate) api_calls: Counter,
    pub(crate) rejected_api_calls: Counter,
    pub(crate) lifetime: DurationCell,
    login_delay: DurationCell,
    logins_waiting: AtomicU64,
    most_logins_waiting: AtomicU64,
    faults: Faults,
}

impl VendorCommon {
    /// Zero counters, no login delay, no fault armed, and tokens living
    /// `token_lifetime` (the vendor's documented default).
    pub(crate) fn new(token_lifetime: Duration) -> VendorCommon {
        VendorCommon {
            login_attempts: Counter::default(),
            logins: Counter::default(),
            api_calls: Counter::default(),
            rejected_api_calls: Counter::default(),
            lifetime: DurationCell::new(token_lifetime),
            login_delay: DurationCell::new(Duration::ZERO),
            logins_waiting: AtomicU64::new(0),
            most_logins_waiting: AtomicU64::new(0),
            faults: Faults::default(),
        }
    }

    /// Requests received on the login endpoint(s), successful or not.
    pub fn login_attempts(&self) -> u64 {
        self.login_attempts.get()
    }

    /// Successful logins (tokens issued), every login flow of the vendor.
    pub fn logins(&self) -> u64 {
        self.logins.get()
    }

    /// Requests received on the protected endpoint(s), accepted or not.
    pub fn api_calls(&self) -> u64 {
        self.api_calls.get()
    }

    /// Requests on the protected endpoint(s) refused because of their token
    /// (missing, unknown, expired, revoked, ...), with the vendor's token error.
    pub fn rejected_api_calls(&self) -> u64 {
        self.rejected_api_calls.get()
    }

    /// Lifetime of tokens issued from now on (and, for a vendor that renews a
    /// token on use, of renewals); the default is the vendor module's
    /// `DEFAULT_TOKEN_LIFETIME`. The vendor module says how it applies.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.lifetime.set(lifetime);
    }

    /// The login endpoint(s) wait this long (real time) before answering; default zero.
    pub fn set_login_delay(&self, delay: Duration) {
        self.login_delay.set(delay);
    }

    /// The most login requests that were waiting out the login delay at once: how
    /// many logins a client had in flight together (set a delay to see it).
    pub fn most_concurrent_logins(&self) -> u64 {
        self.most_logins_waiting.load(Ordering::SeqCst)
    }

    /// Fault switches for this vendor's endpoints (see [`crate::fault`]).
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// What every login handler does first: counts the attempt, then waits the
    /// login delay.
    pub(crate) async fn login_received(&self) {
        self.login_attempts.inc();
        let waiting = self.logins_waiting.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_logins_waiting
            .fetch_max(waiting, Ordering::SeqCst);
        // Counted out however the wait ends (a client that hangs up cancels it).
        let _waited = Waiting(&self.logins_waiting);
        util::delay(self.login_delay.get()).await;
    }
}

/// Takes one from a count of waiting logins when dropped.
struct Waiting<'a>(&'a AtomicU64);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
