//! `SessionPool` with many accounts of CRM.COM (auth-sim):
//!
//! * a token read through the pool (`pool.cached_token(key)`) at 1, 10,000
//!   and 100,000 accounts, against one session's `cached_token()`, the same through a
//!   `HashMap<u32, Session>` and a `HashMap<u32, u64>` lookup alone (criterion);
//! * the memory an idle account costs (a counting allocator: live bytes per account,
//!   sessions holding a token and sessions that never logged in);
//! * 10,000 accounts whose tokens all expire within the same minute, every one asked
//!   for at once, with `max_concurrent_logins(16)`: logins, most logins in flight at
//!   the vendor, logins per minute; and 1,000 accounts without the bound for contrast.
//!
//! Accounts get their first token through `restore` (a kept token), so the pool fills
//! without a login per account; only the storm logs in.
//!
//! `cargo bench -p authgen-benches --bench pool`

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use auth_runtime::{Clock, Session, SessionPool, StoredToken};
use auth_sim::Sim;
use auth_vendors::CrmCom;
use auth_vendors::crmcom::CrmComError;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// Counts the bytes allocated and not yet freed.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: a pointer this allocator returned, with its layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SIZES: [u32; 3] = [1, 10_000, 100_000];

type Pool = SessionPool<u32, CrmCom, CrmComError>;

/// A pool of CRM.COM accounts on `clock`; with `token`, each account's session starts
/// with a kept token valid for `valid` (no login).
fn pool(sim: &Sim, clock: &Clock, token: Option<Duration>, bound: Option<usize>) -> Pool {
    let sim_base = sim.base_url().to_owned();
    let builder = SessionPool::builder(move |account: &u32| {
        let base = format!("{sim_base}{}", auth_sim::crmcom::PREFIX);
        let credentials = CrmCom::credentials()
            .organisation(auth_sim::crmcom::ORGANISATION)
            .username(auth_sim::crmcom::USERNAME)
            .password(auth_sim::crmcom::PASSWORD)
            .build();
        let mut builder = Session::builder(CrmCom::new(base), credentials);
        if let Some(valid) = token {
            builder = builder.restore(StoredToken {
                token: format!("kept-token-{account:08}").into(),
                expires_at: Some(SystemTime::now() + valid),
                refresh_token: None,
                api_base: None,
            });
        }
        async move { Ok(builder) }
    })
    .clock(clock.clone())
    .max_sessions(200_000)
    .idle_timeout(None);
    match bound {
        Some(bound) => builder.max_concurrent_logins(bound),
        None => builder,
    }
    .build()
}

async fn fill(pool: &Pool, accounts: u32) {
    for account in 0..accounts {
        pool.session(&account).await.expect("session");
    }
}

/// The keys a lookup bench cycles through: spread over the accounts, in no order.
fn keys(accounts: u32) -> Vec<u32> {
    let mut rng = fastrand_like(0x5eed);
    (0..4096).map(|_| rng() % accounts).collect()
}

/// A small xorshift generator (the bench needs spread, not quality).
fn fastrand_like(mut state: u64) -> impl FnMut() -> u32 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 32) as u32
    }
}

/// The runtime of the simulator and of the pool: two workers, like the machine.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn lookups(c: &mut Criterion) {
    let rt = runtime();
    let sim = rt.block_on(Sim::start());
    let clock = Clock::manual();

    let mut group = c.benchmark_group("pool_token");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for accounts in SIZES {
        let pool = pool(&sim, &clock, Some(Duration::from_secs(3600)), None);
        rt.block_on(fill(&pool, accounts));
        let map: HashMap<u32, Session<CrmCom>> = (0..accounts)
            .map(|account| (account, pool.get(&account).expect("filled")))
            .collect();
        let plain: HashMap<u32, u64> = (0..accounts).map(|a| (a, u64::from(a))).collect();
        let one = pool.get(&0).expect("filled");
        let keys = keys(accounts);
        let mut at = 0;
        let mut next = move || {
            at = (at + 1) % keys.len();
            keys[at]
        };
        group.bench_function(BenchmarkId::new("session_cached_token", accounts), |b| {
            b.iter(|| black_box(one.cached_token()).is_some())
        });
        group.bench_function(BenchmarkId::new("pool_cached_token", accounts), |b| {
            b.iter(|| {
                let account = next();
                black_box(pool.cached_token(&account)).is_some()
            })
        });
        group.bench_function(
            BenchmarkId::new("hashmap_get_cached_token", accounts),
            |b| {
                b.iter(|| {
                    let account = next();
                    black_box(map.get(&account).and_then(|s| s.cached_token())).is_some()
                })
            },
        );
        group.bench_function(BenchmarkId::new("hashmap_get", accounts), |b| {
            b.iter(|| black_box(plain.get(&next())).is_some())
        });
    }
    group.finish();
}

/// Live bytes per account after `accounts` sessions were added.
fn bytes_per_account(rt: &tokio::runtime::Runtime, sim: &Sim, token: bool) -> f64 {
    const ACCOUNTS: u32 = 10_000;
    let clock = Clock::manual();
    let pool = pool(
        sim,
        &clock,
        token.then_some(Duration::from_secs(3600)),
        None,
    );
    // The first session builds the shared HTTP clients: not an account's cost.
    rt.block_on(fill(&pool, 1));
    let before = LIVE.load(Ordering::Relaxed);
    rt.block_on(async {
        for account in 1..=ACCOUNTS {
            pool.session(&account).await.expect("session");
        }
    });
    let after = LIVE.load(Ordering::Relaxed);
    black_box(&pool);
    (after - before) as f64 / f64::from(ACCOUNTS)
}

/// `accounts` accounts whose tokens expire within one minute, all asked for at once
/// after it: (logins, most in flight at the vendor, seconds taken).
fn expiry_storm(
    rt: &tokio::runtime::Runtime,
    accounts: u32,
    bound: Option<usize>,
) -> (u64, u64, f64) {
    rt.block_on(async {
        let sim = Sim::start().await;
        sim.crmcom().set_login_delay(Duration::from_millis(2));
        let clock = Clock::manual();
        let pool = pool(&sim, &clock, Some(Duration::from_secs(90)), bound);
        fill(&pool, accounts).await;
        let pool = Arc::new(pool);
        clock.advance(Duration::from_secs(120));
        sim.clock().advance(Duration::from_secs(120));
        let started = Instant::now();
        let callers: Vec<_> = (0..accounts)
            .map(|account| {
                let pool = Arc::clone(&pool);
                tokio::spawn(async move {
                    let session = pool.session(&account).await.expect("session");
                    session.token().await.map(|_| ()).expect("token");
                })
            })
            .collect();
        for caller in callers {
            caller.await.expect("caller");
        }
        let took = started.elapsed().as_secs_f64();
        (
            sim.crmcom().logins(),
            sim.crmcom().most_concurrent_logins(),
            took,
        )
    })
}

fn figures(_: &mut Criterion) {
    let rt = runtime();
    let sim = rt.block_on(Sim::start());
    println!(
        "pool/memory: {:.0} bytes per idle account holding a token, {:.0} per account never logged in (10,000 accounts)",
        bytes_per_account(&rt, &sim, true),
        bytes_per_account(&rt, &sim, false)
    );
    for (accounts, bound) in [(10_000, Some(16)), (1_000, None)] {
        let (logins, most, took) = expiry_storm(&rt, accounts, bound);
        let bound = bound.map_or("no bound".to_owned(), |b| format!("bound {b}"));
        println!(
            "pool/expiry storm: {accounts} accounts, {bound}: {logins} logins in {took:.2} s \
             ({:.0} per minute), at most {most} in flight at the vendor",
            logins as f64 / took * 60.0
        );
    }
}

criterion_group!(benches, figures, lookups);
criterion_main!(benches);
