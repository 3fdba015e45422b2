// An error's condition written nested in `when(...)`, the old spelling: one error at
// `when`, showing this very case written inline as `success` and `rejected` write it.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://api.example.com",
    login(path = "/login", format = "form"),
    token(header = "X-Token"),
    apply(bearer),
    error(Fails, when(text, equals = "Fails.")),
)]
pub struct Example {
    user: String,
}

fn main() {
    let _ = Example::new();
}
