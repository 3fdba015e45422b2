// DPoP-bound tokens sent as bearer tokens: the server would refuse every call.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Acme",
    base = "{server}",
    login(path = "/token"),
    oauth2(grant = "client_credentials", dpop),
    apply(bearer),
)]
pub struct Acme {
    client_id: String,
    client_secret: String,
}

fn main() {}
