//! A login with one step before the token request against a login of one request, on
//! the same simulated vendor (auth-sim's CSRF web login, its CSRF check off for the
//! baseline): `session.invalidate()` then `session.token()`, a full login each time,
//! over the session's kept-alive connection.
//!
//! First an interleaved A/B measurement (rounds of one-request and two-request batches
//! in alternating order; the median of the per-round ratios is the figure), then
//! criterion times each alone.
//!
//! `cargo bench -p authgen-benches --bench login_steps`

use std::time::{Duration, Instant};

use auth_runtime::{Provider, Session};
use auth_sim::Sim;
use authgen_benches::median;
use criterion::{Criterion, criterion_group, criterion_main};

const ROUNDS: usize = 21;
const BATCH: u32 = 100;

async fn login<P: Provider>(session: &Session<P>) {
    session.invalidate();
    let token = session.token().await.unwrap_or_else(|_| panic!("login"));
    std::hint::black_box(token);
}

fn login_steps(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (sim, one, two) = rt.block_on(async {
        let sim = Sim::start().await;
        sim.csrf_login().set_csrf_required(false);
        let (one, two) = authgen_benches::csrf_logins(&sim);
        (sim, one, two)
    });

    let ratios: Vec<f64> = rt.block_on(async {
        for _ in 0..BATCH {
            login(&one).await;
            login(&two).await;
        }
        let mut ratios = Vec::new();
        let (mut one_all, mut two_all) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let mut time_one = Duration::ZERO;
            let mut time_two = Duration::ZERO;
            for leg in 0..2 {
                let start = Instant::now();
                if (round + leg) % 2 == 0 {
                    for _ in 0..BATCH {
                        login(&one).await;
                    }
                    time_one = start.elapsed();
                } else {
                    for _ in 0..BATCH {
                        login(&two).await;
                    }
                    time_two = start.elapsed();
                }
            }
            one_all.push(time_one.as_secs_f64() * 1e6 / f64::from(BATCH));
            two_all.push(time_two.as_secs_f64() * 1e6 / f64::from(BATCH));
            ratios.push(time_two.as_secs_f64() / time_one.as_secs_f64());
        }
        println!(
            "login_steps/interleaved: one request median {:.1} us/login, a step and the token request median {:.1} us/login ({ROUNDS} rounds x {BATCH} logins each)",
            median(&mut one_all),
            median(&mut two_all),
        );
        ratios
    });
    let mut sorted = ratios.clone();
    println!(
        "login_steps/interleaved: two requests / one request = {:.3} (median of {ROUNDS} per-round ratios; min {:.3}, max {:.3})",
        median(&mut sorted),
        sorted.first().copied().unwrap_or_default(),
        sorted.last().copied().unwrap_or_default(),
    );
    assert_eq!(
        sim.csrf_login().csrf_issued(),
        sim.csrf_login().logins() - u64::from(BATCH) * (ROUNDS as u64 + 1),
        "each two-request login fetched one CSRF token"
    );

    let mut group = c.benchmark_group("login_steps");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("one_request", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    login(&one).await;
                }
                start.elapsed()
            })
        });
    });
    group.bench_function("step_then_token_request", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    login(&two).await;
                }
                start.elapsed()
            })
        });
    });
    group.finish();
    drop(sim);
}

criterion_group!(benches, login_steps);
criterion_main!(benches);
