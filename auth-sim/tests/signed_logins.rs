//! The vendors whose login is a signed JWT (a GitHub App's, Google's and Salesforce's
//! JWT-bearer assertions) and Salesforce's username-password flow, against plain reqwest:
//! what each takes, what each refuses in its own words, and where each token is good.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_sim::{Sim, github_app, google, salesforce};
use serde_json::{Value, json};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after the epoch")
        .as_secs()
}

fn sign(claims: &Value, pem: &str, kid: Option<&str>) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).expect("a PEM key"),
    )
    .expect("signed")
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

// ---- GitHub Apps ----

fn app_jwt(iss: Value, iat: u64, exp: u64) -> String {
    sign(
        &json!({"iss": iss, "iat": iat, "exp": exp}),
        github_app::PRIVATE_KEY_PEM,
        None,
    )
}

async fn installation_token(sim: &Sim, jwt: &str, installation: u64) -> (u16, Value) {
    let url = format!(
        "{}{}{}",
        sim.base_url(),
        github_app::PREFIX,
        github_app::access_tokens_path(installation)
    );
    answer(
        reqwest::Client::new()
            .post(url)
            .bearer_auth(jwt)
            .header("Accept", "application/vnd.github+json")
            .send()
            .await
            .expect("sent"),
    )
    .await
}

#[tokio::test]
async fn a_github_app_jwt_buys_an_installation_token_that_reaches_the_api_and_is_revoked() {
    let sim = Sim::start().await;
    let t = now();
    let jwt = app_jwt(json!(github_app::CLIENT_ID), t - 60, t + 540);
    let (status, body) = installation_token(&sim, &jwt, github_app::INSTALLATION_ID).await;
    assert_eq!(status, 201, "{body}");
    let token = body["token"].as_str().expect("token");
    assert!(token.starts_with("ghs_"));
    assert!(
        body["expires_at"]
            .as_str()
            .expect("expires_at")
            .ends_with('Z')
    );
    assert_eq!(sim.github_app().logins(), 1);
    assert_eq!(
        sim.github_app().jwt_claims()[0]["iss"],
        github_app::CLIENT_ID
    );

    let repositories = format!(
        "{}{}{}",
        sim.base_url(),
        github_app::PREFIX,
        github_app::REPOSITORIES_PATH
    );
    let client = reqwest::Client::new();
    let (status, body) = answer(
        client
            .get(&repositories)
            .bearer_auth(token)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!((status, body["total_count"].clone()), (200, json!(1)));
    // The app JWT is not an installation token.
    let (status, body) = answer(
        client
            .get(&repositories)
            .bearer_auth(&jwt)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some(github_app::BAD_CREDENTIALS))
    );

    let revoke = format!(
        "{}{}{}",
        sim.base_url(),
        github_app::PREFIX,
        github_app::INSTALLATION_TOKEN_PATH
    );
    let status = client
        .delete(&revoke)
        .bearer_auth(token)
        .send()
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 204);
    assert_eq!(sim.github_app().revocations(), 1);
    let (status, _) = answer(
        client
            .get(&repositories)
            .bearer_auth(token)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_github_app_jwt_names_the_app_by_either_id_and_lives_at_most_ten_minutes() {
    let sim = Sim::start().await;
    let t = now();
    let by_app_id = app_jwt(json!(github_app::APP_ID), t - 60, t + 540);
    assert_eq!(
        installation_token(&sim, &by_app_id, github_app::INSTALLATION_ID)
            .await
            .0,
        201
    );
    let by_app_id_text = app_jwt(json!(github_app::APP_ID.to_string()), t - 60, t + 540);
    assert_eq!(
        installation_token(&sim, &by_app_id_text, github_app::INSTALLATION_ID)
            .await
            .0,
        201
    );

    let refusals = [
        (
            app_jwt(json!("Iv23someoneElse"), t - 60, t + 540),
            "'Issuer'",
        ),
        (
            app_jwt(json!(github_app::CLIENT_ID), t - 600, t - 1),
            "must be in the future",
        ),
        (
            app_jwt(json!(github_app::CLIENT_ID), t, t + 3600),
            "too far in the future",
        ),
        (
            app_jwt(json!(github_app::CLIENT_ID), t + 600, t + 540),
            "'Issued at'",
        ),
        (
            sign(
                &json!({"iss": github_app::CLIENT_ID, "exp": t + 60}),
                salesforce::PRIVATE_KEY_PEM,
                None,
            ),
            github_app::UNDECODABLE_JWT,
        ),
    ];
    for (jwt, words) in refusals {
        let (status, body) = installation_token(&sim, &jwt, github_app::INSTALLATION_ID).await;
        assert_eq!(status, 401, "{body}");
        let message = body["message"].as_str().expect("message");
        assert!(message.contains(words), "{message}");
        assert_eq!(body["documentation_url"], "https://docs.github.com/rest");
    }
    let good = app_jwt(json!(github_app::CLIENT_ID), t - 60, t + 540);
    let (status, body) = installation_token(&sim, &good, 1).await;
    assert_eq!((status, body["message"].as_str()), (404, Some("Not Found")));
    assert_eq!(sim.github_app().logins(), 2);
}

#[tokio::test]
async fn an_installation_token_ends_at_its_expiry_on_the_servers_clock() {
    let sim = Sim::start().await;
    let t = now();
    let jwt = app_jwt(json!(github_app::CLIENT_ID), t - 60, t + 540);
    let (_, body) = installation_token(&sim, &jwt, github_app::INSTALLATION_ID).await;
    let token = body["token"].as_str().expect("token");
    assert_eq!(sim.github_app().active_tokens(), 1);
    sim.clock()
        .advance(github_app::DEFAULT_TOKEN_LIFETIME + Duration::from_secs(1));
    assert_eq!(sim.github_app().active_tokens(), 0);
    let repositories = format!(
        "{}{}{}",
        sim.base_url(),
        github_app::PREFIX,
        github_app::REPOSITORIES_PATH
    );
    let response = reqwest::Client::new()
        .get(repositories)
        .header("Authorization", format!("token {token}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 401);
}

// ---- Google service accounts ----

fn google_assertion(sim: &Sim, overrides: Value, kid: Option<&str>) -> String {
    let t = now();
    let key = google::service_account_key(&sim.base_url());
    let mut claims = json!({
        "iss": key["client_email"],
        "scope": google::SCOPE,
        "aud": key["token_uri"],
        "iat": t,
        "exp": t + 3600,
    });
    if let (Some(claims), Some(overrides)) = (claims.as_object_mut(), overrides.as_object()) {
        claims.extend(overrides.clone());
    }
    let pem = key["private_key"].as_str().expect("private_key");
    sign(&claims, pem, kid)
}

async fn google_token(sim: &Sim, grant_type: &str, assertion: &str) -> (u16, Value) {
    let url = format!("{}{}{}", sim.base_url(), google::PREFIX, google::TOKEN_PATH);
    answer(
        reqwest::Client::new()
            .post(url)
            .form(&[("grant_type", grant_type), ("assertion", assertion)])
            .send()
            .await
            .expect("sent"),
    )
    .await
}

#[tokio::test]
async fn a_service_account_assertion_buys_an_access_token_for_the_api() {
    let sim = Sim::start().await;
    let assertion = google_assertion(&sim, json!({}), Some(google::PRIVATE_KEY_ID));
    let (status, body) = google_token(&sim, google::JWT_BEARER, &assertion).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    let token = body["access_token"].as_str().expect("access_token");

    let buckets = format!(
        "{}{}{}",
        sim.base_url(),
        google::PREFIX,
        google::BUCKETS_PATH
    );
    let client = reqwest::Client::new();
    let (status, body) = answer(
        client
            .get(&buckets)
            .bearer_auth(token)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(
        (status, body["kind"].as_str()),
        (200, Some("storage#buckets"))
    );
    let response = client
        .get(&buckets)
        .bearer_auth("ya29.unknown")
        .send()
        .await
        .expect("sent");
    assert!(response.headers().contains_key("www-authenticate"));
    let (status, body) = answer(response).await;
    assert_eq!(
        (status, body["error"]["status"].as_str()),
        (401, Some("UNAUTHENTICATED"))
    );

    // Google's own token URI is the audience too.
    let aud = google_assertion(&sim, json!({"aud": google::GOOGLE_TOKEN_URI}), None);
    assert_eq!(google_token(&sim, google::JWT_BEARER, &aud).await.0, 200);
    assert_eq!(sim.google().logins(), 2);

    let revoke = format!(
        "{}{}{}",
        sim.base_url(),
        google::PREFIX,
        google::REVOKE_PATH
    );
    let status = client
        .post(&revoke)
        .form(&[("token", token)])
        .send()
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 200);
    assert_eq!(
        client
            .get(&buckets)
            .bearer_auth(token)
            .send()
            .await
            .expect("sent")
            .status(),
        401
    );
    let (status, body) = answer(
        client
            .post(&revoke)
            .form(&[("token", token)])
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_token"))
    );
}

#[tokio::test]
async fn google_refuses_each_wrong_assertion_in_its_own_words() {
    let sim = Sim::start().await;
    let t = now();
    let cases = [
        (
            google_assertion(&sim, json!({}), Some("another-key")),
            "invalid_grant",
            google::INVALID_SIGNATURE,
        ),
        (
            sign(
                &json!({"iss": google::CLIENT_EMAIL, "scope": google::SCOPE, "aud": google::GOOGLE_TOKEN_URI, "iat": t, "exp": t + 60}),
                github_app::PRIVATE_KEY_PEM,
                None,
            ),
            "invalid_grant",
            google::INVALID_SIGNATURE,
        ),
        (
            google_assertion(
                &sim,
                json!({"iss": "someone@else.iam.gserviceaccount.com"}),
                None,
            ),
            "invalid_grant",
            "Invalid email or User ID",
        ),
        (
            google_assertion(&sim, json!({"aud": "https://example.invalid/token"}), None),
            "invalid_grant",
            "Failed audience check",
        ),
        (
            google_assertion(&sim, json!({"scope": " "}), None),
            "invalid_scope",
            "Invalid OAuth scope",
        ),
        (
            google_assertion(&sim, json!({"exp": t + 7200}), None),
            "invalid_grant",
            google::SHORT_LIVED,
        ),
        (
            google_assertion(&sim, json!({"iat": t - 7200, "exp": t - 3600}), None),
            "invalid_grant",
            google::SHORT_LIVED,
        ),
        (
            google_assertion(&sim, json!({"iat": t + 600, "exp": t + 1200}), None),
            "invalid_grant",
            google::SHORT_LIVED,
        ),
        (
            google_assertion(&sim, json!({"iat": "soon"}), None),
            "invalid_grant",
            google::SHORT_LIVED,
        ),
    ];
    for (assertion, error, words) in cases {
        let (status, body) = google_token(&sim, google::JWT_BEARER, &assertion).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(error)),
            "{body}"
        );
        let description = body["error_description"].as_str().expect("description");
        assert!(description.contains(words), "{description}");
    }
    let good = google_assertion(&sim, json!({}), None);
    let (status, body) = google_token(&sim, "client_credentials", &good).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let url = format!("{}{}{}", sim.base_url(), google::PREFIX, google::TOKEN_PATH);
    let (status, body) = answer(
        reqwest::Client::new()
            .post(url)
            .form(&[("grant_type", google::JWT_BEARER)])
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    assert_eq!(sim.google().logins(), 0);
}

#[test]
fn the_service_account_key_file_has_the_documented_fields() {
    let key = google::service_account_key("http://127.0.0.1:9");
    for field in [
        "type",
        "project_id",
        "private_key_id",
        "private_key",
        "client_email",
        "client_id",
        "token_uri",
    ] {
        assert!(key[field].is_string(), "{field}");
    }
    assert_eq!(key["type"], "service_account");
    assert_eq!(key["token_uri"], "http://127.0.0.1:9/google/token");
}

// ---- Salesforce ----

async fn salesforce_token(sim: &Sim, form: &[(&str, &str)]) -> (u16, Value) {
    let url = format!(
        "{}{}{}",
        sim.base_url(),
        salesforce::PREFIX,
        salesforce::TOKEN_PATH
    );
    answer(
        reqwest::Client::new()
            .post(url)
            .form(form)
            .send()
            .await
            .expect("sent"),
    )
    .await
}

fn password_flow(password: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "password".to_owned()),
        ("client_id", salesforce::CONSUMER_KEY.to_owned()),
        ("client_secret", salesforce::CONSUMER_SECRET.to_owned()),
        ("username", salesforce::USERNAME.to_owned()),
        ("password", password.to_owned()),
    ]
}

async fn limits(base: &str, token: &str) -> (u16, Value) {
    answer(
        reqwest::Client::new()
            .get(format!("{base}{}", salesforce::LIMITS_PATH))
            .bearer_auth(token)
            .send()
            .await
            .expect("sent"),
    )
    .await
}

#[tokio::test]
async fn the_password_flow_names_the_orgs_instance_and_the_token_is_good_only_there() {
    let sim = Sim::start().await;
    let password = format!("{}{}", salesforce::PASSWORD, salesforce::SECURITY_TOKEN);
    let form = password_flow(&password);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = salesforce_token(&sim, &form).await;
    assert_eq!(status, 200, "{body}");
    let instance = body["instance_url"].as_str().expect("instance_url");
    assert_eq!(instance, sim.salesforce().instance_url(0));
    assert_ne!(
        instance,
        sim.base_url(),
        "the API is on another origin than the login"
    );
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["id"].as_str().expect("id").contains("/id/"));
    assert!(body.get("refresh_token").is_none());
    assert!(body.get("expires_in").is_none());

    // The signature is HMAC-SHA256(consumer secret, id + issued_at), Base64.
    use base64::Engine as _;
    use hmac::{KeyInit as _, Mac as _};
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(salesforce::CONSUMER_SECRET.as_bytes())
            .expect("key");
    mac.update(body["id"].as_str().expect("id").as_bytes());
    mac.update(body["issued_at"].as_str().expect("issued_at").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(body["signature"].as_str(), Some(expected.as_str()));

    let token = body["access_token"].as_str().expect("access_token");
    assert_eq!(limits(instance, token).await.0, 200);
    let (status, body) = limits(&sim.salesforce().instance_url(1), token).await;
    assert_eq!(
        (status, body[0]["errorCode"].as_str()),
        (401, Some("INVALID_SESSION_ID"))
    );
    assert_eq!(
        (
            sim.salesforce().instance_calls(0),
            sim.salesforce().instance_calls(1)
        ),
        (1, 1)
    );

    // The org moves: its sessions end, and the next login names the other instance.
    sim.salesforce().move_org(1);
    assert_eq!(limits(instance, token).await.0, 401);
    let (_, body) = salesforce_token(&sim, &form).await;
    let moved = body["instance_url"].as_str().expect("instance_url");
    assert_eq!(moved, sim.salesforce().instance_url(1));
    assert_eq!(
        limits(moved, body["access_token"].as_str().expect("token"))
            .await
            .0,
        200
    );

    let revoke = format!(
        "{}{}{}",
        sim.base_url(),
        salesforce::PREFIX,
        salesforce::REVOKE_PATH
    );
    let status = reqwest::Client::new()
        .post(revoke)
        .form(&[("token", body["access_token"].as_str().expect("token"))])
        .send()
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 200);
    assert_eq!(sim.salesforce().revocations(), 1);
}

#[tokio::test]
async fn the_password_flow_refuses_in_salesforces_error_codes() {
    let sim = Sim::start().await;
    let password = format!("{}{}", salesforce::PASSWORD, salesforce::SECURITY_TOKEN);
    let cases = [
        ("client_id", "someone-else", "invalid_client_id"),
        ("client_secret", "wrong", "invalid_client"),
        ("password", salesforce::PASSWORD, "invalid_grant"),
        ("grant_type", "client_credentials", "unsupported_grant_type"),
    ];
    for (field, value, error) in cases {
        let mut form = password_flow(&password);
        for pair in &mut form {
            if pair.0 == field {
                pair.1 = value.to_owned();
            }
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = salesforce_token(&sim, &form).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(error)),
            "{field}: {body}"
        );
    }
    assert_eq!(sim.salesforce().logins(), 0);
}

#[tokio::test]
async fn the_jwt_bearer_flow_takes_a_signed_assertion_and_refuses_a_wrong_one() {
    let sim = Sim::start().await;
    let t = now();
    let claims = |overrides: Value| {
        let mut claims = json!({
            "iss": salesforce::CONSUMER_KEY,
            "sub": salesforce::USERNAME,
            "aud": salesforce::AUDIENCES[0],
            // Salesforce's own example writes `exp` as a string.
            "exp": (t + 180).to_string(),
        });
        if let (Some(claims), Some(overrides)) = (claims.as_object_mut(), overrides.as_object()) {
            claims.extend(overrides.clone());
        }
        claims
    };
    let jwt = sign(&claims(json!({})), salesforce::PRIVATE_KEY_PEM, None);
    let (status, body) = salesforce_token(
        &sim,
        &[("grant_type", salesforce::JWT_BEARER), ("assertion", &jwt)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "api");
    let instance = body["instance_url"].as_str().expect("instance_url");
    assert_eq!(
        limits(instance, body["access_token"].as_str().expect("token"))
            .await
            .0,
        200
    );
    assert_eq!(
        sim.salesforce().assertion_claims()[0]["sub"],
        salesforce::USERNAME
    );

    let cases = [
        (
            sign(&claims(json!({})), google::PRIVATE_KEY_PEM, None),
            "invalid_grant",
        ),
        (
            sign(
                &claims(json!({"iss": "other"})),
                salesforce::PRIVATE_KEY_PEM,
                None,
            ),
            "invalid_client_id",
        ),
        (
            sign(
                &claims(json!({"aud": "https://example.invalid"})),
                salesforce::PRIVATE_KEY_PEM,
                None,
            ),
            "invalid_grant",
        ),
        (
            sign(
                &claims(json!({"sub": "nobody@ledger.example"})),
                salesforce::PRIVATE_KEY_PEM,
                None,
            ),
            "invalid_grant",
        ),
        (
            sign(
                &claims(json!({"exp": t - 600})),
                salesforce::PRIVATE_KEY_PEM,
                None,
            ),
            "invalid_grant",
        ),
    ];
    for (jwt, error) in cases {
        let (status, body) = salesforce_token(
            &sim,
            &[("grant_type", salesforce::JWT_BEARER), ("assertion", &jwt)],
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(error)),
            "{body}"
        );
    }
    assert_eq!(sim.salesforce().logins(), 1);
}
