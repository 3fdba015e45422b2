//! A provider from a description known only at run time (a spec file read by a tool),
//! acting through the same interpreter as generated providers.

use std::fmt;

use secrecy::SecretString;

use super::Interpret;
use super::{Base, CaseValue, Description, ErrorCase, Refusal};
use crate::credentials::{CredentialsError, FieldValues};
use crate::error::Error;
use crate::expiry::ExpiryPolicy;
use crate::provider::{
    Bindings, Login, LoginReply, Placement, Provider, Rejection, TokenKind, VendorRequest,
    WireValue,
};

/// A [`Provider`] acting on a [`Description`] given at run time: what `authgen probe`
/// and `authgen token` log in with. Its credentials are [`DynamicValues`], checked by the
/// description's rules; its errors name the description's documented failures.
///
/// A typed provider generated from the same description behaves the same way: both act
/// through the description's interpreter.
#[derive(Debug, Clone)]
pub struct DynamicProvider {
    description: &'static Description,
    settings: Vec<String>,
    url_override: Option<String>,
}

impl DynamicProvider {
    /// A provider for `description`, with no setting given yet.
    pub fn new(description: &'static Description) -> Self {
        DynamicProvider {
            description,
            settings: vec![String::new(); description.settings.len()],
            url_override: None,
        }
    }

    /// The description it acts on.
    pub fn description(&self) -> &'static Description {
        self.description
    }

    /// Gives the base's placeholder `name` a value (each is checked for its place when
    /// a request is built).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] when the base has no such placeholder.
    pub fn setting(mut self, name: &str, value: impl Into<String>) -> Result<Self, Error> {
        let description = self.description;
        let Some(index) = description.settings.iter().position(|s| *s == name) else {
            let known: Vec<String> = description
                .settings
                .iter()
                .map(|s| format!("`{s}`"))
                .collect();
            return Err(Error::InvalidUrl {
                vendor: description.vendor,
                reason: format!(
                    "`{name}` is not a setting of `{}`; its settings are: {}",
                    description.base,
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            });
        };
        if let Some(slot) = self.settings.get_mut(index) {
            *slot = value.into();
        }
        Ok(self)
    }

    /// Sends every request to `base_url` instead of the described base (plain `http://`
    /// only to loopback hosts).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.url_override = Some(base_url.into());
        self
    }

    fn with_base<T>(&self, f: impl FnOnce(&Base<'_>) -> T) -> T {
        let settings: Vec<&str> = self.settings.iter().map(String::as_str).collect();
        f(&Base::new(&settings, self.url_override.as_deref()))
    }
}

/// Credentials for a [`DynamicProvider`]: values by field, checked by the description's
/// rules (the same words as a generated builder's). Secret fields are kept as
/// [`SecretString`]s and never shown.
pub struct DynamicValues {
    values: Vec<Option<WireValue>>,
}

impl fmt::Debug for DynamicValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.values.iter().map(|v| v.as_ref().map(|_| "..")))
            .finish()
    }
}

impl DynamicValues {
    /// The credentials from names (Rust or wire names) and values.
    ///
    /// # Errors
    ///
    /// [`CredentialsError`] with every rule the values break.
    pub fn from_pairs<I, K, V>(
        description: &'static Description,
        pairs: I,
    ) -> Result<Self, CredentialsError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        Self::checked(FieldValues::from_pairs(description.credentials, pairs))
    }

    /// The credentials from environment variables: `prefix` followed by each field's
    /// name in upper case.
    ///
    /// # Errors
    ///
    /// [`CredentialsError`] with every rule the variables break.
    pub fn from_env(
        description: &'static Description,
        prefix: &str,
    ) -> Result<Self, CredentialsError> {
        Self::checked(FieldValues::from_env(description.credentials, prefix))
    }

    /// The credentials from values given so far, after checking every rule.
    ///
    /// # Errors
    ///
    /// [`CredentialsError`] with every rule the values break.
    pub fn checked(values: FieldValues) -> Result<Self, CredentialsError> {
        let table = values.table();
        let mut checked = values.finish()?;
        let values = table
            .fields()
            .iter()
            .enumerate()
            .map(|(index, field)| {
                if field.is_secret() {
                    checked.secret_opt(index).map(WireValue::Secret)
                } else {
                    checked.plain_opt(index).map(WireValue::Plain)
                }
            })
            .collect();
        Ok(DynamicValues { values })
    }

    /// The values, by field index.
    pub fn values(&self) -> &[Option<WireValue>] {
        &self.values
    }
}

/// A successful login's values, named as in the description.
#[derive(Debug, Clone)]
pub struct DynamicResponse {
    values: Vec<(&'static str, Option<String>)>,
}

impl DynamicResponse {
    /// The value named `name`, when the answer had one.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Every value, in the description's order.
    pub fn values(&self) -> &[(&'static str, Option<String>)] {
        &self.values
    }
}

/// Why a [`DynamicProvider`]'s login or request failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum DynamicError {
    /// One of the description's documented failures, with its values.
    Refused {
        /// The documented failure.
        case: &'static ErrorCase,
        /// Its values, in the order of its fields.
        values: Vec<CaseValue>,
    },
    /// A failure every vendor shares.
    Runtime(Error),
}

impl fmt::Display for DynamicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DynamicError::Refused { case, values } => {
                f.write_str(case.display)?;
                let shown: Vec<(&str, &dyn crate::decode::ShownField)> = case
                    .fields
                    .iter()
                    .zip(values)
                    .map(|(field, value)| {
                        let value: &dyn crate::decode::ShownField = match value {
                            CaseValue::Text(text) => text,
                            CaseValue::Messages(messages) => messages,
                        };
                        (field.name, value)
                    })
                    .collect();
                crate::decode::write_fields(f, &shown)
            }
            DynamicError::Runtime(error) => fmt::Display::fmt(error, f),
        }
    }
}

impl std::error::Error for DynamicError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DynamicError::Runtime(error) => std::error::Error::source(error),
            DynamicError::Refused { .. } => None,
        }
    }
}

impl From<Error> for DynamicError {
    fn from(error: Error) -> Self {
        DynamicError::Runtime(error)
    }
}

impl From<CredentialsError> for DynamicError {
    fn from(error: CredentialsError) -> Self {
        DynamicError::Runtime(error.into())
    }
}

impl DynamicProvider {
    /// A refusal as the provider's error: the documented failure's case, or the shared
    /// failure.
    fn refused(&self, refusal: Refusal) -> DynamicError {
        let description = self.description;
        match refusal {
            Refusal::Documented { case, values } if case < description.errors.len() => {
                DynamicError::Refused {
                    case: &description.errors[case],
                    values: values.into_vec(),
                }
            }
            refusal => DynamicError::Runtime(refusal.into_error(description.vendor)),
        }
    }
}

impl Provider for DynamicProvider {
    type Credentials = DynamicValues;
    type Response = DynamicResponse;
    type Error = DynamicError;
    /// A placeholder: every message names [`vendor`](Provider::vendor), the
    /// description's.
    const VENDOR: &'static str = "the described vendor";

    fn vendor(&self) -> &'static str {
        self.description.vendor
    }

    fn login_request(&self, credentials: &DynamicValues) -> Result<VendorRequest, DynamicError> {
        Ok(self.with_base(|base| self.description.login_request(base, &credentials.values))?)
    }

    fn login_steps(&self) -> usize {
        self.description.steps.len()
    }

    fn step_request(
        &self,
        step: usize,
        credentials: &DynamicValues,
        bound: &Bindings,
    ) -> Result<VendorRequest, DynamicError> {
        Ok(self.with_base(|base| {
            self.description
                .step_request(base, step, &credentials.values, bound)
        })?)
    }

    fn read_step(
        &self,
        step: usize,
        reply: &LoginReply<'_>,
        bound: &mut Bindings,
    ) -> Result<(), DynamicError> {
        self.description
            .read_step(step, reply, bound)
            .map_err(|refusal| self.refused(refusal))
    }

    fn login_request_bound(
        &self,
        credentials: &DynamicValues,
        bound: &Bindings,
    ) -> Result<VendorRequest, DynamicError> {
        Ok(self.with_base(|base| {
            self.description
                .login_request_bound(base, &credentials.values, bound)
        })?)
    }

    fn decode_login(&self, reply: &LoginReply<'_>) -> Result<Login<DynamicResponse>, DynamicError> {
        let description = self.description;
        match description.decode_login(reply) {
            Ok(login) => Ok(login.map_response(|values| DynamicResponse {
                values: description
                    .response_fields
                    .iter()
                    .map(|f| f.name)
                    .zip(values.into_vec().into_iter().map(|v| match v {
                        CaseValue::Text(text) => text,
                        CaseValue::Messages(messages) => {
                            (!messages.is_empty()).then(|| messages.to_string())
                        }
                    }))
                    .collect(),
            })),
            Err(refusal) => Err(self.refused(refusal)),
        }
    }

    fn runtime_error(error: &mut DynamicError) -> Option<&mut Error> {
        match error {
            DynamicError::Runtime(error) => Some(error),
            DynamicError::Refused { .. } => None,
        }
    }

    fn placement(&self) -> &Placement {
        &self.description.placement
    }

    fn expiry(&self) -> ExpiryPolicy {
        self.description.expiry
    }

    fn rejection(&self) -> Rejection {
        self.description.rejection
    }

    fn api_base(&self) -> Option<&crate::provider::ApiBase> {
        self.description.api_base.as_ref()
    }

    fn dpop(&self) -> bool {
        self.description.oauth2.is_some_and(|oauth2| oauth2.dpop)
    }

    fn logout_request(&self) -> Result<Option<VendorRequest>, DynamicError> {
        let checked = Bindings::placeholders();
        Ok(self.with_base(|base| self.description.logout_request(base, &[], &checked))?)
    }

    fn keepalive_request(&self) -> Result<Option<VendorRequest>, DynamicError> {
        let checked = Bindings::placeholders();
        Ok(self.with_base(|base| self.description.keepalive_request(base, &[], &checked))?)
    }

    fn logout_request_with(
        &self,
        credentials: &DynamicValues,
        bound: &Bindings,
    ) -> Result<Option<VendorRequest>, DynamicError> {
        Ok(self.with_base(|base| {
            self.description
                .logout_request(base, &credentials.values, bound)
        })?)
    }

    fn keepalive_request_with(
        &self,
        credentials: &DynamicValues,
        bound: &Bindings,
    ) -> Result<Option<VendorRequest>, DynamicError> {
        Ok(self.with_base(|base| {
            self.description
                .keepalive_request(base, &credentials.values, bound)
        })?)
    }

    fn revocation_request(
        &self,
        credentials: &DynamicValues,
        token: &SecretString,
        kind: TokenKind,
    ) -> Result<Option<VendorRequest>, DynamicError> {
        Ok(self.with_base(|base| {
            self.description
                .revocation_request(base, &credentials.values, token, kind)
        })?)
    }

    fn refresh_request(
        &self,
        credentials: &DynamicValues,
        refresh_token: &SecretString,
    ) -> Result<Option<VendorRequest>, DynamicError> {
        Ok(self.with_base(|base| {
            self.description
                .refresh_request(base, &credentials.values, refresh_token)
        })?)
    }
}
