//! CRM.COM: `POST {server}/crmapi/rest/v2/authentication/token`.
//!
//! The request is JSON: `organisation` (mandatory), then `username` + `password`, or an
//! `access_token_identifier` holding either an `authentication_code` or an `identifier`
//! with its `pass_code`; `unit` is optional. Every answer is the envelope
//! `{"status": {"code", "message", "description"}, "data": {...}}`, successful only when
//! `status.code` is `OK`; the token is `data.token`. API calls carry it as the `token`
//! query parameter (GET) or a `token` field of the JSON body (POST). Tokens expire one
//! hour after issue (some releases: after an hour of inactivity, see
//! [`ExpiryPolicy::idle`](crate::ExpiryPolicy::idle)); R12 and later issue JWTs, whose
//! `exp` claim then decides. `authentication/token/release` retires a token.
//!
//! An API call with a token CRM.COM no longer accepts is answered with HTTP 200 and a
//! non-OK `status.code`; the document names no code, and this provider takes
//! `INVALID_TOKEN` as the one that means "log in again" (so a validation failure on a
//! call is not mistaken for an expired token).

use crate::auth_provider;

/// A CRM.COM server. `server` is its base URL, e.g. `https://crm.example.com`.
#[auth_provider(
    vendor = "CRM.COM",
    base = "{server}",
    login(path = "/crmapi/rest/v2/authentication/token", format = "json"),
    logout(path = "/crmapi/rest/v2/authentication/token/release", format = "json"),
    token = "data.token",
    success(path = "status.code", equals = "OK"),
    rejected(path = "status.code", equals = "INVALID_TOKEN"),
    apply(query = "token", body = "token"),
    expiry(absolute = "1h", jwt),
    one_of((username, password), (authentication_code), (identifier, pass_code)),
    error(
        Rejected,
        doc = "CRM.COM answered with a `status.code` other than `OK`.",
        display = "CRM.COM refused the login",
        fields(code = "status.code", message = "status.message", description = "status.description")
    )
)]
pub struct CrmCom {
    /// The organisation to log in to.
    organisation: String,
    /// The user's name; needs `password`.
    username: Option<String>,
    /// The user's password; needs `username`.
    #[auth(secret)]
    password: Option<String>,
    /// The authentication code of an access token.
    #[auth(secret, rename = "access_token_identifier.authentication_code")]
    authentication_code: Option<String>,
    /// The identifier of an access token; needs `pass_code`.
    #[auth(rename = "access_token_identifier.identifier", requires = pass_code)]
    identifier: Option<String>,
    /// The pass code of an access token, mandatory when `identifier` is given.
    #[auth(secret, rename = "access_token_identifier.pass_code")]
    pass_code: Option<String>,
    /// The unit to log in to; the user's default unit when not given.
    unit: Option<String>,
}
