//! # auth-mock
//!
//! A mock vendor served from an authgen vendor description, for testing a client of a
//! vendor you described yourself, over real HTTP on 127.0.0.1, without the vendor's
//! servers.
//!
//! Every provider the generator writes (from `#[auth_provider(...)]` or a spec file)
//! carries its description ([`Described`]). [`MockVendor::start`] serves it:
//!
//! * **the login**, as described: it reads the body in the described encoding (JSON,
//!   form, multipart), the query string and HTTP Basic credentials; refuses a request
//!   without the described constants or with fields the description does not send;
//!   checks the credential rules (the same words as the compile errors); and refuses
//!   credentials other than the ones a test [`accept`](MockVendor::accept)s (any
//!   well-formed ones by default), with the vendor's documented error body. A success
//!   carries a fresh token where the description reads it (JSON path, header, cookie or
//!   text; a JWT with `iat` and `exp` when the description reads `exp`), the stated
//!   lifetime where the description reads one, what marks a success, and an OAuth 2.0
//!   refresh token;
//! * **a login in several requests** (the description's steps: a CSRF token fetched
//!   first, a session id exchanged for the token): each step is served at its method
//!   and path (a `{name}` in the path matches any one segment) and answered with a
//!   success carrying a fresh random value for each of its bindings where the
//!   description reads it. Every later request of that login must carry its templates
//!   as the description renders them with the values issued to that login (and the
//!   credentials it sends, checked as above at the last request carrying one); a
//!   value missing, wrong, stale or used already is refused as the vendor documents
//!   for that request. The values issued are good for one login: a client that does
//!   not start again from the first step is refused. Each step is counted
//!   ([`step_calls`](MockVendor::step_calls)), and the fault switches apply to steps as
//!   to the login;
//! * **the API**: any other path is a protected route that accepts a valid token where
//!   the description applies it, and otherwise answers the described rejection;
//! * **logout, keep-alive, OAuth 2.0 refresh and revocation**, where described;
//! * **a clock the test controls** ([`advance`](MockVendor::advance)): tokens expire as
//!   described (absolute, idle, or never), and [`revoke_all`](MockVendor::revoke_all);
//! * **counts** of everything, and **the fault switches** of [`fault`] (delay, reset,
//!   5xx, 429 with `Retry-After`, truncated, HTML and huge bodies).
//!
//! ```
//! use auth_mock::MockVendor;
//! use auth_runtime::{Session, auth_provider};
//!
//! /// The vendor of your own, described once.
//! #[auth_provider(
//!     vendor = "Acme",
//!     base = "https://api.acme.example",
//!     login(path = "/v1/login", format = "json"),
//!     token = "access_token",
//!     apply(bearer),
//!     expiry(absolute = "1h"),
//! )]
//! pub struct Acme {
//!     user: String,
//!     #[auth(secret)]
//!     password: String,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = MockVendor::start::<Acme>().await;
//! mock.accept([("user", "ada"), ("password", "s3cret")])?;
//!
//! let credentials = Acme::credentials().user("ada").password("s3cret").build();
//! let session = Session::new(Acme::new().with_base_url(mock.base_url()), credentials)?;
//! let answer = session.send(session.request(reqwest::Method::GET, mock.url("/v1/things"))).await?;
//! assert_eq!(answer.status(), 200);
//! assert_eq!(mock.logins(), 1);
//!
//! mock.advance(std::time::Duration::from_secs(3600)); // the token expires
//! session.send(session.request(reqwest::Method::GET, mock.url("/v1/things"))).await?;
//! assert_eq!(mock.logins(), 2);
//! # Ok(())
//! # }
//! ```
//!
//! The mock reads the same description the client acts on, so it cannot tell you that
//! the description misreads the vendor: `authgen probe` checks a description against
//! the live vendor.

mod answer;
#[cfg(feature = "sign")]
mod jwt;
mod vendor;
mod wire;

/// The fault switches (the `auth-faults` crate).
pub use auth_faults as fault;
pub use auth_runtime::description::{Described, Description};
pub use vendor::MockVendor;
