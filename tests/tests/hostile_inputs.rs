//! Hostile values from users and hostile bodies from servers, over real HTTP on
//! 127.0.0.1: a setting value cannot move the endpoint to another host or path, and a
//! cut-off or oversized login answer cannot put a token or an unbounded vendor message
//! into an error.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use auth_runtime::{Error, RetryPolicy, Session, auth_provider};
use axum::Router;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// A token endpoint under a tenant's path on a server the user names.
#[auth_provider(
    vendor = "Tenanted",
    base = "{server}/t/{tenant}",
    login(path = "/login", format = "json"),
    token = "data.token",
    apply(bearer),
    expiry(absolute = "10m"),
    error(Refused, status = 401, fields(message = "message", code = "error_code")),
    error(Invalid, status = 400, fields(details = field_messages("errors")))
)]
pub struct Tenanted {
    user: String,
    #[auth(secret)]
    password: String,
}

/// A token endpoint on a subdomain: only the label is the user's.
#[auth_provider(
    vendor = "Subdomain",
    base = "http://{account}.localhost",
    login(path = "/login", format = "json"),
    token = "data.token",
    apply(bearer),
    expiry(absolute = "10m")
)]
pub struct Subdomain {
    user: String,
    #[auth(secret)]
    password: String,
}

const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl";

/// What every login request gets answered with.
#[derive(Clone)]
enum Answer {
    Token,
    Body(u16, &'static str, String),
}

struct Server {
    url: String,
    requests: AtomicUsize,
    paths: Mutex<Vec<String>>,
    answer: Mutex<Answer>,
}

async fn start() -> Arc<Server> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server = Arc::new(Server {
        url: format!("http://{}", listener.local_addr().expect("addr")),
        requests: AtomicUsize::new(0),
        paths: Mutex::new(Vec::new()),
        answer: Mutex::new(Answer::Token),
    });
    let s = Arc::clone(&server);
    let app = Router::new().fallback(move |uri: Uri| answer(Arc::clone(&s), uri));
    tokio::spawn(async move { axum::serve(listener, app).await });
    server
}

async fn answer(server: Arc<Server>, uri: Uri) -> Response {
    server.requests.fetch_add(1, Ordering::SeqCst);
    server.paths.lock().expect("paths").push(uri.to_string());
    match server.answer.lock().expect("answer").clone() {
        Answer::Token => (
            [(header::CONTENT_TYPE, "application/json")],
            format!("{{\"data\":{{\"token\":\"{TOKEN}\"}}}}"),
        )
            .into_response(),
        Answer::Body(status, content_type, body) => (
            StatusCode::from_u16(status).expect("status"),
            [(header::CONTENT_TYPE, content_type)],
            body,
        )
            .into_response(),
    }
}

fn once() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    }
}

/// A session for `tenant`; building it checks the endpoints, before any request.
fn tenanted(server: &Server, tenant: &str) -> Result<Session<Tenanted>, TenantedError> {
    let credentials = Tenanted::credentials()
        .user("ada")
        .password("hunter2")
        .build();
    Session::builder(Tenanted::new(&server.url, tenant), credentials)
        .retry(once())
        .build()
}

#[tokio::test]
async fn a_tenant_value_cannot_leave_its_path_segment() {
    let server = start().await;
    tenanted(&server, "acme")
        .expect("session")
        .token()
        .await
        .expect("a plain tenant logs in");
    assert_eq!(*server.paths.lock().expect("paths"), ["/t/acme/login"]);

    for tenant in [
        "../../evil",
        "x?y#",
        "..",
        "%2e%2e",
        "a/b",
        "a b",
        "a\r\nb",
        "@x",
    ] {
        let error = tenanted(&server, tenant).expect_err("refused before sending");
        assert!(
            matches!(&error, TenantedError::Runtime(Error::InvalidUrl { reason, .. })
                if reason.contains("the setting `tenant` must be one path segment")),
            "{tenant:?}: {error}"
        );
    }
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        1,
        "no hostile value reached the server: {:?}",
        server.paths.lock().expect("paths")
    );
}

#[tokio::test]
async fn an_account_value_cannot_change_the_host() {
    let server = start().await;
    let authority = server.url.trim_start_matches("http://");
    for account in [
        format!("{authority}/#"),
        format!("{authority}?"),
        format!("x@{authority}/"),
        authority.to_owned(),
    ] {
        let credentials = Subdomain::credentials()
            .user("ada")
            .password("hunter2")
            .build();
        let error = Session::builder(Subdomain::new(&account), credentials)
            .retry(once())
            .build()
            .expect_err("refused when the session is built");
        assert!(
            matches!(&error, SubdomainError::Runtime(Error::InvalidUrl { reason, .. })
                if reason.contains("the setting `account` must be a host label (letters, digits, '-')")),
            "{account:?}: {error}"
        );
    }
    assert_eq!(server.requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_shipped_vendor_refuses_an_account_that_is_a_host() {
    use auth_vendors::modulus::Modulus;
    let credentials = Modulus::credentials().app("a").secret("s").build();
    let error = Session::builder(Modulus::new("evil.com/#"), credentials)
        .retry(once())
        .build()
        .expect_err("refused when the session is built");
    assert!(
        error
            .to_string()
            .contains("the setting `account` must be a host label"),
        "{error}"
    );
}

/// The session's error for a login answered with `body`, shown and debugged.
async fn login_error(status: u16, content_type: &'static str, body: String) -> (String, String) {
    let server = start().await;
    *server.answer.lock().expect("answer") = Answer::Body(status, content_type, body);
    let error = tenanted(&server, "acme")
        .expect("session")
        .token()
        .await
        .expect_err("not a success");
    (error.to_string(), format!("{error:?}"))
}

#[tokio::test]
async fn a_cut_off_login_answer_shows_no_token() {
    let bodies = [
        format!("{{\"data\":{{\"token\":\"{TOKEN}"),
        format!("{{\"data\":{{\"token\":\"{}", &TOKEN[..20]),
        format!("{{\"data\":{{\"token\":\"{TOKEN}\",\"user\":{{\"id\":"),
        format!("{{\"token\":[\"{TOKEN}\", \"{TOKEN}"),
        format!("{{\"data\":{{\"token\":\"{TOKEN}\\\"\\\\ still the token"),
    ];
    for body in bodies {
        let (shown, debugged) = login_error(200, "application/json", body.clone()).await;
        for text in [&shown, &debugged] {
            assert!(
                !text.contains(&TOKEN[..10]) && !text.contains("still the token"),
                "{body}: {text}"
            );
        }
        assert!(
            shown.contains("\"token\""),
            "the shape stays readable: {shown}"
        );
    }
    let (shown, _) = login_error(200, "application/x-www-form-urlencoded", {
        format!("status=ok&token={TOKEN}")
    })
    .await;
    assert!(
        !shown.contains(&TOKEN[..10]) && shown.contains("status=…&token=…"),
        "{shown}"
    );
}

#[tokio::test]
async fn vendor_messages_in_errors_are_capped() {
    let huge = "A".repeat(100 * 1024);
    let body = format!("{{\"message\":\"{huge}\",\"error_code\":\"{huge}\"}}");
    let (shown, _) = login_error(401, "application/json", body).await;
    assert!(shown.starts_with("Tenanted refused the login"), "{shown}");
    assert!(
        shown.len() < 2 * 1024,
        "{} bytes: {}…",
        shown.len(),
        &shown[..300]
    );
    assert!(
        shown.contains("A…"),
        "a cut message says so: {}",
        &shown[..300]
    );

    let long = &huge[..1024];
    let entry = format!("{{\"code\":\"{long}\",\"message\":\"{long}\"}}");
    let fields: Vec<String> = (0..40)
        .map(|i| format!("\"field{i}\":[{entry},{entry},{entry},{entry},{entry}]"))
        .collect();
    let body = format!("{{\"errors\":{{{}}}}}", fields.join(","));
    let server = start().await;
    *server.answer.lock().expect("answer") = Answer::Body(400, "application/json", body);
    let session = Session::builder(
        Tenanted::new(&server.url, "acme"),
        Tenanted::credentials().user("a").password("b").build(),
    )
    .retry(once())
    .build()
    .expect("session");
    let error = session.token().await.expect_err("refused");
    let shown = error.to_string();
    assert!(
        shown.starts_with("Tenanted refused the login"),
        "{}",
        &shown[..300.min(shown.len())]
    );
    assert!(shown.len() < 4 * 1024, "{} bytes", shown.len());
    let TenantedError::Invalid { details } = error else {
        panic!("{error:?}")
    };
    assert!(details.0.len() <= 16, "{} fields kept", details.0.len());
    for messages in details.0.values() {
        assert!(messages.len() <= 4, "{} messages kept", messages.len());
        for m in messages {
            let message = m.message.as_deref().unwrap_or_default();
            assert!(message.chars().count() <= 501, "{} chars", message.len());
        }
    }
}
