//! Modulus: `POST https://{account}.modulus.biz/api/cmn/Authenticate`.
//!
//! A test fixture, not shipped code: the attribute form of `specs/modulus.toml` and
//! `specs/modulus_jwt.toml`, which `spec_equivalence.rs` expands as `#[auth_provider]`
//! would and compares with what the specs generate. The shipped providers
//! (`auth_vendors::Modulus`, `auth_vendors::ModulusJwt`) are generated from the specs;
//! the vendor's documented behaviour is described there and in auth-vendors.

use auth_runtime::auth_provider;

/// A Modulus account's `Authenticate` endpoint. `account` is the subdomain of
/// `https://{account}.modulus.biz`; [`Modulus::with_base_url`] points elsewhere.
#[auth_provider(
    vendor = "Modulus",
    base = "https://{account}.modulus.biz",
    login(path = "/api/cmn/Authenticate", format = "form"),
    token = "object.token",
    success(path = "result", equals = "true"),
    response(app_id = "object.app_id", ip = "object.ip", message = "message"),
    apply(bearer),
    expiry(absolute = "15m"),
    error(
        BadRequest,
        status = 400,
        doc = "400: one or more of `account`, `app`, `secret` is missing.",
        display = "Modulus refused the login: a parameter is missing",
        fields(title = "title", message = "message")
    ),
    error(
        Unauthorized,
        status = 401,
        doc = "401: the app name or secret is wrong.",
        display = "Modulus refused the login: authentication failed",
        fields(title = "title", message = "message")
    )
)]
pub struct Modulus {
    /// The application's name, as provided by the Modulus team.
    app: String,
    /// The application's secret, as provided by the Modulus team.
    #[auth(secret)]
    secret: String,
}

/// A Modulus account's `AuthenticateToken` endpoint (user name and password; the token
/// is `object` itself).
#[auth_provider(
    vendor = "Modulus",
    base = "https://{account}.modulus.biz",
    login(path = "/api/cmn/AuthenticateToken", format = "json"),
    token = "object",
    success(path = "result", equals = "true"),
    response(message = "message"),
    apply(bearer),
    expiry(absolute = "15m", jwt),
    error(
        BadRequest,
        status = 400,
        doc = "400: a parameter is missing.",
        display = "Modulus refused the login: a parameter is missing",
        fields(title = "title", message = "message")
    ),
    error(
        Unauthorized,
        status = 401,
        doc = "401: the user name or password is wrong.",
        display = "Modulus refused the login: authentication failed",
        fields(title = "title", message = "message")
    )
)]
pub struct ModulusJwt {
    /// The user's name.
    username: String,
    /// The user's password.
    #[auth(secret)]
    password: String,
}
