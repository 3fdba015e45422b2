//! [`RedisStore`]: a store shared by every process connected to one Redis (feature
//! `redis`): one server, over TLS (feature `redis-tls`), with an ACL user, or a Redis
//! Cluster (feature `redis-cluster`).

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret as _, SecretString};

use super::record::{decode, decode_refusal, encode, encode_refusal, warn_invalid};
use super::{SharedRefusal, SharedToken, StoreError, TokenStore};

/// Deletes the lease only if it still holds the caller's value.
const RELEASE: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
/// Sets a new expiry (ARGV[2] ms) on the lease only if it still holds the caller's value.
const EXTEND: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";

/// The suffix a session gives the lease key of an account (after the token's key).
const LEASE_SUFFIX: &str = ":lease";
/// The suffix a session gives the refusal key of an account (after the token's key).
const REFUSAL_SUFFIX: &str = ":refused";

/// A [`TokenStore`] in Redis, shared by every process that connects to it
/// (feature `redis`).
///
/// Connects lazily, on first use, and reconnects after failures; every command
/// times out after the configured timeout (default 1 s), so an unreachable Redis
/// costs a session one timeout and a local login, never a hang.
///
/// [`RedisStore::new`] takes a URL; [`RedisStore::builder`] also takes an ACL user
/// and, with the feature `redis-tls`, the certificate authority of a `rediss://`
/// server; `RedisStore::cluster` (feature `redis-cluster`) connects to a Redis
/// Cluster. [`RedisStore::ping`] connects at once and says, as a
/// [`RedisStoreError`], what went wrong: call it at start-up to fail fast on a wrong
/// password or an untrusted certificate, which sessions would otherwise only log as
/// warnings while logging in on their own.
///
/// | URL | |
/// |---|---|
/// | `redis://host:6379/0` | plain TCP, database 0 |
/// | `redis://user:password@host/` | an ACL user (`redis://:password@host/`: the `default` user, `requirepass`) |
/// | `rediss://host:6380/` | TLS (feature `redis-tls`), checked against the system's roots or those given to `RedisStoreBuilder::ca_pem` |
///
/// Valkey speaks the same protocol and is expected to work, but is not tested here.
/// Redis Sentinel is not supported: give the store the primary's address (or a proxy
/// that follows failovers).
///
/// TLS uses rustls with the process's default crypto provider: the one rustls's
/// features select (aws-lc-rs, as reqwest here), or the one the application installs
/// with `CryptoProvider::install_default` when its build enables several.
#[derive(Clone)]
pub struct RedisStore {
    target: Target,
    timeout: Duration,
    /// The passwords the store was given, to scrub from every error it reports.
    secrets: Arc<[SecretString]>,
    connection: Arc<tokio::sync::OnceCell<Connection>>,
}

/// What the store connects to.
#[derive(Clone)]
enum Target {
    Single(Arc<redis::Client>),
    #[cfg(feature = "redis-cluster")]
    Cluster(Arc<ClusterTarget>),
}

/// A cluster's first nodes and what every connection to it needs.
#[cfg(feature = "redis-cluster")]
struct ClusterTarget {
    nodes: Vec<redis::ConnectionInfo>,
    #[cfg(feature = "redis-tls")]
    certificates: Option<redis::TlsCertificates>,
}

/// A live connection (which reconnects by itself).
#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    #[cfg(feature = "redis-cluster")]
    Cluster(redis::cluster_async::ClusterConnection),
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.target {
            Target::Single(_) => "single",
            #[cfg(feature = "redis-cluster")]
            Target::Cluster(_) => "cluster",
        };
        f.debug_struct("RedisStore")
            .field("target", &kind)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Why a [`RedisStore`] could not be built or used. Its `Display` and `Debug` never
/// show a password, whether it came in the URL or through
/// [`RedisStoreBuilder::user`].
///
/// The store's [`TokenStore`] methods report these as a [`StoreError`] (with the same
/// message); [`RedisStore::ping`] and [`RedisStoreBuilder::build`] return them as they are.
#[derive(Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RedisStoreError {
    /// The URL or the settings cannot make a connection: a malformed URL, `rediss://`
    /// without the feature `redis-tls`, a certificate authority that is not PEM.
    #[error("Redis store: invalid configuration: {0}")]
    Config(String),
    /// The server refused the user name and password (`WRONGPASS`), or wants some
    /// (`NOAUTH`).
    #[error("Redis store: the server refused the credentials (wrong user name or password)")]
    Auth,
    /// The TLS handshake failed: the server's certificate does not verify against the
    /// trusted roots (or does not name the host), or the server does not speak TLS.
    #[error("Redis store: TLS failed: {0}")]
    Tls(String),
    /// The server could not be reached or did not answer in time.
    #[error("Redis store: unreachable: {0}")]
    Unreachable(String),
    /// The server answered with an error.
    #[error("Redis store: {0}")]
    Command(String),
}

impl std::fmt::Debug for RedisStoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The messages were scrubbed when the error was made.
        let (variant, message) = match self {
            RedisStoreError::Config(m) => ("Config", Some(m)),
            RedisStoreError::Auth => ("Auth", None),
            RedisStoreError::Tls(m) => ("Tls", Some(m)),
            RedisStoreError::Unreachable(m) => ("Unreachable", Some(m)),
            RedisStoreError::Command(m) => ("Command", Some(m)),
        };
        let mut tuple = f.debug_tuple(variant);
        if let Some(message) = message {
            tuple.field(message);
        }
        tuple.finish()
    }
}

impl From<RedisStoreError> for StoreError {
    fn from(e: RedisStoreError) -> Self {
        StoreError(e.to_string())
    }
}

/// `text` with every non-empty secret (as given, and as it appears percent-encoded in
/// a URL) replaced by `[REDACTED]`.
fn scrub(text: String, secrets: &[SecretString]) -> String {
    let mut text = text;
    for secret in secrets {
        let secret = secret.expose_secret();
        if secret.is_empty() {
            continue;
        }
        let encoded =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        for form in [secret, encoded.as_str()] {
            if text.contains(form) {
                text = text.replace(form, crate::REDACTED);
            }
        }
    }
    text
}

/// Whether `e` (or an error it wraps) is a TLS failure.
fn is_tls(e: &redis::RedisError) -> bool {
    #[cfg(feature = "redis-tls")]
    {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(error) = source {
            if error.is::<rustls::Error>() {
                return true;
            }
            if let Some(io) = error.downcast_ref::<std::io::Error>()
                && io
                    .get_ref()
                    .is_some_and(|inner| inner.is::<rustls::Error>())
            {
                return true;
            }
            source = error.source();
        }
        // A cluster reports its nodes' failures as text.
        let text = e.to_string();
        text.contains("invalid peer certificate") || text.contains("InvalidCertificate")
    }
    #[cfg(not(feature = "redis-tls"))]
    {
        let _ = e;
        false
    }
}

/// `e` as one of [`RedisStoreError`]'s kinds, its message scrubbed of `secrets`.
fn classify(e: &redis::RedisError, secrets: &[SecretString]) -> RedisStoreError {
    let text = e.to_string();
    let code = e.code();
    if e.kind() == redis::ErrorKind::AuthenticationFailed
        || matches!(code, Some("WRONGPASS" | "NOAUTH"))
        || text.contains("WRONGPASS")
        || text.contains("NOAUTH")
        // A cluster reports its nodes' failures as text.
        || text.contains("AuthenticationFailed")
    {
        return RedisStoreError::Auth;
    }
    let text = scrub(text, secrets);
    if is_tls(e) {
        RedisStoreError::Tls(text)
    } else if e.kind() == redis::ErrorKind::InvalidClientConfig {
        RedisStoreError::Config(text)
    } else if e.is_io_error()
        || e.is_timeout()
        || e.is_connection_refusal()
        || e.is_connection_dropped()
        || e.kind() == redis::ErrorKind::ClusterConnectionNotFound
    {
        RedisStoreError::Unreachable(text)
    } else {
        RedisStoreError::Command(text)
    }
}

/// How to connect a [`RedisStore`]: made by [`RedisStore::builder`] (one server) or
/// `RedisStore::cluster` (a Redis Cluster, feature `redis-cluster`), finished by
/// [`build`](Self::build).
#[must_use]
pub struct RedisStoreBuilder {
    urls: Vec<String>,
    cluster: bool,
    user: Option<(Option<String>, SecretString)>,
    #[cfg(feature = "redis-tls")]
    ca_pem: Option<Vec<u8>>,
    timeout: Duration,
}

impl std::fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URLs may hold a password.
        f.debug_struct("RedisStoreBuilder")
            .field("nodes", &self.urls.len())
            .field("cluster", &self.cluster)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStoreBuilder {
    fn new(urls: Vec<String>, cluster: bool) -> Self {
        RedisStoreBuilder {
            urls,
            cluster,
            user: None,
            #[cfg(feature = "redis-tls")]
            ca_pem: None,
            timeout: Duration::from_secs(1),
        }
    }

    /// Logs in as the ACL user `username` with `password` (Redis 6+), instead of any
    /// user and password in the URL. A wrong pair is [`RedisStoreError::Auth`].
    pub fn user(mut self, username: impl Into<String>, password: impl Into<SecretString>) -> Self {
        self.user = Some((Some(username.into()), password.into()));
        self
    }

    /// Logs in as the `default` user with `password` (a server's `requirepass`),
    /// instead of any user and password in the URL.
    pub fn password(mut self, password: impl Into<SecretString>) -> Self {
        self.user = Some((None, password.into()));
        self
    }

    /// Trusts the certificate authorities in `pem` (one or more PEM certificates), and
    /// only them, for a `rediss://` server (feature `redis-tls`). Without it, a
    /// `rediss://` server's certificate is checked against the system's roots. A
    /// certificate that does not verify is [`RedisStoreError::Tls`].
    #[cfg(feature = "redis-tls")]
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// How long a connection attempt or a command may take (default 1 s). In a
    /// cluster, a command that meets a moved slot or a failover is retried, within
    /// three times this.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The store; nothing is connected yet ([`RedisStore::ping`] connects).
    pub fn build(self) -> Result<RedisStore, RedisStoreError> {
        let mut secrets: Vec<SecretString> = Vec::new();
        if let Some((_, password)) = &self.user {
            secrets.push(password.clone());
        }
        let mut nodes = Vec::with_capacity(self.urls.len());
        for url in &self.urls {
            // The password in the URL, as written and as decoded, before anything can
            // report the URL.
            if let Ok(parsed) = url::Url::parse(url)
                && let Some(password) = parsed.password()
            {
                secrets.push(SecretString::from(password));
                if let Ok(decoded) = percent_encoding::percent_decode_str(password).decode_utf8() {
                    secrets.push(SecretString::from(decoded.into_owned()));
                }
            }
            if url.starts_with("rediss://") && !cfg!(feature = "redis-tls") {
                return Err(RedisStoreError::Config(
                    "`rediss://` needs auth-runtime's feature `redis-tls`".into(),
                ));
            }
            let info = redis::IntoConnectionInfo::into_connection_info(url.as_str())
                .map_err(|e| classify(&e, &secrets))?;
            let info = match &self.user {
                Some((username, password)) => {
                    let mut settings = info.redis_settings().clone();
                    settings = settings.set_password(password.expose_secret());
                    if let Some(username) = username {
                        settings = settings.set_username(username);
                    }
                    info.set_redis_settings(settings)
                }
                None => info,
            };
            nodes.push(info);
        }
        let secrets: Arc<[SecretString]> = secrets.into();
        #[cfg(feature = "redis-tls")]
        let certificates = self.ca_pem.map(|pem| redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(pem),
        });
        let target = if self.cluster {
            #[cfg(feature = "redis-cluster")]
            {
                if nodes.is_empty() {
                    return Err(RedisStoreError::Config("a cluster needs a node".into()));
                }
                Target::Cluster(Arc::new(ClusterTarget {
                    nodes,
                    #[cfg(feature = "redis-tls")]
                    certificates,
                }))
            }
            #[cfg(not(feature = "redis-cluster"))]
            unreachable!("cluster builders exist only with the feature `redis-cluster`")
        } else {
            let Some(info) = nodes.pop() else {
                return Err(RedisStoreError::Config("no URL".into()));
            };
            #[cfg(feature = "redis-tls")]
            let client = match certificates {
                Some(certificates) => redis::Client::build_with_tls(info, certificates),
                None => redis::Client::open(info),
            };
            #[cfg(not(feature = "redis-tls"))]
            let client = redis::Client::open(info);
            Target::Single(Arc::new(client.map_err(|e| classify(&e, &secrets))?))
        };
        Ok(RedisStore {
            target,
            timeout: self.timeout,
            secrets,
            connection: Arc::default(),
        })
    }
}

impl RedisStore {
    /// A store at `url` (`redis://host:port/db`, `redis://user:password@host/`, or with
    /// the feature `redis-tls` `rediss://host:port/`); nothing is connected yet.
    /// [`builder`](Self::builder) takes more settings.
    pub fn new(url: &str) -> Result<Self, StoreError> {
        Ok(Self::builder(url).build()?)
    }

    /// A store at `url`, with the settings of [`RedisStoreBuilder`] (an ACL user, the
    /// certificate authority of a `rediss://` server, the timeout):
    ///
    /// ```no_run
    /// # fn main() -> Result<(), auth_runtime::store::RedisStoreError> {
    /// use auth_runtime::RedisStore;
    ///
    /// let store = RedisStore::builder("redis://redis.internal:6379/")
    ///     .user("authgen", std::env::var("REDIS_PASSWORD").unwrap_or_default())
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn builder(url: &str) -> RedisStoreBuilder {
        RedisStoreBuilder::new(vec![url.to_owned()], false)
    }

    /// A store in the Redis Cluster that `nodes` belong to (feature `redis-cluster`):
    /// one or more of its nodes' URLs (`redis://` or, with `redis-tls`, `rediss://`; the
    /// others are found from them), all with the same user and password if any.
    ///
    /// The keys of one account — its token, its lease and its refusal — get one hash
    /// tag, so they live in one slot, on one primary: the lease and the record it
    /// guards move and fail together. In a cluster a key `authgen:{vendor}:{account}`
    /// (and its `:lease` and `:refused`) is kept as `authgen:{{vendor}:{account}}`
    /// (and `...}:lease`, `...}:refused`); keys on a single server are unchanged.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), auth_runtime::store::RedisStoreError> {
    /// use auth_runtime::RedisStore;
    ///
    /// let store = RedisStore::cluster(["redis://10.0.0.1:7000/", "redis://10.0.0.2:7000/"])
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "redis-cluster")]
    pub fn cluster<I, S>(nodes: I) -> RedisStoreBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        RedisStoreBuilder::new(nodes.into_iter().map(Into::into).collect(), true)
    }

    /// How long a connection attempt or a command may take (default 1 s). In a
    /// cluster, a command that meets a moved slot or a failover is retried, within
    /// three times this.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects (if not yet connected) and sends `PING`: `Ok` when the server answers,
    /// else what went wrong — a wrong password ([`RedisStoreError::Auth`]), a
    /// certificate that does not verify ([`RedisStoreError::Tls`]), no server
    /// ([`RedisStoreError::Unreachable`]).
    pub async fn ping(&self) -> Result<(), RedisStoreError> {
        let _pong: String = self.run(&redis::cmd("PING")).await?;
        Ok(())
    }

    fn error(&self, e: &redis::RedisError) -> RedisStoreError {
        classify(e, &self.secrets)
    }

    async fn connection(&self) -> Result<Connection, RedisStoreError> {
        let connection = self
            .connection
            .get_or_try_init(|| async {
                match &self.target {
                    Target::Single(client) => {
                        let config = ConnectionManagerConfig::new()
                            .set_connection_timeout(Some(self.timeout))
                            .set_response_timeout(Some(self.timeout))
                            .set_number_of_retries(1)
                            .set_max_delay(self.timeout);
                        ConnectionManager::new_lazy_with_config((**client).clone(), config)
                            .map(Connection::Single)
                            .map_err(|e| self.error(&e))
                    }
                    #[cfg(feature = "redis-cluster")]
                    Target::Cluster(cluster) => self.connect_cluster(cluster).await,
                }
            })
            .await?;
        Ok(connection.clone())
    }

    #[cfg(feature = "redis-cluster")]
    async fn connect_cluster(
        &self,
        cluster: &ClusterTarget,
    ) -> Result<Connection, RedisStoreError> {
        let builder = redis::cluster::ClusterClientBuilder::new(cluster.nodes.iter().cloned())
            .connection_timeout(self.timeout)
            .response_timeout(self.timeout)
            // A primary that fails is replaced within seconds: a few quick retries,
            // the whole bounded by the timeout below.
            .retries(2)
            .min_retry_wait(10)
            .max_retry_wait(self.timeout.as_millis().try_into().unwrap_or(u64::MAX));
        #[cfg(feature = "redis-tls")]
        let builder = match &cluster.certificates {
            Some(certificates) => builder.certs(certificates.clone()),
            None => builder,
        };
        let client = builder.build().map_err(|e| self.error(&e))?;
        match tokio::time::timeout(self.timeout, client.get_async_connection()).await {
            Ok(connected) => connected
                .map(Connection::Cluster)
                .map_err(|e| self.error(&e)),
            Err(_) => Err(RedisStoreError::Unreachable(
                "no node of the cluster answered in time".into(),
            )),
        }
    }

    /// Runs one command on the shared connection.
    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, RedisStoreError> {
        let connection = self.connection().await?;
        let result = match connection {
            Connection::Single(mut manager) => cmd.query_async(&mut manager).await,
            #[cfg(feature = "redis-cluster")]
            Connection::Cluster(mut cluster) => {
                // The cluster connection retries on its own; the whole is bounded.
                match tokio::time::timeout(self.timeout * 3, cmd.query_async(&mut cluster)).await {
                    Ok(result) => result,
                    Err(_) => {
                        return Err(RedisStoreError::Unreachable(
                            "the cluster did not answer in time".into(),
                        ));
                    }
                }
            }
        };
        result.map_err(|e| self.error(&e))
    }

    /// Runs one command, for a [`TokenStore`] method.
    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, StoreError> {
        Ok(self.run(cmd).await?)
    }

    /// The key the store keeps `key` under. On one server, `key` itself. In a
    /// cluster, the account's part gets a hash tag, so that the token's key and the
    /// lease and refusal keys (`suffix`) of one account share a slot.
    fn key<'k>(&self, key: &'k str, suffix: &str) -> std::borrow::Cow<'k, str> {
        match &self.target {
            Target::Single(_) => {
                let _ = suffix;
                key.into()
            }
            #[cfg(feature = "redis-cluster")]
            Target::Cluster(_) => cluster_key(key, suffix).into(),
        }
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
        suffix: &str,
        decode: fn(&[u8]) -> Result<T, &'static str>,
    ) -> Result<Option<T>, StoreError> {
        let Some(bytes) = self.get(&self.key(key, suffix)).await? else {
            return Ok(None);
        };
        Ok(decode(&bytes)
            .inspect_err(|reason| warn_invalid(key, reason))
            .ok())
    }
}

/// `key` with a hash tag around its account: `authgen:{Vendor:account}` (or
/// `{key}` for a key not made by a session), then `suffix` when `key` ends with it.
/// Every key of one account gets the same tag, and two different keys of one kind
/// (token, lease, refusal) never get the same name.
#[cfg(feature = "redis-cluster")]
fn cluster_key(key: &str, suffix: &str) -> String {
    let (base, suffix) = match key.strip_suffix(suffix) {
        Some(base) if !suffix.is_empty() => (base, suffix),
        _ => (key, ""),
    };
    match base.strip_prefix("authgen:") {
        Some(account) => format!("authgen:{{{account}}}{suffix}"),
        None => format!("{{{base}}}{suffix}"),
    }
}

impl TokenStore for RedisStore {
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<SharedToken>, StoreError>> {
        Box::pin(self.get_decoded(key, "", decode))
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a SharedToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("SET");
            cmd.arg(&*self.key(key, "")).arg(encode(token));
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
            cmd.arg(&*self.key(key, ""));
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
            set.arg(&*self.key(key, LEASE_SUFFIX))
                .arg(holder)
                .arg("NX")
                .arg("PX");
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
            release
                .arg(RELEASE)
                .arg(1)
                .arg(&*self.key(key, LEASE_SUFFIX))
                .arg(holder);
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
            extend
                .arg(EXTEND)
                .arg(1)
                .arg(&*self.key(key, LEASE_SUFFIX))
                .arg(holder);
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
            set.arg(&*self.key(key, REFUSAL_SUFFIX))
                .arg(encode_refusal(refusal));
            set.arg("PX").arg(crate::clock::millis(ttl).max(1));
            self.query(&set).await
        })
    }

    fn load_refusal<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<SharedRefusal>, StoreError>> {
        Box::pin(self.get_decoded(key, REFUSAL_SUFFIX, decode_refusal))
    }
}

#[cfg(all(test, feature = "redis-cluster"))]
mod tests {
    use super::cluster_key;

    /// What Redis Cluster hashes of `key`: the text between the first `{` and the
    /// first `}` after it, when not empty; else the whole key.
    fn hashed(key: &str) -> &str {
        if let Some(open) = key.find('{')
            && let Some(close) = key[open + 1..].find('}')
            && close > 0
        {
            return &key[open + 1..open + 1 + close];
        }
        key
    }

    #[test]
    fn the_keys_of_one_account_share_a_hash_tag() {
        let token = cluster_key("authgen:Modulus:acct", "");
        let lease = cluster_key("authgen:Modulus:acct:lease", ":lease");
        let refused = cluster_key("authgen:Modulus:acct:refused", ":refused");
        assert_eq!(token, "authgen:{Modulus:acct}");
        assert_eq!(lease, "authgen:{Modulus:acct}:lease");
        assert_eq!(refused, "authgen:{Modulus:acct}:refused");
        for key in [&token, &lease, &refused] {
            assert_eq!(hashed(key), "Modulus:acct");
        }
        // An account named like a lease is not another account's lease.
        assert_ne!(
            cluster_key("authgen:Modulus:acct:lease", ""),
            cluster_key("authgen:Modulus:acct:lease", ":lease")
        );
        // A key not made by a session, and braces inside an account: still one tag.
        assert_eq!(cluster_key("mine:lease", ":lease"), "{mine}:lease");
        assert_eq!(
            hashed(&cluster_key("authgen:V:a}b", "")),
            hashed(&cluster_key("authgen:V:a}b:lease", ":lease"))
        );
    }
}
