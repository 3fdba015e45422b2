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

mod dynamic;
mod interpret;
mod probe;

pub use dynamic::{DynamicError, DynamicProvider, DynamicResponse, DynamicValues};
pub use interpret::{Base, CaseValue, Refusal, Values};
pub use probe::{LoginAnswer, send_login};

use crate::credentials::CredentialTable;
use crate::expiry::ExpiryPolicy;
use crate::provider::{AnswerTest, Method, Placement, Rejection, Spot, WireFormat};

/// A provider whose whole behaviour is a [`Description`]: every provider the generator
/// writes.
pub trait Described {
    /// The description the provider acts on.
    const DESCRIPTION: &'static Description;
}

/// A vendor's token endpoint as plain data: see the [module](self) documentation. The
/// generator writes it; its fields may grow with the grammar.
#[derive(Debug, PartialEq)]
pub struct Description {
    /// The vendor's name as users know it (`CRM.COM`), used in every message.
    pub vendor: &'static str,
    /// The base URL template, with `{placeholder}`s (`https://{account}.modulus.biz`).
    pub base: &'static str,
    /// The placeholders of `base`, in order: the provider's settings.
    pub settings: &'static [&'static str],
    /// The credential fields and their rules.
    pub credentials: &'static CredentialTable,
    /// Where each credential field is sent, in the order of `credentials`' fields.
    pub sent: &'static [Sent],
    /// The login endpoint.
    pub login: EndpointDescription,
    /// The logout endpoint, where the vendor has one.
    pub logout: Option<EndpointDescription>,
    /// The endpoint that extends a token's life, where the vendor has one.
    pub keepalive: Option<EndpointDescription>,
    /// OAuth 2.0 (RFC 6749), when the login is a token request of a grant.
    pub oauth2: Option<OAuth2Description>,
    /// What marks a login answer as successful besides a 2xx status.
    pub success: Option<AnswerTest>,
    /// Where the token is in a successful login answer.
    pub token: Spot,
    /// Where a successful login answer states the token's expiry, and how.
    pub expiry_field: Option<ExpiryField>,
    /// Other values of a successful login answer kept on the typed response.
    pub response_fields: &'static [AnswerField],
    /// The documented login failures, tried in order.
    pub errors: &'static [ErrorCase],
    /// Where the token goes on API requests.
    pub placement: Placement,
    /// How an API answer says the token was rejected.
    pub rejection: Rejection,
    /// How long a token lives.
    pub expiry: ExpiryPolicy,
}

impl Description {
    /// Whether the login's answers are JSON: some value is read at a JSON path. When
    /// not, a login answer that is not JSON is no reason to fail.
    pub fn answers_in_json(&self) -> bool {
        let json = |spot: &Spot| matches!(spot, Spot::Json(_));
        json(&self.token)
            || self.success.as_ref().is_some_and(|test| json(&test.spot))
            || self.expiry_field.as_ref().is_some_and(|f| json(&f.spot))
            || !self.response_fields.is_empty()
            || self.errors.iter().any(|case| {
                !case.fields.is_empty() || case.when.as_ref().is_some_and(|t| json(&t.spot))
            })
    }

    /// The token's place in words, as errors show it: `data.token`, the `x-auth`
    /// header, the `sid` cookie, the body.
    pub fn token_shown(&self) -> String {
        match self.token {
            Spot::Json(path) => path.join("."),
            Spot::Header(name) => format!("the `{name}` header"),
            Spot::Cookie(name) => format!("the `{name}` cookie"),
            Spot::Text => "the body".to_owned(),
        }
    }
}

/// Where a credential field is sent on the login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    /// Its wire name split at the nesting (`access_token_identifier.identifier` is two).
    pub path: &'static [&'static str],
    /// In which part of the request.
    pub place: SentIn,
}

/// A part of the login request a credential field goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SentIn {
    /// The body, in the endpoint's encoding.
    Body,
    /// The query string.
    Query,
    /// The user of HTTP Basic credentials.
    BasicUser,
    /// The password of HTTP Basic credentials.
    BasicPassword,
}

/// An endpoint of the vendor relative to the base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointDescription {
    /// HTTP method.
    pub method: Method,
    /// Path appended to the base URL.
    pub path: &'static str,
    /// Body encoding.
    pub format: WireFormat,
    /// Constants of the body.
    pub constants: &'static [Constant],
    /// Constants of the query string.
    pub query: &'static [Constant],
    /// Where the token goes on this request (a logout or keep-alive), when not where
    /// API calls carry it.
    pub placement: Option<Placement>,
}

/// A constant a request carries: `grant_type = "password"`, `scope = ["a", "b"]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constant {
    /// Its wire name split at the nesting.
    pub path: &'static [&'static str],
    /// Its value.
    pub value: ConstValue,
}

/// A constant's value, of any JSON type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConstValue {
    /// A string.
    Str(&'static str),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A list.
    List(&'static [ConstValue]),
    /// An object (inside a list).
    Object(&'static [(&'static str, ConstValue)]),
}

impl ConstValue {
    /// The value as JSON.
    pub fn to_json(self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            ConstValue::Str(text) => Value::String(text.to_owned()),
            ConstValue::Int(n) => Value::from(n),
            ConstValue::Float(n) => Value::from(n),
            ConstValue::Bool(b) => Value::Bool(b),
            ConstValue::List(items) => items.iter().map(|item| item.to_json()).collect(),
            ConstValue::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// OAuth 2.0: the grant the token endpoint is asked for, and the revocation endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuth2Description {
    /// The `grant_type` of the login (`password`, `client_credentials`).
    pub grant: &'static str,
    /// The path of the revocation endpoint (RFC 7009), when the server has one.
    pub revoke: Option<&'static str>,
}

/// Where and how a login answer states its token's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryField {
    /// Where it is; for a cookie, its `Max-Age` or `Expires` says it.
    pub spot: Spot,
    /// How it is written (not used for a cookie).
    pub format: ExpiryFormat,
}

/// How an answer states an expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpiryFormat {
    /// Seconds from now (`expires_in: 900`).
    Seconds,
    /// An RFC 3339 time (`2026-11-23T10:00:00Z`).
    Rfc3339,
    /// Seconds since the Unix epoch.
    UnixTime,
}

/// A value read from a JSON login answer into a typed response or error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerField {
    /// Its name on the typed response or error variant.
    pub name: &'static str,
    /// Its dotted path in the answer, split.
    pub path: &'static [&'static str],
    /// What it is read as.
    pub kind: AnswerKind,
}

/// What an answer's value is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnswerKind {
    /// Text: strings, numbers and booleans; absent, `null` or empty is none.
    Text,
    /// Per-field messages (Currencycloud's `error_messages`).
    FieldMessages,
}

/// A documented login failure: a variant of the vendor's error enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCase {
    /// The variant's name (`InvalidCredentials`).
    pub variant: &'static str,
    /// The message before the fields (`CRM.COM refused the login`).
    pub display: &'static str,
    /// Matches only this HTTP status.
    pub status: Option<u16>,
    /// Matches only when this holds.
    pub when: Option<AnswerTest>,
    /// Values read from the answer into the variant.
    pub fields: &'static [AnswerField],
}
