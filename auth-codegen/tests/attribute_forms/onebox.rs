//! OneBox: `POST {host}/api/authenticate`.
//!
//! A test fixture, not shipped code: the attribute form of `specs/onebox.toml`, which
//! `spec_equivalence.rs` expands as `#[auth_provider]` would and compares with what the
//! spec generates. The shipped provider (`auth_vendors::OneBox`) is generated from the
//! spec; the vendor's documented behaviour is described there and in auth-vendors.

use auth_runtime::auth_provider;

/// The documented host.
pub const CLOUD: &str = "https://cloud.onebox.co.id";

/// A OneBox host, e.g. [`CLOUD`].
#[auth_provider(
    vendor = "OneBox",
    base = "{host}",
    login(path = "/api/authenticate", format = "json"),
    token = "token",
    success(path = "response_status", equals = "Success"),
    response(response_code = "response_code", response_status = "response_status"),
    apply(bearer),
    expiry(absolute = "15m", jwt),
    error(
        Unauthorized,
        status = 401,
        doc = "401: the e-mail, password or site is wrong.",
        display = "OneBox refused the login",
        fields(
            status = "_meta.status",
            error_code = "records.errorCode",
            user_message = "records.userMessage",
            dev_message = "records.devMessage",
            more = "records.more",
            application_code = "records.applicationCode"
        )
    )
)]
pub struct OneBox {
    /// The user's e-mail address.
    email: String,
    /// The user's password.
    #[auth(secret)]
    password: String,
    /// The site to log in to.
    #[auth(rename = "siteId")]
    site_id: String,
}
