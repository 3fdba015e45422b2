// OAuth 2.0 revocation described wrongly: beside a `logout` of the vendor's own, as a
// URL instead of a path, and as something other than a string.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://auth.example.com",
    login(path = "/token"),
    logout(path = "/logout"),
    oauth2(grant = "client_credentials", revoke = "/revoke"),
)]
pub struct BothLogouts {
    client_id: String,
}

#[auth_provider(
    vendor = "Example",
    base = "https://auth.example.com",
    login(path = "/token"),
    oauth2(grant = "client_credentials", revoke = "https://auth.example.com/revoke"),
)]
pub struct NotAPath {
    client_id: String,
}

#[auth_provider(
    vendor = "Example",
    base = "https://auth.example.com",
    login(path = "/token"),
    oauth2(grant = "client_credentials", revoke),
)]
pub struct NoPath {
    client_id: String,
}

fn main() {
    // The providers with mistakes still have their stand-ins: no cascade here.
    let _ = BothLogouts::credentials().client_id("c").build();
}
