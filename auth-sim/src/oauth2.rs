//! An OAuth 2.0 authorization server of our own design, as RFC 6749 and RFC 7009
//! describe one: the `password` and `client_credentials` grants, refresh tokens that
//! rotate on use, the standard error answers, and token revocation.
//!
//! # Endpoints (relative to [`PREFIX`])
//!
//! | method | path | request |
//! |---|---|---|
//! | `POST` | [`TOKEN_PATH`] | form-urlencoded `grant_type` and the grant's parameters |
//! | `POST` | [`REVOKE_PATH`] | form-urlencoded `token` (RFC 7009) |
//! | `GET` | [`ME_PATH`] | `Authorization: Bearer <access token>` (protected) |
//!
//! The client authenticates on the token and revocation endpoints with HTTP Basic or
//! with `client_id` and `client_secret` body parameters, not both. In HTTP Basic the
//! identifier and the secret are each form-urlencoded before they are joined with `:`
//! (RFC 6749 section 2.3.1, Appendix B), and decoded here: a raw `+` reads as a space,
//! and a `%` without two hexadecimal digits after it is `invalid_request`. Two clients
//! are registered: [`CLIENT_ID`], and [`SPECIAL_CLIENT_ID`], whose identifier and secret
//! hold the characters that encoding changes.
//!
//! * `grant_type=password`: `username`, `password`, optional `scope` → an access
//!   token and a refresh token.
//! * `grant_type=client_credentials`: optional `scope` → an access token only.
//! * `grant_type=refresh_token`: `refresh_token`, optional `scope` → a new access
//!   token and a new refresh token; the one used is spent (using it again is
//!   `invalid_grant`).
//!
//! A success is HTTP 200 JSON `{"access_token", "token_type": "Bearer",
//! "expires_in", "scope", "refresh_token"?}` with `Cache-Control: no-store`
//! ([`OAuth2::set_token_type`] states another type, as a server issuing `DPoP` tokens
//! would). An error is HTTP 400 (HTTP 401 with `WWW-Authenticate` for `invalid_client`
//! sent with Basic) with `{"error", "error_description"}`, `error` one of
//! `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
//! `unsupported_grant_type`, `invalid_scope`.
//!
//! Revocation (RFC 7009) takes `token` and an optional `token_type_hint`
//! (`access_token` or `refresh_token`; the server looks the token up among both kinds
//! whatever the hint says) and answers 200 whether the token was known or not. A
//! revoked refresh token is refused by the `refresh_token` grant (`invalid_grant`), a
//! revoked access token by the protected endpoint. Every accepted revocation is
//! recorded ([`OAuth2::revocation_log`]): the hint, what the token was, and how the
//! client authenticated. Two switches make it answer otherwise:
//! [`OAuth2::set_access_token_revocation`] (off: revoking an access token is HTTP 400
//! `unsupported_token_type`, as RFC 7009 lets a server that revokes only refresh
//! tokens answer) and [`OAuth2::set_careless_revocation_errors`] (on: its error
//! answers are plain text quoting the token and the refresh token it was issued with,
//! as a careless server might).
//!
//! The protected endpoint answers 401 with `WWW-Authenticate: Bearer
//! error="invalid_token"` for a token that is unknown, revoked or expired.
//!
//! With [`OAuth2::set_dpop`] the server binds tokens to the client's key (DPoP, RFC
//! 9449): the token, revocation and protected endpoints each want a proof (checked as
//! section 4.3 says, see `dpop.rs`), tokens are issued as `token_type` `DPoP` bound to
//! the proof key's thumbprint (section 6), and the protected endpoint takes a token
//! only as `Authorization: DPoP` with a proof by that key whose `ath` is the token's
//! hash (section 7.1): a bound token presented as a bearer token, or with another
//! key's proof, is refused. A bad proof is 400 `invalid_dpop_proof` at the token
//! endpoint (section 5) and 401 with `WWW-Authenticate: DPoP error="invalid_dpop_proof"`
//! at the protected one (section 7.1). With [`OAuth2::set_dpop_nonce`] proofs must carry
//! the server's nonce: without it, 400 `use_dpop_nonce` (section 8) or 401 with
//! `WWW-Authenticate: DPoP error="use_dpop_nonce"` (section 9), the nonce in a
//! `DPoP-Nonce` header.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::json;

use crate::util::{self, Counter, Flag, lock};
use crate::{Shared, SimClock, VendorCommon};
use auth_faults::dpop;

/// Stands in for the server's host.
pub const PREFIX: &str = "/oauth2";
/// The token endpoint.
pub const TOKEN_PATH: &str = "/token";
/// The revocation endpoint (RFC 7009).
pub const REVOKE_PATH: &str = "/revoke";
/// A protected resource.
pub const ME_PATH: &str = "/api/me";

/// The registered client.
pub const CLIENT_ID: &str = "authgen-client";
/// The registered client's secret.
pub const CLIENT_SECRET: &str = "cl13nt-s3cret";
/// A second registered client, its identifier holding `:`, `+` and a space.
pub const SPECIAL_CLIENT_ID: &str = "special:client +1";
/// The second client's secret: `:`, `+`, `/`, `%`, `=`, spaces and non-ASCII letters.
pub const SPECIAL_CLIENT_SECRET: &str = "c0l:on+plus/slash%25pct=eq sp\u{e4}ce \u{20ac}";
/// Every registered client: identifier and secret.
const CLIENTS: &[(&str, &str)] = &[
    (CLIENT_ID, CLIENT_SECRET),
    (SPECIAL_CLIENT_ID, SPECIAL_CLIENT_SECRET),
];
/// The resource owner of the `password` grant.
pub const USERNAME: &str = "owner";
/// The resource owner's password.
pub const PASSWORD: &str = "0wner-passw0rd";
/// The scopes the server grants; any other is `invalid_scope`.
pub const SCOPES: &[&str] = &["read", "write"];

/// Access tokens live this long.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

#[derive(Debug)]
struct Access {
    expires_at: Instant,
    /// The refresh token issued with it, if any.
    refresh: Option<String>,
    /// The thumbprint of the key it is bound to (DPoP), if any.
    jkt: Option<String>,
}

/// What a revoked token was, as the server knew it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    /// An access token the server issued (valid or expired).
    AccessToken,
    /// A refresh token the server would still accept.
    RefreshToken,
    /// A token the server does not know (never issued, spent or revoked already).
    Unknown,
}

/// One request the revocation endpoint accepted (the client authenticated, a token
/// given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// The `token_type_hint` sent, if any.
    pub hint: Option<String>,
    /// What the token was.
    pub token: TokenType,
    /// Whether the client authenticated with HTTP Basic (else with body parameters).
    pub basic: bool,
    /// The status answered: 200, or 400 for a refused token type.
    pub status: u16,
}

/// The OAuth 2.0 server's handle. Obtained from [`crate::Sim::oauth2`]; dereferences to
/// [`VendorCommon`] (`logins` counts the access tokens issued by the `password` and
/// `client_credentials` grants; refreshes are counted apart).
#[derive(Debug)]
pub struct OAuth2 {
    common: VendorCommon,
    clock: Arc<SimClock>,
    access: Mutex<HashMap<String, Access>>,
    refresh: Mutex<HashMap<String, String>>,
    refreshes: Counter,
    refused_refreshes: Counter,
    revocations: Counter,
    revocation_log: Mutex<Vec<Revocation>>,
    access_revocable: Flag,
    careless_revocation_errors: Flag,
    /// The `token_type` of successful answers.
    token_type: Mutex<String>,
    /// The grant types of every token request, in order.
    grants: Mutex<Vec<String>>,
    /// Every refresh token ever issued, to notice one sent where it must not go.
    issued_refresh: Mutex<Vec<String>>,
    refresh_tokens_on_api: Counter,
    /// Whether tokens are bound to the client's key (DPoP).
    dpop: Flag,
    proofs: dpop::Proofs,
    /// Why each refused proof was refused, in order.
    dpop_refusals: Mutex<Vec<String>>,
    /// The endpoints that took a good proof, in order (`token`, `revoke`, `me`).
    dpop_proofs: Mutex<Vec<&'static str>>,
}

impl Deref for OAuth2 {
    type Target = VendorCommon;

    fn deref(&self) -> &VendorCommon {
        &self.common
    }
}

impl OAuth2 {
    pub(crate) fn new(clock: Arc<SimClock>) -> OAuth2 {
        let server = OAuth2 {
            common: VendorCommon::new(DEFAULT_TOKEN_LIFETIME),
            clock,
            access: Mutex::new(HashMap::new()),
            refresh: Mutex::new(HashMap::new()),
            refreshes: Counter::default(),
            refused_refreshes: Counter::default(),
            revocations: Counter::default(),
            revocation_log: Mutex::new(Vec::new()),
            access_revocable: Flag::default(),
            careless_revocation_errors: Flag::default(),
            token_type: Mutex::new("Bearer".to_owned()),
            grants: Mutex::new(Vec::new()),
            issued_refresh: Mutex::new(Vec::new()),
            refresh_tokens_on_api: Counter::default(),
            dpop: Flag::default(),
            proofs: dpop::Proofs::default(),
            dpop_refusals: Mutex::new(Vec::new()),
            dpop_proofs: Mutex::new(Vec::new()),
        };
        server.access_revocable.set(true);
        server
    }

    /// Access tokens issued by the `refresh_token` grant.
    pub fn refreshes(&self) -> u64 {
        self.refreshes.get()
    }

    /// `refresh_token` grants refused (a spent, revoked or unknown refresh token).
    pub fn refused_refreshes(&self) -> u64 {
        self.refused_refreshes.get()
    }

    /// Calls of the protected endpoint that carried a refresh token anywhere in their
    /// headers or query string (a refresh token belongs to the token endpoint only).
    pub fn refresh_tokens_on_api(&self) -> u64 {
        self.refresh_tokens_on_api.get()
    }

    /// Calls of the revocation endpoint that authenticated the client and named a
    /// token (answered 200 or `unsupported_token_type`).
    pub fn revocations(&self) -> u64 {
        self.revocations.get()
    }

    /// Every revocation counted by [`revocations`](Self::revocations), in order.
    pub fn revocation_log(&self) -> Vec<Revocation> {
        lock(&self.revocation_log).clone()
    }

    /// Whether access tokens may be revoked (default `true`). When not, revoking one is
    /// answered HTTP 400 `unsupported_token_type` and the token stays valid.
    pub fn set_access_token_revocation(&self, allowed: bool) {
        self.access_revocable.set(allowed);
    }

    /// Makes the revocation endpoint's error answers plain text quoting the token sent
    /// and the refresh token it was issued with (default off: RFC 6749 JSON errors).
    pub fn set_careless_revocation_errors(&self, careless: bool) {
        self.careless_revocation_errors.set(careless);
    }

    /// The `token_type` successful answers state (default `Bearer`); the tokens are
    /// accepted as bearer tokens whatever it says.
    pub fn set_token_type(&self, token_type: &str) {
        *lock(&self.token_type) = token_type.to_owned();
    }

    /// Binds tokens to the client's key (DPoP, RFC 9449): proofs required on the
    /// token, revocation and protected endpoints, tokens issued as `DPoP` (default off).
    pub fn set_dpop(&self, required: bool) {
        self.dpop.set(required);
    }

    /// Makes proofs carry `nonce` (or none again): RFC 9449 sections 8 and 9.
    pub fn set_dpop_nonce(&self, nonce: Option<&str>) {
        self.proofs.set_nonce(nonce.map(str::to_owned));
    }

    /// Why each refused DPoP proof was refused (`use_dpop_nonce`, or what was wrong).
    pub fn dpop_refusals(&self) -> Vec<String> {
        lock(&self.dpop_refusals).clone()
    }

    /// The endpoint of every good DPoP proof, in order: `token`, `revoke` or `me`.
    pub fn dpop_proofs(&self) -> Vec<&'static str> {
        lock(&self.dpop_proofs).clone()
    }

    /// The thumbprints of the keys the access tokens valid now are bound to.
    pub fn bound_thumbprints(&self) -> Vec<String> {
        let now = self.clock.instant();
        lock(&self.access)
            .values()
            .filter(|a| now < a.expires_at)
            .filter_map(|a| a.jkt.clone())
            .collect()
    }

    /// The thumbprint of a good proof on this request, or the answer refusing it.
    fn proven(
        &self,
        endpoint: &'static str,
        headers: &HeaderMap,
        method: &Method,
        uri: &Uri,
        token: Option<&str>,
    ) -> Result<String, Box<Response>> {
        match self
            .proofs
            .check(headers, method, uri, token, self.clock.unix_now())
        {
            Ok(jkt) => {
                lock(&self.dpop_proofs).push(endpoint);
                Ok(jkt)
            }
            Err(refused) => {
                let (code, description) = match refused {
                    dpop::Refused::Nonce => ("use_dpop_nonce", "a DPoP nonce is required"),
                    dpop::Refused::Invalid(why) => ("invalid_dpop_proof", why),
                };
                lock(&self.dpop_refusals).push(match refused {
                    dpop::Refused::Nonce => code.to_owned(),
                    dpop::Refused::Invalid(why) => why.to_owned(),
                });
                let mut response = match token {
                    // Section 7.1 and 9: a protected resource answers 401 with a challenge.
                    Some(_) => {
                        let mut response =
                            util::json(StatusCode::UNAUTHORIZED, json!({"error": code}));
                        let challenge = format!("DPoP error=\"{code}\", algs=\"ES256\"");
                        if let Ok(value) = HeaderValue::from_str(&challenge) {
                            response
                                .headers_mut()
                                .insert(header::WWW_AUTHENTICATE, value);
                        }
                        response
                    }
                    // Sections 5 and 8: the token endpoint answers 400 with the error.
                    None => util::json(
                        StatusCode::BAD_REQUEST,
                        json!({"error": code, "error_description": description}),
                    ),
                };
                if let Some(nonce) = self.proofs.nonce()
                    && let Ok(value) = HeaderValue::from_str(&nonce)
                {
                    response.headers_mut().insert("dpop-nonce", value);
                }
                Err(Box::new(no_store(response)))
            }
        }
    }

    /// Every refresh token issued so far, in order (spent and revoked ones too).
    pub fn issued_refresh_tokens(&self) -> Vec<String> {
        lock(&self.issued_refresh).clone()
    }

    /// Refresh tokens the `refresh_token` grant would accept now.
    pub fn active_refresh_tokens(&self) -> usize {
        lock(&self.refresh).len()
    }

    /// The `grant_type` of every token request received, in order.
    pub fn grants(&self) -> Vec<String> {
        lock(&self.grants).clone()
    }

    /// Access tokens valid at the server's time.
    pub fn active_tokens(&self) -> usize {
        let now = self.clock.instant();
        lock(&self.access)
            .values()
            .filter(|a| now < a.expires_at)
            .count()
    }

    /// Revokes every access token (refresh tokens stay usable).
    pub fn revoke_access_tokens(&self) {
        lock(&self.access).clear();
    }

    /// Revokes every refresh token.
    pub fn revoke_refresh_tokens(&self) {
        lock(&self.refresh).clear();
    }

    fn issue(&self, scope: &str, with_refresh: bool, jkt: Option<String>) -> serde_json::Value {
        let access = util::random_hex(20, false);
        let lifetime = self.lifetime.get();
        let refresh = with_refresh.then(|| util::random_hex(20, false));
        let token_type = match jkt {
            Some(_) => "DPoP".to_owned(),
            None => lock(&self.token_type).clone(),
        };
        lock(&self.access).insert(
            access.clone(),
            Access {
                expires_at: util::later(self.clock.instant(), lifetime),
                refresh: refresh.clone(),
                jkt,
            },
        );
        let mut body = json!({
            "access_token": access,
            "token_type": token_type,
            "expires_in": lifetime.as_secs(),
            "scope": scope,
        });
        if let Some(refresh) = refresh {
            lock(&self.refresh).insert(refresh.clone(), scope.to_owned());
            lock(&self.issued_refresh).push(refresh.clone());
            body["refresh_token"] = json!(refresh);
        }
        body
    }

    /// Whether `token` is an access token valid now, and the key it is bound to.
    fn valid(&self, token: Option<&str>) -> Option<Option<String>> {
        let token = token?;
        let now = self.clock.instant();
        lock(&self.access)
            .get(token)
            .filter(|a| now < a.expires_at)
            .map(|a| a.jkt.clone())
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(&format!("{PREFIX}{TOKEN_PATH}"), post(token))
        .route(&format!("{PREFIX}{REVOKE_PATH}"), post(revoke))
        .route(&format!("{PREFIX}{ME_PATH}"), get(me))
}

/// An error answer of RFC 6749 section 5.2.
fn error(code: &str, description: &str, basic_used: bool) -> Response {
    let status = if code == "invalid_client" && basic_used {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut response = util::json(
        status,
        json!({"error": code, "error_description": description}),
    );
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"oauth2\""),
        );
    }
    no_store(response)
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Why a client's authentication failed: the error code and description, and whether
/// it came with HTTP Basic.
type ClientRefused = (&'static str, &'static str, bool);

/// The client's identifier and secret from HTTP Basic, each decoded as RFC 6749
/// section 2.3.1 encodes it: `Ok(None)` without Basic credentials, `Err(())` when they
/// are not form-urlencoded.
fn basic_client(headers: &HeaderMap) -> Result<Option<(String, String)>, ()> {
    let pair = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok());
    // The encoded identifier holds no `:`, so the first one ends it.
    let Some((id, secret)) = pair.as_deref().and_then(|pair| pair.split_once(':')) else {
        return Ok(None);
    };
    match (util::form_decode(id), util::form_decode(secret)) {
        (Some(id), Some(secret)) => Ok(Some((id, secret))),
        _ => Err(()),
    }
}

/// The client's credentials from HTTP Basic or the body, checked: `Ok(basic_used)`, or
/// why they are missing, malformed, sent both ways, or wrong.
fn authenticate_client(
    headers: &HeaderMap,
    pairs: &[(String, String)],
) -> Result<bool, ClientRefused> {
    let Ok(basic) = basic_client(headers) else {
        return Err((
            "invalid_request",
            "the client's identifier and secret in HTTP Basic are not form-urlencoded (RFC 6749 section 2.3.1)",
            true,
        ));
    };
    let body = util::form_value(pairs, "client_id").map(|id| {
        (
            id.to_owned(),
            util::form_value(pairs, "client_secret")
                .unwrap_or_default()
                .to_owned(),
        )
    });
    let (basic_used, (id, secret)) = match (basic, body) {
        (Some(_), Some(_)) => {
            return Err((
                "invalid_request",
                "the client authenticated in two ways",
                true,
            ));
        }
        (Some(pair), None) => (true, pair),
        (None, Some(pair)) => (false, pair),
        (None, None) => {
            return Err(("invalid_client", "client authentication is required", false));
        }
    };
    if !CLIENTS.contains(&(id.as_str(), secret.as_str())) {
        return Err((
            "invalid_client",
            "unknown client or wrong secret",
            basic_used,
        ));
    }
    Ok(basic_used)
}

/// The granted scope: the one asked for when every part is known, all when none is
/// asked.
fn scope(pairs: &[(String, String)]) -> Result<String, ()> {
    match util::form_value(pairs, "scope") {
        None => Ok(SCOPES.join(" ")),
        Some(asked) if asked.split(' ').all(|s| SCOPES.contains(&s)) => Ok(asked.to_owned()),
        Some(_) => Err(()),
    }
}

async fn token(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let server = &s.oauth2;
    server.login_received().await;
    let jkt = match server.dpop.get() {
        true => match server.proven("token", &headers, &method, &uri, None) {
            Ok(jkt) => Some(jkt),
            Err(refused) => return *refused,
        },
        false => None,
    };
    let pairs = util::form_pairs(&body).unwrap_or_default();
    let grant = util::form_value(&pairs, "grant_type").unwrap_or_default();
    lock(&server.grants).push(grant.to_owned());
    let basic_used = match authenticate_client(&headers, &pairs) {
        Ok(basic_used) => basic_used,
        Err((code, description, basic_used)) => return error(code, description, basic_used),
    };
    let Ok(scope) = scope(&pairs) else {
        return error("invalid_scope", "a scope asked for is unknown", basic_used);
    };
    let answer = match grant {
        "password" => {
            let (Some(user), Some(password)) = (
                util::form_value(&pairs, "username"),
                util::form_value(&pairs, "password"),
            ) else {
                return error(
                    "invalid_request",
                    "username and password are required",
                    basic_used,
                );
            };
            if user != USERNAME || password != PASSWORD {
                return error(
                    "invalid_grant",
                    "the resource owner's credentials are wrong",
                    basic_used,
                );
            }
            server.logins.inc();
            server.issue(&scope, true, jkt)
        }
        "client_credentials" => {
            server.logins.inc();
            server.issue(&scope, false, jkt)
        }
        "refresh_token" => {
            let Some(refresh) = util::form_value(&pairs, "refresh_token") else {
                return error("invalid_request", "refresh_token is required", basic_used);
            };
            // Rotation: a refresh token is spent by its use.
            if lock(&server.refresh).remove(refresh).is_none() {
                server.refused_refreshes.inc();
                return error("invalid_grant", "the refresh token is invalid", basic_used);
            }
            server.refreshes.inc();
            server.issue(&scope, true, jkt)
        }
        "" => return error("invalid_request", "grant_type is required", basic_used),
        _ => {
            return error(
                "unsupported_grant_type",
                "this server knows password, client_credentials and refresh_token",
                basic_used,
            );
        }
    };
    no_store(util::json(StatusCode::OK, answer))
}

async fn revoke(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let server = &s.oauth2;
    if server.dpop.get()
        && let Err(refused) = server.proven("revoke", &headers, &method, &uri, None)
    {
        return *refused;
    }
    let pairs = util::form_pairs(&body).unwrap_or_default();
    let basic = match authenticate_client(&headers, &pairs) {
        Ok(basic) => basic,
        Err((code, description, basic_used)) => return error(code, description, basic_used),
    };
    let Some(token) = util::form_value(&pairs, "token") else {
        return error("invalid_request", "token is required", basic);
    };
    server.revocations.inc();
    let hint = util::form_value(&pairs, "token_type_hint").map(str::to_owned);
    // The hint is only a hint (RFC 7009 section 2.1): both kinds are looked up.
    let issued_with = lock(&server.access).get(token).map(|a| a.refresh.clone());
    let kind = if issued_with.is_some() {
        TokenType::AccessToken
    } else if lock(&server.refresh).contains_key(token) {
        TokenType::RefreshToken
    } else {
        TokenType::Unknown
    };
    let refused = kind == TokenType::AccessToken && !server.access_revocable.get();
    lock(&server.revocation_log).push(Revocation {
        hint,
        token: kind,
        basic,
        status: if refused { 400 } else { 200 },
    });
    if refused {
        let description = "this server revokes refresh tokens only";
        if server.careless_revocation_errors.get() {
            let refresh = issued_with.flatten().unwrap_or_default();
            let text = format!(
                "unsupported_token_type: cannot revoke access token {token} (issued with refresh token {refresh}): {description}\n"
            );
            let mut response = (StatusCode::BAD_REQUEST, text).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            return no_store(response);
        }
        return error("unsupported_token_type", description, basic);
    }
    lock(&server.access).remove(token);
    lock(&server.refresh).remove(token);
    util::json(StatusCode::OK, json!({}))
}

async fn me(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let server = &s.oauth2;
    server.api_calls.inc();
    let seen = headers
        .values()
        .filter_map(|v| v.to_str().ok())
        .chain(uri.query())
        .any(|text| {
            lock(&server.issued_refresh)
                .iter()
                .any(|refresh| text.contains(refresh.as_str()))
        });
    if seen {
        server.refresh_tokens_on_api.inc();
    }
    let refused = |challenge: &'static str| {
        server.rejected_api_calls.inc();
        let mut response = util::json(StatusCode::UNAUTHORIZED, json!({"error": "invalid_token"}));
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
        response
    };
    // A token bound to a key goes as `Authorization: DPoP` with that key's proof
    // (RFC 9449 section 7.1); as a bearer token it is refused, as a leaked one would be.
    let presented = util::bearer(&headers)
        .map(|token| (token, false))
        .or_else(|| dpop_token(&headers).map(|token| (token, true)));
    let Some((token, as_dpop)) = presented else {
        return refused("Bearer error=\"invalid_token\"");
    };
    match server.valid(Some(token)) {
        None => refused("Bearer error=\"invalid_token\""),
        Some(None) if !as_dpop => util::json(StatusCode::OK, json!({"subject": USERNAME})),
        Some(None) => refused("Bearer error=\"invalid_token\""),
        Some(Some(_)) if !as_dpop => refused("DPoP error=\"invalid_token\", algs=\"ES256\""),
        Some(Some(bound)) => match server.proven("me", &headers, &method, &uri, Some(token)) {
            Ok(jkt) if jkt == bound => util::json(StatusCode::OK, json!({"subject": USERNAME})),
            Ok(_) => refused("DPoP error=\"invalid_token\", algs=\"ES256\""),
            Err(refusal) => {
                server.rejected_api_calls.inc();
                *refusal
            }
        },
    }
}

/// The token of `Authorization: DPoP <token>` (RFC 9449 section 7.1).
fn dpop_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("dpop") && !token.trim().is_empty()).then(|| token.trim())
}
