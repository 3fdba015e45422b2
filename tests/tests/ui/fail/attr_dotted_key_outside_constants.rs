// A dotted key nests constants only: elsewhere, one error showing the nested table.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://api.example.com",
    login(path = "/login", constants(auth.methods = ["password"])),
    token = "token",
    apply(bearer),
    expiry.absolute = "1h",
)]
pub struct Example {
    user: String,
}

fn main() {
    let _ = Example::new();
}
