//! The one reading of a [`Description`]: the requests it describes, and what its
//! answers mean. Generated providers, [`DynamicProvider`](super::DynamicProvider) and
//! the mock vendor all act through these functions.

use secrecy::SecretString;

use super::template::Context;
use super::{AnswerField, AnswerKind, Description, EndpointDescription, ExpiryFormat, SentIn};
use crate::decode::{LoginResponse, field_messages};
use crate::error::Error;
use crate::messages::FieldMessages;
use crate::provider::{
    AnswerTest, BasicEncoding, Bindings, Login, LoginReply, Method, Spot, TokenKind, VendorRequest,
    WireField, WireFormat, WireValue,
};

/// Where a provider's requests go: the values of its base's placeholders, in the order
/// of [`Description::settings`], or the user's replacement of the whole base.
#[derive(Debug, Clone, Copy)]
pub struct Base<'a> {
    settings: &'a [&'a str],
    url_override: Option<&'a str>,
}

impl<'a> Base<'a> {
    /// `settings` fill the base's placeholders in order; `url_override`, when given,
    /// replaces the base (`with_base_url`).
    pub fn new(settings: &'a [&'a str], url_override: Option<&'a str>) -> Self {
        Base {
            settings,
            url_override,
        }
    }
}

/// Why a login answer is not a token: one of the vendor's documented failures (with the
/// values it carries, in the order of [`ErrorCase::fields`](super::ErrorCase::fields)),
/// or a failure every vendor shares.
#[derive(Debug)]
pub enum Refusal {
    /// The documented failure at this index of [`Description::errors`].
    Documented {
        /// Its index.
        case: usize,
        /// Its values, in the order of its fields.
        values: Values,
    },
    /// Neither a success nor a documented failure, or a success without its token.
    Runtime(Error),
}

impl Refusal {
    /// The failure as the shared error: a documented failure the provider has no
    /// variant for (which a description and its provider, written together, never
    /// meet) reads as an answer that could not be read.
    pub fn into_error(self, vendor: &'static str) -> Error {
        match self {
            Refusal::Runtime(error) => error,
            Refusal::Documented { case, .. } => Error::Decode {
                vendor,
                stage: crate::error::Stage::Login,
                status: 0,
                reason: format!("documented failure #{case} has no variant"),
                excerpt: String::new(),
            },
        }
    }
}

/// A value read from an answer for a typed response or error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseValue {
    /// Text, when present.
    Text(Option<String>),
    /// Per-field messages.
    Messages(FieldMessages),
}

/// The values read from an answer, taken in order by the typed response or error.
#[derive(Debug, Clone)]
pub struct Values(std::vec::IntoIter<CaseValue>);

impl Values {
    /// The next value as text (`None` when it is not text or there is none).
    pub fn text(&mut self) -> Option<String> {
        match self.0.next() {
            Some(CaseValue::Text(text)) => text,
            _ => None,
        }
    }

    /// The next value as per-field messages (empty when they are not or there is none).
    pub fn messages(&mut self) -> FieldMessages {
        match self.0.next() {
            Some(CaseValue::Messages(messages)) => messages,
            _ => FieldMessages::default(),
        }
    }

    /// The rest, in order.
    pub fn into_vec(self) -> Vec<CaseValue> {
        self.0.collect()
    }
}

/// The OAuth 2.0 client's authentication (RFC 6749 section 2.3.1), as the login sends
/// it: these body fields, or HTTP Basic.
const CLIENT_FIELDS: &[&str] = &["client_id", "client_secret"];

/// The OAuth 2.0 token type the session sends (RFC 6750).
const BEARER: &str = "Bearer";
/// The token type of a DPoP-bound access token (RFC 9449 section 5).
const DPOP: &str = "DPoP";

/// The one reading of a [`Description`]: every request it describes, and what its
/// login answers mean. Generated providers call it through their `DESCRIPTION`,
/// [`DynamicProvider`](super::DynamicProvider) through the description it was given.
pub trait Interpret {
    /// The login request for the credential values (`values[i]` is field `i`'s).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] when the base or a setting does not make a URL.
    fn login_request(
        &self,
        base: &Base<'_>,
        values: &[Option<WireValue>],
    ) -> Result<VendorRequest, Error>;

    /// The token request after the login's steps, given what they bound.
    ///
    /// # Errors
    ///
    /// As [`Interpret::login_request`], and [`Error::InvalidRequest`] when a template
    /// names a value that is not there.
    fn login_request_bound(
        &self,
        base: &Base<'_>,
        values: &[Option<WireValue>],
        bound: &Bindings,
    ) -> Result<VendorRequest, Error>;

    /// The request of the login's step `step` (from 0), given what the earlier steps
    /// bound.
    ///
    /// # Errors
    ///
    /// As [`Interpret::login_request_bound`]; [`Error::InvalidRequest`] for a step
    /// the description does not have.
    fn step_request(
        &self,
        base: &Base<'_>,
        step: usize,
        values: &[Option<WireValue>],
        bound: &Bindings,
    ) -> Result<VendorRequest, Error>;

    /// Reads the answer to step `step` into `bound`: its success test, then each of
    /// its bindings (a missing one is a failure naming it).
    ///
    /// # Errors
    ///
    /// The [`Refusal`]: a failure documented for that step, or the shared one.
    fn read_step(
        &self,
        step: usize,
        reply: &LoginReply<'_>,
        bound: &mut Bindings,
    ) -> Result<(), Refusal>;

    /// The logout request, where the vendor has one, its templates naming the
    /// credential values (`values[i]` is field `i`'s) and what the login's steps bound.
    ///
    /// # Errors
    ///
    /// As [`Interpret::login_request`].
    fn logout_request(
        &self,
        base: &Base<'_>,
        values: &[Option<WireValue>],
        bound: &Bindings,
    ) -> Result<Option<VendorRequest>, Error>;

    /// The keep-alive request, where the vendor has one, as the logout's.
    ///
    /// # Errors
    ///
    /// As [`Interpret::login_request`].
    fn keepalive_request(
        &self,
        base: &Base<'_>,
        values: &[Option<WireValue>],
        bound: &Bindings,
    ) -> Result<Option<VendorRequest>, Error>;

    /// OAuth 2.0's `refresh_token` grant (RFC 6749 section 6), for an OAuth 2.0 login.
    ///
    /// # Errors
    ///
    /// As [`Interpret::login_request`].
    fn refresh_request(
        &self,
        base: &Base<'_>,
        values: &[Option<WireValue>],
        refresh_token: &SecretString,
    ) -> Result<Option<VendorRequest>, Error>;

    /// OAuth 2.0 token revocation (RFC 7009 section 2.1), where the server has it.
    ///
    /// # Errors
    ///
    /// As [`Interpret::login_request`].
    fn revocation_request(
        &self,
        base: &Base<'_>,
        values: &[Option<WireValue>],
        token: &SecretString,
        kind: TokenKind,
    ) -> Result<Option<VendorRequest>, Error>;

    /// Reads a login answer: the token, its stated lifetime, the refresh token (OAuth
    /// 2.0) and the response's values in the order of the description's
    /// `response_fields`.
    ///
    /// # Errors
    ///
    /// The [`Refusal`]: a documented failure, or why there is no token.
    fn decode_login(&self, reply: &LoginReply<'_>) -> Result<Login<Values>, Refusal>;

    /// How the requests' HTTP Basic credentials are written: form-encoded when they are
    /// an OAuth 2.0 client's authentication (RFC 6749 section 2.3.1), as they are for a
    /// vendor's own Basic login.
    fn basic_encoding(&self) -> BasicEncoding;
}

impl Interpret for Description {
    /// The login request for the credential values (`values[i]` is field `i`'s).
    fn login_request(
        &self,
        base: &Base<'_>,
        values: &[Option<WireValue>],
    ) -> Result<VendorRequest, Error> {
        // Built before any step has answered: to check it, not to send it.
        self.login_request_bound(base, values, &Bindings::placeholders())
    }

    fn login_request_bound(
        &self,
        base: &Base<'_>,
        values: &[Option<WireValue>],
        bound: &Bindings,
    ) -> Result<VendorRequest, Error> {
        let mut request = self.request(base, &self.login, &self.context(values, bound))?;
        self.add_credentials(&mut request, values, &|_| true);
        Ok(request)
    }

    fn step_request(
        &self,
        base: &Base<'_>,
        step: usize,
        values: &[Option<WireValue>],
        bound: &Bindings,
    ) -> Result<VendorRequest, Error> {
        let Some(described) = self.steps.get(step) else {
            return Err(Error::InvalidRequest {
                vendor: self.vendor,
                reason: format!("the login has no step {step}"),
            });
        };
        self.request(base, &described.endpoint, &self.context(values, bound))
    }

    fn read_step(
        &self,
        step: usize,
        reply: &LoginReply<'_>,
        bound: &mut Bindings,
    ) -> Result<(), Refusal> {
        let Some(described) = self.steps.get(step) else {
            return Ok(());
        };
        let json = |spot: &Spot| matches!(spot, Spot::Json(_));
        let in_json = described.bindings.iter().any(|b| json(&b.spot))
            || described.success.as_ref().is_some_and(|t| json(&t.spot))
            || self.errors.iter().any(|case| {
                case.step == Some(described.name)
                    && (!case.fields.is_empty()
                        || case.when.as_ref().is_some_and(|t| json(&t.spot)))
            });
        let response = self.answer(reply, in_json, described.success, Some(described.name))?;
        for binding in described.bindings {
            let Some(value) = response.read(binding.spot) else {
                return Err(Refusal::Runtime(Error::Decode {
                    vendor: self.vendor,
                    stage: crate::error::Stage::Login,
                    status: reply.status,
                    reason: format!(
                        "the `{}` step's answer has no `{}` ({})",
                        described.name,
                        binding.name,
                        match binding.spot {
                            Spot::Json(_) => format!("at `{}`", binding.spot.shown()),
                            spot => spot.shown(),
                        }
                    ),
                    excerpt: crate::error::excerpt(reply.body),
                }));
            };
            bound.bind(binding.name, value, binding.secret);
        }
        Ok(())
    }

    /// The logout request, where the vendor has one.
    fn logout_request(
        &self,
        base: &Base<'_>,
        values: &[Option<WireValue>],
        bound: &Bindings,
    ) -> Result<Option<VendorRequest>, Error> {
        self.logout
            .as_ref()
            .map(|endpoint| self.request(base, endpoint, &self.context(values, bound)))
            .transpose()
    }

    /// The keep-alive request, where the vendor has one.
    fn keepalive_request(
        &self,
        base: &Base<'_>,
        values: &[Option<WireValue>],
        bound: &Bindings,
    ) -> Result<Option<VendorRequest>, Error> {
        self.keepalive
            .as_ref()
            .map(|endpoint| self.request(base, endpoint, &self.context(values, bound)))
            .transpose()
    }

    /// OAuth 2.0's `refresh_token` grant (RFC 6749 section 6), for an OAuth 2.0 login:
    /// to the login's endpoint, in its encoding, with the refresh token, the client's
    /// authentication and the `scope` field.
    fn refresh_request(
        &self,
        base: &Base<'_>,
        values: &[Option<WireValue>],
        refresh_token: &SecretString,
    ) -> Result<Option<VendorRequest>, Error> {
        if self.oauth2.is_none() {
            return Ok(None);
        }
        let login = &self.login;
        let mut request =
            VendorRequest::new(login.method, self.url(base, login.path)?, login.format);
        request.fields.push(WireField {
            path: &["grant_type"],
            value: WireValue::Plain("refresh_token".to_owned()),
        });
        request.fields.push(WireField {
            path: &["refresh_token"],
            value: WireValue::Secret(refresh_token.clone()),
        });
        self.add_credentials(&mut request, values, &|wire| {
            CLIENT_FIELDS.contains(&wire) || wire == "scope"
        });
        Ok(Some(request))
    }

    /// OAuth 2.0 token revocation (RFC 7009 section 2.1), where the server has it: a
    /// form `POST` with the token, its `token_type_hint` and the client's
    /// authentication.
    fn revocation_request(
        &self,
        base: &Base<'_>,
        values: &[Option<WireValue>],
        token: &SecretString,
        kind: TokenKind,
    ) -> Result<Option<VendorRequest>, Error> {
        let Some(path) = self.oauth2.and_then(|oauth2| oauth2.revoke) else {
            return Ok(None);
        };
        let mut request = VendorRequest::new(Method::Post, self.url(base, path)?, WireFormat::Form);
        request.fields.push(WireField {
            path: &["token"],
            value: WireValue::Secret(token.clone()),
        });
        request.fields.push(WireField {
            path: &["token_type_hint"],
            value: WireValue::Plain(kind.hint().to_owned()),
        });
        self.add_credentials(&mut request, values, &|wire| CLIENT_FIELDS.contains(&wire));
        Ok(Some(request))
    }

    /// Reads a login answer: the token, its stated lifetime, the refresh token (OAuth
    /// 2.0) and the response's values in the order of
    /// [`response_fields`](Description::response_fields); or why there is no token.
    fn decode_login(&self, reply: &LoginReply<'_>) -> Result<Login<Values>, Refusal> {
        let response = self.answer(reply, self.answers_in_json(), self.success, None)?;
        let token = response
            .token(self.token, &self.token_shown())
            .map_err(Refusal::Runtime)?;
        // RFC 6749 section 7.1: a client uses a token only if it knows its type, whose
        // name is case-insensitive. The session sends bearer tokens (RFC 6750), or
        // DPoP-bound ones when it asked for them (RFC 9449 section 5: a server that
        // answers DPoP with a bearer token has not bound it).
        if let Some(oauth2) = self.oauth2
            && let Some(token_type) = response.message(&["token_type"])
            && !token_type.eq_ignore_ascii_case(if oauth2.dpop { DPOP } else { BEARER })
        {
            return Err(Refusal::Runtime(Error::UnsupportedTokenType {
                vendor: self.vendor,
                token_type,
            }));
        }
        let (expires_in, expires_at) = match self.expiry_field {
            None => (None, None),
            Some(field) => match (field.spot, field.format) {
                (Spot::Cookie(name), _) => response.cookie_lifetime(name),
                (spot, ExpiryFormat::Seconds) => (response.seconds(spot), None),
                (spot, ExpiryFormat::Rfc3339) => (None, response.rfc3339(spot)),
                (spot, ExpiryFormat::UnixTime) => (None, response.unix_time(spot)),
            },
        };
        // OAuth 2.0 answers may carry a refresh token (RFC 6749 section 5.1).
        let refresh_token = self
            .oauth2
            .and_then(|_| response.read(Spot::Json(&["refresh_token"])))
            .map(SecretString::from);
        // The session checks the base against the hosts it may be on; a login answer
        // that names none is no token the session can use.
        let api_base = match self.api_base {
            None => None,
            Some(base) => Some(response.read(base.spot).ok_or_else(|| {
                Refusal::Runtime(Error::ApiBase {
                    vendor: self.vendor,
                    reason: format!(
                        "the login answer names no API base at {}",
                        base.spot.shown()
                    ),
                })
            })?),
        };
        Ok(Login {
            token,
            response: read_values(&response, self.response_fields, false),
            expires_in,
            expires_at,
            refresh_token,
            api_base,
        })
    }

    fn basic_encoding(&self) -> BasicEncoding {
        if self.oauth2.is_some() {
            BasicEncoding::FormUrlEncoded
        } else {
            BasicEncoding::Plain
        }
    }
}

/// The steps the interpreter's requests share.
trait Parts {
    fn url(&self, base: &Base<'_>, path: &str) -> Result<url::Url, Error>;
    fn request(
        &self,
        base: &Base<'_>,
        endpoint: &EndpointDescription,
        context: &Context<'_>,
    ) -> Result<VendorRequest, Error>;
    fn context<'c>(&'c self, values: &'c [Option<WireValue>], bound: &'c Bindings) -> Context<'c>;
    fn add_credentials(
        &self,
        request: &mut VendorRequest,
        values: &[Option<WireValue>],
        wanted: &dyn Fn(&str) -> bool,
    );
    fn refusal(&self, response: &LoginResponse<'_>, step: Option<&str>) -> Refusal;
    fn answer<'r>(
        &self,
        reply: &LoginReply<'r>,
        in_json: bool,
        success: Option<AnswerTest>,
        step: Option<&str>,
    ) -> Result<LoginResponse<'r>, Refusal>;
}

impl Parts for Description {
    fn url(&self, base: &Base<'_>, path: &str) -> Result<url::Url, Error> {
        let settings: Vec<(&str, &str)> = self
            .settings
            .iter()
            .copied()
            .zip(base.settings.iter().copied())
            .collect();
        crate::endpoint::endpoint(self.vendor, self.base, &settings, base.url_override, path)
    }

    /// The request of `endpoint` with its constants and headers (templates rendered in
    /// `context`), before any credential it sends by itself.
    fn request(
        &self,
        base: &Base<'_>,
        endpoint: &EndpointDescription,
        context: &Context<'_>,
    ) -> Result<VendorRequest, Error> {
        let path = context.render_path(endpoint.path)?;
        let mut request =
            VendorRequest::new(endpoint.method, self.url(base, &path)?, endpoint.format);
        let constant = |c: &super::Constant| -> Result<WireField, Error> {
            Ok(WireField {
                path: c.path,
                value: context.render_const(c.value)?,
            })
        };
        for c in endpoint.constants {
            request.fields.push(constant(c)?);
        }
        for c in endpoint.query {
            request.query.push(constant(c)?);
        }
        for header in endpoint.headers {
            let value = context.render(header.value)?;
            request.headers.push((header.name.to_owned(), value));
        }
        request.placement.clone_from(&endpoint.placement);
        Ok(request)
    }

    fn context<'c>(&'c self, values: &'c [Option<WireValue>], bound: &'c Bindings) -> Context<'c> {
        Context {
            vendor: self.vendor,
            table: self.credentials,
            values,
            bound,
            computed: self.computed,
        }
    }

    /// Adds the credential values whose field `wanted` picks, each where it is sent:
    /// `values[i]` is field `i`'s value, when given.
    fn add_credentials(
        &self,
        request: &mut VendorRequest,
        values: &[Option<WireValue>],
        wanted: &dyn Fn(&str) -> bool,
    ) {
        let fields = self.credentials.fields();
        let mut user = None;
        let mut password = None;
        for ((sent, field), value) in self.sent.iter().zip(fields).zip(values) {
            let Some(value) = value else { continue };
            match sent.place {
                SentIn::BasicUser => user = Some(value),
                SentIn::BasicPassword => password = Some(value),
                // Sent by the templates that name it, in the requests they are in.
                SentIn::Templates => {}
                _ if !wanted(field.wire()) => {}
                SentIn::Body => request.fields.push(WireField {
                    path: sent.path,
                    value: value.clone(),
                }),
                SentIn::Query => request.query.push(WireField {
                    path: sent.path,
                    value: value.clone(),
                }),
            }
        }
        // A user without a password field has an empty password.
        if let Some(user) = user {
            let password = password.map_or_else(|| SecretString::from(""), secret);
            request.basic = Some((plain(user), password));
            request.basic_encoding = self.basic_encoding();
        }
    }

    /// The documented failure an unsuccessful answer is, or the shared failure.
    /// The answer to the token request (`step` none) or to a step, read when it is a
    /// success (a 2xx status and the `success` test); else the failure it documents.
    /// `in_json`: some value of it is read at a JSON path, so an answer that is not
    /// JSON cannot be one.
    fn answer<'r>(
        &self,
        reply: &LoginReply<'r>,
        in_json: bool,
        success: Option<AnswerTest>,
        step: Option<&str>,
    ) -> Result<LoginResponse<'r>, Refusal> {
        let mut response = LoginResponse::new(self.vendor, reply);
        if !in_json {
            response = response.with_text_answers();
        }
        let succeeded =
            response.is_2xx() && success.is_none_or(|test| response.is(test.spot, test.expected));
        if !succeeded {
            return Err(self.refusal(&response, step));
        }
        Ok(response)
    }

    fn refusal(&self, response: &LoginResponse<'_>, step: Option<&str>) -> Refusal {
        let documented = self.errors.iter().position(|case| {
            if case.step != step {
                return false;
            }
            let status = case.status.is_none_or(|status| response.status() == status);
            let when = case
                .when
                .is_none_or(|test| response.is(test.spot, test.expected));
            // A case that names neither a status nor a condition is the vendor's own
            // refusal only when the answer has its shape: a 500 page or a cut-off body
            // is not "CRM.COM refused the login", it falls through to the shared errors.
            let shaped = case.status.is_some() || case.when.is_some() || {
                let paths: Vec<&[&str]> = case.fields.iter().map(|f| f.path).collect();
                response.has_any(&paths)
            };
            status && when && shaped
        });
        match documented {
            Some(index) => Refusal::Documented {
                case: index,
                values: read_values(response, self.errors[index].fields, true),
            },
            None => Refusal::Runtime(response.unexpected()),
        }
    }
}

/// The values of `fields` in an answer; a failure's messages are capped, since they
/// end up in errors, logs and stored refusals.
fn read_values(response: &LoginResponse<'_>, fields: &[AnswerField], capped: bool) -> Values {
    let values: Vec<CaseValue> = fields
        .iter()
        .map(|field| match field.kind {
            AnswerKind::Text if capped => CaseValue::Text(response.message(field.path)),
            AnswerKind::Text => CaseValue::Text(response.text(field.path)),
            AnswerKind::FieldMessages => CaseValue::Messages(field_messages(response, field.path)),
        })
        .collect();
    Values(values.into_iter())
}

fn plain(value: &WireValue) -> String {
    value.text().into_owned()
}

fn secret(value: &WireValue) -> SecretString {
    match value {
        WireValue::Secret(secret) => secret.clone(),
        other => SecretString::from(plain(other)),
    }
}
