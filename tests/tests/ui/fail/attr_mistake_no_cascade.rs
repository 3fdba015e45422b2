// A mistake in the attribute is the only error: the code using the provider (its
// constructor, its credentials builder and setters, its run-time draft) still type-checks against
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let _provider = Example::new("acme");
    let _credentials = Example::credentials().api_key("key").build();
    // The run-time forms too: the draft, its setters, `set`, `try_build` and `from_env`.
    let _drafted = ExampleCredentials::draft().api_key("key").set("api_key", "key")?.try_build()?;
    let _from_env = ExampleCredentials::from_env("EXAMPLE_")?;
    Ok(())
}
