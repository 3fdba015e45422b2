//! CRM.COM simulator against plain reqwest.

use std::time::{Duration, Instant};

use auth_sim::Sim;
use auth_sim::crmcom::{self, *};
use serde_json::{Value, json};

fn url(sim: &Sim, path: &str) -> String {
    format!("{}{}{}", sim.base_url(), crmcom::PREFIX, path)
}

async fn post(sim: &Sim, path: &str, body: impl Into<reqwest::Body>) -> Value {
    let resp = reqwest::Client::new()
        .post(url(sim, path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200, "CRM.COM answers HTTP 200 in every case");
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/json")
    );
    resp.json().await.expect("JSON envelope")
}

async fn login(sim: &Sim, body: Value) -> Value {
    post(sim, LOGIN_PATH, body.to_string()).await
}

fn code(v: &Value) -> &str {
    v["status"]["code"]
        .as_str()
        .expect("status.code is a string")
}

/// Asserts the shape of a refusal and returns its code.
fn refusal(v: &Value) -> &str {
    let c = code(v);
    assert_ne!(c, OK, "{v}");
    assert!(v["data"].is_null(), "{v}");
    let msg = v["status"]["message"]
        .as_str()
        .expect("message is a string");
    assert!(!msg.is_empty());
    c
}

fn token_of(v: &Value) -> String {
    assert_eq!(code(v), OK, "{v}");
    v["data"]["token"].as_str().expect("data.token").to_owned()
}

async fn login_ok(sim: &Sim) -> String {
    token_of(
        &login(
            sim,
            json!({"username": USERNAME, "password": PASSWORD, "organisation": ORGANISATION}),
        )
        .await,
    )
}

async fn list(sim: &Sim, token: Option<&str>) -> Value {
    let mut req = reqwest::Client::new().get(url(sim, CONTACTS_LIST_PATH));
    if let Some(t) = token {
        req = req.query(&[("token", t)]);
    }
    let resp = req.send().await.expect("request");
    assert_eq!(resp.status(), 200);
    resp.json().await.expect("JSON envelope")
}

async fn create(sim: &Sim, body: Value) -> Value {
    post(sim, CONTACTS_CREATE_PATH, body.to_string()).await
}

async fn release(sim: &Sim, body: Value) -> Value {
    post(sim, RELEASE_PATH, body.to_string()).await
}

#[tokio::test]
async fn base_url_has_no_trailing_slash() {
    let sim = Sim::start().await;
    let base = sim.base_url();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(!base.ends_with('/'));
}

#[tokio::test]
async fn login_with_the_documents_example_answers_exactly_like_the_example() {
    let sim = Sim::start().await;
    let v = login(
        &sim,
        json!({
            "username": "mpadministrator",
            "password": "1234",
            "organisation": "CRMDEMO",
            "unit": "EE63A82C4FEBE02FF34E90DD1EBA5ABE"
        }),
    )
    .await;
    let token = token_of(&v);
    assert_eq!(
        v,
        json!({
            "status": {"code": "OK", "message": null, "description": null},
            "data": {"token": token}
        })
    );
    assert_eq!(token.len(), 32);
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
    );
    // fresh per login
    assert_ne!(login_ok(&sim).await, token);
    assert_eq!(sim.crmcom().logins(), 2);
}

#[tokio::test]
async fn every_credential_form_logs_in() {
    let sim = Sim::start().await;
    let forms = [
        json!({"username": USERNAME, "password": PASSWORD, "organisation": ORGANISATION}),
        json!({"username": USERNAME, "password": PASSWORD, "organisation": ORGANISATION, "unit": UNIT}),
        json!({"organisation": ORGANISATION,
               "access_token_identifier": {"authentication_code": AUTHENTICATION_CODE}}),
        json!({"organisation": ORGANISATION, "unit": UNIT,
               "access_token_identifier": {"identifier": IDENTIFIER, "pass_code": PASS_CODE}}),
        // null and empty string count as absent
        json!({"username": USERNAME, "password": PASSWORD, "organisation": ORGANISATION,
               "unit": null, "access_token_identifier": null}),
        json!({"username": USERNAME, "password": PASSWORD, "organisation": ORGANISATION, "unit": ""}),
    ];
    for body in forms {
        let v = login(&sim, body.clone()).await;
        let token = token_of(&v);
        assert_eq!(code(&list(&sim, Some(&token)).await), OK, "{body}");
    }
    assert_eq!(sim.crmcom().logins(), 6);
    assert_eq!(sim.crmcom().login_attempts(), 6);
    assert_eq!(sim.crmcom().active_tokens(), 6);
}

#[tokio::test]
async fn every_login_error_has_its_code() {
    let sim = Sim::start().await;
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"username": USERNAME, "password": PASSWORD}),
            MISSING_PARAMETER,
        ),
        (
            json!({"username": USERNAME, "password": PASSWORD, "organisation": ""}),
            MISSING_PARAMETER,
        ),
        (
            json!({"username": USERNAME, "organisation": ORGANISATION}),
            MISSING_PARAMETER,
        ),
        (
            json!({"password": PASSWORD, "organisation": ORGANISATION}),
            MISSING_PARAMETER,
        ),
        (json!({"organisation": ORGANISATION}), MISSING_PARAMETER),
        (
            json!({"organisation": ORGANISATION, "access_token_identifier": {}}),
            MISSING_PARAMETER,
        ),
        (
            json!({"organisation": ORGANISATION, "access_token_identifier": {"identifier": IDENTIFIER}}),
            MISSING_PARAMETER,
        ),
        (
            json!({"organisation": ORGANISATION, "access_token_identifier": {"pass_code": PASS_CODE}}),
            MISSING_PARAMETER,
        ),
        (
            json!({"username": USERNAME, "password": PASSWORD, "organisation": ORGANISATION,
                   "access_token_identifier": {"authentication_code": AUTHENTICATION_CODE}}),
            CONFLICTING_PARAMETERS,
        ),
        (
            json!({"organisation": ORGANISATION, "access_token_identifier":
                   {"authentication_code": AUTHENTICATION_CODE, "identifier": IDENTIFIER, "pass_code": PASS_CODE}}),
            CONFLICTING_PARAMETERS,
        ),
        (
            json!({"organisation": ORGANISATION, "access_token_identifier":
                   {"authentication_code": AUTHENTICATION_CODE, "pass_code": PASS_CODE}}),
            CONFLICTING_PARAMETERS,
        ),
        (
            json!({"username": USERNAME, "password": "wrong", "organisation": ORGANISATION}),
            INVALID_LOGIN,
        ),
        (
            json!({"username": "nobody", "password": PASSWORD, "organisation": ORGANISATION}),
            INVALID_LOGIN,
        ),
        (
            json!({"username": USERNAME, "password": PASSWORD, "organisation": "OTHER"}),
            INVALID_LOGIN,
        ),
        (
            json!({"organisation": ORGANISATION, "access_token_identifier": {"authentication_code": "nope"}}),
            INVALID_LOGIN,
        ),
        (
            json!({"organisation": ORGANISATION, "access_token_identifier": {"identifier": IDENTIFIER, "pass_code": "0"}}),
            INVALID_LOGIN,
        ),
        (
            json!({"username": USERNAME, "password": PASSWORD, "organisation": ORGANISATION, "unit": "0000"}),
            INVALID_UNIT,
        ),
        (
            json!({"username": 5, "password": PASSWORD, "organisation": ORGANISATION}),
            INVALID_PARAMETER,
        ),
        (
            json!({"username": USERNAME, "password": PASSWORD, "organisation": ORGANISATION, "unit": 7}),
            INVALID_PARAMETER,
        ),
        (
            json!({"organisation": ORGANISATION, "access_token_identifier": "code"}),
            INVALID_PARAMETER,
        ),
        (
            json!({"organisation": ORGANISATION, "access_token_identifier": {"authentication_code": true}}),
            INVALID_PARAMETER,
        ),
        (json!([1, 2, 3]), INVALID_PARAMETER),
        (json!("text"), INVALID_PARAMETER),
    ];
    let n = cases.len() as u64;
    for (body, expected) in cases {
        let v = login(&sim, body.clone()).await;
        assert_eq!(refusal(&v), expected, "{body} -> {v}");
    }
    for raw in ["", "{", "not json", "{\"organisation\": \"CRMDEMO\",}"] {
        let v = post(&sim, LOGIN_PATH, raw).await;
        assert_eq!(refusal(&v), INVALID_REQUEST, "{raw:?}");
    }
    assert_eq!(sim.crmcom().login_attempts(), n + 4);
    assert_eq!(sim.crmcom().logins(), 0);
}

#[tokio::test]
async fn token_as_query_parameter() {
    let sim = Sim::start().await;
    let token = login_ok(&sim).await;
    let v = list(&sim, Some(&token)).await;
    assert_eq!(code(&v), OK);
    assert!(v["status"]["message"].is_null());
    assert_eq!(v["data"]["total"], 2);

    assert_eq!(refusal(&list(&sim, None).await), INVALID_TOKEN);
    assert_eq!(refusal(&list(&sim, Some("")).await), INVALID_TOKEN);
    assert_eq!(
        refusal(&list(&sim, Some("00000000000000000000000000000000")).await),
        INVALID_TOKEN
    );
    // a token in a header is not where CRM.COM looks
    let resp = reqwest::Client::new()
        .get(url(&sim, CONTACTS_LIST_PATH))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("request");
    let v: Value = resp.json().await.expect("json");
    assert_eq!(refusal(&v), INVALID_TOKEN);

    assert_eq!(sim.crmcom().api_calls(), 5);
    assert_eq!(sim.crmcom().rejected_api_calls(), 4);
}

#[tokio::test]
async fn token_as_body_field() {
    let sim = Sim::start().await;
    let token = login_ok(&sim).await;
    let v = create(&sim, json!({"token": token, "name": "Ada"})).await;
    assert_eq!(code(&v), OK, "{v}");
    assert_eq!(v["data"]["name"], "Ada");

    assert_eq!(
        refusal(&create(&sim, json!({"name": "Ada"})).await),
        INVALID_TOKEN
    );
    assert_eq!(
        refusal(&create(&sim, json!({"token": "F00", "name": "Ada"})).await),
        INVALID_TOKEN
    );
    assert_eq!(
        refusal(&create(&sim, json!({"token": 12, "name": "Ada"})).await),
        INVALID_PARAMETER
    );
    assert_eq!(
        refusal(&post(&sim, CONTACTS_CREATE_PATH, "{").await),
        INVALID_REQUEST
    );
    // the token in the query string of a POST is not where CRM.COM looks
    let resp = reqwest::Client::new()
        .post(url(&sim, CONTACTS_CREATE_PATH))
        .query(&[("token", token.as_str())])
        .body(json!({"name": "Ada"}).to_string())
        .send()
        .await
        .expect("request");
    let v: Value = resp.json().await.expect("json");
    assert_eq!(refusal(&v), INVALID_TOKEN);
    assert_eq!(sim.crmcom().api_calls(), 6);
    assert_eq!(sim.crmcom().rejected_api_calls(), 3);
}

#[tokio::test]
async fn absolute_expiry_one_hour_after_issue() {
    let sim = Sim::start().await;
    let token = login_ok(&sim).await;
    sim.clock().advance(Duration::from_secs(30 * 60));
    assert_eq!(code(&list(&sim, Some(&token)).await), OK);
    // use does not renew under absolute expiry
    sim.clock().advance(Duration::from_secs(29 * 60 + 55));
    assert_eq!(code(&list(&sim, Some(&token)).await), OK);
    sim.clock().advance(Duration::from_secs(10));
    assert_eq!(refusal(&list(&sim, Some(&token)).await), INVALID_TOKEN);
    assert_eq!(
        refusal(&create(&sim, json!({"token": token})).await),
        INVALID_TOKEN
    );
    assert_eq!(sim.crmcom().active_tokens(), 0);
    // a new login works again
    let fresh = login_ok(&sim).await;
    assert_eq!(code(&list(&sim, Some(&fresh)).await), OK);
    assert!(sim.clock().offset() >= Duration::from_secs(3605));
}

#[tokio::test]
async fn idle_expiry_renews_on_each_use() {
    let sim = Sim::start().await;
    sim.crmcom().set_idle_expiry(true);
    let token = login_ok(&sim).await;
    for _ in 0..3 {
        sim.clock().advance(Duration::from_secs(50 * 60));
        assert_eq!(code(&list(&sim, Some(&token)).await), OK);
    }
    sim.clock().advance(Duration::from_secs(50 * 60));
    assert_eq!(code(&create(&sim, json!({"token": token})).await), OK);
    sim.clock().advance(Duration::from_secs(60 * 60 + 1));
    assert_eq!(refusal(&list(&sim, Some(&token)).await), INVALID_TOKEN);
    // once expired, stays expired
    assert_eq!(refusal(&list(&sim, Some(&token)).await), INVALID_TOKEN);
}

#[tokio::test]
async fn token_lifetime_is_configurable() {
    let sim = Sim::start().await;
    sim.crmcom().set_token_lifetime(Duration::from_secs(10));
    let token = login_ok(&sim).await;
    sim.clock().advance(Duration::from_secs(9));
    assert_eq!(code(&list(&sim, Some(&token)).await), OK);
    sim.clock().advance(Duration::from_secs(1));
    assert_eq!(refusal(&list(&sim, Some(&token)).await), INVALID_TOKEN);
}

#[tokio::test]
async fn release_revokes_the_token() {
    let sim = Sim::start().await;
    let token = login_ok(&sim).await;
    let other = login_ok(&sim).await;
    let v = release(&sim, json!({"token": token})).await;
    assert_eq!(
        v,
        json!({"status": {"code": "OK", "message": null, "description": null}, "data": null})
    );
    assert_eq!(sim.crmcom().logouts(), 1);
    assert_eq!(refusal(&list(&sim, Some(&token)).await), INVALID_TOKEN);
    assert_eq!(code(&list(&sim, Some(&other)).await), OK);
    // twice, unknown, missing, malformed
    assert_eq!(
        refusal(&release(&sim, json!({"token": token})).await),
        INVALID_TOKEN
    );
    assert_eq!(
        refusal(&release(&sim, json!({"token": "ABC"})).await),
        INVALID_TOKEN
    );
    assert_eq!(refusal(&release(&sim, json!({})).await), INVALID_TOKEN);
    assert_eq!(
        refusal(&post(&sim, RELEASE_PATH, "nope").await),
        INVALID_REQUEST
    );
    assert_eq!(sim.crmcom().logouts(), 1);
    // an expired token cannot be released
    sim.clock().advance(Duration::from_secs(3600));
    assert_eq!(
        refusal(&release(&sim, json!({"token": other})).await),
        INVALID_TOKEN
    );
    assert_eq!(sim.crmcom().logouts(), 1);
}

#[tokio::test]
async fn revoke_all_invalidates_every_token() {
    let sim = Sim::start().await;
    let a = login_ok(&sim).await;
    let b = login_ok(&sim).await;
    sim.crmcom().revoke_all();
    assert_eq!(refusal(&list(&sim, Some(&a)).await), INVALID_TOKEN);
    assert_eq!(refusal(&list(&sim, Some(&b)).await), INVALID_TOKEN);
    let c = login_ok(&sim).await;
    assert_eq!(code(&list(&sim, Some(&c)).await), OK);
}

#[tokio::test]
async fn counters() {
    let sim = Sim::start().await;
    let h = sim.crmcom();
    assert_eq!(
        (h.login_attempts(), h.logins(), h.logouts(), h.api_calls()),
        (0, 0, 0, 0)
    );
    let token = login_ok(&sim).await;
    login(&sim, json!({"organisation": ORGANISATION})).await;
    list(&sim, Some(&token)).await;
    list(&sim, Some("x")).await;
    create(&sim, json!({"token": token})).await;
    release(&sim, json!({"token": token})).await;
    assert_eq!(h.login_attempts(), 2);
    assert_eq!(h.logins(), 1);
    assert_eq!(h.api_calls(), 3);
    assert_eq!(h.rejected_api_calls(), 1);
    assert_eq!(h.logouts(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_delay_holds_each_login_without_serialising_them() {
    let sim = Sim::start().await;
    sim.crmcom().set_login_delay(Duration::from_millis(300));
    let started = Instant::now();
    let (a, b, c, d, e) = tokio::join!(
        login_ok(&sim),
        login_ok(&sim),
        login_ok(&sim),
        login_ok(&sim),
        login_ok(&sim)
    );
    let tokens = vec![a, b, c, d, e];
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1400), "{elapsed:?}");
    let mut unique = tokens.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 5);
    assert_eq!(sim.crmcom().logins(), 5);
    sim.crmcom().set_login_delay(Duration::ZERO);
    let started = Instant::now();
    login_ok(&sim).await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn dropping_the_sim_stops_the_server() {
    let sim = Sim::start().await;
    let base = sim.base_url();
    login_ok(&sim).await;
    drop(sim);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let mut refused = false;
    for _ in 0..50 {
        let r = client
            .post(format!("{base}{}{LOGIN_PATH}", crmcom::PREFIX))
            .body("{}")
            .send()
            .await;
        if r.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "server still answers after drop");
}
