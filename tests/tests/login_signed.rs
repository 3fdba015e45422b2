//! Logins that sign a JWT (Google's JWT-bearer grant, a GitHub App), end to end against
//! auth-sim and auth-mock: one signature for any number of callers, a new assertion
//! (a new `jti`) on every login, the key and the assertion never shown, and a replayed
//! or foreign assertion refused.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_mock::MockVendor;
use auth_runtime::{DynamicCredentials, ExposeSecret as _, Session};
use auth_sim::{Sim, github_app, google};
use auth_vendors::google::GoogleCredentials;
use auth_vendors::{GitHubApp, Google};
use authgen_tests::{advance, on_manual_clock};
use reqwest::Method;
use serde_json::json;

fn google_credentials() -> GoogleCredentials {
    // The key file as Google's console downloads it; the sim takes Google's own `aud`.
    let mut key_file = google::service_account_key("https://unused.example");
    key_file["token_uri"] = json!(google::GOOGLE_TOKEN_URI);
    GoogleCredentials::draft()
        .key_file(&key_file.to_string())
        .expect("a key file")
        .scope(google::SCOPE)
        .try_build()
        .expect("credentials")
}

/// The body line of a PEM key: text that must never be shown.
fn key_line(pem: &str) -> &str {
    pem.lines().nth(1).expect("a PEM body")
}

#[tokio::test]
async fn twenty_callers_one_assertion_and_a_new_one_after_expiry() {
    let sim = Arc::new(Sim::start().await);
    let server = format!("{}{}", sim.base_url(), google::PREFIX);
    let (session, clock) =
        on_manual_clock(Session::builder(Google::new(&server), google_credentials()));
    let session = Arc::new(session);
    let api = format!("{server}{}", google::BUCKETS_PATH);
    let calls = (0..20).map(|_| {
        let (session, api) = (session.clone(), api.clone());
        tokio::spawn(async move {
            let response = session.send(session.request(Method::GET, &api)).await;
            response.expect("sent").status().as_u16()
        })
    });
    for call in futures::future::join_all(calls).await {
        assert_eq!(call.expect("joined"), 200);
    }
    assert_eq!(sim.google().logins(), 1, "one login for twenty callers");
    let first = sim.google().assertion_claims();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["iss"], google::CLIENT_EMAIL);
    assert_eq!(first[0]["aud"], google::GOOGLE_TOKEN_URI);

    // Expired on both clocks: one new login, with a new assertion from the session's
    // clock (the simulator checks `iat` and `exp` against its own).
    advance(
        &sim,
        &clock,
        google::DEFAULT_TOKEN_LIFETIME + Duration::from_secs(1),
    );
    let calls = (0..20).map(|_| {
        let (session, api) = (session.clone(), api.clone());
        tokio::spawn(async move { session.send(session.request(Method::GET, &api)).await })
    });
    for call in futures::future::join_all(calls).await {
        assert_eq!(call.expect("joined").expect("sent").status(), 200);
    }
    assert_eq!(sim.google().logins(), 2, "one re-login for twenty callers");
    let claims = sim.google().assertion_claims();
    assert_ne!(claims[1]["jti"], claims[0]["jti"], "a new assertion");
    assert!(claims[1]["iat"].as_u64() > claims[0]["iat"].as_u64());

    // Neither the key nor the assertion is shown.
    let shown = format!("{session:?} {:?}", google_credentials());
    assert!(
        !shown.contains(key_line(google::PRIVATE_KEY_PEM)),
        "{shown}"
    );
    assert!(!shown.contains("eyJ"), "no JWT in {shown}");
    session.logout().await.expect("revoked");
    assert_eq!(sim.google().revocations(), 1);
}

#[tokio::test]
async fn a_github_app_installation_token_bought_with_a_backdated_jwt() {
    let sim = Sim::start().await;
    let api = format!("{}{}", sim.base_url(), github_app::PREFIX);
    let credentials = GitHubApp::credentials()
        .client_id(github_app::CLIENT_ID)
        .installation_id(github_app::INSTALLATION_ID.to_string())
        .private_key(github_app::PRIVATE_KEY_PEM)
        .build();
    let kept: Arc<std::sync::Mutex<Option<SystemTime>>> = Arc::default();
    let hook = kept.clone();
    let session = Session::builder(GitHubApp::new(&api), credentials)
        .on_token(move |stored| *hook.lock().expect("lock") = stored.expires_at)
        .build()
        .expect("session");
    let url = format!("{api}{}", github_app::REPOSITORIES_PATH);
    let response = session.send(session.request(Method::GET, &url)).await;
    assert_eq!(response.expect("sent").status(), 200);
    let claims = sim.github_app().jwt_claims();
    let (iat, exp) = (claims[0]["iat"].as_u64(), claims[0]["exp"].as_u64());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("now")
        .as_secs();
    let iat = iat.expect("iat");
    assert!(iat + 55 <= now && iat + 65 >= now, "backdated a minute");
    assert_eq!(exp, Some(iat + 540));
    // The token's stated expiry (`expires_at`, RFC 3339) is what the session keeps.
    let expires = kept.lock().expect("lock").expect("an expiry");
    let left = expires.duration_since(SystemTime::now()).expect("ahead");
    assert!(left > Duration::from_secs(3500) && left <= Duration::from_secs(3600));
    session.logout().await.expect("revoked");
    assert_eq!(sim.github_app().revocations(), 1);
}

#[tokio::test]
async fn a_wrong_key_is_the_vendors_refusal_and_never_shown() {
    let sim = Sim::start().await;
    let api = format!("{}{}", sim.base_url(), github_app::PREFIX);
    let credentials = GitHubApp::credentials()
        .client_id(github_app::CLIENT_ID)
        .installation_id("4242")
        .private_key(google::PRIVATE_KEY_PEM)
        .build();
    let session = Session::new(GitHubApp::new(&api), credentials).expect("session");
    let error = session.token().await.expect_err("refused");
    assert!(
        matches!(error, auth_vendors::GitHubAppError::Unauthorized { .. }),
        "{error:?}"
    );
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains(key_line(google::PRIVATE_KEY_PEM)),
        "{shown}"
    );
    assert!(!shown.contains("eyJ"), "no JWT in {shown}");
    assert_eq!(sim.github_app().logins(), 0);
}

#[tokio::test]
async fn a_key_file_that_is_not_one_is_refused_without_quoting_it() {
    for text in [
        "\"-----BEGIN PRIVATE KEY----- TOPSECRET\"",
        "{\"private_key\": \"TOPSECRET\", ",
        "{\"private_key\": true}",
    ] {
        let error = GoogleCredentials::draft()
            .key_file(text)
            .expect_err("not a key file");
        let shown = format!("{error} {error:?}");
        assert!(shown.contains("Google"), "{shown}");
        assert!(!shown.contains("TOPSECRET"), "{shown}");
    }
    // The vendor's own keys are skipped; a missing field is the usual problem.
    let error = GoogleCredentials::draft()
        .key_file(r#"{"type": "service_account", "client_email": "a@b", "universe_domain": "x"}"#)
        .expect("read")
        .try_build()
        .expect_err("no key");
    assert!(error.to_string().contains("private_key"), "{error}");
}

#[tokio::test]
async fn the_mock_refuses_a_replayed_assertion_and_one_for_another_audience() {
    let mock = MockVendor::start::<Google>().await;
    let good = [
        ("client_email", google::CLIENT_EMAIL),
        ("private_key", google::PRIVATE_KEY_PEM),
        ("private_key_id", google::PRIVATE_KEY_ID),
        ("token_uri", google::GOOGLE_TOKEN_URI),
        ("scope", google::SCOPE),
    ];
    mock.accept(good).expect("well-formed");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("now")
        .as_secs();
    let sign = |aud: &str, jti: &str| {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(google::PRIVATE_KEY_ID.to_owned());
        let claims = json!({"iss": google::CLIENT_EMAIL, "scope": google::SCOPE, "aud": aud,
            "iat": now, "exp": now + 600, "jti": jti});
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(google::PRIVATE_KEY_PEM.as_bytes())
            .expect("key");
        jsonwebtoken::encode(&header, &claims, &key).expect("signed")
    };
    let client = reqwest::Client::new();
    let post = |assertion: String| {
        client
            .post(format!("{}/token", mock.base_url()))
            .form(&[
                ("grant_type", google::JWT_BEARER),
                ("assertion", &assertion),
            ])
            .send()
    };
    let status = |r: reqwest::Result<reqwest::Response>| r.expect("sent").status().as_u16();
    let assertion = sign(google::GOOGLE_TOKEN_URI, "one");
    assert_eq!(status(post(assertion.clone()).await), 200, "the first time");
    assert_ne!(status(post(assertion).await), 200, "replayed");
    let elsewhere = sign("https://elsewhere.example/token", "two");
    assert_ne!(status(post(elsewhere).await), 200, "another audience");
    assert_eq!(mock.logins(), 1);
    // The session's own logins each sign anew, so none is a replay.
    let credentials = GoogleCredentials::from_pairs(good).expect("credentials");
    for _ in 0..2 {
        let session =
            Session::new(Google::new(mock.base_url()), credentials.clone()).expect("session");
        session.token().await.expect("a fresh assertion");
    }
    assert_eq!(mock.logins(), 3);
}

/// An OAuth 2.0 client authenticating with a JWT it signs (`private_key_jwt`, RFC 7523
/// section 2.2), ES256.
#[auth_runtime::auth_provider(
    vendor = "Assertive",
    base = "{server}",
    login(path = "/token"),
    oauth2(grant = "client_credentials", client_auth = "private_key_jwt"),
    computed(client_assertion(
        jwt = "ES256",
        key = "{private_key}",
        claims(iss = "{client_id}", sub = "{client_id}", aud = "{token_url}"),
        lifetime = 60,
    ))
)]
pub struct Assertive {
    client_id: String,
    private_key: String,
    token_url: String,
}

#[tokio::test]
async fn private_key_jwt_authenticates_the_client_with_a_fresh_es256_assertion() {
    let mock = MockVendor::start::<Assertive>().await;
    let key = rcgen::KeyPair::generate()
        .expect("a P-256 key")
        .serialize_pem();
    let token_url = format!("{}/token", mock.base_url());
    mock.accept([
        ("client_id", "svc-1"),
        ("private_key", key.as_str()),
        ("token_url", token_url.as_str()),
    ])
    .expect("well-formed");
    let credentials = |pem: &str| {
        AssertiveCredentials::from_pairs([
            ("client_id", "svc-1"),
            ("private_key", pem),
            ("token_url", token_url.as_str()),
        ])
        .expect("credentials")
    };
    for _ in 0..2 {
        // Two sessions, two logins: a fresh assertion each (the mock refuses a jti twice).
        let session =
            Session::new(Assertive::new(mock.base_url()), credentials(&key)).expect("session");
        session
            .token()
            .await
            .expect("a token for the client's own assertion");
    }
    assert_eq!(mock.logins(), 2);
    // Another key: the client is not authenticated.
    let other = rcgen::KeyPair::generate().expect("a key").serialize_pem();
    let session =
        Session::new(Assertive::new(mock.base_url()), credentials(&other)).expect("session");
    let error = session.token().await.expect_err("another key");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(key_line(&other)), "{shown}");
    assert_eq!(mock.logins(), 2);
}

/// A store of the test's own keeping every record it is given, in plain text by
/// choice, so that what reaches a store can be read.
#[derive(Default)]
struct Kept {
    inner: auth_runtime::MemoryStore,
    records: std::sync::Mutex<Vec<String>>,
}

impl auth_runtime::store::TokenStore for Kept {
    fn load<'a>(
        &'a self,
        key: &'a str,
    ) -> futures::future::BoxFuture<
        'a,
        Result<Option<auth_runtime::store::SharedToken>, auth_runtime::store::StoreError>,
    > {
        self.inner.load(key)
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        token: &'a auth_runtime::store::SharedToken,
    ) -> futures::future::BoxFuture<'a, Result<(), auth_runtime::store::StoreError>> {
        let refresh = token
            .refresh_token
            .as_ref()
            .map(|r| r.expose_secret().to_owned());
        self.records.lock().expect("records").push(format!(
            "{key} {} {refresh:?} {:?}",
            token.token.expose_secret(),
            token.api_base
        ));
        self.inner.save(key, token)
    }

    fn try_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
        ttl: Duration,
    ) -> futures::future::BoxFuture<'a, Result<bool, auth_runtime::store::StoreError>> {
        self.inner.try_lease(key, holder, ttl)
    }

    fn release<'a>(
        &'a self,
        key: &'a str,
        holder: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), auth_runtime::store::StoreError>> {
        self.inner.release(key, holder)
    }
}

#[tokio::test]
async fn neither_the_key_nor_an_assertion_reaches_the_logs_or_the_store() {
    let logs = authgen_tests::Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = Sim::start().await;
    let server = format!("{}{}", sim.base_url(), google::PREFIX);
    let store = Arc::new(Kept::default());
    let session = Session::builder(Google::new(&server), google_credentials())
        .store_plaintext(Arc::clone(&store))
        .build()
        .expect("session");
    let api = format!("{server}{}", google::BUCKETS_PATH);
    let response = session.send(session.request(Method::GET, &api)).await;
    assert_eq!(response.expect("sent").status(), 200);
    session.logout().await.expect("revoked");
    // A refused assertion (another key) is logged too.
    let wrong = GoogleCredentials::draft()
        .key_file(&json!({"private_key": github_app::PRIVATE_KEY_PEM}).to_string())
        .expect("a key file")
        .client_email(google::CLIENT_EMAIL)
        .private_key_id(google::PRIVATE_KEY_ID)
        .token_uri(google::GOOGLE_TOKEN_URI)
        .scope(google::SCOPE)
        .try_build()
        .expect("credentials");
    let refused = Session::new(Google::new(&server), wrong).expect("session");
    refused.token().await.expect_err("another key");

    let records = store.records.lock().expect("records").join("\n");
    assert!(!records.is_empty(), "the token reached the store");
    let logged = logs.text();
    assert!(logged.contains("login"), "the logins were logged: {logged}");
    for key in [google::PRIVATE_KEY_PEM, github_app::PRIVATE_KEY_PEM] {
        for text in [&records, &logged] {
            assert!(!text.contains(key_line(key)), "a key in {text}");
        }
    }
    for text in [&records, &logged] {
        assert!(!text.contains("eyJ"), "an assertion in {text}");
    }
}

#[tokio::test]
async fn on_the_mock_twenty_callers_one_assertion_and_one_new_one_after_expiry() {
    let mock = MockVendor::start::<Google>().await;
    let good = [
        ("client_email", google::CLIENT_EMAIL),
        ("private_key", google::PRIVATE_KEY_PEM),
        ("private_key_id", google::PRIVATE_KEY_ID),
        ("token_uri", google::GOOGLE_TOKEN_URI),
        ("scope", google::SCOPE),
    ];
    mock.accept(good).expect("well-formed");
    mock.set_token_lifetime(Duration::from_secs(600));
    let (session, clock) = on_manual_clock(Session::builder(
        Google::new(mock.base_url()),
        GoogleCredentials::from_pairs(good).expect("credentials"),
    ));
    let session = Arc::new(session);
    let api = format!("{}/storage/v1/b", mock.base_url());
    let calls = |n| {
        (0..n)
            .map(|_| {
                let (session, api) = (session.clone(), api.clone());
                tokio::spawn(async move { session.send(session.request(Method::GET, &api)).await })
            })
            .collect::<Vec<_>>()
    };
    for call in futures::future::join_all(calls(20)).await {
        assert_eq!(call.expect("joined").expect("sent").status(), 200);
    }
    assert_eq!(mock.logins(), 1);
    // Expired on both clocks: one new login, whose assertion the mock takes (a `jti`
    // it has seen would be refused).
    let past = Duration::from_secs(601);
    clock.advance(past);
    mock.advance(past);
    for call in futures::future::join_all(calls(20)).await {
        assert_eq!(call.expect("joined").expect("sent").status(), 200);
    }
    assert_eq!(mock.logins(), 2, "one new assertion for twenty callers");
    assert_eq!(
        mock.refreshes(),
        0,
        "no refresh token for an assertion grant"
    );
}
