//! [`RedisStore`]: a store shared by every process connected to one Redis (feature
//! `redis`).

use std::time::Duration;

use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::record::{decode, decode_refusal, encode, encode_refusal, warn_invalid};
use super::{SharedRefusal, SharedToken, StoreError, TokenStore};

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
                ConnectionManager::new_lazy_with_config(self.client.clone(), config).map_err(failed)
            })
            .await?;
        Ok(manager.clone())
    }

    /// Runs one command on the shared connection.
    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        let mut conn = self.connection().await?;
        cmd.query_async(&mut conn).await.map_err(failed)
    }

    /// The bytes kept under `key`, if any: bytes, so that a value that is not UTF-8
    /// is an invalid record (replaced by the next login), not a store failure.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.query(redis::cmd("GET").arg(key)).await
    }

    /// The record under `key` decoded, or `None` (with a warning) when it does not decode.
    async fn get_decoded<T>(
        &self,
        key: &str,
        decode: fn(&[u8]) -> Result<T, &'static str>,
    ) -> Result<Option<T>, StoreError> {
        let Some(bytes) = self.get(key).await? else {
            return Ok(None);
        };
        Ok(decode(&bytes)
            .inspect_err(|reason| warn_invalid(key, reason))
            .ok())
    }
}

impl TokenStore for RedisStore {
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<SharedToken>, StoreError>> {
        Box::pin(self.get_decoded(key, decode))
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

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("DEL");
            cmd.arg(key);
            self.query::<i64>(&cmd).await.map(|_| ())
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
        Box::pin(self.get_decoded(key, decode_refusal))
    }
}
