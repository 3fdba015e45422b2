//! End to end: `session.send()` of a small GET to auth-sim (Modulus' Bearer-protected
//! balance endpoint) against raw reqwest with the `Authorization` header set by hand,
//! through the same `reqwest::Client` (so the same settings and connection pool).
//!
//! First an interleaved A/B measurement (rounds of raw and session batches in
//! alternating order; the median of the per-round ratios is the figure), then criterion
//! times each alone.
//!
//! `cargo bench -p authgen-benches --bench end_to_end`

use std::time::{Duration, Instant};

use auth_runtime::Session;
use auth_sim::Sim;
use auth_vendors::Modulus;
use authgen_benches::median;
use criterion::{Criterion, criterion_group, criterion_main};
use reqwest::Method;

const ROUNDS: usize = 21;
const BATCH: u32 = 200;

async fn raw(client: &reqwest::Client, url: &str, token: &str) {
    let response = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    assert!(response.status().is_success());
    std::hint::black_box(response.bytes().await.expect("body"));
}

async fn via_session(session: &Session<Modulus>, url: &str) {
    let response = session
        .send(session.request(Method::GET, url))
        .await
        .expect("sent");
    assert!(response.status().is_success());
    std::hint::black_box(response.bytes().await.expect("body"));
}

fn end_to_end(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (sim, session, url, token) = rt.block_on(async {
        let sim = Sim::start().await;
        let session = authgen_benches::modulus(&sim).build().expect("session");
        let token = session
            .token()
            .await
            .expect("login")
            .expose_secret()
            .to_owned();
        let url = authgen_benches::modulus_balance_url(&sim);
        (sim, session, url, token)
    });

    // The raw requests use the very client the session sends with.
    let client = session.http_client().clone();

    // Interleaved A/B: the figure reported in BENCHMARKS.md.
    let ratios: Vec<f64> = rt.block_on(async {
        for _ in 0..BATCH {
            raw(&client, &url, &token).await;
            via_session(&session, &url).await;
        }
        let mut ratios = Vec::new();
        let (mut raw_all, mut session_all) = (Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let mut time_raw = Duration::ZERO;
            let mut time_session = Duration::ZERO;
            for leg in 0..2 {
                let start = Instant::now();
                if (round + leg) % 2 == 0 {
                    for _ in 0..BATCH {
                        raw(&client, &url, &token).await;
                    }
                    time_raw = start.elapsed();
                } else {
                    for _ in 0..BATCH {
                        via_session(&session, &url).await;
                    }
                    time_session = start.elapsed();
                }
            }
            raw_all.push(time_raw.as_secs_f64() * 1e6 / f64::from(BATCH));
            session_all.push(time_session.as_secs_f64() * 1e6 / f64::from(BATCH));
            ratios.push(time_session.as_secs_f64() / time_raw.as_secs_f64());
        }
        println!(
            "end_to_end/interleaved: raw reqwest median {:.1} us/request, session.send median {:.1} us/request ({ROUNDS} rounds x {BATCH} requests each)",
            median(&mut raw_all),
            median(&mut session_all),
        );
        ratios
    });
    let mut sorted = ratios.clone();
    println!(
        "end_to_end/interleaved: session.send / raw reqwest = {:.3} (median of {ROUNDS} per-round ratios; min {:.3}, max {:.3})",
        median(&mut sorted),
        sorted.first().copied().unwrap_or_default(),
        sorted.last().copied().unwrap_or_default(),
    );

    let mut group = c.benchmark_group("end_to_end");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("raw_reqwest_bearer", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    raw(&client, &url, &token).await;
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("session_send", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    via_session(&session, &url).await;
                }
                start.elapsed()
            })
        })
    });
    group.finish();
    drop(session);
    drop(sim);
}

criterion_group!(benches, end_to_end);
criterion_main!(benches);
