//! A header-token vendor of our own design: the token comes back in a response header
//! while the body carries its expiry; the login body is nested several levels deep and
//! mixes constants (a list, a number, a boolean) with the credentials; the logout is a
//! `DELETE` naming the token in a header of its own.
//!
//! # Endpoints (relative to [`PREFIX`])
//!
//! | method | path | request | answer |
//! |---|---|---|---|
//! | `POST` | [`TOKENS_PATH`]`?nocatalog=true` | JSON, below | 201 + `X-Subject-Token`, or 400/401 |
//! | `GET` | [`PROJECTS_PATH`] | `X-Auth-Token: <token>` (protected) | 200, or 401 |
//! | `DELETE` | [`TOKENS_PATH`] | `X-Auth-Token` and `X-Subject-Token`, each the token | 204, 401 or 404 |
//!
//! The login body must be exactly this shape (any other: 400 with
//! `{"error": {"code": 400, "message": ...}}`), and the query must have
//! `nocatalog=true`:
//!
//! ```json
//! {"auth": {"methods": ["password"], "version": 3, "remember": false,
//!           "user": {"name": "...", "password": "...", "domain": {"name": "Default"}}}}
//! ```
//!
//! Wrong credentials: 401 `{"error": {"code": 401, "message": UNAUTHORIZED}}`.
//! Success: 201, header [`SUBJECT_TOKEN`], body
//! `{"token": {"expires_at": "<RFC 3339>", "user": {"name": ...}}}`. API calls with an
//! unknown, revoked or expired token: 401 with the same error shape.
//!
//! Tokens live [`DEFAULT_TOKEN_LIFETIME`] (one hour), as `expires_at` says.
//!
//! The logout is OpenStack Keystone's token revocation: the request authenticates with a
//! valid token in `X-Auth-Token` (401 without one) and names the token to revoke in
//! `X-Subject-Token` (404 when unknown); a client revoking its own token sends it in
//! both. Only a request revoking its own token is served here.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::util::{self, Counter, lock};
use crate::{Shared, SimClock, VendorCommon};

/// Stands in for the vendor's host.
pub const PREFIX: &str = "/header-token";
/// `POST` to log in, `DELETE` to log out.
pub const TOKENS_PATH: &str = "/v3/auth/tokens";
/// `GET`, protected by [`AUTH_TOKEN`].
pub const PROJECTS_PATH: &str = "/v3/projects";
/// The header the token comes back in, and names the token to revoke.
pub const SUBJECT_TOKEN: &str = "x-subject-token";
/// The header API calls carry the token in.
pub const AUTH_TOKEN: &str = "x-auth-token";

/// The demo user.
pub const USER: &str = "operator";
/// The demo user's password.
pub const PASSWORD: &str = "h3ader-s3cret";
/// The domain every login names.
pub const DOMAIN: &str = "Default";
/// The message of a 401.
pub const UNAUTHORIZED: &str = "The request you have made requires authentication.";

/// Tokens live this long after the login.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

#[derive(Debug)]
struct Token {
    expires_at: Instant,
}

/// The header-token vendor's handle. Obtained from [`crate::Sim::header_token`];
/// dereferences to [`VendorCommon`].
#[derive(Debug)]
pub struct HeaderToken {
    common: VendorCommon,
    clock: Arc<SimClock>,
    tokens: Mutex<HashMap<String, Token>>,
    logouts: Counter,
    /// The last login body received, for tests to look at.
    last_login: Mutex<Option<Value>>,
}

impl Deref for HeaderToken {
    type Target = VendorCommon;

    fn deref(&self) -> &VendorCommon {
        &self.common
    }
}

impl HeaderToken {
    pub(crate) fn new(clock: Arc<SimClock>) -> HeaderToken {
        HeaderToken {
            common: VendorCommon::new(DEFAULT_TOKEN_LIFETIME),
            clock,
            tokens: Mutex::new(HashMap::new()),
            logouts: Counter::default(),
            last_login: Mutex::new(None),
        }
    }

    /// Tokens revoked by the logout endpoint.
    pub fn logouts(&self) -> u64 {
        self.logouts.get()
    }

    /// Tokens valid at the server's time.
    pub fn active_tokens(&self) -> usize {
        let now = self.clock.instant();
        lock(&self.tokens)
            .values()
            .filter(|t| now < t.expires_at)
            .count()
    }

    /// Revokes every token.
    pub fn revoke_all(&self) {
        lock(&self.tokens).clear();
    }

    /// The body of the last login request, as received.
    pub fn last_login(&self) -> Option<Value> {
        lock(&self.last_login).clone()
    }

    fn valid(&self, token: Option<&str>) -> bool {
        let Some(token) = token else { return false };
        let now = self.clock.instant();
        lock(&self.tokens)
            .get(token)
            .is_some_and(|t| now < t.expires_at)
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            &format!("{PREFIX}{TOKENS_PATH}"),
            post(login).delete(logout),
        )
        .route(&format!("{PREFIX}{PROJECTS_PATH}"), get(projects))
}

fn error(status: StatusCode, message: &str) -> Response {
    util::json(
        status,
        json!({"error": {"code": status.as_u16(), "message": message}}),
    )
}

/// The credentials of a login body of exactly the documented shape.
fn credentials(body: &Value) -> Option<(&str, &str)> {
    let auth = body.get("auth")?;
    let exact = auth.get("methods")? == &json!(["password"])
        && auth.get("version")? == &json!(3)
        && auth.get("remember")? == &json!(false);
    let user = auth.get("user")?;
    if !exact || user.get("domain")? != &json!({"name": DOMAIN}) {
        return None;
    }
    let name = user.get("name")?.as_str()?;
    let password = user.get("password")?.as_str()?;
    Some((name, password))
}

async fn login(State(s): State<Arc<Shared>>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let vendor = &s.header_token;
    vendor.login_received().await;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    *lock(&vendor.last_login) = Some(body.clone());
    if query.as_deref() != Some("nocatalog=true") {
        return error(StatusCode::BAD_REQUEST, "nocatalog=true is required");
    }
    let Some((user, password)) = credentials(&body) else {
        return error(StatusCode::BAD_REQUEST, "malformed auth request");
    };
    if user != USER || password != PASSWORD {
        return error(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    }
    let token = util::random_hex(24, false);
    let lifetime = vendor.lifetime.get();
    lock(&vendor.tokens).insert(
        token.clone(),
        Token {
            expires_at: util::later(vendor.clock.instant(), lifetime),
        },
    );
    vendor.logins.inc();
    let expires_at = util::rfc3339(vendor.clock.unix_now().saturating_add(lifetime.as_secs()));
    let mut response = util::json(
        StatusCode::CREATED,
        json!({"token": {"expires_at": expires_at, "user": {"name": user}}}),
    );
    if let Ok(value) = HeaderValue::from_str(&token) {
        response.headers_mut().insert(SUBJECT_TOKEN, value);
    }
    response
}

async fn projects(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let vendor = &s.header_token;
    vendor.api_calls.inc();
    let token = headers.get(AUTH_TOKEN).and_then(|v| v.to_str().ok());
    if !vendor.valid(token) {
        vendor.rejected_api_calls.inc();
        return error(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    }
    util::json(StatusCode::OK, json!({"projects": [{"name": "ledger"}]}))
}

async fn logout(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let vendor = &s.header_token;
    let authenticating = headers.get(AUTH_TOKEN).and_then(|v| v.to_str().ok());
    let token = headers.get(SUBJECT_TOKEN).and_then(|v| v.to_str().ok());
    if !vendor.valid(authenticating) || authenticating != token {
        return error(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    }
    let removed = token.is_some_and(|t| lock(&vendor.tokens).remove(t).is_some());
    if !removed {
        return error(StatusCode::NOT_FOUND, "Could not find token.");
    }
    vendor.logouts.inc();
    StatusCode::NO_CONTENT.into_response()
}
