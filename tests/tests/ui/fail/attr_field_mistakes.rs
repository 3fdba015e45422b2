// Credential fields are strings; alternatives are optional; wire names are unique.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://{tenant}.example.com",
    login(path = "/{tenant}/login", format = "form"),
    token = "token",
    apply(bearer),
    one_of((username), (api_key)),
)]
pub struct Example {
    username: String,
    #[auth(rename = "user.name")]
    alias: Option<String>,
    #[auth(rename = "username")]
    login: Option<String>,
    site_id: u32,
    api_key: Option<String>,
}

fn main() {}
