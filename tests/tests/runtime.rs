//! Session behaviour that no vendor shows on demand — transient failures, rate limits,
//! redirects, oversized bodies, cancellation, persistence, background refresh, logs —
//! proven over real HTTP against a small server on 127.0.0.1 that fails on request,
//! with a provider described in this file by the attribute alone.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auth_runtime::{Clock, Error, ExpiryPolicy, RetryPolicy, Session, StoredToken, auth_provider};
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use reqwest::Method;

const PASSWORD: &str = "hunter2-very-secret";

/// A token endpoint that can be told how to fail.
#[auth_provider(
    vendor = "Quirks",
    base = "{server}",
    login(path = "/login", format = "json"),
    token = "token",
    apply(header = "X-Auth-Token"),
    expiry(absolute = "10m")
)]
pub struct Quirks {
    user: String,
    #[auth(secret)]
    password: String,
}

/// How the next login answers; logins answer normally once the plan is used up.
#[derive(Clone, Copy)]
enum Planned {
    Status(u16, Option<&'static str>),
    HugeBody,
    RedirectElsewhere,
}

#[derive(Default)]
struct Server {
    url: String,
    elsewhere: String,
    login_requests: AtomicUsize,
    issued: AtomicUsize,
    login_delay_ms: AtomicU64,
    plan: Mutex<VecDeque<Planned>>,
    current: Mutex<Option<String>>,
    rejected: AtomicUsize,
    /// Requests that reached the other origin, and how many of them carried the token.
    elsewhere_hits: AtomicUsize,
    leaked: AtomicUsize,
    echo_with_token: AtomicUsize,
}

impl Server {
    fn plan(&self, steps: &[Planned]) {
        self.plan
            .lock()
            .expect("plan")
            .extend(steps.iter().copied());
    }
}

async fn start() -> Arc<Server> {
    let main = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let other = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server = Arc::new(Server {
        url: format!("http://{}", main.local_addr().expect("addr")),
        elsewhere: format!("http://{}", other.local_addr().expect("addr")),
        ..Server::default()
    });
    let s = Arc::clone(&server);
    let app = Router::new()
        .route("/login", post(move || login(Arc::clone(&s))))
        .route("/api", get(api).post(api))
        .route("/redirect-elsewhere", get(redirect_elsewhere))
        .route("/redirect-here", get(|| async { redirect("/echo") }))
        .route("/echo", get(echo))
        .with_state(Arc::clone(&server));
    let elsewhere = Router::new()
        .route("/echo", get(elsewhere_echo))
        .with_state(Arc::clone(&server));
    tokio::spawn(async move { axum::serve(main, app).await });
    tokio::spawn(async move { axum::serve(other, elsewhere).await });
    server
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_owned())]).into_response()
}

async fn login(server: Arc<Server>) -> Response {
    server.login_requests.fetch_add(1, Ordering::SeqCst);
    let delay = server.login_delay_ms.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    let step = server.plan.lock().expect("plan").pop_front();
    match step {
        Some(Planned::Status(status, retry_after)) => {
            let status = StatusCode::from_u16(status).expect("status");
            let mut response = (status, "{\"error\":\"planned\"}").into_response();
            if let Some(value) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, value.parse().expect("value"));
            }
            response
        }
        Some(Planned::HugeBody) => (
            StatusCode::OK,
            format!("{{\"token\":\"{}\"}}", "x".repeat(3 << 20)),
        )
            .into_response(),
        Some(Planned::RedirectElsewhere) => redirect(&format!("{}/echo", server.elsewhere)),
        None => {
            let n = server.issued.fetch_add(1, Ordering::SeqCst) + 1;
            let token = format!("tok-{n}-{}", "z".repeat(16));
            *server.current.lock().expect("current") = Some(token.clone());
            (
                [(header::CONTENT_TYPE, "application/json")],
                format!("{{\"token\":\"{token}\"}}"),
            )
                .into_response()
        }
    }
}

fn carries_current_token(server: &Server, headers: &HeaderMap) -> bool {
    let sent = headers.get("x-auth-token").and_then(|v| v.to_str().ok());
    sent.is_some() && sent == server.current.lock().expect("current").as_deref()
}

async fn api(
    axum::extract::State(server): axum::extract::State<Arc<Server>>,
    headers: HeaderMap,
) -> StatusCode {
    if carries_current_token(&server, &headers) {
        StatusCode::OK
    } else {
        server.rejected.fetch_add(1, Ordering::SeqCst);
        StatusCode::UNAUTHORIZED
    }
}

async fn redirect_elsewhere(
    axum::extract::State(server): axum::extract::State<Arc<Server>>,
) -> Response {
    redirect(&format!("{}/echo", server.elsewhere))
}

async fn echo(
    axum::extract::State(server): axum::extract::State<Arc<Server>>,
    headers: HeaderMap,
) -> StatusCode {
    if headers.contains_key("x-auth-token") {
        server.echo_with_token.fetch_add(1, Ordering::SeqCst);
    }
    StatusCode::OK
}

async fn elsewhere_echo(
    axum::extract::State(server): axum::extract::State<Arc<Server>>,
    headers: HeaderMap,
) -> StatusCode {
    server.elsewhere_hits.fetch_add(1, Ordering::SeqCst);
    if headers.contains_key("x-auth-token") {
        server.leaked.fetch_add(1, Ordering::SeqCst);
    }
    StatusCode::OK
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(2),
    }
}

fn credentials() -> QuirksCredentials {
    Quirks::credentials().user("ada").password(PASSWORD).build()
}

fn builder(server: &Server) -> auth_runtime::SessionBuilder<Quirks> {
    Session::builder(Quirks::new(&server.url), credentials()).retry(fast_retries())
}

async fn call_api<P: auth_runtime::Provider>(server: &Server, session: &Session<P>) -> u16 {
    let url = format!("{}/api", server.url);
    session
        .send(session.get(url))
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn transient_failures_are_retried_with_bounded_backoff() {
    let server = start().await;
    server.plan(&[Planned::Status(503, None), Planned::Status(502, None)]);
    let session = builder(&server).build().expect("session");
    session.token().await.expect("third attempt succeeds");
    assert_eq!(server.login_requests.load(Ordering::SeqCst), 3);

    // Attempts are bounded: three failures end in the error, quickly.
    let server = start().await;
    server.plan(&[Planned::Status(500, None); 5]);
    let session = builder(&server).build().expect("session");
    let started = Instant::now();
    let error = session.token().await.expect_err("gives up");
    assert!(
        matches!(
            error,
            QuirksError::Runtime(Error::UnexpectedStatus { status: 500, .. })
        ),
        "{error:?}"
    );
    assert_eq!(server.login_requests.load(Ordering::SeqCst), 3);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "backoff is bounded by the policy"
    );
}

#[tokio::test]
async fn refusals_are_never_retried() {
    let server = start().await;
    server.plan(&[Planned::Status(401, None), Planned::Status(403, None)]);
    let session = builder(&server).build().expect("session");
    assert!(session.token().await.is_err());
    assert!(session.token().await.is_err());
    assert_eq!(
        server.login_requests.load(Ordering::SeqCst),
        1,
        "no retry, and the refusal holds off the next call"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_and_a_long_one_is_not_waited_for() {
    let server = start().await;
    server.plan(&[Planned::Status(429, Some("1"))]);
    let session = builder(&server).build().expect("session");
    let started = Instant::now();
    session.token().await.expect("after the wait");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(server.login_requests.load(Ordering::SeqCst), 2);

    let server = start().await;
    server.plan(&[Planned::Status(429, Some("3600"))]);
    let session = builder(&server).build().expect("session");
    let started = Instant::now();
    let error = session.token().await.expect_err("rate limited");
    assert!(
        matches!(error, QuirksError::Runtime(Error::RateLimited { .. })),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(server.login_requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_oversized_login_body_is_an_error_not_an_allocation() {
    let server = start().await;
    server.plan(&[Planned::HugeBody]);
    let session = builder(&server).build().expect("session");
    let error = session.token().await.expect_err("too large");
    assert!(
        matches!(error, QuirksError::Runtime(Error::BodyTooLarge { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn login_follows_no_redirect() {
    let server = start().await;
    server.plan(&[Planned::RedirectElsewhere]);
    let session = builder(&server).build().expect("session");
    let error = session
        .token()
        .await
        .expect_err("a redirect is not a token");
    assert!(
        matches!(
            error,
            QuirksError::Runtime(Error::UnexpectedStatus { status: 302, .. })
        ),
        "{error:?}"
    );
    assert_eq!(
        server.elsewhere_hits.load(Ordering::SeqCst),
        0,
        "credentials went nowhere else"
    );
}

#[tokio::test]
async fn a_redirect_to_another_origin_carries_no_token() {
    let server = start().await;
    let session = builder(&server).build().expect("session");
    let away = format!("{}/redirect-elsewhere", server.url);
    let response = session
        .send(session.request(Method::GET, away))
        .await
        .expect("sent");
    assert_eq!(response.status(), 302, "not followed");
    assert_eq!(server.leaked.load(Ordering::SeqCst), 0);
    assert_eq!(server.elsewhere_hits.load(Ordering::SeqCst), 0);

    let here = format!("{}/redirect-here", server.url);
    let response = session
        .send(session.request(Method::GET, here))
        .await
        .expect("sent");
    assert_eq!(response.status(), 200, "same-origin redirects are followed");
    assert_eq!(server.echo_with_token.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_body_that_cannot_be_replayed_is_not_retried() {
    let server = start().await;
    let session = builder(&server).build().expect("session");
    assert_eq!(call_api(&server, &session).await, 200);
    *server.current.lock().expect("current") = Some("revoked".into());
    let stream = futures::stream::iter([Ok::<_, std::io::Error>("chunk")]);
    let url = format!("{}/api", server.url);
    let request = session
        .request(Method::POST, url)
        .body(reqwest::Body::wrap_stream(stream));
    let response = session.send(request).await.expect("sent");
    assert_eq!(response.status(), 401, "the caller gets the rejection");
    assert_eq!(
        server.issued.load(Ordering::SeqCst),
        1,
        "no re-login for a request that cannot be replayed"
    );

    // A replayable one is retried once with a new token.
    assert_eq!(call_api(&server, &session).await, 200);
    assert_eq!(server.issued.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failed_refresh_keeps_a_still_valid_token() {
    let server = start().await;
    let clock = Clock::manual();
    let session = builder(&server)
        .clock(clock.clone())
        .build()
        .expect("session");
    let first = session
        .token()
        .await
        .expect("login")
        .expose_secret()
        .to_owned();
    clock.advance(Duration::from_secs(9 * 60 + 30)); // due, not expired
    server.plan(&[Planned::Status(503, None); 3]);
    let kept = session
        .token()
        .await
        .expect("old token kept")
        .expose_secret()
        .to_owned();
    assert_eq!(kept, first);
    assert_eq!(call_api(&server, &session).await, 200, "and it still works");
    clock.advance(Duration::from_secs(31));
    let fresh = session
        .token()
        .await
        .expect("new login")
        .expose_secret()
        .to_owned();
    assert_ne!(fresh, first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_leader_does_not_strand_the_waiters() {
    let server = start().await;
    server.login_delay_ms.store(300, Ordering::SeqCst);
    let session = builder(&server).build().expect("session");
    let leader = {
        let session = session.clone();
        tokio::spawn(async move { session.token().await.map(|_| ()) })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    let waiter = {
        let session = session.clone();
        tokio::spawn(async move { session.token().await.map(|t| t.expose_secret().to_owned()) })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    leader.abort();
    let token = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("no hang")
        .expect("task")
        .expect("token");
    assert!(token.starts_with("tok-1-"));
    assert_eq!(
        server.login_requests.load(Ordering::SeqCst),
        1,
        "the waiter finished the same login"
    );
}

#[tokio::test]
async fn a_kept_token_is_restored_while_valid() {
    let server = start().await;
    let kept: Arc<Mutex<Option<StoredToken>>> = Arc::default();
    let hook = Arc::clone(&kept);
    let session = builder(&server)
        .on_token(move |token| *hook.lock().expect("kept") = Some(token.clone()))
        .build()
        .expect("session");
    let token = session
        .token()
        .await
        .expect("login")
        .expose_secret()
        .to_owned();
    let stored = kept.lock().expect("kept").clone().expect("hook called");
    assert!(!format!("{stored:?}").contains(&token));
    drop(session);

    let restarted = builder(&server)
        .restore(stored.clone())
        .build()
        .expect("session");
    assert_eq!(
        restarted.token().await.expect("restored").expose_secret(),
        token
    );
    assert_eq!(call_api(&server, &restarted).await, 200);
    assert_eq!(
        server.issued.load(Ordering::SeqCst),
        1,
        "no login after the restart"
    );

    let expired = StoredToken {
        expires_at: Some(std::time::SystemTime::now() - Duration::from_secs(1)),
        ..stored
    };
    let restarted = builder(&server).restore(expired).build().expect("session");
    restarted.token().await.expect("login");
    assert_eq!(
        server.issued.load(Ordering::SeqCst),
        2,
        "an expired kept token is not used"
    );
}

#[tokio::test]
async fn background_refresh_runs_until_the_session_is_dropped() {
    let server = start().await;
    let session = builder(&server)
        .expiry(ExpiryPolicy::absolute(Duration::from_secs(2)))
        .background_refresh(true)
        .build()
        .expect("session");
    session.token().await.expect("login");
    tokio::time::sleep(Duration::from_millis(2600)).await;
    let refreshed = server.issued.load(Ordering::SeqCst);
    assert!(
        refreshed >= 2,
        "refreshed in the background: {refreshed} logins"
    );
    assert!(
        session.cached_token().is_some(),
        "callers find a fresh token"
    );
    drop(session);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after_drop = server.issued.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        server.issued.load(Ordering::SeqCst),
        after_drop,
        "the task ended with the session"
    );
}

#[tokio::test]
async fn logs_errors_and_debug_output_never_show_a_secret() {
    let log = authgen_tests::Logs::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let server = start().await;
    server.plan(&[Planned::Status(503, None)]);
    let session = builder(&server)
        .clock(Clock::manual())
        .build()
        .expect("session");
    let token = session
        .token()
        .await
        .expect("login")
        .expose_secret()
        .to_owned();
    assert_eq!(call_api(&server, &session).await, 200);
    *server.current.lock().expect("current") = Some("revoked".into());
    assert_eq!(call_api(&server, &session).await, 200, "re-login");
    let second = session
        .token()
        .await
        .expect("cached")
        .expose_secret()
        .to_owned();
    server.plan(&[Planned::Status(401, None)]);
    session.invalidate();
    let error = session.token().await.expect_err("refused");
    session.logout().await.expect("no logout endpoint");

    let logged = log.text();
    assert!(
        logged.contains("logged in") && logged.contains("retrying"),
        "{logged}"
    );
    for reason in ["first login", "token rejected or invalidated"] {
        assert!(logged.contains(reason), "no {reason:?} in {logged}");
    }
    let shown = [
        logged,
        format!("{error} {error:?}"),
        format!("{session:?}"),
        format!("{:?}", credentials()),
        format!("{:?}", Quirks::credentials().user("ada").password(PASSWORD)),
    ];
    for text in shown {
        for secret in [PASSWORD, token.as_str(), second.as_str()] {
            assert!(!text.contains(secret), "{secret:?} appears in: {text}");
        }
    }
}

#[tokio::test]
async fn the_reqwest_middleware_authorizes_and_re_logs_in_once() {
    use auth_runtime::AuthMiddleware;
    let server = start().await;
    let session = builder(&server).build().expect("session");
    let client = AuthMiddleware::client_builder(session.clone()).build();
    let url = format!("{}/api", server.url);
    assert_eq!(client.get(&url).send().await.expect("sent").status(), 200);
    assert_eq!(client.get(&url).send().await.expect("sent").status(), 200);
    assert_eq!(server.issued.load(Ordering::SeqCst), 1, "cached");
    *server.current.lock().expect("current") = Some("revoked".into());
    assert_eq!(client.get(&url).send().await.expect("sent").status(), 200);
    assert_eq!(
        server.issued.load(Ordering::SeqCst),
        2,
        "one re-login after the rejection"
    );
}

#[tokio::test]
async fn the_tower_layer_authorizes_and_re_logs_in_once() {
    use auth_runtime::{AuthLayer, SessionClient};
    use tower::{Layer as _, ServiceExt as _};
    let server = start().await;
    let session = builder(&server).build().expect("session");
    let service = AuthLayer::new(session.clone()).layer(SessionClient::new(&session));
    let url = format!("{}/api", server.url);
    let get = |url: &str| {
        http::Request::get(url)
            .body(String::new())
            .expect("request")
    };
    let status = service
        .clone()
        .oneshot(get(&url))
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 200);
    *server.current.lock().expect("current") = Some("revoked".into());
    let status = service
        .clone()
        .oneshot(get(&url))
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 200, "replayed with a new token");
    assert_eq!(server.issued.load(Ordering::SeqCst), 2);
}

/// Quirks, except that decoding its first login response panics: a bug in a provider
/// must not strand the callers waiting for that login, nor poison the session.
struct PanicsOnce {
    inner: Quirks,
    panicked: std::sync::atomic::AtomicBool,
}

impl auth_runtime::Provider for PanicsOnce {
    type Credentials = QuirksCredentials;
    type Response = QuirksLoginResponse;
    type Error = QuirksError;
    const VENDOR: &'static str = "Quirks";

    fn login_request(
        &self,
        credentials: &QuirksCredentials,
    ) -> Result<auth_runtime::VendorRequest, QuirksError> {
        self.inner.login_request(credentials)
    }
    fn decode_login(
        &self,
        reply: &auth_runtime::LoginReply<'_>,
    ) -> Result<auth_runtime::Login<QuirksLoginResponse>, QuirksError> {
        if !self.panicked.swap(true, Ordering::SeqCst) {
            panic!("a provider bug");
        }
        self.inner.decode_login(reply)
    }
    fn placement(&self) -> &auth_runtime::Placement {
        self.inner.placement()
    }
    fn expiry(&self) -> ExpiryPolicy {
        self.inner.expiry()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_login_fails_its_waiters_and_the_next_call_logs_in() {
    let server = start().await;
    // The login takes a while, so every caller joins it before it panics.
    server.login_delay_ms.store(300, Ordering::SeqCst);
    let provider = PanicsOnce {
        inner: Quirks::new(&server.url),
        panicked: std::sync::atomic::AtomicBool::new(false),
    };
    let session = Session::builder(provider, credentials())
        .build()
        .expect("session");
    let callers = (0..5).map(|_| {
        let session = session.clone();
        tokio::spawn(async move { session.token().await.map(|_| ()) })
    });
    for joined in futures::future::join_all(callers).await {
        let outcome = joined.expect("the caller's task itself does not panic");
        assert!(
            matches!(
                outcome,
                Err(QuirksError::Runtime(Error::Interrupted { .. }))
            ),
            "{outcome:?}"
        );
    }
    assert_eq!(
        call_api(&server, &session).await,
        200,
        "the next call logs in"
    );
}
