//! A cached token and its expiry bookkeeping, read lock-free on the hot path.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::clock::millis;

/// One issued token as the session caches it. Times are milliseconds on the session clock.
pub(crate) struct Cached {
    secret: SecretString,
    /// Increases with every login; a rejection invalidates only the generation it saw.
    pub(crate) generation: u64,
    /// From this time on, callers replace the token before using it.
    refresh_at: AtomicU64,
    /// From this time on, the token is not used at all.
    expires_at: AtomicU64,
    /// The lifetime and refresh margin it was issued with (ms), for [`Cached::renew`].
    lifetime: u64,
    margin: u64,
    /// For idle expiry: from this time on (ms), a use is recorded and renews the
    /// expiry; `u64::MAX` for a token that is not renewed by use. A recorded use moves
    /// it a step (a hundredth of the lifetime) past the use, so the hot path compares
    /// one value and writes shared memory at most once per step, not once per use.
    touch_at: AtomicU64,
    /// For idle expiry: that step (ms); 0 for a token not renewed by use.
    touch_step: u64,
    /// The base of later API calls the login named, admitted (`api_base`).
    pub(crate) api_base: Option<url::Url>,
}

impl Cached {
    /// The placeholder a session starts with: never fresh, never exposed.
    pub(crate) fn empty() -> Arc<Self> {
        Arc::new(Cached {
            secret: SecretString::from(""),
            generation: 0,
            refresh_at: AtomicU64::new(0),
            expires_at: AtomicU64::new(0),
            lifetime: 0,
            margin: 0,
            touch_at: AtomicU64::new(u64::MAX),
            touch_step: 0,
            api_base: None,
        })
    }

    /// The same token, going with the API base its login named.
    pub(crate) fn with_api_base(mut self, api_base: Option<url::Url>) -> Self {
        self.api_base = api_base;
        self
    }

    /// A token issued at `now` that lives `lifetime` (`None`: until rejected), renewed
    /// by use when `idle`, replaced `margin` before it expires.
    pub(crate) fn issued(
        secret: SecretString,
        generation: u64,
        now: u64,
        lifetime: Option<Duration>,
        idle: bool,
        margin: Duration,
    ) -> Self {
        let Some(lifetime) = lifetime else {
            return Cached {
                secret,
                generation,
                refresh_at: AtomicU64::new(u64::MAX),
                expires_at: AtomicU64::new(u64::MAX),
                lifetime: u64::MAX,
                margin: 0,
                touch_at: AtomicU64::new(u64::MAX),
                touch_step: 0,
                api_base: None,
            };
        };
        let lifetime = millis(lifetime);
        let margin = millis(margin).min(lifetime);
        let touch_step = if idle { (lifetime / 100).max(1) } else { 0 };
        let touch_at = if idle {
            now.saturating_add(touch_step)
        } else {
            u64::MAX
        };
        Cached {
            secret,
            generation,
            refresh_at: AtomicU64::new(now.saturating_add(lifetime - margin)),
            expires_at: AtomicU64::new(now.saturating_add(lifetime)),
            lifetime,
            margin,
            touch_at: AtomicU64::new(touch_at),
            touch_step,
            api_base: None,
        }
    }

    /// Milliseconds (session clock) from which the token is due for replacement.
    pub(crate) fn refresh_at(&self) -> u64 {
        self.refresh_at.load(Ordering::Relaxed)
    }

    /// Milliseconds (session clock) from which the token is expired.
    pub(crate) fn expires_at(&self) -> u64 {
        self.expires_at.load(Ordering::Relaxed)
    }

    /// Whether the token may be used at `now` without replacing it first.
    #[inline]
    pub(crate) fn is_fresh(&self, now: u64) -> bool {
        now < self.refresh_at.load(Ordering::Relaxed)
    }

    /// Whether the token is still accepted by the vendor at `now` (it may be due for refresh).
    pub(crate) fn is_valid(&self, now: u64) -> bool {
        self.generation != 0 && now < self.expires_at.load(Ordering::Relaxed)
    }

    /// Counts the token's lifetime again from `now` (after the vendor's keep-alive).
    pub(crate) fn renew(&self, now: u64) {
        if self.lifetime == u64::MAX {
            return;
        }
        self.count_from(now);
        if self.touch_step != 0 {
            self.touch_at
                .store(now.saturating_add(self.touch_step), Ordering::Relaxed);
        }
    }

    /// Records a use at `now`, renewing an idle expiry when the use moved by a full step
    /// since the last one recorded: one load and a comparison, and no write at all
    /// within a step (nor ever for a token not renewed by use).
    #[inline]
    pub(crate) fn touch(&self, now: u64) {
        if now >= self.touch_at.load(Ordering::Relaxed) {
            self.record_use(now);
        }
    }

    /// [`Cached::touch`] past the step: the use moves the next step and the expiry.
    #[cold]
    #[inline(never)]
    fn record_use(&self, now: u64) {
        self.touch_at
            .store(now.saturating_add(self.touch_step), Ordering::Relaxed);
        self.count_from(now);
    }

    /// Sets the expiry and refresh times as if the token had been issued at `now`.
    fn count_from(&self, now: u64) {
        self.expires_at
            .store(now.saturating_add(self.lifetime), Ordering::Relaxed);
        self.refresh_at.store(
            now.saturating_add(self.lifetime - self.margin),
            Ordering::Relaxed,
        );
    }

    pub(crate) fn secret(&self) -> &str {
        self.secret.expose_secret()
    }
}

impl std::fmt::Debug for Cached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("generation", &self.generation)
            .field("value", &"[REDACTED]")
            .field("expires_at_ms", &self.expires_at.load(Ordering::Relaxed))
            .finish()
    }
}

/// A borrowed view of the session's current token.
///
/// Holding it pins that token in memory (one arc-swap guard, no reference-count write);
/// drop it soon. `Debug` shows no secret; the value is reachable only through
/// [`TokenRef::expose_secret`].
pub struct TokenRef {
    pub(crate) inner: arc_swap::Guard<Arc<Cached>>,
}

impl TokenRef {
    /// The token's value, to put on a request.
    pub fn expose_secret(&self) -> &str {
        self.inner.secret()
    }

    /// The login generation that issued this token (1 for the first login).
    pub fn generation(&self) -> u64 {
        self.inner.generation
    }

    /// The base of later API calls the token's login named, when the vendor's login
    /// names one (`api_base`) and its host is one of the API hosts.
    pub fn api_base(&self) -> Option<&url::Url> {
        self.inner.api_base.as_ref()
    }
}

impl std::fmt::Debug for TokenRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self.inner, f)
    }
}

/// The times a JWT states: `exp`, and `iat` when present, in seconds since the Unix epoch.
pub(crate) struct JwtTimes {
    pub(crate) expires: u64,
    pub(crate) issued_at: Option<u64>,
}

/// The times in a JWT's claims; `None` when the token is not a JWT or has no numeric `exp`.
pub(crate) fn jwt_times(token: &str) -> Option<JwtTimes> {
    use base64::Engine as _;
    let mut parts = token.split('.');
    let (_header, claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&claims).ok()?;
    let seconds = |name: &str| {
        let value = claims.get(name)?;
        value
            .as_u64()
            .or_else(|| value.as_f64().filter(|v| *v >= 0.0).map(|v| v as u64))
    };
    Some(JwtTimes {
        expires: seconds("exp")?,
        issued_at: seconds("iat"),
    })
}

/// Which of a session's tokens a revocation request retires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// The token API calls carry (OAuth 2.0's access token).
    Access,
    /// The refresh token of an OAuth 2.0 login ([`Login::refresh_token`](crate::provider::Login::refresh_token)).
    Refresh,
}

impl TokenKind {
    /// Its RFC 7009 `token_type_hint`: `access_token` or `refresh_token`.
    pub fn hint(self) -> &'static str {
        match self {
            TokenKind::Access => "access_token",
            TokenKind::Refresh => "refresh_token",
        }
    }
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenKind::Access => "access token",
            TokenKind::Refresh => "refresh token",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The OneBox document's example token.
    const ONEBOX: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJvbmVjbG91ZC5jaXB0YWRyYXNvZnQubmV0Iiwic3ViIjoiNTUiLCJleHAiOjE1Nzg5ODU3ODAsIm5iZiI6MTU3ODk4NDg4MCwiaWF0IjoxNTc4OTg0ODgwLCJqdGkiOiJwYkpHSk5sXC9RVUppNEVLSFd1dFwvQk9cL0pneG9QZ2c3YlQ2UWZaNVAwT0swPSIsInNpZCI6IjE2OSJ9.W0R0qxWHU25sqeMObsLiFWT5WKkL-Oeae-yc4BlYZX8";

    #[test]
    fn reads_exp_from_a_jwt_and_nothing_from_other_tokens() {
        let times = jwt_times(ONEBOX).expect("a JWT");
        assert_eq!(times.expires, 1_578_985_780);
        assert_eq!(times.issued_at, Some(1_578_984_880));
        assert!(jwt_times("4AD9C84FA60F9FE407140E20F707726A").is_none());
        assert!(jwt_times("a.b.c").is_none());
        assert!(jwt_times("a.b.c.d").is_none());
    }

    #[test]
    fn idle_tokens_are_renewed_by_use_absolute_ones_are_not() {
        let minute = Duration::from_secs(60);
        let margin = Duration::from_secs(6);
        let idle = Cached::issued("t".into(), 1, 0, Some(minute), true, margin);
        assert!(idle.is_fresh(50_000));
        idle.touch(50_000);
        assert!(idle.is_fresh(100_000));
        assert!(!idle.is_fresh(50_000 + 60_000));

        let absolute = Cached::issued("t".into(), 1, 0, Some(minute), false, margin);
        absolute.touch(50_000);
        assert!(!absolute.is_fresh(55_000), "margin is 6 s of a 60 s token");
        assert!(absolute.is_valid(55_000));
        assert!(!absolute.is_valid(60_000));
    }
}
