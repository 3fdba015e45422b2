//! OAuth 2.0 token requests (`oauth2(grant = ...)`) end to end against auth-sim's
//! OAuth 2.0 server: both grants, both ways for the client to authenticate (a client
//! whose identifier and secret hold `:`, `+`, `/`, `%`, `=`, spaces and non-ASCII
//! letters too), the standard error answers as typed variants, `expires_in`, the
//! `token_type`, and one login for many callers.

use std::time::Duration;

use auth_sim::{Sim, oauth2};
use authgen_downstream::auth::{Clock, Error, LoggedOut, Provider, Session};
use authgen_downstream::{
    ClientCredentials, ClientCredentialsError, PasswordGrant, PasswordGrantError,
    RevokingPasswordGrant,
};
use common::{advance, concurrent_tokens, on_manual_clock};

mod common;

fn host(sim: &Sim) -> String {
    format!("{}{}", sim.base_url(), oauth2::PREFIX)
}

fn password_grant(
    sim: &Sim,
    password: &str,
    scope: Option<&str>,
) -> (Session<PasswordGrant>, Clock) {
    let credentials = PasswordGrant::credentials()
        .client_id(oauth2::CLIENT_ID)
        .client_secret(oauth2::CLIENT_SECRET)
        .username(oauth2::USERNAME)
        .password(password);
    let credentials = match scope {
        Some(scope) => credentials.scope(scope).build(),
        None => credentials.build(),
    };
    on_manual_clock(PasswordGrant::new(host(sim)), credentials)
}

fn client_credentials(sim: &Sim, secret: &str) -> (Session<ClientCredentials>, Clock) {
    let credentials = ClientCredentials::credentials()
        .client_id(oauth2::CLIENT_ID)
        .client_secret(secret)
        .scope("read")
        .build();
    on_manual_clock(ClientCredentials::new(host(sim)), credentials)
}

async fn me<P: Provider>(sim: &Sim, session: &Session<P>) -> u16 {
    let url = format!("{}{}", host(sim), oauth2::ME_PATH);
    session
        .send(session.get(url))
        .await
        .map(|response| response.status().as_u16())
        .unwrap_or_else(|_| panic!("sent"))
}

#[tokio::test]
async fn the_password_grant_logs_in_with_basic_client_authentication() {
    let sim = Sim::start().await;
    let (session, _) = password_grant(&sim, oauth2::PASSWORD, Some("read"));
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(sim.oauth2().grants(), ["password"]);
    let response = session.login_response().expect("logged in");
    assert_eq!(response.token_type.as_deref(), Some("Bearer"));
    assert_eq!(response.scope.as_deref(), Some("read"));
}

#[tokio::test]
async fn the_client_credentials_grant_logs_in_with_body_parameters() {
    let sim = Sim::start().await;
    let (session, _) = client_credentials(&sim, oauth2::CLIENT_SECRET);
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(sim.oauth2().grants(), ["client_credentials"]);
}

#[tokio::test]
async fn wrong_owner_credentials_are_invalid_grant_typed_and_not_retried() {
    let sim = Sim::start().await;
    let (session, _) = password_grant(&sim, "wrong", None);
    for _ in 0..3 {
        match session.token().await {
            Err(PasswordGrantError::InvalidGrant { description, .. }) => {
                assert!(description.is_some_and(|d| d.contains("credentials")));
            }
            other => panic!("expected InvalidGrant, got {other:?}"),
        }
    }
    assert_eq!(sim.oauth2().login_attempts(), 1, "never retried");
}

#[tokio::test]
async fn a_wrong_client_secret_is_invalid_client_in_both_ways_of_authenticating() {
    let sim = Sim::start().await;
    let (session, _) = client_credentials(&sim, "wrong");
    match session.token().await {
        Err(ClientCredentialsError::InvalidClient { .. }) => {}
        other => panic!("expected InvalidClient, got {other:?}"),
    }
    // With HTTP Basic the server answers 401 with WWW-Authenticate: still typed.
    let credentials = PasswordGrant::credentials()
        .client_id(oauth2::CLIENT_ID)
        .client_secret("wrong")
        .username(oauth2::USERNAME)
        .password(oauth2::PASSWORD)
        .build();
    let (session, _) = session_of(&sim, credentials);
    match session.token().await {
        Err(PasswordGrantError::InvalidClient { .. }) => {}
        other => panic!("expected InvalidClient, got {other:?}"),
    }
}

fn session_of(
    sim: &Sim,
    credentials: authgen_downstream::PasswordGrantCredentials,
) -> (Session<PasswordGrant>, Clock) {
    on_manual_clock(PasswordGrant::new(host(sim)), credentials)
}

#[tokio::test]
async fn an_unknown_scope_is_invalid_scope() {
    let sim = Sim::start().await;
    let (session, _) = password_grant(&sim, oauth2::PASSWORD, Some("admin"));
    match session.token().await {
        Err(PasswordGrantError::InvalidScope { .. }) => {}
        other => panic!("expected InvalidScope, got {other:?}"),
    }
    assert_eq!(
        PasswordGrantError::InvalidScope {
            description: None,
            uri: None
        }
        .to_string(),
        "the OAuth 2.0 server answered `invalid_scope`"
    );
}

#[tokio::test]
async fn expires_in_decides_when_the_token_is_replaced() {
    let sim = Sim::start().await;
    sim.oauth2().set_token_lifetime(Duration::from_secs(300));
    let (session, clock) = client_credentials(&sim, oauth2::CLIENT_SECRET);
    assert_eq!(me(&sim, &session).await, 200);
    advance(&sim, &clock, Duration::from_secs(301));
    assert_eq!(me(&sim, &session).await, 200);
    // No refresh token with client_credentials: a new token request.
    assert_eq!(sim.oauth2().logins(), 2);
    assert_eq!(sim.oauth2().refreshes(), 0);
    assert_eq!(
        sim.oauth2().rejected_api_calls(),
        0,
        "replaced before it expired"
    );
}

#[tokio::test]
async fn a_refresh_token_replaces_the_login_and_its_rotation_is_adopted() {
    let sim = Sim::start().await;
    sim.oauth2().set_token_lifetime(Duration::from_secs(300));
    let (session, clock) = password_grant(&sim, oauth2::PASSWORD, None);
    assert_eq!(me(&sim, &session).await, 200);
    for _ in 0..3 {
        advance(&sim, &clock, Duration::from_secs(301));
        assert_eq!(me(&sim, &session).await, 200);
    }
    // One login, then three refreshes, each with the refresh token the one before
    // issued (the server spends each on use, so a stale one would be refused).
    assert_eq!(sim.oauth2().logins(), 1);
    assert_eq!(sim.oauth2().refreshes(), 3);
    assert_eq!(sim.oauth2().refused_refreshes(), 0);
    assert_eq!(
        sim.oauth2().grants(),
        [
            "password",
            "refresh_token",
            "refresh_token",
            "refresh_token"
        ]
    );
    assert_eq!(sim.oauth2().rejected_api_calls(), 0);
    assert_eq!(
        sim.oauth2().refresh_tokens_on_api(),
        0,
        "kept to the token endpoint"
    );
}

#[tokio::test]
async fn a_refused_refresh_falls_back_to_a_login_with_the_credentials() {
    let sim = Sim::start().await;
    sim.oauth2().set_token_lifetime(Duration::from_secs(300));
    let (session, clock) = password_grant(&sim, oauth2::PASSWORD, None);
    assert_eq!(me(&sim, &session).await, 200);
    sim.oauth2().revoke_refresh_tokens();
    advance(&sim, &clock, Duration::from_secs(301));
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(sim.oauth2().refused_refreshes(), 1);
    assert_eq!(sim.oauth2().logins(), 2);
    assert_eq!(
        sim.oauth2().grants(),
        ["password", "refresh_token", "password"]
    );
    // The new login's refresh token serves the next expiry.
    advance(&sim, &clock, Duration::from_secs(301));
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(sim.oauth2().refreshes(), 1);
}

#[tokio::test]
async fn a_rejected_access_token_is_refreshed_and_the_call_replayed() {
    let sim = Sim::start().await;
    let (session, _) = password_grant(&sim, oauth2::PASSWORD, None);
    assert_eq!(me(&sim, &session).await, 200);
    sim.oauth2().revoke_access_tokens();
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(sim.oauth2().logins(), 1);
    assert_eq!(sim.oauth2().refreshes(), 1);
    assert_eq!(sim.oauth2().rejected_api_calls(), 1);
}

#[tokio::test]
async fn after_logout_the_refresh_token_is_forgotten() {
    let sim = Sim::start().await;
    let (session, _) = password_grant(&sim, oauth2::PASSWORD, None);
    assert_eq!(me(&sim, &session).await, 200);
    session
        .logout()
        .await
        .expect("no logout endpoint: nothing to call");
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(sim.oauth2().grants(), ["password", "password"]);
}

#[tokio::test]
async fn a_hundred_concurrent_callers_share_one_token_request() {
    let sim = Sim::start().await;
    let (session, _) = client_credentials(&sim, oauth2::CLIENT_SECRET);
    concurrent_tokens(session, 100).await;
    assert_eq!(sim.oauth2().logins(), 1);
}

#[tokio::test]
async fn a_revoked_access_token_is_replaced_once_and_the_call_replayed() {
    let sim = Sim::start().await;
    let (session, _) = client_credentials(&sim, oauth2::CLIENT_SECRET);
    assert_eq!(me(&sim, &session).await, 200);
    sim.oauth2().revoke_access_tokens();
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(sim.oauth2().logins(), 2);
    assert_eq!(sim.oauth2().rejected_api_calls(), 1);
}

#[tokio::test]
async fn a_client_whose_identifier_and_secret_hold_special_characters_authenticates_both_ways() {
    let sim = Sim::start().await;
    sim.oauth2().set_token_lifetime(Duration::from_secs(300));
    // HTTP Basic, form-urlencoded (RFC 6749 section 2.3.1): the login, the refresh
    // grant and the revocation each authenticate the client.
    let credentials = RevokingPasswordGrant::credentials()
        .client_id(oauth2::SPECIAL_CLIENT_ID)
        .client_secret(oauth2::SPECIAL_CLIENT_SECRET)
        .username(oauth2::USERNAME)
        .password(oauth2::PASSWORD)
        .build();
    let (session, clock) = on_manual_clock(RevokingPasswordGrant::new(host(&sim)), credentials);
    assert_eq!(me(&sim, &session).await, 200);
    advance(&sim, &clock, Duration::from_secs(301));
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(sim.oauth2().refreshes(), 1);
    assert_eq!(session.logout().await.expect("revoked"), LoggedOut::Retired);
    assert!(
        sim.oauth2()
            .revocation_log()
            .iter()
            .all(|revocation| revocation.basic && revocation.status == 200),
        "{:?}",
        sim.oauth2().revocation_log()
    );
    assert_eq!(sim.oauth2().revocations(), 2);

    // Body parameters, in the form's own encoding.
    let credentials = ClientCredentials::credentials()
        .client_id(oauth2::SPECIAL_CLIENT_ID)
        .client_secret(oauth2::SPECIAL_CLIENT_SECRET)
        .build();
    let (session, _) = on_manual_clock(ClientCredentials::new(host(&sim)), credentials);
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(
        sim.oauth2().grants(),
        ["password", "refresh_token", "client_credentials"]
    );
}

#[tokio::test]
async fn a_token_type_other_than_bearer_fails_the_login_by_name_and_bearer_is_read_in_any_case() {
    let sim = Sim::start().await;
    // RFC 6749 section 7.1: the type's name is case-insensitive.
    sim.oauth2().set_token_type("bearer");
    let (session, _) = client_credentials(&sim, oauth2::CLIENT_SECRET);
    assert_eq!(me(&sim, &session).await, 200);

    sim.oauth2().set_token_type("DPoP");
    let (session, _) = client_credentials(&sim, oauth2::CLIENT_SECRET);
    let error = session
        .token()
        .await
        .expect_err("a DPoP token is not sent as a bearer token");
    match &error {
        ClientCredentialsError::Runtime(Error::UnsupportedTokenType { token_type, .. })
            if token_type == "DPoP" => {}
        other => panic!("expected UnsupportedTokenType, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "OAuth2 server: the login answered with a `DPoP` token, which is not the type the session asked for and sends (`Bearer`, or `DPoP` where the vendor binds tokens)"
    );
    // Not cached, never sent.
    let url = format!("{}{}", host(&sim), oauth2::ME_PATH);
    assert!(session.send(session.get(url)).await.is_err());
    assert_eq!(sim.oauth2().api_calls(), 1);
}
