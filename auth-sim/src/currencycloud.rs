//! Currencycloud (vendor document 002, "How to Authenticate").
//!
//! The vendor's host becomes `sim.base_url() + PREFIX`.
//!
//! # Endpoints (relative to [`PREFIX`])
//!
//! | method | path | body / token |
//! |---|---|---|
//! | `POST` | [`LOGIN_PATH`] `/v2/authenticate/api` | `login_id`, `api_key` as `multipart/form-data` **or** `application/x-www-form-urlencoded` |
//! | `POST` | [`CLOSE_SESSION_PATH`] `/v2/authenticate/close_session` | header `X-Auth-Token` (logout) |
//! | `GET` | [`BALANCES_PATH`] `/v2/balances/find` | header `X-Auth-Token` (protected) |
//!
//! # Responses
//!
//! Login success: `200 {"auth_token": "<32 lowercase hex>"}`. Close session
//! success: `200 {}`. Balances: `200 {"balances": [...], "pagination": {...}}`.
//!
//! Errors are `{"error_code": C, "error_messages": {FIELD: [{"code", "message", "params"}]}}`:
//!
//! | HTTP | `error_code` | field: `code` | when |
//! |---|---|---|---|
//! | 400 | [`AUTH_INVALID_USER_LOGIN_DETAILS`] | `login_id`: [`LOGIN_ID_IS_REQUIRED`] / [`LOGIN_ID_IS_TOO_LONG`] (`params: {"maxlength": 255}`); `api_key`: [`API_KEY_IS_REQUIRED`] / [`API_KEY_LENGTH_IS_INVALID`] (`params: {"length": 64}`) | login: field absent/empty, too long, wrong length (every problem listed, one entry per field) |
//! | 401 | [`AUTH_FAILED`] | `username`: [`INVALID_SUPPLIED_CREDENTIALS`] | login with an unknown `login_id` or a wrong `api_key`; API call or close session with a missing, unknown, closed, revoked or expired token (the document's body, verbatim) |
//! | 401 | [`AUTH_FAILED`] | `username`: [`ACCOUNT_LOCKED`] | login to an account locked after [`MAX_FAILED_LOGINS`] consecutive failed logins (even with the right key) |
//! | 429 | [`TOO_MANY_REQUESTS`] | `base`: [`TOO_MANY_REQUESTS`] | more logins in the last 60 s (server time) than [`Currencycloud::set_logins_per_minute`] allows; carries `Retry-After` (seconds) |
//! | 500 | [`INTERNAL_SERVER_ERROR`] | `base`: [`INTERNAL_SERVER_ERROR`] | [`Currencycloud::set_outage`]`(Some(Outage::InternalServerError))`, every endpoint |
//! | 503 | [`SERVICE_UNAVAILABLE`] | `base`: [`SERVICE_UNAVAILABLE`] | [`Currencycloud::set_outage`]`(Some(Outage::ServiceUnavailable))`, every endpoint; carries `Retry-After: 1` |
//!
//! Order of checks on login: outage, rate limit, field validation (400),
//! lock, credentials. A body that is neither form encoding, or a malformed
//! multipart body (an empty multipart form included), reads as having no fields,
//! so it gets the documented 400 (`login_id_is_required`, `api_key_is_required`).
//!
//! # Tokens
//!
//! "Authentication tokens expire after 30 minutes of inactivity": each accepted
//! API call renews the token for [`DEFAULT_TOKEN_LIFETIME`]
//! ([`set_token_lifetime`](VendorCommon::set_token_lifetime) changes it for later
//! renewals/logins). The account lock counts consecutive failures: a successful
//! login resets it, and [`Currencycloud::unlock`] clears it.
//!
//! # Handle
//!
//! [`Currencycloud`] ([`crate::Sim::currencycloud`]) has the counters and switches
//! every vendor has, through `Deref` to [`VendorCommon`]: `login_attempts` counts
//! every login request whatever the answer (429, 500 and 503 included),
//! `rejected_api_calls` the protected endpoint's 401 `auth_failed` (not the
//! outage answers). Its own methods are [`Currencycloud::logouts`] (successful
//! close-session calls), [`Currencycloud::active_tokens`],
//! [`Currencycloud::failed_logins`], [`Currencycloud::is_locked`],
//! [`Currencycloud::unlock`], [`Currencycloud::set_logins_per_minute`],
//! [`Currencycloud::set_outage`] and [`Currencycloud::revoke_all`].

use std::collections::{HashMap, VecDeque};
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use crate::util::{self, Counter, lock};
use crate::{Shared, SimClock, VendorCommon};

/// Path prefix standing in for the vendor's host.
pub const PREFIX: &str = "/currencycloud";
/// Login endpoint (`POST`, multipart or form-urlencoded).
pub const LOGIN_PATH: &str = "/v2/authenticate/api";
/// Logout endpoint (`POST`, `X-Auth-Token`).
pub const CLOSE_SESSION_PATH: &str = "/v2/authenticate/close_session";
/// Protected endpoint (`GET`, `X-Auth-Token`).
pub const BALANCES_PATH: &str = "/v2/balances/find";
/// The header carrying the token.
pub const TOKEN_HEADER: &str = "X-Auth-Token";

/// The demo login id (simulator's choice; the document's example is an e-mail address).
pub const LOGIN_ID: &str = "demo@currencycloud.example";
/// The demo API key (the document's example key: 64 lowercase hex).
pub const API_KEY: &str = "1f6a3e944f8c4ebdc6658d6fc1103f12ebbc33f5ed05ca3549fdbc3883556544";
/// Longest accepted `login_id`.
pub const LOGIN_ID_MAX_LEN: usize = 255;
/// Exact `api_key` length.
pub const API_KEY_LEN: usize = 64;
/// Consecutive failed logins after which the account is locked.
pub const MAX_FAILED_LOGINS: u32 = 4;
/// "Authentication tokens expire after 30 minutes of inactivity."
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// `error_code`: 400 on login, field problems.
pub const AUTH_INVALID_USER_LOGIN_DETAILS: &str = "auth_invalid_user_login_details";
/// `error_code`: 401, bad credentials, locked account, or a rejected token.
pub const AUTH_FAILED: &str = "auth_failed";
/// `error_code` and message code: 429.
pub const TOO_MANY_REQUESTS: &str = "too_many_requests";
/// `error_code` and message code: 500.
pub const INTERNAL_SERVER_ERROR: &str = "internal_server_error";
/// `error_code` and message code: 503.
pub const SERVICE_UNAVAILABLE: &str = "service_unavailable";
/// Message code (field `login_id`): absent or empty.
pub const LOGIN_ID_IS_REQUIRED: &str = "login_id_is_required";
/// Message code (field `login_id`): longer than 255 characters.
pub const LOGIN_ID_IS_TOO_LONG: &str = "login_id_is_too_long";
/// Message code (field `api_key`): absent or empty.
pub const API_KEY_IS_REQUIRED: &str = "api_key_is_required";
/// Message code (field `api_key`): not 64 characters.
pub const API_KEY_LENGTH_IS_INVALID: &str = "api_key_length_is_invalid";
/// Message code (field `username`) of a 401: wrong credentials or rejected token.
pub const INVALID_SUPPLIED_CREDENTIALS: &str = "invalid_supplied_credentials";
/// Message code (field `username`) of a 401: the account is locked.
pub const ACCOUNT_LOCKED: &str = "account_locked";

/// A simulated outage: every endpoint answers with this error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// `500 internal_server_error`.
    InternalServerError,
    /// `503 service_unavailable`, with `Retry-After: 1`.
    ServiceUnavailable,
}

#[derive(Debug)]
struct TokenEntry {
    expires_at: Instant,
    live: bool,
}

#[derive(Debug, Default)]
struct Limits {
    logins_per_minute: Option<u32>,
    recent_logins: VecDeque<Instant>,
    failed_logins: u32,
    outage: Option<Outage>,
}

/// Currencycloud's handle: counters and switches. Obtained from [`crate::Sim::currencycloud`].
///
/// Dereferences to [`VendorCommon`] for the counters and switches every vendor has
/// (see [the module](self#handle)).
#[derive(Debug)]
pub struct Currencycloud {
    common: VendorCommon,
    clock: Arc<SimClock>,
    tokens: Mutex<HashMap<String, TokenEntry>>,
    limits: Mutex<Limits>,
    logouts: Counter,
}

impl Deref for Currencycloud {
    type Target = VendorCommon;

    fn deref(&self) -> &VendorCommon {
        &self.common
    }
}

impl Currencycloud {
    pub(crate) fn new(clock: Arc<SimClock>) -> Currencycloud {
        Currencycloud {
            common: VendorCommon::new(DEFAULT_TOKEN_LIFETIME),
            clock,
            tokens: Mutex::new(HashMap::new()),
            limits: Mutex::new(Limits::default()),
            logouts: Counter::default(),
        }
    }

    /// Successful close-session calls.
    pub fn logouts(&self) -> u64 {
        self.logouts.get()
    }

    /// Tokens currently valid at the server's time.
    pub fn active_tokens(&self) -> usize {
        let now = self.clock.instant();
        lock(&self.tokens)
            .values()
            .filter(|e| e.live && now < e.expires_at)
            .count()
    }

    /// Consecutive failed logins of the demo account.
    pub fn failed_logins(&self) -> u32 {
        lock(&self.limits).failed_logins
    }

    /// Whether the demo account is locked.
    pub fn is_locked(&self) -> bool {
        self.failed_logins() >= MAX_FAILED_LOGINS
    }

    /// Unlocks the demo account (resets the failure count).
    pub fn unlock(&self) {
        lock(&self.limits).failed_logins = 0;
    }

    /// At most `limit` login requests per 60 s of server time, then 429;
    /// `None` (the default) means unlimited.
    pub fn set_logins_per_minute(&self, limit: Option<u32>) {
        let mut limits = lock(&self.limits);
        limits.logins_per_minute = limit;
        limits.recent_logins.clear();
    }

    /// Makes every endpoint fail with a 500 or 503 until set back to `None`.
    pub fn set_outage(&self, outage: Option<Outage>) {
        lock(&self.limits).outage = outage;
    }

    /// Invalidates every token issued so far.
    pub fn revoke_all(&self) {
        for entry in lock(&self.tokens).values_mut() {
            entry.live = false;
        }
    }

    fn outage(&self) -> Option<Response> {
        let outage = lock(&self.limits).outage?;
        Some(match outage {
            Outage::InternalServerError => error(
                StatusCode::INTERNAL_SERVER_ERROR,
                INTERNAL_SERVER_ERROR,
                "base",
                vec![entry(
                    INTERNAL_SERVER_ERROR,
                    "Internal server error",
                    json!({}),
                )],
            ),
            Outage::ServiceUnavailable => with_retry_after(
                error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    SERVICE_UNAVAILABLE,
                    "base",
                    vec![entry(
                        SERVICE_UNAVAILABLE,
                        "Service is temporarily unavailable",
                        json!({}),
                    )],
                ),
                1,
            ),
        })
    }

    /// Counts a login against the rate limit; `Some(retry_after_secs)` if over it.
    fn rate_limited(&self, now: Instant) -> Option<u64> {
        let window = Duration::from_secs(60);
        let mut limits = lock(&self.limits);
        let limit = limits.logins_per_minute?;
        limits
            .recent_logins
            .retain(|t| now.saturating_duration_since(*t) < window);
        if limits.recent_logins.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
            let oldest = limits.recent_logins.front().copied().unwrap_or(now);
            let wait = window.saturating_sub(now.saturating_duration_since(oldest));
            return Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        limits.recent_logins.push_back(now);
        None
    }

    /// Finds a live token; closes it when `close`, otherwise renews it (idle expiry).
    fn accept(&self, headers: &HeaderMap, close: bool) -> bool {
        let Some(token) = headers
            .get(TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return false;
        };
        let now = self.clock.instant();
        let mut tokens = lock(&self.tokens);
        let Some(entry) = tokens.get_mut(token) else {
            return false;
        };
        if !entry.live || now >= entry.expires_at {
            return false;
        }
        if close {
            entry.live = false;
        } else {
            entry.expires_at = util::later(now, self.lifetime.get());
        }
        true
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(&format!("{PREFIX}{LOGIN_PATH}"), post(login))
        .route(
            &format!("{PREFIX}{CLOSE_SESSION_PATH}"),
            post(close_session),
        )
        .route(&format!("{PREFIX}{BALANCES_PATH}"), get(balances))
}

fn entry(code: &str, message: &str, params: Value) -> Value {
    json!({"code": code, "message": message, "params": params})
}

fn error(status: StatusCode, error_code: &str, field: &str, entries: Vec<Value>) -> Response {
    let mut messages = Map::new();
    messages.insert(field.to_owned(), Value::Array(entries));
    error_fields(status, error_code, messages)
}

fn error_fields(status: StatusCode, error_code: &str, messages: Map<String, Value>) -> Response {
    util::json(
        status,
        json!({"error_code": error_code, "error_messages": messages}),
    )
}

fn with_retry_after(mut resp: Response, secs: u64) -> Response {
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

/// The documented 401: bad credentials or a rejected token.
fn auth_failed() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        AUTH_FAILED,
        "username",
        vec![entry(
            INVALID_SUPPLIED_CREDENTIALS,
            "Authentication failed with the supplied credentials",
            json!({}),
        )],
    )
}

fn account_locked() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        AUTH_FAILED,
        "username",
        vec![entry(
            ACCOUNT_LOCKED,
            "Your account has been locked after too many failed login attempts",
            json!({}),
        )],
    )
}

/// Reads the login fields from a multipart or form-urlencoded body. A body that
/// cannot be read as either yields no fields (so the documented 400 follows).
async fn read_fields(req: Request) -> Vec<(String, String)> {
    if util::media_type(req.headers()) == "multipart/form-data" {
        let Ok(mut multipart) = Multipart::from_request(req, &()).await else {
            return Vec::new();
        };
        let mut fields = Vec::new();
        loop {
            match multipart.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_owned();
                    let Ok(value) = field.text().await else {
                        return Vec::new();
                    };
                    fields.push((name, value));
                }
                Ok(None) => return fields,
                Err(_) => return Vec::new(),
            }
        }
    } else {
        match Bytes::from_request(req, &()).await {
            Ok(body) => util::form_pairs(&body).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }
}

/// Field validation: the two values, or the 400's `error_messages`.
fn validate(fields: &[(String, String)]) -> Result<(&str, &str), Map<String, Value>> {
    let login_id = util::form_value(fields, "login_id");
    let api_key = util::form_value(fields, "api_key");
    let mut messages = Map::new();
    match login_id {
        None => {
            messages.insert(
                "login_id".into(),
                json!([entry(
                    LOGIN_ID_IS_REQUIRED,
                    "login_id is required",
                    json!({})
                )]),
            );
        }
        Some(l) if l.chars().count() > LOGIN_ID_MAX_LEN => {
            messages.insert(
                "login_id".into(),
                json!([entry(
                    LOGIN_ID_IS_TOO_LONG,
                    "login_id can not be longer than 255 character(s)",
                    json!({"maxlength": LOGIN_ID_MAX_LEN}),
                )]),
            );
        }
        Some(_) => {}
    }
    match api_key {
        None => {
            messages.insert(
                "api_key".into(),
                json!([entry(API_KEY_IS_REQUIRED, "api_key is required", json!({}))]),
            );
        }
        Some(k) if k.chars().count() != API_KEY_LEN => {
            messages.insert(
                "api_key".into(),
                json!([entry(
                    API_KEY_LENGTH_IS_INVALID,
                    "api_key should be 64 character(s) long",
                    json!({"length": API_KEY_LEN}),
                )]),
            );
        }
        Some(_) => {}
    }
    match (login_id, api_key) {
        (Some(l), Some(k)) if messages.is_empty() => Ok((l, k)),
        _ => Err(messages),
    }
}

async fn login(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let vendor = &s.currencycloud;
    vendor.login_received().await;
    if let Some(resp) = vendor.outage() {
        return resp;
    }
    let now = vendor.clock.instant();
    if let Some(secs) = vendor.rate_limited(now) {
        return with_retry_after(
            error(
                StatusCode::TOO_MANY_REQUESTS,
                TOO_MANY_REQUESTS,
                "base",
                vec![entry(
                    TOO_MANY_REQUESTS,
                    "Too many requests have been made to the api. Please refer to the Developer Center for more information",
                    json!({}),
                )],
            ),
            secs,
        );
    }
    let fields = read_fields(req).await;
    let (login_id, api_key) = match validate(&fields) {
        Ok(v) => v,
        Err(messages) => {
            return error_fields(
                StatusCode::BAD_REQUEST,
                AUTH_INVALID_USER_LOGIN_DETAILS,
                messages,
            );
        }
    };
    if login_id != LOGIN_ID {
        return auth_failed();
    }
    {
        let mut limits = lock(&vendor.limits);
        if limits.failed_logins >= MAX_FAILED_LOGINS {
            return account_locked();
        }
        if api_key != API_KEY {
            limits.failed_logins += 1;
            return auth_failed();
        }
        limits.failed_logins = 0;
    }
    let token = util::random_hex(16, false);
    lock(&vendor.tokens).insert(
        token.clone(),
        TokenEntry {
            expires_at: util::later(now, vendor.lifetime.get()),
            live: true,
        },
    );
    vendor.logins.inc();
    util::json(StatusCode::OK, json!({ "auth_token": token }))
}

async fn close_session(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let vendor = &s.currencycloud;
    if let Some(resp) = vendor.outage() {
        return resp;
    }
    if !vendor.accept(&headers, true) {
        return auth_failed();
    }
    vendor.logouts.inc();
    util::json(StatusCode::OK, json!({}))
}

async fn balances(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let vendor = &s.currencycloud;
    vendor.api_calls.inc();
    if let Some(resp) = vendor.outage() {
        return resp;
    }
    if !vendor.accept(&headers, false) {
        vendor.rejected_api_calls.inc();
        return auth_failed();
    }
    util::json(
        StatusCode::OK,
        json!({
            "balances": [{
                "id": "5a998e06-3eb7-46d6-ba58-f749864159ce",
                "account_id": "e277c9f9-679f-454f-8367-274b3ff977ff",
                "currency": "GBP",
                "amount": "10000.00",
                "created_at": "2024-01-01T00:00:00+00:00",
                "updated_at": "2024-01-01T00:00:00+00:00"
            }],
            "pagination": {
                "total_entries": 1, "total_pages": 1, "current_page": 1, "per_page": 25,
                "previous_page": -1, "next_page": -1, "order": "created_at", "order_asc_desc": "asc"
            }
        }),
    )
}
