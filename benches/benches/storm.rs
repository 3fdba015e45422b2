//! Refresh storm: 10,000 tasks call `token()` at once on a cold session and on one
//! whose token has expired, against auth-sim's CRM.COM with a login that takes a fixed
//! delay. Reports the logins per storm (must be 1) and each caller's wait (p50, p99,
//! max) relative to one login's duration measured in the same run, then lets criterion
//! time whole storms against a single login.
//!
//! `cargo bench -p authgen-benches --bench storm`

use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_runtime::{Clock, Session};
use auth_sim::Sim;
use auth_vendors::CrmCom;
use authgen_benches::quantile;
use criterion::{Criterion, criterion_group, criterion_main};

const TASKS: usize = 10_000;
const LOGIN_DELAY: Duration = Duration::from_millis(25);
const ROUNDS: usize = 5;

/// A session on a manual clock (so it can be expired without sleeping).
fn session(sim: &Sim) -> (Session<CrmCom>, Clock) {
    let clock = Clock::manual();
    let session = authgen_benches::crmcom(sim)
        .clock(clock.clone())
        .build()
        .expect("session");
    (session, clock)
}

/// One caller's `token()` on a cold session: one login's duration, client side.
async fn one_login(sim: &Sim) -> Duration {
    let (session, _) = session(sim);
    let start = Instant::now();
    session.token().await.expect("login");
    start.elapsed()
}

/// What one storm measured.
struct Storm {
    /// Each caller's wait, from its first poll to its token.
    waits: Vec<Duration>,
    /// From the first spawn to the last: spawning alone.
    spawn: Duration,
    /// From the first caller's first poll to the first token: the one login, as long
    /// as it takes among the storm's tasks.
    login: Duration,
    /// From the first caller's token to the last's: waking the waiters after the one
    /// login (every caller asks before the login ends, so all of them wait for it).
    wake: Duration,
}

/// `TASKS` callers at once; returns each caller's wait, and the spawning and the
/// wake-up apart.
async fn storm(session: &Session<CrmCom>) -> Storm {
    let spawning = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move {
                let start = Instant::now();
                session.token().await.expect("token");
                (start, Instant::now())
            })
        })
        .collect();
    let spawn = spawning.elapsed();
    let mut spans = Vec::with_capacity(TASKS);
    for task in tasks {
        spans.push(task.await.expect("task"));
    }
    let first_start = spans.iter().map(|s| s.0).min().expect("tasks");
    let first = spans.iter().map(|s| s.1).min().expect("tasks");
    let last = spans.iter().map(|s| s.1).max().expect("tasks");
    Storm {
        waits: spans.iter().map(|(start, end)| *end - *start).collect(),
        spawn,
        login: first.saturating_duration_since(first_start),
        wake: last - first,
    }
}

/// A session whose token has just expired (both clocks moved past its hour).
async fn expired(sim: &Sim) -> Session<CrmCom> {
    let (session, clock) = session(sim);
    session.token().await.expect("first login");
    let two_hours = Duration::from_secs(2 * 3600);
    clock.advance(two_hours);
    sim.clock().advance(two_hours);
    session
}

fn report(name: &str, storms: Vec<Storm>, logins: &[u64], login: Duration) {
    let ratio = |d: Duration| d.as_secs_f64() / login.as_secs_f64();
    let mut spawns: Vec<Duration> = storms.iter().map(|s| s.spawn).collect();
    let mut wakes: Vec<Duration> = storms.iter().map(|s| s.wake).collect();
    let mut storm_logins: Vec<Duration> = storms.iter().map(|s| s.login).collect();
    let mut waits: Vec<Duration> = storms.into_iter().flat_map(|s| s.waits).collect();
    let p50 = quantile(&mut waits, 0.50);
    let p99 = quantile(&mut waits, 0.99);
    let max = quantile(&mut waits, 1.0);
    let spawn = quantile(&mut spawns, 0.5);
    let wake = quantile(&mut wakes, 0.5);
    let storm_login = quantile(&mut storm_logins, 0.5);
    println!(
        "storm/{name}: {TASKS} tasks x {} rounds, logins per storm {logins:?}, \
         p50 {p50:.2?} ({:.2}x login), p99 {p99:.2?} ({:.2}x login), max {max:.2?} ({:.2}x login); \
         spawning {spawn:.2?} ({:.2}x login), the login among the tasks (first poll to first token) \
         {storm_login:.2?} ({:.2}x login), wake-up (first token to last) {wake:.2?} ({:.2}x login), medians of the storms",
        logins.len(),
        ratio(p50),
        ratio(p99),
        ratio(max),
        ratio(spawn),
        ratio(storm_login),
        ratio(wake),
    );
}

fn storms(c: &mut Criterion) {
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime"),
    );
    let sim = rt.block_on(Sim::start());
    sim.crmcom().set_login_delay(LOGIN_DELAY);

    // The figures: waits and logins over a few storms, against one login's duration.
    rt.block_on(async {
        let mut singles = Vec::new();
        for _ in 0..ROUNDS {
            singles.push(one_login(&sim).await);
        }
        let login = quantile(&mut singles, 0.5);
        println!("storm/baseline: one login (server delay {LOGIN_DELAY:?}) takes {login:.2?} (median of {ROUNDS})");

        let (mut storms, mut logins) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let (session, _) = session(&sim);
            let before = sim.crmcom().logins();
            storms.push(storm(&session).await);
            logins.push(sim.crmcom().logins() - before);
        }
        report("cold", storms, &logins, login);
        assert!(logins.iter().all(|&n| n == 1), "one login per storm");

        let (mut storms, mut logins) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let session = expired(&sim).await;
            let before = sim.crmcom().logins();
            storms.push(storm(&session).await);
            logins.push(sim.crmcom().logins() - before);
        }
        report("expired", storms, &logins, login);
        assert!(logins.iter().all(|&n| n == 1), "one login per storm");
    });

    // Criterion: a whole storm against a single login.
    let mut group = c.benchmark_group("storm");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("single_login", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += one_login(&sim).await;
                }
                total
            })
        })
    });
    group.bench_function("cold_10000_tasks", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (session, _) = session(&sim);
                    let start = Instant::now();
                    storm(&session).await;
                    total += start.elapsed();
                }
                total
            })
        })
    });
    group.bench_function("expired_10000_tasks", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let session = expired(&sim).await;
                    let start = Instant::now();
                    storm(&session).await;
                    total += start.elapsed();
                }
                total
            })
        })
    });
    group.finish();
    drop(sim);
}

criterion_group!(benches, storms);
criterion_main!(benches);
