//! The careless tower stack: `AuthLayer` over a service sending with a client of the
//! user's own, which follows redirects to any origin. The layer wraps only the
//! session's own client (`SessionClient`).

use auth_runtime::{AuthLayer, Session, auth_provider};
use tower::Layer as _;

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
    let client = reqwest::Client::new();
    let send = tower::service_fn(move |request: http::Request<String>| {
        let client = client.clone();
        async move {
            let response = client.execute(reqwest::Request::try_from(request)?).await?;
            Ok::<_, reqwest::Error>(http::Response::new(response.status().to_string()))
        }
    });
    let _service = AuthLayer::new(session).layer(send);
}
