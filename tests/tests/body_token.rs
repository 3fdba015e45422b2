//! A token that goes in a body field (`apply(body = ...)`), against a server on
//! 127.0.0.1 that looks for it: the session's own multipart logout and keep-alive carry
//! it as a text part, and an API request whose body it cannot be added to (no body, a
//! multipart or streamed body, JSON that is not an object) is refused before it is
//! sent, on `Session::send`, `AuthMiddleware` and `AuthLayer` alike — unless the vendor
//! takes the token in a query parameter too.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use auth_runtime::{AuthLayer, AuthMiddleware, Error, Session, SessionClient, auth_provider};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use tower::{Layer as _, ServiceExt as _};

/// A vendor taking the token in a `token` body field only, its logout and keep-alive
/// multipart.
#[auth_provider(
    vendor = "BodyToken",
    base = "{server}",
    login(path = "/login", format = "json"),
    token = "token",
    apply(body = "token"),
    logout(path = "/logout", format = "multipart", constants(reason = "done")),
    keepalive(path = "/keepalive", format = "multipart"),
    expiry(absolute = "10m")
)]
pub struct BodyToken {
    user: String,
}

/// The same, with the query parameter CRM.COM has beside its body field.
#[auth_provider(
    vendor = "QueryOrBody",
    base = "{server}",
    login(path = "/login", format = "json"),
    token = "token",
    apply(query = "token", body = "token"),
    expiry(absolute = "10m")
)]
pub struct QueryOrBody {
    user: String,
}

#[derive(Default)]
struct Server {
    url: String,
    logins: AtomicUsize,
    current: Mutex<String>,
    /// Requests that reached `/api`.
    api_calls: AtomicUsize,
    /// The parts of each multipart logout and keep-alive, by path.
    parts: Mutex<Vec<(String, HashMap<String, String>)>>,
    /// The query strings of those requests.
    queries: Mutex<Vec<Option<String>>>,
}

async fn start() -> Arc<Server> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server = Arc::new(Server {
        url: format!("http://{}", listener.local_addr().expect("addr")),
        ..Server::default()
    });
    let app = Router::new()
        .route("/login", post(login))
        .route("/api", any(api))
        .route("/logout", post(multipart))
        .route("/keepalive", post(multipart))
        .with_state(Arc::clone(&server));
    tokio::spawn(async move { axum::serve(listener, app).await });
    server
}

async fn login(State(server): State<Arc<Server>>) -> Response {
    let n = server.logins.fetch_add(1, Ordering::SeqCst) + 1;
    let token = format!("token-{n}");
    *server.current.lock().expect("current") = token.clone();
    let body = serde_json::json!({ "token": token }).to_string();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Answers 200 with where the current token was found (`json`, `form` or `query`),
/// else 401.
async fn api(
    State(server): State<Arc<Server>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    server.api_calls.fetch_add(1, Ordering::SeqCst);
    let current = server.current.lock().expect("current").clone();
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let in_json = kind.starts_with("application/json")
        && serde_json::from_slice::<serde_json::Value>(&body)
            .is_ok_and(|json| json["token"] == current.as_str());
    let in_form = kind.starts_with("application/x-www-form-urlencoded")
        && url::form_urlencoded::parse(&body)
            .any(|(name, value)| name == "token" && value == current);
    let in_query = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .any(|(name, value)| name == "token" && value == current);
    let via = match (in_json, in_form, in_query) {
        (true, _, _) => "json",
        (_, true, _) => "form",
        (_, _, true) => "query",
        _ => return StatusCode::UNAUTHORIZED.into_response(),
    };
    via.into_response()
}

/// A multipart logout or keep-alive: its parts recorded; 200 when the `token` part is
/// the current token, else 401.
async fn multipart(State(server): State<Arc<Server>>, uri: Uri, mut body: Multipart) -> StatusCode {
    let mut parts = HashMap::new();
    while let Ok(Some(field)) = body.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let value = field.text().await.unwrap_or_default();
        parts.insert(name, value);
    }
    let current = server.current.lock().expect("current").clone();
    let carried = parts.get("token") == Some(&current);
    server
        .parts
        .lock()
        .expect("parts")
        .push((uri.path().to_owned(), parts));
    server
        .queries
        .lock()
        .expect("queries")
        .push(uri.query().map(str::to_owned));
    if carried {
        StatusCode::OK
    } else {
        StatusCode::UNAUTHORIZED
    }
}

fn body_token(server: &Server) -> Session<BodyToken> {
    let credentials = BodyToken::credentials().user("ada").build();
    Session::new(BodyToken::new(&server.url), credentials).expect("session")
}

#[tokio::test]
async fn a_multipart_logout_and_keep_alive_carry_the_token_as_a_text_part() {
    let server = start().await;
    let session = body_token(&server);
    session.token().await.expect("login");
    session.keep_alive().await.expect("kept alive");
    session.logout().await.expect("logged out");
    let part = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect::<HashMap<_, _>>()
    };
    assert_eq!(
        *server.parts.lock().expect("parts"),
        [
            ("/keepalive".to_owned(), part(&[("token", "token-1")])),
            (
                "/logout".to_owned(),
                part(&[("reason", "done"), ("token", "token-1")])
            ),
        ]
    );
    // In the body, not in the query string as well.
    assert_eq!(*server.queries.lock().expect("queries"), [None, None]);
}

/// The entry points that take a `reqwest` request: `Session::send` and
/// `AuthMiddleware`.
#[derive(Clone, Copy, Debug)]
enum Entry {
    Send,
    Middleware,
}

/// A request body the token cannot be added to, and what the refusal says of it.
#[derive(Clone, Copy, Debug)]
enum Body {
    Multipart,
    StreamedJson,
    None,
    JsonArray,
}

impl Body {
    fn why(self) -> &'static str {
        match self {
            Body::Multipart => {
                "its body is `multipart/form-data`, neither JSON nor form-urlencoded"
            }
            Body::StreamedJson => "its body is streamed",
            Body::None => "the request has no body",
            Body::JsonArray => "its JSON body is not an object",
        }
    }

    fn on(self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Body::Multipart => {
                request.multipart(reqwest::multipart::Form::new().text("note", "hello"))
            }
            Body::StreamedJson => {
                let chunks: Vec<Result<&'static str, std::io::Error>> = vec![Ok("{}")];
                request
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
            }
            Body::None => request,
            Body::JsonArray => request.json(&serde_json::json!(["a"])),
        }
    }
}

/// `body` through `entry`: the answer's body, or the error's text and whether it is
/// the session's `InvalidRequest`.
async fn call(
    entry: Entry,
    server: &Server,
    session: &Session<BodyToken>,
    body: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Result<String, (String, bool)> {
    let url = format!("{}/api", server.url);
    let invalid = |error: &BodyTokenError| {
        matches!(error, BodyTokenError::Runtime(Error::InvalidRequest { .. }))
    };
    match entry {
        Entry::Send => match session.send(body(session.post(&url))).await {
            Ok(response) => Ok(response.text().await.expect("body")),
            Err(error) => Err((error.to_string(), invalid(&error))),
        },
        Entry::Middleware => {
            let client = AuthMiddleware::client_builder(session.clone()).build();
            let request = body(session.post(&url));
            let (_, request) = request.build_split();
            match client.execute(request.expect("request")).await {
                Ok(response) => Ok(response.text().await.expect("body")),
                Err(reqwest_middleware::Error::Middleware(error)) => {
                    let typed = error.downcast_ref::<BodyTokenError>().is_some_and(invalid);
                    Err((error.to_string(), typed))
                }
                Err(error) => Err((error.to_string(), false)),
            }
        }
    }
}

#[tokio::test]
async fn a_body_the_token_cannot_be_added_to_is_refused_before_it_is_sent() {
    let server = start().await;
    let session = body_token(&server);
    for entry in [Entry::Send, Entry::Middleware] {
        // What the token can be added to, it is.
        let json = call(entry, &server, &session, |r| {
            r.json(&serde_json::json!({"a": 1}))
        })
        .await;
        assert_eq!(json, Ok("json".to_owned()), "{entry:?}");
        let form = call(entry, &server, &session, |r| r.form(&[("a", "1")])).await;
        assert_eq!(form, Ok("form".to_owned()), "{entry:?}");

        let sent = server.api_calls.load(Ordering::SeqCst);
        for body in [
            Body::Multipart,
            Body::StreamedJson,
            Body::None,
            Body::JsonArray,
        ] {
            let (shown, typed) = call(entry, &server, &session, |r| body.on(r))
                .await
                .expect_err("refused");
            assert!(typed, "{entry:?}, {body:?}: {shown}");
            assert_eq!(
                shown,
                format!(
                    "BodyToken: cannot send this request: the token goes in the body field \
                     `token`, and {}, so the token cannot be added: send a JSON object or a \
                     form-urlencoded body",
                    body.why()
                ),
                "{entry:?}, {body:?}"
            );
        }
        assert_eq!(
            server.api_calls.load(Ordering::SeqCst),
            sent,
            "{entry:?}: nothing sent without its token"
        );
    }
    assert_eq!(
        server.logins.load(Ordering::SeqCst),
        1,
        "no re-login either"
    );
}

#[tokio::test]
async fn the_tower_layer_refuses_a_body_field_token_before_the_inner_service() {
    let server = start().await;
    let session = body_token(&server);
    let before = server.api_calls.load(Ordering::SeqCst);
    let service = AuthLayer::new(session.clone()).layer(SessionClient::new(&session));
    let request = http::Request::post(format!("{}/api", server.url))
        .header(header::CONTENT_TYPE, "application/json")
        .body(r#"{"a":1}"#.to_owned())
        .expect("request");
    match service.oneshot(request).await {
        Err(auth_runtime::AuthServiceError::Auth(BodyTokenError::Runtime(
            Error::InvalidRequest { reason, .. },
        ))) => assert_eq!(
            reason,
            "the token goes in the body field `token`, and AuthLayer cannot add it to a \
             request body: use Session::send or AuthMiddleware, with a JSON object or a \
             form-urlencoded body"
        ),
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
    assert_eq!(
        server.api_calls.load(Ordering::SeqCst),
        before,
        "nothing sent"
    );
}

#[tokio::test]
async fn with_a_query_parameter_too_such_a_body_sends_the_token_in_the_query() {
    let server = start().await;
    let credentials = QueryOrBody::credentials().user("ada").build();
    let session = Session::new(QueryOrBody::new(&server.url), credentials).expect("session");
    let url = format!("{}/api", server.url);
    for body in [
        Body::Multipart,
        Body::StreamedJson,
        Body::None,
        Body::JsonArray,
    ] {
        let response = session
            .send(body.on(session.post(&url)))
            .await
            .expect("sent");
        assert_eq!(response.text().await.expect("body"), "query", "{body:?}");
    }
    let response = session
        .send(session.post(&url).json(&serde_json::json!({"a": 1})))
        .await
        .expect("sent");
    assert_eq!(response.text().await.expect("body"), "json");
}
