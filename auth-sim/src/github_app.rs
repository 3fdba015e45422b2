//! GitHub Apps: an installation access token bought with the app's own JWT.
//!
//! Written from GitHub's public documentation: "Generating a JSON Web Token (JWT) for a
//! GitHub App" (the claims table: `iat`, `exp` no more than 10 minutes into the future,
//! `iss` the app's client ID or application ID, `alg` RS256; the JWT goes in
//! `Authorization: Bearer`), "Generating an installation access token for a GitHub App"
//! (`POST /app/installations/INSTALLATION_ID/access_tokens` with that JWT; the answer's
//! `token` and `expires_at`; installation tokens expire after one hour), and the REST
//! reference for "Create an installation access token for an app" (201; 401, 403, 404
//! and 422 answered with the `{"message", "documentation_url"}` error body),
//! "List repositories accessible to the app installation" and "Revoke an installation
//! access token" (`DELETE /installation/token`, 204).
//!
//! # Endpoints (relative to [`PREFIX`], which stands in for the API's host)
//!
//! | method | path | request | answer |
//! |---|---|---|---|
//! | `POST` | `/app/installations/{installation_id}/access_tokens` | `Authorization: Bearer <app JWT>` | 201 JSON, or 401/404 |
//! | `GET` | [`REPOSITORIES_PATH`] | `Authorization: Bearer <installation token>` (or `token <...>`) | 200, or 401 |
//! | `DELETE` | [`INSTALLATION_TOKEN_PATH`] | `Authorization: Bearer <installation token>` | 204, or 401 |
//!
//! The app JWT must be signed RS256 with the app's private key ([`PRIVATE_KEY_PEM`]);
//! its `iss` is [`CLIENT_ID`] or [`APP_ID`] (a number or a string of digits); its `exp`
//! is later than the server's time and at most ten minutes (plus a minute of clock
//! drift) after it; its `iat`, when present, is not in the future (a minute of drift
//! allowed). Anything else is 401 with a message saying which claim is wrong. An
//! unknown installation is 404 `{"message": "Not Found"}`.
//!
//! A success is 201 `{"token": "ghs_...", "expires_at": "<RFC 3339>", "permissions":
//! {...}, "repository_selection": "all"}`; the token lives
//! [`DEFAULT_TOKEN_LIFETIME`] (one hour). Requests with an unknown, revoked or expired
//! installation token are 401 `{"message": "Bad credentials"}`.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

use crate::util::{self, Counter, lock};
use crate::{Shared, SimClock, VendorCommon, assertion};

/// Stands in for the API's host.
pub const PREFIX: &str = "/github";
/// The installation token's endpoint, `{installation_id}` in axum's words.
const ACCESS_TOKENS_ROUTE: &str = "/app/installations/{installation_id}/access_tokens";
/// A protected resource: the repositories the installation may reach.
pub const REPOSITORIES_PATH: &str = "/installation/repositories";
/// `DELETE`: revokes the installation token that authenticates the request.
pub const INSTALLATION_TOKEN_PATH: &str = "/installation/token";

/// The app's numeric application ID.
pub const APP_ID: u64 = 1_234_567;
/// The app's client ID, which GitHub recommends as the JWT's `iss`.
pub const CLIENT_ID: &str = "Iv23liAuthgenSim0001";
/// The one installation of the app.
pub const INSTALLATION_ID: u64 = 4242;
/// The app's private key as GitHub hands it out (PKCS#1 PEM); a test key, published.
pub const PRIVATE_KEY_PEM: &str = include_str!("../keys/github_app.pem");
/// Its public half, with which the simulator verifies app JWTs.
pub const PUBLIC_KEY_PEM: &str = include_str!("../keys/github_app.pub.pem");

/// How long after the server's time an app JWT's `exp` may be: ten minutes, and the
/// minute of drift GitHub's advice to backdate `iat` by sixty seconds allows for.
pub const MAX_JWT_LIFETIME: Duration = Duration::from_secs(11 * 60);
/// Installation tokens live this long.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Where the REST errors point.
const DOCUMENTATION_URL: &str = "https://docs.github.com/rest";
/// The message of a 401 for an installation token.
pub const BAD_CREDENTIALS: &str = "Bad credentials";
/// The message of a 401 for an app JWT that is not one signed with the app's key.
pub const UNDECODABLE_JWT: &str = "A JSON web token could not be decoded";

#[derive(Debug)]
struct Token {
    expires_at: Instant,
}

/// The GitHub App simulator's handle. Obtained from [`crate::Sim::github_app`];
/// dereferences to [`VendorCommon`] (a login is a token bought with an app JWT).
#[derive(Debug)]
pub struct GitHubApp {
    common: VendorCommon,
    clock: Arc<SimClock>,
    tokens: Mutex<HashMap<String, Token>>,
    revocations: Counter,
    /// The claims of every app JWT accepted, in order.
    jwt_claims: Mutex<Vec<Value>>,
}

impl Deref for GitHubApp {
    type Target = VendorCommon;

    fn deref(&self) -> &VendorCommon {
        &self.common
    }
}

impl GitHubApp {
    pub(crate) fn new(clock: Arc<SimClock>) -> GitHubApp {
        GitHubApp {
            common: VendorCommon::new(DEFAULT_TOKEN_LIFETIME),
            clock,
            tokens: Mutex::new(HashMap::new()),
            revocations: Counter::default(),
            jwt_claims: Mutex::new(Vec::new()),
        }
    }

    /// Installation tokens revoked with `DELETE /installation/token`.
    pub fn revocations(&self) -> u64 {
        self.revocations.get()
    }

    /// Installation tokens valid at the server's time.
    pub fn active_tokens(&self) -> usize {
        let now = self.clock.instant();
        lock(&self.tokens)
            .values()
            .filter(|t| now < t.expires_at)
            .count()
    }

    /// Revokes every installation token.
    pub fn revoke_all(&self) {
        lock(&self.tokens).clear();
    }

    /// The claims of every app JWT that bought a token, oldest first.
    pub fn jwt_claims(&self) -> Vec<Value> {
        lock(&self.jwt_claims).clone()
    }

    fn valid(&self, token: Option<&str>) -> bool {
        let Some(token) = token else { return false };
        let now = self.clock.instant();
        lock(&self.tokens)
            .get(token)
            .is_some_and(|t| now < t.expires_at)
    }

    /// The app JWT's claims when GitHub would take it; else the 401's message.
    fn app_jwt(&self, jwt: Option<&str>) -> Result<Value, &'static str> {
        let jwt = jwt.ok_or("A JSON web token could not be decoded")?;
        let (_, claims) = assertion::verified_rs256(jwt, PUBLIC_KEY_PEM).ok_or(UNDECODABLE_JWT)?;
        let issuer_is_app = match claims.get("iss") {
            Some(Value::String(iss)) => iss == CLIENT_ID || iss.parse() == Ok(APP_ID),
            Some(Value::Number(iss)) => iss.as_u64() == Some(APP_ID),
            _ => false,
        };
        if !issuer_is_app {
            return Err("'Issuer' claim ('iss') must name this app's client ID or application ID");
        }
        let now = self.clock.unix_now();
        let exp = assertion::seconds(&claims, "exp")
            .ok_or("'Expiration time' claim ('exp') must be a numeric value")?;
        if exp <= now {
            return Err("'Expiration time' claim ('exp') must be in the future");
        }
        if exp > now.saturating_add(MAX_JWT_LIFETIME.as_secs()) {
            return Err("'Expiration time' claim ('exp') is too far in the future");
        }
        if claims.get("iat").is_some() {
            let issued = assertion::seconds(&claims, "iat");
            if issued.is_none_or(|iat| iat > now.saturating_add(60)) {
                return Err("'Issued at' claim ('iat') must be a time that has passed");
            }
        }
        Ok(claims)
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            &format!("{PREFIX}{ACCESS_TOKENS_ROUTE}"),
            post(access_tokens),
        )
        .route(&format!("{PREFIX}{REPOSITORIES_PATH}"), get(repositories))
        .route(
            &format!("{PREFIX}{INSTALLATION_TOKEN_PATH}"),
            delete(revoke),
        )
}

/// The path of the installation token's endpoint for `installation_id`.
pub fn access_tokens_path(installation_id: u64) -> String {
    format!("/app/installations/{installation_id}/access_tokens")
}

fn error(status: StatusCode, message: &str) -> Response {
    util::json(
        status,
        json!({"message": message, "documentation_url": DOCUMENTATION_URL, "status": status.as_u16().to_string()}),
    )
}

/// The token of `Authorization: Bearer <t>` or `Authorization: token <t>`.
fn installation_token(headers: &HeaderMap) -> Option<&str> {
    if let Some(token) = util::bearer(headers) {
        return Some(token);
    }
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("token") && !token.trim().is_empty()).then(|| token.trim())
}

async fn access_tokens(
    State(s): State<Arc<Shared>>,
    Path(installation_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let vendor = &s.github_app;
    vendor.login_received().await;
    let claims = match vendor.app_jwt(util::bearer(&headers)) {
        Ok(claims) => claims,
        Err(message) => return error(StatusCode::UNAUTHORIZED, message),
    };
    if installation_id.parse() != Ok(INSTALLATION_ID) {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    lock(&vendor.jwt_claims).push(claims);
    let token = format!("ghs_{}", util::random_alphanumeric(36));
    let lifetime = vendor.lifetime.get();
    lock(&vendor.tokens).insert(
        token.clone(),
        Token {
            expires_at: util::later(vendor.clock.instant(), lifetime),
        },
    );
    vendor.logins.inc();
    let expires_at = util::rfc3339(vendor.clock.unix_now().saturating_add(lifetime.as_secs()));
    util::json(
        StatusCode::CREATED,
        json!({
            "token": token,
            "expires_at": expires_at,
            "permissions": {"contents": "read", "metadata": "read"},
            "repository_selection": "all",
        }),
    )
}

async fn repositories(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let vendor = &s.github_app;
    vendor.api_calls.inc();
    if !vendor.valid(installation_token(&headers)) {
        vendor.rejected_api_calls.inc();
        return error(StatusCode::UNAUTHORIZED, BAD_CREDENTIALS);
    }
    util::json(
        StatusCode::OK,
        json!({
            "total_count": 1,
            "repositories": [{"id": 1, "name": "ledger", "full_name": "octo-org/ledger"}],
        }),
    )
}

async fn revoke(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let vendor = &s.github_app;
    let removed = installation_token(&headers)
        .filter(|token| vendor.valid(Some(token)))
        .is_some_and(|token| lock(&vendor.tokens).remove(token).is_some());
    if !removed {
        return error(StatusCode::UNAUTHORIZED, BAD_CREDENTIALS);
    }
    vendor.revocations.inc();
    StatusCode::NO_CONTENT.into_response()
}
