//! The OAuth 2.0 server's revocation endpoint (RFC 7009) against plain reqwest: what a
//! revoked token can no longer do, what the log records, and the two switches; and its
//! reading of the client's HTTP Basic credentials (RFC 6749 section 2.3.1).

use auth_sim::Sim;
use auth_sim::oauth2::{self, Revocation, TokenType};
use serde_json::Value;

fn url(sim: &Sim, path: &str) -> String {
    format!("{}{}{}", sim.base_url(), oauth2::PREFIX, path)
}

/// A `password` grant with the client in HTTP Basic: the access and refresh tokens.
async fn tokens(sim: &Sim) -> (String, String) {
    let answer: Value = reqwest::Client::new()
        .post(url(sim, oauth2::TOKEN_PATH))
        .basic_auth(oauth2::CLIENT_ID, Some(oauth2::CLIENT_SECRET))
        .form(&[
            ("grant_type", "password"),
            ("username", oauth2::USERNAME),
            ("password", oauth2::PASSWORD),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("JSON");
    let text = |name: &str| answer[name].as_str().expect(name).to_owned();
    (text("access_token"), text("refresh_token"))
}

/// Revokes `token` with `hint`, the client in the body; the status and body.
async fn revoke(sim: &Sim, token: &str, hint: &str) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url(sim, oauth2::REVOKE_PATH))
        .form(&[
            ("token", token),
            ("token_type_hint", hint),
            ("client_id", oauth2::CLIENT_ID),
            ("client_secret", oauth2::CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("revocation");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn refresh(sim: &Sim, refresh_token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url(sim, oauth2::TOKEN_PATH))
        .basic_auth(oauth2::CLIENT_ID, Some(oauth2::CLIENT_SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .expect("refresh");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

async fn me(sim: &Sim, access_token: &str) -> u16 {
    reqwest::Client::new()
        .get(url(sim, oauth2::ME_PATH))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("API call")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_revoked_refresh_token_is_refused_by_the_refresh_grant() {
    let sim = Sim::start().await;
    let (_, refresh_token) = tokens(&sim).await;
    assert_eq!(sim.oauth2().active_refresh_tokens(), 1);
    assert_eq!(revoke(&sim, &refresh_token, "refresh_token").await.0, 200);
    assert_eq!(sim.oauth2().active_refresh_tokens(), 0);
    let (status, answer) = refresh(&sim, &refresh_token).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(sim.oauth2().refused_refreshes(), 1);
}

#[tokio::test]
async fn a_revoked_access_token_is_refused_by_the_protected_endpoint() {
    let sim = Sim::start().await;
    let (access_token, refresh_token) = tokens(&sim).await;
    assert_eq!(me(&sim, &access_token).await, 200);
    assert_eq!(revoke(&sim, &access_token, "access_token").await.0, 200);
    assert_eq!(me(&sim, &access_token).await, 401);
    // Its refresh token still works: each is revoked on its own.
    assert_eq!(refresh(&sim, &refresh_token).await.0, 200);
}

#[tokio::test]
async fn the_log_records_the_hint_what_the_token_was_and_the_client_authentication() {
    let sim = Sim::start().await;
    let (access_token, refresh_token) = tokens(&sim).await;
    revoke(&sim, &refresh_token, "refresh_token").await;
    // The hint is wrong here: the server looks the token up anyway.
    revoke(&sim, &access_token, "refresh_token").await;
    // Unknown (already revoked) tokens are answered 200 too.
    assert_eq!(revoke(&sim, &access_token, "access_token").await.0, 200);
    // HTTP Basic for the client this time, no hint.
    let status = reqwest::Client::new()
        .post(url(&sim, oauth2::REVOKE_PATH))
        .basic_auth(oauth2::CLIENT_ID, Some(oauth2::CLIENT_SECRET))
        .form(&[("token", "never-issued")])
        .send()
        .await
        .expect("revocation")
        .status();
    assert_eq!(status, 200);
    let entry = |hint: Option<&str>, token, basic| Revocation {
        hint: hint.map(str::to_owned),
        token,
        basic,
        status: 200,
    };
    assert_eq!(
        sim.oauth2().revocation_log(),
        [
            entry(Some("refresh_token"), TokenType::RefreshToken, false),
            entry(Some("refresh_token"), TokenType::AccessToken, false),
            entry(Some("access_token"), TokenType::Unknown, false),
            entry(None, TokenType::Unknown, true),
        ]
    );
    assert_eq!(sim.oauth2().revocations(), 4);
}

#[tokio::test]
async fn a_revocation_without_client_authentication_is_refused_and_not_counted() {
    let sim = Sim::start().await;
    let (access_token, _) = tokens(&sim).await;
    let response = reqwest::Client::new()
        .post(url(&sim, oauth2::REVOKE_PATH))
        .form(&[("token", access_token.as_str())])
        .send()
        .await
        .expect("revocation");
    assert_eq!(response.status(), 400);
    assert_eq!(sim.oauth2().revocations(), 0);
    assert_eq!(me(&sim, &access_token).await, 200, "not revoked");
}

#[tokio::test]
async fn a_server_that_revokes_refresh_tokens_only_answers_unsupported_token_type() {
    let sim = Sim::start().await;
    sim.oauth2().set_access_token_revocation(false);
    let (access_token, refresh_token) = tokens(&sim).await;
    let (status, body) = revoke(&sim, &access_token, "access_token").await;
    assert_eq!(status, 400);
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(answer["error"], "unsupported_token_type");
    assert!(!body.contains(&access_token), "{body}");
    assert_eq!(me(&sim, &access_token).await, 200, "still valid");
    assert_eq!(revoke(&sim, &refresh_token, "refresh_token").await.0, 200);
    let statuses: Vec<u16> = sim
        .oauth2()
        .revocation_log()
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [400, 200]);
}

#[tokio::test]
async fn a_careless_server_quotes_both_tokens_in_its_error_answers() {
    let sim = Sim::start().await;
    sim.oauth2().set_access_token_revocation(false);
    sim.oauth2().set_careless_revocation_errors(true);
    let (access_token, refresh_token) = tokens(&sim).await;
    let (status, body) = revoke(&sim, &access_token, "access_token").await;
    assert_eq!(status, 400);
    assert!(body.starts_with("unsupported_token_type"), "{body}");
    assert!(
        body.contains(&access_token) && body.contains(&refresh_token),
        "{body}"
    );
}

/// A `client_credentials` grant with `user` and `password` in HTTP Basic as given: the
/// status and the `error`.
async fn with_basic(sim: &Sim, user: &str, password: &str) -> (u16, Option<String>) {
    let response = reqwest::Client::new()
        .post(url(sim, oauth2::TOKEN_PATH))
        .basic_auth(user, Some(password))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request");
    let status = response.status().as_u16();
    let answer: Value = response.json().await.expect("JSON");
    (status, answer["error"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn basic_credentials_are_read_form_urlencoded_as_rfc_6749_section_2_3_1_says() {
    let sim = Sim::start().await;
    // Encoded here by hand, by Appendix B's rules: letters and digits as they are, a
    // space `+`, every other octet (UTF-8) `%` and two hexadecimal digits.
    assert_eq!(oauth2::SPECIAL_CLIENT_ID, "special:client +1");
    assert_eq!(
        oauth2::SPECIAL_CLIENT_SECRET,
        "c0l:on+plus/slash%25pct=eq sp\u{e4}ce \u{20ac}"
    );
    let id = "special%3Aclient+%2B1";
    let secret = "c0l%3Aon%2Bplus%2Fslash%2525pct%3Deq+sp%C3%A4ce+%E2%82%AC";
    assert_eq!(with_basic(&sim, id, secret).await, (200, None));
    // The first client's, encoded and not: letters, digits and `-` read the same.
    assert_eq!(
        with_basic(&sim, "authgen%2Dclient", "cl13nt%2Ds3cret").await,
        (200, None)
    );
    assert_eq!(
        with_basic(&sim, oauth2::CLIENT_ID, oauth2::CLIENT_SECRET).await,
        (200, None)
    );

    // Not encoded: the identifier's `:` ends it early, a `+` reads as a space and `%25`
    // as `%`, so the client is unknown or its secret wrong.
    let refused = (401, Some("invalid_client".to_owned()));
    assert_eq!(
        with_basic(
            &sim,
            oauth2::SPECIAL_CLIENT_ID,
            oauth2::SPECIAL_CLIENT_SECRET
        )
        .await,
        refused
    );
    assert_eq!(
        with_basic(&sim, id, oauth2::SPECIAL_CLIENT_SECRET).await,
        refused
    );
    // A `%` without two hexadecimal digits after it is not form-urlencoded at all.
    assert_eq!(
        with_basic(&sim, oauth2::CLIENT_ID, "50%off").await,
        (400, Some("invalid_request".to_owned()))
    );
    // In the body, the form's own encoding carries the same secret.
    let status = reqwest::Client::new()
        .post(url(&sim, oauth2::TOKEN_PATH))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", oauth2::SPECIAL_CLIENT_ID),
            ("client_secret", oauth2::SPECIAL_CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("token request")
        .status();
    assert_eq!(status, 200);
    assert_eq!(sim.oauth2().logins(), 4);
}

#[tokio::test]
async fn the_token_type_stated_is_the_one_set() {
    let sim = Sim::start().await;
    assert_eq!(tokens_answer(&sim).await["token_type"], "Bearer");
    sim.oauth2().set_token_type("DPoP");
    let answer = tokens_answer(&sim).await;
    assert_eq!(answer["token_type"], "DPoP");
    let token = answer["access_token"].as_str().expect("a token");
    assert_eq!(me(&sim, token).await, 200, "accepted all the same");
}

async fn tokens_answer(sim: &Sim) -> Value {
    reqwest::Client::new()
        .post(url(sim, oauth2::TOKEN_PATH))
        .basic_auth(oauth2::CLIENT_ID, Some(oauth2::CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("JSON")
}
