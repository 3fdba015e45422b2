// A logout naming a value computed from a credential field: it is sent without them.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Challenge",
    base = "{server}",
    step(challenge, method = "GET", path = "/challenge", bind(nonce = "nonce")),
    computed(digest(sha256 = "{nonce}{password}")),
    login(path = "/token", headers("X-Digest" = "{digest}")),
    logout(path = "/logout", headers("X-Digest" = "{digest}")),
    token = "token",
    apply(bearer),
)]
pub struct Challenge {
    username: String,
    password: String,
}

fn main() {}
