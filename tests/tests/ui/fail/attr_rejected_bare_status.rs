// A rejection's status written without its key: one error, showing it with `status`.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://api.example.com",
    login(path = "/login"),
    token = "token",
    rejected(403),
    apply(bearer),
)]
pub struct Example {
    user: String,
}

fn main() {
    let _ = Example::new();
}
