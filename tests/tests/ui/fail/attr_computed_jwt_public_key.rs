// A JWT signed with a key from a field marked public: the key would be shown.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Acme",
    base = "{server}",
    computed(assertion(jwt = "RS256", key = "{signing_pem}", claims(iss = "{client_email}"))),
    login(path = "/token"),
    oauth2(grant = "jwt-bearer"),
)]
pub struct Acme {
    client_email: String,
    #[auth(public)]
    signing_pem: String,
}

fn main() {}
