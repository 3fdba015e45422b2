//! The fault switches as a client sees them over HTTP, independent of auth-runtime.

use std::time::{Duration, Instant};

use auth_sim::{Fault, Scope, Sim, crmcom, currencycloud, modulus, onebox};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

fn crm_login(sim: &Sim) -> String {
    format!("{}{}{}", sim.base_url(), crmcom::PREFIX, crmcom::LOGIN_PATH)
}

fn crm_body() -> serde_json::Value {
    serde_json::json!({
        "organisation": crmcom::ORGANISATION,
        "username": crmcom::USERNAME,
        "password": crmcom::PASSWORD,
    })
}

async fn crm_login_response(sim: &Sim) -> reqwest::Result<reqwest::Response> {
    client().post(crm_login(sim)).json(&crm_body()).send().await
}

#[tokio::test]
async fn status_and_rate_limit_faults_answer_with_that_status() {
    let sim = Sim::start().await;
    let faults = sim.crmcom().faults();
    for status in [500u16, 502, 503] {
        faults.set(Scope::Login, Fault::Status(status));
        let response = crm_login_response(&sim).await.expect("answer");
        assert_eq!(response.status().as_u16(), status);
    }
    faults.set(Scope::Login, Fault::TooManyRequests { retry_after: None });
    let response = crm_login_response(&sim).await.expect("answer");
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().get("retry-after").is_none());
    faults.set(
        Scope::Login,
        Fault::TooManyRequests {
            retry_after: Some(7),
        },
    );
    let response = crm_login_response(&sim).await.expect("answer");
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(faults.served(), 5);
    assert_eq!(
        sim.crmcom().login_attempts(),
        0,
        "the handler was not reached"
    );

    faults.clear(Scope::Login);
    let body: serde_json::Value = crm_login_response(&sim)
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(body["status"]["code"], crmcom::OK);
}

#[tokio::test]
async fn body_faults_alter_or_replace_the_answer() {
    let sim = Sim::start().await;
    let faults = sim.crmcom().faults();

    faults.set_times(Scope::Login, Fault::TruncatedJson, 1);
    let text = crm_login_response(&sim)
        .await
        .expect("answer")
        .text()
        .await
        .expect("body");
    assert!(text.starts_with("{\"") && serde_json::from_str::<serde_json::Value>(&text).is_err());
    assert_eq!(
        sim.crmcom().logins(),
        1,
        "the handler ran; its answer was cut"
    );

    faults.set_times(Scope::Login, Fault::HtmlPage, 1);
    let response = crm_login_response(&sim).await.expect("answer");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    assert!(response.text().await.expect("body").contains("<html>"));

    faults.set_times(Scope::Login, Fault::WrongContentType, 1);
    let response = crm_login_response(&sim).await.expect("answer");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let body: serde_json::Value = response.json().await.expect("still JSON");
    assert_eq!(body["status"]["code"], crmcom::OK);

    faults.set_times(Scope::Login, Fault::HugeBody(3 << 20), 1);
    let response = crm_login_response(&sim).await.expect("answer");
    assert!(response.content_length().is_none(), "no length announced");
    assert_eq!(response.bytes().await.expect("body").len(), 3 << 20);

    faults.set_times(Scope::Login, Fault::ConnectionReset, 1);
    let outcome = match crm_login_response(&sim).await {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(error) => Err(error),
    };
    assert!(outcome.is_err(), "the connection dropped");

    assert_eq!(faults.served(), 5, "each armed once, then lifted itself");
    crm_login_response(&sim).await.expect("normal again");
}

#[tokio::test]
async fn a_delay_holds_the_answer() {
    let sim = Sim::start().await;
    sim.onebox()
        .faults()
        .set_times(Scope::Login, Fault::Delay(Duration::from_millis(300)), 1);
    let url = format!(
        "{}{}{}",
        sim.base_url(),
        onebox::PREFIX,
        onebox::AUTHENTICATE_PATH
    );
    let started = Instant::now();
    let response = client()
        .post(url)
        .json(&serde_json::json!({"email": onebox::EMAIL, "password": onebox::PASSWORD, "siteId": onebox::SITE_ID}))
        .send()
        .await
        .expect("answer");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn faults_apply_to_their_vendor_and_scope_only() {
    let sim = Sim::start().await;
    sim.modulus().faults().set(Scope::Api, Fault::Status(503));
    sim.currencycloud()
        .faults()
        .set(Scope::Logout, Fault::Status(502));

    // Modulus login is not an API call.
    let base = format!("{}{}", sim.base_url(), modulus::prefix(modulus::ACCOUNT));
    let login = client()
        .post(format!("{base}{}", modulus::AUTHENTICATE_PATH))
        .form(&[("app", modulus::APP), ("secret", modulus::SECRET)])
        .send()
        .await
        .expect("answer");
    assert_eq!(login.status(), 200);
    let balance = client()
        .get(format!("{base}{}", modulus::BALANCE_PATH))
        .send()
        .await
        .expect("answer");
    assert_eq!(balance.status(), 503);

    // Currencycloud's login and API are unaffected; close_session is.
    let cc = format!("{}{}", sim.base_url(), currencycloud::PREFIX);
    let close = client()
        .post(format!("{cc}{}", currencycloud::CLOSE_SESSION_PATH))
        .send()
        .await
        .expect("answer");
    assert_eq!(close.status(), 502);
    let balances = client()
        .get(format!("{cc}{}", currencycloud::BALANCES_PATH))
        .send()
        .await
        .expect("answer");
    assert_eq!(balances.status(), 401, "the vendor's own answer: no token");

    // Other vendors are untouched.
    assert_eq!(
        crm_login_response(&sim).await.expect("answer").status(),
        200
    );
    assert_eq!(sim.crmcom().faults().served(), 0);
}

#[tokio::test]
async fn the_server_clock_can_run_behind() {
    let sim = Sim::start().await;
    let before = sim.clock().unix_now();
    sim.clock().set_behind(Duration::from_secs(600));
    let behind = sim.clock().unix_now();
    assert!(before - behind >= 599, "{before} vs {behind}");
    sim.clock().set_behind(Duration::ZERO);
    assert!(sim.clock().unix_now() >= before);
}

#[tokio::test]
async fn the_new_vendors_faults_reach_their_login_steps_and_salesforces_instances() {
    use auth_sim::{csrf_login, github_app, google, salesforce};
    let sim = Sim::start().await;
    let cases = [
        (
            sim.csrf_login().faults(),
            Scope::Login,
            format!(
                "{}{}{}",
                sim.base_url(),
                csrf_login::PREFIX,
                csrf_login::CSRF_PATH
            ),
            reqwest::Method::GET,
        ),
        (
            sim.github_app().faults(),
            Scope::Login,
            format!(
                "{}{}{}",
                sim.base_url(),
                github_app::PREFIX,
                github_app::access_tokens_path(github_app::INSTALLATION_ID)
            ),
            reqwest::Method::POST,
        ),
        (
            sim.google().faults(),
            Scope::Api,
            format!(
                "{}{}{}",
                sim.base_url(),
                google::PREFIX,
                google::BUCKETS_PATH
            ),
            reqwest::Method::GET,
        ),
        (
            sim.salesforce().faults(),
            Scope::Api,
            format!(
                "{}{}",
                sim.salesforce().instance_url(1),
                salesforce::LIMITS_PATH
            ),
            reqwest::Method::GET,
        ),
    ];
    for (faults, scope, url, method) in cases {
        faults.set(scope, Fault::Status(503));
        let response = client().request(method, &url).send().await.expect("answer");
        assert_eq!(response.status().as_u16(), 503, "{url}");
        assert_eq!(faults.served(), 1, "{url}");
    }
}
