use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://api.example.com",
    login(path = "/login"),
    token = "token",
    apply(bearer),
    one_of((username, pasword), (api_key)),
)]
pub struct Example {
    username: Option<String>,
    #[auth(secret, requires = usernme)]
    password: Option<String>,
    #[auth(secret)]
    api_key: Option<String>,
}

fn main() {}
