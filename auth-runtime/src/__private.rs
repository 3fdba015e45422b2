//! Everything generated code names, and nothing else. Not a public API: generated code
//! reaches the runtime's dependencies only through here, so a user's crate needs
//! `auth-runtime` alone in its `Cargo.toml`.

pub use secrecy::{ExposeSecret, SecretString};
pub use serde_json::Value;
pub use std::{clone::Clone, fmt, option::Option, result::Result, string::String, vec::Vec};
pub use url::Url;

pub use crate::description::{
    AnswerField, AnswerKind, Base, Binding, Claim, Computed, ConstValue, Constant, Described,
    Description, Encoding, EndpointDescription, ErrorCase, ExpiryField, ExpiryFormat, Function,
    Header, Interpret, Jwt, JwtAlgorithm, OAuth2Description, Refusal, Sent, SentIn, Step,
    TimeFormat, Values,
};
pub use crate::endpoint::endpoint;
pub use crate::error::{Error, Stage};
pub use crate::expiry::{ExpiryPolicy, Lifetime};
pub use crate::messages::FieldMessages;
pub use crate::provider::{
    AnswerTest, ApiBase, Bindings, Expected, Login, LoginReply, Method, Placement, Provider,
    Rejection, Spot, TokenKind, VendorRequest, WireField, WireFormat, WireValue,
};

pub use std::time::Duration;

pub use crate::checks::Check;
pub use crate::credentials::{
    Checked, CredentialTable, CredentialsError, DynamicCredentials, FieldSpec, FieldValues, Rule,
    check_formats, deserialize,
};
pub use crate::decode::{
    LoginResponse, ShownField, equals, field_messages, lookup, parse_json, text, token_at,
    unexpected, write_fields,
};
pub use crate::typestate::{FieldState, Set, Unset};
pub use serde_core::{Deserialize, Deserializer};

/// Generated code of a vendor whose login signs a JWT names this: without the `sign`
/// feature it is the one compile error saying which feature to turn on.
#[cfg(not(feature = "sign"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __require_sign {
    ($vendor:literal) => {
        ::core::compile_error!(::core::concat!(
            $vendor,
            " signs JWTs (a login's assertion, or DPoP proofs): turn on auth-runtime's `sign` feature (`features = [\"sign\"]` on auth-runtime in Cargo.toml)"
        ));
    };
}

/// Generated code of a vendor whose login signs a JWT names this; with the `sign`
/// feature it is nothing.
#[cfg(feature = "sign")]
#[doc(hidden)]
#[macro_export]
macro_rules! __require_sign {
    ($vendor:literal) => {};
}
