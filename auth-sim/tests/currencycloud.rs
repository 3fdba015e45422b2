//! Currencycloud simulator against plain reqwest.

use std::time::Duration;

use auth_sim::Sim;
use auth_sim::currencycloud::{self, *};
use reqwest::multipart::Form;
use serde_json::{Value, json};

fn url(sim: &Sim, path: &str) -> String {
    format!("{}{}{}", sim.base_url(), currencycloud::PREFIX, path)
}

async fn answer(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

async fn login_form(sim: &Sim, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url(sim, LOGIN_PATH))
        .form(form)
        .send()
        .await
        .expect("request");
    answer(resp).await
}

async fn login_multipart(sim: &Sim, form: &[(&str, &str)]) -> (u16, Value) {
    let mut multipart = Form::new();
    for (k, v) in form {
        multipart = multipart.text(k.to_string(), v.to_string());
    }
    let resp = reqwest::Client::new()
        .post(url(sim, LOGIN_PATH))
        .multipart(multipart)
        .send()
        .await
        .expect("request");
    answer(resp).await
}

async fn login_ok(sim: &Sim) -> String {
    let (status, v) = login_form(sim, &[("login_id", LOGIN_ID), ("api_key", API_KEY)]).await;
    assert_eq!(status, 200, "{v}");
    v["auth_token"].as_str().expect("auth_token").to_owned()
}

async fn balances_with(sim: &Sim, header: Option<(&str, &str)>) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(url(sim, BALANCES_PATH));
    if let Some((k, v)) = header {
        req = req.header(k, v);
    }
    answer(req.send().await.expect("request")).await
}

async fn balances(sim: &Sim, token: &str) -> u16 {
    balances_with(sim, Some(("X-Auth-Token", token))).await.0
}

async fn close(sim: &Sim, token: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url(sim, CLOSE_SESSION_PATH))
        .header("X-Auth-Token", token)
        .send()
        .await
        .expect("request");
    answer(resp).await
}

fn documented_401() -> Value {
    json!({
      "error_code": "auth_failed",
      "error_messages": {
        "username": [
          {
            "code": "invalid_supplied_credentials",
            "message": "Authentication failed with the supplied credentials",
            "params": {}
          }
        ]
      }
    })
}

fn is_token(t: &str) -> bool {
    t.len() == 32
        && t.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

#[tokio::test]
async fn login_accepts_multipart_and_form_urlencoded() {
    let sim = Sim::start().await;
    let creds = [("login_id", LOGIN_ID), ("api_key", API_KEY)];
    let (status, v) = login_multipart(&sim, &creds).await;
    assert_eq!(status, 200, "{v}");
    let a = v["auth_token"].as_str().expect("auth_token").to_owned();
    assert_eq!(v, json!({"auth_token": a}));
    assert!(is_token(&a), "{a}");
    let (status, v) = login_form(&sim, &creds).await;
    assert_eq!(status, 200, "{v}");
    let b = v["auth_token"].as_str().expect("auth_token").to_owned();
    assert!(is_token(&b));
    assert_ne!(a, b);
    assert_eq!(balances(&sim, &a).await, 200);
    assert_eq!(balances(&sim, &b).await, 200);
    assert_eq!(sim.currencycloud().logins(), 2);
}

#[tokio::test]
async fn field_problems_are_400_with_per_field_messages() {
    let sim = Sim::start().await;
    let long_id = "x".repeat(256);
    let (status, v) = login_multipart(&sim, &[]).await;
    assert_eq!(status, 400);
    assert_eq!(
        v,
        json!({
            "error_code": "auth_invalid_user_login_details",
            "error_messages": {
                "login_id": [{"code": "login_id_is_required", "message": "login_id is required", "params": {}}],
                "api_key": [{"code": "api_key_is_required", "message": "api_key is required", "params": {}}]
            }
        })
    );
    let (status, v) = login_form(&sim, &[("login_id", &long_id), ("api_key", "abc")]).await;
    assert_eq!(status, 400);
    assert_eq!(
        v["error_messages"]["login_id"][0],
        json!({"code": "login_id_is_too_long",
               "message": "login_id can not be longer than 255 character(s)",
               "params": {"maxlength": 255}})
    );
    assert_eq!(
        v["error_messages"]["api_key"][0],
        json!({"code": "api_key_length_is_invalid",
               "message": "api_key should be 64 character(s) long",
               "params": {"length": 64}})
    );
    let (status, v) = login_form(&sim, &[("login_id", LOGIN_ID)]).await;
    assert_eq!(status, 400);
    assert_eq!(v["error_code"], AUTH_INVALID_USER_LOGIN_DETAILS);
    assert!(v["error_messages"].get("login_id").is_none());
    assert_eq!(
        v["error_messages"]["api_key"][0]["code"],
        API_KEY_IS_REQUIRED
    );
    let (status, v) = login_multipart(&sim, &[("login_id", ""), ("api_key", API_KEY)]).await;
    assert_eq!(status, 400);
    assert_eq!(
        v["error_messages"]["login_id"][0]["code"],
        LOGIN_ID_IS_REQUIRED
    );
    // 255 characters is fine (then simply unknown)
    let (status, v) = login_form(
        &sim,
        &[("login_id", &"x".repeat(255)), ("api_key", API_KEY)],
    )
    .await;
    assert_eq!((status, v), (401, documented_401()));
    // a JSON body is neither form encoding: no fields
    let resp = reqwest::Client::new()
        .post(url(&sim, LOGIN_PATH))
        .header("content-type", "application/json")
        .body(json!({"login_id": LOGIN_ID, "api_key": API_KEY}).to_string())
        .send()
        .await
        .expect("request");
    let (status, v) = answer(resp).await;
    assert_eq!(status, 400);
    assert_eq!(v["error_code"], AUTH_INVALID_USER_LOGIN_DETAILS);
    // malformed multipart: no fields, so the documented 400
    let resp = reqwest::Client::new()
        .post(url(&sim, LOGIN_PATH))
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nnot a part")
        .send()
        .await
        .expect("request");
    let (status, v) = answer(resp).await;
    assert_eq!(status, 400);
    assert_eq!(
        v["error_messages"]["api_key"][0]["code"],
        API_KEY_IS_REQUIRED
    );
    // no failed login was counted against the account
    assert_eq!(sim.currencycloud().failed_logins(), 0);
    assert_eq!(sim.currencycloud().logins(), 0);
}

#[tokio::test]
async fn bad_credentials_are_the_documented_401() {
    let sim = Sim::start().await;
    let wrong_key = "0".repeat(64);
    let (status, v) = login_form(&sim, &[("login_id", LOGIN_ID), ("api_key", &wrong_key)]).await;
    assert_eq!((status, v), (401, documented_401()));
    let (status, v) =
        login_multipart(&sim, &[("login_id", "someone@else"), ("api_key", API_KEY)]).await;
    assert_eq!((status, v), (401, documented_401()));
    assert_eq!(sim.currencycloud().failed_logins(), 1);
}

#[tokio::test]
async fn account_locks_after_four_failed_logins() {
    let sim = Sim::start().await;
    let cc = sim.currencycloud();
    let wrong_key = "f".repeat(64);
    let wrong = [("login_id", LOGIN_ID), ("api_key", wrong_key.as_str())];
    let right = [("login_id", LOGIN_ID), ("api_key", API_KEY)];
    // a success resets the consecutive count
    for _ in 0..3 {
        assert_eq!(login_form(&sim, &wrong).await.0, 401);
    }
    login_ok(&sim).await;
    assert_eq!(cc.failed_logins(), 0);
    for _ in 0..4 {
        let (status, v) = login_form(&sim, &wrong).await;
        assert_eq!((status, v), (401, documented_401()));
    }
    assert!(cc.is_locked());
    let (status, v) = login_form(&sim, &right).await;
    assert_eq!(status, 401);
    assert_eq!(v["error_code"], AUTH_FAILED);
    assert_eq!(v["error_messages"]["username"][0]["code"], ACCOUNT_LOCKED);
    cc.unlock();
    assert!(!cc.is_locked());
    login_ok(&sim).await;
    assert_eq!(cc.logins(), 2);
    assert_eq!(cc.login_attempts(), 10);
}

#[tokio::test]
async fn too_many_logins_per_minute_is_429_with_retry_after() {
    let sim = Sim::start().await;
    sim.currencycloud().set_logins_per_minute(Some(2));
    login_ok(&sim).await;
    sim.clock().advance(Duration::from_secs(20));
    login_ok(&sim).await;
    let resp = reqwest::Client::new()
        .post(url(&sim, LOGIN_PATH))
        .form(&[("login_id", LOGIN_ID), ("api_key", API_KEY)])
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 429);
    let retry_after: u64 = resp.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert_eq!(retry_after, 40);
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["error_code"], TOO_MANY_REQUESTS);
    assert_eq!(v["error_messages"]["base"][0]["code"], TOO_MANY_REQUESTS);
    // the first login leaves the window after 60 s
    sim.clock().advance(Duration::from_secs(40));
    login_ok(&sim).await;
    sim.currencycloud().set_logins_per_minute(None);
    for _ in 0..5 {
        login_ok(&sim).await;
    }
    assert_eq!(sim.currencycloud().logins(), 8);
}

#[tokio::test]
async fn outages_are_500_and_503_everywhere() {
    let sim = Sim::start().await;
    let token = login_ok(&sim).await;
    let creds = [("login_id", LOGIN_ID), ("api_key", API_KEY)];

    sim.currencycloud()
        .set_outage(Some(Outage::InternalServerError));
    let (status, v) = login_form(&sim, &creds).await;
    assert_eq!(status, 500);
    assert_eq!(
        v,
        json!({"error_code": "internal_server_error", "error_messages": {"base": [
            {"code": "internal_server_error", "message": "Internal server error", "params": {}}]}})
    );
    assert_eq!(balances(&sim, &token).await, 500);

    sim.currencycloud()
        .set_outage(Some(Outage::ServiceUnavailable));
    let resp = reqwest::Client::new()
        .post(url(&sim, LOGIN_PATH))
        .form(&creds)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    let v: Value = resp.json().await.expect("json");
    assert_eq!(v["error_code"], SERVICE_UNAVAILABLE);
    assert_eq!(balances(&sim, &token).await, 503);
    assert_eq!(close(&sim, &token).await.0, 503);

    sim.currencycloud().set_outage(None);
    assert_eq!(balances(&sim, &token).await, 200);
    assert_eq!(sim.currencycloud().logins(), 1);
}

#[tokio::test]
async fn tokens_expire_after_30_minutes_of_inactivity() {
    let sim = Sim::start().await;
    let token = login_ok(&sim).await;
    for _ in 0..4 {
        sim.clock().advance(Duration::from_secs(29 * 60));
        assert_eq!(balances(&sim, &token).await, 200);
    }
    sim.clock().advance(Duration::from_secs(30 * 60));
    let (status, v) = balances_with(&sim, Some(("X-Auth-Token", &token))).await;
    assert_eq!((status, v), (401, documented_401()));
    assert_eq!(sim.currencycloud().active_tokens(), 0);

    sim.currencycloud()
        .set_token_lifetime(Duration::from_secs(5));
    let short = login_ok(&sim).await;
    sim.clock().advance(Duration::from_secs(4));
    assert_eq!(balances(&sim, &short).await, 200);
    sim.clock().advance(Duration::from_secs(4));
    assert_eq!(balances(&sim, &short).await, 200);
    sim.clock().advance(Duration::from_secs(5));
    assert_eq!(balances(&sim, &short).await, 401);
}

#[tokio::test]
async fn the_token_goes_in_x_auth_token() {
    let sim = Sim::start().await;
    let token = login_ok(&sim).await;
    let (status, v) = balances_with(&sim, Some(("X-Auth-Token", &token))).await;
    assert_eq!(status, 200);
    assert_eq!(v["balances"][0]["currency"], "GBP");
    for header in [
        None,
        Some(("X-Auth-Token", "")),
        Some(("X-Auth-Token", "0123456789abcdef0123456789abcdef")),
        Some(("Authorization", &format!("Bearer {token}") as &str)),
    ] {
        let (status, v) = balances_with(&sim, header).await;
        assert_eq!((status, v), (401, documented_401()), "{header:?}");
    }
    assert_eq!(sim.currencycloud().api_calls(), 5);
    assert_eq!(sim.currencycloud().rejected_api_calls(), 4);
}

#[tokio::test]
async fn close_session_retires_the_token() {
    let sim = Sim::start().await;
    let token = login_ok(&sim).await;
    let other = login_ok(&sim).await;
    assert_eq!(close(&sim, &token).await, (200, json!({})));
    assert_eq!(sim.currencycloud().logouts(), 1);
    assert_eq!(balances(&sim, &token).await, 401);
    assert_eq!(balances(&sim, &other).await, 200);
    assert_eq!(close(&sim, &token).await, (401, documented_401()));
    let resp = reqwest::Client::new()
        .post(url(&sim, CLOSE_SESSION_PATH))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    assert_eq!(sim.currencycloud().logouts(), 1);

    sim.currencycloud().revoke_all();
    assert_eq!(balances(&sim, &other).await, 401);
}

#[tokio::test]
async fn login_delay() {
    let sim = Sim::start().await;
    sim.currencycloud()
        .set_login_delay(Duration::from_millis(200));
    let started = std::time::Instant::now();
    login_ok(&sim).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
}
