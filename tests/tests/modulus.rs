//! Modulus end to end against auth-sim: both login flows, every documented failure,
//! 15-minute absolute expiry, JWT `exp`, Bearer on API calls, and re-login on rejection.

use std::time::Duration;

use auth_runtime::{Clock, Session};
use auth_sim::{Sim, modulus};
use auth_vendors::modulus::{ModulusCredentials, ModulusError, ModulusJwtError};
use auth_vendors::{Modulus, ModulusJwt};
use authgen_tests::{advance, on_manual_clock};
use reqwest::Method;

fn base(sim: &Sim) -> String {
    format!("{}{}", sim.base_url(), modulus::prefix(modulus::ACCOUNT))
}

fn provider(sim: &Sim) -> Modulus {
    Modulus::new(modulus::ACCOUNT).with_base_url(base(sim))
}

fn credentials(secret: &str) -> ModulusCredentials {
    Modulus::credentials()
        .app(modulus::APP)
        .secret(secret)
        .build()
}

fn session(sim: &Sim, credentials: ModulusCredentials) -> (Session<Modulus>, Clock) {
    on_manual_clock(Session::builder(provider(sim), credentials))
}

async fn balance<P: auth_runtime::Provider>(sim: &Sim, session: &Session<P>) -> u16 {
    let url = format!("{}{}", base(sim), modulus::BALANCE_PATH);
    let response = session
        .send(session.request(Method::GET, url))
        .await
        .expect("sent");
    response.status().as_u16()
}

#[tokio::test]
async fn app_and_secret_log_in_and_the_typed_response_has_app_id_and_ip() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, credentials(modulus::SECRET));
    assert_eq!(balance(&sim, &session).await, 200, "Bearer token accepted");
    let response = session.login_response().expect("logged in");
    assert_eq!(response.app_id.as_deref(), Some(modulus::APP_ID));
    assert_eq!(response.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(response.message.as_deref(), Some(modulus::SUCCESS_MESSAGE));
}

#[tokio::test]
async fn a_wrong_secret_is_unauthorized_with_title_and_message() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, credentials("wrong"));
    match session.token().await {
        Err(ModulusError::Unauthorized { title, message }) => {
            assert_eq!(title.as_deref(), Some("Unauthorized"));
            assert_eq!(
                message.as_deref(),
                Some(modulus::AUTHENTICATION_FAILED_MESSAGE)
            );
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    assert_eq!(sim.modulus().login_attempts(), 1, "never retried");
}

#[tokio::test]
async fn a_missing_parameter_is_bad_request() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, credentials(""));
    match session.token().await {
        Err(ModulusError::BadRequest { title, message }) => {
            assert_eq!(title.as_deref(), Some("Bad Request"));
            assert_eq!(
                message.as_deref(),
                Some(modulus::MISSING_PARAMETERS_MESSAGE)
            );
        }
        other => panic!("expected BadRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn the_token_is_cached_and_expires_fifteen_minutes_after_creation() {
    let sim = Sim::start().await;
    let (session, clock) = session(&sim, credentials(modulus::SECRET));
    assert_eq!(balance(&sim, &session).await, 200);
    advance(&sim, &clock, Duration::from_secs(12 * 60));
    assert_eq!(balance(&sim, &session).await, 200);
    assert_eq!(
        sim.modulus().logins(),
        1,
        "cached, and absolute: use does not extend it"
    );
    advance(&sim, &clock, Duration::from_secs(3 * 60));
    assert_eq!(balance(&sim, &session).await, 200);
    assert_eq!(sim.modulus().logins(), 2);
    assert_eq!(
        sim.modulus().rejected_api_calls(),
        0,
        "replaced before the vendor refused it"
    );
}

#[tokio::test]
async fn the_jwt_flow_expires_by_its_exp_claim() {
    let sim = Sim::start().await;
    // The vendor's JWTs say 10 minutes; the documented 15 must not win.
    sim.modulus().set_token_lifetime(Duration::from_secs(600));
    let credentials = ModulusJwt::credentials()
        .username(modulus::USERNAME)
        .password(modulus::PASSWORD)
        .build();
    let provider = ModulusJwt::new(modulus::ACCOUNT).with_base_url(base(&sim));
    let (session, clock) = on_manual_clock(Session::builder(provider, credentials));
    assert_eq!(balance(&sim, &session).await, 200);
    advance(&sim, &clock, Duration::from_secs(8 * 60));
    assert_eq!(balance(&sim, &session).await, 200);
    assert_eq!(sim.modulus().logins(), 1);
    advance(&sim, &clock, Duration::from_secs(60 + 30));
    assert!(
        session.cached_token().is_none(),
        "due: 10% margin of the JWT's 10 minutes"
    );
    assert_eq!(balance(&sim, &session).await, 200);
    assert_eq!(sim.modulus().logins(), 2);

    let wrong = ModulusJwt::credentials()
        .username(modulus::USERNAME)
        .password("nope")
        .build();
    let provider = ModulusJwt::new(modulus::ACCOUNT).with_base_url(base(&sim));
    let refused = Session::new(provider, wrong).expect("session");
    assert!(matches!(
        refused.token().await,
        Err(ModulusJwtError::Unauthorized { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_concurrent_rejections_cause_one_new_login() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, credentials(modulus::SECRET));
    assert_eq!(balance(&sim, &session).await, 200);
    sim.modulus().revoke_all();
    sim.modulus().set_login_delay(Duration::from_millis(100));
    let calls = (0..10).map(|_| {
        let (session, sim_base) = (session.clone(), base(&sim));
        tokio::spawn(async move {
            let url = format!("{sim_base}{}", modulus::BALANCE_PATH);
            session
                .send(session.request(Method::GET, url))
                .await
                .map(|r| r.status().as_u16())
        })
    });
    for joined in futures::future::join_all(calls).await {
        assert_eq!(joined.expect("task").expect("sent"), 200);
    }
    assert_eq!(
        sim.modulus().logins(),
        2,
        "one login, then one re-login for all ten"
    );
}

#[tokio::test]
async fn a_rejected_token_is_replaced_once_and_the_request_replayed() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, credentials(modulus::SECRET));
    assert_eq!(balance(&sim, &session).await, 200);
    sim.modulus().revoke_all();
    assert_eq!(balance(&sim, &session).await, 200);
    assert_eq!(sim.modulus().logins(), 2);
    assert_eq!(sim.modulus().rejected_api_calls(), 1);
}

#[tokio::test]
async fn modulus_has_no_logout_so_logout_only_forgets_the_token() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, credentials(modulus::SECRET));
    session.token().await.expect("login");
    let outcome = session.logout().await.expect("nothing to call");
    assert_eq!(outcome, auth_runtime::LoggedOut::OnlyForgotten);
    assert!(session.cached_token().is_none());
    // Forgotten already: a second logout has nothing to retire.
    let again = session.logout().await.expect("nothing to call");
    assert_eq!(again, auth_runtime::LoggedOut::NothingToRetire);
    session.token().await.expect("login");
    assert_eq!(sim.modulus().logins(), 2);
}
