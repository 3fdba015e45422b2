// A logout and a keep-alive name a credential field and a value a step of the login bound.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Stepwise",
    base = "{server}",
    login(path = "/token", headers("X-Session" = "{session}")),
    token = "token",
    apply(bearer),
    logout(method = "DELETE", path = "/sessions/{session}", headers("X-User" = "{username}")),
    keepalive(path = "/keepalive", headers("X-Session" = "{session}")),
    step(csrf, method = "GET", path = "/csrf", bind(csrf = "csrf")),
    step(
        session,
        path = "/session",
        headers("X-CSRF-Token" = "{csrf}"),
        constants(user = "{username}", pass = "{password}"),
        bind(session = "session_id"),
    ),
    error(BadCredentials, step = "session", status = 401),
)]
pub struct Stepwise {
    username: String,
    password: String,
}

fn main() {}
