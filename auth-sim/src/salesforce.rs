//! Salesforce's OAuth 2.0 token endpoint (the username-password flow and the JWT bearer
//! flow), whose answer names the API's base (`instance_url`): every later call goes to
//! the org's instance, a host other than the login's.
//!
//! Written from Salesforce's public documentation: "OAuth 2.0 Username-Password Flow for
//! Special Scenarios" (a form-encoded `POST` to `/services/oauth2/token` with
//! `grant_type=password`, `client_id`, `client_secret`, `username`, and `password` with
//! the user's security token appended; the answer's `access_token`, `instance_url`,
//! `id`, `token_type`, `issued_at` and `signature`, a Base64 HMAC-SHA256 of `id` and
//! `issued_at` keyed with the consumer secret; no refresh token), "OAuth 2.0 JWT Bearer
//! Flow for Server-to-Server Integration" (`grant_type` =
//! `urn:ietf:params:oauth:grant-type:jwt-bearer` and an `assertion` signed RS256 with
//! the key of the certificate uploaded to the connected app; `iss` the consumer key,
//! `sub` the username, `aud` `https://login.salesforce.com` or
//! `https://test.salesforce.com`, `exp` with three minutes allowed for clock skew),
//! "Revoke OAuth Tokens" (`POST /services/oauth2/revoke` with `token`), the OAuth error
//! codes it lists (`invalid_grant`, `invalid_client_id`, `invalid_client`,
//! `unsupported_grant_type`; the descriptions are ours where it gives none), and the
//! REST API's answer to an ended session (401
//! `[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]`).
//!
//! # Endpoints
//!
//! The login is under [`PREFIX`] on the simulator's own address (standing in for
//! `login.salesforce.com`); the API is on two instances of their own, each its own
//! listener on `127.0.0.1` (so its own origin, as `yourInstance.my.salesforce.com` is
//! another host): [`Salesforce::instance_url`].
//!
//! | where | method | path | request | answer |
//! |---|---|---|---|---|
//! | login | `POST` | [`TOKEN_PATH`] | form, either flow | 200 JSON, or 400 |
//! | login | `POST` | [`REVOKE_PATH`] | form: `token` | 200, or 400 |
//! | instance | `GET` | [`LIMITS_PATH`] | `Authorization: Bearer <access token>` (protected) | 200, or 401 |
//!
//! A token is good only on the instance that issued it. The org lives on one instance
//! at a time ([`Salesforce::move_org`] moves it, ending every session, so that a new
//! login names the other instance). Sessions last [`DEFAULT_TOKEN_LIFETIME`] (two
//! hours, Salesforce's default timeout); the answer states no lifetime.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use serde_json::{Value, json};

use crate::util::{self, Counter, lock};
use crate::{Shared, SimClock, VendorCommon, assertion};

/// Stands in for the login host.
pub const PREFIX: &str = "/salesforce";
/// The token endpoint.
pub const TOKEN_PATH: &str = "/services/oauth2/token";
/// The revocation endpoint.
pub const REVOKE_PATH: &str = "/services/oauth2/revoke";
/// A protected resource on an instance: the org's limits.
pub const LIMITS_PATH: &str = "/services/data/v60.0/limits";

/// The connected app's consumer key (`client_id`, and the JWT's `iss`).
pub const CONSUMER_KEY: &str = "3MVG9authgenSimConsumerKey.0001";
/// The connected app's consumer secret.
pub const CONSUMER_SECRET: &str = "5E1F0A9C8B7D6E5F4A3B2C1D0E9F8A7B";
/// The integration user.
pub const USERNAME: &str = "integration@ledger.example";
/// The user's password.
pub const PASSWORD: &str = "sf-pa55word";
/// The user's security token, appended to the password in the username-password flow.
pub const SECURITY_TOKEN: &str = "XyZsecur1tyT0ken";
/// The private key of the connected app's certificate (PKCS#8 PEM); a test key,
/// published.
pub const PRIVATE_KEY_PEM: &str = include_str!("../keys/salesforce.pem");
/// Its public half, with which the simulator verifies assertions.
const PUBLIC_KEY_PEM: &str = include_str!("../keys/salesforce.pub.pem");
/// The JWT bearer flow's grant type.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The audiences the JWT bearer flow takes (besides the simulator's own login base).
pub const AUDIENCES: [&str; 2] = [
    "https://login.salesforce.com",
    "https://test.salesforce.com",
];
/// Sessions last this long.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(2 * 3600);
/// How far past `exp` an assertion is still taken (clock skew).
pub const ASSERTION_SKEW: Duration = Duration::from_secs(180);

/// The org's ID, in the access token and the identity URL.
const ORG_ID: &str = "00D5g000004AuThEA2";
/// The integration user's ID.
const USER_ID: &str = "0055g00000AuThGAAX";

#[derive(Debug)]
struct Token {
    instance: usize,
    expires_at: Instant,
}

/// The Salesforce simulator's handle. Obtained from [`crate::Sim::salesforce`];
/// dereferences to [`VendorCommon`] (API calls are counted on every instance).
#[derive(Debug)]
pub struct Salesforce {
    common: VendorCommon,
    clock: Arc<SimClock>,
    tokens: Mutex<HashMap<String, Token>>,
    revocations: Counter,
    /// The instance the org lives on.
    org_instance: AtomicUsize,
    /// Each instance's base URL, set once its listener is bound.
    instance_urls: OnceLock<Vec<String>>,
    /// The claims of every assertion that bought a token, in order.
    assertion_claims: Mutex<Vec<Value>>,
    /// API calls each instance received.
    instance_calls: [Counter; INSTANCES],
}

/// How many instances the simulator runs.
pub const INSTANCES: usize = 2;

impl Deref for Salesforce {
    type Target = VendorCommon;

    fn deref(&self) -> &VendorCommon {
        &self.common
    }
}

impl Salesforce {
    pub(crate) fn new(clock: Arc<SimClock>) -> Salesforce {
        Salesforce {
            common: VendorCommon::new(DEFAULT_TOKEN_LIFETIME),
            clock,
            tokens: Mutex::new(HashMap::new()),
            revocations: Counter::default(),
            org_instance: AtomicUsize::new(0),
            instance_urls: OnceLock::new(),
            assertion_claims: Mutex::new(Vec::new()),
            instance_calls: Default::default(),
        }
    }

    pub(crate) fn set_instance_urls(&self, urls: Vec<String>) {
        let _ = self.instance_urls.set(urls);
    }

    /// The base URL of instance `index` (`http://127.0.0.1:PORT`, no trailing slash);
    /// empty for an index past [`INSTANCES`].
    pub fn instance_url(&self, index: usize) -> String {
        self.instance_urls
            .get()
            .and_then(|urls| urls.get(index))
            .cloned()
            .unwrap_or_default()
    }

    /// The instance the org lives on now, which a login answer names.
    pub fn org_instance(&self) -> usize {
        self.org_instance.load(Ordering::Acquire)
    }

    /// Moves the org to instance `index` (modulo [`INSTANCES`]) and ends every session,
    /// as an org migration does: the next login names the new instance.
    pub fn move_org(&self, index: usize) {
        self.org_instance
            .store(index % INSTANCES, Ordering::Release);
        self.revoke_all();
    }

    /// API calls instance `index` received (0 past [`INSTANCES`]).
    pub fn instance_calls(&self, index: usize) -> u64 {
        self.instance_calls.get(index).map_or(0, Counter::get)
    }

    /// Tokens revoked at [`REVOKE_PATH`].
    pub fn revocations(&self) -> u64 {
        self.revocations.get()
    }

    /// Sessions valid at the server's time.
    pub fn active_tokens(&self) -> usize {
        let now = self.clock.instant();
        lock(&self.tokens)
            .values()
            .filter(|t| now < t.expires_at)
            .count()
    }

    /// Ends every session.
    pub fn revoke_all(&self) {
        lock(&self.tokens).clear();
    }

    /// The claims of every assertion that bought a token, oldest first.
    pub fn assertion_claims(&self) -> Vec<Value> {
        lock(&self.assertion_claims).clone()
    }

    /// Whether `token` is a live session of instance `instance`.
    fn valid(&self, token: Option<&str>, instance: usize) -> bool {
        let Some(token) = token else { return false };
        let now = self.clock.instant();
        lock(&self.tokens)
            .get(token)
            .is_some_and(|t| t.instance == instance && now < t.expires_at)
    }

    /// The answer to a flow whose client and user are known: a session on the org's
    /// instance.
    fn issue(&self, login_base: &str, scope: Option<&str>) -> Response {
        let instance = self.org_instance();
        let token = format!("{ORG_ID}!AQ4A{}", util::random_alphanumeric(96));
        let lifetime = self.lifetime.get();
        lock(&self.tokens).insert(
            token.clone(),
            Token {
                instance,
                expires_at: util::later(self.clock.instant(), lifetime),
            },
        );
        self.logins.inc();
        let id = format!("{login_base}/id/{ORG_ID}/{USER_ID}");
        let issued_at = self
            .clock
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
            .to_string();
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(CONSUMER_SECRET.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(id.as_bytes());
        mac.update(issued_at.as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let mut answer = json!({
            "access_token": token,
            "instance_url": self.instance_url(instance),
            "id": id,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": signature,
        });
        if let (Some(scope), Some(fields)) = (scope, answer.as_object_mut()) {
            fields.insert("scope".to_owned(), Value::String(scope.to_owned()));
        }
        let mut response = util::json(StatusCode::OK, answer);
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache,no-store"),
        );
        response
    }

    /// The JWT bearer flow's assertion, checked; else the error and its description.
    fn assertion(
        &self,
        jwt: &str,
        login_base: &str,
    ) -> Result<Value, (&'static str, &'static str)> {
        let (_, claims) = assertion::verified_rs256(jwt, PUBLIC_KEY_PEM)
            .ok_or(("invalid_grant", "invalid assertion"))?;
        if assertion::text(&claims, "iss") != Some(CONSUMER_KEY) {
            return Err(("invalid_client_id", "client identifier invalid"));
        }
        let aud = assertion::text(&claims, "aud").unwrap_or_default();
        if !AUDIENCES.contains(&aud) && aud != login_base {
            return Err(("invalid_grant", "audience is invalid"));
        }
        if assertion::text(&claims, "sub") != Some(USERNAME) {
            return Err(("invalid_grant", "user hasn't approved this consumer"));
        }
        let exp =
            assertion::seconds(&claims, "exp").ok_or(("invalid_grant", "invalid assertion"))?;
        if exp.saturating_add(ASSERTION_SKEW.as_secs()) <= self.clock.unix_now() {
            return Err(("invalid_grant", "expired assertion"));
        }
        Ok(claims)
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(&format!("{PREFIX}{TOKEN_PATH}"), post(token))
        .route(&format!("{PREFIX}{REVOKE_PATH}"), post(revoke))
}

/// The routes of instance `index`: its own server, with its own state.
pub(crate) fn instance_routes(shared: Arc<Shared>, index: usize) -> Router {
    Router::new()
        .route(LIMITS_PATH, get(limits))
        .with_state((shared, index))
}

fn oauth_error(error: &str, description: &str) -> Response {
    util::json(
        StatusCode::BAD_REQUEST,
        json!({"error": error, "error_description": description}),
    )
}

async fn token(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let vendor = &s.salesforce;
    vendor.login_received().await;
    let Some(pairs) = util::form_pairs(&body) else {
        return oauth_error("invalid_request", "malformed request body");
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let login_base = format!("http://{host}{PREFIX}");
    let field = |name: &str| util::form_value(&pairs, name);
    match field("grant_type").unwrap_or_default() {
        "password" => {
            if field("client_id") != Some(CONSUMER_KEY) {
                return oauth_error("invalid_client_id", "client identifier invalid");
            }
            if field("client_secret") != Some(CONSUMER_SECRET) {
                return oauth_error("invalid_client", "invalid client credentials");
            }
            let password = format!("{PASSWORD}{SECURITY_TOKEN}");
            if field("username") != Some(USERNAME) || field("password") != Some(password.as_str()) {
                return oauth_error("invalid_grant", "authentication failure");
            }
            vendor.issue(&login_base, None)
        }
        JWT_BEARER => {
            let Some(jwt) = field("assertion") else {
                return oauth_error("invalid_request", "assertion is missing");
            };
            match vendor.assertion(jwt, &login_base) {
                Ok(claims) => {
                    lock(&vendor.assertion_claims).push(claims);
                    vendor.issue(&login_base, Some("api"))
                }
                Err((error, description)) => oauth_error(error, description),
            }
        }
        _ => oauth_error("unsupported_grant_type", "grant type not supported"),
    }
}

async fn revoke(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let vendor = &s.salesforce;
    let pairs = util::form_pairs(&body).unwrap_or_default();
    let removed = util::form_value(&pairs, "token")
        .is_some_and(|token| lock(&vendor.tokens).remove(token).is_some());
    if !removed {
        return oauth_error("unsupported_token_type", "this token type is not supported");
    }
    vendor.revocations.inc();
    util::json(StatusCode::OK, json!({}))
}

async fn limits(State((s, instance)): State<(Arc<Shared>, usize)>, headers: HeaderMap) -> Response {
    let vendor = &s.salesforce;
    vendor.api_calls.inc();
    if let Some(calls) = vendor.instance_calls.get(instance) {
        calls.inc();
    }
    if !vendor.valid(util::bearer(&headers), instance) {
        vendor.rejected_api_calls.inc();
        let mut response = util::json(
            StatusCode::UNAUTHORIZED,
            json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]),
        );
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
        return response;
    }
    util::json(
        StatusCode::OK,
        json!({"DailyApiRequests": {"Max": 15000, "Remaining": 14998}}),
    )
}
