//! A login in several requests served by the mock, over real HTTP: a CSRF token fetched
//! first and sent back in a header, the credentials posted for a session id, the
//! session id exchanged for the token. The description is the one
//! `tests/tests/login_steps.rs` tests the runtime with against a hand-written server
//! (with an absolute lifetime); here the mock serves it, for a session and for raw
//! requests that do what a client should not.

use std::sync::Arc;
use std::time::Duration;

use auth_description::{
    AnswerField, AnswerKind, AnswerTest, Binding, ConstValue, Constant, CredentialTable,
    Description, EndpointDescription, ErrorCase, Expected, ExpiryPolicy, FieldSpec, Header, Method,
    Placement, Rejection, Rule, Spot, Step, WireFormat,
};
use auth_mock::MockVendor;
use auth_mock::fault::{Fault, Scope};
use auth_runtime::description::{DynamicError, DynamicProvider, DynamicValues, Interpret, Refusal};
use auth_runtime::{Bindings, LoginReply, Session};
use serde_json::{Value, json};

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
/// with the session id in `X-Session` answers the bearer token, good for an hour.
static STEPWISE: Description<'static> = STEPWISE_DESCRIPTION;

/// Stepwise with the session id in the token request's path instead:
/// `POST /sessions/{session}/token`.
static BY_PATH: Description<'static> = Description {
    login: endpoint(Method::Post, "/sessions/{session}/token", &[], &[]),
    ..STEPWISE_DESCRIPTION
};

const STEPWISE_DESCRIPTION: Description<'static> = Description {
    vendor: "Stepwise",
    base: "{server}",
    settings: &["server"],
    credentials: &TABLE,
    // The credentials go in the session step's body, by template.
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
    expiry: ExpiryPolicy::absolute(Duration::from_secs(3600)),
};

/// The mock, accepting ada's credentials only.
async fn mock() -> MockVendor {
    let mock = MockVendor::start_with(&STEPWISE).await;
    mock.accept([("username", "ada"), ("password", PASSWORD)])
        .expect("well-formed credentials");
    mock
}

fn session_for(mock: &MockVendor, password: &str) -> Session<DynamicProvider> {
    let provider = DynamicProvider::new(&STEPWISE)
        .setting("server", mock.base_url())
        .expect("setting");
    let credentials =
        DynamicValues::from_pairs(&STEPWISE, [("username", "ada"), ("password", password)])
            .expect("well-formed credentials");
    Session::builder(provider, credentials)
        .login_deadline(Duration::from_secs(5))
        .build()
        .expect("session")
}

/// The requests at the csrf step, the session step and the token request.
fn counts(mock: &MockVendor) -> [u64; 3] {
    [
        mock.step_calls("csrf"),
        mock.step_calls("session"),
        mock.login_attempts(),
    ]
}

async fn call(session: &Session<DynamicProvider>, mock: &MockVendor) -> u16 {
    let request = session.get(mock.url("/api/things"));
    let answer = session.send(request).await.expect("the protected call");
    answer.status().as_u16()
}

#[tokio::test]
async fn a_session_logs_in_through_each_step_once_and_calls_the_api() {
    let mock = mock().await;
    let session = session_for(&mock, PASSWORD);
    assert_eq!(call(&session, &mock).await, 200);
    assert_eq!(counts(&mock), [1, 1, 1]);
    assert_eq!((mock.logins(), mock.refused()), (1, 0));
    assert_eq!(mock.step_calls("no such step"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_callers_share_one_login_of_three_requests() {
    let mock = Arc::new(mock().await);
    let session = Arc::new(session_for(&mock, PASSWORD));
    let calls = (0..20).map(|_| {
        let (session, mock) = (Arc::clone(&session), Arc::clone(&mock));
        tokio::spawn(async move { call(&session, &mock).await })
    });
    for status in futures::future::join_all(calls).await {
        assert_eq!(status.expect("task"), 200);
    }
    assert_eq!(counts(&mock), [1, 1, 1]);
    assert_eq!(mock.logins(), 1);
}

#[tokio::test]
async fn an_expired_token_is_replaced_by_one_login_from_the_first_step() {
    let mock = mock().await;
    let session = session_for(&mock, PASSWORD);
    assert_eq!(call(&session, &mock).await, 200);
    mock.advance(Duration::from_secs(3601));
    assert_eq!(
        call(&session, &mock).await,
        200,
        "logged in again, replayed"
    );
    assert_eq!(counts(&mock), [2, 2, 2]);
    assert_eq!((mock.logins(), mock.rejected()), (2, 1));
    assert_eq!(call(&session, &mock).await, 200);
    assert_eq!(counts(&mock), [2, 2, 2], "the new token holds");
}

#[tokio::test]
async fn a_wrong_password_is_the_session_steps_documented_refusal() {
    let mock = mock().await;
    let session = session_for(&mock, "wrong-password-123");
    let error = session.token().await.expect_err("refused");
    match &error {
        DynamicError::Refused { case, .. } => assert_eq!(case.variant, "BadCredentials"),
        other => panic!("expected the documented refusal, got {other:?}"),
    }
    assert_eq!(counts(&mock), [1, 1, 0], "no token request after a refusal");
    assert_eq!((mock.logins(), mock.refused()), (0, 1));
    let shown = format!("{error} {error:?} {:?}", mock.last_refusal());
    assert!(!shown.contains("wrong-password-123"), "{shown}");
}

/// A client of its own, sending the requests by hand.
struct Raw {
    client: reqwest::Client,
    base: String,
}

/// An answer: its status, headers and body.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn reply(&self) -> LoginReply<'_> {
        LoginReply {
            status: self.status,
            headers: &self.headers,
            body: &self.body,
        }
    }

    /// The variant of the documented failure the client reads this answer to
    /// request `at` as (a step's index, or the token request's after them).
    fn refusal(&self, at: usize) -> &'static str {
        let refusal = if at < STEPWISE.steps.len() {
            STEPWISE
                .read_step(at, &self.reply(), &mut Bindings::new())
                .err()
        } else {
            STEPWISE.decode_login(&self.reply()).err()
        };
        match refusal {
            Some(Refusal::Documented { case, .. }) => STEPWISE.errors[case].variant,
            other => panic!("expected a documented refusal, got {other:?}"),
        }
    }
}

impl Raw {
    fn new(mock: &MockVendor) -> Self {
        Raw {
            client: reqwest::Client::new(),
            base: mock.base_url(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let answer = request.send().await.expect("sent");
        Answer {
            status: answer.status().as_u16(),
            headers: answer.headers().clone(),
            body: answer.bytes().await.expect("body").to_vec(),
        }
    }

    async fn csrf(&self) -> String {
        let answer = self
            .send(self.client.get(format!("{}/csrf", self.base)))
            .await;
        assert_eq!(answer.status, 200);
        answer.json()["csrf"]
            .as_str()
            .expect("a CSRF token")
            .to_owned()
    }

    async fn session(&self, csrf: Option<&str>, password: &str) -> Answer {
        let mut request = self
            .client
            .post(format!("{}/session", self.base))
            .json(&json!({ "user": "ada", "pass": password }));
        if let Some(csrf) = csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        self.send(request).await
    }

    async fn token(&self, session: &str) -> Answer {
        let request = self
            .client
            .post(format!("{}/token", self.base))
            .header("X-Session", session);
        self.send(request).await
    }

    /// A session id from a fresh CSRF token.
    async fn session_id(&self) -> String {
        let csrf = self.csrf().await;
        let answer = self.session(Some(&csrf), PASSWORD).await;
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(answer.json()["status"], "ok", "the step's success mark");
        let id = answer.json()["session_id"].as_str().map(str::to_owned);
        id.expect("a session id")
    }
}

#[tokio::test]
async fn a_stale_forged_or_missing_csrf_token_is_refused_as_documented() {
    let mock = mock().await;
    let raw = Raw::new(&mock);
    let first = raw.csrf().await;
    assert_eq!(raw.session(Some(&first), PASSWORD).await.status, 200);

    // Used already: no login waits for it any more.
    let stale = raw.session(Some(&first), PASSWORD).await;
    assert_eq!(stale.status, 401);
    assert_eq!(stale.refusal(1), "BadCredentials");
    let why = mock.last_refusal().unwrap_or_default();
    assert!(why.contains("no login is waiting"), "{why}");

    // A login waits, but not with this value: the forgery does not spend the real one.
    let waiting = raw.csrf().await;
    let forged = raw.session(Some("forged-csrf-token"), PASSWORD).await;
    assert_eq!(forged.refusal(1), "BadCredentials");
    let why = mock.last_refusal().unwrap_or_default();
    assert!(
        why.contains("`X-CSRF-Token` header is not as described"),
        "{why}"
    );
    let missing = raw.session(None, PASSWORD).await;
    assert_eq!(missing.refusal(1), "BadCredentials");
    let why = mock.last_refusal().unwrap_or_default();
    assert!(why.contains("`X-CSRF-Token` header is missing"), "{why}");
    assert_eq!(raw.session(Some(&waiting), PASSWORD).await.status, 200);

    for refused in [&stale, &forged, &missing] {
        let body = refused.text();
        for secret in [first.as_str(), waiting.as_str(), PASSWORD] {
            assert!(!body.contains(secret), "{body}");
        }
    }
    let why = mock.last_refusal().expect("a refusal");
    assert!(!why.contains(&first) && !why.contains(PASSWORD), "{why}");
    assert_eq!(mock.step_calls("session"), 5);
    assert_eq!((mock.refused(), mock.login_attempts()), (3, 0));
}

#[tokio::test]
async fn a_session_id_is_good_for_one_token() {
    let mock = mock().await;
    let raw = Raw::new(&mock);
    let id = raw.session_id().await;
    let first = raw.token(&id).await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert!(first.json()["token"].is_string());

    let again = raw.token(&id).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.refusal(2), "UnknownSession");
    let message = again.json()["error"].as_str().map(str::to_owned);
    let message = message.expect("the documented message field");
    assert!(!message.is_empty() && !message.contains(&id), "{message}");

    let unknown = raw.token("never-issued").await;
    assert_eq!(unknown.refusal(2), "UnknownSession");
    assert_eq!((mock.logins(), mock.login_attempts()), (1, 3));
}

#[tokio::test]
async fn a_wrong_password_is_refused_at_the_step_that_carries_it() {
    let mock = mock().await;
    let raw = Raw::new(&mock);
    let csrf = raw.csrf().await;
    let refused = raw.session(Some(&csrf), "not-the-password").await;
    assert_eq!(refused.refusal(1), "BadCredentials");
    assert!(!refused.text().contains("not-the-password"));
    let why = mock.last_refusal().unwrap_or_default();
    assert!(why.contains("not accepted"), "{why}");
    // The values of a refused login are spent with it.
    let retried = raw.session(Some(&csrf), PASSWORD).await;
    assert_eq!(retried.refusal(1), "BadCredentials");
    assert_eq!(mock.step_calls("session"), 2);
}

#[tokio::test]
async fn faults_apply_to_the_steps_as_to_the_login() {
    let mock = mock().await;
    let raw = Raw::new(&mock);
    mock.faults().set_times(Scope::Login, Fault::Status(503), 1);
    let faulted = raw.send(raw.client.get(format!("{}/csrf", raw.base))).await;
    assert_eq!(faulted.status, 503);
    assert_eq!(mock.faults().served(), 1);
    assert_eq!(mock.step_calls("csrf"), 0, "answered by the fault");
    raw.csrf().await;
    assert_eq!(mock.step_calls("csrf"), 1);
}

#[tokio::test]
async fn a_step_with_the_wrong_method_is_refused_by_its_method() {
    let mock = mock().await;
    let raw = Raw::new(&mock);
    let answer = raw
        .send(raw.client.post(format!("{}/csrf", raw.base)))
        .await;
    assert_eq!(answer.status, 405);
    assert!(answer.text().contains("GET"), "{}", answer.text());
}

#[tokio::test]
async fn a_value_in_a_path_segment_is_checked_there() {
    let mock = MockVendor::start_with(&BY_PATH).await;
    let raw = Raw::new(&mock);
    let token_at = |segment: &str| {
        let url = format!("{}/sessions/{segment}/token", raw.base);
        raw.send(raw.client.post(url))
    };
    let id = raw.session_id().await;
    let forged = token_at("forged-session").await;
    assert_eq!(forged.refusal(2), "UnknownSession");
    assert!(!forged.text().contains(&id));
    let first = token_at(&id).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let again = token_at(&id).await;
    assert_eq!(again.refusal(2), "UnknownSession");
    assert_eq!((mock.logins(), mock.login_attempts()), (1, 3));

    // And for a session, end to end.
    let provider = DynamicProvider::new(&BY_PATH)
        .setting("server", mock.base_url())
        .expect("setting");
    let credentials =
        DynamicValues::from_pairs(&BY_PATH, [("username", "ada"), ("password", PASSWORD)])
            .expect("well-formed credentials");
    let session = Session::new(provider, credentials).expect("session");
    assert_eq!(call(&session, &mock).await, 200);
    assert_eq!(mock.logins(), 2);
}
