//! OneBox: `POST {host}/api/authenticate`.
//!
//! The request carries `email`, `password` and `siteId`. Success is
//! `{"response_code": "200", "response_status": "Success", "token"}`, the token an HS256
//! JWT whose `exp` claim gives its expiry (about 15 minutes), sent on API calls as
//! `Authorization: Bearer`. Wrong credentials are a 401 with
//! `{"_meta": {"status", "count"}, "records": {"errorCode", "userMessage", "devMessage",
//! "more", "applicationCode"}}`, where `errorCode` is sometimes a number and
//! `applicationCode` sometimes null. OneBox has no logout.

use crate::auth_provider;

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
