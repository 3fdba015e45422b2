//! Computed values over real HTTP on 127.0.0.1, against a vendor of our own
//! ("Challenge"): `GET /challenge` issues a nonce; `POST /login` wants the client's
//! own nonce (`X-Client-Nonce`, also echoed in the body), the time (`X-Timestamp`),
//! `X-Digest: hex(sha256(nonce + client nonce + password))` and `X-Signature:
//! base64(hmac_sha256(api_secret, timestamp + "." + client nonce))`. The server
//! recomputes both with RustCrypto's crates and refuses any other, so the client's
//! values are checked by an implementation it does not share.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_runtime::description::{Described, DynamicProvider, DynamicValues};
use auth_runtime::{Session, auth_provider};
use authgen_tests::stepwise::serve;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use sha2::Digest as _;

const PASSWORD: &str = "correct-horse-battery-staple";
const API_SECRET: &str = "s3cr3t-signing-key-0123456789";

/// Challenge: a nonce, then a login proving the password and the signing key.
#[auth_provider(
    vendor = "Challenge",
    base = "{server}",
    step(challenge, method = "GET", path = "/challenge", bind(nonce(path = "nonce", public))),
    computed(
        cnonce(nonce = 16),
        ts(now = "unix"),
        digest(sha256 = "{nonce}{cnonce}{password}"),
        signature(hmac_sha256 = "{ts}.{cnonce}", key = "{api_secret}", output = "base64"),
    ),
    login(
        path = "/login",
        headers(
            "X-Client-Nonce" = "{cnonce}",
            "X-Timestamp" = "{ts}",
            "X-Digest" = "{digest}",
            "X-Signature" = "{signature}",
        ),
        constants(user = "{username}", echo = "{cnonce}"),
    ),
    token = "token",
    apply(bearer),
    error(Refused, status = 401, fields(message = "error")),
)]
pub struct Challenge {
    username: String,
    password: String,
    api_secret: String,
}

/// What the vendor saw and issued.
#[derive(Default)]
struct Vendor {
    challenges: AtomicUsize,
    logins: AtomicUsize,
    /// The last nonce issued.
    nonce: Mutex<String>,
    /// Each login's client nonce, digest and signature, accepted or not.
    seen: Mutex<Vec<(String, String, String)>>,
    /// The token last issued.
    token: Mutex<String>,
    /// Refuses every login, echoing the digest and the signature it was sent.
    echo: std::sync::atomic::AtomicBool,
}

type Shared = Arc<Vendor>;

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

async fn challenge(State(vendor): State<Shared>) -> Response {
    let n = vendor.challenges.fetch_add(1, Ordering::SeqCst) + 1;
    let nonce = format!("server-nonce-{n}");
    *vendor.nonce.lock().expect("nonce") = nonce.clone();
    axum::Json(serde_json::json!({ "nonce": nonce })).into_response()
}

fn refuse(why: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(serde_json::json!({ "error": why })),
    )
        .into_response()
}

async fn login(
    State(vendor): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> Response {
    let n = vendor.logins.fetch_add(1, Ordering::SeqCst) + 1;
    let (cnonce, ts) = (
        header(&headers, "x-client-nonce"),
        header(&headers, "x-timestamp"),
    );
    let (digest, signature) = (
        header(&headers, "x-digest"),
        header(&headers, "x-signature"),
    );
    vendor
        .seen
        .lock()
        .expect("seen")
        .push((cnonce.clone(), digest.clone(), signature.clone()));
    if vendor.echo.load(Ordering::SeqCst) {
        return refuse(&format!(
            "digest {digest} and signature {signature} refused"
        ));
    }
    if body["echo"] != cnonce.as_str() {
        return refuse("the body's client nonce is not the header's");
    }
    if cnonce.len() != 32 || !cnonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return refuse("a client nonce is 16 bytes in hex");
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    match ts.parse::<u64>() {
        Ok(t) if now.abs_diff(t) <= 60 => {}
        _ => return refuse("stale timestamp"),
    }
    let nonce = vendor.nonce.lock().expect("nonce").clone();
    let expected: String = sha2::Sha256::digest(format!("{nonce}{cnonce}{PASSWORD}"))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if body["user"] != "ada" || digest != expected {
        return refuse("invalid digest");
    }
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(API_SECRET.as_bytes()).expect("key");
    mac.update(format!("{ts}.{cnonce}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if signature != expected {
        return refuse("invalid signature");
    }
    let token = format!("token-{n}-abcdefghijklmnop");
    *vendor.token.lock().expect("token") = token.clone();
    axum::Json(serde_json::json!({ "token": token })).into_response()
}

async fn api(State(vendor): State<Shared>, headers: HeaderMap) -> Response {
    let token = vendor.token.lock().expect("token").clone();
    if header(&headers, "authorization") == format!("Bearer {token}") {
        StatusCode::OK.into_response()
    } else {
        StatusCode::UNAUTHORIZED.into_response()
    }
}

async fn start() -> (String, Shared) {
    let vendor = Shared::default();
    let router = Router::new()
        .route("/challenge", get(challenge))
        .route("/login", post(login))
        .route("/api", get(api))
        .with_state(Arc::clone(&vendor));
    (serve(router).await, vendor)
}

fn session_for(url: &str, password: &str) -> Session<Challenge> {
    let credentials = Challenge::credentials()
        .username("ada")
        .password(password)
        .api_secret(API_SECRET)
        .build();
    Session::builder(Challenge::new(url), credentials)
        .login_deadline(Duration::from_secs(2))
        .build()
        .expect("session")
}

fn counts(vendor: &Vendor) -> [usize; 2] {
    [
        vendor.challenges.load(Ordering::SeqCst),
        vendor.logins.load(Ordering::SeqCst),
    ]
}

#[tokio::test]
async fn a_challenge_hash_and_an_hmac_log_in() {
    let (url, vendor) = start().await;
    let session = session_for(&url, PASSWORD);
    let response = session
        .send(session.get(format!("{url}/api")))
        .await
        .expect("the protected call");
    assert_eq!(response.status(), 200);
    assert_eq!(counts(&vendor), [1, 1]);
}

#[tokio::test]
async fn a_provider_given_the_description_at_run_time_computes_the_same() {
    let (url, vendor) = start().await;
    let description = <Challenge as Described>::DESCRIPTION;
    let provider = DynamicProvider::new(description)
        .setting("server", &url)
        .expect("setting");
    let credentials = DynamicValues::from_pairs(
        description,
        [
            ("username", "ada"),
            ("password", PASSWORD),
            ("api_secret", API_SECRET),
        ],
    )
    .expect("credentials");
    let session = Session::new(provider, credentials).expect("session");
    let response = session
        .send(session.get(format!("{url}/api")))
        .await
        .expect("the protected call");
    assert_eq!(response.status(), 200);
    assert_eq!(counts(&vendor), [1, 1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_callers_share_one_login() {
    let (url, vendor) = start().await;
    let session = Arc::new(session_for(&url, PASSWORD));
    let calls = (0..20).map(|_| {
        let session = Arc::clone(&session);
        let url = url.clone();
        tokio::spawn(async move { session.send(session.get(format!("{url}/api"))).await })
    });
    for call in futures::future::join_all(calls).await {
        assert_eq!(call.expect("task").expect("call").status(), 200);
    }
    assert_eq!(counts(&vendor), [1, 1]);
}

#[tokio::test]
async fn a_new_login_computes_afresh() {
    let (url, vendor) = start().await;
    let session = session_for(&url, PASSWORD);
    session.token().await.expect("first login");
    // The vendor forgets every token: the next call logs in again, with a new nonce
    // from the challenge and a new client nonce, so a new digest.
    *vendor.token.lock().expect("token") = "revoked".to_owned();
    let response = session
        .send(session.get(format!("{url}/api")))
        .await
        .expect("replayed call");
    assert_eq!(response.status(), 200);
    assert_eq!(counts(&vendor), [2, 2]);
    let seen = vendor.seen.lock().expect("seen").clone();
    assert_ne!(seen[0].0, seen[1].0, "a fresh client nonce");
    assert_ne!(seen[0].1, seen[1].1, "a fresh digest");
}

#[tokio::test]
async fn a_wrong_password_is_the_vendors_refusal() {
    let (url, vendor) = start().await;
    let session = session_for(&url, "not-the-password");
    let error = session.token().await.expect_err("refused");
    assert!(
        matches!(&error, ChallengeError::Refused { message } if message.as_deref() == Some("invalid digest")),
        "{error:?}"
    );
    assert_eq!(counts(&vendor), [1, 1]);
}

#[tokio::test]
async fn the_digest_and_the_signature_never_show() {
    let log = authgen_tests::Logs::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let (url, vendor) = start().await;
    vendor.echo.store(true, Ordering::SeqCst);
    let session = session_for(&url, PASSWORD);
    let error = session.token().await.expect_err("refused");
    let seen = vendor.seen.lock().expect("seen").clone();
    let (_, digest, signature) = seen.first().cloned().expect("a login was sent");
    assert_eq!(
        (digest.len(), signature.len()),
        (64, 44),
        "the vendor received both"
    );
    let message = match &error {
        ChallengeError::Refused { message } => message.clone().unwrap_or_default(),
        other => panic!("{other:?}"),
    };
    assert!(message.contains("refused"), "{message}");
    let shown = [
        log.text(),
        format!("{error} {error:?}"),
        format!("{session:?}"),
    ];
    for text in shown {
        for secret in [digest.as_str(), signature.as_str(), PASSWORD, API_SECRET] {
            assert!(!text.contains(secret), "{secret:?} appears in: {text}");
        }
    }
}
