//! The runtime's safety promises, tried as an attacker would: a hostile vendor on
//! 127.0.0.1 that refuses, rate-limits, echoes secrets in every format, issues tokens
//! that cannot be sent, trickles its answer, and redirects to a second origin that
//! records every token reaching it. Each promise is tried on each path a user can take:
//! `Session::send` with the session's client and with one the user built,
//! `AuthMiddleware`, `AuthLayer`; one call and many.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auth_runtime::{
    AuthLayer, AuthMiddleware, Clock, Error, MemoryStore, RetryPolicy, Session, SessionBuilder,
    SessionClient, auth_provider,
};
use authgen_tests::Logs;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use tower::{Layer as _, ServiceExt as _};

const PASSWORD: &str = "pa55-W0rd & <secret>";

/// A vendor taking the token in a header.
#[auth_provider(
    vendor = "Hostile",
    base = "{server}",
    login(path = "/login", format = "json"),
    logout(path = "/logout"),
    token = "token",
    apply(header = "X-Auth-Token"),
    expiry(absolute = "10m")
)]
pub struct Hostile {
    user: String,
    #[auth(secret)]
    password: String,
}

/// A vendor taking the token as CRM.COM does: in the query, or in a JSON body field.
#[auth_provider(
    vendor = "Hostile query",
    base = "{server}",
    login(path = "/login", format = "json"),
    token = "token",
    apply(query = "token", body = "token"),
    expiry(absolute = "10m")
)]
pub struct HostileQuery {
    user: String,
    #[auth(secret)]
    password: String,
}

/// How the next login answers; the rest answer with a fresh token.
#[derive(Clone)]
enum Answer {
    Status(u16, Option<&'static str>),
    /// The password sent, echoed back in a body of this kind.
    Echo(Echo),
    /// A successful answer whose token cannot go in a header.
    Token(&'static str),
    /// This status and JSON body.
    Body(u16, &'static str),
    /// A successful answer, one byte a second.
    Trickle,
}

#[derive(Clone, Copy, Debug)]
enum Echo {
    JsonMessage,
    Html,
    Text,
    TruncatedJson,
    Form,
    /// The password under keys that name errors, whose short values excerpts show.
    ErrorKeys,
}

#[derive(Default)]
struct Vendor {
    url: String,
    elsewhere: String,
    logins: AtomicUsize,
    issued: AtomicUsize,
    plan: Mutex<VecDeque<Answer>>,
    /// Once set, every login answers this way.
    always: Mutex<Option<Answer>>,
    /// Every token issued so far.
    tokens: Mutex<Vec<String>>,
    api_calls: AtomicUsize,
    /// Requests that reached the second origin, and those that carried a token.
    elsewhere_hits: AtomicUsize,
    leaked: Mutex<Vec<String>>,
}

impl Vendor {
    fn plan(&self, answers: &[Answer]) {
        self.plan
            .lock()
            .expect("plan")
            .extend(answers.iter().cloned());
    }

    fn always(&self, answer: Answer) {
        *self.always.lock().expect("always") = Some(answer);
    }

    fn logins(&self) -> usize {
        self.logins.load(Ordering::SeqCst)
    }

    fn leaked(&self) -> Vec<String> {
        self.leaked.lock().expect("leaked").clone()
    }

    fn token(&self, n: usize) -> String {
        self.tokens.lock().expect("tokens")[n].clone()
    }
}

async fn start() -> Arc<Vendor> {
    let main = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let other = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let vendor = Arc::new(Vendor {
        url: format!("http://{}", main.local_addr().expect("addr")),
        elsewhere: format!("http://{}", other.local_addr().expect("addr")),
        ..Vendor::default()
    });
    let app = Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/api", any(api))
        .route("/headers", any(header_names))
        .route("/redirect/{status}", any(redirect_elsewhere))
        .with_state(Arc::clone(&vendor));
    let elsewhere = Router::new().fallback(sink).with_state(Arc::clone(&vendor));
    tokio::spawn(async move { axum::serve(main, app).await });
    tokio::spawn(async move { axum::serve(other, elsewhere).await });
    vendor
}

async fn login(State(vendor): State<Arc<Vendor>>, body: Bytes) -> Response {
    vendor.logins.fetch_add(1, Ordering::SeqCst);
    let planned = vendor.plan.lock().expect("plan").pop_front();
    let answer = planned.or_else(|| vendor.always.lock().expect("always").clone());
    let sent: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let password = sent["password"].as_str().unwrap_or_default().to_owned();
    match answer {
        Some(Answer::Status(status, retry_after)) => {
            let status = StatusCode::from_u16(status).expect("status");
            let mut response = (status, "{\"error\":\"no\"}").into_response();
            if let Some(value) = retry_after {
                let value = value.parse().expect("header");
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Some(Answer::Echo(echo)) => echo_password(echo, &password),
        Some(Answer::Body(status, body)) => (
            StatusCode::from_u16(status).expect("status"),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Some(Answer::Token(token)) => {
            let body = serde_json::json!({ "token": token }).to_string();
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Some(Answer::Trickle) => {
            let body = format!("{{\"token\":\"{}\"}}", issue(&vendor));
            let bytes: Vec<Result<Bytes, std::io::Error>> = body
                .into_bytes()
                .into_iter()
                .map(|b| Ok(Bytes::from(vec![b])))
                .collect();
            let stream = futures::stream::iter(bytes).then(|chunk| async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                chunk
            });
            axum::body::Body::from_stream(stream).into_response()
        }
        None => {
            let body = format!("{{\"token\":\"{}\"}}", issue(&vendor));
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    }
}

use futures::StreamExt as _;

fn issue(vendor: &Vendor) -> String {
    let n = vendor.issued.fetch_add(1, Ordering::SeqCst) + 1;
    let token = format!("tok{n}-Zq8wXv3Lr5Tn7Yp");
    vendor.tokens.lock().expect("tokens").push(token.clone());
    token
}

/// A refusal that quotes the password back, as careless servers do.
fn echo_password(echo: Echo, password: &str) -> Response {
    let form: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("user", "ada")
        .append_pair("password", password)
        .finish();
    let html = password
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let (content_type, body) = match echo {
        Echo::JsonMessage => (
            "application/json",
            serde_json::json!({"error": "bad", "message": format!("wrong password {password}")})
                .to_string(),
        ),
        Echo::Html => (
            "text/html",
            format!("<html><body><p>Login failed for ada / {html}</p></body></html>"),
        ),
        Echo::Text => ("text/plain", format!("denied: password={password}")),
        Echo::TruncatedJson => (
            "application/json",
            format!("{{\"error\":\"bad\",\"password\":\"{password}"),
        ),
        Echo::Form => ("application/x-www-form-urlencoded", form),
        Echo::ErrorKeys => (
            "application/json",
            serde_json::json!({
                "error": password,
                "error_description": format!("wrong password {password}"),
                "detail": {"message": password},
            })
            .to_string(),
        ),
    };
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, content_type)],
        body,
    )
        .into_response()
}

async fn logout(headers: HeaderMap) -> Response {
    let token = headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html")],
        format!("<h1>cannot release {token}</h1>"),
    )
        .into_response()
}

async fn api(State(vendor): State<Arc<Vendor>>) -> StatusCode {
    vendor.api_calls.fetch_add(1, Ordering::SeqCst);
    StatusCode::OK
}

/// The names of the headers a request came with, one a line.
async fn header_names(headers: HeaderMap) -> String {
    headers.keys().map(|name| format!("{name}\n")).collect()
}

async fn redirect_elsewhere(
    State(vendor): State<Arc<Vendor>>,
    axum::extract::Path(status): axum::extract::Path<u16>,
) -> Response {
    let status = StatusCode::from_u16(status).expect("status");
    let to = format!("{}/sink", vendor.elsewhere);
    (status, [(header::LOCATION, to)]).into_response()
}

/// The second origin: notes every token that reaches it, wherever it is.
async fn sink(State(vendor): State<Arc<Vendor>>, uri: Uri, headers: HeaderMap, body: Bytes) {
    vendor.elsewhere_hits.fetch_add(1, Ordering::SeqCst);
    let mut seen = format!("{uri} {}", String::from_utf8_lossy(&body));
    for (name, value) in &headers {
        seen.push_str(&format!(" {name}: {}", value.to_str().unwrap_or_default()));
    }
    let tokens = vendor.tokens.lock().expect("tokens").clone();
    for token in tokens {
        if seen.contains(&token) {
            vendor.leaked.lock().expect("leaked").push(seen.clone());
        }
    }
}

fn no_retries() -> RetryPolicy {
    RetryPolicy::none()
}

fn hostile(vendor: &Vendor) -> SessionBuilder<Hostile> {
    let credentials = Hostile::credentials()
        .user("ada")
        .password(PASSWORD)
        .build();
    Session::builder(Hostile::new(&vendor.url), credentials).retry(no_retries())
}

fn hostile_query(vendor: &Vendor) -> SessionBuilder<HostileQuery> {
    let credentials = HostileQuery::credentials()
        .user("ada")
        .password(PASSWORD)
        .build();
    Session::builder(HostileQuery::new(&vendor.url), credentials).retry(no_retries())
}

/// Runs `calls` concurrent `token()` calls; the errors, as displayed.
async fn storm<P: auth_runtime::Provider>(session: &Session<P>, calls: usize) -> Vec<String> {
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.token().await.map(|_| ()) })
        })
        .collect();
    let mut errors = Vec::new();
    for task in tasks {
        if let Err(error) = task.await.expect("task") {
            errors.push(error.to_string());
        }
    }
    errors
}

// --- No lockout -------------------------------------------------------------------

#[tokio::test]
async fn a_refused_login_is_not_tried_again_before_its_hold_whatever_the_calls() {
    let vendor = start().await;
    vendor.always(Answer::Status(401, None));
    let (session, clock) = tests_clock(hostile(&vendor).refusal_hold(Duration::from_secs(60)));

    // One call after another, concurrent ones, and through `send`.
    for _ in 0..61 {
        let error = session.token().await.expect_err("refused");
        assert!(
            matches!(
                error,
                HostileError::Runtime(Error::UnexpectedStatus { status: 401, .. })
            ),
            "the vendor's refusal again: {error:?}"
        );
    }
    assert_eq!(storm(&session, 50).await.len(), 50);
    let api = format!("{}/api", vendor.url);
    for _ in 0..53 {
        assert!(session.send(session.get(&api)).await.is_err());
    }
    assert_eq!(vendor.logins(), 1, "one attempt in all");
    assert_eq!(vendor.api_calls.load(Ordering::SeqCst), 0);

    // Once the hold has passed, the credentials are tried once more.
    clock.advance(Duration::from_secs(61));
    assert_eq!(storm(&session, 20).await.len(), 20);
    assert_eq!(vendor.logins(), 2);
}

#[tokio::test]
async fn a_long_retry_after_is_honoured_across_calls() {
    let vendor = start().await;
    vendor.always(Answer::Status(429, Some("3600")));
    let (session, clock) = tests_clock(hostile(&vendor));
    for _ in 0..53 {
        let error = session.token().await.expect_err("rate limited");
        assert!(
            matches!(
                error,
                HostileError::Runtime(Error::RateLimited {
                    retry_after: Some(wait),
                    ..
                }) if wait == Duration::from_secs(3600)
            ),
            "the wait is carried: {error:?}"
        );
    }
    assert_eq!(storm(&session, 30).await.len(), 30);
    assert_eq!(vendor.logins(), 1);
    clock.advance(Duration::from_secs(3599));
    assert!(session.token().await.is_err());
    assert_eq!(vendor.logins(), 1, "not a second before");
    clock.advance(Duration::from_secs(2));
    assert!(session.token().await.is_err());
    assert_eq!(vendor.logins(), 2);
}

#[tokio::test]
async fn transient_failures_cool_down_between_calls_with_backoff() {
    let vendor = start().await;
    vendor.always(Answer::Status(503, None));
    let (session, clock) = tests_clock(hostile(&vendor));
    for _ in 0..40 {
        assert!(session.token().await.is_err());
    }
    assert_eq!(storm(&session, 30).await.len(), 30);
    assert_eq!(vendor.logins(), 1, "cooling down");
    // The cool-down doubles: at most 1 s, then 2 s, then 4 s.
    clock.advance(Duration::from_millis(1_001));
    assert!(session.token().await.is_err());
    assert_eq!(vendor.logins(), 2);
    clock.advance(Duration::from_millis(2_001));
    assert!(session.token().await.is_err());
    assert_eq!(vendor.logins(), 3);
    clock.advance(Duration::from_millis(900));
    for _ in 0..10 {
        assert!(session.token().await.is_err());
    }
    assert_eq!(
        vendor.logins(),
        3,
        "the third cool-down is longer than 900 ms"
    );
    // A success opens the gate for good.
    *vendor.always.lock().expect("always") = None;
    clock.advance(Duration::from_secs(5));
    session.token().await.expect("back");
    assert_eq!(vendor.logins(), 4);
}

fn tests_clock<P: auth_runtime::Provider>(builder: SessionBuilder<P>) -> (Session<P>, Clock) {
    authgen_tests::on_manual_clock(builder)
}

// --- Bounded waits ----------------------------------------------------------------

#[tokio::test]
async fn a_trickling_login_ends_at_the_login_deadline() {
    let vendor = start().await;
    vendor.plan(&[Answer::Trickle]);
    let session = hostile(&vendor)
        .retry(RetryPolicy::default())
        .login_deadline(Duration::from_secs(2))
        .build()
        .expect("session");
    let started = Instant::now();
    let error = session.token().await.expect_err("too slow");
    assert!(
        matches!(error, HostileError::Runtime(Error::Timeout { .. })),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(vendor.logins(), 1, "no retry past the deadline");
}

#[tokio::test]
async fn retry_waits_count_against_the_login_deadline() {
    let vendor = start().await;
    vendor.always(Answer::Status(503, Some("5")));
    let session = hostile(&vendor)
        .retry(RetryPolicy {
            max_retry_after: Duration::from_secs(10),
            ..RetryPolicy::default()
        })
        .login_deadline(Duration::from_secs(2))
        .build()
        .expect("session");
    let started = Instant::now();
    assert!(session.token().await.is_err());
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "did not sleep past the deadline"
    );
    assert_eq!(vendor.logins(), 1);
}

// --- Tokens that cannot be sent ----------------------------------------------------

#[tokio::test]
async fn a_token_that_cannot_be_sent_is_refused_at_login() {
    for token in [
        "abc123\r\nX-Injected: 1",
        "del\u{7f}char",
        "nul\u{0}byte",
        "esc\u{1b}[0m",
    ] {
        let vendor = start().await;
        vendor.always(Answer::Token(token));
        let session = hostile(&vendor).build().expect("session");
        let error = session.token().await.expect_err("unusable token");
        assert!(
            matches!(error, HostileError::Runtime(Error::InvalidToken { .. })),
            "{token:?}: {error:?}"
        );
        assert!(!error.to_string().contains(token), "{error}");
        assert!(session.cached_token().is_none(), "not cached");
        let api = format!("{}/api", vendor.url);
        assert!(session.send(session.get(&api)).await.is_err());
        assert_eq!(vendor.api_calls.load(Ordering::SeqCst), 0);
    }
}

/// A token with non-ASCII characters cannot go in a header (it would go as raw UTF-8):
/// refused at login like a CR/LF. In the query and the body it is percent-encoded or
/// JSON, so a vendor placing it there keeps it.
#[tokio::test]
async fn a_non_ascii_token_is_refused_for_a_header_and_kept_for_the_query() {
    let token = "tök-ü-Zq8wXv3Lr5Tn7Yp";
    let vendor = start().await;
    vendor.always(Answer::Token(token));
    let session = hostile(&vendor).build().expect("session");
    let error = session.token().await.expect_err("unusable in a header");
    assert!(
        matches!(&error, HostileError::Runtime(Error::InvalidToken { reason, .. }) if reason.contains("non-ASCII")),
        "{error:?}"
    );
    assert!(!error.to_string().contains(token), "{error}");
    assert!(session.cached_token().is_none());
    assert_eq!(vendor.api_calls.load(Ordering::SeqCst), 0);

    let vendor = start().await;
    vendor.always(Answer::Token(token));
    let session = hostile_query(&vendor).build().expect("session");
    let api = format!("{}/api", vendor.url);
    let response = session.send(session.get(&api)).await.expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(vendor.api_calls.load(Ordering::SeqCst), 1);
}

/// `send` sends on the session's client: a request built by another client keeps what
/// the request holds (its own headers) and loses that client's settings (its default
/// headers), as `Session::send` documents.
#[tokio::test]
async fn send_keeps_the_request_and_drops_the_other_clients_settings() {
    let vendor = start().await;
    let session = hostile(&vendor).build().expect("session");
    let mut defaults = reqwest::header::HeaderMap::new();
    defaults.insert("x-from-client", "1".parse().expect("value"));
    let other = reqwest::Client::builder()
        .default_headers(defaults)
        .build()
        .expect("client");
    let request = other
        .get(format!("{}/headers", vendor.url))
        .header("x-from-request", "1");
    let response = session.send(request).await.expect("sent");
    let seen = response.text().await.expect("body");
    assert!(seen.contains("x-from-request"), "{seen}");
    assert!(!seen.contains("x-from-client"), "{seen}");
    assert!(seen.contains("x-auth-token"), "{seen}");
}

// --- No secret leaves ---------------------------------------------------------------

/// Every form in which `secret` might show.
fn forms_of(secret: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let json = serde_json::to_string(secret).expect("json");
    vec![
        secret.to_owned(),
        form,
        json[1..json.len() - 1].to_owned(),
        secret.replace('&', "&amp;").replace('<', "&lt;"),
        // What survives a cut: a long part of it.
        secret[..10].to_owned(),
    ]
}

#[tokio::test]
async fn an_echoed_password_reaches_no_error_log_or_stored_refusal() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    for echo in [
        Echo::JsonMessage,
        Echo::Html,
        Echo::Text,
        Echo::TruncatedJson,
        Echo::Form,
        Echo::ErrorKeys,
    ] {
        let vendor = start().await;
        vendor.always(Answer::Echo(echo));
        let store = Arc::new(MemoryStore::new());
        let session = hostile(&vendor)
            .store_plaintext(Arc::clone(&store))
            .build()
            .expect("session");
        let error = session.token().await.expect_err("refused");
        // A second session sharing the store gets the refusal as it was stored.
        let other = hostile(&vendor)
            .store_plaintext(Arc::clone(&store))
            .build()
            .expect("session");
        let shared = other.token().await.expect_err("shared refusal");
        assert!(
            matches!(shared, HostileError::Runtime(Error::RefusedRecently { .. })),
            "{shared:?}"
        );
        let logged = logs.text();
        let shown = [
            format!("{error}"),
            format!("{error:?}"),
            format!("{shared} {shared:?}"),
            logged,
        ];
        for text in &shown {
            for form in forms_of(PASSWORD) {
                assert!(!text.contains(&form), "{echo:?}: {form:?} in {text}");
            }
        }
        assert!(
            shown[0].contains("[REDACTED]") || shown[0].contains('…'),
            "{echo:?}: {}",
            shown[0]
        );
    }
}

/// Whoever can write the store writes a refusal under the account's refusal key. In
/// plain text it holds off every session (the "before"); with a store secret it is not
/// authenticated, so it is ignored with a warning, while a refusal a session of the
/// account published (sealed) still holds the others.
#[tokio::test]
async fn a_forged_refusal_in_the_store_holds_off_no_session_with_a_store_secret() {
    use auth_runtime::{SharedRefusal, StoreSecret, TokenStore as _};
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::WARN)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let forged = SharedRefusal {
        message: "Hostile refused the login: forged".to_owned(),
        refused_at: std::time::SystemTime::now(),
    };
    let refusal_key = "authgen:Hostile:acct:refused";
    let secret = StoreSecret::from_bytes([5; 32]);

    // Plain text, by choice: the forged refusal is honoured.
    let vendor = start().await;
    let store = Arc::new(MemoryStore::new());
    store
        .save_refusal(refusal_key, &forged, Duration::from_secs(60))
        .await
        .expect("written");
    let plain = hostile(&vendor)
        .store_plaintext(Arc::clone(&store))
        .store_key("acct")
        .build()
        .expect("session");
    let error = plain.token().await.expect_err("held by the forged refusal");
    assert!(
        matches!(error, HostileError::Runtime(Error::RefusedRecently { .. })),
        "{error:?}"
    );
    assert_eq!(vendor.logins(), 0);

    // With a secret: ignored with a warning, and the session logs in.
    let vendor = start().await;
    let store = Arc::new(MemoryStore::new());
    store
        .save_refusal(refusal_key, &forged, Duration::from_secs(60))
        .await
        .expect("written");
    let sealed = || {
        hostile(&vendor)
            .store(Arc::clone(&store), secret.clone())
            .store_key("acct")
            .build()
            .expect("session")
    };
    sealed()
        .token()
        .await
        .expect("the forged refusal is not honoured");
    assert_eq!(vendor.logins(), 1);
    assert!(
        logs.text().contains("not authenticated"),
        "warned: {}",
        logs.text()
    );

    // A refusal a session of the account published is sealed, and still holds the
    // others: one refused login between them.
    let vendor = start().await;
    vendor.always(Answer::Status(401, None));
    let store = Arc::new(MemoryStore::new());
    let sealed = || {
        hostile(&vendor)
            .store(Arc::clone(&store), secret.clone())
            .store_key("acct")
            .build()
            .expect("session")
    };
    sealed().token().await.expect_err("refused");
    let error = sealed().token().await.expect_err("shared refusal");
    assert!(
        matches!(error, HostileError::Runtime(Error::RefusedRecently { .. })),
        "{error:?}"
    );
    assert_eq!(vendor.logins(), 1);
    let kept = store
        .load_refusal(refusal_key)
        .await
        .expect("read")
        .expect("published");
    assert!(
        !kept.message.contains("refused"),
        "sealed: {}",
        kept.message
    );
}

/// A vendor's non-standard OAuth 2.0 error: its values, needed to describe the error
/// case, are in the excerpt; a secret the session knows under such a key is not.
#[tokio::test]
async fn an_error_the_session_does_not_know_shows_its_error_keys() {
    let vendor = start().await;
    vendor.always(Answer::Body(
        400,
        r#"{"error":"invalid_client_id","error_description":"client identifier invalid","session":"s-77Zq8wXv3Lr5"}"#,
    ));
    let session = hostile(&vendor).build().expect("session");
    let error = session.token().await.expect_err("refused");
    let shown = error.to_string();
    assert!(
        shown.contains(r#""error":"invalid_client_id""#)
            && shown.contains(r#""error_description":"client identifier invalid""#),
        "{shown}"
    );
    assert!(!shown.contains("s-77Zq8wXv3Lr5"), "{shown}");
}

/// A failing logout that quotes the token under keys naming errors.
#[tokio::test]
async fn a_token_under_an_error_key_of_a_failing_logout_is_not_in_the_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = Router::new()
        .route(
            "/login",
            post(|| async { r#"{"token":"tok-Zq8wXv3Lr5Tn7Yp"}"# }),
        )
        .route(
            "/logout",
            post(|headers: HeaderMap| async move {
                let token = headers
                    .get("x-auth-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let body = serde_json::json!({"error": token, "message": format!("cannot release {token}")});
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, "application/json")],
                    body.to_string(),
                )
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let credentials = Hostile::credentials()
        .user("ada")
        .password(PASSWORD)
        .build();
    let session = Session::builder(Hostile::new(&url), credentials)
        .retry(no_retries())
        .build()
        .expect("session");
    session.token().await.expect("token");
    let error = session.logout().await.expect_err("logout fails");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("tok-Zq8wXv3Lr5Tn7Yp"), "{shown}");
    assert!(shown.contains("[REDACTED]"), "{shown}");
}

#[tokio::test]
async fn a_token_echoed_by_a_failing_logout_is_not_in_the_error() {
    let vendor = start().await;
    let session = hostile(&vendor).build().expect("session");
    session.token().await.expect("login");
    let token = vendor.token(0);
    let error = session.logout().await.expect_err("the logout fails");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(&token), "{shown}");
    assert!(shown.contains("[REDACTED]"), "{shown}");
}

// --- Token stays with its origin ----------------------------------------------------

#[tokio::test]
async fn no_redirect_carries_the_token_to_another_origin_through_send() {
    let vendor = start().await;
    let header = hostile(&vendor).build().expect("session");
    let query = hostile_query(&vendor).build().expect("session");
    // The user's own client follows every redirect; `send` does not use it.
    let users_client = reqwest::Client::new();
    for status in [301, 302, 303, 307, 308] {
        let url = format!("{}/redirect/{status}", vendor.url);
        for request in [
            header.get(&url),
            users_client.get(&url),
            header.post(&url).json(&serde_json::json!({"a": 1})),
        ] {
            let response = header.send(request).await.expect("sent");
            assert_eq!(response.status().as_u16(), status, "not followed");
        }
        for request in [
            query.get(&url),
            users_client.get(&url),
            users_client.post(&url).json(&serde_json::json!({"a": 1})),
        ] {
            let response = query.send(request).await.expect("sent");
            assert_eq!(response.status().as_u16(), status, "not followed");
        }
    }
    assert_eq!(vendor.elsewhere_hits.load(Ordering::SeqCst), 0);
    assert_eq!(vendor.leaked(), Vec::<String>::new());
}

#[tokio::test]
async fn the_token_goes_only_to_the_vendors_origins_over_https_or_loopback() {
    let vendor = start().await;
    let session = hostile(&vendor).build().expect("session");
    let away = format!("{}/sink", vendor.elsewhere);
    let users_client = reqwest::Client::new();
    for request in [session.get(&away), users_client.get(&away)] {
        let error = session.send(request).await.expect_err("another origin");
        assert!(
            matches!(error, HostileError::Runtime(Error::OriginNotAllowed { .. })),
            "{error:?}"
        );
    }
    let error = session
        .send(session.get("http://example.com/api"))
        .await
        .expect_err("plain http off loopback");
    assert!(
        matches!(&error, HostileError::Runtime(Error::InvalidUrl { reason, .. }) if reason.contains("plain http")),
        "{error:?}"
    );
    assert_eq!(vendor.logins(), 0, "refused before any login");
    assert_eq!(vendor.elsewhere_hits.load(Ordering::SeqCst), 0);

    // An origin the user allows takes the token.
    let allowing = hostile(&vendor)
        .allow_origin(&vendor.elsewhere)
        .build()
        .expect("session");
    let response = allowing.send(allowing.get(&away)).await.expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(vendor.leaked().len(), 1, "allowed explicitly");
    // Plain http may be allowed only for loopback hosts.
    let error = hostile(&vendor)
        .allow_origin("http://example.com")
        .build()
        .expect_err("plain http origin");
    assert!(error.to_string().contains("plain http"), "{error}");
}

/// Sends GET and a JSON POST to `/redirect/302` and `/redirect/307` through `send`; each
/// answer must be the redirect itself, not followed.
async fn redirects<F, Fut>(vendor: &Vendor, send: F)
where
    F: Fn(reqwest::Method, String, Option<&'static str>) -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    for status in [302, 307] {
        let url = format!("{}/redirect/{status}", vendor.url);
        assert_eq!(send(reqwest::Method::GET, url.clone(), None).await, status);
        let posted = send(reqwest::Method::POST, url, Some("{\"a\":1}")).await;
        assert_eq!(posted, status);
    }
}

/// The only middleware stack there is: over the session's own client. The vendor
/// redirects cross-origin (302 and 307) with the token in a header, in the query and in
/// a JSON body; nothing reaches the other origin. (A middleware over a client of your
/// own does not compile: `tests/ui/fail/middleware_over_users_client.rs`.)
#[tokio::test]
async fn the_middleware_checks_origins_and_its_client_follows_no_redirect_away() {
    let vendor = start().await;
    let header_session = hostile(&vendor).build().expect("session");
    let query_session = hostile_query(&vendor).build().expect("session");
    let header_client = AuthMiddleware::client_builder(header_session).build();
    let query_client = AuthMiddleware::client_builder(query_session.clone()).build();
    for client in [&header_client, &query_client] {
        redirects(&vendor, |method, url, body| async move {
            let mut request = client.request(method, url);
            if let Some(body) = body {
                request = request
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(body);
            }
            request.send().await.expect("sent").status().as_u16()
        })
        .await;
    }
    assert_eq!(
        vendor.logins(),
        2,
        "each session logged in and sent its token"
    );
    assert_eq!(vendor.elsewhere_hits.load(Ordering::SeqCst), 0);
    assert!(vendor.leaked().is_empty());
    let away = format!("{}/sink", vendor.elsewhere);
    assert!(
        query_client.get(&away).send().await.is_err(),
        "another origin"
    );
    assert!(
        query_client
            .get("http://example.com/")
            .send()
            .await
            .is_err(),
        "plain http"
    );
    assert_eq!(vendor.elsewhere_hits.load(Ordering::SeqCst), 0);

    // The same redirects followed on purpose by a client that allows it, to show the
    // server leaks what a careless client would carry: the test can fail.
    let careless = reqwest::Client::new();
    let token = query_session.token().await.expect("token");
    let url = format!(
        "{}/redirect/307?token={}",
        vendor.url,
        token.expose_secret()
    );
    careless.get(&url).send().await.expect("followed");
    assert_eq!(
        vendor.leaked().len(),
        1,
        "the sink sees a token that reaches it"
    );
}

/// The only tower stack there is: `AuthLayer` over the session's own client. The
/// vendor redirects cross-origin with the token in a header: nothing reaches the other
/// origin, and the answer is the redirect, not a 200 from elsewhere. (A layer over a
/// service of your own does not compile: `tests/ui/fail/tower_layer_over_users_service.rs`.)
#[tokio::test]
async fn the_tower_layer_checks_origins_before_the_client_sees_the_request() {
    let vendor = start().await;
    let session = hostile(&vendor).build().expect("session");
    let service = AuthLayer::new(session.clone()).layer(SessionClient::new(&session));
    let get = |url: &str| {
        http::Request::get(url)
            .body(String::new())
            .expect("request")
    };
    let away = format!("{}/sink", vendor.elsewhere);
    for url in [away.as_str(), "http://example.com/", "/api"] {
        let result = service.clone().oneshot(get(url)).await;
        assert!(result.is_err(), "{url}");
    }
    assert_eq!(vendor.api_calls.load(Ordering::SeqCst), 0);
    assert_eq!(vendor.logins(), 0);
    let ok = service
        .clone()
        .oneshot(get(&format!("{}/api", vendor.url)))
        .await
        .expect("sent");
    assert_eq!(ok.status(), 200);
    assert_eq!(vendor.api_calls.load(Ordering::SeqCst), 1);
    redirects(&vendor, |method, url, body| {
        let service = service.clone();
        async move {
            let request = http::Request::builder()
                .method(method)
                .uri(url)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.unwrap_or_default().to_owned())
                .expect("request");
            service
                .oneshot(request)
                .await
                .expect("sent")
                .status()
                .as_u16()
        }
    })
    .await;
    assert_eq!(vendor.elsewhere_hits.load(Ordering::SeqCst), 0);
    assert!(vendor.leaked().is_empty());
}

#[tokio::test]
async fn configure_client_cannot_undo_the_redirect_rules() {
    let vendor = start().await;
    let session = hostile_query(&vendor)
        .configure_client(|client| {
            client
                .redirect(reqwest::redirect::Policy::limited(10))
                .referer(true)
        })
        .build()
        .expect("session");
    let url = format!("{}/redirect/302", vendor.url);
    let response = session.send(session.get(&url)).await.expect("sent");
    assert_eq!(response.status(), 302);
    assert_eq!(vendor.elsewhere_hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_refusal_holds_off_the_middleware_the_tower_layer_and_background_refresh() {
    let vendor = start().await;
    vendor.always(Answer::Status(403, None));
    let session = hostile(&vendor).build().expect("session");
    let api = format!("{}/api", vendor.url);
    let client = AuthMiddleware::client_builder(session.clone()).build();
    for _ in 0..20 {
        assert!(client.get(&api).send().await.is_err());
    }
    let service = AuthLayer::new(session.clone()).layer(SessionClient::new(&session));
    for _ in 0..20 {
        let request = http::Request::get(&api)
            .body(String::new())
            .expect("request");
        assert!(service.clone().oneshot(request).await.is_err());
    }
    assert_eq!(vendor.logins(), 1, "one refused attempt for 40 calls");

    // Background refresh of a token that is due, while the vendor refuses: one attempt
    // per hold, not one a second.
    let vendor = start().await;
    let session = hostile(&vendor)
        .expiry(auth_runtime::ExpiryPolicy::absolute(Duration::from_secs(2)))
        .background_refresh(true)
        .build()
        .expect("session");
    session.token().await.expect("first login");
    vendor.always(Answer::Status(401, None));
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        vendor.logins(),
        2,
        "the first login, then one refused refresh"
    );
}

// --- OAuth 2.0 revocation (RFC 7009) as the logout ------------------------------------

/// An OAuth 2.0 vendor whose logout revokes its tokens (auth-sim's OAuth 2.0 server),
/// the client authenticated with body parameters.
#[auth_provider(
    vendor = "Revoking",
    base = "{host}",
    login(path = "/token"),
    oauth2(grant = "password", revoke = "/revoke")
)]
pub struct Revoking {
    client_id: String,
    #[auth(secret)]
    client_secret: String,
    username: String,
    #[auth(secret)]
    password: String,
}

fn revoking() -> RevokingCredentials {
    Revoking::credentials()
        .client_id(auth_sim::oauth2::CLIENT_ID)
        .client_secret(auth_sim::oauth2::CLIENT_SECRET)
        .username(auth_sim::oauth2::USERNAME)
        .password(auth_sim::oauth2::PASSWORD)
        .build()
}

fn revoking_host(sim: &auth_sim::Sim) -> String {
    format!("{}{}", sim.base_url(), auth_sim::oauth2::PREFIX)
}

#[tokio::test]
async fn a_revocation_error_and_the_logs_show_neither_token_nor_the_client_secret() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = auth_sim::Sim::start().await;
    // Refuses to revoke access tokens, in plain text quoting both tokens.
    sim.oauth2().set_access_token_revocation(false);
    sim.oauth2().set_careless_revocation_errors(true);
    let session = Session::new(Revoking::new(revoking_host(&sim)), revoking()).expect("session");
    let access = session
        .token()
        .await
        .expect("login")
        .expose_secret()
        .to_owned();
    let refresh = sim
        .oauth2()
        .issued_refresh_tokens()
        .pop()
        .expect("a refresh token");
    let error = session.logout().await.expect_err("not revocable");
    assert!(
        matches!(
            &error,
            RevokingError::Runtime(Error::RevocationFailed { status: 400, .. })
        ),
        "{error:?}"
    );
    let shown = [format!("{error}"), format!("{error:?}"), logs.text()];
    assert!(shown[2].contains("revoked"), "the revocations are logged");
    for text in &shown {
        for secret in [&access, &refresh, auth_sim::oauth2::CLIENT_SECRET] {
            for form in forms_of(secret) {
                assert!(!text.contains(&form), "{form:?} in {text}");
            }
        }
    }
}

#[tokio::test]
async fn a_revocation_errors_description_is_shown_without_the_token_or_the_client_secret() {
    const ACCESS: &str = "access-token-0123456789";
    const SECRET: &str = "client secret+0123456789";
    // An OAuth 2.0 server whose refusal to revoke quotes the token and the secret in
    // its `error_description`.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let json = |status: StatusCode, body: serde_json::Value| {
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    };
    let app = Router::new()
        .route(
            "/token",
            post(move || async move {
                let answer = serde_json::json!({
                    "access_token": ACCESS, "token_type": "Bearer", "expires_in": 3600,
                });
                json(StatusCode::OK, answer)
            }),
        )
        .route(
            "/revoke",
            post(move || async move {
                let answer = serde_json::json!({
                    "error": "invalid_request",
                    "error_description": format!("will not revoke {ACCESS} for the client whose secret is {SECRET}"),
                });
                json(StatusCode::BAD_REQUEST, answer)
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let credentials = Revoking::credentials()
        .client_id("app")
        .client_secret(SECRET)
        .username("ada")
        .password("0wner-passw0rd")
        .build();
    let session = Session::new(Revoking::new(url), credentials).expect("session");
    session.token().await.expect("login");

    let error = session.logout().await.expect_err("refused");
    let RevokingError::Runtime(Error::RevocationFailed {
        code, description, ..
    }) = &error
    else {
        panic!("expected RevocationFailed, got {error:?}");
    };
    assert_eq!(code.as_deref(), Some("invalid_request"));
    assert_eq!(
        description.as_deref(),
        Some("will not revoke [REDACTED] for the client whose secret is [REDACTED]")
    );
    let shown = error.to_string();
    assert!(
        shown.contains("(description: will not revoke [REDACTED]"),
        "{shown}"
    );
    for text in [shown, format!("{error:?}")] {
        for secret in [ACCESS, SECRET] {
            for form in forms_of(secret) {
                assert!(!text.contains(&form), "{form:?} in {text}");
            }
        }
    }
}

/// `Revoking`, revoking at an origin that is not the vendor's: a provider written by
/// hand with its revocation endpoint wrong.
struct RevokingElsewhere {
    inner: Revoking,
    elsewhere: url::Url,
}

impl auth_runtime::Provider for RevokingElsewhere {
    type Credentials = RevokingCredentials;
    type Response = RevokingLoginResponse;
    type Error = RevokingError;
    const VENDOR: &'static str = "Revoking";

    fn login_request(
        &self,
        credentials: &RevokingCredentials,
    ) -> Result<auth_runtime::VendorRequest, RevokingError> {
        self.inner.login_request(credentials)
    }

    fn decode_login(
        &self,
        reply: &auth_runtime::LoginReply<'_>,
    ) -> Result<auth_runtime::Login<RevokingLoginResponse>, RevokingError> {
        self.inner.decode_login(reply)
    }

    fn runtime_error(error: &mut RevokingError) -> Option<&mut Error> {
        Revoking::runtime_error(error)
    }

    fn placement(&self) -> &auth_runtime::Placement {
        self.inner.placement()
    }

    fn expiry(&self) -> auth_runtime::ExpiryPolicy {
        self.inner.expiry()
    }

    fn refresh_request(
        &self,
        credentials: &RevokingCredentials,
        refresh_token: &auth_runtime::SecretString,
    ) -> Result<Option<auth_runtime::VendorRequest>, RevokingError> {
        self.inner.refresh_request(credentials, refresh_token)
    }

    fn revocation_request(
        &self,
        credentials: &RevokingCredentials,
        token: &auth_runtime::SecretString,
        kind: auth_runtime::TokenKind,
    ) -> Result<Option<auth_runtime::VendorRequest>, RevokingError> {
        let mut request = self.inner.revocation_request(credentials, token, kind)?;
        if let Some(request) = &mut request {
            request.url = self.elsewhere.clone();
        }
        Ok(request)
    }
}

#[tokio::test]
async fn a_revocation_goes_only_to_the_vendors_origins() {
    let sim = auth_sim::Sim::start().await;
    let vendor = start().await;
    let provider = RevokingElsewhere {
        inner: Revoking::new(revoking_host(&sim)),
        elsewhere: format!("{}/revoke", vendor.elsewhere).parse().expect("URL"),
    };
    let session = Session::new(provider, revoking()).expect("session");
    session.token().await.expect("login");
    let error = session.logout().await.expect_err("another origin");
    assert!(
        matches!(
            &error,
            RevokingError::Runtime(Error::OriginNotAllowed { .. })
        ),
        "{error:?}"
    );
    // Neither token was sent there, nor revoked at the vendor; both are forgotten.
    assert_eq!(vendor.elsewhere_hits.load(Ordering::SeqCst), 0);
    assert_eq!(sim.oauth2().revocations(), 0);
    session.token().await.expect("login");
    assert_eq!(sim.oauth2().grants(), ["password", "password"]);
}
