//! The hot path: reading a fresh token, with 1 thread and with 2 threads hammering.
//!
//! Baselines measured in the same run: a bare `ArcSwap::load` guard (the floor: one
//! atomic load, no shared write), `ArcSwap::load_full` (an `Arc` clone per call), and
//! the caches most token managers use, a `std::sync::Mutex<Option<Arc<T>>>` and a
//! `tokio::sync::Mutex<Option<Arc<T>>>` (lock, clone the `Arc` out, unlock). Also the
//! clocks a hot path may read.
//!
//! Every figure is time per operation per thread: with 2 threads, both run the same
//! number of operations on the same shared value, started together, and the reported
//! time is the mean of their elapsed times divided by that number.
//!
//! `cargo bench -p authgen-benches --bench hot_path`

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use auth_runtime::Provider;
use auth_runtime::Session;
use criterion::{Criterion, criterion_group, criterion_main};

/// What the baselines cache: a token and its expiry, like the session's entry.
struct Token {
    secret: String,
    refresh_at: u64,
}

fn token() -> Arc<Token> {
    Arc::new(Token {
        secret: "4AD9C84FA60F9FE407140E20F707726A".to_owned(),
        refresh_at: u64::MAX,
    })
}

/// Runs `op` `iters` times on each of `threads` threads started together; returns
/// the mean elapsed time per thread.
fn hammer<F: Fn() + Sync>(threads: usize, iters: u64, op: &F) -> Duration {
    hammer_checked(threads, iters, op).0
}

/// [`hammer`], and whether the threads really ran side by side: their runs overlapped
/// for at least 90 % of the longest, and the shortest took at least 80 % of the
/// longest (a thread preempted by another process takes longer than its peer).
fn hammer_checked<F: Fn() + Sync>(threads: usize, iters: u64, op: &F) -> (Duration, bool) {
    if threads == 1 {
        let start = Instant::now();
        for _ in 0..iters {
            op();
        }
        return (start.elapsed(), true);
    }
    let barrier = Barrier::new(threads);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        op();
                    }
                    (start, Instant::now())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("bench thread"))
            .collect()
    });
    let elapsed: Vec<Duration> = spans.iter().map(|(s, e)| *e - *s).collect();
    let longest = elapsed.iter().max().copied().unwrap_or_default();
    let shortest = elapsed.iter().min().copied().unwrap_or_default();
    let latest_start = spans.iter().map(|s| s.0).max().expect("threads");
    let earliest_end = spans.iter().map(|s| s.1).min().expect("threads");
    let overlap = earliest_end.saturating_duration_since(latest_start);
    let side_by_side = overlap.as_secs_f64() >= 0.9 * longest.as_secs_f64()
        && shortest.as_secs_f64() >= 0.8 * longest.as_secs_f64();
    let total: Duration = elapsed.iter().sum();
    (
        total / u32::try_from(threads).expect("few threads"),
        side_by_side,
    )
}

/// The smallest of `rounds` (infinite when there are none).
fn best_of(rounds: &[f64]) -> f64 {
    rounds.iter().copied().fold(f64::INFINITY, f64::min)
}

/// The median of `rounds` (NaN when there are none).
fn median(rounds: &[f64]) -> f64 {
    let mut sorted = rounds.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Polls `session.token()` once with a no-op waker; a fresh token is ready at once.
fn poll_token<P: Provider>(session: &Session<P>) -> u64 {
    let mut cx = Context::from_waker(Waker::noop());
    let future = std::pin::pin!(session.token());
    match future.poll(&mut cx) {
        Poll::Ready(Ok(token)) => token.generation(),
        Poll::Ready(Err(_)) | Poll::Pending => panic!("the token is fresh"),
    }
}

fn hot_path(c: &mut Criterion) {
    // Log in once against the simulator (tokens live an hour / 30 idle minutes), then
    // only read the cache: no network in the measured loop.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (sim, crm, cc) = rt.block_on(async {
        let sim = auth_sim::Sim::start().await;
        let crm = authgen_benches::crmcom(&sim).build().expect("session");
        crm.token().await.expect("CRM.COM login");
        let cc = authgen_benches::currencycloud(&sim)
            .build()
            .expect("session");
        cc.token().await.expect("Currencycloud login");
        (sim, crm, cc)
    });

    let swap = ArcSwap::new(token());
    let origin = coarsetime::Instant::now();
    let ticker = coarsetime::Updater::new(1).start().expect("clock ticker");
    let std_mutex = std::sync::Mutex::new(Some(token()));
    let tokio_mutex = tokio::sync::Mutex::new(Some(token()));

    // The figures: interleaved rounds, best round per variant. On a shared 2-core
    // machine a round that another process preempted is slow for reasons that have
    // nothing to do with the code; interleaving exposes every variant to the same load,
    // and the best of many short rounds filters preemption out.
    {
        let guard = || {
            let guard = swap.load();
            black_box(guard.refresh_at > 0 && !guard.secret.is_empty());
        };
        let guard_coarse = || {
            let now = coarsetime::Instant::now_without_cache_update()
                .duration_since(origin)
                .as_millis();
            let guard = swap.load();
            black_box(now < guard.refresh_at && !guard.secret.is_empty());
        };
        let guard_cached = || {
            let now = coarsetime::Instant::recent()
                .duration_since(origin)
                .as_millis();
            let guard = swap.load();
            black_box(now < guard.refresh_at && !guard.secret.is_empty());
        };
        let load_full = || {
            black_box(swap.load_full());
        };
        let std_lock = || {
            let guard = std_mutex.lock().unwrap_or_else(|e| e.into_inner());
            black_box(guard.as_ref().map(Arc::clone));
        };
        let tokio_lock = || {
            let guard = tokio_mutex.blocking_lock();
            black_box(guard.as_ref().map(Arc::clone));
        };
        let cached_crm = || {
            let token = crm.cached_token().expect("fresh");
            black_box(token.expose_secret().len());
        };
        let cached_cc = || {
            let token = cc.cached_token().expect("fresh");
            black_box(token.expose_secret().len());
        };
        let poll_crm = || {
            black_box(poll_token(&crm));
        };
        const ROUNDS: usize = 500;
        const BATCH: u64 = 100_000;
        let names = [
            "arcswap_guard_load",
            "arcswap_guard_load_coarse_clock",
            "arcswap_guard_load_cached_clock",
            "arcswap_load_full",
            "std_mutex",
            "tokio_mutex_blocking_lock",
            "session_cached_token_crmcom",
            "session_cached_token_currencycloud_idle",
            "session_token_poll_crmcom",
        ];
        for threads in [1usize, 2] {
            let mut rounds: [Vec<f64>; 9] = Default::default();
            // With 2 threads only rounds in which both threads ran side by side count:
            // the others would be uncontended figures.
            let mut note = |i: usize, (d, side_by_side): (Duration, bool)| {
                if side_by_side {
                    rounds[i].push(d.as_secs_f64() * 1e9 / BATCH as f64);
                }
            };
            for _ in 0..ROUNDS {
                note(0, hammer_checked(threads, BATCH, &guard));
                note(1, hammer_checked(threads, BATCH, &guard_coarse));
                note(2, hammer_checked(threads, BATCH, &guard_cached));
                note(3, hammer_checked(threads, BATCH, &load_full));
                note(4, hammer_checked(threads, BATCH, &std_lock));
                note(5, hammer_checked(threads, BATCH / 10, &tokio_lock));
                note(6, hammer_checked(threads, BATCH, &cached_crm));
                note(7, hammer_checked(threads, BATCH, &cached_cc));
                note(8, hammer_checked(threads, BATCH, &poll_crm));
            }
            // tokio's batch is a tenth: scale its per-op time back.
            rounds[5].iter_mut().for_each(|ns| *ns *= 10.0);
            // The best round filters out preemption by other processes; the median of
            // the rounds run side by side is the typical contended figure (for a lock,
            // the best round is its least contended moment).
            for (statistic, pick) in [("best", best_of as fn(&[f64]) -> f64), ("median", median)] {
                let figure: Vec<f64> = rounds.iter().map(|r| pick(r)).collect();
                println!(
                    "hot_path/interleaved/{threads}_thread ({statistic} of the rounds run side by side, of {ROUNDS}; ns/op per thread; x guard floor; std mutex / tokio mutex as multiples of it)"
                );
                for ((name, ns), n) in names.iter().zip(&figure).zip(&rounds) {
                    println!(
                        "  {name:42} {ns:7.2} ns  {:5.2}x floor  std mutex {:5.2}x  tokio mutex {:5.2}x  ({} rounds)",
                        ns / figure[0],
                        figure[4] / ns,
                        figure[5] / ns,
                        n.len(),
                    );
                }
            }
        }
    }

    for threads in [1usize, 2] {
        let mut group = c.benchmark_group(format!("hot_path/{threads}_thread"));
        group
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .sample_size(40);

        group.bench_function("arcswap_guard_load", |b| {
            b.iter_custom(|iters| {
                hammer(threads, iters, &|| {
                    let guard = swap.load();
                    black_box(guard.refresh_at > 0 && !guard.secret.is_empty());
                })
            })
        });
        // The floor plus the expiry check the session must make, with a coarse clock
        // read per call (monotonic coarse, via the vDSO) and with a cached clock that a
        // ticker thread updates every millisecond (`coarsetime::Instant::recent`; the
        // session's own cached clock works the same way).
        group.bench_function("arcswap_guard_load_coarse_clock", |b| {
            b.iter_custom(|iters| {
                hammer(threads, iters, &|| {
                    let now = coarsetime::Instant::now_without_cache_update()
                        .duration_since(origin)
                        .as_millis();
                    let guard = swap.load();
                    black_box(now < guard.refresh_at && !guard.secret.is_empty());
                })
            })
        });
        group.bench_function("arcswap_guard_load_cached_clock", |b| {
            b.iter_custom(|iters| {
                hammer(threads, iters, &|| {
                    let now = coarsetime::Instant::recent()
                        .duration_since(origin)
                        .as_millis();
                    let guard = swap.load();
                    black_box(now < guard.refresh_at && !guard.secret.is_empty());
                })
            })
        });
        group.bench_function("arcswap_load_full", |b| {
            b.iter_custom(|iters| {
                hammer(threads, iters, &|| {
                    black_box(swap.load_full());
                })
            })
        });
        group.bench_function("std_mutex", |b| {
            b.iter_custom(|iters| {
                hammer(threads, iters, &|| {
                    let guard = std_mutex.lock().unwrap_or_else(|e| e.into_inner());
                    black_box(guard.as_ref().map(Arc::clone));
                })
            })
        });
        group.bench_function("tokio_mutex_blocking_lock", |b| {
            b.iter_custom(|iters| {
                hammer(threads, iters, &|| {
                    let guard = tokio_mutex.blocking_lock();
                    black_box(guard.as_ref().map(Arc::clone));
                })
            })
        });
        group.bench_function("session_cached_token_crmcom", |b| {
            b.iter_custom(|iters| {
                hammer(threads, iters, &|| {
                    let token = crm.cached_token().expect("fresh");
                    black_box(token.expose_secret().len());
                })
            })
        });
        group.bench_function("session_cached_token_currencycloud_idle", |b| {
            b.iter_custom(|iters| {
                hammer(threads, iters, &|| {
                    let token = cc.cached_token().expect("fresh");
                    black_box(token.expose_secret().len());
                })
            })
        });
        group.bench_function("session_token_poll_crmcom", |b| {
            b.iter_custom(|iters| {
                hammer(threads, iters, &|| {
                    black_box(poll_token(&crm));
                })
            })
        });
        group.finish();
    }

    // The clocks a hot path may read (1 thread; they share nothing).
    let mut group = c.benchmark_group("clock");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40);
    group.bench_function("std_instant_now", |b| b.iter(|| black_box(Instant::now())));
    group.bench_function("coarsetime_now_without_cache_update", |b| {
        b.iter(|| black_box(coarsetime::Instant::now_without_cache_update()))
    });
    group.bench_function("coarsetime_recent_cached", |b| {
        b.iter(|| black_box(coarsetime::Instant::recent()))
    });
    group.bench_function("system_time_now", |b| {
        b.iter(|| black_box(std::time::SystemTime::now()))
    });
    group.finish();

    ticker.stop().expect("clock ticker");
    drop((crm, cc, sim));
    drop(rt);
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
