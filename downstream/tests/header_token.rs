//! `HeaderToken` (the token in a response header, its expiry in the body, a nested
//! login body of constants and credentials, a `DELETE` logout naming the token in two
//! headers at once, as OpenStack Keystone's revocation wants) end to end against auth-sim's header-token vendor, described
//! with the attribute alone.

use std::time::Duration;

use auth_sim::{Sim, header_token};
use authgen_downstream::auth::{Clock, Session};
use authgen_downstream::{HeaderToken, HeaderTokenCredentials, HeaderTokenError};
use common::{advance, concurrent_tokens, on_manual_clock};

mod common;

fn host(sim: &Sim) -> String {
    format!("{}{}", sim.base_url(), header_token::PREFIX)
}

fn credentials(user: &str, password: &str) -> HeaderTokenCredentials {
    HeaderToken::credentials()
        .user(user)
        .password(password)
        .build()
}

fn session(sim: &Sim, password: &str) -> (Session<HeaderToken>, Clock) {
    on_manual_clock(
        HeaderToken::new(host(sim)),
        credentials(header_token::USER, password),
    )
}

async fn projects(sim: &Sim, session: &Session<HeaderToken>) -> u16 {
    let url = format!("{}{}", host(sim), header_token::PROJECTS_PATH);
    let response = session.send(session.get(url)).await.expect("sent");
    response.status().as_u16()
}

#[tokio::test]
async fn the_nested_body_of_constants_and_credentials_logs_in() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, header_token::PASSWORD);
    assert_eq!(projects(&sim, &session).await, 200);
    assert_eq!(
        sim.header_token().last_login(),
        Some(serde_json::json!({"auth": {
            "methods": ["password"],
            "version": 3,
            "remember": false,
            "user": {
                "name": header_token::USER,
                "password": header_token::PASSWORD,
                "domain": {"name": header_token::DOMAIN},
            },
        }}))
    );
    let response = session.login_response().expect("logged in");
    assert_eq!(response.user.as_deref(), Some(header_token::USER));
}

#[tokio::test]
async fn wrong_credentials_are_typed_with_the_vendors_message_and_not_retried() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, "wrong");
    for _ in 0..3 {
        match session.token().await {
            Err(HeaderTokenError::Unauthorized { message }) => {
                assert_eq!(message.as_deref(), Some(header_token::UNAUTHORIZED));
            }
            other => panic!("expected Unauthorized, got {other:?}"),
        }
    }
    assert_eq!(sim.header_token().login_attempts(), 1, "never retried");
}

#[tokio::test]
async fn a_hundred_concurrent_callers_share_one_login() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, header_token::PASSWORD);
    concurrent_tokens(session, 100).await;
    assert_eq!(sim.header_token().logins(), 1);
}

#[tokio::test]
async fn the_expiry_in_the_body_decides_when_the_header_token_is_replaced() {
    let sim = Sim::start().await;
    // Ten-minute tokens, though the description says nothing of their lifetime.
    sim.header_token()
        .set_token_lifetime(Duration::from_secs(600));
    let (session, clock) = session(&sim, header_token::PASSWORD);
    assert_eq!(projects(&sim, &session).await, 200);
    advance(&sim, &clock, Duration::from_secs(11 * 60));
    assert_eq!(projects(&sim, &session).await, 200);
    assert_eq!(sim.header_token().logins(), 2);
    assert_eq!(
        sim.header_token().rejected_api_calls(),
        0,
        "replaced in time"
    );
}

#[tokio::test]
async fn a_revoked_token_is_replaced_once_and_the_call_replayed() {
    let sim = Sim::start().await;
    let (session, _) = session(&sim, header_token::PASSWORD);
    assert_eq!(projects(&sim, &session).await, 200);
    sim.header_token().revoke_all();
    assert_eq!(projects(&sim, &session).await, 200);
    assert_eq!(sim.header_token().logins(), 2);
    assert_eq!(sim.header_token().rejected_api_calls(), 1);
}

#[tokio::test]
async fn logout_is_a_delete_naming_the_token_in_both_of_its_headers() {
    // The simulator revokes only a token named in `X-Subject-Token` by a request that
    // authenticates with it in `X-Auth-Token`: the count proves both were sent.
    let sim = Sim::start().await;
    let (session, _) = session(&sim, header_token::PASSWORD);
    assert_eq!(projects(&sim, &session).await, 200);
    session.logout().await.expect("logged out");
    assert_eq!(sim.header_token().logouts(), 1);
    assert_eq!(sim.header_token().active_tokens(), 0);
    assert_eq!(projects(&sim, &session).await, 200, "a new login");
    assert_eq!(sim.header_token().logins(), 2);
}
