//! The two downstream vendors end to end, against a small axum server on 127.0.0.1 that
//! plays both, using nothing but the attribute and `auth-runtime`'s public API.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use authgen_downstream::auth::{Clock, Session};
use authgen_downstream::{Plainly, PlainlyError, Vaultly, VaultlyError};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

/// Base64 of `ada:correct horse`, what Vaultly's Basic credentials must be.
const BASIC: &str = "Basic YWRhOmNvcnJlY3QgaG9yc2U=";
const VAULTLY_LIFETIME: Duration = Duration::from_secs(600);

#[derive(Default)]
struct Server {
    /// The server's clock runs `offset_ms` ahead of real time, like the tests' session clock.
    offset_ms: AtomicU64,
    logins: AtomicUsize,
    keepalives: AtomicUsize,
    invalidations: AtomicUsize,
    /// The live token and when it expires.
    session: Mutex<Option<(String, SystemTime)>>,
}

impl Server {
    fn now(&self) -> SystemTime {
        SystemTime::now() + Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }

    fn issue(&self, lifetime: Duration) -> (String, SystemTime) {
        let n = self.logins.fetch_add(1, Ordering::SeqCst) + 1;
        let issued = (format!("token-{n}-{:x}", n * 7919), self.now() + lifetime);
        *self.session.lock().expect("session") = Some(issued.clone());
        issued
    }

    fn is_live(&self, token: Option<&str>) -> bool {
        let session = self.session.lock().expect("session");
        matches!((&*session, token), (Some((live, until)), Some(sent)) if live == sent && self.now() < *until)
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn vaultly_login(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    if header(&headers, "authorization") != Some(BASIC) {
        let body = r#"{"error":"bad credentials"}"#;
        return (
            StatusCode::UNAUTHORIZED,
            [("content-type", "application/json")],
            body,
        )
            .into_response();
    }
    let (token, until) = server.issue(VAULTLY_LIFETIME);
    let expires = time::OffsetDateTime::from(until)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("formattable");
    (
        [("content-type", "application/json")],
        format!(r#"{{"token":"{token}","expires":"{expires}"}}"#),
    )
        .into_response()
}

async fn vaultly_keepalive(State(server): State<Arc<Server>>, headers: HeaderMap) -> StatusCode {
    if !server.is_live(header(&headers, "x-session")) {
        return StatusCode::UNAUTHORIZED;
    }
    server.keepalives.fetch_add(1, Ordering::SeqCst);
    if let Some((_, until)) = server.session.lock().expect("session").as_mut() {
        *until = server.now() + VAULTLY_LIFETIME;
    }
    StatusCode::NO_CONTENT
}

async fn vaultly_invalidate(State(server): State<Arc<Server>>, headers: HeaderMap) -> StatusCode {
    if !server.is_live(header(&headers, "x-session")) {
        return StatusCode::UNAUTHORIZED;
    }
    server.invalidations.fetch_add(1, Ordering::SeqCst);
    *server.session.lock().expect("session") = None;
    StatusCode::NO_CONTENT
}

async fn vaultly_secrets(State(server): State<Arc<Server>>, headers: HeaderMap) -> StatusCode {
    match server.is_live(header(&headers, "x-session")) {
        true => StatusCode::OK,
        false => StatusCode::UNAUTHORIZED,
    }
}

async fn plainly_login(State(server): State<Arc<Server>>, body: String) -> Response {
    let expected = r#"{"password":"hunter2","username":"grace"}"#;
    if body != expected {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let (token, _) = server.issue(Duration::from_secs(300));
    (
        [("content-type", "application/json")],
        format!("\"{token}\""),
    )
        .into_response()
}

async fn plainly_items(State(server): State<Arc<Server>>, headers: HeaderMap) -> StatusCode {
    let token = header(&headers, "authorization").and_then(|v| v.strip_prefix("Bearer "));
    match server.is_live(token) {
        true => StatusCode::OK,
        false => StatusCode::UNAUTHORIZED,
    }
}

async fn start() -> (Arc<Server>, String) {
    let server = Arc::new(Server::default());
    let app = axum::Router::new()
        .route("/auth/login", post(vaultly_login))
        .route("/auth/keepalive", post(vaultly_keepalive))
        .route("/auth/invalidate", post(vaultly_invalidate))
        .route("/secrets", get(vaultly_secrets))
        .route("/login", post(plainly_login))
        .route("/items", get(plainly_items))
        .with_state(Arc::clone(&server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (server, url)
}

/// The HTTP status of a GET to `url` through `session`.
async fn status<P: authgen_downstream::auth::Provider>(session: &Session<P>, url: &str) -> u16 {
    let response = session.send(session.get(url)).await.expect("sent");
    response.status().as_u16()
}

fn advance(server: &Server, clock: &Clock, by: Duration) {
    clock.advance(by);
    server
        .offset_ms
        .fetch_add(by.as_millis() as u64, Ordering::SeqCst);
}

fn vaultly(url: &str, password: &str, clock: &Clock) -> Session<Vaultly> {
    let credentials = Vaultly::credentials()
        .user("ada")
        .password(password)
        .build();
    Session::builder(Vaultly::new(url), credentials)
        .clock(clock.clone())
        .build()
        .expect("session")
}

#[tokio::test]
async fn vaultly_logs_in_with_basic_credentials_and_uses_the_servers_expiry() {
    let (server, url) = start().await;
    let clock = Clock::manual();
    let session = vaultly(&url, "correct horse", &clock);
    let secrets = format!("{url}/secrets");
    assert_eq!(status(&session, &secrets).await, 200);
    // The server said ten minutes: fresh at eight, replaced before ten.
    advance(&server, &clock, Duration::from_secs(8 * 60));
    assert_eq!(status(&session, &secrets).await, 200);
    assert_eq!(server.logins.load(Ordering::SeqCst), 1);
    advance(&server, &clock, Duration::from_secs(90));
    assert!(
        session.cached_token().is_none(),
        "due within the margin of the server's expiry"
    );
    assert_eq!(status(&session, &secrets).await, 200);
    assert_eq!(server.logins.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn vaultly_keep_alive_extends_the_token() {
    let (server, url) = start().await;
    let clock = Clock::manual();
    let session = vaultly(&url, "correct horse", &clock);
    let first = session
        .token()
        .await
        .expect("login")
        .expose_secret()
        .to_owned();
    for _ in 0..3 {
        advance(&server, &clock, Duration::from_secs(7 * 60));
        session.keep_alive().await.expect("kept alive");
    }
    advance(&server, &clock, Duration::from_secs(7 * 60));
    assert_eq!(
        session.token().await.expect("cached").expose_secret(),
        first,
        "28 minutes on one token"
    );
    let secrets = format!("{url}/secrets");
    assert_eq!(status(&session, &secrets).await, 200);
    assert_eq!(server.keepalives.load(Ordering::SeqCst), 3);
    assert_eq!(server.logins.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn vaultly_invalidate_is_its_logout_and_bad_credentials_are_typed() {
    let (server, url) = start().await;
    let clock = Clock::manual();
    let session = vaultly(&url, "correct horse", &clock);
    session.token().await.expect("login");
    session.logout().await.expect("invalidated");
    assert_eq!(server.invalidations.load(Ordering::SeqCst), 1);

    let refused = vaultly(&url, "wrong", &clock);
    match refused.token().await {
        Err(VaultlyError::BadCredentials { reason }) => {
            assert_eq!(reason.as_deref(), Some("bad credentials"))
        }
        other => panic!("expected BadCredentials, got {other:?}"),
    }
    let shown = format!(
        "{:?}",
        Vaultly::credentials()
            .user("ada")
            .password("correct horse")
            .build()
    );
    assert!(!shown.contains("correct horse"), "{shown}");
}

#[tokio::test]
async fn plainly_takes_a_bare_json_string_token_with_a_fixed_lifetime() {
    let (server, url) = start().await;
    let clock = Clock::manual();
    let credentials = Plainly::credentials()
        .username("grace")
        .password("hunter2")
        .build();
    let session = Session::builder(Plainly::new(&url), credentials)
        .clock(clock.clone())
        .build()
        .expect("session");
    let items = format!("{url}/items");
    assert_eq!(status(&session, &items).await, 200);
    assert!(
        session
            .token()
            .await
            .expect("cached")
            .expose_secret()
            .starts_with("token-1-")
    );
    advance(&server, &clock, Duration::from_secs(4 * 60));
    assert_eq!(status(&session, &items).await, 200);
    assert_eq!(server.logins.load(Ordering::SeqCst), 1);
    advance(&server, &clock, Duration::from_secs(61));
    assert_eq!(status(&session, &items).await, 200);
    assert_eq!(
        server.logins.load(Ordering::SeqCst),
        2,
        "five minutes, as documented"
    );

    let wrong = Plainly::credentials()
        .username("grace")
        .password("nope")
        .build();
    let refused = Session::new(Plainly::new(&url), wrong).expect("session");
    assert!(matches!(
        refused.token().await,
        Err(PlainlyError::Runtime(_))
    ));
}
