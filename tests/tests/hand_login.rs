//! A login written by hand, and a per-request hook, over real HTTP on 127.0.0.1
//! against Vault (`authgen_tests::vault`): a challenge fetched first and answered with
//! an HMAC keyed by the password, computed by the provider's own code; every API call
//! signed with an HMAC keyed by the token.
//!
//! The session keeps its promises around the hand login: one login for many callers,
//! the refusal held, one re-login after the vendor's expiry, logout; its login client
//! keeps them inside it: no other origin, no redirect, the deadline, no secret in an
//! error or a log. The hook runs on every entry point, never for a foreign origin.

use std::sync::atomic::Ordering;
use std::time::Duration;

use auth_runtime::{
    AuthLayer, AuthMiddleware, Error, LoggedOut, SecretString, Session, SessionClient, Stage,
};
use authgen_tests::vault::{Mode, PASSWORD, Vault, VaultCredentials, VaultError, elsewhere, start};
use http_body_util::BodyExt as _;
use tower::{Layer as _, ServiceExt as _};

fn credentials(password: &str) -> VaultCredentials {
    VaultCredentials {
        user: "ada".to_owned(),
        password: SecretString::from(password),
    }
}

fn session_for(vault: Vault, password: &str) -> Session<Vault> {
    Session::builder(vault, credentials(password))
        .login_deadline(Duration::from_secs(2))
        .build()
        .expect("session")
}

#[tokio::test]
async fn a_hand_login_sends_nothing_at_build_then_logs_in_and_signs() {
    let (url, server) = start(Mode::Normal).await;
    let vault = Vault::new(&url);
    let signed = std::sync::Arc::clone(&vault.signed);
    let session = session_for(vault, PASSWORD);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.logins(), [0, 0], "nothing is sent at build");

    let response = session
        .send(session.get(format!("{url}/api/data")))
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.text().await.expect("body"),
        "signed and authorized"
    );
    assert_eq!(server.logins(), [1, 1]);
    assert_eq!(signed.load(Ordering::SeqCst), 1);
    assert!(server.last_signature.lock().expect("signature").is_some());

    // A body is signed too: the hook saw its bytes.
    let response = session
        .send(
            session
                .post(format!("{url}/api/data"))
                .body(r#"{"amount":12}"#),
        )
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(server.logins(), [1, 1], "the cached token is used");
}

#[tokio::test]
async fn twenty_callers_make_one_hand_login() {
    let (url, server) = start(Mode::Normal).await;
    let session = session_for(Vault::new(&url), PASSWORD);
    let calls = (0..20).map(|_| {
        let session = session.clone();
        let url = url.clone();
        tokio::spawn(async move {
            let response = session.send(session.get(format!("{url}/api/data"))).await;
            response.expect("sent").status().as_u16()
        })
    });
    for status in futures::future::join_all(calls).await {
        assert_eq!(status.expect("task"), 200);
    }
    assert_eq!(server.logins(), [1, 1], "one challenge, one answer");
    assert_eq!(server.api.load(Ordering::SeqCst), 20);
}

#[tokio::test]
async fn the_vendors_expiry_costs_one_login_from_the_challenge_again() {
    let (url, server) = start(Mode::Normal).await;
    let session = session_for(Vault::new(&url), PASSWORD);
    let first = session.send(session.get(format!("{url}/api/data"))).await;
    assert_eq!(first.expect("sent").status(), 200);
    server.expire_tokens();

    let calls = (0..10).map(|_| {
        let session = session.clone();
        let url = url.clone();
        tokio::spawn(async move {
            let response = session.send(session.get(format!("{url}/api/data"))).await;
            response.expect("sent").status().as_u16()
        })
    });
    for status in futures::future::join_all(calls).await {
        assert_eq!(status.expect("task"), 200);
    }
    // A second challenge (the first was spent) and a second answer: one re-login.
    assert_eq!(server.logins(), [2, 2]);
}

#[tokio::test]
async fn a_wrong_password_is_the_typed_refusal_and_is_held() {
    let (url, server) = start(Mode::Normal).await;
    let session = session_for(Vault::new(&url), "wrong horse");
    let error = session.token().await.expect_err("refused");
    assert!(
        matches!(&error, VaultError::InvalidProof { message } if message == "the proof does not match"),
        "{error:?}"
    );
    // Held: the next callers get the refusal without asking the vendor again.
    for _ in 0..5 {
        let again = session.token().await.expect_err("held");
        assert!(
            matches!(again, VaultError::InvalidProof { .. }),
            "{again:?}"
        );
    }
    assert_eq!(server.logins(), [1, 1]);
    assert!(session.login_held_for().is_some());
}

#[tokio::test]
async fn the_login_client_refuses_another_origin_before_sending() {
    let (url, server) = start(Mode::Normal).await;
    let (other, hits) = elsewhere().await;
    let session = session_for(Vault::new(&url).challenge_at(&other), PASSWORD);
    let error = session.token().await.expect_err("refused");
    match &error {
        VaultError::Runtime(Error::OriginNotAllowed { origin, .. }) => {
            assert_eq!(*origin, other);
        }
        other => panic!("not an origin refusal: {other:?}"),
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing reached the other origin"
    );
    assert_eq!(server.logins(), [0, 0]);
}

#[tokio::test]
async fn a_cross_origin_redirect_of_a_login_request_is_not_followed() {
    let (url, server) = start(Mode::Redirect).await;
    let (other, hits) = elsewhere().await;
    *server.elsewhere.lock().expect("elsewhere") = other;
    let session = session_for(Vault::new(&url), PASSWORD);
    let error = session.token().await.expect_err("not followed");
    assert!(
        matches!(
            error,
            VaultError::Runtime(Error::UnexpectedStatus {
                status: 307,
                stage: Stage::Login,
                ..
            })
        ),
        "{error:?}"
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the proof went nowhere else"
    );
    assert_eq!(server.logins(), [1, 1]);
}

#[tokio::test]
async fn a_login_request_that_never_answers_ends_at_the_deadline() {
    let (url, server) = start(Mode::Silent).await;
    let session = Session::builder(Vault::new(&url), credentials(PASSWORD))
        .login_deadline(Duration::from_millis(400))
        .build()
        .expect("session");
    let started = std::time::Instant::now();
    let error = tokio::time::timeout(Duration::from_secs(5), session.token())
        .await
        .expect("bounded")
        .expect_err("timed out");
    assert!(
        matches!(
            error,
            VaultError::Runtime(Error::Timeout {
                stage: Stage::Login,
                ..
            })
        ),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.logins(), [1, 1]);
}

#[tokio::test]
async fn a_transient_failure_is_tried_again_from_the_challenge() {
    let (url, server) = start(Mode::UnavailableOnce).await;
    let policy = auth_runtime::RetryPolicy {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..auth_runtime::RetryPolicy::default()
    };
    let session = Session::builder(Vault::new(&url), credentials(PASSWORD))
        .retry(policy)
        .build()
        .expect("session");
    session
        .token()
        .await
        .expect("logged in on the second attempt");
    // The 503 answered the first attempt; the second asked for a new challenge.
    assert_eq!(server.logins(), [2, 2]);
    assert!(session.login_held_for().is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn a_refusal_quoting_the_password_and_the_proof_shows_neither() {
    let logs = authgen_tests::Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (url, server) = start(Mode::Hostile).await;
    let session = session_for(Vault::new(&url), PASSWORD);
    let error = session.token().await.expect_err("refused");
    let shown = format!("{error} {error:?}");
    let VaultError::InvalidProof { message } = &error else {
        panic!("not the refusal: {error:?}");
    };
    assert!(message.contains("[REDACTED]"), "{message}");
    // The proof is the HMAC of the challenge the server issued, keyed by the password.
    let proof = authgen_tests::vault::hmac_hex(PASSWORD.as_bytes(), b"ada-1-nonce");
    let logged = logs.text();
    assert!(logged.contains("login failed"), "{logged}");
    for secret in [PASSWORD, proof.as_str()] {
        assert!(!shown.contains(secret), "{shown}");
        assert!(!logged.contains(secret), "{logged}");
    }
    assert_eq!(server.logins(), [1, 1]);
}

#[tokio::test]
async fn logout_after_a_hand_login_retires_the_token() {
    let (url, server) = start(Mode::Normal).await;
    let session = session_for(Vault::new(&url), PASSWORD);
    let first = session.send(session.get(format!("{url}/api/data"))).await;
    assert_eq!(first.expect("sent").status(), 200);
    assert_eq!(
        session.logout().await.expect("logged out"),
        LoggedOut::Retired
    );
    assert_eq!(server.logouts.load(Ordering::SeqCst), 1);
    // The next call logs in again, by hand.
    let again = session.send(session.get(format!("{url}/api/data"))).await;
    assert_eq!(again.expect("sent").status(), 200);
    assert_eq!(server.logins(), [2, 2]);
}

#[tokio::test]
async fn the_hook_signs_through_the_middleware_and_the_tower_layer() {
    let (url, server) = start(Mode::Normal).await;
    let vault = Vault::new(&url);
    let signed = std::sync::Arc::clone(&vault.signed);
    let session = session_for(vault, PASSWORD);

    let client = AuthMiddleware::client_builder(session.clone()).build();
    let response = client
        .post(format!("{url}/api/data"))
        .body("via middleware")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(signed.load(Ordering::SeqCst), 1);

    let service = AuthLayer::new(session.clone()).layer(SessionClient::new(&session));
    let request = http::Request::post(format!("{url}/api/data"))
        .body(String::from("via tower"))
        .expect("request");
    let response = service.oneshot(request).await.expect("sent");
    assert_eq!(response.status(), 200);
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    assert_eq!(&body[..], b"signed and authorized");
    assert_eq!(signed.load(Ordering::SeqCst), 2);
    assert_eq!(server.logins(), [1, 1]);
}

#[tokio::test]
async fn a_foreign_origin_never_reaches_the_hook_on_any_entry_point() {
    let (url, server) = start(Mode::Normal).await;
    let (other, hits) = elsewhere().await;
    let vault = Vault::new(&url);
    let signed = std::sync::Arc::clone(&vault.signed);
    let session = session_for(vault, PASSWORD);
    let foreign = format!("{other}/api/data");
    let refused =
        |error: &VaultError| matches!(error, VaultError::Runtime(Error::OriginNotAllowed { .. }));

    let error = session
        .send(session.get(&foreign))
        .await
        .expect_err("refused");
    assert!(refused(&error), "{error:?}");

    let client = AuthMiddleware::client_builder(session.clone()).build();
    match client.get(&foreign).send().await {
        Err(reqwest_middleware::Error::Middleware(error)) => {
            let error = error
                .downcast_ref::<VaultError>()
                .expect("the vendor's error");
            assert!(refused(error), "{error:?}");
        }
        other => panic!("not refused: {other:?}"),
    }

    let service = AuthLayer::new(session.clone()).layer(SessionClient::new(&session));
    let request = http::Request::get(&foreign)
        .body(String::new())
        .expect("request");
    match service.oneshot(request).await {
        Err(auth_runtime::AuthServiceError::Auth(error)) => assert!(refused(&error), "{error:?}"),
        other => panic!("not refused: {other:?}"),
    }

    assert_eq!(signed.load(Ordering::SeqCst), 0, "the hook never ran");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing was sent there");
    assert_eq!(server.logins(), [0, 0], "no token was even fetched");
}

#[tokio::test]
async fn the_hooks_error_is_typed_and_nothing_is_sent() {
    let (url, server) = start(Mode::Normal).await;
    let session = session_for(Vault::new(&url), PASSWORD);
    // A streamed body: the hook cannot see its bytes, so it cannot sign it.
    let chunks = futures::stream::iter([Ok::<_, std::io::Error>("streamed")]);
    let request = session
        .post(format!("{url}/api/data"))
        .body(reqwest::Body::wrap_stream(chunks));
    let error = session.send(request).await.expect_err("unsigned");
    assert!(matches!(error, VaultError::Unsignable), "{error:?}");
    assert_eq!(server.api.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn replicas_sharing_a_store_log_in_by_hand_once_and_accounts_stay_apart() {
    let (url, server) = start(Mode::Normal).await;
    let store = std::sync::Arc::new(auth_runtime::MemoryStore::new());
    let replica = |password: &str| {
        Session::builder(Vault::new(&url), credentials(password))
            .store_plaintext(std::sync::Arc::clone(&store))
            .build()
            .expect("session")
    };
    let (first, second) = (replica(PASSWORD), replica(PASSWORD));
    let api = format!("{url}/api/data");
    let (a, b) = tokio::join!(first.send(first.get(&api)), second.send(second.get(&api)));
    assert_eq!(a.expect("sent").status(), 200);
    assert_eq!(b.expect("sent").status(), 200);
    assert_eq!(server.logins(), [1, 1], "one login between the replicas");

    // Other credentials are another account: the token is not adopted, and the
    // refusal is their own.
    let other = replica("wrong horse");
    let error = other.token().await.expect_err("refused");
    assert!(
        matches!(error, VaultError::InvalidProof { .. }),
        "{error:?}"
    );
    assert_eq!(server.logins(), [2, 2]);
}

#[tokio::test]
async fn a_hand_login_is_refreshed_in_the_background() {
    let (url, server) = start(Mode::Normal).await;
    server.lifetime_s.store(2, Ordering::SeqCst);
    let session = Session::builder(Vault::new(&url), credentials(PASSWORD))
        .background_refresh(true)
        .build()
        .expect("session");
    session.token().await.expect("login");
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let [challenges, answers] = server.logins();
    assert!(
        challenges >= 2 && answers == challenges,
        "{challenges} {answers}"
    );
    assert!(
        session.cached_token().is_some(),
        "callers find a fresh token"
    );
}
