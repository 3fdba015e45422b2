//! Token stores shared by several sessions — typically the replicas of one service
//! logging in to one vendor account — so that they log in once between them.
//!
//! A [`Session`](crate::Session) without a store keeps its token to itself (the
//! default). With [`SessionBuilder::store`](crate::SessionBuilder::store), a session
//! that needs a token first looks in the store; when the token there is missing or due,
//! it takes the store's *lease* for the account, logs in and publishes the new token,
//! while the other sessions wait for it instead of logging in themselves. The holder
//! extends its lease while the login lasts; a lease whose holder died expires after
//! its time, and another session takes over. A refused
//! login is published too, for a while ([`SessionBuilder::store_refusal_hold`](crate::SessionBuilder::store_refusal_hold)):
//! the other sessions report it instead of trying the same credentials, so that
//! replicas with a wrong key make one failed login between them. A session that
//! cannot reach its store logs in on its own and says so in a `tracing` warning.
//!
//! The store is consulted only when a session has no fresh token of its own: the hot
//! path ([`Session::token`](crate::Session::token) on a fresh token) never touches it.
//!
//! Keys name the vendor and a hash of the account's identity (the non-secret fields of
//! the login request, or [`SessionBuilder::store_key`](crate::SessionBuilder::store_key)),
//! never a secret. The token itself is, necessarily, kept in the store: protect it as
//! you would the vendor credentials.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use secrecy::{ExposeSecret as _, SecretString};

/// A token as kept in a [`TokenStore`]: its value and its wall-clock issue and expiry
/// times, so that a session starting later knows how long it has left.
#[derive(Clone)]
pub struct SharedToken {
    /// The token.
    pub token: SecretString,
    /// When it was issued (wall clock of the session that logged in).
    pub issued_at: SystemTime,
    /// When it expires; `None` when the vendor does not say.
    pub expires_at: Option<SystemTime>,
}

impl std::fmt::Debug for SharedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedToken")
            .field("token", &"[REDACTED]")
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A refusal of the account's credentials, kept in a [`TokenStore`] for a while so
/// that the other sessions sharing the account report it instead of trying the same
/// credentials again (some vendors lock an account after a few failed logins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedRefusal {
    /// The refused session's error, as it displays (it never holds a secret).
    pub message: String,
    /// When the vendor refused (wall clock of the refused session).
    pub refused_at: SystemTime,
}

/// A store that could not be used (unreachable, timed out, answered nonsense).
/// Sessions log it and carry on without the store.
#[derive(Debug, Clone, thiserror::Error)]
#[error("token store: {0}")]
pub struct StoreError(pub String);

/// Where sessions sharing an account keep its token and coordinate its replacement.
///
/// Keys are given by the session: the token under `key`, the lease under another key.
/// Implementations must make [`try_lease`](Self::try_lease) atomic across every
/// session sharing the store (Redis: `SET key value NX PX ttl`).
pub trait TokenStore: Send + Sync + 'static {
    /// The token kept under `key`, if any.
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<SharedToken>, StoreError>>;

    /// Keeps `token` under `key`, replacing what was there.
    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a SharedToken,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Takes the lease `key` for `holder` for `ttl`, unless someone holds it already.
    /// `Ok(true)` when taken.
    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Gives the lease `key` back if `holder` still holds it (compare and delete).
    fn release<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Gives `holder` the lease `key` for another `ttl` from now, if it still holds it
    /// (compare and expire): a session whose login takes longer than a third of the
    /// lease calls this, so that no other session takes over a login still under way.
    /// `Ok(false)` when the lease was lost (expired, or taken by another session).
    ///
    /// The default cannot extend: a login longer than the lease may then be repeated by
    /// another session.
    fn extend_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let _ = (key, holder, ttl);
        Box::pin(async { Ok(false) })
    }

    /// Keeps `refusal` under `key` for `ttl`, replacing what was there.
    ///
    /// The default keeps nothing: refusals are then not shared, and each session
    /// sharing the account tries the credentials itself.
    fn save_refusal<'a>(
        &'a self,
        key: &'a str,
        refusal: &'a SharedRefusal,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let _ = (key, refusal, ttl);
        Box::pin(async { Ok(()) })
    }

    /// The refusal kept under `key`, unless its time is up. The default: none.
    fn load_refusal<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<SharedRefusal>, StoreError>> {
        let _ = key;
        Box::pin(async { Ok(None) })
    }
}

impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<SharedToken>, StoreError>> {
        (**self).load(key)
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a SharedToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).save(key, token)
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).try_lease(key, holder, ttl)
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).release(key, holder)
    }

    fn extend_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).extend_lease(key, holder, ttl)
    }

    fn save_refusal<'a>(
        &'a self,
        key: &'a str,
        refusal: &'a SharedRefusal,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).save_refusal(key, refusal, ttl)
    }

    fn load_refusal<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<SharedRefusal>, StoreError>> {
        (**self).load_refusal(key)
    }
}

/// A store in this process's memory: shares one token between the sessions of one
/// process that are given the same `Arc<MemoryStore>`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    tokens: HashMap<String, SharedToken>,
    leases: HashMap<String, (String, Instant)>,
    refusals: HashMap<String, (SharedRefusal, Instant)>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut MemoryState) -> R) -> R {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl TokenStore for MemoryStore {
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<SharedToken>, StoreError>> {
        let found = self.with(|s| s.tokens.get(key).cloned());
        Box::pin(async move { Ok(found) })
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a SharedToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.with(|s| s.tokens.insert(key.to_owned(), token.clone()));
        Box::pin(async { Ok(()) })
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let now = Instant::now();
        let taken = self.with(|s| match s.leases.get(key) {
            Some((_, until)) if *until > now => false,
            _ => {
                s.leases
                    .insert(key.to_owned(), (holder.to_owned(), now + ttl));
                true
            }
        });
        Box::pin(async move { Ok(taken) })
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.with(|s| {
            if s.leases.get(key).is_some_and(|(h, _)| h == holder) {
                s.leases.remove(key);
            }
        });
        Box::pin(async { Ok(()) })
    }

    fn extend_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let now = Instant::now();
        let extended = self.with(|s| match s.leases.get_mut(key) {
            Some((h, until)) if h == holder && *until > now => {
                *until = now + ttl;
                true
            }
            _ => false,
        });
        Box::pin(async move { Ok(extended) })
    }

    fn save_refusal<'a>(
        &'a self,
        key: &'a str,
        refusal: &'a SharedRefusal,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let until = Instant::now() + ttl;
        self.with(|s| s.refusals.insert(key.to_owned(), (refusal.clone(), until)));
        Box::pin(async { Ok(()) })
    }

    fn load_refusal<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<SharedRefusal>, StoreError>> {
        let now = Instant::now();
        let found = self.with(|s| match s.refusals.get(key) {
            Some((refusal, until)) if *until > now => Some(refusal.clone()),
            Some(_) => {
                s.refusals.remove(key);
                None
            }
            None => None,
        });
        Box::pin(async move { Ok(found) })
    }
}

/// Milliseconds since the Unix epoch (0 before it).
fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(crate::clock::millis)
        .unwrap_or(0)
}

/// The stored form of a token: `<issued ms> <expires ms or -> <token>`.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
fn encode(token: &SharedToken) -> String {
    let expires = token
        .expires_at
        .map_or_else(|| "-".to_owned(), |t| unix_ms(t).to_string());
    format!(
        "{} {} {}",
        unix_ms(token.issued_at),
        expires,
        token.token.expose_secret()
    )
}

#[cfg_attr(not(feature = "redis"), allow(dead_code))]
fn decode(text: &str) -> Option<SharedToken> {
    let mut parts = text.splitn(3, ' ');
    let issued: u64 = parts.next()?.parse().ok()?;
    let expires = match parts.next()? {
        "-" => None,
        ms => Some(UNIX_EPOCH + Duration::from_millis(ms.parse().ok()?)),
    };
    let token = parts.next()?;
    Some(SharedToken {
        token: SecretString::from(token),
        issued_at: UNIX_EPOCH + Duration::from_millis(issued),
        expires_at: expires,
    })
}

/// The stored form of a refusal: `<refused ms> <message>`.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
fn encode_refusal(refusal: &SharedRefusal) -> String {
    format!("{} {}", unix_ms(refusal.refused_at), refusal.message)
}

#[cfg_attr(not(feature = "redis"), allow(dead_code))]
fn decode_refusal(text: &str) -> Option<SharedRefusal> {
    let (at, message) = text.split_once(' ')?;
    Some(SharedRefusal {
        message: message.to_owned(),
        refused_at: UNIX_EPOCH + Duration::from_millis(at.parse().ok()?),
    })
}

/// A stable 64-bit FNV-1a hash (the same in every process and every build), for keys.
pub(crate) fn stable_hash(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

#[cfg(feature = "redis")]
pub use redis_store::RedisStore;

#[cfg(feature = "redis")]
mod redis_store {
    use std::time::Duration;

    use futures::future::BoxFuture;
    use redis::aio::{ConnectionManager, ConnectionManagerConfig};

    use super::{
        SharedRefusal, SharedToken, StoreError, TokenStore, decode, decode_refusal, encode,
        encode_refusal,
    };

    /// Deletes the lease only if it still holds the caller's value.
    const RELEASE: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
    /// Sets a new expiry (ARGV[2] ms) on the lease only if it still holds the caller's value.
    const EXTEND: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";

    /// A [`TokenStore`] in Redis, shared by every process that connects to it
    /// (feature `redis`).
    ///
    /// Connects lazily, on first use, and reconnects after failures; every command
    /// times out after the configured timeout (default 1 s), so an unreachable Redis
    /// costs a session one timeout and a local login, never a hang.
    #[derive(Clone)]
    pub struct RedisStore {
        client: redis::Client,
        timeout: Duration,
        manager: std::sync::Arc<tokio::sync::OnceCell<ConnectionManager>>,
    }

    impl std::fmt::Debug for RedisStore {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("RedisStore")
                .field("timeout", &self.timeout)
                .finish_non_exhaustive()
        }
    }

    fn failed(e: redis::RedisError) -> StoreError {
        StoreError(e.to_string())
    }

    impl RedisStore {
        /// A store at `url` (`redis://host:port/db`); nothing is connected yet.
        pub fn new(url: &str) -> Result<Self, StoreError> {
            Ok(RedisStore {
                client: redis::Client::open(url).map_err(failed)?,
                timeout: Duration::from_secs(1),
                manager: std::sync::Arc::default(),
            })
        }

        /// How long a connection attempt or a command may take (default 1 s).
        pub fn timeout(mut self, timeout: Duration) -> Self {
            self.timeout = timeout;
            self
        }

        async fn connection(&self) -> Result<ConnectionManager, StoreError> {
            let manager = self
                .manager
                .get_or_try_init(|| async {
                    let config = ConnectionManagerConfig::new()
                        .set_connection_timeout(Some(self.timeout))
                        .set_response_timeout(Some(self.timeout))
                        .set_number_of_retries(1)
                        .set_max_delay(self.timeout);
                    ConnectionManager::new_lazy_with_config(self.client.clone(), config)
                        .map_err(failed)
                })
                .await?;
            Ok(manager.clone())
        }

        /// Runs one command on the shared connection.
        async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
            let mut conn = self.connection().await?;
            cmd.query_async(&mut conn).await.map_err(failed)
        }

        /// The string kept under `key`, if any.
        async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
            self.query(redis::cmd("GET").arg(key)).await
        }
    }

    impl TokenStore for RedisStore {
        fn load<'a>(
            &'a self,
            key: &'a str,
        ) -> BoxFuture<'a, Result<Option<SharedToken>, StoreError>> {
            Box::pin(async move { Ok(self.get(key).await?.as_deref().and_then(decode)) })
        }

        fn save<'a>(
            &'a self,
            key: &'a str,
            token: &'a SharedToken,
        ) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                let mut cmd = redis::cmd("SET");
                cmd.arg(key).arg(encode(token));
                // The key lives as long as the token; the reader checks the expiry itself.
                if let Some(expires) = token.expires_at {
                    let lifetime = expires
                        .duration_since(token.issued_at)
                        .unwrap_or_default()
                        .max(Duration::from_millis(1));
                    cmd.arg("PX").arg(crate::clock::millis(lifetime));
                }
                self.query(&cmd).await
            })
        }

        fn try_lease<'a>(
            &'a self,
            key: &'a str,
            holder: &'a str,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let mut set = redis::cmd("SET");
                set.arg(key).arg(holder).arg("NX").arg("PX");
                set.arg(crate::clock::millis(ttl).max(1));
                let taken: Option<String> = self.query(&set).await?;
                Ok(taken.is_some())
            })
        }

        fn release<'a>(
            &'a self,
            key: &'a str,
            holder: &'a str,
        ) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                let mut release = redis::cmd("EVAL");
                release.arg(RELEASE).arg(1).arg(key).arg(holder);
                let _deleted: i64 = self.query(&release).await?;
                Ok(())
            })
        }

        fn extend_lease<'a>(
            &'a self,
            key: &'a str,
            holder: &'a str,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let mut extend = redis::cmd("EVAL");
                extend.arg(EXTEND).arg(1).arg(key).arg(holder);
                extend.arg(crate::clock::millis(ttl).max(1));
                let extended: i64 = self.query(&extend).await?;
                Ok(extended == 1)
            })
        }

        fn save_refusal<'a>(
            &'a self,
            key: &'a str,
            refusal: &'a SharedRefusal,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                let mut set = redis::cmd("SET");
                set.arg(key).arg(encode_refusal(refusal));
                set.arg("PX").arg(crate::clock::millis(ttl).max(1));
                self.query(&set).await
            })
        }

        fn load_refusal<'a>(
            &'a self,
            key: &'a str,
        ) -> BoxFuture<'a, Result<Option<SharedRefusal>, StoreError>> {
            Box::pin(async move { Ok(self.get(key).await?.as_deref().and_then(decode_refusal)) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_and_hash_is_stable() {
        let token = SharedToken {
            token: SecretString::from("a b c"),
            issued_at: UNIX_EPOCH + Duration::from_millis(1_000),
            expires_at: Some(UNIX_EPOCH + Duration::from_millis(61_000)),
        };
        let back = decode(&encode(&token)).map(|t| {
            (
                t.token.expose_secret().to_owned(),
                t.issued_at,
                t.expires_at,
            )
        });
        assert_eq!(
            back,
            Some(("a b c".to_owned(), token.issued_at, token.expires_at))
        );
        assert!(decode("garbage").is_none());
        let refusal = SharedRefusal {
            message: "Currencycloud refused the login: auth_failed".to_owned(),
            refused_at: UNIX_EPOCH + Duration::from_millis(5_000),
        };
        assert_eq!(
            decode_refusal(&encode_refusal(&refusal)),
            Some(refusal.clone())
        );
        assert!(decode_refusal("soon refused").is_none());
        assert_eq!(stable_hash(&[b"a", b"b"]), stable_hash(&[b"a", b"b"]));
        assert_ne!(stable_hash(&[b"ab"]), stable_hash(&[b"a", b"b"]));
        assert_eq!(stable_hash(&[]), 0xcbf2_9ce4_8422_2325);
    }

    #[tokio::test]
    async fn memory_refusals_are_kept_for_their_time() {
        let store = MemoryStore::new();
        let refusal = SharedRefusal {
            message: "refused".to_owned(),
            refused_at: SystemTime::now(),
        };
        let kept = store.save_refusal("r", &refusal, Duration::from_secs(60));
        assert!(kept.await.is_ok());
        assert_eq!(
            store.load_refusal("r").await.ok().flatten(),
            Some(refusal.clone())
        );
        let kept = store.save_refusal("r", &refusal, Duration::ZERO);
        assert!(kept.await.is_ok());
        assert_eq!(store.load_refusal("r").await.ok().flatten(), None);
        assert_eq!(store.load_refusal("other").await.ok().flatten(), None);
    }

    #[tokio::test]
    async fn memory_leases_are_exclusive_until_released_or_expired() {
        let store = MemoryStore::new();
        let ttl = Duration::from_secs(60);
        assert!(store.try_lease("l", "a", ttl).await.unwrap_or(false));
        assert!(!store.try_lease("l", "b", ttl).await.unwrap_or(true));
        let _ = store.release("l", "b").await;
        assert!(!store.try_lease("l", "b", ttl).await.unwrap_or(true));
        assert!(store.extend_lease("l", "a", ttl).await.unwrap_or(false));
        assert!(!store.extend_lease("l", "b", ttl).await.unwrap_or(true));
        let _ = store.release("l", "a").await;
        assert!(!store.extend_lease("l", "a", ttl).await.unwrap_or(true));
        assert!(
            store
                .try_lease("l", "b", Duration::ZERO)
                .await
                .unwrap_or(false)
        );
        assert!(store.try_lease("l", "c", ttl).await.unwrap_or(false));
    }
}
