// A step names a value a later step binds: it is not known yet when the step is sent.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Stepwise",
    base = "{server}",
    login(path = "/token", headers("X-Session" = "{session}")),
    token = "token",
    apply(bearer),
    step(
        csrf,
        method = "GET",
        path = "/csrf",
        headers("X-Session" = "{session}"),
        bind(csrf = "csrf"),
    ),
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
