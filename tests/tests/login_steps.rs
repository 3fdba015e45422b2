//! Logins in several requests, over real HTTP on 127.0.0.1 against a vendor of our
//! own (`authgen_tests::stepwise`): a CSRF token fetched first and sent back in a
//! header, the credentials posted for a session id, the session id exchanged for a token
//! in a header of its own. The vendor's description, written by hand as the generator
//! writes one, is acted on by `DynamicProvider` (the typed provider acts through the
//! same interpreter: `login_steps_described.rs`).
//!
//! Also as an attacker: a step answered by a cross-origin redirect, a step echoing the
//! password and the session id, a step that never answers, a bound value smuggling a
//! header.

use std::sync::Arc;
use std::time::Duration;

use auth_runtime::description::{DynamicError, DynamicProvider, DynamicValues};
use auth_runtime::{Error, Session};
use authgen_tests::stepwise::{Mode, PASSWORD, STEPWISE, counts, start};

fn credentials(password: &str) -> DynamicValues {
    DynamicValues::from_pairs(&STEPWISE, [("username", "ada"), ("password", password)])
        .expect("well-formed credentials")
}

fn session_for(url: &str, password: &str) -> Session<DynamicProvider> {
    let provider = DynamicProvider::new(&STEPWISE)
        .setting("server", url)
        .expect("setting");
    Session::builder(provider, credentials(password))
        .login_deadline(Duration::from_secs(2))
        .build()
        .expect("session")
}

#[tokio::test]
async fn each_step_is_sent_once_with_what_the_step_before_bound() {
    let (url, vendor) = start(Mode::Normal).await;
    let session = session_for(&url, PASSWORD);
    let response = session
        .send(session.get(format!("{url}/api")))
        .await
        .expect("the protected call");
    assert_eq!(response.status(), 200);
    assert_eq!(counts(&vendor), [1, 1, 1]);
    let seen = vendor.csrf_seen.lock().expect("seen").clone();
    assert_eq!(seen, ["csrf-1-0123456789"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_callers_share_one_login_of_three_requests() {
    let (url, vendor) = start(Mode::Normal).await;
    let session = Arc::new(session_for(&url, PASSWORD));
    let calls = (0..20).map(|_| {
        let session = Arc::clone(&session);
        let url = url.clone();
        tokio::spawn(async move { session.send(session.get(format!("{url}/api"))).await })
    });
    for call in futures::future::join_all(calls).await {
        let response = call.expect("task").expect("call");
        assert_eq!(response.status(), 200);
    }
    assert_eq!(counts(&vendor), [1, 1, 1]);
}

#[tokio::test]
async fn a_rejected_token_is_replaced_by_a_login_from_the_first_step() {
    let (url, vendor) = start(Mode::Normal).await;
    let session = session_for(&url, PASSWORD);
    session.token().await.expect("first login");
    // The vendor forgets every token: the next call is rejected, and the session logs
    // in again from a fresh CSRF token.
    vendor.issued.lock().expect("issued").2 = "revoked".to_owned();
    let response = session
        .send(session.get(format!("{url}/api")))
        .await
        .expect("replayed call");
    assert_eq!(response.status(), 200);
    assert_eq!(counts(&vendor), [2, 2, 2]);
    let seen = vendor.csrf_seen.lock().expect("seen").clone();
    assert_eq!(seen, ["csrf-1-0123456789", "csrf-2-0123456789"]);
}

#[tokio::test]
async fn a_refusal_at_a_step_is_its_documented_variant_and_goes_no_further() {
    let (url, vendor) = start(Mode::Normal).await;
    let session = session_for(&url, "wrong-password-123");
    let error = session.token().await.expect_err("refused");
    match &error {
        DynamicError::Refused { case, .. } => assert_eq!(case.variant, "BadCredentials"),
        other => panic!("expected the documented refusal, got {other:?}"),
    }
    assert_eq!(
        counts(&vendor),
        [1, 1, 0],
        "no token request after a refusal"
    );
    // Held: a refused login is not tried again at once.
    assert!(session.token().await.is_err());
    assert_eq!(counts(&vendor), [1, 1, 0]);
}

#[tokio::test]
async fn a_step_echoing_the_secrets_shows_none_of_them() {
    let (url, vendor) = start(Mode::EchoSecrets).await;
    let session = session_for(&url, PASSWORD);
    let error = session.token().await.expect_err("refused");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    let csrf = vendor.issued.lock().expect("issued").0.clone();
    assert!(!shown.contains(&csrf), "{shown}");
}

#[tokio::test]
async fn a_token_request_echoing_the_bound_values_does_not_show_them() {
    let (url, _vendor) = start(Mode::StaleSession).await;
    let session = session_for(&url, PASSWORD);
    let error = session.token().await.expect_err("refused");
    match &error {
        DynamicError::Refused { case, .. } => assert_eq!(case.variant, "UnknownSession"),
        other => panic!("expected the documented refusal, got {other:?}"),
    }
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("unknown session"), "{shown}");
    assert!(!shown.contains("session-1-abcdefghij"), "{shown}");
    assert!(!shown.contains("csrf-1-0123456789"), "{shown}");
}

#[tokio::test]
async fn a_step_redirected_to_another_origin_is_not_followed() {
    let (url, vendor) = start(Mode::Redirect).await;
    let (elsewhere, other) = start(Mode::Normal).await;
    *vendor.elsewhere.lock().expect("elsewhere") = format!("{elsewhere}/session");
    let session = session_for(&url, PASSWORD);
    let error = session.token().await.expect_err("a redirect is no answer");
    assert_eq!(counts(&other), [0, 0, 0], "the other origin got nothing");
    assert!(!format!("{error:?}").contains(PASSWORD));
}

#[tokio::test]
async fn a_step_that_never_answers_ends_at_the_login_deadline() {
    let (url, _vendor) = start(Mode::Hang).await;
    let session = session_for(&url, PASSWORD);
    let started = std::time::Instant::now();
    let error = session.token().await.expect_err("deadline");
    assert!(
        matches!(error, DynamicError::Runtime(Error::Timeout { .. })),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_bound_value_cannot_smuggle_a_header() {
    let (url, vendor) = start(Mode::SmuggleHeader).await;
    let session = session_for(&url, PASSWORD);
    let error = session.token().await.expect_err("not sent");
    assert!(
        matches!(error, DynamicError::Runtime(Error::InvalidRequest { .. })),
        "{error:?}"
    );
    assert_eq!(
        counts(&vendor),
        [1, 0, 0],
        "the session step was never sent"
    );
}

#[test]
fn the_bindings_show_their_names_never_their_values() {
    let mut bound = auth_runtime::Bindings::new();
    bound.bind("session", "session-secret-value", true);
    let shown = format!("{bound:?}");
    assert!(
        shown.contains("session") && !shown.contains("secret-value"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_probe_sends_the_steps_then_the_token_request_once() {
    let (url, vendor) = start(Mode::Normal).await;
    let provider = DynamicProvider::new(&STEPWISE)
        .setting("server", &url)
        .expect("setting");
    let probed = auth_runtime::description::send_login(
        &provider,
        &credentials(PASSWORD),
        Duration::from_secs(2),
    )
    .await
    .expect("the answers");
    let statuses: Vec<u16> = probed.steps.iter().map(|a| a.status()).collect();
    assert_eq!(statuses, [200, 200]);
    assert_eq!(
        probed.end.expect("the token request's answer").status(),
        200
    );
    assert_eq!(counts(&vendor), [1, 1, 1]);

    let (url, vendor) = start(Mode::EchoSecrets).await;
    let provider = DynamicProvider::new(&STEPWISE)
        .setting("server", &url)
        .expect("setting");
    let probed = auth_runtime::description::send_login(
        &provider,
        &credentials(PASSWORD),
        Duration::from_secs(2),
    )
    .await
    .expect("the answers");
    let (step, error) = probed.end.expect_err("refused at its step");
    assert_eq!(step, 1, "the session step refused");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    // The refusing step's answer echoed the password: it is taken out.
    let refusing = probed.steps.last().expect("the session step's answer");
    let body = String::from_utf8_lossy(refusing.body());
    assert!(!body.contains(PASSWORD), "{body}");
    assert_eq!(counts(&vendor), [1, 1, 0]);
}
