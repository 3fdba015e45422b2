//! CRM.COM (vendor document 001, `POST authentication/token`).
//!
//! `{server}` = `sim.base_url() + PREFIX`.
//!
//! # Endpoints
//!
//! | method | path under `{server}` | token |
//! |---|---|---|
//! | `POST` | [`LOGIN_PATH`] `/crmapi/rest/v2/authentication/token` | — (JSON body with credentials) |
//! | `POST` | [`RELEASE_PATH`] `/crmapi/rest/v2/authentication/token/release` | JSON body `{"token": T}` |
//! | `GET` | [`CONTACTS_LIST_PATH`] `/crmapi/rest/v2/contacts/list?token=T` | query parameter `token` |
//! | `POST` | [`CONTACTS_CREATE_PATH`] `/crmapi/rest/v2/contacts/create` | JSON body field `"token"` |
//!
//! # Login request
//!
//! A JSON object (the `Content-Type` is not checked). `organisation` is mandatory.
//! The credentials are exactly one of:
//!
//! * `username` + `password`;
//! * `access_token_identifier: {"authentication_code": ..}`;
//! * `access_token_identifier: {"identifier": .., "pass_code": ..}` (`pass_code`
//!   is mandatory when `identifier` is given).
//!
//! `unit` is optional: absent, or the known [`UNIT`]. An empty string counts as
//! absent for every field; `null` too. Unknown fields are ignored.
//!
//! # Responses
//!
//! Every answer of every endpoint is the vendor's envelope with **HTTP 200**:
//!
//! ```json
//! {"status": {"code": "OK", "message": null, "description": null},
//!  "data": {"token": "4AD9C84FA60F9FE407140E20F707726A"}}
//! ```
//!
//! Success iff `status.code == "OK"` ([`OK`]). On failure `status.code` is one of
//! the constants below, `status.message` a human sentence, `status.description`
//! a detail or `null`, and `data` is `null`. The vendor signals errors inside the
//! envelope, so the simulator does too (HTTP 200); only a route or method that
//! does not exist gets axum's plain 404/405, and an oversized body a plain 413.
//!
//! | code | when |
//! |---|---|
//! | [`INVALID_REQUEST`] | body is not JSON |
//! | [`INVALID_PARAMETER`] | body is not a JSON object, or a field has the wrong JSON type |
//! | [`MISSING_PARAMETER`] | a mandatory field is absent (`organisation`; `password` with `username`; `pass_code` with `identifier`; no credentials at all) |
//! | [`CONFLICTING_PARAMETERS`] | more than one credential form (`username`/`password` together with `access_token_identifier`; `authentication_code` together with `identifier`/`pass_code`) |
//! | [`INVALID_LOGIN`] | well-formed but wrong credentials or organisation |
//! | [`INVALID_UNIT`] | correct credentials but an unknown `unit` |
//! | [`INVALID_TOKEN`] | protected endpoint or release: token missing, unknown, released, revoked or expired |
//!
//! # Tokens
//!
//! 32 uppercase hex characters, fresh per login. By default a token expires
//! [`DEFAULT_TOKEN_LIFETIME`] (1 h) after issue (absolute). With
//! [`CrmCom::set_idle_expiry`]`(true)` each accepted use on a protected endpoint
//! renews it for another lifetime (idle expiry, as in older releases).
//! [`set_token_lifetime`](VendorCommon::set_token_lifetime) applies to tokens
//! issued (or renewed) afterwards.
//!
//! # Handle
//!
//! [`CrmCom`] ([`crate::Sim::crmcom`]) has the counters and switches every vendor
//! has, through `Deref` to [`VendorCommon`]: `rejected_api_calls` counts the
//! protected endpoints' [`INVALID_TOKEN`] refusals. Its own methods are
//! [`CrmCom::logouts`] (successful releases), [`CrmCom::active_tokens`],
//! [`CrmCom::set_idle_expiry`] and [`CrmCom::revoke_all`].

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use crate::util::{self, Counter, Flag, lock};
use crate::{Shared, SimClock, VendorCommon};

/// Path prefix standing in for the vendor's `{server}`.
pub const PREFIX: &str = "/crmcom";
/// Login endpoint (`POST`, JSON body), relative to `{server}`.
pub const LOGIN_PATH: &str = "/crmapi/rest/v2/authentication/token";
/// Token release (logout) endpoint (`POST`, JSON `{"token": T}`), relative to `{server}`.
pub const RELEASE_PATH: &str = "/crmapi/rest/v2/authentication/token/release";
/// Protected endpoint taking the token as query parameter `token` (`GET`).
pub const CONTACTS_LIST_PATH: &str = "/crmapi/rest/v2/contacts/list";
/// Protected endpoint taking the token as JSON body field `token` (`POST`).
pub const CONTACTS_CREATE_PATH: &str = "/crmapi/rest/v2/contacts/create";

/// The demo organisation (from the vendor's example).
pub const ORGANISATION: &str = "CRMDEMO";
/// The demo user's username (from the vendor's example).
pub const USERNAME: &str = "mpadministrator";
/// The demo user's password (from the vendor's example).
pub const PASSWORD: &str = "1234";
/// The demo access token's authentication code (simulator's choice; the document gives none).
pub const AUTHENTICATION_CODE: &str = "AUTHCODE-CRMDEMO-0001";
/// The demo access token's identifier (simulator's choice; the document gives none).
pub const IDENTIFIER: &str = "ACCESS-TOKEN-CRMDEMO-0001";
/// The pass code belonging to [`IDENTIFIER`] (simulator's choice; the document gives none).
pub const PASS_CODE: &str = "908172";
/// The one known unit id (from the vendor's example).
pub const UNIT: &str = "EE63A82C4FEBE02FF34E90DD1EBA5ABE";

/// Default token lifetime: "Token expires every one (1) hour".
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// `status.code` of every successful answer.
pub const OK: &str = "OK";
/// `status.code`: the body is not JSON.
pub const INVALID_REQUEST: &str = "INVALID_REQUEST";
/// `status.code`: the body is not a JSON object, or a field has the wrong JSON type.
pub const INVALID_PARAMETER: &str = "INVALID_PARAMETER";
/// `status.code`: a mandatory field is absent.
pub const MISSING_PARAMETER: &str = "MISSING_PARAMETER";
/// `status.code`: more than one credential form was given.
pub const CONFLICTING_PARAMETERS: &str = "CONFLICTING_PARAMETERS";
/// `status.code`: wrong credentials or organisation.
pub const INVALID_LOGIN: &str = "INVALID_LOGIN";
/// `status.code`: `unit` is not a known unit id.
pub const INVALID_UNIT: &str = "INVALID_UNIT";
/// `status.code`: the token is missing, unknown, released, revoked or expired.
pub const INVALID_TOKEN: &str = "INVALID_TOKEN";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenState {
    Active,
    Released,
    Revoked,
}

#[derive(Debug)]
struct TokenEntry {
    expires_at: Instant,
    state: TokenState,
}

/// CRM.COM's handle: counters and switches. Obtained from [`crate::Sim::crmcom`].
///
/// Dereferences to [`VendorCommon`] for the counters and switches every vendor has
/// (see [the module](self#handle)).
#[derive(Debug)]
pub struct CrmCom {
    common: VendorCommon,
    clock: Arc<SimClock>,
    tokens: Mutex<HashMap<String, TokenEntry>>,
    logouts: Counter,
    idle_expiry: Flag,
}

impl Deref for CrmCom {
    type Target = VendorCommon;

    fn deref(&self) -> &VendorCommon {
        &self.common
    }
}

impl CrmCom {
    pub(crate) fn new(clock: Arc<SimClock>) -> CrmCom {
        CrmCom {
            common: VendorCommon::new(DEFAULT_TOKEN_LIFETIME),
            clock,
            tokens: Mutex::new(HashMap::new()),
            logouts: Counter::default(),
            idle_expiry: Flag::default(),
        }
    }

    /// Successful token releases.
    pub fn logouts(&self) -> u64 {
        self.logouts.get()
    }

    /// Tokens currently valid at the server's time.
    pub fn active_tokens(&self) -> usize {
        let now = self.clock.instant();
        lock(&self.tokens)
            .values()
            .filter(|e| e.state == TokenState::Active && now < e.expires_at)
            .count()
    }

    /// Switches between absolute expiry (`false`, the default: lifetime counted
    /// from issue) and idle expiry (`true`: each accepted use renews the lifetime).
    pub fn set_idle_expiry(&self, idle: bool) {
        self.idle_expiry.set(idle);
    }

    /// Invalidates every token issued so far.
    pub fn revoke_all(&self) {
        for entry in lock(&self.tokens).values_mut() {
            if entry.state == TokenState::Active {
                entry.state = TokenState::Revoked;
            }
        }
    }

    fn issue(&self, now: Instant) -> String {
        let token = util::random_hex(16, true);
        let entry = TokenEntry {
            expires_at: util::later(now, self.lifetime.get()),
            state: TokenState::Active,
        };
        lock(&self.tokens).insert(token.clone(), entry);
        token
    }

    /// Runs `then` on the entry of an active, unexpired `token`, or answers why not;
    /// `released` is what a released token gets.
    fn with_live_token(
        &self,
        token: Option<&str>,
        now: Instant,
        released: &'static str,
        then: impl FnOnce(&mut TokenEntry),
    ) -> Result<(), &'static str> {
        let token = token.ok_or("No token was supplied")?;
        let mut tokens = lock(&self.tokens);
        let entry = tokens
            .get_mut(token)
            .ok_or("The token is not a valid authentication token")?;
        match entry.state {
            TokenState::Released => return Err(released),
            TokenState::Revoked => return Err("The token has been revoked"),
            TokenState::Active => {}
        }
        if now >= entry.expires_at {
            return Err("The token has expired");
        }
        then(entry);
        Ok(())
    }

    /// Checks a token on a protected endpoint; renews it under idle expiry.
    fn accept(&self, token: Option<&str>, now: Instant) -> Result<(), &'static str> {
        self.with_live_token(token, now, "The token has been released", |entry| {
            if self.idle_expiry.get() {
                entry.expires_at = util::later(now, self.lifetime.get());
            }
        })
    }

    /// Releases a token; the same checks as [`accept`](Self::accept), no renewal.
    fn release(&self, token: Option<&str>, now: Instant) -> Result<(), &'static str> {
        self.with_live_token(token, now, "The token has already been released", |entry| {
            entry.state = TokenState::Released;
        })
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(&format!("{PREFIX}{LOGIN_PATH}"), post(login))
        .route(&format!("{PREFIX}{RELEASE_PATH}"), post(release))
        .route(&format!("{PREFIX}{CONTACTS_LIST_PATH}"), get(contacts_list))
        .route(
            &format!("{PREFIX}{CONTACTS_CREATE_PATH}"),
            post(contacts_create),
        )
}

fn ok(data: Value) -> Response {
    util::json(
        StatusCode::OK,
        json!({
            "status": {"code": OK, "message": null, "description": null},
            "data": data,
        }),
    )
}

/// A refusal: `status.code` non-OK, `data` null, HTTP 200 (the vendor's style).
#[derive(Debug)]
struct Failure {
    code: &'static str,
    message: String,
    description: Option<String>,
}

impl Failure {
    fn new(code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            description: None,
        }
    }

    fn with_description(mut self, d: impl Into<String>) -> Failure {
        self.description = Some(d.into());
        self
    }

    fn into_response(self) -> Response {
        util::json(
            StatusCode::OK,
            json!({
                "status": {
                    "code": self.code,
                    "message": self.message,
                    "description": self.description,
                },
                "data": null,
            }),
        )
    }
}

/// Parses the body as a JSON object.
fn object(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        Failure::new(INVALID_REQUEST, "The request body is not valid JSON")
            .with_description(e.to_string())
    })?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(Failure::new(
            INVALID_PARAMETER,
            "The request body must be a JSON object",
        )),
    }
}

/// A string field: `null`, absent and `""` are `None`; another JSON type is refused.
fn string<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Failure> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Failure::new(
            INVALID_PARAMETER,
            format!("The parameter {name} must be a string"),
        )),
    }
}

fn missing(what: &str) -> Failure {
    Failure::new(MISSING_PARAMETER, format!("{what} is mandatory"))
}

fn conflicting(what: &str) -> Failure {
    Failure::new(
        CONFLICTING_PARAMETERS,
        format!("Only one of {what} may be specified"),
    )
}

fn invalid_login() -> Failure {
    Failure::new(INVALID_LOGIN, "Invalid login credentials")
}

/// Validates a login body; `Ok` iff a token may be issued.
fn check_login(obj: &Map<String, Value>) -> Result<(), Failure> {
    let organisation = string(obj, "organisation")?;
    let username = string(obj, "username")?;
    let password = string(obj, "password")?;
    let unit = string(obj, "unit")?;
    let identifier_obj = match obj.get("access_token_identifier") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => {
            return Err(Failure::new(
                INVALID_PARAMETER,
                "The parameter access_token_identifier must be an object",
            ));
        }
    };

    let organisation = organisation.ok_or_else(|| missing("organisation"))?;

    let credentials_ok = if username.is_some() || password.is_some() {
        if identifier_obj.is_some() {
            return Err(conflicting("username/password and access_token_identifier"));
        }
        let username = username.ok_or_else(|| {
            missing("username").with_description(
                "username is mandatory unless an access token identifier is specified",
            )
        })?;
        let password = password.ok_or_else(|| {
            missing("password").with_description(
                "password is mandatory unless an access token identifier is specified",
            )
        })?;
        username == USERNAME && password == PASSWORD
    } else if let Some(ati) = identifier_obj {
        let code = string(ati, "authentication_code")?;
        let identifier = string(ati, "identifier")?;
        let pass_code = string(ati, "pass_code")?;
        match (code, identifier, pass_code) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(conflicting("authentication_code and identifier/pass_code"));
            }
            (Some(code), None, None) => code == AUTHENTICATION_CODE,
            (None, Some(identifier), Some(pass_code)) => {
                identifier == IDENTIFIER && pass_code == PASS_CODE
            }
            (None, Some(_), None) => {
                return Err(missing("pass_code")
                    .with_description("pass_code is mandatory if the identifier is specified"));
            }
            (None, None, Some(_)) => {
                return Err(missing("identifier")
                    .with_description("pass_code is applicable only with an identifier"));
            }
            (None, None, None) => {
                return Err(missing("authentication_code or identifier").with_description(
                    "the access token identifier needs an authentication_code, or an identifier and a pass_code",
                ));
            }
        }
    } else {
        return Err(missing("username and password").with_description(
            "username and password are mandatory unless an access token identifier is specified",
        ));
    };

    if !credentials_ok || organisation != ORGANISATION {
        return Err(invalid_login());
    }
    if let Some(unit) = unit
        && unit != UNIT
    {
        return Err(Failure::new(
            INVALID_UNIT,
            "The unit is not valid for this user",
        ));
    }
    Ok(())
}

async fn login(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let vendor = &s.crmcom;
    vendor.login_received().await;
    match object(&body).and_then(|obj| check_login(&obj)) {
        Ok(()) => {
            let token = vendor.issue(s.clock.instant());
            vendor.logins.inc();
            ok(json!({ "token": token }))
        }
        Err(f) => f.into_response(),
    }
}

async fn release(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let vendor = &s.crmcom;
    let obj = match object(&body) {
        Ok(o) => o,
        Err(f) => return f.into_response(),
    };
    let token = match string(&obj, "token") {
        Ok(t) => t,
        Err(f) => return f.into_response(),
    };
    match vendor.release(token, s.clock.instant()) {
        Ok(()) => {
            vendor.logouts.inc();
            ok(Value::Null)
        }
        Err(msg) => Failure::new(INVALID_TOKEN, msg).into_response(),
    }
}

fn rejected(vendor: &CrmCom, msg: &str) -> Response {
    vendor.rejected_api_calls.inc();
    Failure::new(INVALID_TOKEN, msg).into_response()
}

async fn contacts_list(State(s): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let vendor = &s.crmcom;
    vendor.api_calls.inc();
    let pairs = query
        .as_deref()
        .and_then(|q| util::form_pairs(q.as_bytes()))
        .unwrap_or_default();
    let token = util::form_value(&pairs, "token");
    if let Err(msg) = vendor.accept(token, s.clock.instant()) {
        return rejected(vendor, msg);
    }
    ok(json!({
        "contacts": [
            {"id": "C0000000000000000000000000000001", "first_name": "Demo", "last_name": "Contact"},
            {"id": "C0000000000000000000000000000002", "first_name": "Second", "last_name": "Contact"},
        ],
        "total": 2,
    }))
}

async fn contacts_create(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let vendor = &s.crmcom;
    vendor.api_calls.inc();
    let obj = match object(&body) {
        Ok(o) => o,
        Err(f) => return f.into_response(),
    };
    let token = match string(&obj, "token") {
        Ok(t) => t,
        Err(f) => return f.into_response(),
    };
    if let Err(msg) = vendor.accept(token, s.clock.instant()) {
        return rejected(vendor, msg);
    }
    let name = obj.get("name").cloned().unwrap_or(Value::Null);
    ok(json!({ "id": util::random_hex(16, true), "name": name }))
}
