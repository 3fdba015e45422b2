//! Currencycloud: `POST {host}/v2/authenticate/api`.
//!
//! A test fixture, not shipped code: the attribute form of `specs/currencycloud.toml`, which
//! `spec_equivalence.rs` expands as `#[auth_provider]` would and compares with what the
//! spec generates. The shipped provider (`auth_vendors::Currencycloud`) is generated from the
//! spec; the vendor's documented behaviour is described there and in auth-vendors.

use auth_runtime::auth_provider;

/// The demo (sandbox) host.
pub const DEMO: &str = "https://devapi.currencycloud.com";
/// The production host.
pub const PRODUCTION: &str = "https://api.currencycloud.com";

/// A Currencycloud host, e.g. [`DEMO`] or [`PRODUCTION`].
#[auth_provider(
    vendor = "Currencycloud",
    base = "{host}",
    login(path = "/v2/authenticate/api", format = "multipart"),
    logout(path = "/v2/authenticate/close_session", format = "form"),
    token = "auth_token",
    apply(header = "X-Auth-Token"),
    expiry(idle = "30m"),
    error_fields(error_code = "error_code", error_messages = field_messages("error_messages")),
    error(
        InvalidLoginDetails,
        status = 400,
        doc = "400 `auth_invalid_user_login_details`: a field is missing or malformed.",
        display = "Currencycloud refused the login details"
    ),
    error(
        AuthFailed,
        status = 401,
        doc = "401 `auth_failed`: the login ID or API key is wrong.",
        display = "Currencycloud authentication failed"
    ),
    error(
        TooManyRequests,
        status = 429,
        doc = "429 `too_many_requests`: too many logins; wait before trying again.",
        display = "Currencycloud refused the login: too many requests"
    ),
    error(
        ServerError,
        status = 500,
        doc = "500: an error inside Currencycloud.",
        display = "Currencycloud failed (HTTP 500)"
    ),
    error(
        Unavailable,
        status = 503,
        doc = "503: Currencycloud is unavailable for now.",
        display = "Currencycloud is unavailable (HTTP 503)"
    )
)]
pub struct Currencycloud {
    /// The login ID, usually the account's e-mail address.
    #[auth(max_length = 255)]
    login_id: String,
    /// The API key: 64 lowercase hexadecimal characters.
    #[auth(secret, length = 64, charset = "lower_hex")]
    api_key: String,
}
