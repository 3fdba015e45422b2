// A computed value named before the step that binds what it reads.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Challenge",
    base = "{server}",
    computed(digest(sha256 = "{nonce}{password}")),
    step(hello, path = "/hello", headers("X-Digest" = "{digest}")),
    step(challenge, method = "GET", path = "/challenge", bind(nonce = "nonce")),
    login(path = "/token", constants(user = "{username}")),
    token = "token",
    apply(bearer),
)]
pub struct Challenge {
    username: String,
    password: String,
}

fn main() {}
