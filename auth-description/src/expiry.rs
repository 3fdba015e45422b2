//! How long a vendor's token lives, and when to replace it before that.

use std::time::Duration;

/// How long a vendor's token lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifetime {
    /// Expires this long after it was issued, however much it is used (Modulus: 15 minutes).
    Absolute(Duration),
    /// Expires after this long without use; each use renews it (Currencycloud: 30 minutes).
    Idle(Duration),
    /// The vendor does not say: use the token until the vendor rejects it.
    Unknown,
}

/// The expiry policy of a provider: its documented lifetime, and whether a JWT's own
/// `exp` claim overrides it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExpiryPolicy {
    /// The lifetime the vendor documents.
    pub lifetime: Lifetime,
    /// When the token is a JWT carrying an `exp` claim, that claim decides the expiry
    /// (CRM.COM R12+, OneBox).
    pub jwt_exp: bool,
    /// How early to replace a token, as a fraction of its lifetime (clamped by
    /// [`ExpiryPolicy::MIN_MARGIN`] and [`ExpiryPolicy::MAX_MARGIN`]).
    pub margin_fraction: f64,
}

impl ExpiryPolicy {
    /// The smallest refresh margin: below this, a request may race the expiry in flight.
    pub const MIN_MARGIN: Duration = Duration::from_secs(1);
    /// The largest refresh margin: a day-long token need not be replaced hours early.
    pub const MAX_MARGIN: Duration = Duration::from_secs(300);

    /// A token valid for `lifetime` after issue.
    pub const fn absolute(lifetime: Duration) -> Self {
        Self::new(Lifetime::Absolute(lifetime))
    }

    /// A token valid until `lifetime` passes without use.
    pub const fn idle(lifetime: Duration) -> Self {
        Self::new(Lifetime::Idle(lifetime))
    }

    /// A token whose lifetime is not known: used until rejected.
    pub const fn unknown() -> Self {
        Self::new(Lifetime::Unknown)
    }

    const fn new(lifetime: Lifetime) -> Self {
        ExpiryPolicy {
            lifetime,
            jwt_exp: false,
            margin_fraction: 0.1,
        }
    }

    /// Lets a JWT's `exp` claim override the documented lifetime.
    pub const fn with_jwt_exp(mut self) -> Self {
        self.jwt_exp = true;
        self
    }

    /// The refresh margin for a token that lives `lifetime`: a fraction of it, clamped,
    /// and never more than half the lifetime (a 2-second token is still used for a second).
    pub fn margin(&self, lifetime: Duration) -> Duration {
        let fraction = if self.margin_fraction.is_finite() {
            self.margin_fraction.clamp(0.0, 0.5)
        } else {
            0.1
        };
        lifetime
            .mul_f64(fraction)
            .clamp(Self::MIN_MARGIN, Self::MAX_MARGIN)
            .min(lifetime / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_scales_with_the_lifetime_and_is_clamped() {
        let policy = ExpiryPolicy::absolute(Duration::from_secs(900));
        assert_eq!(
            policy.margin(Duration::from_secs(900)),
            Duration::from_secs(90)
        );
        assert_eq!(
            policy.margin(Duration::from_secs(10)),
            Duration::from_secs(1)
        );
        assert_eq!(
            policy.margin(Duration::from_secs(86_400)),
            Duration::from_secs(300)
        );
        assert_eq!(
            policy.margin(Duration::from_secs(1)),
            Duration::from_millis(500)
        );
    }
}
