//! OneBox (vendor document 003, "Authentication - Token").
//!
//! `{host}` = `sim.base_url() + PREFIX`.
//!
//! # Endpoints (relative to [`PREFIX`])
//!
//! | method | path | body / token |
//! |---|---|---|
//! | `POST` | [`AUTHENTICATE_PATH`] `/api/authenticate` | `email`, `password`, `siteId` as JSON (`Content-Type: application/json`; `siteId` a string or an integer) or form-urlencoded (any other type) |
//! | `GET` | [`LIST_PATH`] `/api/list` | `Authorization: Bearer <token>` (protected) |
//!
//! # Responses
//!
//! Login success, exactly as documented:
//! `200 {"response_code": "200", "response_status": "Success", "token": JWT}`.
//! The token is an HS256 JWT signed with [`JWT_SECRET`], with the claims of the
//! document's example: `iss` = [`ISSUER`], `sub` = [`USER_ID`] (string), `iat` =
//! `nbf` = now, `exp` = now + 900 s (seconds on the [`SimClock`]),
//! `jti` (random), `sid` = the site id (string).
//!
//! Every error is the documented body
//!
//! ```json
//! {"_meta": {"status": "ERROR", "count": 1},
//!  "records": {"errorCode": "401", "userMessage": "...", "devMessage": "", "more": "", "applicationCode": ""}}
//! ```
//!
//! with `errorCode` a **string**; [`OneBox::set_numeric_error_code`]`(true)`
//! makes it a number (`401`) and `applicationCode` `null`, as the vendor
//! sometimes answers.
//!
//! | HTTP | `userMessage` | when |
//! |---|---|---|
//! | 400 | [`MISSING_FIELDS_MESSAGE`] | login: `email`, `password` or `siteId` absent or empty (also a body that is not JSON while claiming to be) |
//! | 401 | `you are not authorized to log into this site {siteId}` ([`not_authorized_message`]) | login: wrong email, password or site |
//! | 401 | [`MISSING_TOKEN_MESSAGE`] | list: no `Authorization: Bearer` |
//! | 401 | [`INVALID_TOKEN_MESSAGE`] | list: not a JWT, bad signature, no numeric `exp`, `nbf` in the future, or revoked |
//! | 401 | [`EXPIRED_TOKEN_MESSAGE`] (`Expired token`) | list: server time >= `exp` |
//!
//! The list endpoint accepts any token correctly signed with [`JWT_SECRET`]
//! (stateless, like a JWT API), so tests may forge tokens with chosen claims;
//! [`OneBox::revoke_all`] refuses every token issued so far (by `jti`). There is
//! no logout endpoint.
//!
//! # Handle
//!
//! [`OneBox`] ([`crate::Sim::onebox`]) has the counters and switches every vendor
//! has, through `Deref` to [`VendorCommon`]: `rejected_api_calls` counts the list
//! endpoint's 401s, and [`set_token_lifetime`](VendorCommon::set_token_lifetime)
//! sets `exp - iat` of tokens issued afterwards, in whole seconds. Its own methods
//! are [`OneBox::set_numeric_error_code`] and [`OneBox::revoke_all`]. Having no
//! logout endpoint, it has no logout counter.

use std::collections::HashSet;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::util::{self, Flag, lock};
use crate::{Shared, SimClock, VendorCommon};

/// Path prefix standing in for the vendor's `{host}`.
pub const PREFIX: &str = "/onebox";
/// Login endpoint (`POST`).
pub const AUTHENTICATE_PATH: &str = "/api/authenticate";
/// Protected endpoint (`GET`, `Authorization: Bearer`).
pub const LIST_PATH: &str = "/api/list";

/// The demo user's e-mail (from the document).
pub const EMAIL: &str = "userdemo@gmail.com";
/// The demo user's password (from the document).
pub const PASSWORD: &str = "userdemo";
/// The demo site id (from the document).
pub const SITE_ID: &str = "123";
/// The demo user's id, the tokens' `sub` (from the document's example token).
pub const USER_ID: &str = "55";
/// The tokens' `iss` (from the document's example token).
pub const ISSUER: &str = "onecloud.ciptadrasoft.net";
/// The HS256 key the simulator signs and checks tokens with (simulator's choice;
/// public so tests can verify tokens or forge ones with chosen claims).
pub const JWT_SECRET: &[u8] = b"authgen-onebox-simulator-hs256-secret";
/// Token lifetime: `exp - iat` of the document's example token is 900 s.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(900);

/// `userMessage` of the 400 on login (simulator's choice).
pub const MISSING_FIELDS_MESSAGE: &str = "email, password and siteId are required";
/// `userMessage` of a 401 for an expired token.
pub const EXPIRED_TOKEN_MESSAGE: &str = "Expired token";
/// `userMessage` of a 401 for a token that is not valid (simulator's choice).
pub const INVALID_TOKEN_MESSAGE: &str = "Invalid token";
/// `userMessage` of a 401 without a bearer token (simulator's choice).
pub const MISSING_TOKEN_MESSAGE: &str = "Token not provided";

/// `userMessage` of the 401 on login, worded as in the document.
pub fn not_authorized_message(site_id: &str) -> String {
    format!("you are not authorized to log into this site {site_id}")
}

#[derive(Debug, Default)]
struct Jtis {
    issued: HashSet<String>,
    revoked: HashSet<String>,
}

/// OneBox's handle: counters and switches. Obtained from [`crate::Sim::onebox`].
///
/// Dereferences to [`VendorCommon`] for the counters and switches every vendor has
/// (see [the module](self#handle)).
#[derive(Debug)]
pub struct OneBox {
    common: VendorCommon,
    clock: Arc<SimClock>,
    jtis: Mutex<Jtis>,
    numeric_error_code: Flag,
}

impl Deref for OneBox {
    type Target = VendorCommon;

    fn deref(&self) -> &VendorCommon {
        &self.common
    }
}

impl OneBox {
    pub(crate) fn new(clock: Arc<SimClock>) -> OneBox {
        OneBox {
            common: VendorCommon::new(DEFAULT_TOKEN_LIFETIME),
            clock,
            jtis: Mutex::new(Jtis::default()),
            numeric_error_code: Flag::default(),
        }
    }

    /// `false` (default): `errorCode` is a string (`"401"`) and `applicationCode`
    /// `""`, as documented; `true`: `errorCode` is a number and `applicationCode` null.
    pub fn set_numeric_error_code(&self, numeric: bool) {
        self.numeric_error_code.set(numeric);
    }

    /// Refuses every token issued so far.
    pub fn revoke_all(&self) {
        let mut jtis = lock(&self.jtis);
        let issued = std::mem::take(&mut jtis.issued);
        jtis.revoked.extend(issued);
    }

    fn error(&self, status: StatusCode, user_message: &str) -> Response {
        let (code, application_code) = if self.numeric_error_code.get() {
            (json!(status.as_u16()), Value::Null)
        } else {
            (json!(status.as_u16().to_string()), json!(""))
        };
        util::json(
            status,
            json!({
                "_meta": {"status": "ERROR", "count": 1},
                "records": {
                    "errorCode": code,
                    "userMessage": user_message,
                    "devMessage": "",
                    "more": "",
                    "applicationCode": application_code,
                }
            }),
        )
    }

    fn issue(&self, site_id: &str) -> Option<String> {
        let now = self.clock.unix_now();
        let jti = util::random_hex(16, false);
        let claims = json!({
            "iss": ISSUER,
            "sub": USER_ID,
            "exp": now.saturating_add(self.lifetime.get().as_secs()),
            "nbf": now,
            "iat": now,
            "jti": jti,
            "sid": site_id,
        });
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET),
        )
        .ok()?;
        lock(&self.jtis).issued.insert(jti);
        Some(token)
    }

    /// Checks a bearer token; `Err(userMessage)` when refused.
    fn accept(&self, token: Option<&str>) -> Result<(), &'static str> {
        let token = token.ok_or(MISSING_TOKEN_MESSAGE)?;
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        // time is checked below against the simulator's clock, not the system's
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims = HashSet::new();
        let data = jsonwebtoken::decode::<Value>(
            token,
            &jsonwebtoken::DecodingKey::from_secret(JWT_SECRET),
            &validation,
        )
        .map_err(|_| INVALID_TOKEN_MESSAGE)?;
        let claims = data.claims;
        let exp = claims
            .get("exp")
            .and_then(Value::as_u64)
            .ok_or(INVALID_TOKEN_MESSAGE)?;
        let now = self.clock.unix_now();
        if let Some(nbf) = claims.get("nbf") {
            let nbf = nbf.as_u64().ok_or(INVALID_TOKEN_MESSAGE)?;
            if nbf > now {
                return Err(INVALID_TOKEN_MESSAGE);
            }
        }
        if let Some(jti) = claims.get("jti").and_then(Value::as_str)
            && lock(&self.jtis).revoked.contains(jti)
        {
            return Err(INVALID_TOKEN_MESSAGE);
        }
        if now >= exp {
            return Err(EXPIRED_TOKEN_MESSAGE);
        }
        Ok(())
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(&format!("{PREFIX}{AUTHENTICATE_PATH}"), post(authenticate))
        .route(&format!("{PREFIX}{LIST_PATH}"), get(list))
}

/// The three login fields, each `None` when absent or empty.
struct LoginFields {
    email: Option<String>,
    password: Option<String>,
    site_id: Option<String>,
}

fn read_login(headers: &HeaderMap, body: &[u8]) -> Option<LoginFields> {
    if util::media_type(headers) == "application/json" {
        let value: Value = serde_json::from_slice(body).ok()?;
        let text = |name: &str| match value.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) if name == "siteId" && (n.is_u64() || n.is_i64()) => {
                Some(n.to_string())
            }
            _ => None,
        };
        Some(LoginFields {
            email: text("email"),
            password: text("password"),
            site_id: text("siteId"),
        })
    } else {
        let pairs = util::form_pairs(body).unwrap_or_default();
        let text = |name: &str| util::form_value(&pairs, name).map(str::to_owned);
        Some(LoginFields {
            email: text("email"),
            password: text("password"),
            site_id: text("siteId"),
        })
    }
}

async fn authenticate(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let vendor = &s.onebox;
    vendor.login_received().await;
    let Some(fields) = read_login(&headers, &body) else {
        return vendor.error(StatusCode::BAD_REQUEST, MISSING_FIELDS_MESSAGE);
    };
    let (Some(email), Some(password), Some(site_id)) =
        (fields.email, fields.password, fields.site_id)
    else {
        return vendor.error(StatusCode::BAD_REQUEST, MISSING_FIELDS_MESSAGE);
    };
    if email != EMAIL || password != PASSWORD || site_id != SITE_ID {
        return vendor.error(StatusCode::UNAUTHORIZED, &not_authorized_message(&site_id));
    }
    let Some(token) = vendor.issue(&site_id) else {
        return vendor.error(StatusCode::INTERNAL_SERVER_ERROR, "token signing failed");
    };
    vendor.logins.inc();
    util::json(
        StatusCode::OK,
        json!({"response_code": "200", "response_status": "Success", "token": token}),
    )
}

async fn list(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let vendor = &s.onebox;
    vendor.api_calls.inc();
    if let Err(msg) = vendor.accept(util::bearer(&headers)) {
        vendor.rejected_api_calls.inc();
        return vendor.error(StatusCode::UNAUTHORIZED, msg);
    }
    util::json(
        StatusCode::OK,
        json!({
            "_meta": {"status": "SUCCESS", "count": 2},
            "records": [
                {"id": 1, "name": "Demo item one"},
                {"id": 2, "name": "Demo item two"},
            ]
        }),
    )
}
