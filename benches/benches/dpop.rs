//! What DPoP (RFC 9449) costs a call: `session.send()` of a small GET to auth-sim's
//! OAuth 2.0 protected resource, with a DPoP-bound token (a proof signed per request,
//! and checked by the simulator), against the same with a bearer token, and against raw
//! reqwest with the bearer header set by hand, through the session's own client.
//! Interleaved rounds (the three legs in rotating order; the median of the per-round
//! ratios is the figure); then the signature alone: an ES256 proof, and the RS256
//! assertion a JWT-bearer login signs once per login.
//!
//! `cargo bench -p authgen-benches --bench dpop`

use std::time::{Duration, Instant};

use auth_runtime::{Session, auth_provider};
use auth_sim::{Sim, oauth2};
use authgen_benches::median;
use criterion::{Criterion, criterion_group, criterion_main};
use reqwest::Method;

const ROUNDS: usize = 21;
const BATCH: u32 = 200;

/// auth-sim's OAuth 2.0 server, bearer tokens.
#[auth_provider(
    vendor = "Bearer",
    base = "{host}",
    login(path = "/token"),
    oauth2(grant = "password")
)]
pub struct Plain {
    client_id: String,
    #[auth(secret)]
    client_secret: String,
    username: String,
    #[auth(secret)]
    password: String,
}

/// The same server binding its tokens to the session's key.
#[auth_provider(
    vendor = "Bound",
    base = "{host}",
    login(path = "/token"),
    oauth2(grant = "password", dpop)
)]
pub struct Bound {
    client_id: String,
    #[auth(secret)]
    client_secret: String,
    username: String,
    #[auth(secret)]
    password: String,
}

async fn call<P: auth_runtime::Provider>(session: &Session<P>, url: &str) {
    let response = session
        .send(session.request(Method::GET, url))
        .await
        .expect("sent");
    assert!(response.status().is_success());
    std::hint::black_box(response.bytes().await.expect("body"));
}

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

fn dpop(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (plain_sim, bound_sim, plain, bound, plain_url, bound_url, token) = rt.block_on(async {
        let plain_sim = Sim::start().await;
        let bound_sim = Sim::start().await;
        bound_sim.oauth2().set_dpop(true);
        let host = |sim: &Sim| format!("{}{}", sim.base_url(), oauth2::PREFIX);
        let plain = Session::new(
            Plain::new(host(&plain_sim)),
            Plain::credentials()
                .client_id(oauth2::CLIENT_ID)
                .client_secret(oauth2::CLIENT_SECRET)
                .username(oauth2::USERNAME)
                .password(oauth2::PASSWORD)
                .build(),
        )
        .expect("session");
        let bound = Session::new(
            Bound::new(host(&bound_sim)),
            Bound::credentials()
                .client_id(oauth2::CLIENT_ID)
                .client_secret(oauth2::CLIENT_SECRET)
                .username(oauth2::USERNAME)
                .password(oauth2::PASSWORD)
                .build(),
        )
        .expect("session");
        let token = plain
            .token()
            .await
            .expect("login")
            .expose_secret()
            .to_owned();
        bound.token().await.expect("login");
        let plain_url = format!("{}{}", host(&plain_sim), oauth2::ME_PATH);
        let bound_url = format!("{}{}", host(&bound_sim), oauth2::ME_PATH);
        (
            plain_sim, bound_sim, plain, bound, plain_url, bound_url, token,
        )
    });
    let client = plain.http_client().clone();

    rt.block_on(async {
        for _ in 0..BATCH {
            raw(&client, &plain_url, &token).await;
            call(&plain, &plain_url).await;
            call(&bound, &bound_url).await;
        }
        let (mut raw_us, mut bearer_us, mut dpop_us) = (Vec::new(), Vec::new(), Vec::new());
        let (mut bearer_ratio, mut dpop_ratio, mut dpop_vs_bearer) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..ROUNDS {
            let mut times = [Duration::ZERO; 3];
            for leg in 0..3 {
                let which = (round + leg) % 3;
                let start = Instant::now();
                for _ in 0..BATCH {
                    match which {
                        0 => raw(&client, &plain_url, &token).await,
                        1 => call(&plain, &plain_url).await,
                        _ => call(&bound, &bound_url).await,
                    }
                }
                times[which] = start.elapsed();
            }
            let per = |t: Duration| t.as_secs_f64() * 1e6 / f64::from(BATCH);
            raw_us.push(per(times[0]));
            bearer_us.push(per(times[1]));
            dpop_us.push(per(times[2]));
            bearer_ratio.push(times[1].as_secs_f64() / times[0].as_secs_f64());
            dpop_ratio.push(times[2].as_secs_f64() / times[0].as_secs_f64());
            dpop_vs_bearer.push(times[2].as_secs_f64() / times[1].as_secs_f64());
        }
        println!(
            "dpop/interleaved: raw reqwest {:.1} us, send (bearer) {:.1} us, send (DPoP) {:.1} us per request (medians, {ROUNDS} rounds x {BATCH})",
            median(&mut raw_us),
            median(&mut bearer_us),
            median(&mut dpop_us),
        );
        println!(
            "dpop/interleaved: send (bearer) / raw = {:.3}; send (DPoP) / raw = {:.3}; send (DPoP) / send (bearer) = {:.3} (medians of per-round ratios)",
            median(&mut bearer_ratio),
            median(&mut dpop_ratio),
            median(&mut dpop_vs_bearer),
        );
    });

    // The signatures alone.
    let key = jsonwebtoken::EncodingKey::from_ec_pem(
        rcgen::KeyPair::generate()
            .expect("a key")
            .serialize_pem()
            .as_bytes(),
    )
    .expect("an ES256 key");
    let rsa = jsonwebtoken::EncodingKey::from_rsa_pem(auth_sim::google::PRIVATE_KEY_PEM.as_bytes())
        .expect("an RS256 key");
    let claims =
        serde_json::json!({"jti": "x", "htm": "GET", "htu": plain_url, "iat": 1_764_873_600});
    let mut group = c.benchmark_group("dpop");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("es256_proof_signature", |b| {
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        b.iter(|| jsonwebtoken::encode(&header, &claims, &key).expect("signed"));
    });
    group.bench_function("rs256_assertion_signature", |b| {
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        b.iter(|| jsonwebtoken::encode(&header, &claims, &rsa).expect("signed"));
    });
    group.bench_function("send_bearer", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    call(&plain, &plain_url).await;
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("send_dpop", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    call(&bound, &bound_url).await;
                }
                start.elapsed()
            })
        })
    });
    group.finish();
    drop((plain, bound, plain_sim, bound_sim));
}

criterion_group!(benches, dpop);
criterion_main!(benches);
