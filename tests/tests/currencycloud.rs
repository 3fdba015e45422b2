//! Currencycloud end to end against auth-sim: multipart login, every documented
//! failure with its field messages, 30-minute idle expiry, `X-Auth-Token`, re-login on
//! `auth_failed`, logout, and no retry of refused logins (the account locks after 4).

use std::time::Duration;

use auth_runtime::{Clock, RetryPolicy, Session};
use auth_sim::Sim;
use auth_sim::currencycloud::{self as sim_cc, Outage};
use auth_vendors::Currencycloud;
use auth_vendors::currencycloud::{CurrencycloudCredentials, CurrencycloudError};
use authgen_tests::{advance, on_manual_clock};
use reqwest::Method;

fn provider(sim: &Sim) -> Currencycloud {
    Currencycloud::new(format!("{}{}", sim.base_url(), sim_cc::PREFIX))
}

fn credentials(api_key: &str) -> CurrencycloudCredentials {
    Currencycloud::credentials()
        .login_id(sim_cc::LOGIN_ID)
        .api_key(api_key)
        .build()
        .expect("well-formed")
}

fn session(sim: &Sim, credentials: CurrencycloudCredentials) -> (Session<Currencycloud>, Clock) {
    on_manual_clock(Session::builder(provider(sim), credentials).retry(RetryPolicy::none()))
}

async fn balances(sim: &Sim, session: &Session<Currencycloud>) -> u16 {
    let url = format!(
        "{}{}{}",
        sim.base_url(),
        sim_cc::PREFIX,
        sim_cc::BALANCES_PATH
    );
    session
        .send(session.request(Method::GET, url))
        .await
        .expect("sent")
        .status()
        .as_u16()
}

const WRONG_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[tokio::test]
async fn logs_in_with_multipart_and_sends_x_auth_token() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, credentials(sim_cc::API_KEY));
    assert_eq!(balances(&sim, &session).await, 200);
    assert_eq!(balances(&sim, &session).await, 200);
    assert_eq!(sim.currencycloud().logins(), 1);
}

#[tokio::test]
async fn wrong_credentials_are_auth_failed_with_field_messages_and_never_retried() {
    let sim = Sim::start().await;
    let clock = Clock::manual();
    // Even with retries allowed, a refusal is not retried.
    let session = Session::builder(provider(&sim), credentials(WRONG_KEY))
        .clock(clock)
        .build()
        .expect("session");
    match session.token().await {
        Err(CurrencycloudError::AuthFailed {
            error_code,
            error_messages,
        }) => {
            assert_eq!(error_code.as_deref(), Some(sim_cc::AUTH_FAILED));
            let username = error_messages.get("username");
            assert_eq!(
                username[0].code.as_deref(),
                Some(sim_cc::INVALID_SUPPLIED_CREDENTIALS)
            );
            assert!(username[0].message.is_some());
        }
        other => panic!("expected AuthFailed, got {other:?}"),
    }
    assert_eq!(sim.currencycloud().login_attempts(), 1);
    assert_eq!(
        sim.currencycloud().failed_logins(),
        1,
        "far from the lock at 4"
    );
}

#[tokio::test]
async fn missing_login_details_are_invalid_login_details() {
    let sim = Sim::start().await;
    let credentials = Currencycloud::credentials()
        .login_id("")
        .api_key(sim_cc::API_KEY)
        .build()
        .expect("well-formed");
    let (session, _) = session(&sim, credentials);
    match session.token().await {
        Err(CurrencycloudError::InvalidLoginDetails {
            error_code,
            error_messages,
        }) => {
            assert_eq!(
                error_code.as_deref(),
                Some(sim_cc::AUTH_INVALID_USER_LOGIN_DETAILS)
            );
            assert_eq!(
                error_messages.get("login_id")[0].code.as_deref(),
                Some(sim_cc::LOGIN_ID_IS_REQUIRED)
            );
        }
        other => panic!("expected InvalidLoginDetails, got {other:?}"),
    }
}

#[tokio::test]
async fn rate_limits_and_outages_are_their_own_variants() {
    let sim = Sim::start().await;
    sim.currencycloud().set_logins_per_minute(Some(1));
    let (first, _) = session(&sim, credentials(sim_cc::API_KEY));
    first.token().await.expect("first login");
    let (second, _) = session(&sim, credentials(sim_cc::API_KEY));
    let error = second.token().await.expect_err("limited");
    assert!(
        matches!(error, CurrencycloudError::TooManyRequests { ref error_code, .. }
        if error_code.as_deref() == Some(sim_cc::TOO_MANY_REQUESTS)),
        "{error:?}"
    );
    sim.currencycloud().set_logins_per_minute(None);

    for (outage, check) in [
        (
            Outage::InternalServerError,
            (|e: &CurrencycloudError| matches!(e, CurrencycloudError::ServerError { .. }))
                as fn(&CurrencycloudError) -> bool,
        ),
        (Outage::ServiceUnavailable, |e| {
            matches!(e, CurrencycloudError::Unavailable { .. })
        }),
    ] {
        sim.currencycloud().set_outage(Some(outage));
        let (session, clock) = session(&sim, credentials(sim_cc::API_KEY));
        let error = session.token().await.expect_err("outage");
        assert!(check(&error), "{error:?}");
        sim.currencycloud().set_outage(None);
        let attempts = sim.currencycloud().login_attempts();
        let held = session.token().await.expect_err("cooling down");
        assert!(check(&held), "the same failure again: {held:?}");
        assert_eq!(sim.currencycloud().login_attempts(), attempts, "no attempt");
        clock.advance(Duration::from_secs(2));
        session
            .token()
            .await
            .expect("recovers when the outage ends and the cool-down has passed");
    }
}

#[tokio::test]
async fn a_transient_outage_is_retried_after_retry_after() {
    let sim = Sim::start().await;
    sim.currencycloud()
        .set_outage(Some(Outage::ServiceUnavailable));
    let session = Session::builder(provider(&sim), credentials(sim_cc::API_KEY))
        .clock(Clock::manual())
        .build()
        .expect("session");
    let waiter =
        tokio::spawn(async move { session.token().await.map(|t| t.expose_secret().len()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    sim.currencycloud().set_outage(None);
    let length = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("no hang")
        .expect("task")
        .expect("second attempt succeeds after Retry-After: 1");
    assert_eq!(length, 32);
    assert_eq!(sim.currencycloud().login_attempts(), 2);
}

#[tokio::test]
async fn tokens_expire_after_thirty_minutes_of_inactivity() {
    let sim = Sim::start().await;
    let (session, clock) = session(&sim, credentials(sim_cc::API_KEY));
    // Used every 20 minutes for two hours: one token.
    for _ in 0..6 {
        assert_eq!(balances(&sim, &session).await, 200);
        advance(&sim, &clock, Duration::from_secs(20 * 60));
    }
    assert_eq!(sim.currencycloud().logins(), 1);
    // Idle for 31 minutes: a new login, before the vendor has to refuse anything.
    advance(&sim, &clock, Duration::from_secs(11 * 60));
    assert_eq!(balances(&sim, &session).await, 200);
    assert_eq!(sim.currencycloud().logins(), 2);
    assert_eq!(sim.currencycloud().rejected_api_calls(), 0);
}

#[tokio::test]
async fn auth_failed_on_an_api_call_causes_one_re_login() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, credentials(sim_cc::API_KEY));
    assert_eq!(balances(&sim, &session).await, 200);
    sim.currencycloud().revoke_all();
    assert_eq!(balances(&sim, &session).await, 200);
    assert_eq!(sim.currencycloud().logins(), 2);
    assert_eq!(sim.currencycloud().rejected_api_calls(), 1);
}

#[tokio::test]
async fn logout_closes_the_session() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, credentials(sim_cc::API_KEY));
    session.token().await.expect("login");
    assert_eq!(sim.currencycloud().active_tokens(), 1);
    session.logout().await.expect("closed");
    assert_eq!(sim.currencycloud().logouts(), 1);
    assert_eq!(sim.currencycloud().active_tokens(), 0);
}

#[tokio::test]
async fn form_urlencoded_is_selectable() {
    let sim = Sim::start().await;
    let session = Session::builder(provider(&sim), credentials(sim_cc::API_KEY))
        .login_format(auth_runtime::WireFormat::Form)
        .build()
        .expect("session");
    assert_eq!(balances(&sim, &session).await, 200);
    assert_eq!(sim.currencycloud().logins(), 1);
}
