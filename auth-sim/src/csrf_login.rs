//! A web login of our own design that wants a CSRF token first, in the way of
//! session-authenticated web frameworks: a `GET` hands out a CSRF token (in the body and
//! in a `csrftoken` cookie), and the login `POST` must carry it twice, in the
//! `X-CSRFToken` header and in that cookie. The session is a `sessionid` cookie.
//!
//! # Endpoints (relative to [`PREFIX`])
//!
//! | method | path | request | answer |
//! |---|---|---|---|
//! | `GET` | [`CSRF_PATH`] | nothing | 200 `{"csrfToken"}` + `Set-Cookie: csrftoken=...` |
//! | `POST` | [`LOGIN_PATH`] | JSON `{"username", "password"}`, `X-CSRFToken`, `Cookie: csrftoken=` | 200 + `Set-Cookie: sessionid=...`, 403, or 401 |
//! | `GET` | [`ACCOUNTS_PATH`] | `Cookie: sessionid=...` (protected) | 200, or 403 |
//! | `POST` | [`LOGOUT_PATH`] | `Cookie: sessionid=...` | 204, or 403 |
//!
//! A CSRF token is good once, for [`CSRF_LIFETIME`] on the server's clock: a login that
//! reuses one, or sends a header and a cookie that differ, is 403
//! `{"detail": CSRF_FAILED}`. Wrong credentials with a good CSRF token are 401
//! `{"detail": BAD_CREDENTIALS}` (the CSRF token is spent all the same). A request
//! without a live session is 403 `{"detail": NOT_AUTHENTICATED}`, as such frameworks
//! answer. Sessions last [`DEFAULT_TOKEN_LIFETIME`]; the login states no lifetime.
//!
//! [`CsrfLogin::set_csrf_required`] turns the CSRF check off, so that one server takes a
//! login of one request and a login of two alike (what the step-login benchmark
//! compares).

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::util::{self, Counter, Flag, lock};
use crate::{Shared, SimClock, VendorCommon};

/// Stands in for the vendor's host.
pub const PREFIX: &str = "/csrf-login";
/// `GET`: a fresh CSRF token.
pub const CSRF_PATH: &str = "/api/csrf";
/// `POST`: the login.
pub const LOGIN_PATH: &str = "/api/login";
/// `GET`, protected.
pub const ACCOUNTS_PATH: &str = "/api/accounts";
/// `POST`: ends the session.
pub const LOGOUT_PATH: &str = "/api/logout";
/// The header a login names its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrftoken";
/// The cookie the CSRF token is set in.
pub const CSRF_COOKIE: &str = "csrftoken";
/// The cookie the session is set in.
pub const SESSION_COOKIE: &str = "sessionid";

/// The demo user.
pub const USER: &str = "clerk";
/// The demo user's password.
pub const PASSWORD: &str = "csrf-pa55";

/// The detail of a 403 for a missing, spent, expired or mismatched CSRF token.
pub const CSRF_FAILED: &str = "CSRF Failed: CSRF token missing or incorrect.";
/// The detail of a 401 for wrong credentials.
pub const BAD_CREDENTIALS: &str = "Unable to log in with provided credentials.";
/// The detail of a 403 for a request without a live session.
pub const NOT_AUTHENTICATED: &str = "Authentication credentials were not provided.";

/// A CSRF token is good this long after it is handed out.
pub const CSRF_LIFETIME: Duration = Duration::from_secs(60);
/// Sessions last this long.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(1800);

/// The CSRF-first web login's handle. Obtained from [`crate::Sim::csrf_login`];
/// dereferences to [`VendorCommon`] (a login attempt is a `POST` to [`LOGIN_PATH`]).
#[derive(Debug)]
pub struct CsrfLogin {
    common: VendorCommon,
    clock: Arc<SimClock>,
    /// CSRF tokens handed out and not yet spent, with when they stop being good.
    csrf_tokens: Mutex<HashMap<String, Instant>>,
    sessions: Mutex<HashMap<String, Instant>>,
    csrf_issued: Counter,
    csrf_refusals: Counter,
    logouts: Counter,
    /// Whether logins go without a CSRF token.
    csrf_off: Flag,
}

impl Deref for CsrfLogin {
    type Target = VendorCommon;

    fn deref(&self) -> &VendorCommon {
        &self.common
    }
}

impl CsrfLogin {
    pub(crate) fn new(clock: Arc<SimClock>) -> CsrfLogin {
        CsrfLogin {
            common: VendorCommon::new(DEFAULT_TOKEN_LIFETIME),
            clock,
            csrf_tokens: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            csrf_issued: Counter::default(),
            csrf_refusals: Counter::default(),
            logouts: Counter::default(),
            csrf_off: Flag::default(),
        }
    }

    /// Whether a login must carry a CSRF token (the default: yes).
    pub fn set_csrf_required(&self, required: bool) {
        self.csrf_off.set(!required);
    }

    /// CSRF tokens handed out.
    pub fn csrf_issued(&self) -> u64 {
        self.csrf_issued.get()
    }

    /// Logins refused for their CSRF token.
    pub fn csrf_refusals(&self) -> u64 {
        self.csrf_refusals.get()
    }

    /// Sessions ended at [`LOGOUT_PATH`].
    pub fn logouts(&self) -> u64 {
        self.logouts.get()
    }

    /// Sessions live at the server's time.
    pub fn active_sessions(&self) -> usize {
        let now = self.clock.instant();
        lock(&self.sessions)
            .values()
            .filter(|&&end| now < end)
            .count()
    }

    /// Ends every session.
    pub fn revoke_all(&self) {
        lock(&self.sessions).clear();
    }

    /// Spends `token` when it was handed out and is still good.
    fn spend_csrf(&self, token: &str) -> bool {
        let now = self.clock.instant();
        lock(&self.csrf_tokens)
            .remove(token)
            .is_some_and(|good_until| now < good_until)
    }

    fn session(&self, headers: &HeaderMap) -> Option<String> {
        let id = cookie(headers, SESSION_COOKIE)?;
        let now = self.clock.instant();
        let live = lock(&self.sessions).get(&id).is_some_and(|&end| now < end);
        live.then_some(id)
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(&format!("{PREFIX}{CSRF_PATH}"), get(csrf))
        .route(&format!("{PREFIX}{LOGIN_PATH}"), post(login))
        .route(&format!("{PREFIX}{ACCOUNTS_PATH}"), get(accounts))
        .route(&format!("{PREFIX}{LOGOUT_PATH}"), post(logout))
}

/// The value of cookie `name` among the request's `Cookie` headers.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

fn detail(status: StatusCode, detail: &str) -> Response {
    util::json(status, json!({"detail": detail}))
}

fn set_cookie(response: &mut Response, name: &str, value: &str, http_only: bool) {
    let flags = if http_only { "; HttpOnly" } else { "" };
    if let Ok(value) =
        HeaderValue::from_str(&format!("{name}={value}; Path=/; SameSite=Lax{flags}"))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

async fn csrf(State(s): State<Arc<Shared>>) -> Response {
    let vendor = &s.csrf_login;
    let token = util::random_alphanumeric(32);
    let good_until = util::later(vendor.clock.instant(), CSRF_LIFETIME);
    lock(&vendor.csrf_tokens).insert(token.clone(), good_until);
    vendor.csrf_issued.inc();
    let mut response = util::json(StatusCode::OK, json!({"csrfToken": token}));
    set_cookie(&mut response, CSRF_COOKIE, &token, false);
    response
}

async fn login(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let vendor = &s.csrf_login;
    vendor.login_received().await;
    let header_token = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    let cookie_token = cookie(&headers, CSRF_COOKIE);
    let csrf_good = match (header_token, cookie_token.as_deref()) {
        (Some(sent), Some(set)) if sent == set => vendor.spend_csrf(sent),
        _ => false,
    };
    if !csrf_good && !vendor.csrf_off.get() {
        vendor.csrf_refusals.inc();
        return detail(StatusCode::FORBIDDEN, CSRF_FAILED);
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    if field("username") != Some(USER) || field("password") != Some(PASSWORD) {
        return detail(StatusCode::UNAUTHORIZED, BAD_CREDENTIALS);
    }
    let session = util::random_hex(20, false);
    let end = util::later(vendor.clock.instant(), vendor.lifetime.get());
    lock(&vendor.sessions).insert(session.clone(), end);
    vendor.logins.inc();
    let mut response = util::json(StatusCode::OK, json!({"user": {"username": USER}}));
    set_cookie(&mut response, SESSION_COOKIE, &session, true);
    response
}

async fn accounts(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let vendor = &s.csrf_login;
    vendor.api_calls.inc();
    if vendor.session(&headers).is_none() {
        vendor.rejected_api_calls.inc();
        return detail(StatusCode::FORBIDDEN, NOT_AUTHENTICATED);
    }
    util::json(
        StatusCode::OK,
        json!({"results": [{"number": "ACC-1", "balance": "120.00"}]}),
    )
}

async fn logout(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let vendor = &s.csrf_login;
    let Some(session) = vendor.session(&headers) else {
        return detail(StatusCode::FORBIDDEN, NOT_AUTHENTICATED);
    };
    lock(&vendor.sessions).remove(&session);
    vendor.logouts.inc();
    StatusCode::NO_CONTENT.into_response()
}
