//! The mock refuses what the described vendor would not accept, over real HTTP: the
//! wrong encoding, a field the description does not send, a broken credential rule, a
//! missing constant, the wrong method; and answers API calls as the description says.

use auth_mock::MockVendor;
use auth_mock::fault::{Fault, Scope};
use auth_vendors::{CrmCom, OneBox};
use serde_json::{Value, json};

async fn post_json(url: &str, body: &Value) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .expect("sent");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn user_message(body: &Value) -> &str {
    body["records"]["userMessage"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_well_formed_login_gets_a_token_where_the_description_reads_it() {
    let mock = MockVendor::start::<OneBox>().await;
    let login = json!({"email": "a@example.com", "password": "pw", "siteId": "7"});
    let (status, body) = post_json(&mock.url("/api/authenticate"), &login).await;
    assert_eq!(status, 200);
    assert_eq!(body["response_status"], "Success", "the success mark");
    let token = body["token"].as_str().expect("token");
    assert_eq!(
        token.split('.').count(),
        3,
        "a JWT, since OneBox reads `exp`"
    );
    assert_eq!(mock.logins(), 1);

    let api = mock.url("/api/list");
    let client = reqwest::Client::new();
    let ok = client
        .get(&api)
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status(), 200);
    let none = client.get(&api).send().await.expect("sent");
    assert_eq!(none.status(), 401, "no token: OneBox's rejection");
    let wrong = client
        .get(&api)
        .bearer_auth("forged")
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong.status(), 401);
    assert_eq!((mock.api_calls(), mock.rejected()), (3, 2));
}

#[tokio::test]
async fn a_login_not_as_described_is_refused_with_the_documented_failure() {
    let mock = MockVendor::start::<OneBox>().await;
    let url = mock.url("/api/authenticate");
    let form = reqwest::Client::new()
        .post(&url)
        .form(&[
            ("email", "a@example.com"),
            ("password", "pw"),
            ("siteId", "7"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(form.status(), 401, "OneBox's documented 401");
    let body: Value = form.json().await.expect("JSON");
    assert!(user_message(&body).contains("not JSON"), "{body}");

    let extra = json!({"email": "a", "password": "pw", "siteId": "7", "site_id": "7"});
    let (status, body) = post_json(&url, &extra).await;
    assert_eq!(status, 401);
    assert!(user_message(&body).contains("`site_id`"), "{body}");

    let missing = json!({"email": "a", "siteId": "7"});
    let (_, body) = post_json(&url, &missing).await;
    assert!(
        user_message(&body).contains("`password` is mandatory"),
        "{body}"
    );

    let get = reqwest::get(&url).await.expect("sent");
    assert_eq!(get.status(), 405);
    assert_eq!(
        (mock.login_attempts(), mock.logins(), mock.refused()),
        (3, 0, 3)
    );
}

#[tokio::test]
async fn rules_between_fields_and_accepted_credentials_are_checked() {
    let mock = MockVendor::start::<CrmCom>().await;
    mock.accept([
        ("organisation", "ORG"),
        ("username", "u"),
        ("password", "p"),
    ])
    .expect("well-formed");
    let url = mock.url("/crmapi/rest/v2/authentication/token");
    let half = json!({"organisation": "ORG", "access_token_identifier": {"identifier": "X"}});
    let (status, body) = post_json(&url, &half).await;
    assert_eq!(status, 400, "CRM.COM's documented failure names no status");
    assert_ne!(body["status"]["code"], "OK");
    let message = body["status"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`pass_code` is mandatory when `identifier` is set"),
        "{body}"
    );

    let other = json!({"organisation": "ORG", "username": "u", "password": "other"});
    let (_, body) = post_json(&url, &other).await;
    assert_eq!(
        body["status"]["message"],
        "these credentials are not accepted"
    );
    assert!(
        !body.to_string().contains("other"),
        "no value is echoed: {body}"
    );

    let good = json!({"organisation": "ORG", "username": "u", "password": "p"});
    let (status, body) = post_json(&url, &good).await;
    assert_eq!((status, &body["status"]["code"]), (200, &json!("OK")));
    let token = body["data"]["token"].as_str().expect("token");

    // CRM.COM takes the token in the query on a GET and rejects with INVALID_TOKEN.
    let api = mock.url("/crmapi/rest/v2/contacts/list");
    let ok = reqwest::get(format!("{api}?token={token}"))
        .await
        .expect("sent");
    assert_eq!(ok.status(), 200);
    let rejected: Value = reqwest::get(format!("{api}?token=stale"))
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(rejected["status"]["code"], "INVALID_TOKEN");
}

#[tokio::test]
async fn faults_apply_to_their_scope() {
    let mock = MockVendor::start::<OneBox>().await;
    mock.faults().set(Scope::Api, Fault::Status(503));
    let api = reqwest::get(mock.url("/api/list")).await.expect("sent");
    assert_eq!(api.status(), 503);
    let login = json!({"email": "a", "password": "pw", "siteId": "7"});
    let (status, _) = post_json(&mock.url("/api/authenticate"), &login).await;
    assert_eq!(status, 200, "the login is not in the API's scope");
    mock.faults().set(
        Scope::Login,
        Fault::TooManyRequests {
            retry_after: Some(7),
        },
    );
    let limited = reqwest::Client::new()
        .post(mock.url("/api/authenticate"))
        .json(&login)
        .send()
        .await
        .expect("sent");
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");
    assert_eq!(mock.faults().served(), 2);
}
