// A field is marked `secret` or `public`, not both: one error, at the second mark, saying
// what to write; the code using the provider raises no other.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://example.com",
    login(path = "/login"),
    token = "token",
    apply(bearer),
)]
pub struct Example {
    username: String,
    #[auth(secret, public)]
    password: String,
}

fn main() {
    let _credentials = Example::credentials().username("ada").password("pw").build();
}
