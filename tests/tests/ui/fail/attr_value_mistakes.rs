// Wrong value types, a `one_of` with a single alternative, a non-string secret,
// misused `basic` and expiry keys, and `error_fields` with no error case to add them
// to: every mistake reported at once, each at its place.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://api.example.com",
    login(path = "/login", format = "json"),
    token = 5,
    apply(bearer),
    expiry(unknown, field = "expires", format = "iso"),
    one_of((api_key)),
    error_fields(code = "error.code"),
)]
pub struct Example {
    #[auth(basic = "admin")]
    user: String,
    #[auth(secret)]
    pin: u32,
    api_key: Option<String>,
}

fn main() {}
