//! Modulus (vendor document 000, "Authentication Token"), and its JWT flow
//! `AuthenticateToken`.
//!
//! The vendor's host `https://{account}.modulus.biz` becomes
//! `sim.base_url() + "/modulus/{account}"`: [`PREFIX`] is that template, and
//! [`prefix`]`(ACCOUNT)` the demo account's prefix. The account is part of the
//! path, so tokens are per account: a token issued under one account is refused
//! under another.
//!
//! # Endpoints (relative to the prefix)
//!
//! | method | path | body / token |
//! |---|---|---|
//! | `POST` | [`AUTHENTICATE_PATH`] `/api/cmn/Authenticate` | form-urlencoded `app`, `secret` |
//! | `POST` | [`AUTHENTICATE_TOKEN_PATH`] `/api/cmn/AuthenticateToken` | JSON `{"username", "password"}` |
//! | `GET` | [`BALANCE_PATH`] `/api/GetBalance` | `Authorization: Bearer <token>` (protected) |
//!
//! # Responses
//!
//! Always the envelope `{result, title, message, object}` with
//! `Content-Type: application/json`, exactly as documented:
//!
//! | HTTP | result | title | message | object |
//! |---|---|---|---|---|
//! | 200 | `true` | `Success` | `Authentication succeeded.` | `Authenticate`: `{"token", "app_id", "ip"}`; `AuthenticateToken`: the token string itself |
//! | 400 | `false` | `Bad Request` | [`MISSING_PARAMETERS_MESSAGE`] (`Authenticate`) or [`MISSING_TOKEN_PARAMETERS_MESSAGE`] (`AuthenticateToken`) | `null` |
//! | 401 | `false` | `Unauthorized` | `Authentication failed.` | `null` |
//!
//! * `Authenticate`: `app` or `secret` absent or empty, or a body that is not
//!   form-urlencoded → 400; an unknown account, app or wrong secret → 401.
//!   `object.token` is 32 lowercase hex characters, `object.app_id` is [`APP_ID`],
//!   `object.ip` the client's address as the server saw it (`127.0.0.1`).
//! * `AuthenticateToken` (the document only names it; shape per our design):
//!   a body that is not a JSON object, or `username`/`password` absent, empty or
//!   not strings → 400; wrong credentials or account → 401. `object` is a JWT
//!   (HS256, claims `iss` = [`JWT_ISSUER`], `sub` = username, `aud` = account,
//!   `iat`, `nbf`, `exp`, `jti`), signed with a per-simulator random key.
//! * The protected endpoint answers 200 with `object` = some balances when the
//!   bearer token is known, issued for this account, not revoked and not expired,
//!   otherwise 401 with the documented 401 envelope (`Authentication failed.`).
//!
//! # Tokens
//!
//! Both flows' tokens expire [`DEFAULT_TOKEN_LIFETIME`] (15 minutes) after
//! creation, absolute ("authentication token expires 15 minutes after
//! creation"); [`set_token_lifetime`](VendorCommon::set_token_lifetime) applies to
//! tokens issued afterwards. There is no logout endpoint.
//!
//! # Handle
//!
//! [`Modulus`] ([`crate::Sim::modulus`]) has the counters and switches every vendor
//! has, through `Deref` to [`VendorCommon`]: `login_attempts` and `logins` count
//! both flows, `rejected_api_calls` counts the protected endpoint's 401s. Its own
//! methods are [`Modulus::active_tokens`] and [`Modulus::revoke_all`]. Having no
//! logout endpoint, it has no logout counter.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::util::{self, lock};
use crate::{Shared, SimClock, VendorCommon};

/// Prefix template standing in for `https://{account}.modulus.biz`; replace
/// `{account}` (or use [`prefix`]).
pub const PREFIX: &str = "/modulus/{account}";
/// `POST`, form-urlencoded `app` + `secret`, relative to the prefix.
pub const AUTHENTICATE_PATH: &str = "/api/cmn/Authenticate";
/// `POST`, JSON `username` + `password` (JWT flow), relative to the prefix.
pub const AUTHENTICATE_TOKEN_PATH: &str = "/api/cmn/AuthenticateToken";
/// `GET`, protected by `Authorization: Bearer`, relative to the prefix.
pub const BALANCE_PATH: &str = "/api/GetBalance";

/// The demo account (the `your_account` of `your_account.modulus.biz`; simulator's choice).
pub const ACCOUNT: &str = "demo";
/// The demo application name (`app`; simulator's choice).
pub const APP: &str = "authgen-demo";
/// The demo application's secret (`secret`; simulator's choice).
pub const SECRET: &str = "d3m0-s3cr3t-k3y";
/// The `app_id` returned for [`APP`] (simulator's choice).
pub const APP_ID: &str = "1001";
/// The demo user of the JWT flow (simulator's choice).
pub const USERNAME: &str = "trader@demo.example";
/// The demo user's password (simulator's choice).
pub const PASSWORD: &str = "Tr4der-Passw0rd";
/// The `iss` claim of JWT-flow tokens.
pub const JWT_ISSUER: &str = "modulus-sim";

/// "authentication token expires 15 minutes after creation".
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The 400 message of `Authenticate`, verbatim from the document.
pub const MISSING_PARAMETERS_MESSAGE: &str =
    "Missing one or more of parameters account, app, secret.";
/// The 400 message of `AuthenticateToken` (modelled on the documented one).
pub const MISSING_TOKEN_PARAMETERS_MESSAGE: &str =
    "Missing one or more of parameters account, username, password.";
/// The 401 message, verbatim from the document.
pub const AUTHENTICATION_FAILED_MESSAGE: &str = "Authentication failed.";
/// The success message, verbatim from the document.
pub const SUCCESS_MESSAGE: &str = "Authentication succeeded.";

/// The prefix of `account`: `/modulus/{account}`.
pub fn prefix(account: &str) -> String {
    PREFIX.replace("{account}", account)
}

#[derive(Debug)]
struct TokenEntry {
    account: String,
    expires_at: Instant,
    revoked: bool,
}

/// Modulus' handle: counters and switches. Obtained from [`crate::Sim::modulus`].
///
/// Dereferences to [`VendorCommon`] for the counters and switches every vendor has
/// (see [the module](self#handle)).
#[derive(Debug)]
pub struct Modulus {
    common: VendorCommon,
    clock: Arc<SimClock>,
    jwt_key: Vec<u8>,
    tokens: Mutex<HashMap<String, TokenEntry>>,
}

impl Deref for Modulus {
    type Target = VendorCommon;

    fn deref(&self) -> &VendorCommon {
        &self.common
    }
}

impl Modulus {
    pub(crate) fn new(clock: Arc<SimClock>) -> Modulus {
        Modulus {
            common: VendorCommon::new(DEFAULT_TOKEN_LIFETIME),
            clock,
            jwt_key: util::random_hex(32, false).into_bytes(),
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Tokens currently valid at the server's time.
    pub fn active_tokens(&self) -> usize {
        let now = self.clock.instant();
        lock(&self.tokens)
            .values()
            .filter(|e| !e.revoked && now < e.expires_at)
            .count()
    }

    /// Invalidates every token issued so far.
    pub fn revoke_all(&self) {
        for entry in lock(&self.tokens).values_mut() {
            entry.revoked = true;
        }
    }

    fn store(&self, token: &str, account: &str) {
        let entry = TokenEntry {
            account: account.to_owned(),
            expires_at: util::later(self.clock.instant(), self.lifetime.get()),
            revoked: false,
        };
        lock(&self.tokens).insert(token.to_owned(), entry);
        self.logins.inc();
    }

    fn accept(&self, token: Option<&str>, account: &str) -> bool {
        let Some(token) = token else { return false };
        let now = self.clock.instant();
        lock(&self.tokens)
            .get(token)
            .is_some_and(|e| !e.revoked && e.account == account && now < e.expires_at)
    }

    fn jwt(&self, username: &str, account: &str) -> Option<String> {
        let now = self.clock.unix_now();
        let claims = json!({
            "iss": JWT_ISSUER,
            "sub": username,
            "aud": account,
            "iat": now,
            "nbf": now,
            "exp": now.saturating_add(self.lifetime.get().as_secs()),
            "jti": util::random_hex(16, false),
        });
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(&self.jwt_key),
        )
        .ok()
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(&format!("{PREFIX}{AUTHENTICATE_PATH}"), post(authenticate))
        .route(
            &format!("{PREFIX}{AUTHENTICATE_TOKEN_PATH}"),
            post(authenticate_token),
        )
        .route(&format!("{PREFIX}{BALANCE_PATH}"), get(balance))
}

fn envelope(
    status: StatusCode,
    result: bool,
    title: &str,
    message: &str,
    object: Value,
) -> Response {
    util::json(
        status,
        json!({"result": result, "title": title, "message": message, "object": object}),
    )
}

fn success(object: Value) -> Response {
    envelope(StatusCode::OK, true, "Success", SUCCESS_MESSAGE, object)
}

fn bad_request(message: &str) -> Response {
    envelope(
        StatusCode::BAD_REQUEST,
        false,
        "Bad Request",
        message,
        Value::Null,
    )
}

fn unauthorized() -> Response {
    envelope(
        StatusCode::UNAUTHORIZED,
        false,
        "Unauthorized",
        AUTHENTICATION_FAILED_MESSAGE,
        Value::Null,
    )
}

async fn authenticate(
    State(s): State<Arc<Shared>>,
    Path(account): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    let vendor = &s.modulus;
    vendor.login_received().await;
    let pairs = util::form_pairs(&body).unwrap_or_default();
    let (Some(app), Some(secret)) = (
        util::form_value(&pairs, "app"),
        util::form_value(&pairs, "secret"),
    ) else {
        return bad_request(MISSING_PARAMETERS_MESSAGE);
    };
    if account != ACCOUNT || app != APP || secret != SECRET {
        return unauthorized();
    }
    let token = util::random_hex(16, false);
    vendor.store(&token, &account);
    success(json!({"token": token, "app_id": APP_ID, "ip": peer.ip().to_string()}))
}

async fn authenticate_token(
    State(s): State<Arc<Shared>>,
    Path(account): Path<String>,
    body: Bytes,
) -> Response {
    let vendor = &s.modulus;
    vendor.login_received().await;
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let field = |name: &str| {
        value
            .get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let (Some(username), Some(password)) = (field("username"), field("password")) else {
        return bad_request(MISSING_TOKEN_PARAMETERS_MESSAGE);
    };
    if account != ACCOUNT || username != USERNAME || password != PASSWORD {
        return unauthorized();
    }
    let Some(token) = vendor.jwt(username, &account) else {
        return util::json(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"result": false, "title": "Internal Server Error", "message": "token signing failed", "object": null}),
        );
    };
    vendor.store(&token, &account);
    success(Value::String(token))
}

async fn balance(
    State(s): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
) -> Response {
    let vendor = &s.modulus;
    vendor.api_calls.inc();
    if !vendor.accept(util::bearer(&headers), &account) {
        vendor.rejected_api_calls.inc();
        return unauthorized();
    }
    envelope(
        StatusCode::OK,
        true,
        "Success",
        "",
        json!([
            {"currency": "BTC", "balance": "1.25000000", "balanceInTrade": "0.00000000"},
            {"currency": "USD", "balance": "1000.00", "balanceInTrade": "0.00"},
        ]),
    )
}
