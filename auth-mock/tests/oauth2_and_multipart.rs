//! The mock's OAuth 2.0 server checks the client on the refresh and the revocation
//! too, reads a client's HTTP Basic credentials form-urlencoded (RFC 6749 section
//! 2.3.1), and finds a token sent as a part of a multipart logout.

use std::time::Duration;

use auth_mock::MockVendor;
use auth_runtime::{Clock, Session, auth_provider};
use serde_json::Value;

#[auth_provider(
    vendor = "Grants",
    base = "https://auth.grants.example",
    login(path = "/token"),
    oauth2(grant = "client_credentials", revoke = "/revoke")
)]
pub struct Grants {
    client_id: String,
    #[auth(secret)]
    client_secret: String,
}

#[auth_provider(
    vendor = "Parts",
    base = "https://parts.example",
    login(path = "/login", format = "multipart"),
    logout(path = "/logout", format = "multipart", apply(body = "session")),
    token = "token",
    apply(header = "X-Session"),
    expiry(absolute = "10m")
)]
pub struct Parts {
    user: String,
    #[auth(secret)]
    password: String,
}

async fn form(url: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .post(url)
        .form(pairs)
        .send()
        .await
        .expect("sent");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_client_authenticates_on_the_refresh_and_the_revocation() {
    let mock = MockVendor::start::<Grants>().await;
    mock.accept([("client_id", "app"), ("client_secret", "s3cret")])
        .expect("well-formed");
    let token_url = mock.url("/token");
    let login = [
        ("grant_type", "client_credentials"),
        ("client_id", "app"),
        ("client_secret", "s3cret"),
    ];
    let (status, body) = form(&token_url, &login).await;
    assert_eq!(status, 200, "{body}");
    let refresh = body["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();

    let wrong = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", "app"),
        ("client_secret", "wrong"),
    ];
    let (status, body) = form(&token_url, &wrong).await;
    assert_eq!(
        (status, &body["error"]),
        (401, &Value::from("invalid_client"))
    );

    let right = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
        ("client_id", "app"),
        ("client_secret", "s3cret"),
    ];
    let (status, body) = form(&token_url, &right).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(mock.refreshes(), 1);
    let (status, body) = form(&token_url, &right).await;
    assert_eq!(
        (status, &body["error"]),
        (400, &Value::from("invalid_grant")),
        "rotated"
    );

    let token = body["access_token"].as_str().unwrap_or_default().to_owned();
    let revoke = [
        ("token", token.as_str()),
        ("client_id", "app"),
        ("client_secret", "no"),
    ];
    let (status, _) = form(&mock.url("/revoke"), &revoke).await;
    assert_eq!(status, 401, "revocation needs the client too");
}

#[tokio::test]
async fn a_session_refreshes_and_revokes_through_the_mock() {
    let mock = MockVendor::start::<Grants>().await;
    mock.accept([("client_id", "app"), ("client_secret", "s3cret")])
        .expect("well-formed");
    mock.set_token_lifetime(Duration::from_secs(300));
    let credentials = Grants::credentials()
        .client_id("app")
        .client_secret("s3cret")
        .build();
    let clock = Clock::manual();
    let session = Session::builder(Grants::new().with_base_url(mock.base_url()), credentials)
        .clock(clock.clone())
        .build()
        .expect("session");
    session.token().await.expect("login");
    clock.advance(Duration::from_secs(301));
    mock.advance(Duration::from_secs(301));
    session.token().await.expect("refreshed");
    assert_eq!((mock.logins(), mock.refreshes()), (1, 1));
    session.logout().await.expect("revoked");
    assert_eq!(
        mock.revocations(),
        2,
        "the refresh token, then the access token"
    );
    assert_eq!(mock.active_tokens(), 0);
}

#[tokio::test]
async fn a_multipart_logout_retires_the_token_it_carries_as_a_part() {
    let mock = MockVendor::start::<Parts>().await;
    let credentials = Parts::credentials().user("ada").password("pw").build();
    let session =
        Session::new(Parts::new().with_base_url(mock.base_url()), credentials).expect("session");
    let api = mock.url("/things");
    let status = session
        .send(session.request(reqwest::Method::GET, &api))
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 200);
    assert_eq!(mock.active_tokens(), 1);
    session.logout().await.expect("logout");
    assert_eq!(mock.logouts(), 1);
    assert_eq!(
        mock.active_tokens(),
        0,
        "the token in the multipart part is retired"
    );
}

#[auth_provider(
    vendor = "Owners",
    base = "https://auth.owners.example",
    login(path = "/token"),
    oauth2(grant = "password")
)]
pub struct Owners {
    #[auth(basic = "user")]
    client_id: String,
    #[auth(secret, basic = "password")]
    client_secret: String,
    username: String,
    #[auth(secret)]
    password: String,
}

#[tokio::test]
async fn an_oauth2_refusal_says_whether_the_client_or_the_owner_was_wrong() {
    let mock = MockVendor::start::<Owners>().await;
    mock.accept([
        ("client_id", "app"),
        ("client_secret", "s3cret"),
        ("username", "ada"),
        ("password", "pw"),
    ])
    .expect("well-formed");
    let owners = |secret: &str, password: &str| {
        let credentials = Owners::credentials()
            .client_id("app")
            .client_secret(secret)
            .username("ada")
            .password(password)
            .build();
        Session::new(Owners::new().with_base_url(mock.base_url()), credentials).expect("session")
    };
    match owners("s3cret", "wrong").token().await {
        Err(OwnersError::InvalidGrant { .. }) => {}
        other => panic!("a wrong owner password is invalid_grant, got {other:?}"),
    }
    match owners("wrong", "pw").token().await {
        Err(OwnersError::InvalidClient { .. }) => {}
        other => panic!("a wrong client secret is invalid_client, got {other:?}"),
    }
    let wrong_client = reqwest::Client::new()
        .post(mock.url("/token"))
        .basic_auth("app", Some("nope"))
        .form(&[
            ("grant_type", "password"),
            ("username", "ada"),
            ("password", "pw"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(
        wrong_client.status(),
        401,
        "RFC 6749: invalid_client is a 401"
    );
    let body: Value = wrong_client.json().await.expect("JSON");
    assert_eq!(body["error"], "invalid_client");
    assert!(mock.refuse_with("InvalidScope"));
    match owners("s3cret", "wrong").token().await {
        Err(OwnersError::InvalidScope { .. }) => {}
        other => panic!("refuse_with chooses the answer, got {other:?}"),
    }
    assert_eq!(mock.logins(), 0);
}

#[tokio::test]
async fn an_oauth2_clients_basic_credentials_are_read_form_urlencoded() {
    let mock = MockVendor::start::<Owners>().await;
    let (id, secret) = ("app:1 +", "c0l:on+plus/slash%25pct=eq sp\u{e4}ce");
    mock.accept([
        ("client_id", id),
        ("client_secret", secret),
        ("username", "ada"),
        ("password", "pw"),
    ])
    .expect("well-formed");
    let credentials = Owners::credentials()
        .client_id(id)
        .client_secret(secret)
        .username("ada")
        .password("pw")
        .build();
    let session =
        Session::new(Owners::new().with_base_url(mock.base_url()), credentials).expect("session");
    session.token().await.expect("the client is known");
    assert_eq!(mock.logins(), 1);

    let token = |user: &'static str, password: &'static str| {
        reqwest::Client::new()
            .post(mock.url("/token"))
            .basic_auth(user, Some(password))
            .form(&[
                ("grant_type", "password"),
                ("username", "ada"),
                ("password", "pw"),
            ])
            .send()
    };
    // Sent as it is, the secret's `+` reads as a space and `%25` as `%`.
    let raw = token("app%3A1+%2B", "c0l:on+plus/slash%25pct=eq sp\u{e4}ce")
        .await
        .expect("sent");
    assert_eq!(raw.status(), 401);
    // A bare `%` is not form-urlencoded at all.
    let bare = token("app%3A1+%2B", "50%").await.expect("sent");
    assert_eq!(bare.status(), 400);
    let body: Value = bare.json().await.expect("JSON");
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(mock.logins(), 1);
}
