// A vendor described in a user's crate, with only `auth_runtime` in scope.
use auth_runtime::auth_provider;

/// Example Corp's token endpoint.
#[auth_provider(
    vendor = "Example Corp",
    base = "https://{tenant}.example.com",
    login(path = "/oauth/login", method = "POST", format = "form"),
    token = "access_token",
    apply(bearer),
    expiry(idle = "30m"),
    response(user = "user.id"),
    error(Locked, status = 423, fields(reason = "reason"))
)]
pub struct Example {
    login_id: String,
    #[auth(secret)]
    api_key: String,
}

fn main() {
    let credentials = Example::credentials().api_key("k").login_id("me").build();
    let _provider = Example::new("acme");
    let _: ExampleCredentials = credentials;
    let _response = ExampleLoginResponse::default().user;
    let _error: ExampleError = ExampleError::Locked { reason: None };
}
