// A template names a value no earlier step binds: the names it may use are suggested.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Stepwise",
    base = "{server}",
    login(path = "/token", headers("X-Session" = "{sesion}")),
    token = "token",
    apply(bearer),
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
