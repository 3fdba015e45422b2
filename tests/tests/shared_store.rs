//! Sessions sharing one vendor account through a token store (issue 9): "replicas" —
//! separate sessions, each with its own cache and its own Redis connection — log in
//! once between them per expiry, take over a lease whose holder died, coordinate the
//! re-login after a rejection, and keep serving on their own when Redis goes away.
//!
//! Each test that needs Redis starts its own `redis-server` on a free loopback port (no
//! persistence) and stops it afterwards. Without the binary such a test says on one line
//! that it did not run, and passes — unless `AUTHGEN_REQUIRE_REDIS=1` (CI), when it fails.

use std::io::Write;
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auth_runtime::ExposeSecret as _;
use auth_runtime::{
    Clock, MemoryStore, RedisStore, Session, SessionBuilder, SharedToken, StoreError, StoreSecret,
    TokenStore, WireFormat,
};
use auth_sim::{Sim, currencycloud, modulus};
use auth_vendors::modulus::ModulusCredentials;
use auth_vendors::{CrmCom, Currencycloud, Modulus};
use authgen_tests::{Logs, advance};
use futures::future::BoxFuture;

const REPLICAS: usize = 4;
const TASKS: usize = 50;
const EXPIRY: Duration = Duration::from_secs(16 * 60);

/// A `redis-server` of this test's own; killed on drop.
struct Redis {
    port: u16,
    child: Option<Child>,
}

/// Set to `1` (as CI does) to fail, rather than skip, the tests that need `redis-server`.
const REQUIRE_REDIS: &str = "AUTHGEN_REQUIRE_REDIS";

/// Starts this test's `redis-server`, or returns from the test (which then passes) with
/// one line saying why it did not run, when the binary is missing and
/// `AUTHGEN_REQUIRE_REDIS=1` is not set.
macro_rules! redis_or_skip {
    () => {
        match Redis::start() {
            Some(redis) => redis,
            None => return skipped(),
        }
    };
}

/// Whether a Redis server on `port` answers `PING`.
fn answers_ping(port: u16) -> bool {
    use std::io::Read as _;
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut reply = [0u8; 7];
    stream.write_all(b"*1\r\n$4\r\nPING\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}

/// Says on stderr, past the test harness's capture, that this test did not run (the
/// harness names the test's thread after it).
fn skipped() {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a shared-store test");
    let _ = writeln!(
        std::io::stderr(),
        "{test}: skipped: redis-server not found; install it to run the shared-store tests \
         against Redis (set {REQUIRE_REDIS}=1 to make this a failure)"
    );
}

impl Redis {
    /// `None` when `redis-server` is not installed (unless it is required).
    fn start() -> Option<Redis> {
        // A port found free may be taken by another test before redis-server binds it;
        // the server then exits, and another port is tried.
        for _ in 0..10 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            if let Some(started) = Self::spawn_on(port)? {
                return Some(started);
            }
        }
        panic!("redis-server could not start on a free port in 10 tries");
    }

    /// A server on `port` again (after [`Redis::stop`]).
    fn start_on(port: u16) -> Option<Redis> {
        Self::spawn_on(port).map(|started| started.expect("redis-server could not bind its port"))
    }

    /// `None` when `redis-server` is not installed (unless it is required); `Some(None)`
    /// when it exited, its port taken; else the server, once it answers PING itself.
    fn spawn_on(port: u16) -> Option<Option<Redis>> {
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                assert!(
                    std::env::var(REQUIRE_REDIS).as_deref() != Ok("1"),
                    "{REQUIRE_REDIS}=1 but `redis-server` is not on PATH: install it with \
                     `apt-get update && apt-get install -y redis-server`"
                );
                return None;
            }
            Err(e) => panic!("cannot run `redis-server`: {e}"),
        };
        let mut redis = Redis {
            port,
            child: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let exited = redis
                .child
                .as_mut()
                .is_some_and(|child| matches!(child.try_wait(), Ok(Some(_))));
            if exited {
                return Some(None);
            }
            // Another test's server may hold the port: only our own answers PONG while
            // our process lives.
            if answers_ping(port) {
                return Some(Some(redis));
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn store(&self) -> RedisStore {
        RedisStore::new(&self.url()).expect("redis url")
    }

    /// Sends one command in RESP, e.g. to plant a lease as a dead holder would leave it.
    fn command(&self, args: &[&str]) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(request.as_bytes()).expect("write");
        let mut reply = [0_u8; 64];
        let _ = std::io::Read::read(&mut stream, &mut reply).expect("reply");
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
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

fn replica(sim: &Sim, clock: &Clock, store: Option<impl TokenStore>) -> Session<Modulus> {
    let provider = Modulus::new(modulus::ACCOUNT).with_base_url(base(sim));
    let builder = Session::builder(provider, credentials()).clock(clock.clone());
    match store {
        Some(store) => builder.store_plaintext(store),
        None => builder,
    }
    .build()
    .expect("session")
}

/// Runs `call` as `TASKS` concurrent tasks on every replica; what each returned.
/// Every task must finish within 20 s: no caller may hang.
async fn on_every_replica<P, T, F>(replicas: &[Session<P>], call: fn(Session<P>) -> F) -> Vec<T>
where
    P: auth_runtime::Provider,
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let tasks: Vec<_> = replicas
        .iter()
        .flat_map(|session| (0..TASKS).map(move |_| tokio::spawn(call(session.clone()))))
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(
            tokio::time::timeout(Duration::from_secs(20), task)
                .await
                .expect("no caller hangs")
                .expect("task"),
        );
    }
    results
}

/// `TASKS` concurrent callers on every replica; every one must get a token.
async fn storm(replicas: &[Session<Modulus>]) -> Vec<String> {
    on_every_replica(replicas, |session| async move {
        let token = session.token().await.expect("token");
        token.expose_secret().to_owned()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_sharing_redis_log_in_once_per_expiry_and_a_late_one_reuses_the_token() {
    let redis = redis_or_skip!();
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|_| replica(&sim, &clock, Some(redis.store())))
        .collect();

    let tokens = storm(&replicas).await;
    assert_eq!(
        sim.modulus().logins(),
        1,
        "one login for all on a cold store"
    );
    assert!(tokens.iter().all(|t| *t == tokens[0]), "one token shared");

    // A replica starting later reuses the stored token.
    let late = replica(&sim, &clock, Some(redis.store()));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_store_every_replica_logs_in_once_per_expiry() {
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|_| replica(&sim, &clock, None::<MemoryStore>))
        .collect();
    storm(&replicas).await;
    assert_eq!(sim.modulus().logins(), REPLICAS as u64);
    advance(&sim, &clock, EXPIRY);
    storm(&replicas).await;
    assert_eq!(sim.modulus().logins(), 2 * REPLICAS as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_of_one_process_share_a_memory_store() {
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let store = Arc::new(MemoryStore::new());
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|_| replica(&sim, &clock, Some(Arc::clone(&store))))
        .collect();
    storm(&replicas).await;
    assert_eq!(sim.modulus().logins(), 1);
    advance(&sim, &clock, EXPIRY);
    storm(&replicas).await;
    assert_eq!(sim.modulus().logins(), 2);
}

/// `REPLICAS` Modulus replicas sharing `redis` under the account key `acct`, with a
/// lease of `lease`.
fn leased_replicas(
    sim: &Sim,
    clock: &Clock,
    redis: &Redis,
    lease: Duration,
) -> Vec<Session<Modulus>> {
    (0..REPLICAS)
        .map(|_| {
            Session::builder(
                Modulus::new(modulus::ACCOUNT).with_base_url(base(sim)),
                credentials(),
            )
            .clock(clock.clone())
            .store_plaintext(redis.store())
            .store_key("acct")
            .store_lease(lease)
            .build()
            .expect("session")
        })
        .collect()
}

/// A Currencycloud replica logging in with `api_key`, sharing `store` if given.
fn currencycloud_replica(
    sim: &Sim,
    api_key: &str,
    store: Option<impl TokenStore>,
    refusal_hold: Duration,
) -> Session<Currencycloud> {
    let provider = Currencycloud::new(format!("{}{}", sim.base_url(), currencycloud::PREFIX));
    let credentials = Currencycloud::credentials()
        .login_id(currencycloud::LOGIN_ID)
        .api_key(api_key)
        .build()
        .expect("well-formed");
    let builder = Session::builder(provider, credentials).refusal_hold(refusal_hold);
    match store {
        Some(store) => builder.store_plaintext(store),
        None => builder,
    }
    .build()
    .expect("session")
}

/// `TASKS` concurrent callers on every replica, each expecting an error; their messages.
async fn refused_storm(replicas: &[Session<Currencycloud>]) -> Vec<String> {
    on_every_replica(replicas, |session| async move {
        let error = session.token().await.expect_err("a wrong key is refused");
        error.to_string()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_with_a_wrong_key_make_one_failed_login_between_them_not_a_lockout() {
    let redis = redis_or_skip!();
    let sim = Sim::start().await;
    let wrong_key = "0".repeat(currencycloud::API_KEY_LEN);
    let hold = Duration::from_millis(1_500);
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|_| currencycloud_replica(&sim, &wrong_key, Some(redis.store()), hold))
        .collect();

    // 4 replicas x 50 callers, twice: one login is tried and refused, the rest are told.
    let mut errors = refused_storm(&replicas).await;
    errors.extend(refused_storm(&replicas).await);
    assert_eq!(sim.currencycloud().failed_logins(), 1);
    assert!(!sim.currencycloud().is_locked());
    let told = errors
        .iter()
        .filter(|e| e.contains("a session sharing the token store was refused"))
        .count();
    // The replica that was refused answers its own callers, in both storms, with the
    // vendor's refusal it got (its hold); every other caller is told of the shared one.
    assert!(
        told >= errors.len() - 2 * TASKS,
        "{told} of {} were told of the shared refusal: {:?}",
        errors.len(),
        errors.first()
    );
    assert!(
        errors
            .iter()
            .all(|e| e.contains("Currencycloud authentication failed")),
        "the vendor's words reach every caller: {:?}",
        errors.first()
    );

    // Once the hold is over, the credentials are tried again: once, again shared.
    tokio::time::sleep(hold + Duration::from_millis(200)).await;
    refused_storm(&replicas).await;
    assert_eq!(sim.currencycloud().failed_logins(), 2);
    assert!(!sim.currencycloud().is_locked());

    // Other credentials are another account: a replica given the right key is not held
    // off by the wrong key's fresh refusal, and logs in at once.
    let fixed = currencycloud_replica(&sim, currencycloud::API_KEY, Some(redis.store()), hold);
    assert!(fixed.token().await.is_ok(), "not held off by another key");
    assert_eq!(sim.currencycloud().logins(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_store_replicas_with_a_wrong_key_lock_the_account() {
    let sim = Sim::start().await;
    let wrong_key = "0".repeat(currencycloud::API_KEY_LEN);
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|_| currencycloud_replica(&sim, &wrong_key, None::<MemoryStore>, Duration::ZERO))
        .collect();
    refused_storm(&replicas).await;
    assert_eq!(sim.currencycloud().failed_logins(), 4);
    assert!(
        sim.currencycloud().is_locked(),
        "what the shared refusal prevents"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_slower_than_the_lease_keeps_its_lease_and_is_not_repeated() {
    let redis = redis_or_skip!();
    let sim = Sim::start().await;
    let clock = Clock::manual();
    // The vendor takes 2.5 leases to answer: without extending its lease, the holder
    // would see a second replica take over and log in too.
    let lease = Duration::from_millis(1_000);
    sim.modulus().set_login_delay(Duration::from_millis(2_500));
    let replicas = leased_replicas(&sim, &clock, &redis, lease);
    let tokens = storm(&replicas).await;
    assert_eq!(sim.modulus().logins(), 1, "the slow login was not repeated");
    assert!(tokens.iter().all(|t| *t == tokens[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_whose_holder_died_is_taken_over_within_the_lease_time() {
    let redis = redis_or_skip!();
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let lease = Duration::from_millis(800);
    // What a holder that died mid-login leaves behind: the lease, and no token.
    redis.command(&["SET", "authgen:Modulus:acct:lease", "dead", "PX", "800"]);
    let started = Instant::now();
    let replicas = leased_replicas(&sim, &clock, &redis, lease);
    let tokens = storm(&replicas).await;
    let took = started.elapsed();
    assert_eq!(sim.modulus().logins(), 1, "one replica took over");
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert!(
        took >= lease / 2,
        "waited for the dead holder's lease: {took:?}"
    );
    assert!(
        took < lease + Duration::from_secs(2),
        "took over within the lease time: {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_rejected_on_every_replica_is_replaced_once() {
    let redis = redis_or_skip!();
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|_| replica(&sim, &clock, Some(redis.store())))
        .collect();
    storm(&replicas).await;
    assert_eq!(sim.modulus().logins(), 1);

    sim.modulus().revoke_all();
    let url = format!("{}{}", base(&sim), modulus::BALANCE_PATH);
    let mut calls = Vec::new();
    for session in &replicas {
        for _ in 0..10 {
            let session = session.clone();
            let url = url.clone();
            calls.push(tokio::spawn(async move {
                let response = session.send(session.get(url)).await.expect("sent");
                response.status().as_u16()
            }));
        }
    }
    for call in calls {
        assert_eq!(
            call.await.expect("task"),
            200,
            "replayed with the new token"
        );
    }
    assert_eq!(sim.modulus().logins(), 2, "one re-login for every replica");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_stopped_replicas_log_in_locally_and_share_again_when_it_is_back() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_global_default(subscriber);

    let mut redis = redis_or_skip!();
    let port = redis.port;
    let sim = Sim::start().await;
    let clock = Clock::manual();
    let replicas: Vec<_> = (0..REPLICAS)
        .map(|_| replica(&sim, &clock, Some(redis.store())))
        .collect();
    storm(&replicas).await;
    assert_eq!(sim.modulus().logins(), 1);

    redis.stop();
    advance(&sim, &clock, EXPIRY);
    storm(&replicas).await;
    assert_eq!(
        sim.modulus().logins(),
        1 + REPLICAS as u64,
        "each replica logged in on its own"
    );
    assert!(
        logs.count("token store unavailable; logging in locally") >= REPLICAS,
        "a warning per local login"
    );

    let _redis = Redis::start_on(port).expect("redis-server ran a moment ago");
    advance(&sim, &clock, EXPIRY);
    storm(&replicas).await;
    assert_eq!(
        sim.modulus().logins(),
        2 + REPLICAS as u64,
        "sharing again: one login"
    );
}

/// One replica process of [`four_processes_of_fifty_tasks_log_in_once_per_expiry`]: reads
/// commands on stdin (`storm`, `advance <ms>`), answers each with a `REPLY` line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "helper: run as a child process by the multi-process tests"]
async fn child_replica() {
    let sim = std::env::var("AUTHGEN_SIM_BASE").expect("AUTHGEN_SIM_BASE");
    let redis = std::env::var("AUTHGEN_REDIS_URL").expect("AUTHGEN_REDIS_URL");
    let clock = Clock::manual();
    let session = Session::builder(
        Modulus::new(modulus::ACCOUNT)
            .with_base_url(format!("{sim}{}", modulus::prefix(modulus::ACCOUNT))),
        credentials(),
    )
    .clock(clock.clone())
    .store_plaintext(RedisStore::new(&redis).expect("redis url"))
    .store_lease(Duration::from_millis(
        std::env::var("AUTHGEN_LEASE_MS").map_or(30_000, |ms| ms.parse().expect("ms")),
    ))
    .build()
    .expect("session");
    loop {
        let mut line = String::new();
        let read = tokio::task::block_in_place(|| std::io::stdin().read_line(&mut line));
        if read.unwrap_or(0) == 0 {
            return;
        }
        let reply = match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["storm"] => {
                let tokens = storm(std::slice::from_ref(&session)).await;
                let same = tokens.iter().all(|t| *t == tokens[0]);
                format!("{} {}", tokens[0], if same { "same" } else { "differ" })
            }
            ["advance", ms] => {
                clock.advance(Duration::from_millis(ms.parse().expect("ms")));
                "advanced".to_owned()
            }
            _ => "unknown".to_owned(),
        };
        println!("REPLY {reply}");
    }
}

/// A child process running [`child_replica`], and its replies.
struct Replica {
    child: Child,
    replies: std::sync::mpsc::Receiver<String>,
}

impl Replica {
    fn spawn(sim: &Sim, redis: &Redis) -> Replica {
        Self::spawn_with_lease(sim, redis, Duration::from_secs(30))
    }

    fn spawn_with_lease(sim: &Sim, redis: &Redis, lease: Duration) -> Replica {
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args(["child_replica", "--exact", "--ignored", "--nocapture"])
            .env("AUTHGEN_SIM_BASE", sim.base_url())
            .env("AUTHGEN_REDIS_URL", redis.url())
            .env("AUTHGEN_LEASE_MS", lease.as_millis().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn a replica process");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, replies) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead as _;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(reply) = line.strip_prefix("REPLY ") {
                    let _ = tx.send(reply.to_owned());
                }
            }
        });
        Replica { child, replies }
    }

    fn send(&mut self, command: &str) {
        let stdin = self.child.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{command}").expect("write to replica");
    }

    fn reply(&self) -> String {
        self.replies
            .recv_timeout(Duration::from_secs(30))
            .expect("the replica process answers (no hang)")
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every process runs `command` at once; their replies.
fn all(children: &mut [Replica], command: &str) -> Vec<String> {
    for child in children.iter_mut() {
        child.send(command);
    }
    tokio::task::block_in_place(|| children.iter().map(Replica::reply).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_of_fifty_tasks_log_in_once_per_expiry() {
    let redis = redis_or_skip!();
    let sim = Sim::start().await;
    let mut children: Vec<_> = (0..REPLICAS)
        .map(|_| Replica::spawn(&sim, &redis))
        .collect();

    let first = all(&mut children, "storm");
    assert_eq!(
        sim.modulus().logins(),
        1,
        "one login for 4 processes × 50 tasks"
    );
    assert!(
        first.iter().all(|r| *r == first[0] && r.ends_with(" same")),
        "{first:?}"
    );

    sim.clock().advance(EXPIRY);
    all(&mut children, &format!("advance {}", EXPIRY.as_millis()));
    let second = all(&mut children, "storm");
    assert_eq!(sim.modulus().logins(), 2, "exactly one more after expiry");
    assert!(
        second.iter().all(|r| *r == second[0] && *r != first[0]),
        "{second:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_lease_holder_process_mid_login_another_process_logs_in_within_the_lease() {
    let redis = redis_or_skip!();
    let sim = Sim::start().await;
    let lease = Duration::from_millis(1000);
    let login = Duration::from_millis(600);
    sim.modulus().set_login_delay(login);
    let mut holder = Replica::spawn_with_lease(&sim, &redis, lease);
    let mut others: Vec<_> = (1..REPLICAS)
        .map(|_| Replica::spawn_with_lease(&sim, &redis, lease))
        .collect();

    // The holder takes the lease and starts its (slow) login; it dies meanwhile.
    holder.send("storm");
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.modulus().login_attempts() == 0 {
        assert!(
            Instant::now() < deadline,
            "the holder never started its login"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(holder);

    let started = Instant::now();
    let replies = all(&mut others, "storm");
    let took = started.elapsed();
    assert!(
        replies
            .iter()
            .all(|r| *r == replies[0] && r.ends_with(" same")),
        "the survivors share one token: {replies:?}"
    );
    assert!(
        took >= lease / 2,
        "the dead holder's lease was respected: {took:?}"
    );
    assert!(
        took < lease + login + Duration::from_secs(2),
        "taken over within the lease time: {took:?}"
    );
}

/// A vendor with many accounts, for the tests of key separation: CRM.COM's and
/// Currencycloud's login endpoints, answering as their documents say, each accepting
/// several credential sets of one organisation (one login ID) and issuing tokens that
/// name the set they were issued for. auth-sim's vendors accept one set each.
mod accounts {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::extract::State;
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    use axum::routing::post;
    use serde_json::{Value, json};

    pub(crate) const ORGANISATION: &str = "CRMDEMO";
    pub(crate) const LOGIN_ID: &str = "treasury@example.com";

    #[derive(Default)]
    pub(crate) struct Vendor {
        pub(crate) url: String,
        /// Accepted secrets (CRM.COM authentication codes, Currencycloud API keys) and
        /// the name of the account each opens.
        accepted: HashMap<String, &'static str>,
        /// Logins answered, by account name (`refused` for refusals).
        logins: Mutex<HashMap<String, u64>>,
    }

    impl Vendor {
        pub(crate) fn logins(&self, account: &str) -> u64 {
            let logins = self.logins.lock().expect("logins");
            logins.get(account).copied().unwrap_or(0)
        }

        /// The token for `secret`'s account, or `None` (counted as `refused`).
        fn issue(&self, secret: &str) -> Option<String> {
            let account = self.accepted.get(secret).copied().unwrap_or("refused");
            let mut logins = self.logins.lock().expect("logins");
            let n = logins.entry(account.to_owned()).or_default();
            *n += 1;
            (account != "refused").then(|| format!("token-of-{account}-{n}"))
        }
    }

    /// Serves `accepted` (secret, account name) on 127.0.0.1.
    pub(crate) async fn start(accepted: &[(&str, &'static str)]) -> Arc<Vendor> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let vendor = Arc::new(Vendor {
            url: format!("http://{}", listener.local_addr().expect("addr")),
            accepted: accepted
                .iter()
                .map(|(s, a)| ((*s).to_owned(), *a))
                .collect(),
            ..Vendor::default()
        });
        let app = Router::new()
            .route("/crmapi/rest/v2/authentication/token", post(crmcom_login))
            .route("/v2/authenticate/api", post(currencycloud_login))
            .with_state(Arc::clone(&vendor));
        tokio::spawn(async move { axum::serve(listener, app).await });
        vendor
    }

    async fn crmcom_login(State(vendor): State<Arc<Vendor>>, body: String) -> Response {
        let request: Value = serde_json::from_str(&body).unwrap_or_default();
        let code = request["access_token_identifier"]["authentication_code"]
            .as_str()
            .unwrap_or_default();
        let token = (request["organisation"] == ORGANISATION)
            .then(|| vendor.issue(code))
            .flatten();
        let body = match token {
            Some(token) => json!({
                "status": {"code": "OK", "message": "", "description": ""},
                "data": {"token": token},
            }),
            None => json!({
                "status": {
                    "code": "INVALID_LOGIN",
                    "message": "Invalid login",
                    "description": "The authentication code is not valid",
                },
                "data": {},
            }),
        };
        axum::Json(body).into_response()
    }

    async fn currencycloud_login(State(vendor): State<Arc<Vendor>>, body: String) -> Response {
        let fields: HashMap<String, String> = serde_urlencoded_pairs(&body);
        let api_key = fields
            .get("api_key")
            .map(String::as_str)
            .unwrap_or_default();
        let token = (fields.get("login_id").map(String::as_str) == Some(LOGIN_ID))
            .then(|| vendor.issue(api_key))
            .flatten();
        match token {
            Some(token) => axum::Json(json!({"auth_token": token})).into_response(),
            None => (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({
                    "error_code": "auth_failed",
                    "error_messages": {"username": [{
                        "code": "invalid_supplied_credentials",
                        "message": "Authentication failed with the supplied credentials",
                        "params": {},
                    }]},
                })),
            )
                .into_response(),
        }
    }

    fn serde_urlencoded_pairs(body: &str) -> HashMap<String, String> {
        url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect()
    }
}

/// Two CRM.COM users of one organisation, told apart only by their (secret)
/// authentication codes, and a third whose code is wrong.
const CODE_A: &str = "AUTHCODE-A-0001";
const CODE_B: &str = "AUTHCODE-B-0002";
const CODE_WRONG: &str = "AUTHCODE-WRONG";

fn crmcom_user(vendor: &accounts::Vendor, code: &str, store: impl TokenStore) -> Session<CrmCom> {
    let credentials = CrmCom::credentials()
        .organisation(accounts::ORGANISATION)
        .authentication_code(code)
        .build();
    Session::builder(CrmCom::new(&vendor.url), credentials)
        .store_plaintext(store)
        .build()
        .expect("session")
}

/// Two Currencycloud API keys of one login ID, and a wrong one.
fn api_key(digit: char) -> String {
    digit.to_string().repeat(currencycloud::API_KEY_LEN)
}

fn currencycloud_user(
    vendor: &accounts::Vendor,
    api_key: &str,
    store: impl TokenStore,
) -> Session<Currencycloud> {
    let credentials = Currencycloud::credentials()
        .login_id(accounts::LOGIN_ID)
        .api_key(api_key)
        .build()
        .expect("well-formed");
    Session::builder(Currencycloud::new(&vendor.url), credentials)
        .login_format(WireFormat::Form)
        .store_plaintext(store)
        .build()
        .expect("session")
}

/// CRM.COM users differing only in their secret code, sharing `store`: two logins, two
/// tokens, and a wrong code's refusal does not hold off a good one.
async fn crmcom_accounts_stay_apart<S: TokenStore + Clone>(store: S) {
    let vendor = accounts::start(&[(CODE_A, "a"), (CODE_B, "b")]).await;
    let a = crmcom_user(&vendor, CODE_A, store.clone());
    let b = crmcom_user(&vendor, CODE_B, store.clone());
    let token_a = a
        .token()
        .await
        .expect("a logs in")
        .expose_secret()
        .to_owned();
    let token_b = b
        .token()
        .await
        .expect("b logs in")
        .expose_secret()
        .to_owned();
    assert_eq!(token_a, "token-of-a-1");
    assert_eq!(token_b, "token-of-b-1", "b did not adopt a's token");
    assert_eq!((vendor.logins("a"), vendor.logins("b")), (1, 1));

    let wrong = crmcom_user(&vendor, CODE_WRONG, store.clone());
    assert!(wrong.token().await.is_err(), "a wrong code is refused");
    assert_eq!(vendor.logins("refused"), 1);
    let fresh_b = crmcom_user(&vendor, CODE_B, store.clone());
    assert_eq!(
        fresh_b.token().await.expect("not held off").expose_secret(),
        token_b,
        "another session of b shares b's token"
    );
    let wrong_again = crmcom_user(&vendor, CODE_WRONG, store.clone());
    let error = wrong_again.token().await.expect_err("held off").to_string();
    assert!(
        error.contains("a session sharing the token store was refused"),
        "{error}"
    );
    assert_eq!(vendor.logins("refused"), 1, "the refusal is still shared");
}

/// Currencycloud keys of one login ID, sharing `store`: as for CRM.COM.
async fn currencycloud_accounts_stay_apart<S: TokenStore + Clone>(store: S) {
    let (key_a, key_b, wrong_key) = (api_key('a'), api_key('b'), api_key('0'));
    let vendor = accounts::start(&[(&key_a, "a"), (&key_b, "b")]).await;
    let wrong = currencycloud_user(&vendor, &wrong_key, store.clone());
    assert!(wrong.token().await.is_err(), "a wrong key is refused");
    let a = currencycloud_user(&vendor, &key_a, store.clone());
    let b = currencycloud_user(&vendor, &key_b, store.clone());
    let token_a = a.token().await.expect("not held off by the wrong key");
    let token_b = b.token().await.expect("not held off by the wrong key");
    assert_eq!(token_a.expose_secret(), "token-of-a-1");
    assert_eq!(token_b.expose_secret(), "token-of-b-1");
    assert_eq!(
        (
            vendor.logins("a"),
            vendor.logins("b"),
            vendor.logins("refused")
        ),
        (1, 1, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crmcom_users_differing_only_in_a_secret_never_mix_in_a_memory_store() {
    crmcom_accounts_stay_apart(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crmcom_users_differing_only_in_a_secret_never_mix_in_redis() {
    let redis = redis_or_skip!();
    crmcom_accounts_stay_apart(redis.store()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn currencycloud_api_keys_of_one_login_id_never_mix_in_a_memory_store() {
    currencycloud_accounts_stay_apart(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn currencycloud_api_keys_of_one_login_id_never_mix_in_redis() {
    let redis = redis_or_skip!();
    currencycloud_accounts_stay_apart(redis.store()).await;
}

/// The value kept under `key`, as bytes.
fn raw_get(redis: &Redis, key: &str) -> Option<Vec<u8>> {
    let mut conn = redis::Client::open(redis.url())
        .and_then(|c| c.get_connection())
        .expect("connect");
    redis::cmd("GET").arg(key).query(&mut conn).expect("GET")
}

fn raw_set(redis: &Redis, key: &str, value: &[u8]) {
    let mut conn = redis::Client::open(redis.url())
        .and_then(|c| c.get_connection())
        .expect("connect");
    let () = redis::cmd("SET")
        .arg(key)
        .arg(value)
        .query(&mut conn)
        .expect("SET");
}

fn unix_ms(t: std::time::SystemTime) -> u64 {
    let since = t.duration_since(std::time::UNIX_EPOCH).expect("after 1970");
    u64::try_from(since.as_millis()).expect("ms")
}

/// A Modulus session on the real clock sharing `redis` under the account name `name`.
fn named_replica(sim: &Sim, redis: &Redis, name: &str) -> SessionBuilder<Modulus> {
    let provider = Modulus::new(modulus::ACCOUNT).with_base_url(base(sim));
    Session::builder(provider, credentials())
        .store_plaintext(redis.store())
        .store_key(name)
}

// On one thread, so that this test's own log subscriber sees the sessions' warnings.
#[tokio::test]
async fn garbage_records_in_redis_are_not_adopted_and_are_overwritten() {
    let redis = redis_or_skip!();
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut tokens = Vec::new();
    let sim = Sim::start().await;
    let key = "authgen:Modulus:garbage";
    let now = unix_ms(std::time::SystemTime::now());
    let in_an_hour = now + 3_600_000;
    let garbage: Vec<(&str, Vec<u8>)> = vec![
        ("issued at 0, no expiry", b"0 - X".to_vec()),
        (
            "expires at u64::MAX",
            format!("{now} {} X", u64::MAX).into_bytes(),
        ),
        ("empty token", format!("{now} {in_an_hour} ").into_bytes()),
        ("invalid UTF-8", {
            let mut v = format!("{now} {in_an_hour} ").into_bytes();
            v.extend_from_slice(b"\xff\xfe\xfd");
            v
        }),
        (
            "a token with CR/LF",
            format!("{now} {in_an_hour} X\r\nSET other value").into_bytes(),
        ),
        (
            "issued a year ahead",
            format!("{} {} X", now + 365 * 86_400_000, now + 366 * 86_400_000).into_bytes(),
        ),
        (
            "expires before issue",
            format!("{now} {} X", now - 1).into_bytes(),
        ),
    ];
    for (logins, (what, value)) in (1..).zip(garbage) {
        raw_set(&redis, key, &value);
        let session = named_replica(&sim, &redis, "garbage")
            .build()
            .expect("session");
        let token = session.token().await.expect("a login, not an error");
        assert_eq!(
            sim.modulus().logins(),
            logins,
            "{what}: logged in, not adopted"
        );
        let stored = raw_get(&redis, key).expect("a record");
        let stored = String::from_utf8(stored)
            .unwrap_or_else(|_| panic!("{what}: not overwritten with a valid record"));
        let parts: Vec<&str> = stored.splitn(3, ' ').collect();
        assert_eq!(parts.len(), 3, "{what}: {stored}");
        assert_eq!(parts[2], token.expose_secret(), "{what}: the new token");
        let issued: u64 = parts[0].parse().expect("issued ms");
        let expires: u64 = parts[1].parse().expect("expires ms");
        assert!(
            issued.abs_diff(now) < 60_000 && expires > issued,
            "{what}: {stored}"
        );
        // Another session adopts the repaired record.
        let next = named_replica(&sim, &redis, "garbage")
            .build()
            .expect("session");
        assert_eq!(
            next.token().await.expect("token").expose_secret(),
            token.expose_secret()
        );
        assert_eq!(sim.modulus().logins(), logins);
        tokens.push(token.expose_secret().to_owned());
    }
    // Each bad record was named in a warning; no value was.
    assert!(logs.count("ignoring an invalid record in the token store") >= tokens.len());
    assert!(logs.count(key) >= tokens.len());
    assert_eq!(logs.count("SET other value"), 0);
    assert!(tokens.iter().all(|t| logs.count(t) == 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_store_secret_redis_holds_no_usable_token_and_only_its_holders_adopt_it() {
    let redis = redis_or_skip!();
    let sim = Sim::start().await;
    let key = "authgen:Modulus:sealed";
    let secret = StoreSecret::from_bytes([42; 32]);
    let sealed = |secret: &StoreSecret| {
        named_replica(&sim, &redis, "sealed")
            .store(redis.store(), secret.clone())
            .build()
            .expect("session")
    };

    let first = sealed(&secret).token().await.expect("token");
    assert_eq!(sim.modulus().logins(), 1);
    let raw = raw_get(&redis, key).expect("a record");
    let token = first.expose_secret().as_bytes();
    assert!(
        !raw.windows(token.len()).any(|w| w == token),
        "the token is not in Redis in the clear"
    );
    assert!(
        !raw.windows(16).any(|w| token.windows(16).any(|t| t == w)),
        "nor any 16 bytes of it"
    );

    // The same secret adopts it.
    let again = sealed(&secret).token().await.expect("token");
    assert_eq!(again.expose_secret(), first.expose_secret());
    assert_eq!(sim.modulus().logins(), 1);

    // Another secret does not, nor does a session without one: each logs in.
    let other = sealed(&StoreSecret::from_bytes([7; 32]));
    assert_ne!(
        other.token().await.expect("token").expose_secret(),
        first.expose_secret()
    );
    assert_eq!(sim.modulus().logins(), 2, "a wrong secret does not open it");
    raw_set(&redis, key, &raw);
    let plain = named_replica(&sim, &redis, "sealed")
        .build()
        .expect("session");
    assert_ne!(
        plain.token().await.expect("token").expose_secret(),
        first.expose_secret()
    );
    assert_eq!(
        sim.modulus().logins(),
        3,
        "no secret does not adopt a sealed record"
    );

    // What that session left is plaintext: a session with the secret does not take it.
    let plaintext = raw_get(&redis, key).expect("a record");
    assert!(
        plaintext.ends_with(
            plain
                .token()
                .await
                .expect("token")
                .expose_secret()
                .as_bytes()
        )
    );
    let after_plain = sealed(&secret).token().await.expect("token");
    assert_eq!(
        sim.modulus().logins(),
        4,
        "a plaintext record is not adopted"
    );

    // A record tampered with does not open.
    let mut tampered = raw_get(&redis, key).expect("a record");
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    raw_set(&redis, key, &tampered);
    let after_tamper = sealed(&secret).token().await.expect("token");
    assert_ne!(after_tamper.expose_secret(), after_plain.expose_secret());
    assert_eq!(
        sim.modulus().logins(),
        5,
        "a tampered record is not adopted"
    );

    // A record moved under another account's key does not open there.
    let moved = raw_get(&redis, key).expect("a record");
    raw_set(&redis, "authgen:Modulus:elsewhere", &moved);
    let elsewhere = named_replica(&sim, &redis, "elsewhere")
        .store(redis.store(), secret.clone())
        .build()
        .expect("session");
    assert_ne!(
        elsewhere.token().await.expect("token").expose_secret(),
        after_tamper.expose_secret()
    );
    assert_eq!(sim.modulus().logins(), 6, "a moved record is not adopted");
}

/// A store of the user's own: a [`MemoryStore`] that also keeps every token it is given.
#[derive(Default)]
struct Recording {
    inner: MemoryStore,
    saved: Mutex<Vec<String>>,
}

impl TokenStore for Recording {
    fn load<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<SharedToken>, StoreError>> {
        self.inner.load(key)
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a SharedToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let value = token.token.expose_secret().to_owned();
        self.saved.lock().expect("saved").push(value);
        self.inner.save(key, token)
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.inner.try_lease(key, holder, ttl)
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.inner.release(key, holder)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_store_secret_a_users_own_store_is_given_only_sealed_tokens() {
    let vendor = accounts::start(&[(CODE_A, "a")]).await;
    let store = Arc::new(Recording::default());
    let secret = StoreSecret::from_base64("KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=")
        .expect("32 bytes in base64");
    let session = |secret: Option<&StoreSecret>| {
        let credentials = CrmCom::credentials()
            .organisation(accounts::ORGANISATION)
            .authentication_code(CODE_A)
            .build();
        let builder = Session::builder(CrmCom::new(&vendor.url), credentials)
            .store_plaintext(Arc::clone(&store));
        match secret {
            Some(secret) => builder.store(Arc::clone(&store), secret.clone()),
            None => builder,
        }
        .build()
        .expect("session")
    };
    let first = session(Some(&secret)).token().await.expect("token");
    let again = session(Some(&secret)).token().await.expect("token");
    assert_eq!(first.expose_secret(), again.expose_secret());
    assert_eq!(
        vendor.logins("a"),
        1,
        "sealed, and opened by the same secret"
    );
    {
        let saved = store.saved.lock().expect("saved");
        assert_eq!(saved.len(), 1);
        assert!(
            !saved[0].contains(first.expose_secret()),
            "the store got no token in the clear"
        );
    }
    let unkeyed = session(None).token().await.expect("token");
    assert_ne!(unkeyed.expose_secret(), first.expose_secret());
    assert_eq!(
        vendor.logins("a"),
        2,
        "no secret: another account key, another login"
    );
}

/// A CRM.COM replica of the simulator's user, sharing `store`.
fn crmcom_replica(sim: &Sim, store: impl TokenStore) -> Session<CrmCom> {
    let credentials = CrmCom::credentials()
        .organisation(auth_sim::crmcom::ORGANISATION)
        .username(auth_sim::crmcom::USERNAME)
        .password(auth_sim::crmcom::PASSWORD)
        .build();
    let url = format!("{}{}", sim.base_url(), auth_sim::crmcom::PREFIX);
    Session::builder(CrmCom::new(url), credentials)
        .store_plaintext(store)
        .build()
        .expect("session")
}

/// A replica logs out (CRM.COM releases the token): the token leaves the store, so a
/// replica starting afterwards logs in instead of adopting a released token.
async fn a_logout_takes_the_token_out_of_the_store<S: TokenStore + Clone>(store: S) {
    let sim = Sim::start().await;
    let first = crmcom_replica(&sim, store.clone());
    let second = crmcom_replica(&sim, store.clone());
    let token = first
        .token()
        .await
        .expect("login")
        .expose_secret()
        .to_owned();
    let adopted = second
        .token()
        .await
        .expect("adopted")
        .expose_secret()
        .to_owned();
    assert_eq!(
        (adopted.as_str(), sim.crmcom().logins()),
        (token.as_str(), 1)
    );

    let outcome = first.logout().await.expect("released");
    assert_eq!(outcome, auth_runtime::LoggedOut::Retired);
    assert_eq!(sim.crmcom().logouts(), 1);

    let late = crmcom_replica(&sim, store.clone());
    let fresh = late
        .token()
        .await
        .expect("login")
        .expose_secret()
        .to_owned();
    assert_ne!(fresh, token, "the released token is not adopted");
    assert_eq!(sim.crmcom().logins(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_takes_the_token_out_of_a_memory_store() {
    a_logout_takes_the_token_out_of_the_store(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_takes_the_token_out_of_redis() {
    let redis = redis_or_skip!();
    a_logout_takes_the_token_out_of_the_store(redis.store()).await;
}
