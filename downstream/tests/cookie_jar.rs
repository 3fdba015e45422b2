//! `CookieJar` (a session cookie, a text login answered at HTTP 200 either way, HTTP
//! 440 for an expired session) end to end against auth-sim's cookie-session vendor,
//! described with the attribute alone.

use std::time::Duration;

use auth_sim::{Sim, cookie_session};
use authgen_downstream::auth::{Clock, Session};
use authgen_downstream::{CookieJar, CookieJarCredentials, CookieJarError};
use common::{advance, concurrent_tokens, on_manual_clock};

mod common;

fn host(sim: &Sim) -> String {
    format!("{}{}", sim.base_url(), cookie_session::PREFIX)
}

fn credentials(password: &str) -> CookieJarCredentials {
    CookieJar::credentials()
        .user(cookie_session::USER)
        .password(password)
        .build()
}

fn session(sim: &Sim, password: &str) -> (Session<CookieJar>, Clock) {
    on_manual_clock(CookieJar::new(host(sim)), credentials(password))
}

/// Lists the items with the caller's own `theme` cookie; the status and the body.
async fn items(sim: &Sim, session: &Session<CookieJar>) -> (u16, serde_json::Value) {
    let url = format!("{}{}", host(sim), cookie_session::ITEMS_PATH);
    let response = session
        .send(session.get(url).header("cookie", "theme=dark"))
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let body = response.bytes().await.expect("body");
    (status, serde_json::from_slice(&body).unwrap_or_default())
}

#[tokio::test]
async fn the_session_cookie_goes_beside_the_callers_own_cookies() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, cookie_session::PASSWORD);
    let (status, body) = items(&sim, &session).await;
    assert_eq!(status, 200);
    assert_eq!(body["cookies"], serde_json::json!(["theme", "sid"]));
    assert_eq!(sim.cookie_session().logins(), 1);
}

#[tokio::test]
async fn a_refusal_in_text_at_http_200_is_typed_and_not_retried() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, "wrong");
    for _ in 0..3 {
        match session.token().await {
            Err(CookieJarError::Denied {}) => {}
            other => panic!("expected Denied, got {other:?}"),
        }
    }
    assert_eq!(sim.cookie_session().login_attempts(), 1, "never retried");
    assert_eq!(
        CookieJarError::Denied {}.to_string(),
        "CookieJar refused the credentials"
    );
}

#[tokio::test]
async fn a_missing_password_is_its_own_failure() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, "");
    match session.token().await {
        Err(CookieJarError::Incomplete {}) => {}
        other => panic!("expected Incomplete, got {other:?}"),
    }
}

#[tokio::test]
async fn a_hundred_concurrent_callers_share_one_login() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, cookie_session::PASSWORD);
    concurrent_tokens(session, 100).await;
    assert_eq!(sim.cookie_session().logins(), 1);
}

#[tokio::test]
async fn a_session_ended_by_the_server_is_replaced_once_and_the_call_replayed() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, cookie_session::PASSWORD);
    assert_eq!(items(&sim, &session).await.0, 200);
    sim.cookie_session().revoke_all();
    // HTTP 440, the vendor's "session expired": one login, one replay, success.
    assert_eq!(items(&sim, &session).await.0, 200);
    assert_eq!(sim.cookie_session().logins(), 2);
    assert_eq!(sim.cookie_session().rejected_api_calls(), 1);
}

#[tokio::test]
async fn the_cookies_max_age_decides_the_lifetime() {
    let sim = Sim::start().await;
    // The vendor now gives ten-minute sessions, though thirty are documented.
    sim.cookie_session()
        .set_token_lifetime(Duration::from_secs(600));
    let (session, clock) = session(&sim, cookie_session::PASSWORD);
    assert_eq!(items(&sim, &session).await.0, 200);
    advance(&sim, &clock, Duration::from_secs(11 * 60));
    // Replaced before the call, from the cookie's Max-Age: no call is refused.
    assert_eq!(items(&sim, &session).await.0, 200);
    assert_eq!(sim.cookie_session().logins(), 2);
    assert_eq!(sim.cookie_session().rejected_api_calls(), 0);
}

#[tokio::test]
async fn logout_sends_the_cookie_and_ends_the_session() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, cookie_session::PASSWORD);
    assert_eq!(items(&sim, &session).await.0, 200);
    session.logout().await.expect("logged out");
    assert_eq!(sim.cookie_session().logouts(), 1);
    assert_eq!(sim.cookie_session().active_sessions(), 0);
    // The next call logs in again.
    assert_eq!(items(&sim, &session).await.0, 200);
    assert_eq!(sim.cookie_session().logins(), 2);
}

#[tokio::test]
async fn a_failed_logout_reports_its_error_and_the_session_stays_usable() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, cookie_session::PASSWORD);
    assert_eq!(items(&sim, &session).await.0, 200);
    sim.cookie_session().revoke_all();
    match session.logout().await {
        Err(CookieJarError::Runtime(error)) => {
            assert!(error.to_string().contains("440"), "{error}");
        }
        other => panic!("expected the logout's failure, got {other:?}"),
    }
    // The token was forgotten anyway: the next call logs in again and succeeds.
    assert_eq!(items(&sim, &session).await.0, 200);
    assert_eq!(sim.cookie_session().logins(), 2);
    assert_eq!(sim.cookie_session().rejected_api_calls(), 0);
}
