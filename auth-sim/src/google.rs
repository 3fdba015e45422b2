//! Google's OAuth 2.0 token endpoint for service accounts (the JWT-bearer grant of
//! RFC 7523 section 2.1), and a Cloud Storage call it authorizes.
//!
//! Written from Google's public documentation, "Using OAuth 2.0 for Server to Server
//! Applications", its sections "Forming the JWT header" (RS256, `kid` the key's
//! `private_key_id`), "Forming the JWT claim set" (`iss` the service account's email,
//! `scope` space-delimited, `aud` the token endpoint, `iat`, and `exp` at most one hour
//! after it), "Making the access token request" (form-encoded `grant_type` =
//! `urn:ietf:params:oauth:grant-type:jwt-bearer` and `assertion`), "Handling the
//! response" (`access_token`, `token_type` `Bearer`, `expires_in`) and "Calling a Google
//! API" (`Authorization: Bearer`); and from the service-account key file's documented
//! fields (`type`, `project_id`, `private_key_id`, `private_key`, `client_email`,
//! `client_id`, `token_uri`). Errors are RFC 6749 section 5.2 answers with Google's
//! descriptions ("Invalid JWT Signature.", "Invalid JWT: Token must be a short-lived
//! token (60 minutes) and in a reasonable timeframe...").
//!
//! # Endpoints (relative to [`PREFIX`], which stands in for Google's hosts)
//!
//! | method | path | request | answer |
//! |---|---|---|---|
//! | `POST` | [`TOKEN_PATH`] | form: `grant_type`, `assertion` | 200 JSON, or 400 |
//! | `GET` | [`BUCKETS_PATH`] | `Authorization: Bearer <access token>` (protected) | 200, or 401 |
//! | `POST` | [`REVOKE_PATH`] | form: `token` | 200, or 400 |
//!
//! The assertion must be signed RS256 with [`PRIVATE_KEY_PEM`]; a `kid`, when present,
//! must be [`PRIVATE_KEY_ID`]; `iss` is [`CLIENT_EMAIL`]; `aud` is Google's token URI or
//! this simulator's ([`service_account_key`]'s `token_uri`); `scope` is not empty;
//! `iat` and `exp` are numbers, `exp` later than the server's time, `iat` not more than
//! a minute ahead of it, and `exp - iat` at most an hour. Access tokens live
//! [`DEFAULT_TOKEN_LIFETIME`] (stated as `expires_in`, one second short as Google
//! states it).

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::util::{self, Counter, lock};
use crate::{Shared, SimClock, VendorCommon, assertion};

/// Stands in for Google's hosts (the token endpoint's and the API's).
pub const PREFIX: &str = "/google";
/// The token endpoint.
pub const TOKEN_PATH: &str = "/token";
/// The revocation endpoint.
pub const REVOKE_PATH: &str = "/revoke";
/// A protected resource: Cloud Storage's list of buckets.
pub const BUCKETS_PATH: &str = "/storage/v1/b";

/// The service account's email, the assertion's `iss`.
pub const CLIENT_EMAIL: &str = "ledger-sync@authgen-sim.iam.gserviceaccount.com";
/// The key's identifier, the assertion's `kid`.
pub const PRIVATE_KEY_ID: &str = "5f0c4b1e8a7d4c2f9e3b6a1d0c9e8f7a6b5c4d3e";
/// The service account's private key (PKCS#8 PEM, as the key file holds it); a test
/// key, published.
pub const PRIVATE_KEY_PEM: &str = include_str!("../keys/google_service_account.pem");
/// Its public half, with which the simulator verifies assertions.
pub const PUBLIC_KEY_PEM: &str = include_str!("../keys/google_service_account.pub.pem");
/// The `aud` Google's own token endpoint expects.
pub const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// The scope the documentation's examples ask for (read-only Cloud Storage here).
pub const SCOPE: &str = "https://www.googleapis.com/auth/devstorage.read_only";

/// The JWT-bearer grant type (RFC 7523 section 2.1).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Access tokens live this long.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// The longest `exp - iat` Google takes.
pub const MAX_ASSERTION_LIFETIME: Duration = Duration::from_secs(3600);

/// The description of an assertion whose times Google refuses.
pub const SHORT_LIVED: &str = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";
/// The description of an assertion not signed with the key.
pub const INVALID_SIGNATURE: &str = "Invalid JWT Signature.";

#[derive(Debug)]
struct Token {
    expires_at: Instant,
}

/// The Google simulator's handle. Obtained from [`crate::Sim::google`]; dereferences
/// to [`VendorCommon`].
#[derive(Debug)]
pub struct Google {
    common: VendorCommon,
    clock: Arc<SimClock>,
    tokens: Mutex<HashMap<String, Token>>,
    revocations: Counter,
    /// The claims of every assertion that bought a token, in order.
    assertion_claims: Mutex<Vec<Value>>,
}

impl Deref for Google {
    type Target = VendorCommon;

    fn deref(&self) -> &VendorCommon {
        &self.common
    }
}

/// The service-account key file, as Google's console downloads it, with `token_uri`
/// naming this simulator at `base_url` (`Sim::base_url`).
pub fn service_account_key(base_url: &str) -> Value {
    json!({
        "type": "service_account",
        "project_id": "authgen-sim",
        "private_key_id": PRIVATE_KEY_ID,
        "private_key": PRIVATE_KEY_PEM,
        "client_email": CLIENT_EMAIL,
        "client_id": "104729384756102938475",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": format!("{base_url}{PREFIX}{TOKEN_PATH}"),
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "universe_domain": "googleapis.com",
    })
}

impl Google {
    pub(crate) fn new(clock: Arc<SimClock>) -> Google {
        Google {
            common: VendorCommon::new(DEFAULT_TOKEN_LIFETIME),
            clock,
            tokens: Mutex::new(HashMap::new()),
            revocations: Counter::default(),
            assertion_claims: Mutex::new(Vec::new()),
        }
    }

    /// Tokens revoked at [`REVOKE_PATH`].
    pub fn revocations(&self) -> u64 {
        self.revocations.get()
    }

    /// Access tokens valid at the server's time.
    pub fn active_tokens(&self) -> usize {
        let now = self.clock.instant();
        lock(&self.tokens)
            .values()
            .filter(|t| now < t.expires_at)
            .count()
    }

    /// Revokes every access token.
    pub fn revoke_all(&self) {
        lock(&self.tokens).clear();
    }

    /// The claims of every assertion that bought a token, oldest first.
    pub fn assertion_claims(&self) -> Vec<Value> {
        lock(&self.assertion_claims).clone()
    }

    fn valid(&self, token: Option<&str>) -> bool {
        let Some(token) = token else { return false };
        let now = self.clock.instant();
        lock(&self.tokens)
            .get(token)
            .is_some_and(|t| now < t.expires_at)
    }

    /// The assertion's claims when Google would take it; else the error and its
    /// description.
    fn assertion(&self, jwt: &str, own_token_uri: &str) -> Result<Value, (&'static str, String)> {
        let refused = |error: &'static str, description: &str| (error, description.to_owned());
        let (header, claims) = assertion::verified_rs256(jwt, PUBLIC_KEY_PEM)
            .ok_or_else(|| refused("invalid_grant", INVALID_SIGNATURE))?;
        if header
            .kid
            .as_deref()
            .is_some_and(|kid| kid != PRIVATE_KEY_ID)
        {
            return Err(refused("invalid_grant", INVALID_SIGNATURE));
        }
        if assertion::text(&claims, "iss") != Some(CLIENT_EMAIL) {
            return Err(refused("invalid_grant", "Invalid email or User ID"));
        }
        let aud = assertion::text(&claims, "aud");
        if aud != Some(GOOGLE_TOKEN_URI) && aud != Some(own_token_uri) {
            return Err((
                "invalid_grant",
                format!(
                    "Invalid JWT: Failed audience check. The right audience is {own_token_uri}"
                ),
            ));
        }
        if assertion::text(&claims, "scope").is_none_or(|scope| scope.trim().is_empty()) {
            return Err(refused(
                "invalid_scope",
                "Invalid OAuth scope or ID token audience provided.",
            ));
        }
        let now = self.clock.unix_now();
        let (Some(iat), Some(exp)) = (
            assertion::seconds(&claims, "iat"),
            assertion::seconds(&claims, "exp"),
        ) else {
            return Err(refused("invalid_grant", SHORT_LIVED));
        };
        let short_lived = exp > now
            && iat <= now.saturating_add(60)
            && exp.saturating_sub(iat) <= MAX_ASSERTION_LIFETIME.as_secs();
        if !short_lived {
            return Err(refused("invalid_grant", SHORT_LIVED));
        }
        Ok(claims)
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(&format!("{PREFIX}{TOKEN_PATH}"), post(token))
        .route(&format!("{PREFIX}{REVOKE_PATH}"), post(revoke))
        .route(&format!("{PREFIX}{BUCKETS_PATH}"), get(buckets))
}

fn oauth_error(error: &str, description: &str) -> Response {
    util::json(
        StatusCode::BAD_REQUEST,
        json!({"error": error, "error_description": description}),
    )
}

async fn token(State(s): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let vendor = &s.google;
    vendor.login_received().await;
    let Some(pairs) = util::form_pairs(&body) else {
        return oauth_error("invalid_request", "Malformed request body");
    };
    let grant_type = util::form_value(&pairs, "grant_type").unwrap_or_default();
    if grant_type != JWT_BEARER {
        return oauth_error(
            "unsupported_grant_type",
            &format!("Invalid grant_type: {grant_type}"),
        );
    }
    let Some(jwt) = util::form_value(&pairs, "assertion") else {
        return oauth_error("invalid_request", "Missing required parameter: assertion");
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let own_token_uri = format!("http://{host}{PREFIX}{TOKEN_PATH}");
    let claims = match vendor.assertion(jwt, &own_token_uri) {
        Ok(claims) => claims,
        Err((error, description)) => return oauth_error(error, &description),
    };
    lock(&vendor.assertion_claims).push(claims);
    let token = format!("ya29.c.{}", util::random_alphanumeric(64));
    let lifetime = vendor.lifetime.get();
    lock(&vendor.tokens).insert(
        token.clone(),
        Token {
            expires_at: util::later(vendor.clock.instant(), lifetime),
        },
    );
    vendor.logins.inc();
    let mut response = util::json(
        StatusCode::OK,
        json!({
            "access_token": token,
            "expires_in": lifetime.as_secs().saturating_sub(1),
            "token_type": "Bearer",
        }),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn buckets(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let vendor = &s.google;
    vendor.api_calls.inc();
    if !vendor.valid(util::bearer(&headers)) {
        vendor.rejected_api_calls.inc();
        let message = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.";
        let mut response = util::json(
            StatusCode::UNAUTHORIZED,
            json!({"error": {"code": 401, "message": message, "status": "UNAUTHENTICATED"}}),
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"https://accounts.google.com/\""),
        );
        return response;
    }
    util::json(
        StatusCode::OK,
        json!({
            "kind": "storage#buckets",
            "items": [{"kind": "storage#bucket", "name": "ledger-archive"}],
        }),
    )
}

async fn revoke(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let vendor = &s.google;
    let pairs = util::form_pairs(&body).unwrap_or_default();
    let removed = util::form_value(&pairs, "token")
        .filter(|token| vendor.valid(Some(token)))
        .is_some_and(|token| lock(&vendor.tokens).remove(token).is_some());
    if !removed {
        return oauth_error("invalid_token", "Token expired or revoked");
    }
    vendor.revocations.inc();
    util::json(StatusCode::OK, json!({}))
}
