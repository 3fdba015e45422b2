//! One protocol behind three entry points: `Session::send`, `AuthMiddleware` and
//! `AuthLayer` run the same rejection scenarios against one server on 127.0.0.1 and
//! must give the same outcomes — 401 and a rejection in the body (CRM.COM style: HTTP
//! 200 with `INVALID_TOKEN`) each answered by one re-login and a replay, a replay
//! rejected again as `TokenRejected`, a body that cannot be replayed answered with the
//! rejecting response and a new token on the next call.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use auth_runtime::{
    AuthLayer, AuthMiddleware, Error, RetryPolicy, Session, SessionClient, auth_provider,
};
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use http_body_util::BodyExt as _;
use tower::{Layer as _, ServiceExt as _};

/// A vendor that says "token rejected" with 401 or in the body, as configured.
#[auth_provider(
    vendor = "Rejecting",
    base = "{server}",
    login(path = "/login", format = "json"),
    token = "token",
    apply(header = "X-Auth-Token"),
    rejected(path = "status.code", equals = "INVALID_TOKEN"),
    expiry(absolute = "10m")
)]
pub struct Rejecting {
    user: String,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Rejection {
    Status401,
    InBody,
}

struct Server {
    url: String,
    logins: AtomicUsize,
    current: Mutex<String>,
    rejection: Mutex<Rejection>,
    /// While set, every token is rejected, even a fresh one.
    reject_all: Mutex<bool>,
}

async fn start() -> Arc<Server> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server = Arc::new(Server {
        url: format!("http://{}", listener.local_addr().expect("addr")),
        logins: AtomicUsize::new(0),
        current: Mutex::new(String::new()),
        rejection: Mutex::new(Rejection::Status401),
        reject_all: Mutex::new(false),
    });
    let (login_state, api_state) = (Arc::clone(&server), Arc::clone(&server));
    let app = Router::new()
        .route("/login", post(move || login(Arc::clone(&login_state))))
        .route(
            "/api",
            any(move |headers: HeaderMap| api(Arc::clone(&api_state), headers)),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    server
}

async fn login(server: Arc<Server>) -> Response {
    let n = server.logins.fetch_add(1, Ordering::SeqCst) + 1;
    let token = format!("token-{n}");
    *server.current.lock().expect("current") = token.clone();
    let body = serde_json::json!({ "token": token }).to_string();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn api(server: Arc<Server>, headers: HeaderMap) -> Response {
    let sent = headers.get("x-auth-token").and_then(|v| v.to_str().ok());
    let accepted = !*server.reject_all.lock().expect("reject_all")
        && sent == Some(server.current.lock().expect("current").as_str());
    let json = [(header::CONTENT_TYPE, "application/json")];
    if accepted {
        return (json, r#"{"status":{"code":"OK"}}"#).into_response();
    }
    match *server.rejection.lock().expect("rejection") {
        Rejection::Status401 => (StatusCode::UNAUTHORIZED, json, "{}").into_response(),
        Rejection::InBody => (json, r#"{"status":{"code":"INVALID_TOKEN"}}"#).into_response(),
    }
}

impl Server {
    /// The vendor forgets the current token, as if it had expired early.
    fn revoke(&self) {
        *self.current.lock().expect("current") = "revoked".to_owned();
    }
}

/// What a call came to, the same way for every entry point.
#[derive(Debug, PartialEq)]
enum Outcome {
    Answer(u16, String),
    TokenRejected,
    Other(String),
}

#[derive(Clone, Copy, Debug)]
enum Entry {
    Send,
    Middleware,
    Tower,
}

fn session(server: &Server) -> Session<Rejecting> {
    let credentials = Rejecting::credentials().user("ada").build();
    Session::builder(Rejecting::new(&server.url), credentials)
        .retry(RetryPolicy::none())
        .build()
        .expect("session")
}

fn outcome_of(error: &(dyn std::error::Error + 'static)) -> Outcome {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if let Some(RejectingError::Runtime(Error::TokenRejected { .. })) =
            error.downcast_ref::<RejectingError>()
        {
            return Outcome::TokenRejected;
        }
        cause = error.source();
    }
    Outcome::Other(error.to_string())
}

/// One GET (or, with `streamed`, a POST whose body cannot be replayed) through `entry`.
async fn call(
    entry: Entry,
    server: &Server,
    session: &Session<Rejecting>,
    streamed: bool,
) -> Outcome {
    let url = format!("{}/api", server.url);
    let body = || {
        let chunks: Vec<Result<&'static str, std::io::Error>> = vec![Ok("{}")];
        reqwest::Body::wrap_stream(futures::stream::iter(chunks))
    };
    match entry {
        Entry::Send => {
            let request = match streamed {
                true => session.post(&url).body(body()),
                false => session.get(&url),
            };
            match session.send(request).await {
                Ok(response) => answer(response).await,
                Err(error) => outcome_of(&error),
            }
        }
        Entry::Middleware => {
            let client = AuthMiddleware::client_builder(session.clone()).build();
            let request = match streamed {
                true => client.post(&url).body(body()),
                false => client.get(&url),
            };
            match request.send().await {
                Ok(response) => answer(response).await,
                Err(reqwest_middleware::Error::Middleware(error)) => outcome_of(error.as_ref()),
                Err(error) => Outcome::Other(error.to_string()),
            }
        }
        Entry::Tower => {
            let service = AuthLayer::new(session.clone()).layer(SessionClient::new(session));
            let request = http::Request::get(&url)
                .body(String::new())
                .expect("request");
            match service.oneshot(request).await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let bytes = response
                        .into_body()
                        .collect()
                        .await
                        .expect("body")
                        .to_bytes();
                    Outcome::Answer(status, String::from_utf8_lossy(&bytes).into_owned())
                }
                Err(auth_runtime::AuthServiceError::Auth(error)) => outcome_of(&error),
                Err(error) => Outcome::Other(error.to_string()),
            }
        }
    }
}

async fn answer(response: reqwest::Response) -> Outcome {
    let status = response.status().as_u16();
    Outcome::Answer(status, response.text().await.expect("body"))
}

const OK: &str = r#"{"status":{"code":"OK"}}"#;

#[tokio::test]
async fn every_entry_point_answers_each_rejection_alike() {
    for entry in [Entry::Send, Entry::Middleware, Entry::Tower] {
        for rejection in [Rejection::Status401, Rejection::InBody] {
            let what = format!("{entry:?}, {rejection:?}");
            let server = start().await;
            *server.rejection.lock().expect("rejection") = rejection;
            let session = session(&server);
            assert_eq!(
                call(entry, &server, &session, false).await,
                Outcome::Answer(200, OK.into()),
                "{what}"
            );

            // The vendor drops the token: one re-login, the request replayed.
            server.revoke();
            assert_eq!(
                call(entry, &server, &session, false).await,
                Outcome::Answer(200, OK.into()),
                "{what}: replayed"
            );
            assert_eq!(
                server.logins.load(Ordering::SeqCst),
                2,
                "{what}: one re-login"
            );

            // The vendor rejects the fresh token too: TokenRejected, after one re-login.
            *server.reject_all.lock().expect("reject_all") = true;
            assert_eq!(
                call(entry, &server, &session, false).await,
                Outcome::TokenRejected,
                "{what}: rejected replay"
            );
            assert_eq!(
                server.logins.load(Ordering::SeqCst),
                3,
                "{what}: no second re-login"
            );
        }
    }
}

#[tokio::test]
async fn a_body_that_cannot_be_replayed_gets_the_rejection_and_the_next_call_a_new_token() {
    // `AuthLayer` needs `Clone` bodies, so it always can replay: not part of this one.
    for entry in [Entry::Send, Entry::Middleware] {
        for rejection in [Rejection::Status401, Rejection::InBody] {
            let what = format!("{entry:?}, {rejection:?}");
            let server = start().await;
            *server.rejection.lock().expect("rejection") = rejection;
            let session = session(&server);
            session.token().await.expect("login");
            server.revoke();
            let expected = match rejection {
                Rejection::Status401 => Outcome::Answer(401, "{}".into()),
                Rejection::InBody => {
                    Outcome::Answer(200, r#"{"status":{"code":"INVALID_TOKEN"}}"#.into())
                }
            };
            assert_eq!(
                call(entry, &server, &session, true).await,
                expected,
                "{what}"
            );
            assert_eq!(
                server.logins.load(Ordering::SeqCst),
                1,
                "{what}: no replay, no login yet"
            );
            assert_eq!(
                call(entry, &server, &session, true).await,
                Outcome::Answer(200, OK.into()),
                "{what}: next call"
            );
            assert_eq!(server.logins.load(Ordering::SeqCst), 2, "{what}");
        }
    }
}
