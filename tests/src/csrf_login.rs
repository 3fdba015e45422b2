//! The CSRF-first web login of `auth-sim` (`auth_sim::csrf_login`) described with
//! `#[auth_provider(...)]`: a step fetches the CSRF token, the login sends it back in a
//! header and in the cookie the step set, and the session is a cookie.

use auth_runtime::auth_provider;

/// The CSRF-first web login: a CSRF token, then the session cookie.
#[auth_provider(
    vendor = "CSRF web login",
    base = "{server}",
    step(csrf, method = "GET", path = "/api/csrf", bind(csrf = "csrfToken")),
    login(
        path = "/api/login",
        headers("X-CSRFToken" = "{csrf}", "Cookie" = "csrftoken={csrf}"),
    ),
    token(cookie = "sessionid"),
    apply(cookie = "sessionid"),
    rejected(status = 403),
    logout(path = "/api/logout"),
    error(
        BadCredentials,
        status = 401,
        display = "the web login refused the user name or the password",
        doc = "The login refused the credentials (its CSRF token was good).",
    ),
    error(
        CsrfRefused,
        status = 403,
        display = "the web login refused the CSRF token",
        doc = "The login refused its CSRF token: missing, spent, expired or not the cookie's.",
        fields(detail = "detail"),
    ),
)]
pub struct CsrfLogin {
    /// The user's name.
    username: String,
    /// The user's password.
    password: String,
}
