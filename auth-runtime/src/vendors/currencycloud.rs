//! Currencycloud: `POST {host}/v2/authenticate/api`.
//!
//! The request is `multipart/form-data` with `login_id` (usually an e-mail address, at
//! most 255 characters) and `api_key` (64 lowercase hexadecimal characters; both are
//! checked when given to the builder). The answer is `{"auth_token"}`, sent on API calls
//! as the `X-Auth-Token` header. Tokens expire after 30 minutes of inactivity. Failures
//! are `{"error_code", "error_messages": {field: [{code, message, params}]}}`: 400
//! `auth_invalid_user_login_details`, 401 `auth_failed` (also what an expired token
//! gets), 429 `too_many_requests`, and 500/503. Four failed logins lock the account, so
//! a refused login is never retried. `POST /v2/authenticate/close_session` retires a
//! token.

use crate::auth_provider;

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
