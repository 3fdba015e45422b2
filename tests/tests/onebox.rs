//! OneBox end to end against auth-sim: JSON login, the documented 401 (string or
//! numeric `errorCode`, null `applicationCode`), JWT `exp` expiry, Bearer, "Expired
//! token" on API calls answered by one re-login.

use std::time::Duration;

use auth_runtime::{Clock, Session};
use auth_sim::{Sim, onebox};
use auth_vendors::OneBox;
use auth_vendors::onebox::{OneBoxCredentials, OneBoxError};
use authgen_tests::on_manual_clock;
use reqwest::Method;

fn provider(sim: &Sim) -> OneBox {
    OneBox::new(format!("{}{}", sim.base_url(), onebox::PREFIX))
}

fn credentials(password: &str) -> OneBoxCredentials {
    OneBox::credentials()
        .email(onebox::EMAIL)
        .password(password)
        .site_id(onebox::SITE_ID)
        .build()
}

fn session(sim: &Sim, credentials: OneBoxCredentials) -> (Session<OneBox>, Clock) {
    on_manual_clock(Session::builder(provider(sim), credentials))
}

async fn list(sim: &Sim, session: &Session<OneBox>) -> u16 {
    let url = format!("{}{}{}", sim.base_url(), onebox::PREFIX, onebox::LIST_PATH);
    session
        .send(session.request(Method::GET, url))
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn logs_in_and_sends_a_bearer_jwt() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, credentials(onebox::PASSWORD));
    assert_eq!(list(&sim, &session).await, 200);
    assert_eq!(list(&sim, &session).await, 200);
    assert_eq!(sim.onebox().logins(), 1);
    let response = session.login_response().expect("logged in");
    assert_eq!(response.response_code.as_deref(), Some("200"));
    assert_eq!(response.response_status.as_deref(), Some("Success"));
}

#[tokio::test]
async fn the_documented_401_with_a_string_or_numeric_error_code() {
    let sim = Sim::start().await;
    for numeric in [false, true] {
        sim.onebox().set_numeric_error_code(numeric);
        let (session, _) = session(&sim, credentials("wrong"));
        match session.token().await {
            Err(OneBoxError::Unauthorized {
                status,
                error_code,
                user_message,
                application_code,
                ..
            }) => {
                assert_eq!(status.as_deref(), Some("ERROR"));
                assert_eq!(error_code.as_deref(), Some("401"));
                assert_eq!(
                    user_message,
                    Some(onebox::not_authorized_message(onebox::SITE_ID))
                );
                assert_eq!(application_code, None);
            }
            other => panic!("expected Unauthorized, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_jwt_exp_claim_decides_the_expiry() {
    let sim = Sim::start().await;
    // The vendor issues 5-minute tokens today; the documented 15 minutes must not win.
    sim.onebox().set_token_lifetime(Duration::from_secs(300));
    let (session, clock) = session(&sim, credentials(onebox::PASSWORD));
    assert_eq!(list(&sim, &session).await, 200);
    clock.advance(Duration::from_secs(200));
    sim.clock().advance(Duration::from_secs(200));
    assert_eq!(list(&sim, &session).await, 200);
    assert_eq!(sim.onebox().logins(), 1);
    clock.advance(Duration::from_secs(90));
    sim.clock().advance(Duration::from_secs(90));
    assert_eq!(list(&sim, &session).await, 200);
    assert_eq!(sim.onebox().logins(), 2, "replaced within the JWT's margin");
    assert_eq!(sim.onebox().rejected_api_calls(), 0);
}

#[tokio::test]
async fn an_expired_token_on_an_api_call_causes_one_re_login() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, credentials(onebox::PASSWORD));
    assert_eq!(list(&sim, &session).await, 200);
    // The server's clock runs ahead: it sees the token expired, the session does not.
    sim.clock().advance(Duration::from_secs(901));
    assert_eq!(list(&sim, &session).await, 200);
    assert_eq!(sim.onebox().logins(), 2);
    assert_eq!(sim.onebox().rejected_api_calls(), 1);
}

#[tokio::test]
async fn onebox_has_no_logout() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, credentials(onebox::PASSWORD));
    session.token().await.expect("login");
    let outcome = session.logout().await.expect("forgets the token");
    assert_eq!(outcome, auth_runtime::LoggedOut::OnlyForgotten);
    assert!(session.cached_token().is_none());
}
