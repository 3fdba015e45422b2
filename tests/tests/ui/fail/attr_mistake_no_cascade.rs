// A mistake in the attribute is the only error: the code using the provider (its
// constructor, its credentials builder and setters) still type-checks against
// stand-ins, so no "no function or associated item named ..." follows at each use.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://{tenant}.example.com",
    login(path = "/login"),
    token = "token",
    apply(bearr),
)]
pub struct Example {
    #[auth(secret)]
    api_key: String,
}

fn main() {
    let _provider = Example::new("acme");
    let _credentials = Example::credentials().api_key("key").build();
}
