//! A logout and a keep-alive that name what the login's steps bound and a credential
//! field: `DELETE /sessions/{session_id}` with `X-User: {username}`, a keep-alive with
//! `X-Session: {session_id}`; against a server of the test's own that checks both, on
//! the session's first login and again after a re-login (a new session id).

use std::sync::{Arc, Mutex};

use auth_runtime::{Session, auth_provider};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use reqwest::Method;
use serde_json::json;

#[auth_provider(
    vendor = "Sessions",
    base = "{server}",
    step(session, path = "/session", constants(user = "{username}", pass = "{password}"), bind(session_id = "session_id")),
    login(path = "/token", headers("X-Session" = "{session_id}")),
    token = "token",
    apply(bearer),
    logout(method = "DELETE", path = "/sessions/{session_id}", headers("X-User" = "{username}")),
    keepalive(path = "/keepalive", headers("X-Session" = "{session_id}")),
)]
pub struct Sessions {
    username: String,
    password: String,
}

#[derive(Default)]
struct Server {
    /// Session ids issued, and the token bought with each.
    sessions: Mutex<Vec<(String, Option<String>)>>,
    /// `(session id, user)` of every logout; session ids of every keep-alive.
    logouts: Mutex<Vec<(String, String)>>,
    keepalives: Mutex<Vec<String>>,
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn start() -> (Arc<Server>, String) {
    let server = Arc::new(Server::default());
    let app = Router::new()
        .route(
            "/session",
            post(|State(s): State<Arc<Server>>| async move {
                let mut sessions = s.sessions.lock().expect("lock");
                let id = format!("sid-{}", sessions.len() + 1);
                sessions.push((id.clone(), None));
                axum::Json(json!({"session_id": id}))
            }),
        )
        .route(
            "/token",
            post(|State(s): State<Arc<Server>>, headers: HeaderMap| async move {
                let id = header(&headers, "x-session");
                let mut sessions = s.sessions.lock().expect("lock");
                match sessions.iter_mut().find(|(sid, token)| *sid == id && token.is_none()) {
                    Some((_, token)) => {
                        let issued = format!("tok-{id}");
                        *token = Some(issued.clone());
                        axum::Json(json!({"token": issued})).into_response()
                    }
                    None => StatusCode::UNAUTHORIZED.into_response(),
                }
            }),
        )
        .route(
            "/sessions/{id}",
            delete(
                |State(s): State<Arc<Server>>, Path(id): Path<String>, headers: HeaderMap| async move {
                    let user = header(&headers, "x-user");
                    s.logouts.lock().expect("lock").push((id, user));
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/keepalive",
            post(|State(s): State<Arc<Server>>, headers: HeaderMap| async move {
                s.keepalives.lock().expect("lock").push(header(&headers, "x-session"));
                StatusCode::OK
            }),
        )
        .route(
            "/api",
            get(|State(s): State<Arc<Server>>, headers: HeaderMap| async move {
                let bearer = header(&headers, "authorization");
                let known = s
                    .sessions
                    .lock()
                    .expect("lock")
                    .iter()
                    .any(|(_, token)| token.as_deref().is_some_and(|t| bearer == format!("Bearer {t}")));
                let status = if known { StatusCode::OK } else { StatusCode::UNAUTHORIZED };
                Response::builder().status(status).body(axum::body::Body::empty()).expect("response")
            }),
        )
        .with_state(server.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (server, url)
}

fn credentials() -> SessionsCredentials {
    Sessions::credentials()
        .username("ada")
        .password("s3cret-pass")
        .build()
}

#[tokio::test]
async fn the_logout_and_keep_alive_carry_the_latest_logins_session_id_and_the_user() {
    let (server, url) = start().await;
    let session = Session::new(Sessions::new(&url), credentials()).expect("session");
    let api = format!("{url}/api");
    assert_eq!(
        session
            .send(session.request(Method::GET, &api))
            .await
            .expect("sent")
            .status(),
        200
    );
    session.keep_alive().await.expect("kept alive");
    assert_eq!(*server.keepalives.lock().expect("lock"), ["sid-1"]);
    session.logout().await.expect("logged out");
    assert_eq!(
        *server.logouts.lock().expect("lock"),
        [("sid-1".to_owned(), "ada".to_owned())]
    );
    // The next login binds a new session id: the next logout names it.
    assert_eq!(
        session
            .send(session.request(Method::GET, &api))
            .await
            .expect("sent")
            .status(),
        200
    );
    session.logout().await.expect("logged out");
    assert_eq!(
        server.logouts.lock().expect("lock").last().cloned(),
        Some(("sid-2".to_owned(), "ada".to_owned()))
    );
}
