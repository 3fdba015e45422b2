//! The careless middleware stack: `AuthMiddleware` over a client of the user's own,
//! which follows redirects to any origin. There is no way to make one.

use auth_runtime::{AuthMiddleware, Session, auth_provider};

#[auth_provider(
    vendor = "Example",
    base = "https://api.example.com",
    login(path = "/login"),
    token = "token",
    apply(header = "X-Auth-Token")
)]
pub struct Example {
    user: String,
    #[auth(secret)]
    password: String,
}

fn main() {
    let credentials = Example::credentials().user("ada").password("pw").build();
    let session = Session::new(Example::new(), credentials).unwrap();
    let _client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(AuthMiddleware::new(session))
        .build();
}
