//! CRM.COM end to end: the derived provider against auth-sim's CRM.COM over real HTTP
//! on 127.0.0.1, with the session's and the simulator's clocks advanced together.

use std::time::Duration;

use auth_runtime::{Clock, ExpiryPolicy, Session};
use auth_sim::{Sim, crmcom};
use auth_vendors::{CrmCom, crmcom::CrmComError};
use authgen_tests::{advance, on_manual_clock};
use reqwest::Method;

fn provider(sim: &Sim) -> CrmCom {
    CrmCom::new(format!("{}{}", sim.base_url(), crmcom::PREFIX))
}

fn by_password() -> auth_vendors::crmcom::CrmComCredentials {
    CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .username(crmcom::USERNAME)
        .password(crmcom::PASSWORD)
        .build()
}

fn by_identifier() -> auth_vendors::crmcom::CrmComCredentials {
    CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .identifier(crmcom::IDENTIFIER)
        .pass_code(crmcom::PASS_CODE)
        .build()
}

/// A session on a manual clock, and that clock.
fn session(
    sim: &Sim,
    credentials: auth_vendors::crmcom::CrmComCredentials,
) -> (Session<CrmCom>, Clock) {
    on_manual_clock(Session::builder(provider(sim), credentials))
}

/// Calls the GET endpoint that takes the token as a query parameter; returns `status.code`.
async fn list_contacts(sim: &Sim, session: &Session<CrmCom>) -> String {
    let url = format!(
        "{}{}/crmapi/rest/v2/contacts/list",
        sim.base_url(),
        crmcom::PREFIX
    );
    let response = session
        .send(session.request(Method::GET, url))
        .await
        .expect("sent");
    let body: serde_json::Value = response.json().await.expect("JSON envelope");
    body["status"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn logs_in_with_username_and_password() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, by_password());
    let token = session.token().await.expect("login");
    assert_eq!(token.expose_secret().len(), 32);
    assert_eq!(sim.crmcom().logins(), 1);
}

#[tokio::test]
async fn logs_in_with_an_authentication_code_and_a_unit() {
    let sim = Sim::start().await;
    let credentials = CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .authentication_code(crmcom::AUTHENTICATION_CODE)
        .unit(crmcom::UNIT)
        .build();
    let (session, _) = session(&sim, credentials);
    session.token().await.expect("login");
    assert_eq!(list_contacts(&sim, &session).await, "OK");
}

#[tokio::test]
async fn logs_in_with_an_identifier_and_pass_code() {
    let sim = Sim::start().await;
    let credentials = by_identifier();
    let (session, _) = session(&sim, credentials);
    session.token().await.expect("login");
    assert_eq!(sim.crmcom().logins(), 1);
}

#[tokio::test]
async fn wrong_credentials_are_the_typed_rejection() {
    let sim = Sim::start().await;
    let credentials = CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .username(crmcom::USERNAME)
        .password("not the password")
        .build();
    let (session, _) = session(&sim, credentials);
    let error = session.token().await.expect_err("refused");
    let CrmComError::Rejected { code, message, .. } = &error else {
        panic!("expected Rejected, got {error:?}");
    };
    assert_eq!(code.as_deref(), Some(crmcom::INVALID_LOGIN));
    assert!(message.is_some(), "the vendor's message is kept");
    assert!(
        error
            .to_string()
            .starts_with("CRM.COM refused the login (code: "),
        "{error}"
    );
    assert!(!error.to_string().contains("not the password"));
    assert_eq!(sim.crmcom().logins(), 0);
    assert_eq!(
        sim.crmcom().login_attempts(),
        1,
        "a refused login is not retried"
    );
}

#[tokio::test]
async fn a_cached_token_causes_no_second_login() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, by_password());
    assert_eq!(list_contacts(&sim, &session).await, "OK");
    assert_eq!(list_contacts(&sim, &session).await, "OK");
    assert_eq!(sim.crmcom().logins(), 1);
    assert_eq!(sim.crmcom().api_calls(), 2);
}

#[tokio::test]
async fn the_token_goes_in_the_json_body_on_post() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, by_password());
    let url = format!(
        "{}{}/crmapi/rest/v2/contacts/create",
        sim.base_url(),
        crmcom::PREFIX
    );
    let request = session
        .request(Method::POST, url)
        .json(&serde_json::json!({"first_name": "Ada", "last_name": "Lovelace"}));
    let response = session.send(request).await.expect("sent");
    let body: serde_json::Value = response.json().await.expect("JSON envelope");
    assert_eq!(body["status"]["code"], "OK", "{body}");
}

#[tokio::test]
async fn an_expired_token_causes_exactly_one_new_login() {
    let sim = Sim::start().await;
    let (session, clock) = session(&sim, by_password());
    let first = session
        .token()
        .await
        .expect("login")
        .expose_secret()
        .to_owned();
    advance(&sim, &clock, Duration::from_secs(50 * 60));
    assert_eq!(
        session.token().await.expect("cached").expose_secret(),
        first
    );
    assert_eq!(sim.crmcom().logins(), 1, "still fresh at 50 minutes");

    advance(&sim, &clock, Duration::from_secs(10 * 60 + 1));
    let second = session
        .token()
        .await
        .expect("login")
        .expose_secret()
        .to_owned();
    assert_ne!(second, first);
    assert_eq!(list_contacts(&sim, &session).await, "OK");
    assert_eq!(list_contacts(&sim, &session).await, "OK");
    assert_eq!(sim.crmcom().logins(), 2);
}

#[tokio::test]
async fn the_token_is_replaced_before_the_hour_is_up() {
    // The refresh margin is 10% of the hour: at 55 minutes the token is due.
    let sim = Sim::start().await;
    let (session, clock) = session(&sim, by_password());
    session.token().await.expect("login");
    advance(&sim, &clock, Duration::from_secs(55 * 60));
    assert!(session.cached_token().is_none(), "due for refresh");
    session.token().await.expect("login");
    assert_eq!(sim.crmcom().logins(), 2);
}

#[tokio::test]
async fn idle_expiry_is_renewed_by_use() {
    let sim = Sim::start().await;
    sim.crmcom().set_idle_expiry(true);
    let (session, clock) = on_manual_clock(
        Session::builder(provider(&sim), by_password())
            .expiry(ExpiryPolicy::idle(Duration::from_secs(3600))),
    );
    for _ in 0..3 {
        assert_eq!(list_contacts(&sim, &session).await, "OK");
        advance(&sim, &clock, Duration::from_secs(40 * 60));
    }
    assert_eq!(list_contacts(&sim, &session).await, "OK");
    assert_eq!(
        sim.crmcom().logins(),
        1,
        "two hours of use on one idle-renewed token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_callers_on_a_cold_session_cause_one_login() {
    let sim = Sim::start().await;
    sim.crmcom().set_login_delay(Duration::from_millis(200));
    let (session, _) = session(&sim, by_password());
    let callers = (0..100).map(|_| {
        let session = session.clone();
        tokio::spawn(async move { session.token().await.map(|t| t.expose_secret().to_owned()) })
    });
    let tokens: Vec<String> = futures::future::join_all(callers)
        .await
        .into_iter()
        .map(|joined| joined.expect("task").expect("token"))
        .collect();
    assert_eq!(sim.crmcom().logins(), 1);
    assert_eq!(sim.crmcom().login_attempts(), 1);
    assert!(
        tokens.iter().all(|t| *t == tokens[0]),
        "everyone got the same token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_on_a_refused_login_cause_one_attempt() {
    let sim = Sim::start().await;
    sim.crmcom().set_login_delay(Duration::from_millis(200));
    let credentials = CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .username(crmcom::USERNAME)
        .password("wrong")
        .build();
    let (session, _) = session(&sim, credentials);
    let callers = (0..20).map(|_| {
        let session = session.clone();
        tokio::spawn(async move { session.token().await.map(|_| ()) })
    });
    for joined in futures::future::join_all(callers).await {
        assert!(matches!(
            joined.expect("task"),
            Err(CrmComError::Rejected { .. })
        ));
    }
    assert_eq!(
        sim.crmcom().login_attempts(),
        1,
        "one refused attempt, shared"
    );
}

#[tokio::test]
async fn logout_releases_the_token() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, by_password());
    let token = session
        .token()
        .await
        .expect("login")
        .expose_secret()
        .to_owned();
    let outcome = session.logout().await.expect("released");
    assert_eq!(outcome, auth_runtime::LoggedOut::Retired);
    assert_eq!(sim.crmcom().logouts(), 1);

    // The released token is refused by the vendor.
    let url = format!(
        "{}{}/crmapi/rest/v2/contacts/list",
        sim.base_url(),
        crmcom::PREFIX
    );
    let body: serde_json::Value = reqwest::Client::new()
        .get(url)
        .query(&[("token", token.as_str())])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON envelope");
    assert_eq!(body["status"]["code"], crmcom::INVALID_TOKEN);

    // The session logs in again on next use.
    assert_eq!(list_contacts(&sim, &session).await, "OK");
    assert_eq!(sim.crmcom().logins(), 2);
}

#[tokio::test]
async fn debug_output_shows_no_secret() {
    let sim = Sim::start().await;
    let credentials = by_identifier();
    let shown = format!("{credentials:?}");
    assert!(!shown.contains(crmcom::PASS_CODE), "{shown}");
    assert!(
        shown.contains("[REDACTED]") && shown.contains(crmcom::IDENTIFIER),
        "{shown}"
    );
    let shown = format!("{:?}", by_password());
    assert!(!shown.contains(crmcom::PASSWORD), "{shown}");

    let (session, _) = session(&sim, credentials);
    let token = session.token().await.expect("login");
    let secret = token.expose_secret().to_owned();
    for shown in [
        format!("{token:?}"),
        format!("{session:?}"),
        format!("{:?}", session.provider()),
    ] {
        assert!(!shown.contains(&secret), "{shown}");
        assert!(!shown.contains(crmcom::PASS_CODE), "{shown}");
    }
}

#[tokio::test]
async fn a_token_refused_in_the_envelope_causes_one_re_login_and_a_replay() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, by_password());
    assert_eq!(list_contacts(&sim, &session).await, "OK");
    // CRM.COM answers HTTP 200 with `status.code` INVALID_TOKEN for a revoked token.
    sim.crmcom().revoke_all();
    assert_eq!(list_contacts(&sim, &session).await, "OK");
    assert_eq!(sim.crmcom().logins(), 2);
    assert_eq!(sim.crmcom().rejected_api_calls(), 1);

    // The same for a POST with the token in the JSON body.
    sim.crmcom().revoke_all();
    let url = format!(
        "{}{}{}",
        sim.base_url(),
        crmcom::PREFIX,
        crmcom::CONTACTS_CREATE_PATH
    );
    let request = session
        .request(Method::POST, url)
        .json(&serde_json::json!({"first_name": "Ada"}));
    let body: serde_json::Value = session
        .send(request)
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON envelope, rebuilt after inspection");
    assert_eq!(body["status"]["code"], "OK", "{body}");
    assert_eq!(sim.crmcom().logins(), 3);
}

/// A CRM.COM R12+ server: the token is a JWT whose `exp` says 2 minutes.
async fn jwt_issuing_crmcom() -> String {
    use base64::Engine as _;
    let app = axum::Router::new().route(
        "/crmapi/rest/v2/authentication/token",
        axum::routing::post(|| async {
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let exp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("after 1970")
                .as_secs()
                + 120;
            let token = format!(
                "{}.{}.{}",
                b64.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
                b64.encode(format!(r#"{{"sub":"mpadministrator","exp":{exp}}}"#)),
                b64.encode("signature")
            );
            axum::Json(serde_json::json!({
                "status": {"code": "OK", "message": null, "description": null},
                "data": {"token": token}
            }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test]
async fn a_jwt_token_expires_by_its_exp_claim_not_the_documented_hour() {
    let server = jwt_issuing_crmcom().await;
    let (session, clock) = on_manual_clock(Session::builder(CrmCom::new(&server), by_password()));
    session.token().await.expect("login");
    clock.advance(Duration::from_secs(60));
    assert!(session.cached_token().is_some(), "fresh after a minute");
    clock.advance(Duration::from_secs(50));
    assert!(
        session.cached_token().is_none(),
        "due within the margin of the JWT's two minutes"
    );
}
