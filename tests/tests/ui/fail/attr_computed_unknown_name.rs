// A computed value's template names nothing known: a near name is suggested.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Challenge",
    base = "{server}",
    step(challenge, method = "GET", path = "/challenge", bind(nonce = "nonce")),
    computed(digest(sha256 = "{nonse}{password}")),
    login(path = "/token", headers("X-Digest" = "{digest}")),
    token = "token",
    apply(bearer),
)]
pub struct Challenge {
    username: String,
    password: String,
}

fn main() {}
