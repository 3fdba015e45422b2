//! What sessions count and time, through the `metrics` facade crate, with this crate's
//! feature `metrics`: every metric's name, its labels and their values are the
//! constants below, and nothing else names them. An exporter for the facade (for
//! Prometheus, StatsD, ...) publishes them; this crate depends on the facade alone.
//!
//! | metric | type | labels | what it counts |
//! |---|---|---|---|
//! | [`LOGINS`] | counter | [`VENDOR`], [`REASON`], [`KIND`] | tokens obtained from the vendor: successful logins with the credentials, and refreshes |
//! | [`LOGIN_FAILURES`] | counter | [`VENDOR`], [`KIND`] | logins that ended without a token, by what the failure means for the next attempt |
//! | [`LOGIN_DURATION`] | histogram (seconds) | [`VENDOR`] | the wall time of each successful login, its retries and their waits included |
//! | [`TOKEN_REQUESTS`] | counter | [`VENDOR`], [`OUTCOME`] | calls of [`Session::token`](crate::Session::token) (and so of every `send`): answered from the cache, or waiting for a new token |
//! | [`STORE`] | counter | [`VENDOR`], [`OUTCOME`] | what a session sharing a [`TokenStore`](crate::TokenStore) did when it needed a token |
//! | [`TOKEN_REJECTIONS`] | counter | [`VENDOR`] | API answers rejecting the token (the provider's [`rejection`](crate::Provider::rejection)) |
//!
//! A session takes its metric handles from the recorder installed when it is
//! [built](crate::SessionBuilder::build) (the global one, or a thread's local one):
//! install the exporter first. Each event is then one update of a handle kept by the
//! session, never a look-up by name; a fresh token read ([`OUTCOME_CACHED`]) adds one
//! atomic increment and no allocation. Without the feature nothing is recorded, the
//! `metrics` crate is not compiled, and these constants are all that is left.
//!
//! Labels carry the vendor's name and fixed words only: never a credential, a token
//! or anything a vendor answered.

use std::time::Duration;

use crate::gate::FailureKind;

// Metric names.

/// Counter: tokens obtained from the vendor, by [`VENDOR`], [`REASON`] and [`KIND`]
/// ([`KIND_CREDENTIALS`] or [`KIND_REFRESHED`]). A token taken from a shared store is
/// not a login (see [`STORE`]).
pub const LOGINS: &str = "authgen_logins_total";
/// Counter: logins that ended without a token, by [`VENDOR`] and [`KIND`]
/// ([`KIND_REFUSED`], [`KIND_HELD`] or [`KIND_TRANSIENT`]). A call answered from a
/// hold the last failure set, without a login, is not counted again.
pub const LOGIN_FAILURES: &str = "authgen_login_failures_total";
/// Histogram, in seconds: how long each successful login took, from its start to the
/// token cached, retries and their waits included (and a pool's wait for a login
/// slot); by [`VENDOR`]. One sample per [`LOGINS`] count.
pub const LOGIN_DURATION: &str = "authgen_login_duration_seconds";
/// Counter: calls of [`Session::token`](crate::Session::token) (which every `send`,
/// `AuthMiddleware` and `AuthLayer` request makes), by [`VENDOR`] and [`OUTCOME`]
/// ([`OUTCOME_CACHED`] or [`OUTCOME_WAITED`]).
/// [`Session::cached_token`](crate::Session::cached_token) is not counted.
pub const TOKEN_REQUESTS: &str = "authgen_token_requests_total";
/// Counter: what a session sharing a token store did when it needed a token, by
/// [`VENDOR`] and [`OUTCOME`] ([`OUTCOME_ADOPTED`], [`OUTCOME_LEASED`] or
/// [`OUTCOME_UNAVAILABLE`]).
pub const STORE: &str = "authgen_store_total";
/// Counter: answers to `send`, `AuthMiddleware` and `AuthLayer` calls rejecting the
/// token (HTTP 401 unless the provider documents other statuses, or its test on the
/// answer), by [`VENDOR`]; a replay rejected again counts again. A keep-alive's
/// rejection is not counted.
pub const TOKEN_REJECTIONS: &str = "authgen_token_rejections_total";

// Labels.

/// Label on every metric: the vendor, [`Provider::vendor`](crate::Provider::vendor).
pub const VENDOR: &str = "vendor";
/// Label on [`LOGINS`]: why the session logged in.
pub const REASON: &str = "reason";
/// Label on [`LOGINS`] (how the token was obtained) and on [`LOGIN_FAILURES`] (what
/// the failure means for the next attempt).
pub const KIND: &str = "kind";
/// Label on [`TOKEN_REQUESTS`] and [`STORE`]: what happened.
pub const OUTCOME: &str = "outcome";

// Label values.

/// [`REASON`]: the session's first login (no token yet, none restored).
pub const REASON_FIRST_LOGIN: &str = "first_login";
/// [`REASON`]: the token was due (within its refresh margin, or expired).
pub const REASON_TOKEN_DUE: &str = "token_due";
/// [`REASON`]: the token was rejected by the vendor, or forgotten
/// ([`Session::invalidate`](crate::Session::invalidate), a logout).
pub const REASON_TOKEN_REJECTED_OR_INVALIDATED: &str = "token_rejected_or_invalidated";

/// [`KIND`] of a login: with the credentials.
pub const KIND_CREDENTIALS: &str = "credentials";
/// [`KIND`] of a login: with the vendor's refresh token (OAuth 2.0).
pub const KIND_REFRESHED: &str = "refreshed";
/// [`KIND`] of a failure: the vendor refused the credentials; no new attempt with them
/// for the [refusal hold](crate::SessionBuilder::refusal_hold).
pub const KIND_REFUSED: &str = "refused";
/// [`KIND`] of a failure: no attempt for a while, as the vendor's `Retry-After` says, or
/// because another session sharing the store was refused.
pub const KIND_HELD: &str = "held";
/// [`KIND`] of a failure: the vendor could not be reached, failed or answered something
/// unreadable; the next attempt comes after a cool-down.
pub const KIND_TRANSIENT: &str = "transient";

/// [`OUTCOME`] of a token request: the cached token, at once.
pub const OUTCOME_CACHED: &str = "cached";
/// [`OUTCOME`] of a token request: the token was missing or due, so the call joined or
/// started a login (or got the failure holding logins off).
pub const OUTCOME_WAITED: &str = "waited";
/// [`OUTCOME`] in the store: a token another session published was taken.
pub const OUTCOME_ADOPTED: &str = "adopted";
/// [`OUTCOME`] in the store: this session took the lease and logged in for everyone.
pub const OUTCOME_LEASED: &str = "leased";
/// [`OUTCOME`] in the store: the store could not be reached; the session logged in
/// on its own.
pub const OUTCOME_UNAVAILABLE: &str = "unavailable";

/// Why a session logs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginReason {
    First,
    Due,
    RejectedOrInvalidated,
}

impl LoginReason {
    /// In words, for the logs.
    pub(crate) const fn words(self) -> &'static str {
        match self {
            LoginReason::First => "first login",
            LoginReason::Due => "token due",
            LoginReason::RejectedOrInvalidated => "token rejected or invalidated",
        }
    }

    #[cfg(feature = "metrics")]
    const ALL: [LoginReason; 3] = [
        LoginReason::First,
        LoginReason::Due,
        LoginReason::RejectedOrInvalidated,
    ];

    #[cfg(feature = "metrics")]
    const fn label(self) -> &'static str {
        match self {
            LoginReason::First => REASON_FIRST_LOGIN,
            LoginReason::Due => REASON_TOKEN_DUE,
            LoginReason::RejectedOrInvalidated => REASON_TOKEN_REJECTED_OR_INVALIDATED,
        }
    }
}

/// What a session sharing a store did for a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreOutcome {
    Adopted,
    Leased,
    Unavailable,
}

#[cfg(feature = "metrics")]
impl StoreOutcome {
    const ALL: [StoreOutcome; 3] = [
        StoreOutcome::Adopted,
        StoreOutcome::Leased,
        StoreOutcome::Unavailable,
    ];

    const fn label(self) -> &'static str {
        match self {
            StoreOutcome::Adopted => OUTCOME_ADOPTED,
            StoreOutcome::Leased => OUTCOME_LEASED,
            StoreOutcome::Unavailable => OUTCOME_UNAVAILABLE,
        }
    }
}

/// The failure kinds in the order of [`failure_index`].
#[cfg(feature = "metrics")]
const FAILURE_KINDS: [&str; 3] = [KIND_REFUSED, KIND_HELD, KIND_TRANSIENT];

#[cfg(feature = "metrics")]
const fn failure_index(kind: FailureKind) -> usize {
    match kind {
        FailureKind::Refused => 0,
        FailureKind::HeldFor(_) => 1,
        FailureKind::Transient => 2,
    }
}

/// A session's metric handles, registered once when it is built; each method is one
/// event, and compiles to nothing without the feature.
#[cfg(feature = "metrics")]
pub(crate) struct Metrics {
    cached: metrics::Counter,
    waited: metrics::Counter,
    /// By reason ([`LoginReason::ALL`]), then credentials or refreshed.
    logins: [[metrics::Counter; 2]; 3],
    /// By [`failure_index`].
    failures: [metrics::Counter; 3],
    duration: metrics::Histogram,
    /// By [`StoreOutcome::ALL`].
    store: [metrics::Counter; 3],
    rejections: metrics::Counter,
}

/// Nothing to keep without the feature.
#[cfg(not(feature = "metrics"))]
pub(crate) struct Metrics;

impl Metrics {
    /// Describes the metrics to the current recorder and registers this session's
    /// handles with it.
    #[cfg(feature = "metrics")]
    pub(crate) fn new(vendor: &'static str) -> Self {
        use metrics::{Unit, counter, describe_counter, describe_histogram, histogram};
        describe_counter!(
            LOGINS,
            "Tokens obtained from the vendor (logins and refreshes)"
        );
        describe_counter!(LOGIN_FAILURES, "Logins that ended without a token");
        describe_histogram!(
            LOGIN_DURATION,
            Unit::Seconds,
            "Wall time of each successful login, retries included"
        );
        describe_counter!(
            TOKEN_REQUESTS,
            "Token requests: cached, or waiting for a login"
        );
        describe_counter!(
            STORE,
            "What a session sharing a token store did for a token"
        );
        describe_counter!(TOKEN_REJECTIONS, "API answers rejecting the token");
        let outcome =
            |outcome: &'static str| counter!(TOKEN_REQUESTS, VENDOR => vendor, OUTCOME => outcome);
        Metrics {
            cached: outcome(OUTCOME_CACHED),
            waited: outcome(OUTCOME_WAITED),
            logins: LoginReason::ALL.map(|reason| {
                [KIND_CREDENTIALS, KIND_REFRESHED].map(|kind| {
                    counter!(LOGINS, VENDOR => vendor, REASON => reason.label(), KIND => kind)
                })
            }),
            failures: FAILURE_KINDS
                .map(|kind| counter!(LOGIN_FAILURES, VENDOR => vendor, KIND => kind)),
            duration: histogram!(LOGIN_DURATION, VENDOR => vendor),
            store: StoreOutcome::ALL
                .map(|outcome| counter!(STORE, VENDOR => vendor, OUTCOME => outcome.label())),
            rejections: counter!(TOKEN_REJECTIONS, VENDOR => vendor),
        }
    }

    /// Nothing to register without the feature.
    #[cfg(not(feature = "metrics"))]
    pub(crate) fn new(_vendor: &'static str) -> Self {
        Metrics
    }

    /// A token request answered from the cache: the hot path, one atomic increment.
    #[inline]
    pub(crate) fn token_cached(&self) {
        #[cfg(feature = "metrics")]
        self.cached.increment(1);
    }

    /// A token request that went for a new token.
    #[inline]
    pub(crate) fn token_waited(&self) {
        #[cfg(feature = "metrics")]
        self.waited.increment(1);
    }

    /// A token obtained from the vendor, for `reason`, with the refresh token or not,
    /// after `took`.
    #[inline]
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    pub(crate) fn logged_in(&self, reason: LoginReason, refreshed: bool, took: Duration) {
        #[cfg(feature = "metrics")]
        {
            self.logins[reason as usize][usize::from(refreshed)].increment(1);
            self.duration.record(took.as_secs_f64());
        }
    }

    /// A login that ended without a token.
    #[inline]
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    pub(crate) fn login_failed(&self, kind: FailureKind) {
        #[cfg(feature = "metrics")]
        self.failures[failure_index(kind)].increment(1);
    }

    /// What a session sharing a store did for a token.
    #[inline]
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
    pub(crate) fn store(&self, outcome: StoreOutcome) {
        #[cfg(feature = "metrics")]
        self.store[outcome as usize].increment(1);
    }

    /// An API answer rejecting the token.
    #[inline]
    pub(crate) fn token_rejected(&self) {
        #[cfg(feature = "metrics")]
        self.rejections.increment(1);
    }
}

#[cfg(all(test, feature = "metrics"))]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_in_the_order_their_indexes_say() {
        for (i, reason) in LoginReason::ALL.iter().enumerate() {
            assert_eq!(*reason as usize, i);
        }
        for (i, outcome) in StoreOutcome::ALL.iter().enumerate() {
            assert_eq!(*outcome as usize, i);
        }
        assert_eq!(
            FAILURE_KINDS[failure_index(FailureKind::Refused)],
            KIND_REFUSED
        );
        let held = FailureKind::HeldFor(Duration::from_secs(1));
        assert_eq!(FAILURE_KINDS[failure_index(held)], KIND_HELD);
        assert_eq!(
            FAILURE_KINDS[failure_index(FailureKind::Transient)],
            KIND_TRANSIENT
        );
    }

    #[test]
    fn names_and_labels_are_prometheus_names_and_each_name_is_used_once() {
        let names = [
            LOGINS,
            LOGIN_FAILURES,
            LOGIN_DURATION,
            TOKEN_REQUESTS,
            STORE,
            TOKEN_REJECTIONS,
        ];
        let words = [
            VENDOR,
            REASON,
            KIND,
            OUTCOME,
            REASON_FIRST_LOGIN,
            REASON_TOKEN_DUE,
            REASON_TOKEN_REJECTED_OR_INVALIDATED,
            KIND_CREDENTIALS,
            KIND_REFRESHED,
            KIND_REFUSED,
            KIND_HELD,
            KIND_TRANSIENT,
            OUTCOME_CACHED,
            OUTCOME_WAITED,
            OUTCOME_ADOPTED,
            OUTCOME_LEASED,
            OUTCOME_UNAVAILABLE,
        ];
        for word in names.iter().chain(&words) {
            assert!(
                word.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{word}"
            );
        }
        for name in names {
            assert!(name.starts_with("authgen_"), "{name}");
        }
        let mut distinct = names.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), names.len());
    }
}
