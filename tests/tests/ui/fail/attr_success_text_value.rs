// The body compared by giving `text` the value: one error, at the value, showing the
// flag and `equals`.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://api.example.com",
    login(path = "/login", format = "form"),
    token(header = "X-Token"),
    success(text = "Ok."),
    apply(bearer),
)]
pub struct Example {
    user: String,
}

fn main() {
    let _ = Example::new();
}
