//! A login with computed values served by the mock, over real HTTP: a nonce from a
//! challenge step, the client's own nonce and clock, a SHA-256 digest of the nonces and
//! the password, an HMAC-SHA-256 under a signing key. The mock reads the client's nonce
//! and time from the request, computes the digest and the HMAC again with each
//! accepted set of credentials, and refuses any other in the vendor's documented words.

use std::sync::Arc;
use std::time::Duration;

use auth_mock::MockVendor;
use auth_runtime::{Session, auth_provider};

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
        constants(user = "{username}"),
    ),
    token = "token",
    apply(bearer),
    expiry(absolute = "1h"),
    error(Refused, status = 401, display = "Challenge refused the login"),
)]
pub struct Challenge {
    username: String,
    password: String,
    api_secret: String,
}

async fn mock() -> MockVendor {
    let mock = MockVendor::start::<Challenge>().await;
    mock.accept([
        ("username", "ada"),
        ("password", PASSWORD),
        ("api_secret", API_SECRET),
    ])
    .expect("well-formed credentials");
    mock
}

fn session_for(mock: &MockVendor, password: &str, api_secret: &str) -> Session<Challenge> {
    let credentials = Challenge::credentials()
        .username("ada")
        .password(password)
        .api_secret(api_secret)
        .build();
    Session::builder(
        Challenge::new("unused").with_base_url(mock.base_url()),
        credentials,
    )
    .login_deadline(Duration::from_secs(5))
    .build()
    .expect("session")
}

async fn call(session: &Session<Challenge>, mock: &MockVendor) -> u16 {
    let answer = session
        .send(session.get(mock.url("/api/things")))
        .await
        .expect("the protected call");
    answer.status().as_u16()
}

#[tokio::test]
async fn the_mock_checks_the_digest_and_the_hmac_it_computes_again() {
    let mock = mock().await;
    let session = session_for(&mock, PASSWORD, API_SECRET);
    assert_eq!(call(&session, &mock).await, 200);
    assert_eq!(
        (mock.step_calls("challenge"), mock.logins(), mock.refused()),
        (1, 1, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_callers_share_one_login() {
    let mock = Arc::new(mock().await);
    let session = Arc::new(session_for(&mock, PASSWORD, API_SECRET));
    let calls = (0..20).map(|_| {
        let (session, mock) = (Arc::clone(&session), Arc::clone(&mock));
        tokio::spawn(async move { call(&session, &mock).await })
    });
    for status in futures::future::join_all(calls).await {
        assert_eq!(status.expect("task"), 200);
    }
    assert_eq!((mock.step_calls("challenge"), mock.logins()), (1, 1));
}

#[tokio::test]
async fn an_expired_token_is_replaced_by_a_login_computed_afresh() {
    let mock = mock().await;
    let session = session_for(&mock, PASSWORD, API_SECRET);
    assert_eq!(call(&session, &mock).await, 200);
    mock.advance(Duration::from_secs(3601));
    assert_eq!(call(&session, &mock).await, 200, "logged in again");
    assert_eq!((mock.step_calls("challenge"), mock.logins()), (2, 2));
}

#[tokio::test]
async fn a_wrong_password_or_key_is_the_documented_refusal() {
    for (password, key) in [("wrong-password-123", API_SECRET), (PASSWORD, "wrong-key")] {
        let mock = mock().await;
        let session = session_for(&mock, password, key);
        let error = session.token().await.expect_err("refused");
        assert!(matches!(error, ChallengeError::Refused {}), "{error:?}");
        assert_eq!(error.to_string(), "Challenge refused the login");
        assert_eq!((mock.logins(), mock.refused()), (0, 1));
        let shown = format!("{error} {error:?} {:?}", mock.last_refusal());
        assert!(!shown.contains(password) && !shown.contains(key), "{shown}");
    }
}

#[tokio::test]
async fn a_digest_not_computed_from_the_nonce_issued_is_refused() {
    let mock = mock().await;
    let client = reqwest::Client::new();
    let challenge: serde_json::Value = client
        .get(mock.url("/challenge"))
        .send()
        .await
        .expect("challenge")
        .json()
        .await
        .expect("json");
    assert!(challenge["nonce"].is_string(), "{challenge}");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        .to_string();
    // Right in shape, but the digest is of another nonce.
    let answer = client
        .post(mock.url("/login"))
        .header("X-Client-Nonce", "00112233445566778899aabbccddeeff")
        .header("X-Timestamp", now)
        .header("X-Digest", "0".repeat(64))
        .header("X-Signature", "AAAA")
        .json(&serde_json::json!({ "user": "ada" }))
        .send()
        .await
        .expect("login");
    assert_eq!(answer.status(), 401);
    assert_eq!((mock.logins(), mock.refused()), (0, 1));
}
