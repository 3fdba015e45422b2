// An HMAC without its key.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Challenge",
    base = "{server}",
    step(challenge, method = "GET", path = "/challenge", bind(nonce = "nonce")),
    computed(signature(hmac_sha256 = "{nonce}{username}")),
    login(path = "/token", headers("X-Signature" = "{signature}"), constants(pass = "{password}")),
    token = "token",
    apply(bearer),
)]
pub struct Challenge {
    username: String,
    password: String,
}

fn main() {}
