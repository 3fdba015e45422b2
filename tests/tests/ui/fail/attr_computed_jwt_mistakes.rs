// A misspelt algorithm, a claim the signer writes, a lifetime of a day and more, and a
// `jwt` key on a digest.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Acme",
    base = "{server}",
    computed(
        assertion(jwt = "RS265", key = "{private_key}", claims(iss = "{client_email}", exp = "0"), lifetime = 90000),
        digest(sha256 = "{client_email}", kid = "k1"),
    ),
    login(path = "/token", headers("X-Digest" = "{digest}")),
    oauth2(grant = "jwt-bearer"),
)]
pub struct Acme {
    client_email: String,
    private_key: String,
}

fn main() {}
