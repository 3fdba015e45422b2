//! When a failed login is tried again, and how long to wait first.
//!
//! Only failures that say nothing about the credentials are retried: connection errors,
//! timeouts, 500/502/503/504, and 429; after the vendor's `Retry-After` when it gives
//! one that is short enough, else with exponential backoff. A refused login (any other 4xx, or a documented refusal) is never
//! retried: Currencycloud locks an account after four failed logins.

use std::time::Duration;

/// How a session retries a login that failed for a transient reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The wait before the first retry; doubled for each further one.
    pub initial_backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one ends the attempts with the
    /// vendor's rate-limit error instead of waiting.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub const fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            initial_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
            max_retry_after: Duration::ZERO,
        }
    }

    /// The wait after failed attempt number `attempt` (1-based): exponential, capped,
    /// with "full jitter" between half and all of it so that replicas spread out.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponential = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exponential.min(self.max_backoff);
        capped.mul_f64(0.5 + fastrand::f64() * 0.5)
    }
}

/// What to do after a failed login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Try again after this wait.
    RetryAfter(Duration),
    /// Stop: report this attempt's outcome.
    Stop,
}

/// Statuses that say the vendor is briefly unable, not that the credentials are wrong.
pub(crate) fn is_transient_status(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

impl RetryPolicy {
    pub(crate) fn verdict(
        &self,
        attempt: u32,
        status: Option<u16>,
        retry_after: Option<Duration>,
    ) -> Verdict {
        if attempt >= self.max_attempts {
            return Verdict::Stop;
        }
        let retryable = match status {
            None => true,
            Some(status) => status == 429 || is_transient_status(status),
        };
        match (retryable, retry_after) {
            (false, _) => Verdict::Stop,
            // The vendor said how long (429, or 503 with Retry-After): honour it when
            // short enough.
            (true, Some(wait)) if wait <= self.max_retry_after => Verdict::RetryAfter(wait),
            (true, Some(_)) => Verdict::Stop,
            (true, None) => Verdict::RetryAfter(self.backoff(attempt)),
        }
    }
}

/// Reads `Retry-After`: delay-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let policy = RetryPolicy::default();
        for attempt in 1..10 {
            let full =
                Duration::from_millis(200 * (1 << (attempt - 1))).min(Duration::from_secs(5));
            let wait = policy.backoff(attempt);
            assert!(
                wait >= full / 2 && wait <= full,
                "attempt {attempt}: {wait:?} vs {full:?}"
            );
        }
    }

    #[test]
    fn refusals_are_never_retried() {
        let policy = RetryPolicy::default();
        for status in [400, 401, 403, 404, 422] {
            assert_eq!(policy.verdict(1, Some(status), None), Verdict::Stop);
        }
        assert!(matches!(
            policy.verdict(1, Some(503), None),
            Verdict::RetryAfter(_)
        ));
        assert!(matches!(
            policy.verdict(1, None, None),
            Verdict::RetryAfter(_)
        ));
        assert_eq!(
            policy.verdict(3, Some(503), None),
            Verdict::Stop,
            "attempts are bounded"
        );
    }

    #[test]
    fn retry_after_is_honoured_when_short_enough() {
        let policy = RetryPolicy::default();
        let two = Some(Duration::from_secs(2));
        assert_eq!(
            policy.verdict(1, Some(429), two),
            Verdict::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            policy.verdict(1, Some(429), Some(Duration::from_secs(3600))),
            Verdict::Stop
        );
        assert_eq!(
            policy.verdict(1, Some(503), two),
            Verdict::RetryAfter(Duration::from_secs(2))
        );
        assert_eq!(
            policy.verdict(1, Some(401), two),
            Verdict::Stop,
            "a refusal is final"
        );

        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "7".parse().expect("header"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("header"),
        );
        assert_eq!(
            retry_after(&headers),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        headers.insert(
            reqwest::header::RETRY_AFTER,
            "soon".parse().expect("header"),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
