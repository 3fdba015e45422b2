//! A cookie-session vendor of our own design: the shape of many older web APIs, which
//! no shipped vendor has. It exercises a token that is a cookie, a login answered in
//! text at HTTP 200 whether it succeeded or not, and an expired session answered
//! with a status other than 401.
//!
//! # Endpoints (relative to [`PREFIX`])
//!
//! | method | path | request | answer |
//! |---|---|---|---|
//! | `POST` | [`LOGIN_PATH`] | form-urlencoded `user`, `password` | always 200, `text/plain` |
//! | `GET` | [`ITEMS_PATH`] | `Cookie: sid=<session>` (protected) | 200 JSON, or 440 |
//! | `POST` | [`LOGOUT_PATH`] | `Cookie: sid=<session>` | 200 `BYE`, or 440 |
//!
//! * Login: the right credentials → body [`OK`], with `Set-Cookie: lang=en` first and
//!   then `Set-Cookie: sid=<32 hex>; Max-Age=<lifetime>; Path=/; HttpOnly`. Wrong
//!   credentials → body [`DENIED`]; `user` or `password` missing → body
//!   [`MISSING`]. Both at HTTP 200, with no cookie.
//! * Items: a session that is known, not logged out and not expired → 200
//!   `{"items": [...], "cookies": [names of the cookies received, in order]}`;
//!   otherwise HTTP 440 with the text [`EXPIRED`].
//! * Logout: ends the session (counted by [`CookieSession::logouts`]); an unknown
//!   session → 440 [`EXPIRED`].
//!
//! Sessions live [`DEFAULT_TOKEN_LIFETIME`] (30 minutes) from the login, as their
//! `Max-Age` says.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::util::{self, Counter, lock};
use crate::{Shared, SimClock, VendorCommon};

/// Stands in for the vendor's host.
pub const PREFIX: &str = "/cookie-session";
/// `POST`, form-urlencoded `user` + `password`.
pub const LOGIN_PATH: &str = "/login";
/// `GET`, protected by the session cookie.
pub const ITEMS_PATH: &str = "/api/items";
/// `POST`, ends the session in the cookie.
pub const LOGOUT_PATH: &str = "/logout";

/// The session cookie's name.
pub const COOKIE: &str = "sid";
/// The demo user.
pub const USER: &str = "clerk";
/// The demo user's password.
pub const PASSWORD: &str = "c00kie-jar";

/// The login's answer when it succeeded.
pub const OK: &str = "OK";
/// The login's answer to wrong credentials.
pub const DENIED: &str = "DENIED: unknown user or wrong password";
/// The login's answer when a field is missing.
pub const MISSING: &str = "ERROR: user and password are required";
/// The answer (HTTP 440) to a request whose session is unknown or expired.
pub const EXPIRED: &str = "Session expired";
/// The status of [`EXPIRED`].
pub const EXPIRED_STATUS: u16 = 440;

/// Sessions live this long after the login.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

#[derive(Debug)]
struct Session {
    expires_at: Instant,
}

/// The cookie-session vendor's handle: counters and switches. Obtained from
/// [`crate::Sim::cookie_session`]; dereferences to [`VendorCommon`].
#[derive(Debug)]
pub struct CookieSession {
    common: VendorCommon,
    clock: Arc<SimClock>,
    sessions: Mutex<HashMap<String, Session>>,
    logouts: Counter,
}

impl Deref for CookieSession {
    type Target = VendorCommon;

    fn deref(&self) -> &VendorCommon {
        &self.common
    }
}

impl CookieSession {
    pub(crate) fn new(clock: Arc<SimClock>) -> CookieSession {
        CookieSession {
            common: VendorCommon::new(DEFAULT_TOKEN_LIFETIME),
            clock,
            sessions: Mutex::new(HashMap::new()),
            logouts: Counter::default(),
        }
    }

    /// Sessions ended by the logout endpoint.
    pub fn logouts(&self) -> u64 {
        self.logouts.get()
    }

    /// Sessions valid at the server's time.
    pub fn active_sessions(&self) -> usize {
        let now = self.clock.instant();
        lock(&self.sessions)
            .values()
            .filter(|s| now < s.expires_at)
            .count()
    }

    /// Ends every session (the next call with any of them gets 440).
    pub fn revoke_all(&self) {
        lock(&self.sessions).clear();
    }

    fn valid(&self, sid: Option<&str>) -> bool {
        let Some(sid) = sid else { return false };
        let now = self.clock.instant();
        lock(&self.sessions)
            .get(sid)
            .is_some_and(|s| now < s.expires_at)
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(&format!("{PREFIX}{LOGIN_PATH}"), post(login))
        .route(&format!("{PREFIX}{ITEMS_PATH}"), get(items))
        .route(&format!("{PREFIX}{LOGOUT_PATH}"), post(logout))
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

fn expired() -> Response {
    let status = StatusCode::from_u16(EXPIRED_STATUS).unwrap_or(StatusCode::UNAUTHORIZED);
    text(status, EXPIRED)
}

/// The cookies of a request, in order, from every `Cookie` header.
fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            Some((name.to_owned(), value.to_owned()))
        })
        .collect()
}

fn session_of(headers: &HeaderMap) -> Option<String> {
    cookies(headers)
        .into_iter()
        .find(|(name, _)| name == COOKIE)
        .map(|(_, value)| value)
}

async fn login(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let vendor = &s.cookie_session;
    vendor.login_received().await;
    let pairs = util::form_pairs(&body).unwrap_or_default();
    let (Some(user), Some(password)) = (
        util::form_value(&pairs, "user"),
        util::form_value(&pairs, "password"),
    ) else {
        return text(StatusCode::OK, MISSING);
    };
    if user != USER || password != PASSWORD {
        return text(StatusCode::OK, DENIED);
    }
    let sid = util::random_hex(16, false);
    let lifetime = vendor.lifetime.get();
    lock(&vendor.sessions).insert(
        sid.clone(),
        Session {
            expires_at: util::later(vendor.clock.instant(), lifetime),
        },
    );
    vendor.logins.inc();
    let mut response = text(StatusCode::OK, OK);
    let cookie = format!(
        "{COOKIE}={sid}; Max-Age={}; Path=/; HttpOnly",
        lifetime.as_secs()
    );
    for value in ["lang=en; Path=/".to_owned(), cookie] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

async fn items(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let vendor = &s.cookie_session;
    vendor.api_calls.inc();
    if !vendor.valid(session_of(&headers).as_deref()) {
        vendor.rejected_api_calls.inc();
        return expired();
    }
    let names: Vec<String> = cookies(&headers)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    util::json(
        StatusCode::OK,
        json!({"items": ["ledger", "invoice"], "cookies": names}),
    )
}

async fn logout(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let vendor = &s.cookie_session;
    let Some(sid) = session_of(&headers) else {
        return expired();
    };
    if lock(&vendor.sessions).remove(&sid).is_none() {
        return expired();
    }
    vendor.logouts.inc();
    text(StatusCode::OK, "BYE")
}
