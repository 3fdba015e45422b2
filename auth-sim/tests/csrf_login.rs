//! The CSRF-token-first web login against plain reqwest: the token is fetched, sent back
//! in a header and a cookie, spent once, and good for a minute.

use std::time::Duration;

use auth_sim::{Sim, csrf_login};
use serde_json::{Value, json};

fn url(sim: &Sim, path: &str) -> String {
    format!("{}{}{}", sim.base_url(), csrf_login::PREFIX, path)
}

async fn fetch_csrf(sim: &Sim) -> String {
    let response = reqwest::get(url(sim, csrf_login::CSRF_PATH))
        .await
        .expect("sent");
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a csrftoken cookie")
        .to_owned();
    let body: Value = response.json().await.expect("JSON");
    let token = body["csrfToken"].as_str().expect("csrfToken").to_owned();
    assert!(
        cookie.starts_with(&format!("{}={token};", csrf_login::CSRF_COOKIE)),
        "{cookie}"
    );
    token
}

/// Logs in with `header` and `cookie` as the CSRF token's two copies.
async fn login(sim: &Sim, header: &str, cookie: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(url(sim, csrf_login::LOGIN_PATH))
        .header(csrf_login::CSRF_HEADER, header)
        .header("cookie", format!("{}={cookie}", csrf_login::CSRF_COOKIE))
        .json(&json!({"username": csrf_login::USER, "password": password}))
        .send()
        .await
        .expect("sent")
}

fn session_cookie(response: &reqwest::Response) -> String {
    let set = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(csrf_login::SESSION_COOKIE))
        .expect("a session cookie");
    assert!(set.contains("HttpOnly"));
    set.split(';').next().expect("name=value").to_owned()
}

#[tokio::test]
async fn a_login_with_a_fresh_csrf_token_opens_a_session_that_reaches_the_api() {
    let sim = Sim::start().await;
    let csrf = fetch_csrf(&sim).await;
    let response = login(&sim, &csrf, &csrf, csrf_login::PASSWORD).await;
    assert_eq!(response.status(), 200);
    let session = session_cookie(&response);
    let client = reqwest::Client::new();
    let accounts = client
        .get(url(&sim, csrf_login::ACCOUNTS_PATH))
        .header("cookie", &session)
        .send()
        .await
        .expect("sent");
    assert_eq!(accounts.status(), 200);
    let logout = client
        .post(url(&sim, csrf_login::LOGOUT_PATH))
        .header("cookie", &session)
        .send()
        .await
        .expect("sent");
    assert_eq!(logout.status(), 204);
    let after: Value = client
        .get(url(&sim, csrf_login::ACCOUNTS_PATH))
        .header("cookie", &session)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(after["detail"], csrf_login::NOT_AUTHENTICATED);
    assert_eq!(
        (
            sim.csrf_login().csrf_issued(),
            sim.csrf_login().logins(),
            sim.csrf_login().logouts()
        ),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn a_csrf_token_is_spent_once_must_match_its_cookie_and_lasts_a_minute() {
    let sim = Sim::start().await;
    let csrf = fetch_csrf(&sim).await;
    // Wrong credentials spend the token all the same.
    let wrong = login(&sim, &csrf, &csrf, "guess").await;
    assert_eq!(wrong.status(), 401);
    let body: Value = wrong.json().await.expect("JSON");
    assert_eq!(body["detail"], csrf_login::BAD_CREDENTIALS);
    let reused = login(&sim, &csrf, &csrf, csrf_login::PASSWORD).await;
    assert_eq!(reused.status(), 403);
    let body: Value = reused.json().await.expect("JSON");
    assert_eq!(body["detail"], csrf_login::CSRF_FAILED);

    let other = fetch_csrf(&sim).await;
    let mismatched = login(&sim, &other, "not-the-cookie", csrf_login::PASSWORD).await;
    assert_eq!(mismatched.status(), 403);

    let stale = fetch_csrf(&sim).await;
    sim.clock()
        .advance(csrf_login::CSRF_LIFETIME + Duration::from_secs(1));
    assert_eq!(
        login(&sim, &stale, &stale, csrf_login::PASSWORD)
            .await
            .status(),
        403
    );
    assert_eq!(sim.csrf_login().csrf_refusals(), 3);
    assert_eq!(sim.csrf_login().logins(), 0);
}

#[tokio::test]
async fn a_session_ends_at_its_lifetime() {
    let sim = Sim::start().await;
    let csrf = fetch_csrf(&sim).await;
    let session = session_cookie(&login(&sim, &csrf, &csrf, csrf_login::PASSWORD).await);
    assert_eq!(sim.csrf_login().active_sessions(), 1);
    sim.clock().advance(csrf_login::DEFAULT_TOKEN_LIFETIME);
    let response = reqwest::Client::new()
        .get(url(&sim, csrf_login::ACCOUNTS_PATH))
        .header("cookie", session)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 403);
    assert_eq!(sim.csrf_login().rejected_api_calls(), 1);
}

#[tokio::test]
async fn with_the_check_off_a_login_needs_no_csrf_token() {
    let sim = Sim::start().await;
    sim.csrf_login().set_csrf_required(false);
    let response = reqwest::Client::new()
        .post(url(&sim, csrf_login::LOGIN_PATH))
        .json(&json!({"username": csrf_login::USER, "password": csrf_login::PASSWORD}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    sim.csrf_login().set_csrf_required(true);
    let response = reqwest::Client::new()
        .post(url(&sim, csrf_login::LOGIN_PATH))
        .json(&json!({"username": csrf_login::USER, "password": csrf_login::PASSWORD}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 403);
}
