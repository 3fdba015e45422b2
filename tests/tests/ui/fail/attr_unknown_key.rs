// A misspelled key is reported at its span with a suggestion; the other keys still work
// and the struct is still emitted, so nothing else fails.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://api.example.com",
    login(path = "/login", fromat = "json"),
    tokn = "token",
    token = "token",
    apply(bearer),
)]
pub struct Example {
    #[auth(secert)]
    password: String,
}

fn main() {
    let _ = std::mem::size_of::<Example>();
}
