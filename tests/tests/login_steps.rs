//! Logins in several requests, over real HTTP on 127.0.0.1 against a vendor of our
//! own: a CSRF token fetched first and sent back in a header, the credentials posted
//! for a session id, the session id exchanged for a token in a header of its own. The
//! vendor's description is written here as the generator writes one, and acted on by
//! `DynamicProvider` (the typed provider acts through the same interpreter).
//!
//! Also as an attacker: a step answered by a cross-origin redirect, a step echoing the
//! password and the session id, a step that never answers, a bound value smuggling a
//! header.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_description::{
    AnswerField, AnswerKind, AnswerTest, Binding, ConstValue, Constant, CredentialTable,
    Description, EndpointDescription, ErrorCase, Expected, ExpiryPolicy, FieldSpec, Header, Method,
    Placement, Rejection, Rule, Spot, Step, WireFormat,
};
use auth_runtime::description::{DynamicError, DynamicProvider, DynamicValues};
use auth_runtime::{Error, Session};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

const PASSWORD: &str = "hunter2-correct-horse";

const TABLE: CredentialTable<'static> = CredentialTable::new(
    "Stepwise",
    "Stepwise credentials",
    &[
        FieldSpec::new("username", "username", false, false, &[]),
        FieldSpec::new("password", "password", true, false, &[]),
    ],
    &[
        Rule::mandatory(0, "`username` is mandatory"),
        Rule::mandatory(1, "`password` is mandatory"),
    ],
);

const fn endpoint(
    method: Method,
    path: &'static str,
    constants: &'static [Constant<'static>],
    headers: &'static [Header<'static>],
) -> EndpointDescription<'static> {
    EndpointDescription {
        method,
        path,
        format: WireFormat::Json,
        constants,
        query: &[],
        headers,
        placement: None,
    }
}

/// Stepwise: `GET /csrf` answers a CSRF token; `POST /session` with it in
/// `X-CSRF-Token` and the credentials in the body answers a session id; `POST /token`
/// with the session id in `X-Session` answers the bearer token.
static STEPWISE: Description<'static> = Description {
    vendor: "Stepwise",
    base: "{server}",
    settings: &["server"],
    credentials: &TABLE,
    // The credentials go in the session step's body, by template, not in the token
    // request.
    sent: &[],
    steps: &[
        Step {
            name: "csrf",
            endpoint: endpoint(Method::Get, "/csrf", &[], &[]),
            success: None,
            bindings: &[Binding {
                name: "csrf",
                spot: Spot::Json(&["csrf"]),
                secret: true,
            }],
        },
        Step {
            name: "session",
            endpoint: endpoint(
                Method::Post,
                "/session",
                &[
                    Constant {
                        path: &["user"],
                        value: ConstValue::Str("{username}"),
                    },
                    Constant {
                        path: &["pass"],
                        value: ConstValue::Str("{password}"),
                    },
                ],
                &[Header {
                    name: "X-CSRF-Token",
                    value: "{csrf}",
                }],
            ),
            success: Some(AnswerTest {
                spot: Spot::Json(&["status"]),
                expected: Expected::Equals("ok"),
            }),
            bindings: &[Binding {
                name: "session",
                spot: Spot::Json(&["session_id"]),
                secret: true,
            }],
        },
    ],
    login: endpoint(
        Method::Post,
        "/token",
        &[],
        &[Header {
            name: "X-Session",
            value: "{session}",
        }],
    ),
    logout: None,
    keepalive: None,
    oauth2: None,
    success: None,
    token: Spot::Json(&["token"]),
    expiry_field: None,
    response_fields: &[],
    errors: &[
        ErrorCase {
            variant: "BadCredentials",
            display: "Stepwise refused the credentials",
            step: Some("session"),
            status: Some(401),
            when: None,
            fields: &[],
        },
        ErrorCase {
            variant: "UnknownSession",
            display: "Stepwise refused the session",
            step: None,
            status: Some(400),
            when: None,
            fields: &[AnswerField {
                name: "message",
                path: &["error"],
                kind: AnswerKind::Text,
            }],
        },
    ],
    placement: Placement {
        bearer: true,
        ..Placement::NONE
    },
    rejection: Rejection::UNAUTHORIZED,
    expiry: ExpiryPolicy::unknown(),
};

/// What the vendor does on its session step.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Normal,
    /// Refuses with a body echoing the password, the CSRF token and the session id.
    EchoSecrets,
    /// Redirects the session step to another origin.
    Redirect,
    /// Never answers the CSRF step.
    Hang,
    /// Answers a CSRF token carrying a header of its own.
    SmuggleHeader,
    /// Refuses every session id at the token request, echoing it.
    StaleSession,
}

#[derive(Default)]
struct Counts {
    csrf: AtomicUsize,
    session: AtomicUsize,
    token: AtomicUsize,
    api: AtomicUsize,
}

struct Vendor {
    counts: Counts,
    mode: Mutex<Mode>,
    /// The CSRF token, session id and token last issued.
    issued: Mutex<(String, String, String)>,
    /// Where a redirect sends to.
    elsewhere: Mutex<String>,
    /// The `X-CSRF-Token` values the session step received.
    csrf_seen: Mutex<Vec<String>>,
}

type Shared = Arc<Vendor>;

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn csrf(State(vendor): State<Shared>) -> Response {
    let n = vendor.counts.csrf.fetch_add(1, Ordering::SeqCst) + 1;
    let mode = *vendor.mode.lock().expect("mode");
    if mode == Mode::Hang {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    let token = match mode {
        Mode::SmuggleHeader => format!("csrf-{n}\r\nX-Evil: 1"),
        _ => format!("csrf-{n}-0123456789"),
    };
    vendor.issued.lock().expect("issued").0 = token.clone();
    json(StatusCode::OK, serde_json::json!({ "csrf": token }))
}

async fn session(
    State(vendor): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> Response {
    let n = vendor.counts.session.fetch_add(1, Ordering::SeqCst) + 1;
    let sent_csrf = header(&headers, "x-csrf-token").to_owned();
    vendor
        .csrf_seen
        .lock()
        .expect("seen")
        .push(sent_csrf.clone());
    let mode = *vendor.mode.lock().expect("mode");
    if mode == Mode::Redirect {
        let to = vendor.elsewhere.lock().expect("elsewhere").clone();
        return (StatusCode::TEMPORARY_REDIRECT, [("location", to)]).into_response();
    }
    let issued_csrf = vendor.issued.lock().expect("issued").0.clone();
    if sent_csrf != issued_csrf {
        return json(
            StatusCode::FORBIDDEN,
            serde_json::json!({ "error": "csrf" }),
        );
    }
    let pass = body["pass"].as_str().unwrap_or("");
    if mode == Mode::EchoSecrets {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({ "error": format!("bad password {pass} for csrf {sent_csrf}") }),
        );
    }
    if body["user"] != "ada" || pass != PASSWORD {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({ "error": "bad" }),
        );
    }
    let id = format!("session-{n}-abcdefghij");
    vendor.issued.lock().expect("issued").1 = id.clone();
    json(
        StatusCode::OK,
        serde_json::json!({ "status": "ok", "session_id": id }),
    )
}

async fn token(State(vendor): State<Shared>, headers: HeaderMap) -> Response {
    let n = vendor.counts.token.fetch_add(1, Ordering::SeqCst) + 1;
    let issued_session = vendor.issued.lock().expect("issued").1.clone();
    let stale = *vendor.mode.lock().expect("mode") == Mode::StaleSession;
    if stale || header(&headers, "x-session") != issued_session || issued_session.is_empty() {
        // Echoes what it was sent: the session id must not reach the error.
        // ... and the CSRF token of the step before, which this request does not
        // carry: only the session's bindings know it is a secret.
        let sent = header(&headers, "x-session").to_owned();
        let csrf = vendor.issued.lock().expect("issued").0.clone();
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({ "error": format!("unknown session {sent} (csrf {csrf})") }),
        );
    }
    let token = format!("token-{n}-abcdefghijklmnop");
    vendor.issued.lock().expect("issued").2 = token.clone();
    json(StatusCode::OK, serde_json::json!({ "token": token }))
}

async fn api(State(vendor): State<Shared>, headers: HeaderMap) -> Response {
    vendor.counts.api.fetch_add(1, Ordering::SeqCst);
    let issued = vendor.issued.lock().expect("issued").2.clone();
    if header(&headers, "authorization") == format!("Bearer {issued}") {
        StatusCode::OK.into_response()
    } else {
        StatusCode::UNAUTHORIZED.into_response()
    }
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

async fn start(mode: Mode) -> (String, Shared) {
    let vendor = Arc::new(Vendor {
        counts: Counts::default(),
        mode: Mutex::new(mode),
        issued: Mutex::new(Default::default()),
        elsewhere: Mutex::new(String::new()),
        csrf_seen: Mutex::new(Vec::new()),
    });
    let router = Router::new()
        .route("/csrf", get(csrf))
        .route("/session", post(session))
        .route("/token", post(token))
        .route("/api", get(api))
        .with_state(Arc::clone(&vendor));
    (serve(router).await, vendor)
}

fn credentials(password: &str) -> DynamicValues {
    DynamicValues::from_pairs(&STEPWISE, [("username", "ada"), ("password", password)])
        .expect("well-formed credentials")
}

fn session_for(url: &str, password: &str) -> Session<DynamicProvider> {
    let provider = DynamicProvider::new(&STEPWISE)
        .setting("server", url)
        .expect("setting");
    Session::builder(provider, credentials(password))
        .login_deadline(Duration::from_secs(2))
        .build()
        .expect("session")
}

fn counts(vendor: &Vendor) -> [usize; 3] {
    let c = &vendor.counts;
    [
        c.csrf.load(Ordering::SeqCst),
        c.session.load(Ordering::SeqCst),
        c.token.load(Ordering::SeqCst),
    ]
}

#[tokio::test]
async fn each_step_is_sent_once_with_what_the_step_before_bound() {
    let (url, vendor) = start(Mode::Normal).await;
    let session = session_for(&url, PASSWORD);
    let response = session
        .send(session.get(format!("{url}/api")))
        .await
        .expect("the protected call");
    assert_eq!(response.status(), 200);
    assert_eq!(counts(&vendor), [1, 1, 1]);
    let seen = vendor.csrf_seen.lock().expect("seen").clone();
    assert_eq!(seen, ["csrf-1-0123456789"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_callers_share_one_login_of_three_requests() {
    let (url, vendor) = start(Mode::Normal).await;
    let session = Arc::new(session_for(&url, PASSWORD));
    let calls = (0..20).map(|_| {
        let session = Arc::clone(&session);
        let url = url.clone();
        tokio::spawn(async move { session.send(session.get(format!("{url}/api"))).await })
    });
    for call in futures::future::join_all(calls).await {
        let response = call.expect("task").expect("call");
        assert_eq!(response.status(), 200);
    }
    assert_eq!(counts(&vendor), [1, 1, 1]);
}

#[tokio::test]
async fn a_rejected_token_is_replaced_by_a_login_from_the_first_step() {
    let (url, vendor) = start(Mode::Normal).await;
    let session = session_for(&url, PASSWORD);
    session.token().await.expect("first login");
    // The vendor forgets every token: the next call is rejected, and the session logs
    // in again from a fresh CSRF token.
    vendor.issued.lock().expect("issued").2 = "revoked".to_owned();
    let response = session
        .send(session.get(format!("{url}/api")))
        .await
        .expect("replayed call");
    assert_eq!(response.status(), 200);
    assert_eq!(counts(&vendor), [2, 2, 2]);
    let seen = vendor.csrf_seen.lock().expect("seen").clone();
    assert_eq!(seen, ["csrf-1-0123456789", "csrf-2-0123456789"]);
}

#[tokio::test]
async fn a_refusal_at_a_step_is_its_documented_variant_and_goes_no_further() {
    let (url, vendor) = start(Mode::Normal).await;
    let session = session_for(&url, "wrong-password-123");
    let error = session.token().await.expect_err("refused");
    match &error {
        DynamicError::Refused { case, .. } => assert_eq!(case.variant, "BadCredentials"),
        other => panic!("expected the documented refusal, got {other:?}"),
    }
    assert_eq!(
        counts(&vendor),
        [1, 1, 0],
        "no token request after a refusal"
    );
    // Held: a refused login is not tried again at once.
    assert!(session.token().await.is_err());
    assert_eq!(counts(&vendor), [1, 1, 0]);
}

#[tokio::test]
async fn a_step_echoing_the_secrets_shows_none_of_them() {
    let (url, vendor) = start(Mode::EchoSecrets).await;
    let session = session_for(&url, PASSWORD);
    let error = session.token().await.expect_err("refused");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    let csrf = vendor.issued.lock().expect("issued").0.clone();
    assert!(!shown.contains(&csrf), "{shown}");
}

#[tokio::test]
async fn a_token_request_echoing_the_bound_values_does_not_show_them() {
    let (url, _vendor) = start(Mode::StaleSession).await;
    let session = session_for(&url, PASSWORD);
    let error = session.token().await.expect_err("refused");
    match &error {
        DynamicError::Refused { case, .. } => assert_eq!(case.variant, "UnknownSession"),
        other => panic!("expected the documented refusal, got {other:?}"),
    }
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("unknown session"), "{shown}");
    assert!(!shown.contains("session-1-abcdefghij"), "{shown}");
    assert!(!shown.contains("csrf-1-0123456789"), "{shown}");
}

#[tokio::test]
async fn a_step_redirected_to_another_origin_is_not_followed() {
    let (url, vendor) = start(Mode::Redirect).await;
    let (elsewhere, other) = start(Mode::Normal).await;
    *vendor.elsewhere.lock().expect("elsewhere") = format!("{elsewhere}/session");
    let session = session_for(&url, PASSWORD);
    let error = session.token().await.expect_err("a redirect is no answer");
    assert_eq!(counts(&other), [0, 0, 0], "the other origin got nothing");
    assert!(!format!("{error:?}").contains(PASSWORD));
}

#[tokio::test]
async fn a_step_that_never_answers_ends_at_the_login_deadline() {
    let (url, _vendor) = start(Mode::Hang).await;
    let session = session_for(&url, PASSWORD);
    let started = std::time::Instant::now();
    let error = session.token().await.expect_err("deadline");
    assert!(
        matches!(error, DynamicError::Runtime(Error::Timeout { .. })),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_bound_value_cannot_smuggle_a_header() {
    let (url, vendor) = start(Mode::SmuggleHeader).await;
    let session = session_for(&url, PASSWORD);
    let error = session.token().await.expect_err("not sent");
    assert!(
        matches!(error, DynamicError::Runtime(Error::InvalidRequest { .. })),
        "{error:?}"
    );
    assert_eq!(
        counts(&vendor),
        [1, 0, 0],
        "the session step was never sent"
    );
}

#[test]
fn the_bindings_show_their_names_never_their_values() {
    let mut bound = auth_runtime::Bindings::new();
    bound.bind("session", "session-secret-value", true);
    let shown = format!("{bound:?}");
    assert!(
        shown.contains("session") && !shown.contains("secret-value"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_probe_sends_the_steps_then_the_token_request_once() {
    let (url, vendor) = start(Mode::Normal).await;
    let provider = DynamicProvider::new(&STEPWISE)
        .setting("server", &url)
        .expect("setting");
    let answer = auth_runtime::description::send_login(
        &provider,
        &credentials(PASSWORD),
        Duration::from_secs(2),
    )
    .await
    .expect("the answer");
    assert_eq!(answer.status, 200);
    assert_eq!(counts(&vendor), [1, 1, 1]);

    let (url, vendor) = start(Mode::EchoSecrets).await;
    let provider = DynamicProvider::new(&STEPWISE)
        .setting("server", &url)
        .expect("setting");
    let error = auth_runtime::description::send_login(
        &provider,
        &credentials(PASSWORD),
        Duration::from_secs(2),
    )
    .await
    .expect_err("refused at its step");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert_eq!(counts(&vendor), [1, 1, 0]);
}
