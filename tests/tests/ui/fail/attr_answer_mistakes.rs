// Mistakes in the keys that read answers and shape requests: a constant written as a
// bare name, a nested constant in a form body and in the query string, an unknown
// method, a token in two places, a header name with a space, a condition without a
// value, an empty `rejected`, a cookie name with a `;`, `bearer` beside another
// `Authorization` scheme, a format for a cookie's own expiry, a Basic password
// without a user. Each is reported at its place, in one compile.
use auth_runtime::auth_provider;

#[auth_provider(
    vendor = "Example",
    base = "https://api.example.com",
    login(
        path = "/login",
        format = "form",
        constants(grant_type = password, client(id = "x")),
        query(deep(x = "1"))
    ),
    logout(path = "/logout", method = "PURGE"),
    token(header = "X Session", cookie = "sid"),
    success(text),
    rejected(),
    apply(cookie = "s;d", bearer, header = "Authorization"),
    expiry(cookie = "sid", format = "unix"),
)]
pub struct Example {
    #[auth(basic = "password")]
    key: String,
}

fn main() {}
