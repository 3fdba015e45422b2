//! CRM.COM: `POST {server}/crmapi/rest/v2/authentication/token`.
//!
//! A test fixture, not shipped code: the attribute form of `specs/crmcom.toml`, which
//! `spec_equivalence.rs` expands as `#[auth_provider]` would and compares with what the
//! spec generates. The shipped provider (`auth_vendors::CrmCom`) is generated from the
//! spec; the vendor's documented behaviour is described there and in auth-vendors.

use auth_runtime::auth_provider;

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
