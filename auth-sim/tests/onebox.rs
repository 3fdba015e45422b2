//! OneBox simulator against plain reqwest.

use std::time::Duration;

use auth_sim::Sim;
use auth_sim::onebox::{self, *};
use serde_json::{Value, json};

fn url(sim: &Sim, path: &str) -> String {
    format!("{}{}{}", sim.base_url(), onebox::PREFIX, path)
}

async fn answer(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

async fn login_json(sim: &Sim, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url(sim, AUTHENTICATE_PATH))
        .json(&body)
        .send()
        .await
        .expect("request");
    answer(resp).await
}

async fn login_form(sim: &Sim, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url(sim, AUTHENTICATE_PATH))
        .form(form)
        .send()
        .await
        .expect("request");
    answer(resp).await
}

async fn login_ok(sim: &Sim) -> String {
    let (status, v) = login_json(
        sim,
        json!({"email": EMAIL, "password": PASSWORD, "siteId": SITE_ID}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v["token"].as_str().expect("token").to_owned()
}

async fn list_with(sim: &Sim, auth: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(url(sim, LIST_PATH));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    answer(req.send().await.expect("request")).await
}

async fn list(sim: &Sim, token: &str) -> (u16, Value) {
    list_with(sim, Some(&format!("Bearer {token}"))).await
}

fn error_body(code: &str, message: &str) -> Value {
    json!({
        "_meta": {"status": "ERROR", "count": 1},
        "records": {"errorCode": code, "userMessage": message, "devMessage": "", "more": "", "applicationCode": ""}
    })
}

fn b64url_decode(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
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

fn part(token: &str, i: usize) -> Value {
    let p = token.split('.').nth(i).expect("JWT part");
    serde_json::from_slice(&b64url_decode(p)).expect("JSON part")
}

fn forge(claims: Value, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .expect("encode")
}

#[tokio::test]
async fn login_answers_like_the_document_with_an_hs256_jwt() {
    let sim = Sim::start().await;
    let (status, v) = login_json(
        &sim,
        json!({"email": EMAIL, "password": PASSWORD, "siteId": SITE_ID}),
    )
    .await;
    assert_eq!(status, 200);
    let token = v["token"].as_str().expect("token").to_owned();
    assert_eq!(
        v,
        json!({"response_code": "200", "response_status": "Success", "token": token})
    );
    assert_eq!(part(&token, 0), json!({"typ": "JWT", "alg": "HS256"}));
    let claims = part(&token, 1);
    for claim in ["iss", "sub", "exp", "nbf", "iat", "jti", "sid"] {
        assert!(claims.get(claim).is_some(), "{claim} missing in {claims}");
    }
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["sub"], USER_ID);
    assert_eq!(claims["sid"], SITE_ID);
    let iat = claims["iat"].as_u64().expect("iat");
    assert_eq!(claims["nbf"].as_u64(), Some(iat));
    assert_eq!(claims["exp"].as_u64(), Some(iat + 900));
    assert!(iat.abs_diff(sim.clock().unix_now()) <= 2);
    // verifiable with the published key
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(
        &token,
        &jsonwebtoken::DecodingKey::from_secret(JWT_SECRET),
        &validation,
    )
    .expect("signed with JWT_SECRET");
    // fresh per login
    assert_ne!(login_ok(&sim).await, token);
    assert_eq!(list(&sim, &token).await.0, 200);
}

#[tokio::test]
async fn iat_and_exp_follow_the_sim_clock() {
    let sim = Sim::start().await;
    sim.clock().advance(Duration::from_secs(86_400));
    let token = login_ok(&sim).await;
    let claims = part(&token, 1);
    let iat = claims["iat"].as_u64().expect("iat");
    assert!(iat.abs_diff(sim.clock().unix_now()) <= 2);
    let real_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after epoch")
        .as_secs();
    assert!(iat >= real_now + 86_390);
}

#[tokio::test]
async fn login_accepts_json_and_form_and_numeric_site_id() {
    let sim = Sim::start().await;
    let (status, _) = login_json(
        &sim,
        json!({"email": EMAIL, "password": PASSWORD, "siteId": 123}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, v) = login_form(
        &sim,
        &[
            ("email", EMAIL),
            ("password", PASSWORD),
            ("siteId", SITE_ID),
        ],
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(part(v["token"].as_str().expect("token"), 1)["sid"], "123");
    assert_eq!(sim.onebox().logins(), 2);
}

#[tokio::test]
async fn wrong_credentials_get_the_documented_401() {
    let sim = Sim::start().await;
    let (status, v) = login_json(
        &sim,
        json!({"email": EMAIL, "password": "nope", "siteId": "1691"}),
    )
    .await;
    assert_eq!(
        (status, v),
        (
            401,
            error_body("401", "you are not authorized to log into this site 1691")
        )
    );
    let (status, v) = login_json(
        &sim,
        json!({"email": EMAIL, "password": PASSWORD, "siteId": "999"}),
    )
    .await;
    assert_eq!(
        (status, v),
        (401, error_body("401", &not_authorized_message("999")))
    );
    let (status, v) = login_form(
        &sim,
        &[
            ("email", "x@y"),
            ("password", PASSWORD),
            ("siteId", SITE_ID),
        ],
    )
    .await;
    assert_eq!(
        (status, v),
        (401, error_body("401", &not_authorized_message(SITE_ID)))
    );

    sim.onebox().set_numeric_error_code(true);
    let (status, v) = login_json(
        &sim,
        json!({"email": EMAIL, "password": "nope", "siteId": SITE_ID}),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(v["records"]["errorCode"], json!(401));
    assert!(v["records"]["applicationCode"].is_null());
    assert_eq!(v["_meta"]["status"], "ERROR");
    assert_eq!(sim.onebox().login_attempts(), 4);
    assert_eq!(sim.onebox().logins(), 0);
}

#[tokio::test]
async fn missing_fields_and_bad_bodies_are_400() {
    let sim = Sim::start().await;
    for body in [
        json!({}),
        json!({"email": EMAIL, "password": PASSWORD}),
        json!({"email": EMAIL, "siteId": SITE_ID}),
        json!({"password": PASSWORD, "siteId": SITE_ID}),
        json!({"email": "", "password": PASSWORD, "siteId": SITE_ID}),
        json!({"email": EMAIL, "password": PASSWORD, "siteId": 1.5}),
        json!([EMAIL, PASSWORD, SITE_ID]),
    ] {
        let (status, v) = login_json(&sim, body.clone()).await;
        assert_eq!(
            (status, v),
            (400, error_body("400", MISSING_FIELDS_MESSAGE)),
            "{body}"
        );
    }
    let resp = reqwest::Client::new()
        .post(url(&sim, AUTHENTICATE_PATH))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(answer(resp).await.0, 400);
    let (status, _) = login_form(&sim, &[("email", EMAIL)]).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn list_wants_a_valid_bearer_token() {
    let sim = Sim::start().await;
    let token = login_ok(&sim).await;
    let (status, v) = list(&sim, &token).await;
    assert_eq!(status, 200);
    assert_eq!(v["_meta"]["status"], "SUCCESS");
    assert!(v["records"].is_array());

    let (status, v) = list_with(&sim, None).await;
    assert_eq!((status, v), (401, error_body("401", MISSING_TOKEN_MESSAGE)));
    let (status, v) = list_with(&sim, Some(&token)).await;
    assert_eq!((status, v), (401, error_body("401", MISSING_TOKEN_MESSAGE)));
    let (status, v) = list(&sim, "not.a.jwt").await;
    assert_eq!((status, v), (401, error_body("401", INVALID_TOKEN_MESSAGE)));
    // wrong key
    let now = sim.clock().unix_now();
    let claims = json!({"iss": ISSUER, "sub": USER_ID, "iat": now, "nbf": now, "exp": now + 900, "jti": "x", "sid": SITE_ID});
    let (status, v) = list(&sim, &forge(claims.clone(), b"another key")).await;
    assert_eq!((status, v), (401, error_body("401", INVALID_TOKEN_MESSAGE)));
    // a token forged with the published key is accepted (stateless JWT)
    assert_eq!(list(&sim, &forge(claims, JWT_SECRET)).await.0, 200);
    // no exp
    let (status, _) = list(&sim, &forge(json!({"sub": USER_ID}), JWT_SECRET)).await;
    assert_eq!(status, 401);
    // nbf in the future
    let future = json!({"sub": USER_ID, "nbf": now + 600, "exp": now + 900});
    let (status, v) = list(&sim, &forge(future, JWT_SECRET)).await;
    assert_eq!((status, v), (401, error_body("401", INVALID_TOKEN_MESSAGE)));
    assert_eq!(sim.onebox().api_calls(), 8);
    assert_eq!(sim.onebox().rejected_api_calls(), 6);
}

#[tokio::test]
async fn expired_tokens_are_401_expired_token() {
    let sim = Sim::start().await;
    let token = login_ok(&sim).await;
    sim.clock().advance(Duration::from_secs(898));
    assert_eq!(list(&sim, &token).await.0, 200);
    sim.clock().advance(Duration::from_secs(2));
    let (status, v) = list(&sim, &token).await;
    assert_eq!((status, v), (401, error_body("401", "Expired token")));

    sim.onebox().set_numeric_error_code(true);
    let (status, v) = list(&sim, &token).await;
    assert_eq!(status, 401);
    assert_eq!(v["records"]["errorCode"], json!(401));
    assert_eq!(v["records"]["userMessage"], EXPIRED_TOKEN_MESSAGE);
    assert!(v["records"]["applicationCode"].is_null());

    // a new login gives a token valid at the advanced time
    let fresh = login_ok(&sim).await;
    assert_eq!(list(&sim, &fresh).await.0, 200);
}

#[tokio::test]
async fn lifetime_revoke_and_delay_switches() {
    let sim = Sim::start().await;
    sim.onebox().set_token_lifetime(Duration::from_secs(60));
    let token = login_ok(&sim).await;
    let claims = part(&token, 1);
    assert_eq!(
        claims["exp"].as_u64().expect("exp") - claims["iat"].as_u64().expect("iat"),
        60
    );
    sim.clock().advance(Duration::from_secs(61));
    assert_eq!(
        list(&sim, &token).await.1["records"]["userMessage"],
        EXPIRED_TOKEN_MESSAGE
    );

    let a = login_ok(&sim).await;
    sim.onebox().revoke_all();
    let (status, v) = list(&sim, &a).await;
    assert_eq!((status, v), (401, error_body("401", INVALID_TOKEN_MESSAGE)));
    let b = login_ok(&sim).await;
    assert_eq!(list(&sim, &b).await.0, 200);

    sim.onebox().set_login_delay(Duration::from_millis(200));
    let started = std::time::Instant::now();
    login_ok(&sim).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
}
