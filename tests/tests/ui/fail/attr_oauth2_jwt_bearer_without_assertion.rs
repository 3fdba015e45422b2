// The JWT-bearer grant with no assertion to send, and `private_key_jwt` with no
// client assertion.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Acme",
    base = "{server}",
    computed(token_jwt(jwt = "RS256", key = "{private_key}", claims(iss = "{client_id}"))),
    login(path = "/token", headers("X-Jwt" = "{token_jwt}")),
    oauth2(grant = "jwt-bearer", client_auth = "private_key_jwt"),
)]
pub struct Acme {
    client_id: String,
    private_key: String,
}

fn main() {}
