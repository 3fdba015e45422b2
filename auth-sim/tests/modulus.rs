//! Modulus simulator against plain reqwest.

use std::time::Duration;

use auth_sim::Sim;
use auth_sim::modulus::{self, *};
use serde_json::{Value, json};

fn url(sim: &Sim, account: &str, path: &str) -> String {
    format!("{}{}{}", sim.base_url(), modulus::prefix(account), path)
}

async fn authenticate_as(sim: &Sim, account: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url(sim, account, AUTHENTICATE_PATH))
        .form(form)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    (status, resp.json().await.expect("JSON envelope"))
}

async fn authenticate(sim: &Sim, form: &[(&str, &str)]) -> (u16, Value) {
    authenticate_as(sim, ACCOUNT, form).await
}

async fn authenticate_token_as(sim: &Sim, account: &str, body: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url(sim, account, AUTHENTICATE_TOKEN_PATH))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON envelope"))
}

async fn login_ok(sim: &Sim) -> String {
    let (status, v) = authenticate(sim, &[("app", APP), ("secret", SECRET)]).await;
    assert_eq!(status, 200, "{v}");
    v["object"]["token"].as_str().expect("token").to_owned()
}

async fn balance_as(sim: &Sim, account: &str, auth: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(url(sim, account, BALANCE_PATH));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON envelope"))
}

async fn balance(sim: &Sim, token: &str) -> u16 {
    balance_as(sim, ACCOUNT, Some(&format!("Bearer {token}")))
        .await
        .0
}

fn bad_request(message: &str) -> Value {
    json!({"result": false, "title": "Bad Request", "message": message, "object": null})
}

fn unauthorized() -> Value {
    json!({"result": false, "title": "Unauthorized", "message": "Authentication failed.", "object": null})
}

#[tokio::test]
async fn authenticate_answers_like_the_document() {
    let sim = Sim::start().await;
    let (status, v) = authenticate(&sim, &[("app", APP), ("secret", SECRET)]).await;
    assert_eq!(status, 200);
    let token = v["object"]["token"].as_str().expect("token").to_owned();
    assert_eq!(
        v,
        json!({
            "result": true,
            "title": "Success",
            "message": "Authentication succeeded.",
            "object": {"token": token, "app_id": APP_ID, "ip": "127.0.0.1"}
        })
    );
    assert_eq!(token.len(), 32);
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    );
    assert_ne!(login_ok(&sim).await, token);
    assert_eq!(balance(&sim, &token).await, 200);
    assert_eq!(sim.modulus().logins(), 2);
}

#[tokio::test]
async fn authenticate_400_and_401_bodies_are_the_documented_ones() {
    let sim = Sim::start().await;
    let missing = bad_request("Missing one or more of parameters account, app, secret.");
    for form in [
        vec![],
        vec![("app", APP)],
        vec![("secret", SECRET)],
        vec![("app", ""), ("secret", SECRET)],
        vec![("application", APP), ("secret", SECRET)],
    ] {
        let (status, v) = authenticate(&sim, &form).await;
        assert_eq!((status, &v), (400, &missing), "{form:?}");
    }
    // a JSON body is not what the endpoint reads
    let resp = reqwest::Client::new()
        .post(url(&sim, ACCOUNT, AUTHENTICATE_PATH))
        .header("content-type", "application/json")
        .body(json!({"app": APP, "secret": SECRET}).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.json::<Value>().await.expect("json"), missing);

    for form in [
        vec![("app", APP), ("secret", "wrong")],
        vec![("app", "other"), ("secret", SECRET)],
    ] {
        let (status, v) = authenticate(&sim, &form).await;
        assert_eq!((status, &v), (401, &unauthorized()), "{form:?}");
    }
    let (status, v) =
        authenticate_as(&sim, "someone-else", &[("app", APP), ("secret", SECRET)]).await;
    assert_eq!((status, v), (401, unauthorized()));
    assert_eq!(sim.modulus().login_attempts(), 9);
    assert_eq!(sim.modulus().logins(), 0);
}

#[tokio::test]
async fn authenticate_token_returns_a_jwt_as_object() {
    let sim = Sim::start().await;
    let body = json!({"username": USERNAME, "password": PASSWORD}).to_string();
    let (status, v) = authenticate_token_as(&sim, ACCOUNT, &body).await;
    assert_eq!(status, 200, "{v}");
    let token = v["object"]
        .as_str()
        .expect("object is the token string")
        .to_owned();
    assert_eq!(
        v,
        json!({"result": true, "title": "Success", "message": "Authentication succeeded.", "object": token})
    );
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    assert!(token.starts_with("eyJ"));
    assert_eq!(balance(&sim, &token).await, 200);

    // the claims carry the sim clock's time and the 15-minute lifetime
    let payload = decode_b64url(parts[1]);
    let claims: Value = serde_json::from_slice(&payload).expect("claims JSON");
    assert_eq!(claims["sub"], USERNAME);
    assert_eq!(claims["iss"], JWT_ISSUER);
    let iat = claims["iat"].as_u64().expect("iat");
    let exp = claims["exp"].as_u64().expect("exp");
    assert_eq!(exp - iat, 900);
    assert!(iat.abs_diff(sim.clock().unix_now()) <= 2);
}

#[tokio::test]
async fn authenticate_token_errors() {
    let sim = Sim::start().await;
    let missing = bad_request("Missing one or more of parameters account, username, password.");
    for body in [
        "".to_owned(),
        "{".to_owned(),
        "[]".to_owned(),
        json!({"username": USERNAME}).to_string(),
        json!({"password": PASSWORD}).to_string(),
        json!({"username": USERNAME, "password": ""}).to_string(),
        json!({"username": USERNAME, "password": 1234}).to_string(),
    ] {
        let (status, v) = authenticate_token_as(&sim, ACCOUNT, &body).await;
        assert_eq!((status, &v), (400, &missing), "{body}");
    }
    let wrong = json!({"username": USERNAME, "password": "nope"}).to_string();
    let (status, v) = authenticate_token_as(&sim, ACCOUNT, &wrong).await;
    assert_eq!((status, v), (401, unauthorized()));
    let right = json!({"username": USERNAME, "password": PASSWORD}).to_string();
    let (status, v) = authenticate_token_as(&sim, "other", &right).await;
    assert_eq!((status, v), (401, unauthorized()));
}

#[tokio::test]
async fn protected_endpoint_wants_a_bearer_token_of_its_account() {
    let sim = Sim::start().await;
    let token = login_ok(&sim).await;
    let (status, v) = balance_as(&sim, ACCOUNT, Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, 200);
    assert_eq!(v["result"], true);
    assert!(v["object"].is_array());
    // scheme is case-insensitive
    assert_eq!(
        balance_as(&sim, ACCOUNT, Some(&format!("bearer {token}")))
            .await
            .0,
        200
    );
    for auth in [
        None,
        Some(token.clone()),
        Some(format!("Basic {token}")),
        Some("Bearer ".to_owned()),
        Some("Bearer 0123456789abcdef0123456789abcdef".to_owned()),
    ] {
        let (status, v) = balance_as(&sim, ACCOUNT, auth.as_deref()).await;
        assert_eq!((status, v), (401, unauthorized()), "{auth:?}");
    }
    // a token of one account is refused under another
    let (status, _) = balance_as(&sim, "other", Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, 401);
    assert_eq!(sim.modulus().api_calls(), 8);
    assert_eq!(sim.modulus().rejected_api_calls(), 6);
}

#[tokio::test]
async fn tokens_expire_15_minutes_after_creation() {
    let sim = Sim::start().await;
    let token = login_ok(&sim).await;
    let body = json!({"username": USERNAME, "password": PASSWORD}).to_string();
    let (_, v) = authenticate_token_as(&sim, ACCOUNT, &body).await;
    let jwt = v["object"].as_str().expect("jwt").to_owned();
    sim.clock().advance(Duration::from_secs(14 * 60));
    assert_eq!(balance(&sim, &token).await, 200);
    assert_eq!(balance(&sim, &jwt).await, 200);
    // use does not renew
    sim.clock().advance(Duration::from_secs(59));
    assert_eq!(balance(&sim, &token).await, 200);
    sim.clock().advance(Duration::from_secs(2));
    assert_eq!(balance(&sim, &token).await, 401);
    assert_eq!(balance(&sim, &jwt).await, 401);
    assert_eq!(sim.modulus().active_tokens(), 0);
}

#[tokio::test]
async fn lifetime_delay_and_revoke_switches() {
    let sim = Sim::start().await;
    sim.modulus().set_token_lifetime(Duration::from_secs(30));
    let token = login_ok(&sim).await;
    sim.clock().advance(Duration::from_secs(30));
    assert_eq!(balance(&sim, &token).await, 401);

    let a = login_ok(&sim).await;
    let b = login_ok(&sim).await;
    sim.modulus().revoke_all();
    assert_eq!(balance(&sim, &a).await, 401);
    assert_eq!(balance(&sim, &b).await, 401);

    sim.modulus().set_login_delay(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let c = login_ok(&sim).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(balance(&sim, &c).await, 200);
    assert_eq!(sim.modulus().logins(), 4);
}

/// Minimal base64url (no padding) decoder for the test's claim check.
fn decode_b64url(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = alphabet.iter().position(|&a| a == c).expect("base64url") as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}
