//! A downstream user's crate: two vendors authgen does not ship, described with the
//! attribute alone, with `auth-runtime` as the only dependency.
//!
//! * [`Vaultly`] logs in with HTTP Basic credentials and answers `{token, expires}`
//!   with an ISO 8601 expiry; it has a keep-alive and an invalidate endpoint.
//! * [`Plainly`] answers the token as a bare JSON string, valid five minutes, sent as
//!   `Authorization: Bearer`.
//! * [`CookieJar`] is a session cookie: the login answers in text at HTTP 200 whether it
//!   succeeded or not, the session goes back as a cookie beside the caller's own, its
//!   `Max-Age` says when it ends, and an expired session is answered with HTTP 440
//!   (auth-sim's cookie-session vendor).
//! * [`HeaderToken`] answers the token in a response header and its expiry in the
//!   body; its login body nests the credentials among constants (a list, a number, a
//!   boolean) three levels deep, with a constant in the query string; its logout is a
//!   `DELETE` naming the token in a header of its own (auth-sim's header-token vendor).
//! * [`PasswordGrant`] and [`ClientCredentials`] are OAuth 2.0 token requests (auth-sim's
//!   OAuth 2.0 server), one authenticating the client with HTTP Basic, the other with
//!   body parameters; the standard error answers are their error variants.
//! * [`RevokingPasswordGrant`] and [`RevokingClientCredentials`] are the same grants on
//!   a server with a revocation endpoint (RFC 7009): their logout revokes the refresh
//!   token and the access token there, the client authenticated as on the token
//!   endpoint.
//!
//! The runtime is reached through a re-export, as a crate wrapping it would do, so the
//! attribute's `crate = "..."` is exercised too.

/// The runtime, re-exported under this crate's own name for it.
pub use auth_runtime as auth;

use auth::auth_provider;

/// Vaultly's session endpoint. `host` is its base URL.
#[auth_provider(
    crate = "crate::auth",
    vendor = "Vaultly",
    base = "{host}",
    login(path = "/auth/login", format = "json"),
    token = "token",
    apply(header = "X-Session"),
    expiry(unknown, field = "expires", format = "rfc3339"),
    keepalive(path = "/auth/keepalive"),
    logout(path = "/auth/invalidate"),
    error(
        BadCredentials,
        status = 401,
        display = "Vaultly refused the credentials",
        fields(reason = "error")
    )
)]
pub struct Vaultly {
    /// The account's user name.
    #[auth(basic = "user")]
    user: String,
    /// The account's password.
    #[auth(secret, basic = "password")]
    password: String,
}

/// Plainly's login endpoint. `host` is its base URL.
#[auth_provider(
    crate = "crate::auth",
    vendor = "Plainly",
    base = "{host}",
    login(path = "/login", format = "json"),
    token = ".",
    apply(bearer),
    expiry(absolute = "5m")
)]
pub struct Plainly {
    /// The user's name.
    username: String,
    /// The user's password.
    #[auth(secret)]
    password: String,
}

/// A cookie-session vendor (auth-sim's `cookie_session`). `host` is its base URL.
#[auth_provider(
    crate = "crate::auth",
    vendor = "CookieJar",
    base = "{host}",
    login(path = "/login", format = "form"),
    logout(path = "/logout"),
    token(cookie = "sid"),
    success(text, equals = "OK"),
    rejected(status = 440),
    apply(cookie = "sid"),
    expiry(absolute = "30m", cookie = "sid"),
    error(
        Denied,
        text,
        contains = "DENIED",
        display = "CookieJar refused the credentials"
    ),
    error(
        Incomplete,
        text,
        contains = "required",
        display = "CookieJar needs a user and a password"
    )
)]
pub struct CookieJar {
    /// The user's name.
    user: String,
    /// The user's password.
    #[auth(secret)]
    password: String,
}

/// A header-token vendor (auth-sim's `header_token`). `host` is its base URL.
#[auth_provider(
    crate = "crate::auth",
    vendor = "HeaderToken",
    base = "{host}",
    login(
        path = "/v3/auth/tokens",
        format = "json",
        constants(auth(methods = ["password"], version = 3, remember = false, user(domain(name = "Default")))),
        query(nocatalog = "true")
    ),
    logout(path = "/v3/auth/tokens", method = "DELETE", apply(header = ["X-Auth-Token", "X-Subject-Token"])),
    token(header = "X-Subject-Token"),
    apply(header = "X-Auth-Token"),
    expiry(unknown, field = "token.expires_at", format = "rfc3339"),
    response(user = "token.user.name"),
    error_fields(message = "error.message"),
    error(Unauthorized, status = 401, display = "HeaderToken refused the credentials"),
    error(BadRequest, status = 400, display = "HeaderToken refused the request")
)]
pub struct HeaderToken {
    /// The user's name.
    #[auth(rename = "auth.user.name")]
    user: String,
    /// The user's password.
    #[auth(secret, rename = "auth.user.password")]
    password: String,
}

/// The `password` grant of an OAuth 2.0 server (auth-sim's `oauth2`), the client
/// authenticated with HTTP Basic. `host` is its base URL.
#[auth_provider(
    crate = "crate::auth",
    vendor = "OAuth2 server",
    base = "{host}",
    login(path = "/token"),
    oauth2(grant = "password")
)]
pub struct PasswordGrant {
    /// The client's identifier.
    #[auth(basic = "user")]
    client_id: String,
    /// The client's secret.
    #[auth(secret, basic = "password")]
    client_secret: String,
    /// The resource owner's name.
    username: String,
    /// The resource owner's password.
    #[auth(secret)]
    password: String,
    /// The scopes asked for, space-separated; all the client may have when not given.
    scope: Option<String>,
}

/// The `client_credentials` grant of an OAuth 2.0 server (auth-sim's `oauth2`), the
/// client authenticated with body parameters. `host` is its base URL.
#[auth_provider(
    crate = "crate::auth",
    vendor = "OAuth2 server",
    base = "{host}",
    login(path = "/token"),
    oauth2(grant = "client_credentials")
)]
pub struct ClientCredentials {
    /// The client's identifier.
    client_id: String,
    /// The client's secret.
    #[auth(secret)]
    client_secret: String,
    /// The scopes asked for, space-separated.
    scope: Option<String>,
}

/// The `password` grant of an OAuth 2.0 server (auth-sim's `oauth2`) whose logout
/// revokes the tokens (RFC 7009), the client authenticated with HTTP Basic. `host` is
/// its base URL.
#[auth_provider(
    crate = "crate::auth",
    vendor = "OAuth2 server",
    base = "{host}",
    login(path = "/token"),
    oauth2(grant = "password", revoke = "/revoke")
)]
pub struct RevokingPasswordGrant {
    /// The client's identifier.
    #[auth(basic = "user")]
    client_id: String,
    /// The client's secret.
    #[auth(secret, basic = "password")]
    client_secret: String,
    /// The resource owner's name.
    username: String,
    /// The resource owner's password.
    #[auth(secret)]
    password: String,
}

/// The `client_credentials` grant of an OAuth 2.0 server (auth-sim's `oauth2`) whose
/// logout revokes the access token (RFC 7009), the client authenticated with body
/// parameters. `host` is its base URL.
#[auth_provider(
    crate = "crate::auth",
    vendor = "OAuth2 server",
    base = "{host}",
    login(path = "/token"),
    oauth2(grant = "client_credentials", revoke = "/revoke")
)]
pub struct RevokingClientCredentials {
    /// The client's identifier.
    client_id: String,
    /// The client's secret.
    #[auth(secret)]
    client_secret: String,
}
