// OAuth 2.0 described wrongly: a grant authgen does not ask for, and a `password`
// grant whose credentials have no resource-owner password and no way for the client
// to authenticate.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://auth.example.com",
    login(path = "/token"),
    oauth2(grant = "implicit"),
)]
pub struct Implicit {
    client_id: String,
}

#[auth_provider(
    vendor = "Example",
    base = "https://auth.example.com",
    login(path = "/token"),
    oauth2(grant = "password"),
)]
pub struct Password {
    username: String,
}

fn main() {}
