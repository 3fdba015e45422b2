// Two headers for the token: one error, at the second, saying a request carries the
// token in one header and how a word before it is written.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://api.example.com",
    login(path = "/login"),
    token = "token",
    logout(path = "/logout", apply(header = "A", header = "B")),
    apply(bearer),
)]
pub struct Example {
    user: String,
}

fn main() {
    let _ = Example::new();
}
