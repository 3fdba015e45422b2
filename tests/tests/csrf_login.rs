//! The CSRF-first web login (`auth_sim::csrf_login`, described in
//! `authgen_tests::csrf_login`) end to end: every login fetches a fresh CSRF token
//! first, sends it back in a header and a cookie, and keeps the session cookie.

use std::sync::Arc;
use std::time::Duration;

use auth_runtime::Session;
use auth_sim::{Sim, csrf_login};
use authgen_tests::csrf_login::{CsrfLogin, CsrfLoginError};
use authgen_tests::{advance, on_manual_clock};

fn server(sim: &Sim) -> String {
    format!("{}{}", sim.base_url(), csrf_login::PREFIX)
}

fn session(sim: &Sim, password: &str) -> (Session<CsrfLogin>, auth_runtime::Clock) {
    let credentials = CsrfLogin::credentials()
        .username(csrf_login::USER)
        .password(password)
        .build();
    on_manual_clock(
        Session::builder(CsrfLogin::new(server(sim)), credentials)
            .login_deadline(Duration::from_secs(5)),
    )
}

async fn accounts(sim: &Sim, session: &Session<CsrfLogin>) -> u16 {
    let url = format!("{}{}", server(sim), csrf_login::ACCOUNTS_PATH);
    session
        .send(session.get(url))
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn twenty_callers_share_one_login_of_two_requests() {
    let sim = Sim::start().await;
    sim.csrf_login().set_login_delay(Duration::from_millis(50));
    let (session, _) = session(&sim, csrf_login::PASSWORD);
    let session = Arc::new(session);
    let calls = (0..20).map(|_| {
        let session = Arc::clone(&session);
        let sim = &sim;
        async move { accounts(sim, &session).await }
    });
    let statuses = futures::future::join_all(calls).await;
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    let vendor = sim.csrf_login();
    assert_eq!(
        (
            vendor.csrf_issued(),
            vendor.login_attempts(),
            vendor.logins()
        ),
        (1, 1, 1),
        "one CSRF token and one login for twenty callers"
    );
    assert_eq!(vendor.csrf_refusals(), 0);
}

#[tokio::test]
async fn a_session_that_ends_logs_in_again_from_a_fresh_csrf_token() {
    let sim = Sim::start().await;
    let (session, clock) = session(&sim, csrf_login::PASSWORD);
    assert_eq!(accounts(&sim, &session).await, 200);
    // The session ends on the server only: the call is refused (403), and the session
    // logs in again, from the first step, then replays the call.
    sim.csrf_login().revoke_all();
    assert_eq!(accounts(&sim, &session).await, 200);
    // The session's lifetime passes on both clocks.
    advance(
        &sim,
        &clock,
        csrf_login::DEFAULT_TOKEN_LIFETIME + Duration::from_secs(1),
    );
    assert_eq!(accounts(&sim, &session).await, 200);
    let vendor = sim.csrf_login();
    assert_eq!(
        (
            vendor.csrf_issued(),
            vendor.logins(),
            vendor.csrf_refusals()
        ),
        (3, 3, 0),
        "each login fetched its own CSRF token; none was reused"
    );
}

#[tokio::test]
async fn wrong_credentials_are_the_typed_variant_and_the_password_shows_nowhere() {
    let sim = Sim::start().await;
    let password = "not-the-Pa55word";
    let (session, _) = session(&sim, password);
    let error = session.token().await.expect_err("refused");
    assert!(
        matches!(error, CsrfLoginError::BadCredentials {}),
        "{error:?}"
    );
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        format!("{session:?}"),
    ] {
        assert!(!shown.contains(password), "{shown}");
    }
    assert_eq!(sim.csrf_login().logins(), 0);
    assert_eq!(sim.csrf_login().csrf_issued(), 1);
}

#[tokio::test]
async fn a_login_whose_csrf_token_is_refused_is_that_variant_with_the_vendors_words() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, csrf_login::PASSWORD);
    // The login request waits on the server while the server's clock passes the CSRF
    // token's minute: the token the step fetched is stale when the login is read.
    sim.csrf_login().set_login_delay(Duration::from_millis(200));
    let wait = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        sim.clock()
            .advance(csrf_login::CSRF_LIFETIME + Duration::from_secs(1));
    };
    let (error, ()) = tokio::join!(session.token(), wait);
    let error = error.expect_err("refused");
    match &error {
        CsrfLoginError::CsrfRefused { detail } => {
            assert_eq!(detail.as_deref(), Some(csrf_login::CSRF_FAILED));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.csrf_login().csrf_refusals(), 1);
}

#[tokio::test]
async fn logout_ends_the_session_at_the_vendor() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, csrf_login::PASSWORD);
    assert_eq!(accounts(&sim, &session).await, 200);
    session.logout().await.expect("logout");
    assert_eq!(sim.csrf_login().logouts(), 1);
    assert_eq!(sim.csrf_login().active_sessions(), 0);
}
