// A computed value's function misspelt: the key table suggests the one meant.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Challenge",
    base = "{server}",
    step(challenge, method = "GET", path = "/challenge", bind(nonce = "nonce")),
    computed(digest(sha265 = "{nonce}{password}")),
    login(path = "/token", headers("X-Digest" = "{digest}")),
    token = "token",
    apply(bearer),
)]
pub struct Challenge {
    username: String,
    password: String,
}

fn main() {}
