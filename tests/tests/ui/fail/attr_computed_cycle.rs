// Computed values naming each other: neither can be computed first.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Challenge",
    base = "{server}",
    step(challenge, method = "GET", path = "/challenge", bind(nonce = "nonce")),
    computed(a(sha256 = "{b}{password}"), b(sha256 = "{a}")),
    login(path = "/token", headers("X-A" = "{a}")),
    token = "token",
    apply(bearer),
)]
pub struct Challenge {
    username: String,
    password: String,
}

fn main() {}
