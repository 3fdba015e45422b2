// Keys written in the wrong shape: parentheses where `key = value` is expected, and the
// reverse; a status in quotes; a mistake after them. Each is reported once, at its
// place, and none makes the attribute claim a written key is missing.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor("Example"),
    base = "https://api.example.com",
    login = "/login",
    token = "token",
    apply = bearer,
    error(Locked, status = "423"),
    error(Refused, status = 99),
    tokn = "data.token",
)]
pub struct Example {
    #[auth(secret = "yes", max_length(10))]
    api_key: String,
}

fn main() {}
