//! # auth-runtime
//!
//! Token authentication for vendor HTTP APIs: describe the vendor's token endpoint once
//! with `#[auth_provider]`, and a [`Session`] logs in, caches the token, replaces it once
//! for any number of concurrent callers when it is due, puts it on your requests the
//! vendor's way, and logs out — without ever showing a secret in `Debug`, errors or logs.
//!
//! ```ignore
//! use auth_runtime::{auth_provider, Session};
//!
//! let credentials = CrmCom::credentials()
//!     .organisation("CRMDEMO")
//!     .username("mpadministrator")
//!     .password("1234")
//!     .build();
//! let session = Session::new(CrmCom::new("https://crm.example.com"), credentials)?;
//! let response = session.send(session.request(Method::GET, url)).await?;
//! ```
#![warn(missing_docs)]

// Lets the providers derived inside this crate name it as generated code does.
extern crate self as auth_runtime;

mod clock;
mod error;
mod expiry;
#[cfg(any(feature = "middleware", feature = "tower"))]
mod integrations;
mod messages;
mod provider;
mod retry;
mod session;
mod token;
mod transport;

#[doc(hidden)]
pub mod __private;

pub use clock::Clock;
pub use error::{EXCERPT_CHARS, Error, Stage, excerpt};
pub use expiry::{ExpiryPolicy, Lifetime};
#[cfg(feature = "middleware")]
pub use integrations::AuthMiddleware;
#[cfg(feature = "tower")]
pub use integrations::{AuthLayer, AuthService, AuthServiceError};
pub use messages::{FieldMessage, FieldMessages};
pub use provider::{
    Login, Method, Placement, Provider, VendorRequest, WireField, WireFormat, WireValue,
};
pub use retry::RetryPolicy;
pub use session::{Session, SessionBuilder, StoredToken};
pub use token::TokenRef;
pub use transport::DEFAULT_MAX_BODY;

pub use secrecy::{ExposeSecret, SecretString};

#[cfg(feature = "derive")]
pub use auth_derive::auth_provider;

#[cfg(feature = "vendors")]
pub mod vendors;
