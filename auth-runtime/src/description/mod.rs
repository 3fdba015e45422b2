//! A vendor's token endpoint as plain data, and the one reading of it.
//!
//! The generator writes every vendor as a [`Description`] (`const DESCRIPTION`, through
//! [`Described`]): its endpoints, the credential fields and where each is sent, what a
//! successful answer holds and where, the documented failures, where the token goes on
//! API calls, how long it lives and how the vendor rejects it. Everything that acts on
//! a vendor reads that one value:
//!
//! * the generated `impl Provider` is a thin typed shell over the interpreter in this
//!   module ([`Description::login_request`], [`Description::decode_login`], ...);
//! * [`DynamicProvider`] is the same interpreter behind a description known only at run
//!   time (`authgen probe` and `authgen token` read a spec file);
//! * the mock vendor of the `auth-mock` crate serves what the description says a vendor
//!   answers, so a user can test a vendor of their own without its servers.
//!
//! So each protocol step (build the login, read the answer, refresh, revoke) is written
//! once, whichever of the three uses it.

mod compute;
mod dynamic;
mod interpret;
mod probe;
mod template;

pub use dynamic::{DynamicError, DynamicProvider, DynamicResponse, DynamicValues};
pub use interpret::{Base, CaseValue, Interpret, Refusal, Values};
pub use probe::{ProbedLogin, send_login};

use auth_description as plain;

pub use auth_description::{AnswerKind, Encoding, ExpiryFormat, JwtAlgorithm, SentIn, TimeFormat};

/// A provider whose whole behaviour is a [`Description`]: every provider the generator
/// writes.
pub trait Described {
    /// The description the provider acts on.
    const DESCRIPTION: &'static Description;
}

/// A vendor's token endpoint as plain data: see the [module](self) documentation and
/// the `auth-description` crate, where the type lives (with its lifetime, which the
/// runtime always fills with `'static`).
pub type Description = plain::Description<'static>;
/// Where a credential field is sent on the login.
pub type Sent = plain::Sent<'static>;
/// An endpoint of the vendor relative to the base URL.
pub type EndpointDescription = plain::EndpointDescription<'static>;
/// A constant a request carries: `grant_type = "password"`, `scope = ["a", "b"]`.
pub type Constant = plain::Constant<'static>;
/// A constant's value, of any JSON type.
pub type ConstValue = plain::ConstValue<'static>;
/// OAuth 2.0: the grant the token endpoint is asked for, and the revocation endpoint.
pub type OAuth2Description = plain::OAuth2Description<'static>;
/// Where and how a login answer states its token's expiry.
pub type ExpiryField = plain::ExpiryField<'static>;
/// A value read from a JSON login answer into a typed response or error.
pub type AnswerField = plain::AnswerField<'static>;
/// A documented login failure: a variant of the vendor's error enum.
pub type ErrorCase = plain::ErrorCase<'static>;
/// A step of a login before its token request.
pub type Step = plain::Step<'static>;
/// A value a step reads from its answer under a name.
pub type Binding = plain::Binding<'static>;
/// A value computed for a login's requests (a digest, an HMAC, the time, a nonce).
pub type Computed = plain::Computed<'static>;
/// What a computed value is computed with.
pub type Function = plain::Function<'static>;
/// A JWT a login signs.
pub type Jwt = plain::Jwt<'static>;
/// A claim of a [`Jwt`].
pub type Claim = plain::Claim<'static>;
/// A header a request carries, its value a template.
pub type Header = plain::Header<'static>;
pub use crate::provider::ApiBase;

/// A constant's value as JSON.
pub fn const_json(value: ConstValue) -> serde_json::Value {
    use serde_json::Value;
    match value {
        ConstValue::Str(text) => Value::String(text.to_owned()),
        ConstValue::Int(n) => Value::from(n),
        ConstValue::Float(n) => Value::from(n),
        ConstValue::Bool(b) => Value::Bool(b),
        ConstValue::List(items) => items.iter().map(|item| const_json(*item)).collect(),
        ConstValue::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| ((*name).to_owned(), const_json(*value)))
                .collect(),
        ),
    }
}
