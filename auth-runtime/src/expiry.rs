//! When a token stops being usable, and when to replace it before that.

use std::time::Duration;

pub use auth_description::{ExpiryPolicy, Lifetime};

/// [`ExpiryPolicy::margin`] stretched by up to a quarter at random, so that replicas
/// sharing an account do not all log in at the same moment.
pub(crate) fn jittered_margin(policy: &ExpiryPolicy, lifetime: Duration) -> Duration {
    policy
        .margin(lifetime)
        .mul_f64(1.0 + 0.25 * fastrand::f64())
        .min(lifetime / 2)
}
