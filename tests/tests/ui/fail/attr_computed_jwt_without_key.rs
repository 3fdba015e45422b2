// A JWT to sign, and no key to sign it with.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Acme",
    base = "{server}",
    computed(assertion(jwt = "RS256", claims(iss = "{client_email}"))),
    login(path = "/token"),
    oauth2(grant = "jwt-bearer"),
)]
pub struct Acme {
    client_email: String,
    private_key: String,
}

fn main() {}
