//! Testing a vendor of your own, with no server of the vendor's: `auth-mock` serves
//! the description the client acts on.
//!
//! ```text
//! cargo run -p authgen-examples --example own_vendor
//! ```
//!
//! Acme is not a real vendor: it is described here once, and both the client and the
//! mock read that description. The program logs in, survives the vendor dropping every
//! token, a token that idles out and an outage of the login, and shows the refusal of
//! wrong credentials in Acme's own error type.

use std::time::Duration;

use auth_mock::MockVendor;
use auth_mock::fault::{Fault, Scope};
use auth_runtime::{Session, auth_provider};
use reqwest::Method;

/// Acme's token endpoint.
#[auth_provider(
    vendor = "Acme",
    base = "https://api.acme.example",
    login(path = "/v1/login", format = "json"),
    token = "data.token",
    apply(header = "X-Acme-Token"),
    expiry(idle = "20m"),
    logout(path = "/v1/logout"),
    error(Denied, status = 401, fields(reason = "error.message"))
)]
pub struct Acme {
    /// The user's name.
    user: String,
    /// The user's password.
    #[auth(secret)]
    password: String,
}

type Failure = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mock = MockVendor::start::<Acme>().await;
    mock.accept([("user", "ada"), ("password", "s3cret")])?;
    println!("a mock of Acme at {}", mock.base_url());

    let credentials = Acme::credentials().user("ada").password("s3cret").build();
    let session = Session::new(Acme::new().with_base_url(mock.base_url()), credentials)?;
    let orders = mock.url("/v1/orders");
    let call = |what: &'static str| {
        let session = session.clone();
        let orders = orders.clone();
        async move {
            let status = session
                .send(session.request(Method::GET, &orders))
                .await?
                .status();
            println!("  {what}: GET /v1/orders -> HTTP {status}");
            Ok::<_, Failure>(())
        }
    };

    call("first call").await?;
    call("second call, same token").await?;
    mock.revoke_all();
    call("after the vendor dropped every token").await?;
    mock.advance(Duration::from_secs(21 * 60));
    mock.faults().set_times(Scope::Login, Fault::Status(503), 1);
    call("after 21 idle minutes and a 503 on the login").await?;
    println!(
        "  logins: {}, rejections: {}, faults met: {}",
        mock.logins(),
        mock.rejected(),
        mock.faults().served()
    );
    session.logout().await?;
    println!("  logged out: {} logout(s) at the mock", mock.logouts());

    let wrong = Acme::credentials().user("ada").password("guess").build();
    let refused = Session::new(Acme::new().with_base_url(mock.base_url()), wrong)?;
    match refused.token().await {
        Err(AcmeError::Denied { reason }) => {
            println!(
                "  wrong credentials: Acme's Denied ({})",
                reason.unwrap_or_default()
            );
        }
        other => return Err(format!("expected Denied, got {other:?}").into()),
    }
    Ok(())
}
