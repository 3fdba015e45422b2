//! Stepwise, a vendor of our own whose login is three requests: `GET /csrf` answers a
//! CSRF token; `POST /session` with it in `X-CSRF-Token` and the credentials in the
//! body answers a session id; `POST /token` with the session id in `X-Session` answers
//! the bearer token. Its description written by hand, as the generator writes one
//! (`login_steps.rs` acts on it with `DynamicProvider`, `login_steps_described.rs`
//! checks the generator writes the same), and its server (axum), with modes in which
//! it misbehaves as an attacker would.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_description::{
    AnswerField, AnswerKind, AnswerTest, Binding, ConstValue, Constant, CredentialTable,
    Description, EndpointDescription, ErrorCase, Expected, ExpiryPolicy, FieldSpec, Header, Method,
    Placement, Rejection, Rule, Sent, SentIn, Spot, Step, WireFormat,
};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

/// The password the vendor accepts for `ada`.
pub const PASSWORD: &str = "hunter2-correct-horse";

const TABLE: CredentialTable<'static> = CredentialTable::new(
    "Stepwise",
    "Stepwise credentials: ",
    &[
        FieldSpec::new("username", "username", false, false, &[]),
        FieldSpec::new("password", "password", true, false, &[]),
    ],
    &[
        Rule::once(0, "`username` is given twice"),
        Rule::once(1, "`password` is given twice"),
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
pub static STEPWISE: Description<'static> = Description {
    vendor: "Stepwise",
    base: "{server}",
    settings: &["server"],
    credentials: &TABLE,
    // The credentials go in the session step's body, by template, not in the token
    // request.
    sent: &[
        Sent {
            path: &["username"],
            place: SentIn::Templates,
        },
        Sent {
            path: &["password"],
            place: SentIn::Templates,
        },
    ],
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
    computed: &[],
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
    api_base: None,
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
pub enum Mode {
    /// As documented.
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

/// How many times each endpoint was called.
#[derive(Default)]
pub struct Counts {
    csrf: AtomicUsize,
    session: AtomicUsize,
    token: AtomicUsize,
    api: AtomicUsize,
}

/// The vendor's state, shared with the test.
pub struct Vendor {
    /// How many times each endpoint was called.
    pub counts: Counts,
    /// What it does on its steps.
    pub mode: Mutex<Mode>,
    /// The CSRF token, session id and token last issued.
    pub issued: Mutex<(String, String, String)>,
    /// Where a redirect sends to.
    pub elsewhere: Mutex<String>,
    /// The `X-CSRF-Token` values the session step received.
    pub csrf_seen: Mutex<Vec<String>>,
}

/// The vendor's state as its handlers hold it.
pub type Shared = Arc<Vendor>;

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

/// Serves `router` on a port of 127.0.0.1; its URL.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

/// Starts a Stepwise vendor in `mode`: its URL and its state.
pub async fn start(mode: Mode) -> (String, Shared) {
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

/// How many times the CSRF, session and token requests were sent.
pub fn counts(vendor: &Vendor) -> [usize; 3] {
    let c = &vendor.counts;
    [
        c.csrf.load(Ordering::SeqCst),
        c.session.load(Ordering::SeqCst),
        c.token.load(Ordering::SeqCst),
    ]
}
