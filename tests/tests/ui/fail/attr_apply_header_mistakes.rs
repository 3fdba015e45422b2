// Headers for the token named wrongly: the same header twice (in any case), a name that
// is not a string, an empty list; each one error at its place.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://api.example.com",
    login(path = "/login"),
    token = "token",
    logout(path = "/logout", apply(header = ["X-Auth-Token", "x-auth-token"])),
    apply(header = ["X-Auth-Token", 7]),
)]
pub struct Twice {
    user: String,
}

#[auth_provider(
    vendor = "Example",
    base = "https://api.example.com",
    login(path = "/login"),
    token = "token",
    apply(header = []),
)]
pub struct Empty {
    user: String,
}

fn main() {}
