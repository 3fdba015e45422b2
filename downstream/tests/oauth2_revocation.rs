//! `oauth2(revoke = ...)`: the logout of an OAuth 2.0 vendor is token revocation (RFC
//! 7009), end to end against auth-sim's OAuth 2.0 server. The refresh token is revoked,
//! then the access token, each with the client authenticated as on the token endpoint;
//! a revoked token no longer works at the server; the session forgets both whatever
//! the answers, and a failed revocation is an error that shows neither token.

use std::sync::Arc;
use std::time::Duration;

use auth_sim::oauth2::{self, Revocation, TokenType};
use auth_sim::{Fault, Scope, Sim};
use authgen_downstream::auth::{
    Clock, Error, LoggedOut, MemoryStore, Provider, Session, TokenKind,
};
use authgen_downstream::{
    RevokingClientCredentials, RevokingPasswordGrant, RevokingPasswordGrantError,
};
use common::{advance, concurrent_tokens, on_manual_clock};

mod common;

fn host(sim: &Sim) -> String {
    format!("{}{}", sim.base_url(), oauth2::PREFIX)
}

fn password_grant(sim: &Sim) -> (Session<RevokingPasswordGrant>, Clock) {
    let credentials = RevokingPasswordGrant::credentials()
        .client_id(oauth2::CLIENT_ID)
        .client_secret(oauth2::CLIENT_SECRET)
        .username(oauth2::USERNAME)
        .password(oauth2::PASSWORD)
        .build();
    on_manual_clock(RevokingPasswordGrant::new(host(sim)), credentials)
}

fn client_credentials(sim: &Sim) -> (Session<RevokingClientCredentials>, Clock) {
    let credentials = RevokingClientCredentials::credentials()
        .client_id(oauth2::CLIENT_ID)
        .client_secret(oauth2::CLIENT_SECRET)
        .build();
    on_manual_clock(RevokingClientCredentials::new(host(sim)), credentials)
}

async fn me<P: Provider>(sim: &Sim, session: &Session<P>) -> u16 {
    let url = format!("{}{}", host(sim), oauth2::ME_PATH);
    session
        .send(session.get(url))
        .await
        .map(|response| response.status().as_u16())
        .unwrap_or_else(|_| panic!("sent"))
}

/// What the server says of `access_token` on its protected endpoint, the token sent
/// by hand.
async fn me_with<P: Provider>(sim: &Sim, session: &Session<P>, access_token: &str) -> u16 {
    let url = format!("{}{}", host(sim), oauth2::ME_PATH);
    session
        .http_client()
        .get(url)
        .bearer_auth(access_token)
        .send()
        .await
        .map(|response| response.status().as_u16())
        .unwrap_or_else(|_| panic!("sent"))
}

/// What the server answers to the `refresh_token` grant with `refresh_token`, sent by
/// hand: the status and the `error` code.
async fn refresh_with<P: Provider>(
    sim: &Sim,
    session: &Session<P>,
    refresh_token: &str,
) -> (u16, Option<String>) {
    let url = format!("{}{}", host(sim), oauth2::TOKEN_PATH);
    let response = session
        .http_client()
        .post(url)
        .basic_auth(oauth2::CLIENT_ID, Some(oauth2::CLIENT_SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap_or_else(|_| panic!("sent"));
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_else(|_| panic!("JSON"));
    (status, body["error"].as_str().map(str::to_owned))
}

/// The access token the session holds now.
async fn access_token<P: Provider>(session: &Session<P>) -> String {
    let token = session.token().await.unwrap_or_else(|_| panic!("token"));
    token.expose_secret().to_owned()
}

/// The refresh token the server issued last.
fn refresh_token(sim: &Sim) -> String {
    sim.oauth2()
        .issued_refresh_tokens()
        .pop()
        .expect("a refresh token was issued")
}

fn revoked(hint: &str, token: TokenType, basic: bool, status: u16) -> Revocation {
    Revocation {
        hint: Some(hint.to_owned()),
        token,
        basic,
        status,
    }
}

/// Neither token appears in what the error shows.
fn shows_no_token(error: &dyn std::fmt::Debug, shown: &str, tokens: &[&str]) {
    let debug = format!("{error:?}");
    for token in tokens {
        assert!(!shown.contains(token), "Display shows a token: {shown}");
        assert!(!debug.contains(token), "Debug shows a token: {debug}");
    }
}

#[tokio::test]
async fn logout_revokes_the_refresh_token_then_the_access_token_and_the_next_call_logs_in() {
    let sim = Sim::start().await;
    let (session, _) = password_grant(&sim);
    assert_eq!(me(&sim, &session).await, 200);
    let (access, refresh) = (access_token(&session).await, refresh_token(&sim));

    let outcome = session.logout().await.expect("revoked");
    assert_eq!(outcome, LoggedOut::Retired);

    // Both revoked, refresh token first, each with the client in HTTP Basic as on the
    // token endpoint, each with its hint.
    assert_eq!(
        sim.oauth2().revocation_log(),
        [
            revoked("refresh_token", TokenType::RefreshToken, true, 200),
            revoked("access_token", TokenType::AccessToken, true, 200),
        ]
    );
    // Neither works at the server any more.
    assert_eq!(me_with(&sim, &session, &access).await, 401);
    assert_eq!(
        refresh_with(&sim, &session, &refresh).await,
        (400, Some("invalid_grant".to_owned()))
    );
    assert_eq!(sim.oauth2().active_refresh_tokens(), 0);
    // The next call logs in with the credentials: nothing left to refresh with. (The
    // `refresh_token` grant is the one sent by hand above.)
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(
        sim.oauth2().grants(),
        ["password", "refresh_token", "password"]
    );
    assert_eq!(sim.oauth2().refreshes(), 0);
    assert_eq!(sim.oauth2().refresh_tokens_on_api(), 0);
}

#[tokio::test]
async fn the_client_credentials_logout_revokes_the_access_token_with_body_authentication() {
    let sim = Sim::start().await;
    let (session, _) = client_credentials(&sim);
    assert_eq!(me(&sim, &session).await, 200);
    let access = access_token(&session).await;

    session.logout().await.expect("revoked");

    // No refresh token with this grant: the access token alone, the client in the body.
    assert_eq!(
        sim.oauth2().revocation_log(),
        [revoked("access_token", TokenType::AccessToken, false, 200)]
    );
    assert_eq!(me_with(&sim, &session, &access).await, 401);
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(
        sim.oauth2().grants(),
        ["client_credentials", "client_credentials"]
    );
}

#[tokio::test]
async fn logout_after_the_access_token_expired_still_revokes_the_refresh_token() {
    let sim = Sim::start().await;
    sim.oauth2().set_token_lifetime(Duration::from_secs(300));
    let (session, clock) = password_grant(&sim);
    assert_eq!(me(&sim, &session).await, 200);
    let refresh = refresh_token(&sim);
    advance(&sim, &clock, Duration::from_secs(301));

    session.logout().await.expect("revoked");

    // The expired access token is not sent anywhere; the refresh token is revoked.
    assert_eq!(
        sim.oauth2().revocation_log(),
        [revoked("refresh_token", TokenType::RefreshToken, true, 200)]
    );
    assert_eq!(
        refresh_with(&sim, &session, &refresh).await,
        (400, Some("invalid_grant".to_owned()))
    );
    // A login with the credentials, not a refresh (the `refresh_token` grant is the
    // one sent by hand above).
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(
        sim.oauth2().grants(),
        ["password", "refresh_token", "password"]
    );
    assert_eq!(sim.oauth2().refreshes(), 0);
}

#[tokio::test]
async fn callers_sharing_one_login_share_one_logout() {
    let sim = Sim::start().await;
    let (session, _) = password_grant(&sim);
    concurrent_tokens(session.clone(), 50).await;
    session.logout().await.expect("revoked");
    assert_eq!(sim.oauth2().logins(), 1);
    assert_eq!(
        sim.oauth2().revocation_log(),
        [
            revoked("refresh_token", TokenType::RefreshToken, true, 200),
            revoked("access_token", TokenType::AccessToken, true, 200),
        ]
    );
}

#[tokio::test]
async fn a_logout_before_any_login_sends_nothing() {
    let sim = Sim::start().await;
    let (session, _) = password_grant(&sim);
    let outcome = session.logout().await.expect("nothing to revoke");
    assert_eq!(outcome, LoggedOut::NothingToRetire);
    assert_eq!(sim.oauth2().revocations(), 0);
    assert_eq!(sim.oauth2().login_attempts(), 0);
}

#[tokio::test]
async fn a_revocation_endpoint_answering_503_fails_the_logout_and_the_tokens_are_forgotten() {
    let sim = Sim::start().await;
    let (session, _) = password_grant(&sim);
    assert_eq!(me(&sim, &session).await, 200);
    let (access, refresh) = (access_token(&session).await, refresh_token(&sim));
    sim.oauth2().faults().set(Scope::Logout, Fault::Status(503));

    let error = session
        .logout()
        .await
        .expect_err("the server is unavailable");
    match &error {
        RevokingPasswordGrantError::Runtime(Error::RevocationFailed {
            token: TokenKind::Refresh,
            status: 503,
            code: None,
            ..
        }) => {}
        other => panic!("expected the refresh token's revocation to fail, got {other:?}"),
    }
    let shown = error.to_string();
    assert!(
        shown.starts_with("OAuth2 server: revoking the refresh token failed: HTTP 503"),
        "{shown}"
    );
    shows_no_token(&error, &shown, &[&access, &refresh]);
    // Both revocations were tried, and neither was done.
    assert_eq!(sim.oauth2().faults().served(), 2);
    assert_eq!(sim.oauth2().active_refresh_tokens(), 1);

    // The session forgot both anyway: the next call logs in with the credentials.
    sim.oauth2().faults().clear_all();
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(sim.oauth2().grants(), ["password", "password"]);
    assert_eq!(sim.oauth2().refreshes(), 0);
}

#[tokio::test]
async fn an_unsupported_token_type_fails_the_logout_with_its_code_after_revoking_the_refresh_token()
{
    let sim = Sim::start().await;
    sim.oauth2().set_access_token_revocation(false);
    let (session, _) = password_grant(&sim);
    assert_eq!(me(&sim, &session).await, 200);
    let (access, refresh) = (access_token(&session).await, refresh_token(&sim));

    let error = session
        .logout()
        .await
        .expect_err("access tokens are not revocable");
    match &error {
        RevokingPasswordGrantError::Runtime(Error::RevocationFailed {
            token: TokenKind::Access,
            status: 400,
            code: Some(code),
            description: Some(description),
            ..
        }) if code == "unsupported_token_type"
            && description == "this server revokes refresh tokens only" => {}
        other => panic!("expected unsupported_token_type for the access token, got {other:?}"),
    }
    let shown = error.to_string();
    assert!(
        shown.starts_with(
            "OAuth2 server: revoking the access token failed: HTTP 400 `unsupported_token_type` \
             (description: this server revokes refresh tokens only); body: "
        ),
        "{shown}"
    );
    shows_no_token(&error, &shown, &[&access, &refresh]);
    assert_eq!(
        sim.oauth2().revocation_log(),
        [
            revoked("refresh_token", TokenType::RefreshToken, true, 200),
            revoked("access_token", TokenType::AccessToken, true, 400),
        ]
    );
    // The refresh token was revoked; the access token still works at the server, but
    // the session forgot it: the next call logs in afresh.
    assert_eq!(sim.oauth2().active_refresh_tokens(), 0);
    assert_eq!(me_with(&sim, &session, &access).await, 200);
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(sim.oauth2().grants(), ["password", "password"]);
}

#[tokio::test]
async fn a_server_quoting_both_tokens_in_its_error_gets_them_scrubbed() {
    let sim = Sim::start().await;
    sim.oauth2().set_access_token_revocation(false);
    sim.oauth2().set_careless_revocation_errors(true);
    let (session, _) = password_grant(&sim);
    assert_eq!(me(&sim, &session).await, 200);
    let (access, refresh) = (access_token(&session).await, refresh_token(&sim));

    let error = session
        .logout()
        .await
        .expect_err("access tokens are not revocable");
    let RevokingPasswordGrantError::Runtime(Error::RevocationFailed {
        token: TokenKind::Access,
        status: 400,
        excerpt,
        ..
    }) = &error
    else {
        panic!("expected the access token's revocation to fail, got {error:?}");
    };
    // The plain-text answer is kept, both tokens taken out of it.
    assert!(
        excerpt.starts_with("unsupported_token_type: cannot revoke access token [REDACTED] (issued with refresh token [REDACTED])"),
        "{excerpt}"
    );
    shows_no_token(&error, &error.to_string(), &[&access, &refresh]);
}

#[tokio::test]
async fn after_logout_a_session_sharing_a_store_does_not_adopt_the_revoked_token() {
    let sim = Sim::start().await;
    let credentials = RevokingPasswordGrant::credentials()
        .client_id(oauth2::CLIENT_ID)
        .client_secret(oauth2::CLIENT_SECRET)
        .username(oauth2::USERNAME)
        .password(oauth2::PASSWORD)
        .build();
    let session = Session::builder(RevokingPasswordGrant::new(host(&sim)), credentials)
        .store_plaintext(Arc::new(MemoryStore::new()))
        .build()
        .expect("session");
    assert_eq!(me(&sim, &session).await, 200);
    session.logout().await.expect("revoked");
    // The store still holds the revoked token; the session logs in instead of taking
    // it back (and having it rejected).
    assert_eq!(me(&sim, &session).await, 200);
    assert_eq!(sim.oauth2().rejected_api_calls(), 0);
    assert_eq!(sim.oauth2().grants(), ["password", "password"]);
}
