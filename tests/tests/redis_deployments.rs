//! `RedisStore` where services keep Redis (issue 23): over TLS (`rediss://`, a
//! certificate authority of the test's own, made by rcgen), with an ACL user, and in a
//! Redis Cluster of three primaries made by `redis-cli --cluster create`.
//!
//! Each test starts its own `redis-server` processes on free loopback ports, in a
//! temporary directory, and stops them afterwards. Without `redis-server` (or when it
//! was built without TLS, or cannot make a cluster) a test says on one line that it did
//! not run, and passes — unless `AUTHGEN_REQUIRE_REDIS=1` (CI), when it fails.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use auth_runtime::store::RedisStoreError;
use auth_runtime::{Clock, RedisStore, Session, StoreSecret, TokenStore};
use auth_sim::{Sim, currencycloud, modulus};
use auth_vendors::modulus::ModulusCredentials;
use auth_vendors::{Currencycloud, Modulus};
use authgen_tests::advance;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

const REPLICAS: usize = 4;
const TASKS: usize = 25;
const EXPIRY: Duration = Duration::from_secs(16 * 60);

/// Set to `1` (as CI does) to fail, rather than skip, the tests that need `redis-server`.
const REQUIRE_REDIS: &str = "AUTHGEN_REQUIRE_REDIS";

fn required() -> bool {
    std::env::var(REQUIRE_REDIS).as_deref() == Ok("1")
}

/// Says on stderr, past the harness's capture, that this test did not run and why; or
/// fails it when `AUTHGEN_REQUIRE_REDIS=1`.
fn skipped(why: &str) {
    assert!(!required(), "{REQUIRE_REDIS}=1 but {why}");
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a Redis deployment test");
    // One write, so that lines of tests skipped at once do not interleave.
    let line = format!("{test}: skipped: {why} (set {REQUIRE_REDIS}=1 to make this a failure)\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Returns from the test (which then passes) after one line saying why, when `$e` is
/// `Err(why)` and Redis is not required.
macro_rules! or_skip {
    ($e:expr) => {
        match $e {
            Ok(value) => value,
            Err(why) => return skipped(&why),
        }
    };
}

/// A directory of this test's own, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("authgen-redis-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A loopback port free now (and, for a cluster node, its bus port 10000 above).
fn free_port(with_bus: bool) -> u16 {
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        if !with_bus {
            return port;
        }
        if port < 55_000 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

/// A `redis-server` of this test's own; killed on drop.
struct Server {
    port: u16,
    child: Option<Child>,
    /// `--tls --cacert <file>` for `redis-cli`, when the server speaks TLS only.
    cli_tls: Vec<String>,
}

impl Server {
    /// Starts `redis-server` on a free port with `args` (the port's argument is added:
    /// `--port`, or `--tls-port` when `cli_tls` is given), logging to `dir`. `Err` with
    /// the reason when it cannot run: not installed, or exited (its log says why).
    fn start(
        dir: &Path,
        args: &[String],
        cli_tls: Vec<String>,
        bus: bool,
    ) -> Result<Server, String> {
        for _ in 0..10 {
            let port = free_port(bus);
            let log = dir.join(format!("redis-{port}.log"));
            let mut command = Command::new("redis-server");
            if cli_tls.is_empty() {
                command.args(["--port", &port.to_string()]);
            } else {
                command.args(["--port", "0", "--tls-port", &port.to_string()]);
            }
            command
                .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .args(["--dir", &dir.display().to_string()])
                .args(["--logfile", &log.display().to_string()])
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let mut child = match command.spawn() {
                Ok(child) => child,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err("redis-server not found; install it to run the Redis \
                                deployment tests"
                        .into());
                }
                Err(e) => panic!("cannot run `redis-server`: {e}"),
            };
            // The tests talk to their servers with redis-cli, installed beside it.
            if let Err(e) = Command::new("redis-cli").arg("--version").output() {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("redis-cli cannot run ({e}); install redis-server"));
            }
            let mut server = Server {
                port,
                child: Some(child),
                cli_tls: cli_tls.clone(),
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let exited = server
                    .child
                    .as_mut()
                    .is_some_and(|child| matches!(child.try_wait(), Ok(Some(_))));
                if exited {
                    let log = std::fs::read_to_string(&log).unwrap_or_default();
                    if log.contains("Address already in use") {
                        break; // another port
                    }
                    return Err(format!(
                        "redis-server refused these settings ({}): {}",
                        args.join(" "),
                        log.lines().last().unwrap_or("no log")
                    ));
                }
                if server.cli(&["PING"]).trim() == "PONG" {
                    return Ok(server);
                }
                assert!(Instant::now() < deadline, "redis-server did not start");
                std::thread::sleep(Duration::from_millis(30));
            }
        }
        panic!("redis-server could not start on a free port in 10 tries");
    }

    /// What `redis-cli` prints for `args` sent to this server (empty when it cannot run).
    fn cli(&self, args: &[&str]) -> String {
        cli(self.port, &self.cli_tls, args)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn cli(port: u16, tls: &[String], args: &[&str]) -> String {
    Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(tls)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default()
}

fn base(sim: &Sim) -> String {
    format!("{}{}", sim.base_url(), modulus::prefix(modulus::ACCOUNT))
}

fn credentials() -> ModulusCredentials {
    Modulus::credentials()
        .app(modulus::APP)
        .secret(modulus::SECRET)
        .build()
}

/// A Modulus replica sharing `store` under the account key `acct`.
fn replica(sim: &Sim, clock: &Clock, store: impl TokenStore) -> Session<Modulus> {
    Session::builder(
        Modulus::new(modulus::ACCOUNT).with_base_url(base(sim)),
        credentials(),
    )
    .clock(clock.clone())
    .store_plaintext(store)
    .store_key("acct")
    .build()
    .expect("session")
}

/// `TASKS` concurrent callers on every replica; every one must get a token within 20 s.
async fn storm(replicas: &[Session<Modulus>]) -> Vec<String> {
    let tasks: Vec<_> = replicas
        .iter()
        .flat_map(|session| {
            (0..TASKS).map(move |_| {
                let session = session.clone();
                tokio::spawn(async move {
                    let token = session.token().await.expect("token");
                    token.expose_secret().to_owned()
                })
            })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(
            tokio::time::timeout(Duration::from_secs(20), task)
                .await
                .expect("no caller hangs")
                .expect("task"),
        );
    }
    tokens
}

/// Replicas, each with its own store from `store`, log in once per expiry between them.
async fn one_login_per_expiry(store: impl Fn() -> RedisStore) {
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|_| replica(&sim, &clock, store()))
        .collect();
    let tokens = storm(&replicas).await;
    assert_eq!(
        sim.modulus().logins(),
        1,
        "one login for all on a cold store"
    );
    assert!(tokens.iter().all(|t| *t == tokens[0]), "one token shared");

    // A replica starting later reuses the stored token.
    let late = replica(&sim, &clock, store());
    assert_eq!(
        late.token().await.expect("token").expose_secret(),
        tokens[0]
    );
    assert_eq!(sim.modulus().logins(), 1);

    advance(&sim, &clock, EXPIRY);
    let renewed = storm(&replicas).await;
    assert_eq!(sim.modulus().logins(), 2, "exactly one more after expiry");
    assert!(renewed.iter().all(|t| *t == renewed[0] && *t != tokens[0]));
}

// ---------------------------------------------------------------------------------
// TLS

/// A certificate authority: its certificate (PEM) and the issuer that signs with it.
fn authority(name: &str) -> (String, CertifiedIssuer<'static, KeyPair>) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, name);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("CA key")).expect("CA");
    (ca.pem(), ca)
}

/// A `redis-server` speaking TLS only, with a certificate for `127.0.0.1` and
/// `localhost` signed by `ca`; the CA's PEM is in `dir/ca.pem` for `redis-cli`.
/// The settings of a `redis-server` speaking TLS with a certificate for `127.0.0.1`
/// and `localhost` signed by `ca` (files in `dir`), and `redis-cli`'s TLS arguments.
fn tls_settings(
    dir: &Path,
    ca: &(String, CertifiedIssuer<'static, KeyPair>),
) -> (Vec<String>, Vec<String>) {
    let key = KeyPair::generate().expect("server key");
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("server params")
        .signed_by(&key, &ca.1)
        .expect("server certificate");
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write PEM");
        path.display().to_string()
    };
    let cert = file("server.pem", &cert.pem());
    let key = file("server.key", &key.serialize_pem());
    let ca_file = file("ca.pem", &ca.0);
    let args = [
        "--tls-cert-file",
        &cert,
        "--tls-key-file",
        &key,
        "--tls-ca-cert-file",
        &ca_file,
        "--tls-auth-clients",
        "no",
    ]
    .map(String::from)
    .to_vec();
    (args, vec!["--tls".into(), "--cacert".into(), ca_file])
}

/// A `redis-server` speaking TLS only, with a certificate for `127.0.0.1` and
/// `localhost` signed by `ca`.
fn tls_server(
    dir: &Path,
    ca: &(String, CertifiedIssuer<'static, KeyPair>),
) -> Result<Server, String> {
    let (args, cli_tls) = tls_settings(dir, ca);
    Server::start(dir, &args, cli_tls, false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_with_our_own_authority_replicas_log_in_once_per_expiry() {
    let dir = TempDir::new("tls");
    let ca = authority("authgen test Redis CA");
    let server = or_skip!(tls_server(&dir.0, &ca));
    let url = format!("rediss://127.0.0.1:{}/", server.port);
    let store = || {
        RedisStore::builder(&url)
            .ca_pem(ca.0.as_bytes())
            .build()
            .expect("TLS store")
    };
    store()
        .ping()
        .await
        .expect("the server's certificate verifies");
    one_login_per_expiry(store).await;
    // What the replicas shared went over TLS, into this server.
    assert_eq!(server.cli(&["EXISTS", "authgen:Modulus:acct"]).trim(), "1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_whose_certificate_another_authority_signed_is_refused() {
    let dir = TempDir::new("tls-other");
    let ca = authority("authgen test Redis CA");
    let server = or_skip!(tls_server(&dir.0, &ca));
    let url = format!("rediss://127.0.0.1:{}/", server.port);
    let (other, _) = authority("another CA");

    let store = RedisStore::builder(&url)
        .ca_pem(other.as_bytes())
        .build()
        .expect("TLS store");
    match store.ping().await {
        Err(RedisStoreError::Tls(message)) => {
            assert!(message.contains("certificate"), "{message}");
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
    // A session's store calls fail too (the session then logs in on its own).
    let error = store
        .load("authgen:Modulus:acct")
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("TLS"), "{error}");
    // Nor is the server trusted through the system's roots.
    let system = RedisStore::builder(&url).build().expect("TLS store");
    assert!(
        matches!(system.ping().await, Err(RedisStoreError::Tls(_))),
        "a server our own CA signed is not trusted by the system's roots"
    );
    // Nothing reached the server.
    assert_eq!(server.cli(&["DBSIZE"]).trim(), "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_server_behind_a_rediss_url_is_a_tls_error_not_a_hang() {
    let dir = TempDir::new("tls-plain");
    let server = or_skip!(Server::start(&dir.0, &[], Vec::new(), false));
    let (ca, _) = authority("authgen test Redis CA");
    let store = RedisStore::builder(&format!("rediss://127.0.0.1:{}/", server.port))
        .ca_pem(ca.as_bytes())
        .build()
        .expect("TLS store");
    let started = Instant::now();
    let error = store.ping().await.expect_err("no TLS there");
    assert!(
        matches!(
            error,
            RedisStoreError::Tls(_) | RedisStoreError::Unreachable(_)
        ),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

// ---------------------------------------------------------------------------------
// ACL

const RIGHT: &str = "r1ght-Pa55word";
const WRONG: &str = "wr0ng-Pa55word:@/?";

/// A server whose `default` user is off and whose user `authgen` has the password
/// `RIGHT` and every right.
fn acl_server(dir: &Path) -> Result<Server, String> {
    let server = Server::start(dir, &[], Vec::new(), false)?;
    let set = server.cli(&[
        "ACL",
        "SETUSER",
        "authgen",
        "on",
        &format!(">{RIGHT}"),
        "~*",
        "+@all",
    ]);
    assert_eq!(set.trim(), "OK", "ACL SETUSER");
    let off = server.cli(&["ACL", "SETUSER", "default", "off"]);
    assert_eq!(off.trim(), "OK", "ACL SETUSER default off");
    Ok(server)
}

/// `error` is the typed refusal of the credentials and shows no password, nor does
/// the `StoreError` a session would log.
async fn refused_without_the_password(store: &RedisStore) {
    let error = store.ping().await.expect_err("wrong password");
    assert!(matches!(error, RedisStoreError::Auth), "{error:?}");
    let encoded = "wr0ng-Pa55word%3A%40%2F%3F";
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        format!("{store:?}"),
    ] {
        for secret in [WRONG, RIGHT, encoded, "wr0ng"] {
            assert!(!shown.contains(secret), "{shown:?} shows {secret:?}");
        }
    }
    let store_error = store
        .load("authgen:Modulus:acct")
        .await
        .expect_err("refused");
    for shown in [store_error.to_string(), format!("{store_error:?}")] {
        assert!(shown.contains("credentials"), "{shown}");
        assert!(!shown.contains("wr0ng"), "{shown:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_acl_password_is_a_typed_error_that_shows_no_password() {
    let dir = TempDir::new("acl");
    let server = or_skip!(acl_server(&dir.0));
    let url = format!("redis://127.0.0.1:{}/", server.port);

    // Given by the builder.
    let store = RedisStore::builder(&url)
        .user("authgen", WRONG)
        .build()
        .expect("store");
    refused_without_the_password(&store).await;

    // Given in the URL (percent-encoded there).
    let with_url = format!(
        "redis://authgen:wr0ng-Pa55word%3A%40%2F%3F@127.0.0.1:{}/",
        server.port
    );
    let store = RedisStore::new(&with_url).expect("store");
    refused_without_the_password(&store).await;

    // No user at all, with the default user off: NOAUTH, the same typed error.
    let store = RedisStore::new(&url).expect("store");
    assert!(matches!(store.ping().await, Err(RedisStoreError::Auth)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_right_acl_user_replicas_log_in_once_per_expiry() {
    let dir = TempDir::new("acl-right");
    let server = or_skip!(acl_server(&dir.0));
    // In the URL for some replicas, by the builder (overriding a wrong one in the URL)
    // for the others.
    let url = format!("redis://authgen:{RIGHT}@127.0.0.1:{}/", server.port);
    let wrong_url = format!("redis://authgen:nope@127.0.0.1:{}/", server.port);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let store = || {
        if next
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .is_multiple_of(2)
        {
            RedisStore::new(&url).expect("store")
        } else {
            RedisStore::builder(&wrong_url)
                .user("authgen", RIGHT)
                .build()
                .expect("store")
        }
    };
    store().ping().await.expect("the right user");
    one_login_per_expiry(store).await;
}

// ---------------------------------------------------------------------------------
// Cluster

/// A Redis Cluster of this test's own: `primaries` primaries, each with `replicas`
/// replicas, made by `redis-cli --cluster create`.
struct Cluster {
    nodes: Vec<Server>,
    /// `redis-cli`'s TLS arguments, when the cluster speaks TLS only.
    cli_tls: Vec<String>,
}

impl Cluster {
    fn start(dir: &Path, primaries: usize, replicas: usize) -> Result<Cluster, String> {
        Self::start_with(dir, primaries, replicas, None)
    }

    /// [`Cluster::start`], speaking TLS only (between its nodes too) with a
    /// certificate `ca` signed, when given.
    fn start_with(
        dir: &Path,
        primaries: usize,
        replicas: usize,
        ca: Option<&(String, CertifiedIssuer<'static, KeyPair>)>,
    ) -> Result<Cluster, String> {
        let (mut tls_args, cli_tls) = match ca {
            Some(ca) => tls_settings(dir, ca),
            None => (Vec::new(), Vec::new()),
        };
        if ca.is_some() {
            tls_args.extend(["--tls-cluster", "yes", "--tls-replication", "yes"].map(String::from));
        }
        let mut nodes = Vec::new();
        for n in 0..primaries * (1 + replicas) {
            let mut args = [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                &format!("nodes-{n}.conf"),
                "--cluster-node-timeout",
                "1000",
                // A replica's first sync starts at once (not 5 s later).
                "--repl-diskless-sync-delay",
                "0",
            ]
            .map(String::from)
            .to_vec();
            args.extend(tls_args.iter().cloned());
            nodes.push(Server::start(dir, &args, cli_tls.clone(), true)?);
        }
        let addresses: Vec<String> = nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port))
            .collect();
        let created = Command::new("redis-cli")
            .args(&cli_tls)
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run `redis-cli --cluster create`: {e}"))?;
        if !created.status.success() {
            return Err(format!(
                "`redis-cli --cluster create` failed: {}",
                String::from_utf8_lossy(&created.stdout)
                    .lines()
                    .chain(String::from_utf8_lossy(&created.stderr).lines())
                    .last()
                    .unwrap_or("")
            ));
        }
        let cluster = Cluster { nodes, cli_tls };
        cluster.wait_until_ok(&cluster.nodes.iter().map(|n| n.port).collect::<Vec<_>>());
        // A replica that never synced with its primary cannot take over from it.
        let deadline = Instant::now() + Duration::from_secs(30);
        for node in &cluster.nodes {
            loop {
                let info = node.cli(&["INFO", "replication"]);
                if info.contains("role:master") || info.contains("master_link_status:up") {
                    break;
                }
                assert!(Instant::now() < deadline, "a replica never synced: {info}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Ok(cluster)
    }

    /// Waits until every node in `ports` says the cluster is ok and knows every slot's
    /// primary.
    fn wait_until_ok(&self, ports: &[u16]) {
        let deadline = Instant::now() + Duration::from_secs(30);
        for &port in ports {
            while !cli(port, &self.cli_tls, &["CLUSTER", "INFO"]).contains("cluster_state:ok") {
                assert!(
                    Instant::now() < deadline,
                    "the cluster never came up: {port} sees {}",
                    cli(port, &self.cli_tls, &["CLUSTER", "NODES"])
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    fn urls(&self) -> Vec<String> {
        let scheme = if self.cli_tls.is_empty() {
            "redis"
        } else {
            "rediss"
        };
        self.nodes
            .iter()
            .map(|node| format!("{scheme}://127.0.0.1:{}/", node.port))
            .collect()
    }

    /// The index of the node serving `slot` as primary, as `port`'s node sees it.
    fn primary_of(&self, slot: u16, port: u16) -> Option<usize> {
        let nodes = cli(port, &self.cli_tls, &["CLUSTER", "NODES"]);
        for line in nodes.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 9 || !fields[2].contains("master") || fields[2].contains("fail") {
                continue;
            }
            let serves = fields[8..].iter().any(|range| {
                let mut bounds = range.split('-').filter_map(|b| b.parse::<u16>().ok());
                match (bounds.next(), bounds.next()) {
                    (Some(lo), Some(hi)) => (lo..=hi).contains(&slot),
                    (Some(only), None) => only == slot,
                    _ => false,
                }
            });
            if serves {
                let node_port: u16 = fields[1]
                    .split(['@', ':'])
                    .nth(1)
                    .and_then(|p| p.parse().ok())?;
                return self.nodes.iter().position(|n| n.port == node_port);
            }
        }
        None
    }

    fn slot(&self, key: &str) -> u16 {
        self.nodes[0]
            .cli(&["CLUSTER", "KEYSLOT", key])
            .trim()
            .parse()
            .expect("a slot")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_cluster_of_three_primaries_replicas_log_in_once_per_expiry() {
    let dir = TempDir::new("cluster");
    let cluster = or_skip!(Cluster::start(&dir.0, 3, 0));
    let urls = cluster.urls();
    // Each replica knows one node; the others are found from it.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let store = || {
        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        RedisStore::cluster([urls[n % urls.len()].clone()])
            .build()
            .expect("cluster store")
    };
    store().ping().await.expect("the cluster answers");
    one_login_per_expiry(&store).await;

    // The account's keys share a hash tag, so one slot; the token is on its primary.
    let token = "authgen:{Modulus:acct}";
    let slot = cluster.slot(token);
    for key in [
        "authgen:{Modulus:acct}:lease",
        "authgen:{Modulus:acct}:refused",
    ] {
        assert_eq!(cluster.slot(key), slot, "{key}");
    }
    let primary = cluster
        .primary_of(slot, cluster.nodes[0].port)
        .expect("a primary");
    assert_eq!(cluster.nodes[primary].cli(&["EXISTS", token]).trim(), "1");
    // On a single server the key would have had no braces.
    let plain = cluster.nodes[primary].cli(&["EXISTS", "authgen:Modulus:acct"]);
    assert_ne!(plain.trim(), "1");

    // The lease's compare-and-set scripts run in the account's slot.
    let store = store();
    let lease = "authgen:Modulus:other:lease";
    let ttl = Duration::from_secs(30);
    assert!(store.try_lease(lease, "a", ttl).await.expect("lease"));
    assert!(!store.try_lease(lease, "b", ttl).await.expect("lease"));
    assert!(!store.extend_lease(lease, "b", ttl).await.expect("extend"));
    assert!(store.extend_lease(lease, "a", ttl).await.expect("extend"));
    store.release(lease, "b").await.expect("release");
    assert!(!store.try_lease(lease, "b", ttl).await.expect("lease"));
    store.release(lease, "a").await.expect("release");
    assert!(store.try_lease(lease, "b", ttl).await.expect("lease"));
    let slot = cluster.slot("authgen:{Modulus:other}:lease");
    let primary = cluster
        .primary_of(slot, cluster.nodes[0].port)
        .expect("a primary");
    assert_eq!(
        cluster.nodes[primary]
            .cli(&["GET", "authgen:{Modulus:other}:lease"])
            .trim(),
        "b"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_killed_during_a_storm_costs_at_most_one_extra_login() {
    let dir = TempDir::new("cluster-failover");
    let mut cluster = or_skip!(Cluster::start(&dir.0, 3, 1));
    let urls = cluster.urls();
    let store = || {
        RedisStore::cluster(urls.clone())
            .timeout(Duration::from_secs(2))
            .build()
            .expect("cluster store")
    };
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|_| replica(&sim, &clock, store()))
        .collect();
    storm(&replicas).await;
    assert_eq!(sim.modulus().logins(), 1);

    // The primary serving the account's slot dies while callers keep calling.
    let slot = cluster.slot("authgen:{Modulus:acct}");
    let victim = cluster
        .primary_of(slot, cluster.nodes[0].port)
        .expect("a primary");
    // Let the replica catch up with the token first.
    std::thread::sleep(Duration::from_millis(300));
    let calls = {
        let replicas = replicas.clone();
        tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(3);
            let mut calls = 0;
            while Instant::now() < deadline {
                storm(&replicas).await;
                calls += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            calls
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    cluster.nodes[victim].stop();
    let calls = calls.await.expect("callers");
    assert!(calls > 0, "calls went on");
    assert_eq!(
        sim.modulus().logins(),
        1,
        "no login while the token is fresh"
    );

    // A replica takes over the slot; then the token is renewed once between the
    // replicas (one more when the token or the lease had not reached the new primary).
    let alive: Vec<u16> = (0..cluster.nodes.len())
        .filter(|&n| n != victim)
        .map(|n| cluster.nodes[n].port)
        .collect();
    cluster.wait_until_ok(&alive);
    let deadline = Instant::now() + Duration::from_secs(30);
    while cluster
        .primary_of(slot, alive[0])
        .is_none_or(|p| p == victim)
    {
        assert!(Instant::now() < deadline, "no replica took over");
        std::thread::sleep(Duration::from_millis(100));
    }
    advance(&sim, &clock, EXPIRY);
    let renewed = storm(&replicas).await;
    let logins = sim.modulus().logins();
    assert!(
        (2..=3).contains(&logins),
        "one login per expiry, at most one extra for the failover: {logins}"
    );
    // The replicas share the new token again, and a late one adopts it.
    let again = storm(&replicas).await;
    assert!(
        again.iter().all(|t| *t == again[0]),
        "one token shared again"
    );
    let late = replica(&sim, &clock, store());
    assert_eq!(late.token().await.expect("token").expose_secret(), again[0]);
    assert_eq!(sim.modulus().logins(), logins);
    drop(renewed);
}

/// A Currencycloud replica logging in with `api_key`, sharing `store` sealed under one
/// secret.
fn currencycloud_replica(
    sim: &Sim,
    api_key: &str,
    store: RedisStore,
    refusal_hold: Duration,
) -> Session<Currencycloud> {
    let provider = Currencycloud::new(format!("{}{}", sim.base_url(), currencycloud::PREFIX));
    let credentials = Currencycloud::credentials()
        .login_id(currencycloud::LOGIN_ID)
        .api_key(api_key)
        .build()
        .expect("well-formed");
    Session::builder(provider, credentials)
        .refusal_hold(refusal_hold)
        .store(store, StoreSecret::from_bytes([42; 32]))
        .build()
        .expect("session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_cluster_a_refusal_is_shared_and_a_wrong_acl_password_is_a_typed_error() {
    let dir = TempDir::new("cluster-refusal");
    let cluster = or_skip!(Cluster::start(&dir.0, 3, 0));
    let urls = cluster.urls();
    let sim = Sim::start().await;
    let wrong_key = "0".repeat(currencycloud::API_KEY_LEN);
    let hold = Duration::from_secs(60);
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|n| {
            let store = RedisStore::cluster([urls[n % urls.len()].clone()])
                .build()
                .expect("cluster store");
            currencycloud_replica(&sim, &wrong_key, store, hold)
        })
        .collect();

    // Every caller of every replica is refused; one login was tried between them.
    let tasks: Vec<_> = replicas
        .iter()
        .flat_map(|session| {
            (0..TASKS).map(move |_| {
                let session = session.clone();
                tokio::spawn(async move { session.token().await.is_err() })
            })
        })
        .collect();
    for task in tasks {
        let refused = tokio::time::timeout(Duration::from_secs(20), task)
            .await
            .expect("no caller hangs")
            .expect("task");
        assert!(refused, "a wrong key is refused");
    }
    assert_eq!(
        sim.currencycloud().failed_logins(),
        1,
        "one failed login for all"
    );
    assert!(!sim.currencycloud().is_locked());
    // The refusal (sealed) is in the cluster, under a key of the account's slot.
    let refusals: Vec<String> = cluster
        .nodes
        .iter()
        .flat_map(|node| {
            node.cli(&["KEYS", "authgen:{Currencycloud:*}:refused"])
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|key| !key.trim().is_empty())
        .collect();
    assert_eq!(refusals.len(), 1, "{refusals:?}");

    // The cluster's nodes now want the ACL user `authgen`.
    for node in &cluster.nodes {
        let set = node.cli(&[
            "ACL",
            "SETUSER",
            "authgen",
            "on",
            &format!(">{RIGHT}"),
            "~*",
            "+@all",
        ]);
        assert_eq!(set.trim(), "OK");
    }
    for node in &cluster.nodes {
        assert_eq!(node.cli(&["ACL", "SETUSER", "default", "off"]).trim(), "OK");
    }
    let store = RedisStore::cluster(urls.clone())
        .user("authgen", WRONG)
        .build()
        .expect("cluster store");
    let error = store.ping().await.expect_err("wrong password");
    assert!(matches!(error, RedisStoreError::Auth), "{error:?}");
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        format!("{store:?}"),
    ] {
        assert!(
            !shown.contains("wr0ng") && !shown.contains(RIGHT),
            "{shown:?}"
        );
    }
    let store = RedisStore::cluster(urls)
        .user("authgen", RIGHT)
        .build()
        .expect("cluster store");
    store.ping().await.expect("the right user");
    assert!(
        store
            .load_refusal(refusals[0].trim().replace(['{', '}'], "").as_str())
            .await
            .expect("read as authgen")
            .is_some(),
        "the refusal, read back through the store's own key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_cluster_over_tls_replicas_log_in_once_per_expiry_and_another_ca_is_refused() {
    let dir = TempDir::new("cluster-tls");
    let ca = authority("authgen test Redis CA");
    let cluster = or_skip!(Cluster::start_with(&dir.0, 3, 0, Some(&ca)));
    let urls = cluster.urls();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let store = || {
        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        RedisStore::cluster([urls[n % urls.len()].clone()])
            .ca_pem(ca.0.as_bytes())
            .build()
            .expect("cluster store")
    };
    store()
        .ping()
        .await
        .expect("every node's certificate verifies");
    one_login_per_expiry(&store).await;
    let slot = cluster.slot("authgen:{Modulus:acct}");
    let primary = cluster
        .primary_of(slot, cluster.nodes[0].port)
        .expect("a primary");
    assert_eq!(
        cluster.nodes[primary]
            .cli(&["EXISTS", "authgen:{Modulus:acct}"])
            .trim(),
        "1"
    );

    let (other, _) = authority("another CA");
    let store = RedisStore::cluster(urls)
        .ca_pem(other.as_bytes())
        .build()
        .expect("cluster store");
    let error = store.ping().await.expect_err("another CA");
    assert!(matches!(error, RedisStoreError::Tls(_)), "{error:?}");
}
