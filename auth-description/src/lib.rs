//! A vendor's token endpoint as plain data: the one description of a vendor that
//! authgen writes and reads.
//!
//! * The generator (`auth-codegen`) lowers a vendor's attribute or spec file into a
//!   [`Description`] in one function, and writes that value out as a `const` of the
//!   vendor's typed provider with one writer.
//! * The runtime (`auth-runtime`) acts on it through one interpreter: the typed
//!   provider, a provider built from a spec at run time (`authgen probe`, `authgen
//!   token`) and the mock vendor of `auth-mock` all read the same value.
//!
//! The types borrow everything they hold for a lifetime `'a`: generated code holds a
//! `Description<'static>` in a constant (no allocation, `Copy` parts, read on the hot
//! path), and the generator builds a `Description<'a>` borrowing from its own IR and an
//! arena while it expands. The runtime names them with `'static` (its aliases, such as
//! `auth_runtime::description::Description`), so users never write the lifetime.
//!
//! Its enums are exhaustive on purpose: a variant added with the grammar is a compile
//! error at every reader that does not handle it yet.
//!
//! This crate has no dependencies and no behaviour beyond reading its own data: what a
//! description means on the wire is the runtime's.

mod answer;
mod api_base;
mod credentials;
mod expiry;
mod request;

pub use answer::{AnswerTest, Expected, Rejection, Spot};
pub use api_base::{ApiBase, host_matches, host_pattern_problem};
pub use credentials::{Check, CredentialTable, FieldSpec, ProblemKind, Rule, RuleShape};
pub use expiry::{ExpiryPolicy, Lifetime};
pub use request::{Method, Placement, WireFormat};

/// A vendor's token endpoint as plain data: see the [crate] documentation. Its
/// fields may grow with the grammar.
#[derive(Debug, PartialEq)]
pub struct Description<'a> {
    /// The vendor's name as users know it (`CRM.COM`), used in every message.
    pub vendor: &'a str,
    /// The base URL template, with `{placeholder}`s (`https://{account}.modulus.biz`).
    pub base: &'a str,
    /// The placeholders of `base`, in order: the provider's settings.
    pub settings: &'a [&'a str],
    /// The credential fields and their rules.
    pub credentials: &'a CredentialTable<'a>,
    /// Where each credential field is sent, in the order of `credentials`' fields.
    pub sent: &'a [Sent<'a>],
    /// The requests sent before the login request, in order (a challenge, a CSRF token,
    /// a session id to exchange): each may bind values of its answer for the requests
    /// after it. Every attempt to log in starts again from the first.
    pub steps: &'a [Step<'a>],
    /// The values computed for the requests of a login (a digest, an HMAC, the time, a
    /// nonce), each named by templates as a binding is. Each is computed once per login
    /// attempt, when a request first names it.
    pub computed: &'a [Computed<'a>],
    /// The login endpoint: the request whose answer holds the token.
    pub login: EndpointDescription<'a>,
    /// The logout endpoint, where the vendor has one.
    pub logout: Option<EndpointDescription<'a>>,
    /// The endpoint that extends a token's life, where the vendor has one.
    pub keepalive: Option<EndpointDescription<'a>>,
    /// OAuth 2.0 (RFC 6749), when the login is a token request of a grant.
    pub oauth2: Option<OAuth2Description<'a>>,
    /// What marks a login answer as successful besides a 2xx status.
    pub success: Option<AnswerTest<'a>>,
    /// Where the token is in a successful login answer.
    pub token: Spot<'a>,
    /// Where a successful login answer states the token's expiry, and how.
    pub expiry_field: Option<ExpiryField<'a>>,
    /// Other values of a successful login answer kept on the typed response.
    pub response_fields: &'a [AnswerField<'a>],
    /// Where a successful login answer names the base URL of the API calls that follow
    /// (Salesforce's `instance_url`), and the hosts it may name.
    pub api_base: Option<ApiBase<'a>>,
    /// The documented login failures, tried in order.
    pub errors: &'a [ErrorCase<'a>],
    /// Where the token goes on API requests.
    pub placement: Placement<'a>,
    /// How an API answer says the token was rejected.
    pub rejection: Rejection<'a>,
    /// How long a token lives.
    pub expiry: ExpiryPolicy,
}

impl Description<'_> {
    /// Whether the login's answers are JSON: some value is read at a JSON path. When
    /// not, a login answer that is not JSON is no reason to fail.
    pub fn answers_in_json(&self) -> bool {
        let json = |spot: &Spot<'_>| matches!(spot, Spot::Json(_));
        json(&self.token)
            || self.success.as_ref().is_some_and(|test| json(&test.spot))
            || self.expiry_field.as_ref().is_some_and(|f| json(&f.spot))
            || self.api_base.as_ref().is_some_and(|base| json(&base.spot))
            || !self.response_fields.is_empty()
            || self.errors.iter().any(|case| {
                !case.fields.is_empty() || case.when.as_ref().is_some_and(|t| json(&t.spot))
            })
    }

    /// The token's place in words, as errors show it: `data.token`, the `x-auth`
    /// header, the `sid` cookie, the body.
    pub fn token_shown(&self) -> String {
        self.token.shown()
    }
}

/// Where a credential field is sent on the login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent<'a> {
    /// Its wire name split at the nesting (`access_token_identifier.identifier` is two).
    pub path: &'a [&'a str],
    /// In which part of the request.
    pub place: SentIn,
}

/// A part of the login request a credential field goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentIn {
    /// The body, in the endpoint's encoding.
    Body,
    /// The query string.
    Query,
    /// The user of HTTP Basic credentials.
    BasicUser,
    /// The password of HTTP Basic credentials.
    BasicPassword,
    /// Only where a template of a request names it (`{password}` in a step's body or
    /// header): not added to the token request by itself.
    Templates,
}

/// An endpoint of the vendor relative to the base URL.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointDescription<'a> {
    /// HTTP method.
    pub method: Method,
    /// Path appended to the base URL.
    pub path: &'a str,
    /// Body encoding.
    pub format: WireFormat,
    /// Constants of the body.
    pub constants: &'a [Constant<'a>],
    /// Constants of the query string.
    pub query: &'a [Constant<'a>],
    /// Headers the request carries, their values templates.
    pub headers: &'a [Header<'a>],
    /// Where the token goes on this request (a logout or keep-alive), when not where
    /// API calls carry it.
    pub placement: Option<Placement<'a>>,
}

/// A step of a login before its token request: a request of its own, whose answer is
/// tested and read into named values (bindings) the later requests may use.
#[derive(Debug, Clone, PartialEq)]
pub struct Step<'a> {
    /// Its name, as messages and documented failures name it (`challenge`).
    pub name: &'a str,
    /// The request.
    pub endpoint: EndpointDescription<'a>,
    /// What marks its answer as successful besides a 2xx status.
    pub success: Option<AnswerTest<'a>>,
    /// The values read from its answer, each under a name.
    pub bindings: &'a [Binding<'a>],
}

/// A value a step reads from its answer under a name, for the requests after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding<'a> {
    /// The name templates use (`{csrf}`).
    pub name: &'a str,
    /// Where the value is in the step's answer.
    pub spot: Spot<'a>,
    /// Kept as a secret (a session id is a credential): taken out of every answer and
    /// error, never shown. True unless the description says the value is public.
    pub secret: bool,
}

/// A value computed for a login's requests, under a name its templates use
/// (`{digest}`): once per login attempt, when a request first names it, so two
/// requests naming it send the same value and the next attempt computes it afresh.
/// It is a secret when any value its templates name is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Computed<'a> {
    /// The name templates use.
    pub name: &'a str,
    /// What it is computed with.
    pub function: Function<'a>,
}

/// What a [`Computed`] value is: each input a template, which may name credential
/// fields, values the steps bound and other computed values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function<'a> {
    /// SHA-256 (FIPS 180-4) of the template's text.
    Sha256(Template<'a>, Encoding),
    /// SHA-512 (FIPS 180-4) of the template's text.
    Sha512(Template<'a>, Encoding),
    /// HMAC-SHA-256 (RFC 2104) of `message` under `key`, both the text of templates.
    HmacSha256 {
        /// The key's template.
        key: Template<'a>,
        /// The message's template.
        message: Template<'a>,
        /// How the MAC is written.
        output: Encoding,
    },
    /// The template's text in base64 (RFC 4648 section 4 or 5; never hex).
    Base64(Template<'a>, Encoding),
    /// The template's text as it is: a name for a concatenation.
    Concat(Template<'a>),
    /// The current time.
    Now(TimeFormat),
    /// This many random bytes from the operating system's generator.
    Nonce(u8, Encoding),
    /// A random UUID (RFC 9562 version 4), in its hyphenated lower-case form.
    Uuid,
    /// A JWT (RFC 7519) signed with a key: what a client presents as its credentials in
    /// a JWT-bearer grant (RFC 7523), as a GitHub App, or as its `client_assertion`.
    Jwt(Jwt<'a>),
}

/// A JWT a login signs, afresh on every attempt: its header names the algorithm (and
/// `kid` when given); its claims are the templates', then `iat` (the current time, less
/// `backdate_secs`), `exp` (`lifetime_secs` after `iat`) and `jti` (a random UUID), the
/// times in seconds since 1970.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jwt<'a> {
    /// How it is signed.
    pub algorithm: JwtAlgorithm,
    /// The key's template: a PEM private key (RS256, ES256) or the secret's text
    /// (HS256).
    pub key: Template<'a>,
    /// The header's `kid`, a template.
    pub key_id: Option<Template<'a>>,
    /// The claims besides the times and `jti`, each a string.
    pub claims: &'a [Claim<'a>],
    /// How long after `iat` the JWT expires.
    pub lifetime_secs: u32,
    /// How long before the current time `iat` is put, for a server whose clock is
    /// behind (GitHub advises a minute).
    pub backdate_secs: u32,
}

/// A claim of a [`Jwt`]: `iss = "{client_email}"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim<'a> {
    /// The claim's name.
    pub name: &'a str,
    /// Its value, a template.
    pub value: Template<'a>,
}

/// How a [`Jwt`] is signed (RFC 7518 section 3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256, the key an RSA private key in PEM.
    Rs256,
    /// ECDSA on P-256 with SHA-256, the key a P-256 private key in PEM (PKCS#8).
    Es256,
    /// HMAC with SHA-256, the key the secret's text.
    Hs256,
}

impl JwtAlgorithm {
    /// Its name in a JWT's header, and the word the grammar writes it with.
    pub fn word(self) -> &'static str {
        match self {
            JwtAlgorithm::Rs256 => "RS256",
            JwtAlgorithm::Es256 => "ES256",
            JwtAlgorithm::Hs256 => "HS256",
        }
    }

    /// Every algorithm, in the order messages list them.
    pub const ALL: [JwtAlgorithm; 3] = [
        JwtAlgorithm::Rs256,
        JwtAlgorithm::Es256,
        JwtAlgorithm::Hs256,
    ];
}

impl<'a> Function<'a> {
    /// The templates it reads, in order (none for the clock and randomness).
    pub fn inputs(&self) -> Vec<Template<'a>> {
        match *self {
            Function::Sha256(input, _)
            | Function::Sha512(input, _)
            | Function::Base64(input, _)
            | Function::Concat(input) => vec![input],
            Function::HmacSha256 { key, message, .. } => vec![key, message],
            Function::Now(_) | Function::Nonce(..) | Function::Uuid => Vec::new(),
            Function::Jwt(jwt) => std::iter::once(jwt.key)
                .chain(jwt.key_id)
                .chain(jwt.claims.iter().map(|claim| claim.value))
                .collect(),
        }
    }
}

/// How bytes are written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Lower-case hexadecimal.
    Hex,
    /// Base64 with padding (RFC 4648 section 4).
    Base64,
    /// Base64url without padding (RFC 4648 section 5), as JWTs write it.
    Base64Url,
}

impl Encoding {
    /// The word the grammar writes it with.
    pub fn word(self) -> &'static str {
        match self {
            Encoding::Hex => "hex",
            Encoding::Base64 => "base64",
            Encoding::Base64Url => "base64url",
        }
    }

    /// Every encoding, in the order messages list them.
    pub const ALL: [Encoding; 3] = [Encoding::Hex, Encoding::Base64, Encoding::Base64Url];
}

/// How the current time is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// Seconds since the Unix epoch.
    UnixSeconds,
    /// Milliseconds since the Unix epoch.
    UnixMillis,
    /// An RFC 3339 time in UTC, to the second (`2026-12-04T18:47:49Z`).
    Rfc3339,
}

impl TimeFormat {
    /// The word the grammar writes it with.
    pub fn word(self) -> &'static str {
        match self {
            TimeFormat::UnixSeconds => "unix",
            TimeFormat::UnixMillis => "unix_ms",
            TimeFormat::Rfc3339 => "rfc3339",
        }
    }

    /// Every format, in the order messages list them.
    pub const ALL: [TimeFormat; 3] = [
        TimeFormat::UnixSeconds,
        TimeFormat::UnixMillis,
        TimeFormat::Rfc3339,
    ];
}

/// A header a request carries: `X-CSRF-Token: {csrf}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its value, a template.
    pub value: Template<'a>,
}

/// Text with `{name}` placeholders, each a credential field (by its Rust or wire name),
/// a binding of an earlier step or a [`Computed`] value; `{{` and `}}` are literal braces. The generator
/// refuses a name that is neither, so a template in a description always renders.
pub type Template<'a> = &'a str;

/// A piece of a [`Template`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text as it is.
    Text(&'a str),
    /// A literal `{` or `}` (written doubled).
    Brace(char),
    /// The value named.
    Name(&'a str),
}

/// The pieces of `template`, or the first problem in it (an unclosed `{`, an empty
/// name, a lone `}`).
pub fn pieces(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let next = rest.find(['{', '}']).unwrap_or(rest.len());
        if next > 0 {
            out.push(Piece::Text(&rest[..next]));
            rest = &rest[next..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("{{") {
            out.push(Piece::Brace('{'));
            rest = after;
        } else if let Some(after) = rest.strip_prefix("}}") {
            out.push(Piece::Brace('}'));
            rest = after;
        } else if let Some(after) = rest.strip_prefix('{') {
            let Some(end) = after.find('}') else {
                return Err(format!(
                    "`{{` without its `}}` in `{template}` (write `{{{{` for a brace)"
                ));
            };
            let name = after[..end].trim();
            if name.is_empty() || name.contains('{') {
                return Err(format!("an empty or broken `{{name}}` in `{template}`"));
            }
            out.push(Piece::Name(name));
            rest = &after[end + 1..];
        } else {
            return Err(format!(
                "a `}}` without its `{{` in `{template}` (write `}}}}` for a brace)"
            ));
        }
    }
    Ok(out)
}

/// A constant a request carries: `grant_type = "password"`, `scope = ["a", "b"]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constant<'a> {
    /// Its wire name split at the nesting.
    pub path: &'a [&'a str],
    /// Its value.
    pub value: ConstValue<'a>,
}

/// A constant's value, of any JSON type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConstValue<'a> {
    /// A string.
    Str(&'a str),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A list.
    List(&'a [ConstValue<'a>]),
    /// An object (inside a list).
    Object(&'a [(&'a str, ConstValue<'a>)]),
}

/// OAuth 2.0: the grant the token endpoint is asked for, and the revocation endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuth2Description<'a> {
    /// The `grant_type` of the login (`password`, `client_credentials`).
    pub grant: &'a str,
    /// The path of the revocation endpoint (RFC 7009), when the server has one.
    pub revoke: Option<&'a str>,
    /// Tokens bound to the session's key by DPoP (RFC 9449): a proof on the token,
    /// refresh and revocation requests and on every API call, the token sent as
    /// `Authorization: DPoP`, and only a `DPoP` token type taken.
    pub dpop: bool,
}

/// Where and how a login answer states its token's expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryField<'a> {
    /// Where it is; for a cookie, its `Max-Age` or `Expires` says it.
    pub spot: Spot<'a>,
    /// How it is written (not used for a cookie).
    pub format: ExpiryFormat,
}

/// How an answer states an expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
pub struct AnswerField<'a> {
    /// Its name on the typed response or error variant.
    pub name: &'a str,
    /// Its dotted path in the answer, split.
    pub path: &'a [&'a str],
    /// What it is read as.
    pub kind: AnswerKind,
}

/// What an answer's value is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// Text: strings, numbers and booleans; absent, `null` or empty is none.
    Text,
    /// Per-field messages (Currencycloud's `error_messages`).
    FieldMessages,
}

/// A documented login failure: a variant of the vendor's error enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCase<'a> {
    /// The variant's name (`InvalidCredentials`).
    pub variant: &'a str,
    /// The message before the fields (`CRM.COM refused the login`).
    pub display: &'a str,
    /// The step whose answer it is (its name); `None` for the token request's.
    pub step: Option<&'a str>,
    /// Matches only this HTTP status.
    pub status: Option<u16>,
    /// Matches only when this holds.
    pub when: Option<AnswerTest<'a>>,
    /// Values read from the answer into the variant.
    pub fields: &'a [AnswerField<'a>],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_read_names_text_and_doubled_braces() {
        assert_eq!(
            pieces("Bearer {session_id}"),
            Ok(vec![Piece::Text("Bearer "), Piece::Name("session_id")])
        );
        assert_eq!(
            pieces("{{x}}{ a }"),
            Ok(vec![
                Piece::Brace('{'),
                Piece::Text("x"),
                Piece::Brace('}'),
                Piece::Name("a")
            ])
        );
        assert_eq!(pieces(""), Ok(vec![]));
        assert!(pieces("{open").is_err());
        assert!(pieces("close}").is_err());
        assert!(pieces("{}").is_err());
        assert!(pieces("{a{b}").is_err());
    }
}
